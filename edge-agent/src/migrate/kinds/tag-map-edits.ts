/**
 * The edits a tag change makes to the tag maps in scope (YAML or JSON files
 * that validate as a `TagMap`): the tag's name, and where the change says so
 * its Modbus type, table and address and its OPC UA node. Edits are splices at
 * the YAML nodes' ranges, so comments and layout stay; the edited map must
 * still validate (a retype that no longer fits, overlapping addresses: refused).
 */
import { REGISTER_COUNT, TagMap, TagType } from '@plcfleet/protocols';
import { isScalar, parseDocument } from 'yaml';
import type { ProgramFile } from '../../sources';
import type { TagTarget } from './tag-targets';
import { applyTextEdits, lineAt, TagChangeRefused, type TextEdit } from './text-edits';

const lower = (s: string) => s.toLowerCase();

/** True when a tag map's tag name refers to the target: `Name`, or `Scope.Name` with a scope that qualifies it. */
function tagNameRefersTo(tagName: string, t: TagTarget): boolean {
  const parts = tagName.split('.');
  if (lower(parts.at(-1)!) !== lower(t.name)) return false;
  if (parts.length === 1) return !t.memberOf;
  return t.qualifiers.has(lower(parts.at(-2)!));
}

/** A YAML/JSON file that says it is a tag map; `null` for other files. Refuses a tag map that does not validate. */
export function readTagMapFile(file: ProgramFile): TagMap | null {
  if (!/\.(ya?ml|json)$/i.test(file.path)) return null;
  // A tag map says `kind: TagMap`; HMI screens (most files in scope) are not parsed as YAML for nothing.
  if (!file.text.includes('TagMap')) return null;
  const doc = parseDocument(file.text);
  if (doc.errors.length > 0) return null;
  const value: unknown = doc.toJS();
  if (!value || typeof value !== 'object' || (value as { kind?: unknown }).kind !== 'TagMap') return null;
  const r = TagMap.safeParse(value);
  if (!r.success)
    throw new TagChangeRefused(
      `${file.path}: a tag map that does not validate before the change: ${r.error.issues[0]?.message}`,
    );
  return r.data;
}

/** The edits of every target in one tag map; refuses retypes that do not fit and a map left invalid. */
export function tagMapEdits(file: ProgramFile, map: TagMap, targets: readonly TagTarget[]): TextEdit[] {
  const doc = parseDocument(file.text);
  const edits: TextEdit[] = [];
  map.tags.forEach((tag, i) => {
    for (const t of targets) {
      if (!tagNameRefersTo(tag.name, t)) continue;
      const label = `tagChanges[${t.index}] ${t.change.from} → ${t.change.to}`;
      const lineOf = (path: (string | number)[]) => {
        const node = doc.getIn(['tags', i, ...path], true);
        return isScalar(node) && node.range ? lineAt(file.text, node.range[0]) : 1;
      };
      const set = (path: (string | number)[], value: string | number, kind: string) => {
        const node = doc.getIn(['tags', i, ...path], true);
        if (!isScalar(node) || !node.range)
          throw new TagChangeRefused(
            `${label}: ${file.path}: tags[${i}].${path.join('.')} is not a plain value; not edited`,
          );
        const [start, end] = node.range;
        const old = String(node.value);
        const slice = file.text.slice(start, end);
        if (!slice.includes(old))
          throw new TagChangeRefused(
            `${label}: ${file.path}:${lineAt(file.text, start)}: tags[${i}].${path.join('.')} is written in a form not edited`,
          );
        edits.push({
          file: file.path,
          offset: start,
          end,
          expect: slice,
          text: slice.replace(old, String(value)),
          line: lineAt(file.text, start),
          what: `${label} (tag map ${kind})`,
        });
      };
      if (t.name !== t.newName) {
        const parts = tag.name.split('.');
        set(['name'], [...parts.slice(0, -1), t.newName].join('.'), 'name');
      }
      if (t.change.type && lower(t.change.type) !== lower(tag.modbus.type)) {
        const type = TagType.safeParse(t.change.type.toUpperCase());
        if (!type.success)
          throw new TagChangeRefused(
            `${label}: ${file.path}:${lineOf(['modbus', 'type'])}: ${t.change.type} does not fit a Modbus register (one of ${TagType.options.join(', ')})`,
          );
        set(
          ['modbus', 'type'],
          type.data,
          `type ${tag.modbus.type} → ${type.data}, ${REGISTER_COUNT[type.data]} register(s)`,
        );
      }
      if (t.change.modbus) {
        if (t.change.modbus.table !== tag.modbus.table)
          set(['modbus', 'table'], t.change.modbus.table, 'table');
        if (t.change.modbus.address !== tag.modbus.address)
          set(['modbus', 'address'], t.change.modbus.address, 'address');
      }
      if (t.change.opcua) {
        if (t.change.opcua.nodeId !== tag.opcua.nodeId)
          set(['opcua', 'nodeId'], t.change.opcua.nodeId, 'node id');
        const b = t.change.opcua.browseName;
        if (b !== undefined && b !== tag.opcua.browseName) set(['opcua', 'browseName'], b, 'browse name');
      }
    }
  });
  if (edits.length === 0) return edits;
  // The map as edited must still validate: a type that no longer fits its table, overlapping addresses.
  const [after] = applyTextEdits([file], edits);
  const doc2 = parseDocument(after!.text);
  const r = TagMap.safeParse(doc2.toJS());
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const node = doc2.getIn(issue.path as (string | number)[], true) as { range?: [number] } | undefined;
    const line = node?.range ? lineAt(after!.text, node.range[0]) : 1;
    const i = typeof issue.path[1] === 'number' ? issue.path[1] : -1;
    const name = i >= 0 ? (doc2.getIn(['tags', i, 'name']) as string) : '';
    throw new TagChangeRefused(
      `${name ? `tag ${name}: ` : ''}${file.path}:${line}: the tag map would not validate after the change: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  return edits;
}

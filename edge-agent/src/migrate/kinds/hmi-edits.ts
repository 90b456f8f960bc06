/**
 * HMI/SCADA files (JSON, XML, YAML, CSV screen and tag definitions): a tag
 * appears in them as a whole token, bare or qualified (`Main.Tag`,
 * `GVL_IO.Tag`, `[PLC]Tag`, `Line.M1.Running`). Each occurrence that refers
 * to a renamed variable is spliced; occurrences qualified by another scope are
 * left alone; a bare occurrence of a name several scopes declare is ambiguous
 * and refused. When a change gives a faceplate's function block another
 * interface (a library-update), a pin renamed — the only one of its section
 * and type removed, and the only one added — is followed in the HMI; after a
 * change, references to members that no longer exist (a pin removed, or
 * renamed where the rename is not that clear) are dangling and fail the verdict.
 */
import { type CheckedProject, type PouSymbol, typeName, type VarSymbol } from '@plcfleet/toolchain/iec';
import type { ProgramFile } from '../../sources';
import type { TagTarget } from './tag-targets';
import { escapeRegExp, lineAt, TagChangeRefused, type TextEdit } from './text-edits';

/** HMI/SCADA text formats whose tag references are rewritten. */
export const HMI_TEXT_FORMATS = /\.(json|xml|ya?ml|csv)$/i;

const lower = (s: string) => s.toLowerCase();
const QUALIFIER = /([A-Za-z_][A-Za-z0-9_]*)\.$/;

/** Whole-token occurrences of `name` (case-insensitive, as ST names are), with the identifier qualifying each. */
export function tokenOccurrences(text: string, name: string): { offset: number; qualifier?: string }[] {
  const re = new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(name)}(?![A-Za-z0-9_])`, 'gi');
  const out: { offset: number; qualifier?: string }[] = [];
  for (const m of text.matchAll(re)) {
    const q = QUALIFIER.exec(text.slice(Math.max(0, m.index - 128), m.index))?.[1];
    out.push({ offset: m.index, ...(q ? { qualifier: q } : {}) });
  }
  return out;
}

/** Names that qualify variables in text: POUs, GVLs and function block instances (lower case). */
export function scopeNames(checked: CheckedProject): Set<string> {
  const out = new Set<string>();
  for (const p of checked.pous.values()) {
    if (p.builtin) continue;
    out.add(lower(p.name));
    for (const v of p.vars.values()) if (v.type.kind === 'fb') out.add(lower(v.name));
  }
  for (const g of checked.globals.values()) {
    if (g.gvl) out.add(lower(g.gvl));
    if (g.type.kind === 'fb') out.add(lower(g.name));
  }
  return out;
}

/** The edits of every target in one HMI text file; refuses an ambiguous bare reference. */
export function hmiEdits(file: ProgramFile, targets: readonly TagTarget[], scopes: Set<string>): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const t of targets) {
    if (t.name === t.newName) continue;
    const label = `tagChanges[${t.index}] ${t.change.from} → ${t.change.to}`;
    for (const o of tokenOccurrences(file.text, t.name)) {
      const line = lineAt(file.text, o.offset);
      const q = o.qualifier && scopes.has(lower(o.qualifier)) ? lower(o.qualifier) : undefined;
      if (q !== undefined) {
        if (!t.qualifiers.has(q)) continue; // another scope's variable of the same name
      } else if (t.memberOf)
        continue; // a pin is reached only through an instance
      else if (t.ambiguousBare)
        throw new TagChangeRefused(
          `${label}: ${file.path}:${line}: ambiguous reference "${file.text.slice(o.offset, o.offset + t.name.length)}": ${t.name} is declared in more than one scope; qualify it in the HMI file`,
        );
      edits.push({
        file: file.path,
        offset: o.offset,
        end: o.offset + t.name.length,
        expect: t.name,
        text: t.newName,
        line,
        what: `${label} (HMI reference)`,
      });
    }
  }
  return edits;
}

/**
 * `Scope.Member` references in HMI files to members that the change removed or
 * renamed (a faceplate pin of a function block instance, a program or GVL
 * variable): each is `file:line: text`.
 */
export function danglingHmiReferences(
  files: readonly ProgramFile[],
  before: CheckedProject,
  after: CheckedProject,
): string[] {
  const members = (c: CheckedProject) => {
    const out = new Map<string, Set<string>>();
    const add = (scope: string, names: Iterable<string>) =>
      out.set(lower(scope), new Set([...(out.get(lower(scope)) ?? []), ...[...names].map(lower)]));
    for (const p of c.pous.values()) {
      if (p.builtin) continue;
      if (p.kind === 'program') add(p.name, p.vars.keys());
      for (const v of p.vars.values()) if (v.type.kind === 'fb') add(v.name, v.type.pou.vars.keys());
    }
    for (const g of c.globals.values()) {
      if (g.gvl) add(g.gvl, [g.name]);
      if (g.type.kind === 'fb') add(g.name, g.type.pou.vars.keys());
    }
    return out;
  };
  const old = members(before);
  const now = members(after);
  const gone: { scope: string; member: string }[] = [];
  for (const [scope, names] of old)
    for (const m of names) if (now.has(scope) && !now.get(scope)!.has(m)) gone.push({ scope, member: m });
  const out: string[] = [];
  for (const f of files)
    for (const g of gone)
      for (const o of tokenOccurrences(f.text, g.member))
        if (o.qualifier && lower(o.qualifier) === g.scope)
          out.push(
            `${f.path}:${lineAt(f.text, o.offset)}: ${o.qualifier}.${f.text.slice(o.offset, o.offset + g.member.length)}`,
          );
  return out;
}

/** A faceplate pin the change renamed, reached in HMI files as `Instance.Pin`. */
export interface PinRename {
  /** The instance (lower case): a PROGRAM variable or a global of function block type. */
  instance: string;
  from: string;
  to: string;
  /** The blocks before and after, for the evidence (`FB_Valve.IsOpen → FB_ValveCtrl.Opened`). */
  what: string;
}

/** Function block instances by lower-case name, with their block. */
function instances(c: CheckedProject): Map<string, PouSymbol> {
  const out = new Map<string, PouSymbol>();
  for (const p of c.pous.values()) {
    if (p.builtin || p.kind !== 'program') continue;
    for (const v of p.vars.values()) if (v.type.kind === 'fb') out.set(lower(v.name), v.type.pou);
  }
  for (const g of c.globals.values()) if (g.type.kind === 'fb') out.set(lower(g.name), g.type.pou);
  return out;
}

const pinKey = (v: VarSymbol) => `${v.section}:${lower(typeName(v.type))}`;

/**
 * Pins of function block instances that the change renamed: where an
 * instance's block lost pins and gained others (a new library version, an
 * edited faceplate), a removed pin pairs with an added one when each is the
 * only one of its section and type on its side. Anything less clear is not
 * paired — an HMI reference to it stays dangling and fails the verdict.
 */
export function faceplatePinRenames(before: CheckedProject, after: CheckedProject): PinRename[] {
  const now = instances(after);
  const out: PinRename[] = [];
  for (const [instance, oldFb] of instances(before)) {
    const newFb = now.get(instance);
    if (!newFb) continue;
    const removed = [...oldFb.vars.values()].filter((v) => !newFb.vars.has(lower(v.name)));
    const added = [...newFb.vars.values()].filter((v) => !oldFb.vars.has(lower(v.name)));
    for (const r of removed) {
      const key = pinKey(r);
      const to = added.filter((a) => pinKey(a) === key);
      if (to.length !== 1 || removed.filter((x) => pinKey(x) === key).length !== 1) continue;
      out.push({
        instance,
        from: r.name,
        to: to[0]!.name,
        what: `${oldFb.name}.${r.name} → ${newFb.name}.${to[0]!.name}`,
      });
    }
  }
  return out;
}

/** The edits of the renamed pins in one HMI text file: every `Instance.Pin` (whole token) of a renamed pin. */
export function hmiPinEdits(file: ProgramFile, renames: readonly PinRename[]): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const r of renames)
    for (const o of tokenOccurrences(file.text, r.from)) {
      if (!o.qualifier || lower(o.qualifier) !== r.instance) continue;
      edits.push({
        file: file.path,
        offset: o.offset,
        end: o.offset + r.from.length,
        expect: r.from,
        text: r.to,
        line: lineAt(file.text, o.offset),
        what: `faceplate pin ${r.what} (HMI reference)`,
      });
    }
  return edits;
}

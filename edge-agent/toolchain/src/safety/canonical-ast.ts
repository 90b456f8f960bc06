/**
 * A canonical, printing-independent text of any syntax-tree node: positions,
 * comments, the raw spelling of literals and redundant parentheses are
 * dropped, and names are case-folded (IEC 61131-3 §6.1.2). Two nodes with the
 * same canonical text mean the same program text; layout, comments, pragmas
 * and attributes (`{attribute 'hide'}`, `{warning '...'}`) and the spelling
 * `T#1s` / `T#1000MS` / `16#FF` / `255` do not count. Pragmas that force
 * values or switch checks off are judged by their own rule (`forcing/pragma`),
 * not as a change of the statement they stand before.
 *
 * The diff compares statements by this text and the certified-POU hash is the
 * SHA-256 of it.
 */
import { createHash } from 'node:crypto';
import type { Node } from '../iec';

/** Keys that carry no meaning for the program's behaviour. */
const DROPPED = new Set([
  'span',
  'nameSpan',
  'memberSpan',
  'leadingComments',
  'trailingComments',
  'comments',
  'pragmas',
  'raw',
  'file',
  'format',
]);

/** Keys whose string values are identifiers (case-insensitive). */
const NAME_KEYS = new Set([
  'name',
  'member',
  'label',
  'typeName',
  'extends',
  'implements',
  'program',
  'task',
  'on',
]);

/** Options of {@link canonical}. */
export interface CanonicalOptions {
  /** Maps a case-folded identifier to the name to print instead (alpha-renaming of locals). @default none */
  rename?: ReadonlyMap<string, string>;
}

const cache = new WeakMap<object, string>();

/**
 * The canonical text of a node.
 *
 * @example canonical(stmt) === canonical(otherStmt) // same statement, whatever the layout
 */
export function canonical(node: Node | readonly Node[], options: CanonicalOptions = {}): string {
  const rename = options.rename && options.rename.size > 0 ? options.rename : undefined;
  return emit(node, rename);
}

function emit(value: unknown, rename: ReadonlyMap<string, string> | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const v of value) {
      if ((v as { kind?: string }).kind === 'Empty') continue;
      parts.push(emit(v, rename));
    }
    return `[${parts.join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  if (obj.kind === 'Paren') return emit(obj.expression, rename);
  if (!rename) {
    const hit = cache.get(obj);
    if (hit !== undefined) return hit;
  }
  const keys = Object.keys(obj)
    .filter((k) => !DROPPED.has(k) && obj[k] !== undefined)
    .sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = obj[k];
    let text: string;
    if (NAME_KEYS.has(k) && typeof v === 'string') text = JSON.stringify(name(v, obj.kind, k, rename));
    else if (NAME_KEYS.has(k) && Array.isArray(v) && v.every((x) => typeof x === 'string'))
      text = JSON.stringify(v.map((x: string) => x.toLowerCase()));
    else if (obj.kind === 'EnumLiteral' && k === 'value' && typeof v === 'string')
      text = JSON.stringify(v.toLowerCase());
    else text = emit(v, rename);
    parts.push(`${k}:${text}`);
  }
  const out = `{${parts.join(',')}}`;
  if (!rename) cache.set(obj, out);
  return out;
}

function name(
  v: string,
  kind: unknown,
  key: string,
  rename: ReadonlyMap<string, string> | undefined,
): string {
  const folded = v.toLowerCase();
  // Only plain identifiers and declared names are renamed: members, types and labels keep their names.
  if (rename && key === 'name' && (kind === 'Identifier' || kind === undefined))
    return rename.get(folded) ?? folded;
  return folded;
}

/** SHA-256 (hex) of a node's canonical text. */
export function canonicalHash(node: Node | readonly Node[], options: CanonicalOptions = {}): string {
  return createHash('sha256').update(canonical(node, options)).digest('hex');
}

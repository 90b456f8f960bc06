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

/** One step of {@link emit}: a value to print, fixed text, or the end of an object (cached). */
type Task = { v: unknown } | { text: string } | { close: object; start: number };

/**
 * Prints a value with an explicit stack, not recursion: a 20,000-term expression is a
 * 20,000-deep tree (#14 point 2), and pieces are joined with `+` (V8 keeps them as ropes).
 */
function emit(root: unknown, rename: ReadonlyMap<string, string> | undefined): string {
  const out: string[] = [];
  const stack: Task[] = [{ v: root }];
  const later: Task[] = [];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if ('text' in t) {
      out.push(t.text);
      continue;
    }
    if ('close' in t) {
      let joined = '';
      for (let i = t.start; i < out.length; i++) joined += out[i];
      out.length = t.start;
      joined += '}';
      if (!rename) cache.set(t.close, joined);
      out.push(joined);
      continue;
    }
    const value = t.v;
    if (value === null || value === undefined) out.push('null');
    else if (typeof value === 'bigint') out.push(`${value}n`);
    else if (typeof value !== 'object') out.push(JSON.stringify(value));
    else if (Array.isArray(value)) {
      later.length = 0;
      later.push({ text: '[' });
      let first = true;
      for (const v of value) {
        if ((v as { kind?: string } | null)?.kind === 'Empty') continue;
        if (!first) later.push({ text: ',' });
        first = false;
        later.push({ v });
      }
      later.push({ text: ']' });
      for (let i = later.length - 1; i >= 0; i--) stack.push(later[i]!);
    } else {
      const obj = value as Record<string, unknown>;
      if (obj.kind === 'Paren') {
        stack.push({ v: obj.expression });
        continue;
      }
      if (!rename) {
        const hit = cache.get(obj);
        if (hit !== undefined) {
          out.push(hit);
          continue;
        }
      }
      const keys = Object.keys(obj)
        .filter((k) => !DROPPED.has(k) && obj[k] !== undefined)
        .sort();
      const tasks: Task[] = [{ text: '{' }];
      for (const [i, k] of keys.entries()) {
        const v = obj[k];
        tasks.push({ text: `${i > 0 ? ',' : ''}${k}:` });
        if (NAME_KEYS.has(k) && typeof v === 'string')
          tasks.push({ text: JSON.stringify(name(v, obj.kind, k, rename)) });
        else if (NAME_KEYS.has(k) && Array.isArray(v) && v.every((x) => typeof x === 'string'))
          tasks.push({ text: JSON.stringify(v.map((x: string) => x.toLowerCase())) });
        else if (obj.kind === 'EnumLiteral' && k === 'value' && typeof v === 'string')
          tasks.push({ text: JSON.stringify(v.toLowerCase()) });
        else tasks.push({ v });
      }
      stack.push({ close: obj, start: out.length });
      for (let i = tasks.length - 1; i >= 0; i--) stack.push(tasks[i]!);
    }
  }
  return out.join('');
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

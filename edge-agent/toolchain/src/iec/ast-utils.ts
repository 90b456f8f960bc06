/**
 * Generic helpers over the syntax tree: comparing trees without positions (the
 * round-trip property of the printer) and their JSON form. Walking the tree is
 * `visitor.ts`'s job.
 */

import type { Span } from './ast';

const POSITION_KEYS = new Set(['span', 'nameSpan', 'memberSpan']);
const MAX_INDENTED_DEPTH = 256;

/**
 * A deep copy without positions (`span`, `nameSpan`, `memberSpan`), with
 * comments reduced to their text and without source metadata that ST cannot
 * spell (`bodyLanguage`, a TwinCAT GVL's object name) — the form in which
 * parse(print(ast)) must equal ast.
 */
export function withoutPositions(value: unknown): unknown {
  // iterative: a 20,000-term chain is 20,000 levels deep
  const root: { v: unknown } = { v: undefined };
  const stack: [unknown, Record<string | number, unknown>, string | number][] = [[value, root, 'v']];
  while (stack.length > 0) {
    const [val, into, at] = stack.pop()!;
    if (Array.isArray(val)) {
      const arr: unknown[] = new Array(val.length);
      into[at] = arr;
      for (let i = val.length - 1; i >= 0; i--)
        stack.push([val[i], arr as unknown as Record<number, unknown>, i]);
      continue;
    }
    if (typeof val !== 'object' || val === null) {
      into[at] = val;
      continue;
    }
    const obj = val as Record<string, unknown>;
    if (obj.kind === 'Comment') {
      into[at] = obj.text;
      continue;
    }
    const out: Record<string, unknown> = {};
    into[at] = out;
    // keys are created in sorted order here; children fill their slot later
    for (const key of Object.keys(obj).sort()) {
      if (POSITION_KEYS.has(key)) continue;
      // the unit's flat comment list and the source file/format are not part of the tree's meaning
      if (obj.kind === 'CompilationUnit' && (key === 'comments' || key === 'file' || key === 'format'))
        continue;
      // origin metadata of XML sources (GVL object name, LD body) has no ST spelling
      if (key === 'bodyLanguage' || (obj.kind === 'GlobalVarList' && key === 'name')) continue;
      if (key === 'names' && Array.isArray(obj[key])) {
        out[key] = (obj[key] as { name: string }[]).map((n) => n.name);
        continue;
      }
      out[key] = undefined;
      stack.push([obj[key], out, key]);
    }
  }
  return root.v;
}

/** Structural equality ignoring positions (see {@link withoutPositions}). */
export function astEqual(a: unknown, b: unknown): boolean {
  return stableJson(withoutPositions(a)) === stableJson(withoutPositions(b));
}

function stableJson(v: unknown): string {
  return toJson(v, (x) => (typeof x === 'bigint' ? `${x}n` : x), '');
}

/** JSON of a tree (bigints as decimal strings), for `plcfleet-agent ast` and tools. */
export function astToJson(node: unknown, indent = 2): string {
  return toJson(node, (x) => (typeof x === 'bigint' ? x.toString() : x), ' '.repeat(indent));
}

/**
 * `JSON.stringify(value, replacer, indent)` without recursion (V8's own
 * recurses and overflows on a 20,000-term chain); the same text for the values
 * a syntax tree holds (objects, arrays, strings, numbers, Booleans, null, bigints
 * through `map`) up to 256 levels deep, compact below that.
 */
function toJson(value: unknown, map: (x: unknown) => unknown, indent: string): string {
  const out: string[] = [];
  type Frame = { text: string } | { v: unknown; depth: number; inArray: boolean };
  const stack: Frame[] = [{ v: value, depth: 0, inArray: false }];
  // past 256 levels lines are not indented: the indentation of a 20,000-deep chain alone
  // would outgrow the longest string V8 can build
  const nl = (depth: number) => (indent && depth <= MAX_INDENTED_DEPTH ? `\n${indent.repeat(depth)}` : '');
  while (stack.length > 0) {
    const f = stack.pop()!;
    if ('text' in f) {
      out.push(f.text);
      continue;
    }
    // a value's own JSON first, as JSON.stringify reads it (a parser's span, {@link TextSpan})
    const own = f.v as { toJSON?: unknown } | null | undefined;
    const v = map(
      typeof own === 'object' && own !== null && typeof own.toJSON === 'function' ? own.toJSON() : f.v,
    );
    if (v === null || (typeof v === 'number' && !Number.isFinite(v))) out.push('null');
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out.push(JSON.stringify(v));
    else if (v === undefined || typeof v === 'function' || typeof v === 'symbol')
      out.push(f.inArray ? 'null' : '');
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push('[]');
        continue;
      }
      const parts: Frame[] = [{ text: '[' }];
      v.forEach((x, i) => {
        parts.push(
          { text: `${i > 0 ? ',' : ''}${nl(f.depth + 1)}` },
          { v: x, depth: f.depth + 1, inArray: true },
        );
      });
      parts.push({ text: `${nl(f.depth)}]` });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]!);
    } else {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => {
        const x = map(obj[k]);
        return x !== undefined && typeof x !== 'function' && typeof x !== 'symbol';
      });
      if (keys.length === 0) {
        out.push('{}');
        continue;
      }
      const parts: Frame[] = [{ text: '{' }];
      keys.forEach((k, i) => {
        parts.push(
          { text: `${i > 0 ? ',' : ''}${nl(f.depth + 1)}${JSON.stringify(k)}:${indent ? ' ' : ''}` },
          { v: obj[k], depth: f.depth + 1, inArray: false },
        );
      });
      parts.push({ text: `${nl(f.depth)}}` });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]!);
    }
  }
  return out.join('');
}

function isSpan(v: unknown): v is Span {
  return typeof v === 'object' && v !== null && 'endOffset' in v && 'file' in v && 'line' in v;
}

/**
 * Replaces every span under `node` through `map`, in place: converted bodies
 * (IL, FBD, SFC, xhtml-wrapped ST) point their diagnostics back at the source
 * element they came from. An explicit stack, since converted bodies can be deep.
 */
export function remapSpans(node: unknown, map: (s: Span) => Span): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (const x of cur) stack.push(x);
      continue;
    }
    if (typeof cur !== 'object' || cur === null) continue;
    const obj = cur as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (isSpan(v)) obj[key] = map(v);
      else if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
}

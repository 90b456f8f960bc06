/**
 * Generic helpers over the syntax tree: comparing trees without positions (the
 * round-trip property of the printer) and their JSON form. Walking the tree is
 * `visitor.ts`'s job.
 */

const POSITION_KEYS = new Set(['span', 'nameSpan', 'memberSpan']);

/**
 * A deep copy without positions (`span`, `nameSpan`, `memberSpan`), with
 * comments reduced to their text and without source metadata that ST cannot
 * spell (`bodyLanguage`, a TwinCAT GVL's object name) — the form in which
 * parse(print(ast)) must equal ast.
 */
export function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (obj.kind === 'Comment') return obj.text;
  const out: Record<string, unknown> = {};
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
    out[key] = withoutPositions(obj[key]);
  }
  return out;
}

/** Structural equality ignoring positions (see {@link withoutPositions}). */
export function astEqual(a: unknown, b: unknown): boolean {
  return stableJson(withoutPositions(a)) === stableJson(withoutPositions(b));
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

/** JSON of a tree (bigints as decimal strings), for `plcfleet-agent ast` and tools. */
export function astToJson(node: unknown, indent = 2): string {
  return JSON.stringify(node, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), indent);
}

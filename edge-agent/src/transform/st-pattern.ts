/**
 * Code patterns in ST syntax with metavariables, matched on the syntax tree
 * (never on text): `IF $sensor = TRUE THEN $out := TRUE; END_IF;` matches any
 * IF statement of that shape and binds `sensor` and `out` to the expressions
 * found there. A metavariable stands for one expression (a variable, an FB
 * instance, a member access, a literal…); written twice, both places must hold
 * the same expression. Named call arguments match in any order (ST allows any
 * order); layout, comments and name case never matter.
 */
import type { CallArgument, Expression, Node, Statement } from '@plcfleet/toolchain/iec';
import { EdgeAgentError } from '../edge-agent-error';
import { childrenOf, type PouOutline, sameTree } from './st-ast';
import { parseStatements } from './st-front-end';

const MV_PREFIX = '__plcfleet_mv_';
const MV_RE = /\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g;

/** A compiled pattern: the statements to find, and its metavariable names. */
export interface StPattern {
  source: string;
  statements: Statement[];
  metavariables: string[];
}

/** A pattern that does not parse as ST statements (code `BAD_PATTERN`). */
export class PatternError extends EdgeAgentError<'BAD_PATTERN'> {
  override readonly name = 'PatternError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_PATTERN', message, {}, options);
  }
}

/** Compiles a pattern; throws {@link PatternError} with the parser's message when it is not valid ST. */
export function compilePattern(source: string): StPattern {
  const names = new Set<string>();
  const text = source.replace(MV_RE, (_m, braced: string | undefined, bare: string | undefined) => {
    const n = (braced ?? bare)!;
    names.add(n);
    return MV_PREFIX + n;
  });
  const parsed = parseStatements(text, 'pattern');
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new PatternError(`pattern does not parse: ${errors[0]!.message} (line ${errors[0]!.line - 1})`);
  const decl = parsed.unit.declarations[0];
  if (decl?.kind !== 'Program' || decl.body.length === 0)
    throw new PatternError('pattern holds no statement');
  return { source, statements: decl.body, metavariables: [...names] };
}

/** Metavariable bindings: name → the expression found. */
export type Bindings = Map<string, Expression>;

/** One match: consecutive statements of one statement list, with bindings. */
export interface PatternMatch {
  statements: Statement[];
  bindings: Bindings;
}

function metavariable(node: unknown): string | null {
  if (typeof node === 'object' && node !== null && (node as Node).kind === 'Identifier') {
    const name = (node as { name: string }).name;
    if (name.toLowerCase().startsWith(MV_PREFIX)) return name.slice(MV_PREFIX.length);
  }
  return null;
}

const IGNORED = new Set([
  'span',
  'nameSpan',
  'memberSpan',
  'pragmas',
  'leadingComments',
  'trailingComments',
  'comments',
  'raw',
]);

function matchValue(p: unknown, t: unknown, b: Bindings): boolean {
  const mv = metavariable(p);
  if (mv !== null) {
    if (typeof t !== 'object' || t === null) return false;
    const bound = b.get(mv);
    if (bound) return sameTree(bound, t);
    b.set(mv, t as Expression);
    return true;
  }
  if (p === t) return true;
  if (typeof p !== typeof t) return false;
  if (typeof p === 'string') return p.toLowerCase() === (t as string).toLowerCase();
  if (typeof p !== 'object' || p === null || t === null) return false;
  if (Array.isArray(p)) {
    if (!Array.isArray(t) || p.length !== t.length) return false;
    return p.every((x, i) => matchValue(x, t[i], b));
  }
  const pk = p as Record<string, unknown>;
  const tk = t as Record<string, unknown>;
  if (pk.kind === 'Call' && tk.kind === 'Call') return matchCall(pk, tk, b);
  const keys = new Set([...Object.keys(pk), ...Object.keys(tk)].filter((k) => !IGNORED.has(k)));
  for (const k of keys) {
    if (pk[k] === undefined && tk[k] === undefined) continue;
    if (!matchValue(pk[k], tk[k], b)) return false;
  }
  return true;
}

// Named arguments in any order; positional ones in order.
function matchCall(p: Record<string, unknown>, t: Record<string, unknown>, b: Bindings): boolean {
  if (!matchValue(p.callee, t.callee, b)) return false;
  const pa = p.args as CallArgument[];
  const ta = t.args as CallArgument[];
  if (pa.length !== ta.length) return false;
  const used = new Set<number>();
  for (const [i, arg] of pa.entries()) {
    let j: number;
    if (arg.name === undefined) j = ta[i]?.name === undefined ? i : -1;
    else
      j = ta.findIndex(
        (x, k) => !used.has(k) && x.name !== undefined && x.name.toLowerCase() === arg.name!.toLowerCase(),
      );
    if (j < 0 || used.has(j)) return false;
    const tArg = ta[j]!;
    if (arg.direction !== tArg.direction || arg.negated !== tArg.negated) return false;
    if ((arg.value === undefined) !== (tArg.value === undefined)) return false;
    if (arg.value && !matchValue(arg.value, tArg.value, b)) return false;
    used.add(j);
  }
  return true;
}

/** Matches the pattern against the statements starting at `list[start]`. */
function matchAt(pattern: StPattern, list: readonly Statement[], start: number): Bindings | null {
  if (start + pattern.statements.length > list.length) return null;
  const b: Bindings = new Map();
  for (const [i, ps] of pattern.statements.entries()) if (!matchValue(ps, list[start + i], b)) return null;
  return b;
}

/** Every statement list nested in a statement (IF branches, CASE branches, loop bodies). */
function nestedLists(s: Statement): Statement[][] {
  switch (s.kind) {
    case 'If':
      return [s.then, ...s.elsifs.map((e) => e.body), ...(s.else ? [s.else] : [])];
    case 'Case':
      return [...s.branches.map((br) => br.body), ...(s.else ? [s.else] : [])];
    case 'For':
    case 'While':
    case 'Repeat':
      return [s.body];
    default:
      return [];
  }
}

/** Finds non-overlapping matches in a statement list and, outside matches, in nested lists (source order). */
export function findInStatements(
  pattern: StPattern,
  list: readonly Statement[],
  out: PatternMatch[] = [],
): PatternMatch[] {
  let i = 0;
  while (i < list.length) {
    const b = matchAt(pattern, list, i);
    if (b) {
      out.push({ statements: list.slice(i, i + pattern.statements.length), bindings: b });
      i += pattern.statements.length;
      continue;
    }
    for (const nested of nestedLists(list[i]!)) findInStatements(pattern, nested, out);
    i++;
  }
  return out;
}

/** Finds the pattern in every body of a POU. */
export function findInPou(pattern: StPattern, pou: PouOutline): PatternMatch[] {
  const out: PatternMatch[] = [];
  for (const body of pou.bodies) findInStatements(pattern, body, out);
  return out;
}

/** The source text of a bound expression (its span in `text`). */
export function bindingText(e: Expression, text: string): string {
  return text.slice(e.span.offset, e.span.endOffset);
}

/** Expands `$name` and `${name}` in a template with the given texts; throws on an unbound name. */
export function expandTemplate(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(MV_RE, (_m, braced: string | undefined, bare: string | undefined) => {
    const n = (braced ?? bare)!;
    const v = values.get(n);
    if (v === undefined) throw new PatternError(`template uses $${n}, which the match pattern does not bind`);
    return v;
  });
}

/** True when a node is or contains nothing but identifiers, for `${name}_Suffix` expansions. */
export function isSimpleName(e: Expression): boolean {
  return e.kind === 'Identifier' && childrenOf(e).length === 0;
}

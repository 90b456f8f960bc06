/**
 * CODESYS/TwinCAT conditional compilation: `{IF defined(X)}`, `{ELSIF ...}`,
 * `{ELSE}`, `{END_IF}` pragmas. The parser keeps every branch as code (the
 * pragmas ride on the nodes: `pragmas` before a node, `trailingPragmas` at
 * the end of a block), so printing gives the file back; a consumer that
 * needs the program one configuration compiles asks {@link activeNodes}
 * with that configuration's define set.
 */
import type { NodeBase, Pragma } from './ast';

/** The names a configuration defines (compiler defines, and `pou:`/`variable:`/`type:` names it has). */
export type DefineSet = ReadonlySet<string>;

type Token = { kind: 'name' | 'op' | '(' | ')' | 'arg'; text: string };

function tokens(text: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s*(?:(\()|(\))|([A-Za-z_][A-Za-z0-9_.]*)\s*:\s*([A-Za-z_][A-Za-z0-9_.]*)|([A-Za-z_][A-Za-z0-9_.]*)|('[^']*'))/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1]) out.push({ kind: '(', text: '(' });
    else if (m[2]) out.push({ kind: ')', text: ')' });
    else if (m[3])
      out.push({ kind: 'arg', text: m[4]! }); // `pou: Name` — the name is what counts
    else if (m[5]) {
      const up = m[5].toUpperCase();
      out.push(
        up === 'AND' || up === 'OR' || up === 'NOT' ? { kind: 'op', text: up } : { kind: 'name', text: m[5] },
      );
    } else if (m[6]) out.push({ kind: 'arg', text: m[6].slice(1, -1) });
    if (m[0].trim() === '') break;
  }
  return out;
}

/**
 * Evaluates the condition of `{IF ...}` / `{ELSIF ...}`: `defined(X)`,
 * `defined(pou: X)`, `defined(variable: X)`, `defined(type: X)`, NOT, AND,
 * OR and parentheses. Other tests (`hasattribute`, `hastype`, `hasvalue`,
 * `project_defined`) are FALSE unless their last argument is defined.
 */
export function evaluateCondition(text: string, defines: DefineSet): boolean {
  const upper = new Set([...defines].map((d) => d.toUpperCase()));
  const t = tokens(text);
  let i = 0;
  const primary = (): boolean => {
    const tok = t[i];
    if (!tok) return false;
    if (tok.kind === 'op' && tok.text === 'NOT') {
      i++;
      return !primary();
    }
    if (tok.kind === '(') {
      i++;
      const v = or();
      if (t[i]?.kind === ')') i++;
      return v;
    }
    if (tok.kind === 'name' && t[i + 1]?.kind === '(') {
      // a test: its (last) argument is defined
      i += 2;
      let last = '';
      while (i < t.length && t[i]!.kind !== ')') last = t[i++]!.text;
      i++;
      return upper.has(last.toUpperCase());
    }
    i++;
    return upper.has(tok.text.toUpperCase());
  };
  const and = (): boolean => {
    let v = primary();
    while (t[i]?.kind === 'op' && t[i]!.text === 'AND') {
      i++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (t[i]?.kind === 'op' && t[i]!.text === 'OR') {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  return or();
}

/** What a pragma means for conditional compilation, if anything. */
function directive(p: Pragma): { kind: 'IF' | 'ELSIF' | 'ELSE' | 'END_IF'; condition: string } | undefined {
  const m = /^(IF|ELSIF|ELSE|END_IF)\b\s*(.*)$/i.exec(p.text.trim());
  if (!m) return undefined;
  return { kind: m[1]!.toUpperCase() as 'IF' | 'ELSIF' | 'ELSE' | 'END_IF', condition: m[2] ?? '' };
}

/**
 * The nodes of a list (statements, VAR declarations, ...) that a
 * configuration with `defines` compiles: nodes inside a branch whose
 * condition is FALSE are left out. Nested `{IF}`s are followed; a list
 * without such pragmas comes back unchanged.
 */
export function activeNodes<T extends NodeBase>(list: readonly T[], defines: DefineSet): T[] {
  // one frame per open {IF}: is the current branch active, was any branch taken, was the parent active
  const stack: { active: boolean; taken: boolean; parent: boolean }[] = [];
  const active = (): boolean => stack.length === 0 || stack[stack.length - 1]!.active;
  const apply = (p: Pragma): void => {
    const d = directive(p);
    if (!d) return;
    if (d.kind === 'IF') {
      const parent = active();
      const v = parent && evaluateCondition(d.condition, defines);
      stack.push({ active: v, taken: v, parent });
      return;
    }
    const top = stack[stack.length - 1];
    if (!top) return;
    if (d.kind === 'END_IF') stack.pop();
    else if (d.kind === 'ELSE') {
      top.active = top.parent && !top.taken;
      top.taken = true;
    } else {
      const v = top.parent && !top.taken && evaluateCondition(d.condition, defines);
      top.active = v;
      top.taken ||= v;
    }
  };
  const out: T[] = [];
  for (const node of list) {
    for (const p of node.pragmas ?? []) apply(p);
    // an empty statement only carries pragmas or comments: nothing to compile
    if (active() && (node as { kind?: string }).kind !== 'Empty') out.push(node);
    for (const p of node.trailingPragmas ?? []) apply(p);
  }
  return out;
}

/** Fields that hold trivia, never compiled nodes. */
const TRIVIA = new Set([
  'span',
  'nameSpan',
  'pragmas',
  'trailingPragmas',
  'leadingComments',
  'trailingComments',
  'comments',
]);

function isNode(v: unknown): v is NodeBase & { kind: string } {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

/**
 * The tree a configuration with `defines` compiles: every list of nodes
 * (top-level declarations, VAR blocks and declarations, statements, branches,
 * members) keeps only its {@link activeNodes}. Copy on write: a subtree
 * without conditional compilation is returned as is (the same objects), so
 * the full tree — every branch — stays intact for printing and edits.
 */
export function configureTree<T extends NodeBase>(root: T, defines: DefineSet): T {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(root)) {
    if (TRIVIA.has(key)) continue;
    const value = (root as unknown as Record<string, unknown>)[key];
    let next: unknown = value;
    if (Array.isArray(value)) {
      if (value.length > 0 && isNode(value[0])) {
        const kept = activeNodes(value as NodeBase[], defines);
        const mapped = kept.map((n) => configureTree(n, defines));
        if (mapped.length !== value.length || mapped.some((n, i) => n !== value[i])) next = mapped;
      }
    } else if (isNode(value)) next = configureTree(value, defines);
    if (next !== value) {
      copy ??= { ...(root as unknown as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return (copy ?? root) as T;
}

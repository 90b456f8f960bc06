/**
 * The one AST visitor of the toolchain: every package that walks the syntax
 * tree (checker, simulator, safety verifier, transformers, judges) goes
 * through these functions instead of writing its own recursion.
 *
 * Every walk here is iterative (an explicit stack), so a left-leaning chain of
 * 20,000 `OR` terms or 1,000 nested IFs costs heap, not call stack. Children are
 * visited in source order. Comments and pragmas are not nodes of the walk:
 * they never carry meaning (§6.1.5).
 */
import type {
  CallArgument,
  CallExpression,
  Expression,
  Identifier,
  Node,
  Pou,
  Statement,
  TimeLiteral,
} from './ast';

/** The node type whose `kind` is `K`. */
export type NodeOfKind<K extends Node['kind']> = Extract<Node, { kind: K }>;

/**
 * What a callback of {@link visit} or {@link walk} returns: `false` skips the node's children;
 * anything else, nothing included, walks on. (`unknown` so that a callback returning nothing,
 * `void`, fits without a `void` in a union.)
 */
type VisitControl = unknown;

/**
 * Callbacks of {@link visit}: one per node kind (typed by the kind), plus
 * `enter` for every node and `leave` after a node's children. Returning `false`
 * from `enter` or from a kind callback skips that node's children (and its `leave`).
 */
export type Visitor = {
  [K in Node['kind']]?: (node: NodeOfKind<K>, parent: Node | undefined) => VisitControl;
} & {
  enter?: (node: Node, parent: Node | undefined) => VisitControl;
  leave?: (node: Node, parent: Node | undefined) => void;
};

/** Keys that never hold child nodes: positions, comments, pragmas. */
const SKIP_KEYS = new Set([
  'span',
  'nameSpan',
  'memberSpan',
  'leadingComments',
  'trailingComments',
  'pragmas',
  'comments',
]);

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

function pushAll(out: Node[], list: readonly Node[] | undefined): void {
  if (list) for (const n of list) out.push(n);
}

/**
 * Appends the direct children of `node` to `out`, in source order. Statements
 * and expressions (the deep and frequent part of a tree) are listed by kind;
 * declarations, and node kinds a reader adds later, by their fields.
 */
export function collectChildren(node: Node, out: Node[]): void {
  switch (node.kind) {
    case 'Identifier':
    case 'This':
    case 'Super':
    case 'IntegerLiteral':
    case 'RealLiteral':
    case 'BoolLiteral':
    case 'StringLiteral':
    case 'TimeLiteral':
    case 'DateTimeLiteral':
    case 'EnumLiteral':
    case 'Exit':
    case 'Continue':
    case 'Return':
    case 'Jump':
    case 'Label':
    case 'Empty':
      return;
    case 'Binary':
      out.push(node.left, node.right);
      return;
    case 'Unary':
      out.push(node.operand);
      return;
    case 'Paren':
      out.push(node.expression);
      return;
    case 'Member':
      out.push(node.object);
      return;
    case 'Index':
      out.push(node.object);
      pushAll(out, node.indices);
      return;
    case 'BitAccess':
      out.push(node.object, node.bit);
      return;
    case 'Deref':
      out.push(node.operand);
      return;
    case 'Call':
      out.push(node.callee);
      pushAll(out, node.args);
      return;
    case 'CallArgument':
      if (node.value) out.push(node.value);
      return;
    case 'Assignment':
      out.push(node.target);
      if (node.moreTargets) for (const m of node.moreTargets) out.push(m.target);
      out.push(node.value);
      return;
    case 'CallStatement':
      out.push(node.call);
      return;
    case 'If':
      out.push(node.condition);
      pushAll(out, node.then);
      pushAll(out, node.elsifs);
      pushAll(out, node.else);
      return;
    case 'Elsif':
      out.push(node.condition);
      pushAll(out, node.body);
      return;
    case 'Case':
      out.push(node.selector);
      pushAll(out, node.branches);
      pushAll(out, node.else);
      return;
    case 'CaseBranch':
      pushAll(out, node.labels);
      pushAll(out, node.body);
      return;
    case 'CaseValue':
      out.push(node.value);
      return;
    case 'CaseRange':
      out.push(node.low, node.high);
      return;
    case 'For':
      out.push(node.variable);
      if (node.target) out.push(node.target);
      out.push(node.from, node.to);
      if (node.by) out.push(node.by);
      pushAll(out, node.body);
      return;
    case 'While':
      out.push(node.condition);
      pushAll(out, node.body);
      return;
    case 'Repeat':
      pushAll(out, node.body);
      out.push(node.until);
      return;
    default:
      collectFields(node, out);
  }
}

function collectFields(node: Node, out: Node[]): void {
  for (const key in node) {
    if (SKIP_KEYS.has(key)) continue;
    const v = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) out.push(item);
    } else if (isNode(v)) out.push(v);
  }
}

/** The direct child nodes of `node`, in source order. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  collectChildren(node, out);
  return out;
}

/**
 * Visits every node under `roots` in pre-order (with `leave` in post-order),
 * without recursion.
 *
 * @example
 * visit(unit, { Call: (c) => void calls.push(c), TimeLiteral: (t) => void times.push(t.ms) });
 */
export function visit(roots: Node | readonly Node[], visitor: Visitor): void {
  const byKind = visitor as Record<string, ((n: Node, p: Node | undefined) => unknown) | undefined>;
  const { enter, leave } = visitor;
  // a frame is [node, parent, leaving]; leaving frames only exist when `leave` is given
  const stack: [Node, Node | undefined, boolean][] = [];
  const list = Array.isArray(roots) ? (roots as readonly Node[]) : [roots as Node];
  for (let i = list.length - 1; i >= 0; i--) stack.push([list[i]!, undefined, false]);
  const kids: Node[] = [];
  while (stack.length > 0) {
    const [node, parent, leaving] = stack.pop()!;
    if (leaving) {
      leave!(node, parent);
      continue;
    }
    if (enter && enter(node, parent) === false) continue;
    const fn = byKind[node.kind];
    if (fn && fn(node, parent) === false) continue;
    if (leave) stack.push([node, parent, true]);
    kids.length = 0;
    collectChildren(node, kids);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node, false]);
  }
}

/**
 * Calls `fn` for every node under `root` (pre-order, root included). Return
 * `false` to skip a node's children. Comments and pragmas are not visited.
 */
export function walk(root: Node, fn: (node: Node, parent: Node | undefined) => VisitControl): void {
  visit(root, { enter: fn });
}

/** True when `pred` holds for some node under `roots` (stops at the first). */
export function someNode(roots: Node | readonly Node[], pred: (node: Node) => boolean): boolean {
  const stack: Node[] = Array.isArray(roots) ? [...(roots as readonly Node[])] : [roots as Node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (pred(n)) return true;
    collectChildren(n, stack);
  }
  return false;
}

// ---------------------------------------------------------------- statements and expressions

/** Child statement lists of a compound statement, in execution order (empty for simple statements). */
export function childBodies(s: Statement): Statement[][] {
  switch (s.kind) {
    case 'If':
      return [s.then, ...s.elsifs.map((e) => e.body), ...(s.else ? [s.else] : [])];
    case 'Case':
      return [...s.branches.map((b) => b.body), ...(s.else ? [s.else] : [])];
    case 'For':
    case 'While':
    case 'Repeat':
      return [s.body];
    default:
      return [];
  }
}

/** Expressions a statement evaluates itself (not those of nested statements). */
export function ownExpressions(s: Statement): Expression[] {
  switch (s.kind) {
    case 'Assignment':
      return s.moreTargets ? [s.target, ...s.moreTargets.map((m) => m.target), s.value] : [s.target, s.value];
    case 'CallStatement':
      return [s.call];
    case 'If':
      return [s.condition, ...s.elsifs.map((e) => e.condition)];
    case 'Case': {
      const out: Expression[] = [s.selector];
      for (const b of s.branches)
        for (const l of b.labels) {
          if (l.kind === 'CaseValue') out.push(l.value);
          else out.push(l.low, l.high);
        }
      return out;
    }
    case 'For':
      return [s.variable, s.from, s.to, ...(s.by ? [s.by] : [])];
    case 'While':
      return [s.condition];
    case 'Repeat':
      return [s.until];
    default:
      return [];
  }
}

/** Expressions that decide whether nested statements run (the control dependence of a compound statement). */
export function controlExpressions(s: Statement): Expression[] {
  switch (s.kind) {
    case 'If':
      return [s.condition, ...s.elsifs.map((e) => e.condition)];
    case 'Case':
      return ownExpressions(s);
    case 'For':
      return [s.from, s.to, ...(s.by ? [s.by] : [])];
    case 'While':
      return [s.condition];
    case 'Repeat':
      return [s.until];
    default:
      return [];
  }
}

/**
 * Calls `fn` on every statement of `body`, depth first in source order, with the
 * chain of enclosing compound statements (outermost first). Iterative.
 */
export function walkStatements(
  body: readonly Statement[],
  fn: (s: Statement, parents: readonly Statement[]) => void,
  parents: Statement[] = [],
): void {
  // a statement to visit, or null: the marker that pops the parent chain
  const stack: (Statement | null)[] = [];
  for (let i = body.length - 1; i >= 0; i--) stack.push(body[i]!);
  while (stack.length > 0) {
    const s = stack.pop() as Statement | null;
    if (s === null) {
      parents.pop();
      continue;
    }
    fn(s, parents);
    // only compound statements have bodies (childBodies of any other is a new empty array)
    const kind = s.kind;
    if (kind !== 'If' && kind !== 'Case' && kind !== 'For' && kind !== 'While' && kind !== 'Repeat') continue;
    const kids = childBodies(s);
    if (kids.length === 0) continue;
    parents.push(s);
    stack.push(null);
    for (let k = kids.length - 1; k >= 0; k--) {
      const list = kids[k]!;
      for (let i = list.length - 1; i >= 0; i--) stack.push(list[i]!);
    }
  }
}

/** Direct sub-expressions of an expression. */
export function subExpressions(e: Expression): Expression[] {
  switch (e.kind) {
    case 'Member':
      return [e.object];
    case 'Index':
      return [e.object, ...e.indices];
    case 'BitAccess':
      return [e.object, e.bit];
    case 'Deref':
      return [e.operand];
    case 'Call':
      return [e.callee, ...argValues(e.args)];
    case 'Unary':
      return [e.operand];
    case 'Binary':
      return [e.left, e.right];
    case 'Paren':
      return [e.expression];
    default:
      return [];
  }
}

function argValues(args: readonly CallArgument[]): Expression[] {
  const out: Expression[] = [];
  for (const a of args) if (a.value) out.push(a.value);
  return out;
}

/** Calls `fn` on `e` and every expression inside it (pre-order, source order). Iterative. */
export function walkExpression(e: Expression, fn: (e: Expression) => void): void {
  const stack: Expression[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    fn(x);
    const subs = subExpressions(x);
    for (let i = subs.length - 1; i >= 0; i--) stack.push(subs[i]!);
  }
}

/** Every call expression in a statement's own expressions and those of nested statements. */
export function callsIn(s: Statement): CallExpression[] {
  const out: CallExpression[] = [];
  walkStatements([s], (st) => {
    for (const e of ownExpressions(st))
      walkExpression(e, (x) => {
        if (x.kind === 'Call') out.push(x);
      });
  });
  return out;
}

/** Removes parentheses: `((a))` → `a`. */
export function unparen(e: Expression): Expression {
  let x = e;
  while (x.kind === 'Paren') x = x.expression;
  return x;
}

/**
 * The operands of a chain of one associative operator, left to right:
 * `a AND (b AND c)` → [a, b, c] (`AND_THEN`/`OR_ELSE` count as `AND`/`OR`). Iterative.
 */
export function flatten(e: Expression, op: 'AND' | 'OR'): Expression[] {
  const alt = op === 'AND' ? 'AND_THEN' : 'OR_ELSE';
  const out: Expression[] = [];
  const stack: Expression[] = [e];
  while (stack.length > 0) {
    const x = unparen(stack.pop()!);
    if (x.kind === 'Binary' && (x.operator === op || x.operator === alt)) stack.push(x.right, x.left);
    else out.push(x);
  }
  return out;
}

/**
 * The name an lvalue writes through: the `Identifier` `a` of `a`, `a.b[i].c`, `a^`; undefined for
 * `THIS^.x` and the like. Its `global` flag tells `.a` (the global namespace operator: the global
 * `a` even where a local hides it, decision 0160) from `a`; which variable either is, the
 * checker's `references` say.
 */
export function rootIdentifier(e: Expression): Identifier | undefined {
  let x = unparen(e);
  for (;;) {
    switch (x.kind) {
      case 'Identifier':
        return x;
      case 'Member':
      case 'Index':
      case 'BitAccess':
        x = unparen(x.object);
        break;
      case 'Deref':
        x = unparen(x.operand);
        break;
      default:
        return undefined;
    }
  }
}

/** Every TIME literal in an expression (any depth). */
export function timeLiterals(e: Expression): TimeLiteral[] {
  const out: TimeLiteral[] = [];
  walkExpression(e, (x) => {
    if (x.kind === 'TimeLiteral') out.push(x);
  });
  return out;
}

/** Every body of a POU with a qualified label: the POU body, then methods, property accessors and actions. */
export function pouBodies(pou: Pou): { label: string; body: Statement[]; ownerOfLocals: string }[] {
  const out: { label: string; body: Statement[]; ownerOfLocals: string }[] = [
    { label: pou.name, body: pou.body, ownerOfLocals: pou.name },
  ];
  if (pou.kind === 'Function') return out;
  for (const m of pou.methods)
    out.push({ label: `${pou.name}.${m.name}`, body: m.body, ownerOfLocals: `${pou.name}.${m.name}` });
  for (const p of pou.properties) {
    if (p.get)
      out.push({
        label: `${pou.name}.${p.name}.GET`,
        body: p.get.body,
        ownerOfLocals: `${pou.name}.${p.name}.GET`,
      });
    if (p.set)
      out.push({
        label: `${pou.name}.${p.name}.SET`,
        body: p.set.body,
        ownerOfLocals: `${pou.name}.${p.name}.SET`,
      });
  }
  for (const a of pou.actions)
    out.push({ label: `${pou.name}.${a.name}`, body: a.body, ownerOfLocals: pou.name });
  return out;
}

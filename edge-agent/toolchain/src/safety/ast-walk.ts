/**
 * Small traversal helpers over the ST syntax tree, shared by the slicer, the
 * diff and the rules. They only know the node shapes of `iec/ast.ts`.
 */
import type { CallArgument, CallExpression, Expression, Pou, Statement, TimeLiteral } from '../iec';

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
      return [s.target, s.value];
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

/** Calls `fn` on every statement of `body`, depth first, with the chain of enclosing compound statements. */
export function walkStatements(
  body: readonly Statement[],
  fn: (s: Statement, parents: readonly Statement[]) => void,
  parents: Statement[] = [],
): void {
  for (const s of body) {
    fn(s, parents);
    const kids = childBodies(s);
    if (kids.length === 0) continue;
    parents.push(s);
    for (const k of kids) walkStatements(k, fn, parents);
    parents.pop();
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

/** Calls `fn` on `e` and every expression inside it (pre-order). */
export function walkExpression(e: Expression, fn: (e: Expression) => void): void {
  fn(e);
  for (const c of subExpressions(e)) walkExpression(c, fn);
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

/** Flattens a chain of one associative operator: `a AND (b AND c)` → [a, b, c]. */
export function flatten(e: Expression, op: 'AND' | 'OR'): Expression[] {
  const x = unparen(e);
  if (x.kind === 'Binary' && (x.operator === op || x.operator === (op === 'AND' ? 'AND_THEN' : 'OR_ELSE')))
    return [...flatten(x.left, op), ...flatten(x.right, op)];
  return [x];
}

/** The variable an lvalue writes: `a` for `a`, `a.b[i].c`, `a^`; undefined for `THIS^.x` and the like. */
export function rootIdentifier(e: Expression): string | undefined {
  const x = unparen(e);
  switch (x.kind) {
    case 'Identifier':
      return x.name;
    case 'Member':
    case 'Index':
    case 'BitAccess':
      return rootIdentifier(x.object);
    case 'Deref':
      return rootIdentifier(x.operand);
    default:
      return undefined;
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

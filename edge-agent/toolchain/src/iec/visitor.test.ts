import { describe, expect, it } from 'vitest';
import type { Expression, Node, Statement } from './ast';
import { parseSource } from './parser';
import { childrenOf, flatten, rootIdentifier, visit, walk, walkExpression, walkStatements } from './visitor';

const span = { file: 'x.st', line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
const id = (name: string): Expression => ({ kind: 'Identifier', name, span }) as Expression;

/** `t0 OR t1 OR … OR tn-1` as the parser builds it: a left-leaning spine. */
function orChain(n: number): Expression {
  let e = id('t0');
  for (let i = 1; i < n; i++)
    e = { kind: 'Binary', operator: 'OR', left: e, right: id(`t${i}`), span } as Expression;
  return e;
}

/** `n` IFs nested inside each other, the innermost assigning `x`. */
function nestedIfs(n: number): Statement {
  let s: Statement = {
    kind: 'Assignment',
    operator: ':=',
    target: id('x'),
    value: id('y'),
    span,
  } as Statement;
  for (let i = 0; i < n; i++)
    // biome-ignore lint/suspicious/noThenProperty: `then` is the IF node's field (ast.ts)
    s = { kind: 'If', condition: id(`c${i}`), then: [s], elsifs: [], span } as Statement;
  return s;
}

describe('the AST visitor', () => {
  it('visits in source order, with typed kind callbacks, enter and leave', () => {
    const { unit } = parseSource(
      'PROGRAM P\nVAR a : INT; END_VAR\na := 1 + 2 * 3;\nIF a > 1 THEN a := T#1s; END_IF\nEND_PROGRAM\n',
      'p.st',
    );
    const seen: string[] = [];
    const left: string[] = [];
    visit(unit, {
      IntegerLiteral: (l) => void seen.push(String(l.value)),
      TimeLiteral: (t) => void seen.push(`${t.ms}ms`),
      leave: (n) => void (n.kind === 'If' && left.push('If')),
    });
    expect(seen).toEqual(['1', '2', '3', '1', '1000ms']);
    expect(left).toEqual(['If']);
  });

  it('a kind callback returning false skips the children', () => {
    const { unit } = parseSource(
      'PROGRAM P\nVAR a : INT; END_VAR\nIF a > 1 THEN a := 5; END_IF\na := 7;\nEND_PROGRAM\n',
      'p.st',
    );
    const lits: number[] = [];
    visit(unit, { If: () => false, IntegerLiteral: (l) => void lits.push(Number(l.value)) });
    expect(lits).toEqual([7]);
  });

  it('does not skip comments as children nor visit them', () => {
    const { unit } = parseSource(
      'PROGRAM P\n(* c *)\nVAR a : INT; END_VAR\na := 1; // x\nEND_PROGRAM\n',
      'p.st',
    );
    const kinds = new Set<string>();
    walk(unit, (n) => void kinds.add(n.kind));
    expect(kinds.has('Comment')).toBe(false);
    expect(kinds.has('Assignment')).toBe(true);
  });

  it('walks a 20,000-term left-leaning OR chain and 1,000 nested IFs without a RangeError', () => {
    const chain = orChain(20_000);
    let ids = 0;
    visit(chain, { Identifier: () => void ids++ });
    expect(ids).toBe(20_000);
    let exprs = 0;
    walkExpression(chain, () => void exprs++);
    expect(exprs).toBe(39_999);
    const ops = flatten(chain, 'OR');
    expect(ops.length).toBe(20_000);
    expect((ops[0] as { name: string }).name).toBe('t0');
    expect((ops[19_999] as { name: string }).name).toBe('t19999');

    const deep = nestedIfs(1_000);
    let maxDepth = 0;
    walkStatements([deep], (_s, parents) => {
      maxDepth = Math.max(maxDepth, parents.length);
    });
    expect(maxDepth).toBe(1_000);
    let nodes = 0;
    walk(deep as Node, () => void nodes++);
    expect(nodes).toBe(1_000 * 2 + 3);
  });

  it('childrenOf lists a FOR in source order and rootIdentifier follows a.b[i]^', () => {
    const { unit } = parseSource(
      'PROGRAM P\nVAR i : INT; a : ARRAY[1..3] OF INT; END_VAR\nFOR i := 1 TO 3 BY 1 DO a[i] := i; END_FOR\nEND_PROGRAM\n',
      'p.st',
    );
    const f = (unit.declarations[0] as { body: Statement[] }).body[0]!;
    expect(childrenOf(f).map((n) => n.kind)).toEqual([
      'Identifier',
      'IntegerLiteral',
      'IntegerLiteral',
      'IntegerLiteral',
      'Assignment',
    ]);
    const assign = (f as { body: Statement[] }).body[0] as { target: Expression };
    expect(rootIdentifier(assign.target)).toMatchObject({ kind: 'Identifier', name: 'a' });
    expect(rootIdentifier(assign.target)?.global).toBeUndefined();
  });
  it('rootIdentifier keeps the global namespace flag of `.a.b[1]`', () => {
    const { unit, diagnostics } = parseSource(
      'PROGRAM P\nVAR a : INT; END_VAR\n.a.b[1] := 0;\n(.a) := 1;\nEND_PROGRAM\n',
      'p.st',
    );
    expect(diagnostics).toEqual([]);
    const body = (unit.declarations[0] as { body: { target: Expression }[] }).body;
    expect(rootIdentifier(body[0]!.target)).toMatchObject({ name: 'a', global: true });
    expect(rootIdentifier(body[1]!.target)).toMatchObject({ name: 'a', global: true });
  });
});

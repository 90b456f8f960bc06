import { describe, expect, it } from 'vitest';
import type { Expression } from './ast';
import { evaluateConstant, integerConstant } from './constant-evaluator';
import { parseSource } from './parser';

/** The initialiser of `x` in a one-line declaration, as the parser reads it. */
function expr(text: string): Expression {
  const { unit } = parseSource(`PROGRAM P\nVAR x : LREAL := ${text}; END_VAR\nEND_PROGRAM\n`, 'c.st');
  const decl = (unit.declarations[0] as { varBlocks: { decls: { init?: Expression }[] }[] }).varBlocks[0]!
    .decls[0]!;
  return decl.init!;
}

const names: Record<string, number | { init: Expression }> = { SIZE: 4, LAST: { init: expr('SIZE - 1') } };
const resolve = (n: { kind: string; name?: string }) =>
  n.kind === 'Identifier' ? names[n.name!] : undefined;

describe('the one constant evaluator', () => {
  it('folds integer arithmetic as Table 24 defines it (/ truncates toward zero, MOD keeps the sign)', () => {
    expect(evaluateConstant(expr('-7 / 2'), resolve)).toBe(-3);
    expect(evaluateConstant(expr('-7 MOD 2'), resolve)).toBe(-1);
    expect(evaluateConstant(expr('(LAST + 1) * 2'), resolve)).toBe(8);
    expect(evaluateConstant(expr('1.5 * 2.0'), resolve)).toBe(3);
    expect(evaluateConstant(expr('T#1s + T#500ms'), resolve)).toBe(1500);
    expect(evaluateConstant(expr('NOT (SIZE > 3)'), resolve)).toBe(false);
  });

  it('is undefined for what is not constant: unknown names, division by zero, self-reference', () => {
    expect(evaluateConstant(expr('y + 1'), resolve)).toBeUndefined();
    expect(evaluateConstant(expr('SIZE / 0'), resolve)).toBeUndefined();
    const loop: Record<string, { init: Expression }> = {};
    loop.A = { init: expr('A + 1') };
    expect(
      evaluateConstant(expr('A'), (n) => (n.kind === 'Identifier' ? loop[n.name] : undefined)),
    ).toBeUndefined();
    expect(integerConstant(evaluateConstant(expr('1.5'), resolve))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { AssignmentStatement as Assignment, Expression, ProgramDecl } from './ast';
import { checkProject } from './checker';
import { DIAGNOSTICS, diagnostic } from './diagnostics';
import { parseSource } from './parser';

// `exprTypes` is filled from the checker's records when first read (decision 0175): it must hold
// what a map set at each typing held, in the same order (children before their operator, as
// typed), through `typeOf` and the map alike, and stay one map however often it is read.

const SOURCE = `
FUNCTION_BLOCK FB_A
VAR_OUTPUT q : INT; END_VAR
q := 1;
END_FUNCTION_BLOCK
PROGRAM Main
VAR a : INT; b : REAL; fb : FB_A; END_VAR
a := a + 2 * 3;
b := 1.5 + b;
fb();
a := fb.q;
END_PROGRAM
`;

function check() {
  const { unit, diagnostics } = parseSource(SOURCE, 'order.st');
  expect(diagnostics).toEqual([]);
  const r = checkProject([unit]);
  const main = unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
  return { ...r, main };
}

describe('expression types filled when read', () => {
  it('lists every expression after its operands, as typed', () => {
    const { checked, main } = check();
    const first = main.body[0] as Assignment;
    const sum = first.value as Expression & { kind: 'Binary' };
    const product = sum.right as Expression & { kind: 'Binary' };
    const keys = [...checked.exprTypes.keys()];
    const at = (e: Expression) => keys.indexOf(e);
    // a := a + 2 * 3: the target, then a, 2, 3, 2 * 3, the sum
    expect(at(first.target)).toBeGreaterThanOrEqual(0);
    expect(at(first.target)).toBeLessThan(at(sum.left));
    expect(at(sum.left)).toBeLessThan(at(product.left));
    expect(at(product.left)).toBeLessThan(at(product.right));
    expect(at(product.right)).toBeLessThan(at(product));
    expect(at(product)).toBeLessThan(at(sum));
    // each expression once, and the same map on every read
    expect(new Set(keys).size).toBe(keys.length);
    expect(checked.exprTypes).toBe(checked.exprTypes);
  });

  it('gives the same type through typeOf and through the map', () => {
    const { checked, main } = check();
    const second = main.body[1] as Assignment;
    const sum = second.value as Expression & { kind: 'Binary' };
    expect(checked.typeOf(sum.left)).toEqual({ kind: 'real-literal' });
    expect(checked.typeOf(sum)).toEqual({ kind: 'elementary', name: 'REAL' });
    for (const [e, t] of checked.exprTypes) expect(checked.typeOf(e)).toBe(t);
    const last = main.body[3] as Assignment;
    expect(checked.typeOf(last.value)).toEqual({ kind: 'elementary', name: 'INT' });
    expect(checked.exprTypes.get(last.value)).toEqual({ kind: 'elementary', name: 'INT' });
  });

  it('still reports a write to an output from outside (its object typed while checking)', () => {
    const { unit } = parseSource(SOURCE.replace('a := fb.q;', 'fb.q := a;'), 'out.st');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.map((d) => d.code)).toEqual(['ST2007']);
  });
});

describe('diagnostic messages', () => {
  const span = { file: 'f.st', line: 1, column: 1, endLine: 1, endColumn: 2, offset: 0, endOffset: 1 };

  it('fills every placeholder, repeated or out of order, as the table says', () => {
    expect(diagnostic('ST2033', span, 'x', 'GVL').message).toBe(
      "'x' is in GVL, which is qualified_only: write GVL.x",
    );
    expect(diagnostic('ST2010', span, 'F', 2, 3).message).toBe("'F' takes 2 argument(s) but got 3");
  });

  it('leaves a missing argument empty and a message without placeholders as it is', () => {
    expect(diagnostic('ST2005', span, 'NOT', 'REAL').message).toBe(
      "operator 'NOT' cannot be applied to REAL and ",
    );
    expect(diagnostic('ST1003', span).message).toBe(DIAGNOSTICS.ST1003.message);
    expect(diagnostic('ST1001', span, '$&', "'$1'").message).toBe("expected $& but found '$1'");
  });
});

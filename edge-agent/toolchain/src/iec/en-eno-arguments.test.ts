/**
 * EN and ENO given to a standard function (request h1-h2-01): they are extra parameters of every
 * function and take no part in its overloading (IEC 61131-3 §6.6.1.5). OpenPLC's editor writes
 * every LD/FBD box with EN as `_TMP_OUT := MOVE(EN := TRUE, IN := x, ENO => _TMP_ENO);`, which
 * MATIEC compiles.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';

function check(body: string): [string, number][] {
  const text = `PROGRAM P
VAR
  a : UINT := 8000;  b : UINT := 2;  e : BOOL;  i : INT := 3;  r : REAL;  g : BOOL;
  o : UINT;
END_VAR
${body}
END_PROGRAM
`;
  const { unit, diagnostics } = parseSource(text, 'p.st');
  expect(diagnostics).toEqual([]);
  return checkProject([unit]).diagnostics.map((d) => [d.code, d.line]);
}

describe('EN and ENO in a call of a standard function', () => {
  it('types the result from the inputs, wherever EN and ENO stand', () => {
    expect(
      check(`  o := ADD(EN := TRUE, IN1 := a, IN2 := b, ENO => e);
  o := MAX(EN := TRUE, IN1 := a, IN2 := b);
  o := MOVE(IN := a, EN := TRUE);
  o := LIMIT(EN := TRUE, MN := b, IN := a, MX := a);
  o := SEL(EN := TRUE, G := e, IN0 := a, IN1 := b);
  o := MOVE(EN := TRUE, IN := a, ENO => e);
  g := GT(EN := TRUE, IN1 := a, IN2 := b);
  r := INT_TO_REAL(EN := TRUE, IN := i);
  r := INT_TO_REAL(IN := i, ENO => e);`),
    ).toEqual([]);
  });

  it('still refuses what the inputs themselves get wrong', () => {
    expect(
      check(`  o := ADD(EN := TRUE, IN1 := r, IN2 := r); (* REAL narrowed to UINT, not BOOL from EN *)
  g := GT(EN := TRUE, IN1 := a, IN2 := g);
  r := INT_TO_REAL(EN := TRUE, IN := i, ENO => e, IN2 := i);
  r := INT_TO_REAL(EN := TRUE);`).map((d) => d[0]),
    ).toEqual(['ST3001', 'ST2005', 'ST2010', 'ST2010']);
  });
});

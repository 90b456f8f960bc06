/**
 * A variable named as a standard function block, `ton : TON` (request h1-h2-06): identifiers
 * are case-insensitive, and MATIEC (OpenPLC's compiler) refuses the declaration, so the program
 * cannot be loaded on its target. A warning in plain ST and PLCopen; TwinCAT files are left alone.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';

const FB = `FUNCTION_BLOCK FB_OnDelay
VAR_INPUT In : BOOL; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
VAR ton : TON; R_Trig : R_TRIG; tonDelay : TON; END_VAR
ton(IN := In, PT := T#5s);
R_Trig(CLK := ton.Q);
Q := R_Trig.Q AND tonDelay.Q;
END_FUNCTION_BLOCK
`;

function check(format: 'st' | 'twincat'): [string, number, number, string][] {
  const { unit, diagnostics } = parseSource(FB, 'fb.st', { format });
  expect(diagnostics).toEqual([]);
  return checkProject([unit]).diagnostics.map((d) => [d.code, d.line, d.column, d.message]);
}

describe('a variable named as a standard function block', () => {
  it('is a warning at its name in plain ST', () => {
    expect(check('st')).toEqual([
      [
        'ST3010',
        4,
        5,
        "'ton' is the name of the standard function block TON: MATIEC (OpenPLC) refuses it as a variable",
      ],
      [
        'ST3010',
        4,
        16,
        "'R_Trig' is the name of the standard function block R_TRIG: MATIEC (OpenPLC) refuses it as a variable",
      ],
    ]);
  });
  it('is a warning in a global list and in a configuration too', () => {
    const text = `VAR_GLOBAL
  ctu : CTU;
END_VAR
PROGRAM P
END_PROGRAM
CONFIGURATION C
  VAR_GLOBAL
    tof : TOF;
  END_VAR
  RESOURCE R ON PLC
    VAR_GLOBAL
      sr : SR;
    END_VAR
    TASK t(INTERVAL := T#10ms, PRIORITY := 0);
    PROGRAM i WITH t : P;
  END_RESOURCE
END_CONFIGURATION
`;
    const { unit, diagnostics } = parseSource(text, 'g.st');
    expect(diagnostics).toEqual([]);
    expect(checkProject([unit]).diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['ST3010', 2],
      ['ST3010', 8],
      ['ST3010', 12],
    ]);
  });
  it('is left alone in TwinCAT code', () => {
    expect(check('twincat')).toEqual([]);
  });
});

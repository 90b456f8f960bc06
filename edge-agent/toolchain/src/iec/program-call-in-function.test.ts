/**
 * A PROGRAM called inside a FUNCTION (request h6-1): TwinCAT and CODESYS let programs and function
 * blocks call a program, not a function ("Object Program"); the simulator refuses it (decision
 * 0094), and the checker accepted it without a word, so `compile` called the project fine.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';

function check(text: string): [string, number, string][] {
  const { unit, diagnostics } = parseSource(text, 'p.st');
  expect(diagnostics).toEqual([]);
  return checkProject([unit]).diagnostics.map((d) => [d.code, d.line, d.message]);
}

const PRG = 'PROGRAM PRG_A\nVAR_INPUT x : INT; END_VAR\nVAR n : INT; END_VAR\nn := n + x;\nEND_PROGRAM\n';

describe('a PROGRAM called inside a FUNCTION', () => {
  it('is an error naming the program, at the call', () => {
    expect(
      check(
        `${PRG}FUNCTION F_X : INT\nVAR_INPUT v : INT; END_VAR\nPRG_A(x := v);\nF_X := v;\nEND_FUNCTION\n`,
      ),
    ).toEqual([['ST2030', 8, 'a function cannot use a call of PROGRAM PRG_A']]);
  });

  it('is allowed from a program and from a function block', () => {
    expect(
      check(
        `${PRG}FUNCTION_BLOCK FB_Y\nPRG_A(x := 1);\nEND_FUNCTION_BLOCK\nPROGRAM MAIN\nVAR y : FB_Y; END_VAR\nPRG_A(x := 2);\ny();\nEND_PROGRAM\n`,
      ),
    ).toEqual([]);
  });
});

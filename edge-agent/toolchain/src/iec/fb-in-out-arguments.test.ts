/**
 * A call of an FB instance gives every VAR_IN_OUT (TwinCAT/CODESYS compiler error C0039: "VAR_IN_OUT
 * must be assigned in call"). We did not check it; since decision 0156 an LD/FBD box input left open
 * is not passed, so an open in-out pin would have compiled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { FIXTURES } from './test-fixtures';
import { readTwinCat } from './twincat-reader';

const codes = (...sources: string[]) =>
  checkProject(sources.map((s, i) => parseSource(s, `f${i}.st`, { format: 'twincat' }).unit)).diagnostics.map(
    (d) => [d.code, d.message],
  );

const HOLD = `FUNCTION_BLOCK FB_Hold
VAR_INPUT IN : BOOL; END_VAR
VAR_IN_OUT PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
IF IN THEN PT := T#0S; END_IF
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_HoldMore EXTENDS FB_Hold
VAR_INPUT n : INT; END_VAR
SUPER^();
END_FUNCTION_BLOCK
`;

describe('VAR_IN_OUT in a call of an FB instance', () => {
  it('is an error when not given, by name, position or through a pointer', () => {
    const main = `PROGRAM MAIN
VAR h : FB_HoldMore; g : FB_Hold; t : TIME; p : POINTER TO FB_Hold; END_VAR
h(IN := TRUE, PT := t, n := 1);
g(TRUE, t);
h(IN := TRUE);
p := ADR(h);
p^();
END_PROGRAM
`;
    expect(codes(HOLD, main)).toEqual([
      ['ST2021', "IN_OUT parameter 'PT' of 'h' must be given a variable"],
      ['ST2021', "IN_OUT parameter 'PT' of 'p^' must be given a variable"],
    ]);
  });

  it('is not required in plain ST or PLCopen XML, which MATIEC compiles without it', () => {
    // OSCAT's OpenPLC port (wonka929/OSCAT_OpenPLC) sets the in-out by its member and calls the
    // instance without arguments; MATIEC translated it (its generated_plc.st)
    const main =
      'PROGRAM MAIN\nVAR g : FB_Hold; t : TIME; END_VAR\ng.PT := t;\ng(IN := TRUE);\nEND_PROGRAM\n';
    for (const format of ['st', 'plcopen'] as const) {
      const units = [HOLD, main].map((s, i) => parseSource(s, `f${i}.st`, { format }).unit);
      expect(checkProject(units).diagnostics.filter((d) => d.code === 'ST2021')).toEqual([]);
    }
  });

  it('is given by the instance already running in SUPER^()', () => {
    expect(codes(HOLD)).toEqual([]);
  });

  it('is an error in a network whose FB box leaves the in-out pin open', () => {
    const file = join(FIXTURES, 'twincat/FB_VentInterlock.TcPOU');
    const text = readFileSync(file, 'utf8')
      .replace('tofSpinDown : TOF;', 'tofSpinDown : FB_Hold;')
      .replace('<v n="Operand">"T#2M"</v>', '<v n="Operand">""</v>');
    const { unit, diagnostics } = readTwinCat(text, file);
    expect(diagnostics).toEqual([]);
    const hold = parseSource(HOLD, 'hold.st').unit;
    expect(checkProject([hold, unit]).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['ST2021', "IN_OUT parameter 'PT' of 'tofSpinDown' must be given a variable"],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { printUnit } from './printer';

function check(source: string): [string, number, string][] {
  const r = parseSource(source, 'bcd.st');
  expect(r.diagnostics).toEqual([]);
  return checkProject([r.unit]).diagnostics.map((d) => [d.code, d.line, d.message]);
}

// a thumbwheel switch read as BCD and a 7-segment display written as BCD (Table 22 of the 3rd edition)
const PANEL = `PROGRAM Panel
VAR_INPUT
    Thumbwheel : WORD := WORD#16#0420;
    Preset : BYTE := BYTE#16#37;
END_VAR
VAR_OUTPUT
    Setpoint : UINT;
    PresetValue : USINT;
    Signed : INT;
    Typed : UINT;
END_VAR
Setpoint := BCD_TO_UINT(Thumbwheel);
PresetValue := BCD_TO_USINT(IN := Preset);
Signed := BCD_TO_INT(Thumbwheel);
Typed := WORD_BCD_TO_UINT(Thumbwheel);
END_PROGRAM
`;

describe('BCD conversions (issue 15: checker, simulator and printer agree)', () => {
  it('types BCD_TO_<int> by its name and takes any bit string BYTE..LWORD; the simulator decodes them', () => {
    expect(check(PANEL)).toEqual([]);
    const plc = compileProgram([parseSource(PANEL, 'bcd.st').unit]);
    plc.scan(1);
    expect([
      plc.get('Panel.Setpoint'),
      plc.get('Panel.PresetValue'),
      plc.get('Panel.Signed'),
      plc.get('Panel.Typed'),
    ]).toEqual([420, 37, 420, 420]);
    // the printer keeps the calls as written, and they read back the same
    const printed = printUnit(parseSource(PANEL, 'bcd.st').unit);
    expect(printed).toContain('BCD_TO_UINT(Thumbwheel)');
    expect(check(printed)).toEqual([]);
  });

  it('refuses a BCD argument that is not a bit string, and a result too narrow for its target', () => {
    const bad = PANEL.replace('BCD_TO_UINT(Thumbwheel)', 'BCD_TO_UINT(Setpoint)').replace(
      'PresetValue := BCD_TO_USINT(IN := Preset);',
      'PresetValue := BCD_TO_UINT(Preset);',
    );
    expect(check(bad)).toEqual([
      [
        'ST2004',
        12,
        'cannot assign UINT to a bit string (BYTE, WORD, DWORD or LWORD) (argument of BCD_TO_UINT)',
      ],
      ['ST3001', 13, 'implicit conversion from UINT to USINT may lose data'],
    ]);
  });

  it('types <int>_TO_BCD as the bit string of the integer width, and <int>_TO_BCD_<bits> by its name', () => {
    const display = `PROGRAM Display
VAR
    Count : UINT := 1234;
    Small : USINT := 56;
    Digits : WORD;
    Pair : BYTE;
    Wide : DWORD;
END_VAR
Digits := UINT_TO_BCD(Count);
Pair := USINT_TO_BCD(Small);
Wide := UDINT_TO_BCD_DWORD(UINT_TO_UDINT(Count));
Digits := UINT_TO_BCD_WORD(Count);
END_PROGRAM
`;
    expect(check(display)).toEqual([]);
    // a WORD of BCD digits does not fit a BYTE (a narrowing, as for any WORD); a REAL is no integer to encode
    expect(
      check(display.replace('Pair := USINT_TO_BCD(Small);', 'Pair := UINT_TO_BCD(Count);')).map((d) => d[0]),
    ).toEqual(['ST3001']);
    expect(check(display.replace('Digits := UINT_TO_BCD(Count);', 'Digits := REAL_TO_BCD(Count);'))).toEqual([
      ['ST2001', 9, "unknown name 'REAL_TO_BCD'"],
    ]);
  });

  it('the simulator encodes *_TO_BCD (UINT_TO_BCD(1234) = 16#1234)', () => {
    const src = `PROGRAM Display
VAR Count : UINT := 1234; Digits : WORD; END_VAR
Digits := UINT_TO_BCD(Count);
END_PROGRAM
`;
    expect(check(src)).toEqual([]);
    const plc = compileProgram([parseSource(src, 'bcd.st').unit]);
    expect(plc.scan(1)).toBeNull();
    expect(plc.get('Digits')).toBe(0x1234);
  });
});

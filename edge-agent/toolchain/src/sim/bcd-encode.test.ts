import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SIM_FAULT_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** *_TO_BCD (IEC 61131-3 Table 22): decimal digits into nibbles; no silent wrap. */
function plc(body: string, vars: string) {
  return compileProgram([
    parseSource(`PROGRAM P\nVAR ${vars} END_VAR\n${body}\nEND_PROGRAM\n`, 'bcd.st').unit,
  ]);
}

describe('*_TO_BCD encodes decimal digits into nibbles', () => {
  it('as wide as the integer, or as the named bit string', () => {
    const p = plc(
      'W := UINT_TO_BCD(C); B := USINT_TO_BCD(S); D := UDINT_TO_BCD_DWORD(U); L := ULINT_TO_BCD(Q); Back := WORD_BCD_TO_UINT(W);',
      'C : UINT := 1234; S : USINT := 99; U : UDINT := 12345678; Q : ULINT := 9876543210123456; W : WORD; B : BYTE; D : DWORD; L : LWORD; Back : UINT;',
    );
    expect(p.scan(1)).toBeNull();
    expect(p.get('W')).toBe(0x1234);
    expect(p.get('B')).toBe(0x99);
    expect(p.get('D')).toBe(0x12345678);
    expect(p.get('L')).toBe(0x9876543210123456n);
    expect(p.get('Back')).toBe(1234);
  });

  it('stops the PLC on a negative value or more digits than the bit string holds', () => {
    const neg = plc('W := INT_TO_BCD(I);', 'I : INT := -1; W : WORD;');
    expect(neg.scan(1)).toMatchObject({ code: SIM_FAULT_CODES.CONVERSION_RANGE, line: 3 });
    const wide = plc('W := UINT_TO_BCD(C);', 'C : UINT := 12345; W : WORD;');
    expect(wide.scan(1)).toMatchObject({
      code: SIM_FAULT_CODES.CONVERSION_RANGE,
      message: expect.stringContaining('12345'),
    });
  });

  it('decodes an untyped literal in the overloaded BCD_TO_<int>', () => {
    const p = plc('A := BCD_TO_UINT(16#42); B := BCD_TO_UDINT(16#12345678);', 'A : UINT; B : UDINT;');
    expect(p.scan(1)).toBeNull();
    expect(p.get('A')).toBe(42);
    expect(p.get('B')).toBe(12345678);
  });

  it('decodes all 16 digits of an LWORD (more than 32 bits, more than a double holds)', () => {
    const p = plc(
      'A := LWORD_BCD_TO_ULINT(W); B := LWORD_BCD_TO_LINT(M); C := LWORD_BCD_TO_UDINT(S); Bad := LWORD_BCD_TO_LINT(X);',
      'W : LWORD := 16#1234567890123456; M : LWORD := 16#9999999999999999; S : LWORD := 16#0000000012345678; X : LWORD := 16#1A00000000000000; A : ULINT; B : LINT; C : UDINT; Bad : LINT;',
    );
    expect(p.scan(1)).toBeNull();
    // Table 22: each nibble is one decimal digit, most significant first
    expect(p.get('A')).toBe(1234567890123456n);
    expect(p.get('B')).toBe(9999999999999999n);
    expect(p.get('C')).toBe(12345678);
    expect(p.get('Bad')).toBe(-1n);
  });
});

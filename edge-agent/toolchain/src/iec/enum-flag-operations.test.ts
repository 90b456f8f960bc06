/**
 * AND, OR, XOR and NOT with enumeration operands (decision 0158). A public TwinCAT project in
 * production (SLAC lcls-plc-las-lps-01) sets bits of a BYTE from the values of a strict
 * enumeration over BYTE (`nMask := nMask OR E_Zone.Two`); TwinCAT 3.1.4024 compiles it, and
 * Beckhoff's static analysis names AND, OR, XOR and NOT the flag operations of an enumeration
 * (SA0058, attribute 'flags'). 'strict' makes operations on variables of the type errors.
 */
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import { checkProject } from './checker';
import { parseSource } from './parser';

const ZONES = `{attribute 'qualified_only'}
{attribute 'strict'}
TYPE E_Zone :
(
    None := 0,
    One := 1,
    Two := 2,
    Top := 128
) BYTE;
END_TYPE
TYPE E_Loose :
(
    Low := 1,
    High := 16#80
) BYTE;
END_TYPE
`;

const program = (body: string, vars = '') => `PROGRAM MAIN
VAR
    nMask : BYTE;
    nWord : WORD;
    eZone : E_Zone;
    eLoose : E_Loose;
    bAny : BOOL;
${vars}END_VAR
${body}
END_PROGRAM
`;

function checkAs(format: 'st' | 'twincat', body: string): [string, string][] {
  const units = [ZONES, program(body)].map((s, i) => {
    const r = parseSource(s, `f${i}.st`, { format });
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  return checkProject(units).diagnostics.map((d) => [d.code, d.message]);
}

describe('flag operations on enumeration values in TwinCAT code', () => {
  it('takes a value of a strict enumeration as its base type in AND, OR, XOR and NOT', () => {
    expect(
      checkAs(
        'twincat',
        `nMask := nMask OR E_Zone.Two;
nMask := nMask AND NOT E_Zone.One;
nMask := E_Zone.One XOR nMask;
bAny := (nMask AND E_Zone.Top) <> 0;
nWord := nWord OR E_Zone.Top;`,
      ),
    ).toEqual([]);
  });

  it('takes a variable of a non-strict enumeration as its base type', () => {
    expect(checkAs('twincat', 'nMask := eLoose OR nMask;\nnMask := NOT eLoose;')).toEqual([]);
  });

  it("keeps a variable of a strict enumeration an error: 'strict' forbids operations on it", () => {
    expect(checkAs('twincat', 'nMask := nMask OR eZone;')).toEqual([
      ['ST2005', "operator 'OR' cannot be applied to BYTE and E_Zone"],
    ]);
    expect(checkAs('twincat', 'nMask := NOT eZone;').map((d) => d[0])).toEqual(['ST2005']);
  });

  it("refuses + and - on a strict enumeration's variable, as 'strict' does, not on its values", () => {
    expect(checkAs('twincat', 'nMask := E_Zone.Two + 1;\nnMask := eLoose - 1;')).toEqual([]);
    expect(checkAs('twincat', 'nMask := eZone + 1;')).toEqual([
      ['ST2005', "operator '+' cannot be applied to E_Zone and integer literal"],
    ]);
  });

  it('leaves plain ST, the IEC dialect, as it was: an enumeration is no bit string', () => {
    expect(checkAs('st', 'nMask := nMask OR E_Zone.Two;').map((d) => d[0])).toEqual(['ST2005']);
  });

  it('is computed by the simulator in the width of the base type', () => {
    const units = [
      ZONES,
      program(
        'nMask := nMask OR E_Zone.Top;\nnWord := NOT E_Zone.One;\neLoose := E_Loose.High;\nnMask := nMask XOR eLoose;\nbAny := (nMask AND E_Zone.Two) <> 0;',
      ),
    ].map((s, i) => parseSource(s, `f${i}.st`, { format: 'twincat' }).unit);
    expect(checkProject(units).diagnostics).toEqual([]);
    const plc = compileProgram(units);
    plc.set('MAIN.nMask', 3);
    plc.scan(1);
    // 3 OR 128 = 131, then XOR 16#80 = 3: within a BYTE
    expect(plc.get('MAIN.nMask')).toBe(3);
    // NOT of a BYTE value is a BYTE (16#FE), widened into the WORD, not 16#FFFE
    expect(plc.get('MAIN.nWord')).toBe(0xfe);
    expect(plc.get('MAIN.bAny')).toBe(true);
  });
});

/**
 * An enumeration value given by a constant of a library the project references but we do not
 * have (lcls-plc-las-lps-01 `E_DeviceState`: `INIT := EC_DEVICE_STATE_INIT`, Tc2_EtherCAT). It is
 * a constant, only unknown: the same ST2017 as every other name of a missing library.
 */
describe('an enumeration value from a library constant', () => {
  const LINK = `TYPE E_Link :
(
    Down := 0,
    Up := LINK_UP_CONST
) WORD;
END_TYPE
`;
  const unit = (s: string, file: string) => parseSource(s, file, { format: 'twincat' }).unit;
  const lib = [{ name: 'Tc2_EtherCAT', namespace: 'Tc2_EtherCAT' }];

  it('takes the value once the constant is declared (--externals)', () => {
    const externals = parseSource(
      'VAR_GLOBAL CONSTANT\n    LINK_UP_CONST : WORD := 8;\nEND_VAR\n',
      'ext.st',
    ).unit;
    const main = 'PROGRAM MAIN\nVAR n : WORD; END_VAR\nn := E_Link.Up;\nEND_PROGRAM\n';
    const r = checkProject([unit(LINK, 'E_Link.TcDUT'), unit(main, 'MAIN.TcPOU')], {
      externals: [externals],
      libraryReferences: lib,
    });
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([externals, unit(LINK, 'E_Link.TcDUT'), unit(main, 'MAIN.TcPOU')]);
    plc.scan(1);
    expect(plc.get('MAIN.n')).toBe(8);
  });

  it('names the library when the constant is not declared', () => {
    const r = checkProject([unit(LINK, 'E_Link.TcDUT')], { libraryReferences: lib });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['ST2017', expect.stringContaining("'LINK_UP_CONST' comes from vendor library Tc2_EtherCAT")],
    ]);
  });
});

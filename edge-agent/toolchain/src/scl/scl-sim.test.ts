import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { compileProgram, type VirtualPlc } from '../sim';
import { readScl } from './scl-reader';
import { siemensLibrary } from './siemens-library';

const FIX = join(__dirname, '../../fixtures/scl');
const read = (name: string) => readFileSync(join(FIX, name), 'utf8');

function sclPlc(files: string[], program = 'Main'): VirtualPlc {
  const units = files.map((f) => {
    const r = readScl(read(f), f);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  const { checked, diagnostics } = checkProject(units);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram(checked, { program });
}

const OUTPUTS = [
  'onQ',
  'onEt',
  'offQ',
  'pulseQ',
  'iecQ',
  'upCv',
  'upQ',
  'downCv',
  'udCv',
  'rise',
  'fall',
  'quotient',
  'remainder',
  'scaled',
];

describe('SCL blocks simulate with the IEC semantics (against the plain-ST twin)', () => {
  it('timers, counters, edges, integer division and scaling match scan by scan', () => {
    const scl = sclPlc(['blocks.scl']);
    const twin = parseSource(read('blocks-twin.st'), 'blocks-twin.st');
    expect(twin.diagnostics).toEqual([]);
    const st = compileProgram([twin.unit], { program: 'Main' });
    // a fixed input history that starts, holds and drops every timer and counter
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let changes = 0;
    for (let k = 0; k < 400; k++) {
      if (k % 3 === 0) {
        const a = rnd() < 0.5;
        const b = rnd() < 0.4;
        const n = Math.floor(rnd() * 240) - 120;
        scl.set('IO.a', a);
        scl.set('IO.b', b);
        scl.set('IO.n', n);
        st.set('IO_a', a);
        st.set('IO_b', b);
        st.set('IO_n', n);
      }
      expect(scl.scan()).toBeNull();
      expect(st.scan()).toBeNull();
      for (const o of OUTPUTS) {
        const x = scl.get(`BlocksDB.${o}`);
        const y = st.get(`Main.BlocksDB.${o}`);
        if (typeof x === 'number' && o === 'scaled') expect(x).toBeCloseTo(y as number, 4);
        else expect([k, o, x]).toEqual([k, o, y]);
      }
      if (scl.get('BlocksDB.onQ') !== scl.get('BlocksDB.offQ')) changes++;
    }
    // the history exercises the timers (outputs differ from each other at times)
    expect(changes).toBeGreaterThan(10);
  });

  it('a TON_TIME rises exactly PT after IN on the virtual clock (10 ms scans)', () => {
    const plc = sclPlc(['blocks.scl']);
    plc.set('IO.a', true);
    const q: boolean[] = [];
    for (let k = 0; k < 8; k++) {
      plc.scan();
      q.push(plc.get('BlocksDB.onQ') as boolean);
    }
    // IN seen first at t = 0; Q at t = 50 ms, the sixth scan
    expect(q).toEqual([false, false, false, false, false, true, true, true]);
    expect(plc.get('BlocksDB.onEt')).toBe(50);
  });

  it('a data block start value from BEGIN, integer division toward zero, MOD with the dividend sign', () => {
    const plc = sclPlc(['blocks.scl']);
    expect(plc.get('IO.n')).toBe(-7);
    plc.scan();
    expect(plc.get('BlocksDB.quotient')).toBe(-1);
    expect(plc.get('BlocksDB.remainder')).toBe(-3);
    expect(plc.get('BlocksDB.scaled')).toBeCloseTo(-0.7, 5);
  });

  it('an instance DB keeps the FB state between scans; a global DB with spaces in names is addressable', () => {
    const plc = sclPlc(['FB_Guard.scl', 'guard-main.scl']);
    plc.set('Plant.Door Closed', true);
    plc.scan(30);
    expect(plc.get('GuardDB.GuardOk')).toBe(false);
    plc.set('Plant.Reset', true);
    plc.scan(1);
    expect(plc.get('Plant.Ok')).toBe(true);
    plc.set('Plant.Reset', false);
    plc.scan(5);
    expect(plc.get('Plant.Ok')).toBe(true);
    plc.set('Plant.Door Closed', false);
    plc.scan(1);
    expect(plc.get('Plant.Ok')).toBe(false);
  });

  it('compound assignments (+=, -=, *=, /=) act on their target, index expressions included', () => {
    const text = [
      'FUNCTION_BLOCK "CA"',
      'VAR_OUTPUT n : Int; a : Array[0..3] of Struct v : Real; END_STRUCT; END_VAR',
      'VAR i : Int; END_VAR',
      'BEGIN',
      '   #n += 2;',
      '   #a[#i + 1].v += 1.5;',
      '   #a[#i + 1].v *= 2.0;',
      '   #n -= #n / 4;',
      '   #n *= 3;',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "CADB" "CA" BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "CADB"(); END_ORGANIZATION_BLOCK',
    ].join('\n');
    const r = readScl(text, 'ca.scl');
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram(checkProject([r.unit]).checked, { program: 'Main' });
    plc.scan();
    // n: 0 + 2 = 2; 2 - 2/4 = 2; 2 * 3 = 6
    expect(plc.get('CADB.n')).toBe(6);
    expect(plc.get('CADB.a[1].v')).toBe(3);
    plc.scan();
    // n: 6 + 2 = 8; 8 - 2 = 6; 18 — a[1].v: (3 + 1.5) * 2 = 9
    expect(plc.get('CADB.n')).toBe(18);
    expect(plc.get('CADB.a[1].v')).toBe(9);
  });

  it('a call into a system instruction without a model checks against its interface and is refused by name in simulation', async () => {
    const text = [
      'FUNCTION_BLOCK "Clock"',
      'VAR_OUTPUT now : DTL; ret : Int; END_VAR',
      'BEGIN',
      '   #ret := RD_SYS_T(OUT => #now);',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "ClockDB" "Clock" BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "ClockDB"(); END_ORGANIZATION_BLOCK',
    ].join('\n');
    const { unit } = readScl(text, 'clock.scl');
    const lib = await siemensLibrary();
    expect(lib.diagnostics).toEqual([]);
    // the checker knows the interface: 0 diagnostics; a misspelt pin is still an error
    expect(checkProject([unit], { externals: lib.units }).diagnostics).toEqual([]);
    const typo = readScl(text.replace('OUT =>', 'OUTT =>'), 'clock.scl').unit;
    expect(
      checkProject([typo], { externals: lib.units }).diagnostics.some((d) => d.severity === 'error'),
    ).toBe(true);
    // the simulator checks the program's own units: the block has no model, and it says which
    expect(() => compileProgram({ units: [unit], diagnostics: [] }, { program: 'Main' })).toThrow(
      /RD_SYS_T|DTL/,
    );
  });

  it('start values after BEGIN reach members of UDTs and of instance DBs, and nothing else changes', () => {
    const text = [
      'TYPE "Cmd" STRUCT Velocity : Real; Enable : Bool := TRUE; END_STRUCT; END_TYPE',
      'FUNCTION_BLOCK "Axis" VAR_INPUT Limit : Int := 3; END_VAR VAR_OUTPUT Out : Int; END_VAR',
      'BEGIN #Out := #Limit * 2; END_FUNCTION_BLOCK',
      'DATA_BLOCK "Data" VAR Command : "Cmd"; Count : Int; END_VAR',
      'BEGIN',
      '   Command.Velocity := 10.5;',
      '   Count := 4;',
      'END_DATA_BLOCK',
      'DATA_BLOCK "AxisDB" "Axis" BEGIN Limit := 7; END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "AxisDB"(); END_ORGANIZATION_BLOCK',
    ].join('\n');
    const r = readScl(text, 'data.scl');
    expect(r.diagnostics).toEqual([]);
    const { checked, diagnostics } = checkProject([r.unit]);
    expect(diagnostics).toEqual([]);
    const plc = compileProgram(checked, { program: 'Main' });
    expect(plc.get('Data.Command.Velocity')).toBe(10.5);
    // the UDT's own start value stays where the DB does not set one
    expect(plc.get('Data.Command.Enable')).toBe(true);
    expect(plc.get('Data.Count')).toBe(4);
    expect(plc.get('AxisDB.Limit')).toBe(7);
    plc.scan();
    expect(plc.get('AxisDB.Out')).toBe(14);
  });

  it('byte and word slices read as values (.%B, .%W); a written slice reads', () => {
    const text = [
      'FUNCTION_BLOCK "Slices"',
      'VAR_INPUT w : DWord; END_VAR',
      'VAR_OUTPUT lo : Byte; hi : Byte; w1 : Word; bit : Bool; END_VAR',
      'BEGIN',
      '   #lo := #w.%B0;',
      '   #hi := #w.%B3;',
      '   #w1 := #w.%W1;',
      '   #bit := #w.%X31;',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "SDB" "Slices" BEGIN w := 16#A1B2_C3D4; END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "SDB"(); END_ORGANIZATION_BLOCK',
    ].join('\n');
    const r = readScl(text, 'slices.scl');
    expect(r.diagnostics).toEqual([]);
    const { checked, diagnostics } = checkProject([r.unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram(checked, { program: 'Main' });
    plc.scan();
    expect(plc.get('SDB.lo')).toBe(0xd4);
    expect(plc.get('SDB.hi')).toBe(0xa1);
    expect(plc.get('SDB.w1')).toBe(0xa1b2);
    expect(plc.get('SDB.bit')).toBe(true);
    // a written slice reads too (one bit assignment per bit, scl-corpus-forms.test.ts simulates it)
    const written = readScl(text.replace('#lo := #w.%B0;', '#w.%B0 := #lo;'), 'slices.scl');
    expect(written.diagnostics).toEqual([]);
  });
});

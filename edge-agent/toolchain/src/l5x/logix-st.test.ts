import { describe, expect, it } from 'vitest';
import { type TestTag, testL5x } from '../testing/test-l5x';
import { readL5x } from './l5x-reader';
import { compileModel, findRoutine, ladderModel } from './ladder-model';
import { LoweringError } from './rll-lowering';

/** A virtual PLC running the ST routine `S` (10 ms scans); `rungs` are ladder routines beside it. */
function stPlc(tags: TestTag[], lines: string[], rungs: Record<string, string[]> = {}) {
  const p = readL5x(testL5x(tags, rungs, '', { S: lines }));
  const f = findRoutine(p, Object.keys(rungs)[0] ? `P/${Object.keys(rungs)[0]}` : 'P/S');
  if (!f) throw new Error('no routine');
  return compileModel(ladderModel(p, f.program, f.routine).source, { cycleMs: 10 });
}

const T = (pre: number): TestTag => ['T', 'FBD_TIMER', { PRE: pre }];
const B = (...names: string[]): TestTag[] => names.map((n) => [n, 'BOOL']);

// 1756-PM007 / 1756-RM006: TONR, TOFR and RTOR time in milliseconds of the controller clock on
// an FBD_TIMER; .ACC stops at .PRE; Reset clears .ACC and the status bits.
describe('Logix ST timers on FBD_TIMER', () => {
  it('TONR: .DN once enabled for .PRE ms; disabling clears .ACC', () => {
    const plc = stPlc([T(50), ...B('Go', 'Done')], ['T.TimerEnable := Go;', 'TONR(T);', 'Done := T.DN;']);
    plc.set('Go', true);
    plc.scan(); // the first enabled scan starts the count
    for (let i = 0; i < 4; i++) plc.scan();
    expect([plc.get('T.ACC'), plc.get('Done'), plc.get('T.TT')]).toEqual([40, false, true]);
    plc.scan();
    expect([plc.get('T.ACC'), plc.get('Done'), plc.get('T.TT')]).toEqual([50, true, false]);
    plc.scan();
    expect(plc.get('T.ACC')).toBe(50);
    plc.set('Go', false);
    plc.scan();
    expect([plc.get('T.ACC'), plc.get('Done'), plc.get('T.EN')]).toEqual([0, false, false]);
  });

  it('TOFR: .DN while enabled and for .PRE ms after', () => {
    const plc = stPlc([T(30), ...B('Go', 'Done')], ['T.TimerEnable := Go;', 'TOFR(T);', 'Done := T.DN;']);
    plc.set('Go', true);
    plc.scan();
    expect([plc.get('Done'), plc.get('T.ACC')]).toEqual([true, 0]);
    plc.set('Go', false);
    plc.scan(); // the first disabled scan starts the count
    plc.scan();
    plc.scan();
    expect([plc.get('Done'), plc.get('T.ACC')]).toEqual([true, 20]);
    plc.scan();
    expect([plc.get('Done'), plc.get('T.ACC'), plc.get('T.TT')]).toEqual([false, 30, false]);
  });

  it('RTOR keeps .ACC while disabled; Reset clears it', () => {
    const plc = stPlc([T(100), ...B('Go', 'Clr')], ['T.TimerEnable := Go;', 'T.Reset := Clr;', 'RTOR(T);']);
    plc.set('Go', true);
    for (let i = 0; i < 4; i++) plc.scan();
    plc.set('Go', false);
    plc.scan();
    plc.scan();
    expect([plc.get('T.ACC'), plc.get('T.EN')]).toEqual([30, false]);
    plc.set('Go', true);
    plc.scan();
    plc.scan();
    expect(plc.get('T.ACC')).toBe(40);
    plc.set('Clr', true);
    plc.scan();
    expect([plc.get('T.ACC'), plc.get('T.DN'), plc.get('T.EN')]).toEqual([0, false, false]);
  });
});

describe('Logix ST statements', () => {
  it('converts on assignment: REAL into DINT rounds to the nearest, a tie to the even one', () => {
    const plc = stPlc(
      [
        ['R', 'REAL'],
        ['D', 'DINT'],
        ['E', 'DINT'],
      ],
      ['D := R;', 'E := D * 2 + 1;'],
    );
    for (const [r, d] of [
      [2.5, 2],
      [3.5, 4],
      [-2.5, -2],
      [2.6, 3],
    ] as const) {
      plc.set('R', r);
      plc.scan();
      expect([plc.get('D'), plc.get('E')]).toEqual([d, d * 2 + 1]);
    }
  });

  it('IF/ELSIF/ELSE, CASE with ranges, FOR and a bit of a DINT', () => {
    const plc = stPlc(
      [['N', 'DINT'], ['W', 'DINT'], ['S', 'DINT'], ['Arr', 'DINT[4]'], ['I', 'DINT'], ...B('A', 'B')],
      [
        'IF A AND NOT B THEN N := 1; ELSIF B THEN N := 2; ELSE N := 3; END_IF;',
        '(* a comment *) CASE N OF 1: S := 10; 2..3: S := 20; ELSE S := 0; END_CASE;',
        'FOR I := 0 TO 3 DO Arr[I] := I * N; END_FOR; // squares of nothing',
        'W.4 := A;',
      ],
    );
    plc.set('A', true);
    plc.scan();
    expect([plc.get('N'), plc.get('S'), plc.get('Arr[3]'), plc.get('W')]).toEqual([1, 10, 3, 16]);
    plc.set('B', true);
    plc.set('A', false);
    plc.scan();
    expect([plc.get('N'), plc.get('S'), plc.get('Arr[3]'), plc.get('W')]).toEqual([2, 20, 6, 0]);
  });

  it('runs an ST routine a ladder JSR calls, under the rung condition', () => {
    const plc = stPlc([...B('Go', 'Out'), ['N', 'DINT']], ['N := N + 1;', 'Out := N > 2;'], {
      Main: ['XIC(Go)JSR(S,0);'],
    });
    plc.scan();
    expect(plc.get('N')).toBe(0);
    plc.set('Go', true);
    for (let i = 0; i < 3; i++) plc.scan();
    expect([plc.get('N'), plc.get('Out')]).toEqual([3, true]);
  });

  it('refuses what it does not model by name', () => {
    const refused = (lines: string[]) => {
      try {
        stPlc([...B('A'), ['N', 'DINT'], ['F', 'FBD_TIMER']], lines);
      } catch (e) {
        return e instanceof LoweringError ? e.message : String(e);
      }
      return 'accepted';
    };
    expect(refused(['PIDE(Loop);'])).toMatch(/instruction PIDE is not modelled in ST/);
    expect(refused(["N := 'x';"])).toMatch(/string literals are not modelled/);
    expect(refused(['N [:=] 1;'])).toMatch(/non-retentive assignment/);
    expect(refused(['IF A THEN RETURN; END_IF;'])).toMatch(/RETURN is not modelled/);
    expect(refused(['IF A THEN N := 1;'])).toMatch(/IF is never closed/);
    expect(refused(['TONR(N);'])).toMatch(/N is not an FBD_TIMER/);
  });
});

// What ladder-to-st writes must read back: TRUE/FALSE, and an AOI called as `Name(Instance, args)`
// (in ST an AOI's EnableIn is always TRUE).
describe('Logix ST as ladder-to-st writes it', () => {
  it('assigns and tests TRUE and FALSE', () => {
    const plc = stPlc(B('Go', 'Out', 'Flag'), [
      'IF Go = TRUE THEN',
      '  Out := TRUE;',
      'ELSE',
      '  Out := FALSE;',
      'END_IF;',
      'Flag := NOT FALSE AND Go;',
    ]);
    plc.set('Go', true);
    plc.scan();
    expect([plc.get('Out'), plc.get('Flag')]).toEqual([true, true]);
    plc.set('Go', false);
    plc.scan();
    expect([plc.get('Out'), plc.get('Flag')]).toEqual([false, false]);
  });

  it('runs an AOI call with EnableIn TRUE, its Logic and its outputs', () => {
    const aoi = `<AddOnInstructionDefinitions><AddOnInstructionDefinition Name="Latch">
<Parameters>
<Parameter Name="EnableIn" DataType="BOOL" Usage="Input" Required="false"/>
<Parameter Name="EnableOut" DataType="BOOL" Usage="Output" Required="false"/>
<Parameter Name="Set" DataType="BOOL" Usage="Input" Required="true"/>
<Parameter Name="Reset" DataType="BOOL" Usage="Input" Required="true"/>
<Parameter Name="Q" DataType="BOOL" Usage="Output" Required="true"/>
</Parameters>
<Routines><Routine Name="Logic" Type="RLL"><RLLContent><Rung Number="0" Type="N"><Text><![CDATA[[XIC(Set),XIC(Q)]XIO(Reset)OTE(Q);]]></Text></Rung></RLLContent></Routine></Routines>
</AddOnInstructionDefinition></AddOnInstructionDefinitions>`;
    const p = readL5x(
      testL5x([...B('S', 'R', 'Q'), ['L1', 'Latch']], {}, aoi, { S: ['Latch(L1, S, R, Q);'] }),
    );
    const f = findRoutine(p, 'P/S');
    if (!f) throw new Error('no routine');
    const plc = compileModel(ladderModel(p, f.program, f.routine).source, { cycleMs: 10 });
    plc.set('S', true);
    plc.scan();
    expect(plc.get('Q')).toBe(true);
    plc.set('S', false);
    plc.scan();
    expect(plc.get('Q')).toBe(true);
    plc.set('R', true);
    plc.scan();
    expect(plc.get('Q')).toBe(false);
  });
});

// Decision 0102: Logix ST calls the string instructions with the ladder's operands.
describe('Logix ST string instructions', () => {
  it('runs CONCAT, FIND, DTOS and STOD as the ladder does; RTOS stays refused by name', () => {
    const tags: TestTag[] = [
      ['A', 'STRING'],
      ['D', 'STRING'],
      ['N', 'DINT'],
      ['P', 'DINT'],
      ['Q', 'DINT'],
    ];
    const plc = stPlc(tags, ['DTOS(N, A);', 'CONCAT(A, A, D);', 'FIND(D, A, 2, P);', 'STOD(D, Q);']);
    plc.set('N', 12);
    plc.scan();
    const d = plc.get('D') as { LEN: number; DATA: number[] };
    expect(String.fromCharCode(...d.DATA.slice(0, d.LEN))).toBe('1212');
    expect([plc.get('P'), plc.get('Q')]).toEqual([3, 1212]);
    expect(() => stPlc([['R', 'REAL'], ...tags], ['RTOS(R, A);'])).toThrow(
      'instruction RTOS is not modelled in ST: the text a REAL becomes',
    );
  });
});

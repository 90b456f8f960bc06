import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEquivalence, Prng } from '../sim/index';
import { type TestTag, testL5x } from '../testing/test-l5x';
import { checkL5x } from './l5x-check';
import { readL5x } from './l5x-reader';
import { compileModel, findRoutine, ladderModel, modelUnits } from './ladder-model';
import { ladderToSt } from './ladder-to-st';

const example = join(__dirname, '../../../../examples/plants/ladder-line/ladder-line.L5X');

describe('ladderToSt on the ladder-line plant', () => {
  const bytes = new Uint8Array(readFileSync(example));
  const project = readL5x(bytes);
  const r = ladderToSt(project, { runs: 40, seed: 3 });

  it('converts every ladder routine and proves each equivalent', () => {
    expect(r.routines.map((x) => [x.name, x.converted, x.equivalent, x.reason])).toEqual(
      ['MainRoutine', 'Conveyor', 'Timers', 'Counters', 'Sequencer', 'Pumps'].map((n) => [
        `MainProgram/${n}`,
        true,
        true,
        null,
      ]),
    );
    expect(r.routines.every((x) => x.runs === 40 && x.scans === 300)).toBe(true);
  });

  it('writes a seal-in as an IF/ELSIF latch and carries rung comments over', () => {
    expect(r.st.get('MainProgram/Conveyor')).toEqual([
      '// First scan: what the ladder did in prescan.',
      'IF S:FS THEN',
      '    Conveyor_Run := FALSE;',
      'END_IF;',
      '// Conveyor seal-in: start, stop and E-stop.',
      'IF Stop_PB OR EStop THEN',
      '    Conveyor_Run := FALSE;',
      'ELSIF Start_PB THEN',
      '    Conveyor_Run := TRUE;',
      'END_IF;',
      '// Motor runs unless the belt is jammed.',
      'Motor_Out := Conveyor_Run AND NOT Jam_Sensor;',
      '// A jam latches the alarm.',
      'IF Jam_Sensor THEN',
      '    Jam_Alarm := TRUE;',
      'END_IF;',
      '// Reset clears the alarm once the jam is gone.',
      'IF Reset_PB AND NOT Jam_Sensor THEN',
      '    Jam_Alarm := FALSE;',
      'END_IF;',
    ]);
    expect(r.st.get('MainProgram/Timers')?.slice(0, 4)).toEqual([
      '// Warning horn sounds for 3 s before the belt moves.',
      'Start_Delay_FBD.PRE := Start_Delay.PRE;',
      'Start_Delay_FBD.TimerEnable := Conveyor_Run;',
      'TONR(Start_Delay_FBD);',
    ]);
  });

  it('writes the routines back as ST with FBD_TIMER tags beside the timers, the rest byte for byte', () => {
    const out = Buffer.from(r.output);
    const q = readL5x(out);
    const main = q.programs[0];
    expect(main?.routines.map((x) => `${x.name}:${x.type}`)).toEqual([
      'MainRoutine:ST',
      'Conveyor:ST',
      'Timers:ST',
      'Counters:ST',
      'Sequencer:ST',
      'Pumps:ST',
      'Legacy_FBD:FBD',
    ]);
    expect(main?.routines.find((x) => x.name === 'Conveyor')?.lines).toEqual(
      r.st.get('MainProgram/Conveyor'),
    );
    const names = main?.tags.map((t) => t.name) ?? [];
    expect(names.slice(0, 3)).toEqual(['Start_Delay', 'Start_Delay_FBD', 'Run_On']);
    expect(main?.tags.find((t) => t.name === 'Mix_Timer_FBD')?.dataType).toBe('FBD_TIMER');
    const src = Buffer.from(bytes);
    const head = src.subarray(0, src.indexOf('<Tag Name="Start_Delay"'));
    expect(out.subarray(0, head.length).equals(head)).toBe(true);
    const tail = src.subarray(src.indexOf('<Routine Name="Legacy_FBD"'));
    expect(out.subarray(out.length - tail.length).equals(tail)).toBe(true);
    expect(out.toString('utf8')).toContain('\t<Line Number="0"><![CDATA[// Call the line');
  });

  it('converts only the selected routines', () => {
    const one = ladderToSt(project, { routines: ['mainprogram/conveyor'], runs: 5 });
    expect(one.routines.map((x) => x.name)).toEqual(['MainProgram/Conveyor']);
    expect(readL5x(one.output).programs[0]?.routines.map((x) => x.type)).toEqual([
      'RLL',
      'ST',
      'RLL',
      'RLL',
      'RLL',
      'RLL',
      'FBD',
    ]);
  });
});

const B = (...names: string[]): TestTag[] => names.map((n) => [n, 'BOOL']);

describe('ladderToSt refusals and proofs', () => {
  it('refuses an instruction it does not model by name; the routine stays ladder', () => {
    const p = readL5x(testL5x(B('A', 'B'), { Main: ['XIC(A)OTE(B);', 'XIC(A)BTD(A,0,B,0,1);'] }));
    const r = ladderToSt(p, { runs: 5 });
    expect(r.routines[0]).toMatchObject({
      converted: false,
      equivalent: false,
      reason: 'P/Main rung 1: instruction BTD is not modelled',
    });
    expect(Buffer.from(r.output).equals(Buffer.from(p.bytes))).toBe(true);
  });

  it('reports a difference naming the tag and keeps that routine ladder', () => {
    // A TOF timer read by another routine is mirrored back; its prescan (.ACC = .PRE) has no ST twin.
    const p = readL5x(
      testL5x([...B('In', 'Out'), ['T', 'TIMER', { PRE: 100 }]], {
        Main: ['XIC(In)TOF(T,?,?);'],
        Other: ['XIC(T.DN)OTE(Out);'],
      }),
    );
    const r = ladderToSt(p, { routines: ['P/Main'], runs: 10 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: false });
    expect(r.routines[0]?.reason).toMatch(/^T differs at scan 0/);
    expect(r.routines[0]?.counterexample?.variable).toBe('T');
    expect(readL5x(r.output).programs[0]?.routines[0]?.type).toBe('RLL');
  });

  it('keeps a rung condition in a BOOL tag when the rung overwrites what it still reads', () => {
    const p = readL5x(testL5x(B('A', 'B', 'C'), { Main: ['XIC(A)OTU(A)OTE(B)XIC(C)OTL(A);'] }));
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true });
    expect(r.st.get('P/Main')).toEqual([
      'Main_R0_C0 := A;',
      'IF Main_R0_C0 THEN',
      '    A := FALSE;',
      'END_IF;',
      'B := Main_R0_C0;',
      'IF Main_R0_C0 AND C THEN',
      '    A := TRUE;',
      'END_IF;',
    ]);
    expect(readL5x(r.output).tags.map((t) => `${t.name}:${t.dataType}`)).toContain('Main_R0_C0:BOOL');
  });

  it('gives a timer inside an array its own FBD_TIMER and copies its state back', () => {
    const p = readL5x(
      testL5x([...B('A', 'B'), ['Tmr', 'TIMER[3]']], {
        Main: ['MOV(50,Tmr[1].PRE);', 'XIC(A)TON(Tmr[1],?,?);', 'XIC(Tmr[1].DN)OTE(B);'],
      }),
    );
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true });
    expect(r.st.get('P/Main')?.slice(1, 9)).toEqual([
      'Tmr_1_FBD.PRE := Tmr[1].PRE;',
      'Tmr_1_FBD.TimerEnable := A;',
      'TONR(Tmr_1_FBD);',
      'Tmr[1].ACC := Tmr_1_FBD.ACC;',
      'Tmr[1].EN := Tmr_1_FBD.EN;',
      'Tmr[1].TT := Tmr_1_FBD.TT;',
      'Tmr[1].DN := Tmr_1_FBD.DN;',
      'B := Tmr_1_FBD.DN;',
    ]);
  });

  it('moves a whole string with MOV, written as COP of one element in ST', () => {
    const p = readL5x(
      testL5x([...B('A'), ['Name', 'STRING'], ['Shown', 'STRING'], ['Count', 'DINT']], {
        Main: ['XIC(A)MOV(Name,Shown);', 'MOV(Shown.LEN,Count);'],
      }),
    );
    const r = ladderToSt(p, { runs: 20 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual([
      'IF A THEN',
      '    COP(Name, Shown, 1);',
      'END_IF;',
      'Count := Shown.LEN;',
    ]);
  });

  it('reads a PID mode bit as the bit of .CTL it is, so the word and the bit agree', () => {
    const p = readL5x(
      testL5x([...B('Man', 'Auto'), ['Loop', 'PID'], ['Word', 'DINT']], {
        Main: ['XIC(Man)OTL(Loop.SWM);', 'XIO(Loop.SWM)OTE(Auto);', 'MOV(Loop.CTL,Word);'],
      }),
    );
    const r = ladderToSt(p, { runs: 20 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual([
      'IF Man THEN',
      '    Loop.SWM := TRUE;',
      'END_IF;',
      'Auto := NOT Loop.SWM;',
      'Word := Loop.CTL;',
    ]);
  });

  it('converts a JSR with parameters as the same instruction in ST, proven through the subroutine', () => {
    const p = readL5x(
      testL5x([...B('Go'), ['X', 'DINT'], ['P', 'DINT'], ['Y', 'DINT']], {
        Main: ['XIC(Go)JSR(Twice,1,X,Y);'],
        Twice: ['SBR(P);', 'RET(P*2);'],
      }),
    );
    const r = ladderToSt(p, { routines: ['P/Main'], runs: 20 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual(['IF Go THEN', '    JSR(Twice, 1, X, Y);', 'END_IF;']);
  });

  it('converts two TONs on one timer to two TONR calls on its FBD_TIMER, proven', () => {
    const p = readL5x(
      testL5x([...B('A', 'B', 'Y'), ['T', 'TIMER', { PRE: 40 }]], {
        Main: ['XIC(A)TON(T,?,?);', 'XIC(T.DN)OTE(Y);', 'XIC(B)TON(T,?,?);'],
      }),
    );
    const r = ladderToSt(p, { runs: 40 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')?.filter((l) => l.startsWith('TONR('))).toEqual([
      'TONR(T_FBD);',
      'TONR(T_FBD);',
    ]);
  });

  it('keeps the prescan of every one-shot of a structure, not only the first', () => {
    // ONS sets its storage bit in prescan (1756-RM003), so neither output fires on the first scan.
    const p = readL5x(
      testL5x([...B('A', 'X', 'Y'), ['Ons', 'BOOL[4]']], {
        Main: ['XIC(A)ONS(Ons[1])OTE(X);', 'XIC(A)ONS(Ons[2])OTE(Y);'],
      }),
    );
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')?.slice(0, 5)).toEqual([
      '// First scan: what the ladder did in prescan.',
      'IF S:FS THEN',
      '    Ons[1] := TRUE;',
      '    Ons[2] := TRUE;',
      'END_IF;',
    ]);
  });

  it('moves a STRING into a user string type as COP does: .LEN goes over', () => {
    const udt = `<DataTypes><DataType Name="STR_20" Family="StringFamily" Class="User"><Members>
<Member Name="LEN" DataType="DINT" Dimension="0" Radix="Decimal" Hidden="false" ExternalAccess="Read/Write"/>
<Member Name="DATA" DataType="SINT" Dimension="20" Radix="ASCII" Hidden="false" ExternalAccess="Read/Write"/>
</Members></DataType></DataTypes>`;
    const p = readL5x(
      testL5x(
        [...B('A'), ['Name', 'STRING'], ['Short', 'STR_20'], ['N', 'DINT']],
        {
          Main: ['XIC(A)MOV(Name,Short);', 'MOV(Short.LEN,N);'],
        },
        udt,
      ),
    );
    const r = ladderToSt(p, { runs: 20 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')?.[1]).toBe('    COP(Name, Short, 1);');
  });

  it('refuses MOV between a string and a number', () => {
    const p = readL5x(
      testL5x(
        [
          ['Name', 'STRING'],
          ['N', 'DINT'],
        ],
        { Main: ['MOV(Name,N);'] },
      ),
    );
    expect(ladderToSt(p, { runs: 5 }).routines[0]?.reason).toBe('P/Main rung 0: MOV on non-numeric operands');
  });

  it('proves random rungs of modelled instructions equivalent to their ST', { timeout: 120_000 }, () => {
    const rng = new Prng(11);
    const bools = ['A', 'B', 'C', 'D', 'X', 'Y'];
    const cond = (): string => {
      const p = rng.next();
      if (p < 0.4) return `XIC(${rng.pick(bools)})`;
      if (p < 0.65) return `XIO(${rng.pick(bools)})`;
      if (p < 0.75) return `GRT(N,${rng.int(0, 5)})`;
      if (p < 0.85) return `ONS(S${rng.int(0, 2)})`;
      return `[${cond()},${cond()}${cond()}]`;
    };
    const out = (): string => {
      const p = rng.next();
      if (p < 0.35) return `OTE(${rng.pick(['X', 'Y', 'A'])})`;
      if (p < 0.5) return `OTL(${rng.pick(['X', 'Y', 'B'])})`;
      if (p < 0.6) return `OTU(${rng.pick(['X', 'Y', 'C'])})`;
      if (p < 0.7) return 'ADD(N,1,N)';
      if (p < 0.78) return `TON(T${rng.int(0, 1)},?,?)`;
      if (p < 0.86) return 'CTU(K,?,?)';
      if (p < 0.92) return `OSR(S${rng.int(3, 4)},Y)`;
      return 'CLR(N)';
    };
    const tags: TestTag[] = [
      ...B('A', 'B', 'C', 'D', 'X', 'Y', 'S0', 'S1', 'S2', 'S3', 'S4'),
      ['N', 'DINT'],
      ['T0', 'TIMER', { PRE: 40 }],
      ['T1', 'TIMER', { PRE: 90 }],
      ['K', 'COUNTER', { PRE: 3 }],
    ];
    const failures: string[] = [];
    for (let k = 0; k < 25; k++) {
      const rungs = Array.from({ length: rng.int(1, 4) }, () => {
        const parts = Array.from({ length: rng.int(1, 3) }, cond);
        const outs = Array.from({ length: rng.int(1, 2) }, out);
        const tail = rng.chance(0.3) ? `[${outs.join(',')}]` : outs.join('');
        return `${parts.join('')}${tail}${rng.chance(0.2) ? `XIC(${rng.pick(bools)})OTE(D)` : ''};`;
      });
      // one TON per timer per routine (each timer becomes one FBD_TIMER call)
      const seen = new Set<string>();
      const fixed = rungs.map((g) =>
        g
          .replace(/TON\((T\d)/g, (m, t: string) => {
            if (seen.has(t)) return 'CLR(N';
            seen.add(t);
            return m;
          })
          .replace(/CLR\(N,\?,\?\)/g, 'CLR(N)'),
      );
      const p = readL5x(testL5x(tags, { Main: fixed }));
      const r = ladderToSt(p, { runs: 20, scans: 200, seed: k });
      const x = r.routines[0];
      if (!x?.equivalent) failures.push(`${fixed.join(' ')} => ${x?.reason}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('ladderToSt on routines with nothing of their own to read', () => {
  const tags: TestTag[] = [
    ['A', 'BOOL'],
    ['B', 'BOOL'],
  ];
  it('drives the tags a routine both reads and writes, so the proof still varies its inputs', () => {
    // each tag is written by the routine itself: no read-only input; another program or an HMI
    // may still write either between scans
    const r = ladderToSt(readL5x(testL5x(tags, { Main: ['XIC(A)OTE(B);', 'XIO(B)OTE(A);'] })), { runs: 10 });
    expect(r.routines[0]).toMatchObject({ name: 'P/Main', equivalent: true, runs: 10, reason: null });
  });
  it('drives them only when the routine has no read-only input', () => {
    const project = readL5x(
      testL5x([...tags, ['C', 'BOOL'], ['Arr', 'DINT[5]']], {
        Own: ['XIC(A)OTE(B);', 'XIO(B)OTE(A);'],
        Mixed: ['XIC(C)XIC(A)OTE(A);'],
        Shift: ['COP(Arr[0],Arr[1],3);'],
      }),
    );
    const [program] = project.programs;
    const model = (n: string) => {
      const found = findRoutine(project, `P/${n}`);
      if (!program || !found) throw new Error(n);
      return ladderModel(project, program, found.routine);
    };
    expect([...model('Own').inputs].sort()).toEqual(['a', 'b']);
    expect([...model('Mixed').inputs]).toEqual(['c']);
    expect([...model('Shift').inputs]).toEqual(['arr']);
  });
  it('converts a timer nothing else reads, with nothing to drive or compare, without a run', () => {
    const r = ladderToSt(readL5x(testL5x([['T', 'TIMER', { PRE: 100 }]], { Main: ['TON(T,?,?);'] })), {
      runs: 10,
    });
    expect(r.routines[0]).toMatchObject({ equivalent: true, runs: 0, reason: null });
    expect(r.st.get('P/Main')).toContain('TONR(T_FBD);');
  });
  it('converts a routine that writes nothing (only NOP) without a run', () => {
    const r = ladderToSt(readL5x(testL5x(tags, { Main: ['XIC(A)OTE(B);'], Idle: ['NOP();'] })), { runs: 10 });
    expect(r.routines.find((x) => x.name === 'P/Idle')).toMatchObject({
      equivalent: true,
      runs: 0,
      scans: 0,
    });
    expect(r.st.get('P/Idle')).toEqual([]);
  });
});

describe('ladderToSt with SIZE', () => {
  it('writes SIZE as the same instruction under the rung condition and proves it', () => {
    const tags: TestTag[] = [
      ['Go', 'BOOL'],
      ['Arr', 'DINT[8]'],
      ['N', 'DINT'],
    ];
    const r = ladderToSt(readL5x(testL5x(tags, { Main: ['XIC(Go)SIZE(Arr,0,N);'] })), { runs: 10 });
    expect(r.routines[0]).toMatchObject({ equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual(['IF Go THEN', '    SIZE(Arr, 0, N);', 'END_IF;']);
    // the ST written reads back: the converted routine is a model of its own
    const back = readL5x(r.output);
    const [program] = back.programs;
    const routine = findRoutine(back, 'P/Main')?.routine;
    if (!program || !routine) throw new Error('no routine');
    expect(routine.type).toBe('ST');
    expect(() => ladderModel(back, program, routine)).not.toThrow();
  });

  it('converts SCP (as its REAL formula) and CPS (as itself), proves them and runs the ST', () => {
    const tags: TestTag[] = [
      ['Go', 'BOOL'],
      ['Raw', 'INT'],
      ['Eng', 'REAL'],
      ['Pct', 'INT'],
      ['Src', 'DINT[4]'],
      ['Dst', 'DINT[4]'],
    ];
    const p = readL5x(
      testL5x(tags, {
        Main: ['XIC(Go)SCP(Raw,0,4095,0,100,Eng)SCP(Raw,0,4,0,10,Pct);', 'XIC(Go)CPS(Src[1],Dst[0],2);'],
      }),
    );
    const r = ladderToSt(p, { runs: 10 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual([
      'IF Go THEN',
      '    Eng := (Raw - 0.0) * (100.0 - 0.0) / (4095.0 - 0.0) + 0.0;',
      '    Pct := (Raw - 0.0) * (10.0 - 0.0) / (4.0 - 0.0) + 0.0;',
      'END_IF;',
      'IF Go THEN',
      '    CPS(Src[1], Dst[0], 2);',
      'END_IF;',
    ]);
    const text = Buffer.from(r.output).toString('utf8');
    expect(checkL5x(text, 'out.L5X').diagnostics).toEqual([]);
    // the ST written, read back and run: the values SCP and CPS give
    const back = readL5x(r.output);
    const f = findRoutine(back, 'P/Main');
    if (!f) throw new Error('no routine');
    expect(f.routine.type).toBe('ST');
    const plc = compileModel(ladderModel(back, f.program, f.routine).source, { cycleMs: 10 });
    for (let k = 0; k < 4; k++) plc.set(`Src[${k}]`, 10 + k);
    plc.set('Go', true);
    plc.set('Raw', 3);
    plc.scan();
    expect(plc.get('Eng')).toBeCloseTo(300 / 4095, 6);
    expect(plc.get('Pct')).toBe(8); // 7.5, a tie, to the even 8
    expect(plc.get('Dst')).toEqual([11, 12, 0, 0]);
  });

  it('proves SCP where its rung reads what it wrote, a REAL In, a falling scale, an INT Dest', () => {
    const tags: TestTag[] = [...B('A', 'B', 'X', 'Y'), ['N', 'DINT'], ['R', 'REAL'], ['I', 'INT']];
    const p = readL5x(
      testL5x(tags, {
        Main: [
          '[XIC(A)SCP(N,0,10,0,100,N),XIC(B)OTE(X)]GRT(N,50)OTE(Y);',
          'XIC(A)SCP(R,-5.5,2.25,100,-100,I)GRT(I,0)OTE(X);',
          'XIO(X)SCP(I,0,32767,0.0,1.0,R);',
        ],
      }),
    );
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toContain(
      '    I := (R - (-5.5)) * ((-100.0) - 100.0) / (2.25 - (-5.5)) + 100.0;',
    );
  });

  it('converts a forward JMP as an IF around the rungs it skips, with a flag tag, proven and run', () => {
    const tags: TestTag[] = [...B('A', 'B', 'C', 'X', 'Y'), ['N', 'DINT']];
    const p = readL5x(
      testL5x(tags, { Main: ['XIC(A)JMP(Skip);', 'XIC(B)OTE(X);', 'ADD(N,1,N);', 'LBL(Skip)XIC(C)OTE(Y);'] }),
    );
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    expect(r.st.get('P/Main')).toEqual([
      '// First scan: what the ladder did in prescan.',
      'IF S:FS THEN',
      '    X := FALSE;',
      'END_IF;',
      'Main_Jmp_Skip := A;',
      'IF NOT (Main_Jmp_Skip) THEN',
      '    X := B;',
      '    N := N + 1;',
      'END_IF;',
      'Y := C;',
    ]);
    const text = Buffer.from(r.output).toString('utf8');
    expect(text).toContain('<Tag Name="Main_Jmp_Skip"');
    expect(checkL5x(text, 'out.L5X').diagnostics).toEqual([]);
    const back = readL5x(r.output);
    const f = findRoutine(back, 'P/Main');
    if (!f) throw new Error('no routine');
    const plc = compileModel(ladderModel(back, f.program, f.routine).source, { cycleMs: 10 });
    plc.set('B', true);
    plc.scan();
    plc.set('A', true);
    plc.set('B', false);
    plc.set('C', true);
    plc.scan();
    // skipped: X keeps TRUE, N stays 1; the LBL rung ran
    expect([plc.get('X'), plc.get('N'), plc.get('Y')]).toEqual([true, 1, true]);
  });

  it('proves random routines with forward jumps, overlapping ones and SCP', { timeout: 120_000 }, () => {
    const rng = new Prng(5);
    const bools = ['A', 'B', 'C', 'D', 'X', 'Y'];
    const cond = (): string => {
      const p = rng.next();
      if (p < 0.45) return `XIC(${rng.pick(bools)})`;
      if (p < 0.7) return `XIO(${rng.pick(bools)})`;
      if (p < 0.8) return `GRT(N,${rng.int(0, 5)})`;
      if (p < 0.88) return `ONS(S${rng.int(0, 2)})`;
      return `[${cond()},${cond()}]`;
    };
    const out = (): string => {
      const p = rng.next();
      if (p < 0.35) return `OTE(${rng.pick(['X', 'Y', 'A'])})`;
      if (p < 0.5) return `OTL(${rng.pick(['X', 'Y', 'B'])})`;
      if (p < 0.6) return `OTU(${rng.pick(['X', 'Y', 'C'])})`;
      if (p < 0.75) return 'ADD(N,1,N)';
      if (p < 0.85) return 'CTU(K,?,?)';
      if (p < 0.92) return 'SCP(N,0,8,0,100,R)';
      return 'CLR(N)';
    };
    const tags: TestTag[] = [
      ...B('A', 'B', 'C', 'D', 'X', 'Y', 'S0', 'S1', 'S2'),
      ['N', 'DINT'],
      ['R', 'REAL'],
      ['K', 'COUNTER', { PRE: 3 }],
    ];
    const failures: string[] = [];
    let proven = 0;
    for (let k = 0; k < 40; k++) {
      const n = rng.int(3, 6);
      const rungs = Array.from(
        { length: n },
        () => `${Array.from({ length: rng.int(1, 2) }, cond).join('')}${out()}`,
      );
      const from = rng.int(0, n - 3);
      const to = rng.int(from + 1, n - 1);
      rungs[from] = `${cond()}JMP(L1)`;
      rungs[to] = `LBL(L1)${rungs[to]}`;
      if (rng.chance(0.4) && to + 1 < n) {
        // a second jump from inside the first one's range to the last rung
        const f2 = rng.int(from + 1, to);
        if (f2 === to) continue;
        rungs[f2] = `${cond()}JMP(L2)`;
        rungs[n - 1] = `LBL(L2)${rungs[n - 1]}`;
      }
      const fixed = rungs.map((r) => `${r};`);
      const r = ladderToSt(readL5x(testL5x(tags, { Main: fixed })), { runs: 20, scans: 200, seed: k });
      const x = r.routines[0];
      if (x?.equivalent) proven++;
      else failures.push(`${fixed.join(' ')} => ${x?.reason}`);
    }
    expect(failures).toEqual([]);
    expect(proven).toBeGreaterThan(25);
  });
});

describe('ladderToSt with the string instructions (decision 0102)', () => {
  const S = (...names: string[]): TestTag[] => names.map((n) => [n, 'STRING']);
  const tags: TestTag[] = [
    ['Go', 'BOOL'],
    ['Hit', 'BOOL'],
    ...S('A', 'B', 'D', 'E'),
    ['N', 'DINT'],
    ['Q', 'DINT'],
    ['P', 'DINT'],
  ];
  const cases: [string, string, string][] = [
    ['CONCAT', 'XIC(Go)CONCAT(A,B,D);', '    CONCAT(A, B, D);'],
    ['MID', 'XIC(Go)MID(A,Q,P,D);', '    MID(A, Q, P, D);'],
    ['DELETE', 'XIC(Go)DELETE(A,Q,P,D);', '    DELETE(A, Q, P, D);'],
    ['INSERT', 'XIC(Go)INSERT(A,B,P,D);', '    INSERT(A, B, P, D);'],
    ['FIND', 'XIC(Go)FIND(A,B,1,N)GRT(N,0)OTE(Hit);', '    FIND(A, B, 1, N);'],
    ['UPPER', 'XIC(Go)UPPER(A,D);', '    UPPER(A, D);'],
    ['LOWER', 'XIC(Go)LOWER(A,D);', '    LOWER(A, D);'],
    ['STOD', 'XIC(Go)STOD(A,N);', '    STOD(A, N);'],
    ['DTOS', 'XIC(Go)DTOS(N,D);', '    DTOS(N, D);'],
  ];
  it.each(cases)(
    'converts %s to the same ST instruction, proves it and compiles the output',
    (_n, rung, call) => {
      const r = ladderToSt(readL5x(testL5x(tags, { Main: [rung] })), { runs: 20 });
      expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
      expect(r.st.get('P/Main')).toContain(call);
      expect(checkL5x(Buffer.from(r.output).toString('utf8'), 'out.L5X').diagnostics).toEqual([]);
    },
  );

  it('runs the written ST: a string built by DTOS, CONCAT and MID, then read by FIND and STOD', () => {
    const p = readL5x(
      testL5x(tags, {
        Main: [
          'XIC(Go)DTOS(N,D)DTOS(Q,E)CONCAT(D,E,D);',
          '[XIC(Go)MID(D,2,2,E),XIO(Go)UPPER(A,E)]FIND(D,E,1,P)STOD(E,Q);',
        ],
      }),
    );
    const r = ladderToSt(p, { runs: 30 });
    expect(r.routines[0]).toMatchObject({ converted: true, equivalent: true, reason: null });
    const back = readL5x(r.output);
    const f = findRoutine(back, 'P/Main');
    if (!f) throw new Error('no routine');
    expect(f.routine.type).toBe('ST');
    const plc = compileModel(ladderModel(back, f.program, f.routine).source, { cycleMs: 10 });
    plc.set('Go', true);
    plc.set('N', -42);
    plc.set('Q', 17);
    plc.scan();
    const d = plc.get('D') as { LEN: number; DATA: number[] };
    expect(String.fromCharCode(...d.DATA.slice(0, d.LEN))).toBe('-4217');
    // MID(D,2,2) = '42': found at 2, and STOD of it is 42
    expect([plc.get('P'), plc.get('Q')]).toEqual([2, 42]);
  });

  it('a difference in a string is found: the ST with its operands swapped is not equivalent', () => {
    const p = readL5x(testL5x(tags, { Main: ['XIC(Go)CONCAT(A,B,D);'] }));
    const r = ladderToSt(p, { runs: 20 });
    expect(r.routines[0]?.equivalent).toBe(true);
    const swapped = readL5x(testL5x(tags, { Main: ['XIC(Go)CONCAT(B,A,D);'] }));
    const fa = findRoutine(p, 'P/Main');
    const fb = findRoutine(swapped, 'P/Main');
    if (!fa || !fb) throw new Error('no routine');
    const res = checkEquivalence({
      before: modelUnits(ladderModel(p, fa.program, fa.routine).source),
      after: modelUnits(ladderModel(swapped, fb.program, fb.routine).source),
      program: 'LX_Model',
      runs: 20,
      scans: 100,
      compare: ['D'],
    });
    expect(res.equivalent).toBe(false);
    expect(res.counterexample?.variable).toMatch(/^D/);
    // MID with Qty and Start swapped: found too, so runs reach valid operands before any fault
    const mid = (rung: string) => {
      const q = readL5x(testL5x(tags, { Main: [rung] }));
      const f = findRoutine(q, 'P/Main');
      if (!f) throw new Error('no routine');
      return modelUnits(ladderModel(q, f.program, f.routine).source);
    };
    const m = checkEquivalence({
      before: mid('XIC(Go)MID(A,Q,P,D);'),
      after: mid('XIC(Go)MID(A,P,Q,D);'),
      program: 'LX_Model',
      runs: 50,
      scans: 100,
      compare: ['D'],
    });
    expect(m.equivalent).toBe(false);
  });

  it('proves 40 random routines of string instructions, conditions and one-shots', {
    timeout: 180_000,
  }, () => {
    const rng = new Prng(13);
    const strs = ['A', 'B', 'D', 'E'];
    const dst = ['D', 'E'];
    const cond = (): string => {
      const p = rng.next();
      if (p < 0.4) return `XIC(${rng.pick(['Go', 'Hit'])})`;
      if (p < 0.6) return `XIO(${rng.pick(['Go', 'Hit'])})`;
      if (p < 0.75) return `GRT(${rng.pick(['N', 'D.LEN', 'E.LEN'])},${rng.int(0, 4)})`;
      if (p < 0.85) return 'ONS(S0)';
      return `[${cond()},${cond()}]`;
    };
    const out = (): string => {
      const s = () => rng.pick(strs);
      const d = () => rng.pick(dst);
      const small = () => rng.pick(['1', '2', '3', 'P', 'Q']);
      switch (rng.int(0, 10)) {
        case 0:
          return `CONCAT(${s()},${s()},${d()})`;
        case 1:
          return `MID(${s()},${small()},${small()},${d()})`;
        case 2:
          return `DELETE(${s()},${small()},${small()},${d()})`;
        case 3:
          return `INSERT(${s()},${s()},${small()},${d()})`;
        case 4:
          return `FIND(${s()},${s()},${small()},N)`;
        case 5:
          return `${rng.pick(['UPPER', 'LOWER'])}(${s()},${d()})`;
        case 6:
          return `STOD(${s()},${rng.pick(['N', 'P'])})`;
        case 7:
          return `DTOS(${rng.pick(['N', 'P', 'Q'])},${d()})`;
        case 8:
          return `OTE(Hit)`;
        case 9:
          return `MOV(${rng.int(0, 3)},${rng.pick(['P', 'Q'])})`;
        default:
          return 'ADD(N,1,N)';
      }
    };
    const t: TestTag[] = [...tags, ['S0', 'BOOL']];
    const failures: string[] = [];
    let proven = 0;
    for (let k = 0; k < 40; k++) {
      const rungs = Array.from(
        { length: rng.int(2, 4) },
        () =>
          `${Array.from({ length: rng.int(1, 2) }, cond).join('')}${out()}${rng.chance(0.4) ? out() : ''};`,
      );
      const r = ladderToSt(readL5x(testL5x(t, { Main: rungs })), { runs: 20, scans: 150, seed: k });
      const x = r.routines[0];
      if (x?.equivalent) proven++;
      else failures.push(`${rungs.join(' ')} => ${x?.reason}`);
    }
    expect(failures).toEqual([]);
    expect(proven).toBe(40);
  });
});

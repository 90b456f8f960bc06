import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { compileModel, findRoutine, ladderModel, readL5x } from '../l5x';
import { compileProgram } from './virtual-plc';

const SRC = `FUNCTION_BLOCK Unit
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Done : BOOL; END_VAR
VAR Delay : TON; Off : TOF; END_VAR
Delay(IN := Run, PT := T#250ms);
Off(IN := Run, PT := T#40ms);
Done := Delay.Q;
END_FUNCTION_BLOCK

FUNCTION_BLOCK Cell
VAR Inner : Unit; END_VAR
Inner(Run := TRUE);
END_FUNCTION_BLOCK

PROGRAM Main
VAR_INPUT Go : BOOL; END_VAR
VAR_OUTPUT Ready : BOOL; END_VAR
VAR
  T1 : TON;
  U : Unit;
  Units : ARRAY[1..2] OF Unit;
  C : Cell;
  Pulse : TP;
  Count : CTU;
END_VAR
T1(IN := Go, PT := T#100ms);
U(Run := Go);
Units[2](Run := TRUE);
C();
Pulse(IN := FALSE, PT := T#5ms);
Ready := U.Done;
END_PROGRAM
`;

describe('VirtualPlc.listTimers', () => {
  it('lists the standard timers of the program and inside FB instances, with IN and PT now', () => {
    const r = parseSource(SRC, 'timers.st');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram({ units: [r.unit] });
    plc.set('Go', true);
    plc.scan();
    const byPath = Object.fromEntries(plc.listTimers().map((t) => [t.path, t]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'T1',
        'U.Delay',
        'U.Off',
        'Units[1].Delay',
        'Units[1].Off',
        'Units[2].Delay',
        'Units[2].Off',
        'C.Inner.Delay',
        'C.Inner.Off',
        'Pulse',
      ].sort(),
    );
    expect(byPath['T1']).toEqual({ path: 'T1', type: 'TON', in: true, pt: 100 });
    expect(byPath['U.Delay']).toEqual({ path: 'U.Delay', type: 'TON', in: true, pt: 250 });
    expect(byPath['Units[1].Delay']).toMatchObject({ in: false, pt: 0 }); // never called
    expect(byPath['C.Inner.Off']).toEqual({ path: 'C.Inner.Off', type: 'TOF', in: true, pt: 40 });
    expect(byPath['Pulse']).toMatchObject({ type: 'TP', in: false, pt: 5 });
    // each path reads back through get
    expect(plc.get('C.Inner.Delay.PT')).toBe(250);
  });
});

describe('VirtualPlc.listTimers: LTIME timers and timers inside structures (ADR 0154)', () => {
  const SRC2 = `TYPE Axis : STRUCT
  Delay : TON;
  Guard : Unit;
  Speed : INT;
END_STRUCT;
END_TYPE

TYPE Line : STRUCT
  Axes : ARRAY[0..1, 1..2] OF Axis;
  Hold : LTP;
END_STRUCT;
END_TYPE

FUNCTION_BLOCK Unit
VAR Long : LTON; Off : LTOF; END_VAR
Long(IN := TRUE, PT := LTIME#1500ms);
Off(IN := FALSE, PT := LT#2s500us);
END_FUNCTION_BLOCK

FUNCTION_BLOCK Station
VAR A : Axis; END_VAR
A.Delay(IN := TRUE, PT := T#30ms);
A.Guard();
END_FUNCTION_BLOCK

PROGRAM Main
VAR
  S : Station;
  L : Line;
  Plain : ARRAY[1..1000] OF Axis;
  Ints : ARRAY[1..3] OF INT;
END_VAR
S();
L.Axes[1, 2].Delay(IN := TRUE, PT := T#70ms);
L.Hold(IN := TRUE, PT := LTIME#3s);
END_PROGRAM
`;

  it('lists LTON/LTOF/LTP with PT in ms, and timers in structs, arrays of structs, FBs in structs', () => {
    const r = parseSource(SRC2, 'struct-timers.st');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram({ units: [r.unit] });
    plc.scan();
    const timers = plc.listTimers();
    const byPath = Object.fromEntries(timers.map((t) => [t.path, t]));
    expect(byPath['S.A.Delay']).toEqual({ path: 'S.A.Delay', type: 'TON', in: true, pt: 30 });
    expect(byPath['S.A.Guard.Long']).toEqual({ path: 'S.A.Guard.Long', type: 'LTON', in: true, pt: 1500 });
    expect(byPath['S.A.Guard.Off']).toEqual({ path: 'S.A.Guard.Off', type: 'LTOF', in: false, pt: 2000.5 });
    expect(byPath['L.Hold']).toEqual({ path: 'L.Hold', type: 'LTP', in: true, pt: 3000 });
    expect(byPath['L.Axes[1,2].Delay']).toEqual({ path: 'L.Axes[1,2].Delay', type: 'TON', in: true, pt: 70 });
    expect(byPath['L.Axes[0,1].Guard.Long']).toMatchObject({ type: 'LTON', in: false, pt: 0 });
    // 4 axes in L and 1,000 in Plain, each with a TON and an FB of two L-timers; S and L.Hold
    expect(timers).toHaveLength(3 + 1 + 4 * 3 + 1000 * 3);
    expect(byPath['Plain[1000].Guard.Off']).toBeDefined();
    // every path reads back; an L-timer's PT is LTIME, bigint ns, through get
    expect(plc.get('L.Axes[1,2].Delay.ET')).toBe(0);
    expect(plc.get('S.A.Guard.Long.PT')).toBe(1_500_000_000n);
  });

  /** A compiled L5X of one program P whose main routine is `routine` (RLL rungs or ST lines). */
  const l5xPlc = (tags: string, routine: string) => {
    const p = readL5x(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<RSLogix5000Content SchemaRevision="1.0" TargetType="Controller">
<Controller Use="Target" Name="T">
<Tags>
<Tag Name="In" TagType="Base" DataType="BOOL"/>
${tags}
</Tags>
<Programs>
<Program Name="P" MainRoutineName="Main">
<Tags/>
<Routines>
${routine}
</Routines>
</Program>
</Programs>
</Controller>
</RSLogix5000Content>
`);
    const f = findRoutine(p, 'P/Main');
    if (!f) throw new Error('no routine');
    const plc = compileModel(ladderModel(p, f.program, f.routine).source);
    plc.set(plc.listVariables().find((v) => v.name.toLowerCase() === 'in')!.name, true);
    plc.scan(2);
    return plc;
  };
  const pre = (name: string, type: string, ms: number) =>
    `<Tag Name="${name}" TagType="Base" DataType="${type}"><Data Format="Decorated"><Structure DataType="${type}"><DataValueMember Name="PRE" DataType="DINT" Radix="Decimal" Value="${ms}"/></Structure></Data></Tag>`;

  it('lists the Logix TIMER structures of an L5X program (ladder TON and RTO), PRE as pt', () => {
    const plc = l5xPlc(
      `${pre('T1', 'TIMER', 500)}\n<Tag Name="Ts" TagType="Base" DataType="TIMER" Dimensions="2"/>`,
      `<Routine Name="Main" Type="RLL"><RLLContent>
<Rung Number="0" Type="N"><Text><![CDATA[XIC(In)TON(T1,?,?);]]></Text></Rung>
<Rung Number="1" Type="N"><Text><![CDATA[XIC(In)RTO(Ts[1],?,?);]]></Text></Rung>
</RLLContent></Routine>`,
    );
    const timers = plc.listTimers();
    expect(timers.find((t) => /t1$/i.test(t.path))).toMatchObject({ type: 'TIMER', in: true, pt: 500 });
    expect(timers.filter((t) => /ts\[/i.test(t.path)).map((t) => [t.type, t.in])).toEqual([
      ['TIMER', false],
      ['TIMER', true],
    ]);
  });

  it('lists a Logix ST TONR on an FBD_TIMER, TimerEnable as in', () => {
    const plc = l5xPlc(
      pre('F', 'FBD_TIMER', 250),
      `<Routine Name="Main" Type="ST"><STContent>
<Line Number="0"><![CDATA[F.TimerEnable := In;]]></Line>
<Line Number="1"><![CDATA[TONR(F);]]></Line>
</STContent></Routine>`,
    );
    const timers = plc.listTimers();
    // the model's controller clock, a TON of PT 24 d named LX_CLK, is no program timer
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatchObject({ type: 'FBD_TIMER', in: true, pt: 250 });
    expect(plc.get(`${timers[0]!.path}.ACC`)).toBe(10);
  });
});

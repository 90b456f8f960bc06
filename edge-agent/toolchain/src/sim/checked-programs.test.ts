/**
 * What the checker accepts, the simulator runs with the same meaning — or
 * refuses with SIM_UNSUPPORTED naming the construct, file and line. Snippets in
 * the shape plant programs have (issue 14).
 */
import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { SIM_ERROR_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** Parses and checks `src`, expects no check error, compiles and runs `scans` scans. */
function simulate(src: string, scans = 1, file = 'plant.st') {
  const { unit, diagnostics: parse } = parseSource(src, file);
  expect(parse.filter((d) => d.severity === 'error')).toEqual([]);
  const { checked, diagnostics } = checkProject([unit]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plc = compileProgram({ units: checked.units, diagnostics, checked });
  expect(plc.scan(scans)).toBeNull();
  return plc;
}

describe('standard functions the checker knows are simulated', () => {
  it('WLEN, DAY_OF_WEEK, CONCAT_DATE_TOD and the other date and time functions', () => {
    const plc = simulate(`PROGRAM Shift_Calendar
VAR_OUTPUT
  NameLen : INT; Weekday : USINT; Sunday : USINT; Stamp : DT; Later : TOD; Span : TIME;
  Day : DATE; Clock : TOD; Wrapped : TOD;
END_VAR
VAR Operator : WSTRING := "Müller"; END_VAR
NameLen := WLEN(Operator);
Weekday := DAY_OF_WEEK(D#2024-01-01);
Sunday := DAY_OF_WEEK(IN := D#2024-01-07);
Stamp := CONCAT_DATE_TOD(D#2024-01-01, TOD#06:30:00);
Later := ADD_TOD_TIME(TOD#06:30:00, T#90m);
Span := SUB_DT_DT(DT#2024-01-02-00:00:00, DT#2024-01-01-23:00:00);
Day := CONCAT_DATE(2024, 3, 1);
Clock := CONCAT_TOD(6, 30, 15, 250);
Wrapped := ADD_TOD_TIME(TOD#23:00:00, T#2h);
END_PROGRAM`);
    expect(plc.get('NameLen')).toBe(6);
    expect(plc.get('Weekday')).toBe(1); // Monday; 0 = Sunday (3rd edition Table 37)
    expect(plc.get('Sunday')).toBe(0);
    expect(plc.get('Stamp')).toBe(Date.UTC(2024, 0, 1, 6, 30));
    expect(plc.get('Later')).toBe(8 * 60 * 60_000);
    expect(plc.get('Span')).toBe(3_600_000);
    expect(plc.get('Day')).toBe(Date.UTC(2024, 2, 1));
    expect(plc.get('Clock')).toBe(((6 * 60 + 30) * 60 + 15) * 1000 + 250);
    expect(plc.get('Wrapped')).toBe(3_600_000);
  });

  it('LOWER_BOUND and UPPER_BOUND of a fixed array', () => {
    const plc = simulate(`PROGRAM Recipe
VAR_OUTPUT Lo : DINT; Hi : DINT; Sum : INT; END_VAR
VAR Steps : ARRAY[2..6] OF INT := [1, 2, 3, 4, 5]; i : DINT; END_VAR
Lo := LOWER_BOUND(Steps, 1); Hi := UPPER_BOUND(Steps, 1); Sum := 0;
FOR i := LOWER_BOUND(Steps, 1) TO UPPER_BOUND(Steps, 1) DO Sum := Sum + Steps[i]; END_FOR
END_PROGRAM`);
    expect([plc.get('Lo'), plc.get('Hi'), plc.get('Sum')]).toEqual([2, 6, 15]);
  });

  it('a target service the virtual PLC cannot give is refused naming it, the file and the line', () => {
    const src = `PROGRAM Buffers
VAR p : POINTER TO INT; ok : BOOL; END_VAR
ok := TRUE;
ok := __DELETE(p);
END_PROGRAM`;
    const { unit } = parseSource(src, 'buffers.st');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    let err: unknown;
    try {
      compileProgram([unit]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: SIM_ERROR_CODES.UNSUPPORTED });
    expect(String((err as Error).message)).toMatch(/__DELETE/);
    expect((err as { location?: { file: string; line: number } }).location).toMatchObject({
      file: 'buffers.st',
      line: 4,
    });
  });
});

describe('standard FBs the checker knows', () => {
  it.each(['LTON', 'LTOF', 'LTP'])('%s runs on LTIME: PT and ET are bigint ns (ADR 0154)', (fb) => {
    const src = `PROGRAM Dosing\nVAR Run : BOOL; Hold : ${fb}; Q : BOOL; END_VAR\nHold(IN := Run, PT := LTIME#5s);\nQ := Hold.Q;\nEND_PROGRAM`;
    const { unit } = parseSource(src, 'dosing.st');
    expect(checkProject([unit]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram([unit], { cycleMs: 100 });
    plc.set('Run', true);
    plc.scan(3);
    expect(plc.get('Hold.PT')).toBe(5_000_000_000n);
    // TON and TP time from the rising IN (ET 200 ms after three scans), TOF holds 0 while IN is TRUE
    expect(plc.get('Hold.ET')).toBe(fb === 'LTOF' ? 0n : 200_000_000n);
    expect(plc.get('Q')).toBe(fb !== 'LTON');
  });
});

describe('the meaning of calls and declarations vendors compile', () => {
  it('array bounds and a CASE label from a local VAR CONSTANT', () => {
    const plc = simulate(`FUNCTION_BLOCK FB_Buffer
VAR CONSTANT SIZE : INT := 4; LAST : INT := SIZE - 1; END_VAR
VAR_OUTPUT Total : INT; END_VAR
VAR Slots : ARRAY[0..LAST] OF INT; i : INT; END_VAR
FOR i := 0 TO LAST DO Slots[i] := i * 10; END_FOR
Total := 0;
FOR i := 0 TO SIZE - 1 DO
  CASE i OF LAST: Total := Total + 1000; ELSE Total := Total + Slots[i]; END_CASE
END_FOR
END_FUNCTION_BLOCK
PROGRAM Main
VAR_OUTPUT Result : INT; END_VAR
VAR Buf : FB_Buffer; END_VAR
Buf(); Result := Buf.Total;
END_PROGRAM`);
    expect(plc.get('Result')).toBe(0 + 10 + 20 + 1000);
  });

  it('positional arguments go in declaration order when VAR_IN_OUT is declared before VAR_INPUT', () => {
    const src = `FUNCTION F_Accumulate : INT
VAR_IN_OUT Counter : INT; END_VAR
VAR_INPUT Step : INT; END_VAR
Counter := Counter + Step;
F_Accumulate := Counter;
END_FUNCTION
FUNCTION_BLOCK FB_Scale
VAR_IN_OUT Raw : INT; END_VAR
VAR_INPUT Gain : INT; END_VAR
Raw := Raw * Gain;
END_FUNCTION_BLOCK
PROGRAM Main
VAR_OUTPUT Parts : INT := 5; Last : INT; Value : INT := 3; END_VAR
VAR Scale : FB_Scale; END_VAR
Last := F_Accumulate(Parts, 10);
Scale(Value, 7);
END_PROGRAM`;
    const plc = simulate(src);
    expect([plc.get('Parts'), plc.get('Last'), plc.get('Value')]).toEqual([15, 15, 21]);
  });

  it("SR and RS answer to the 3rd edition's long pin names", () => {
    const plc = compileProgramChecked(`PROGRAM Latches
VAR_INPUT Start : BOOL; Stop : BOOL; END_VAR
VAR_OUTPUT Run : BOOL; Alarm : BOOL; END_VAR
VAR Motor : SR; Horn : RS; END_VAR
Motor(SET1 := Start, RESET := Stop);
Horn(SET := Start, RESET1 := Stop);
Run := Motor.Q1; Alarm := Horn.Q1;
END_PROGRAM`);
    plc.set('Start', true);
    plc.set('Stop', true);
    plc.scan();
    // SR: set dominant; RS: reset dominant (§6.6.3.5.1)
    expect([plc.get('Run'), plc.get('Alarm')]).toEqual([true, false]);
  });

  it('an array initialiser repeated by a named constant', () => {
    const plc = simulate(`PROGRAM Zones
VAR CONSTANT ZONES : INT := 3; END_VAR
VAR Setpoint : ARRAY[1..5] OF INT := [ZONES(70), 2(55)]; END_VAR
VAR_OUTPUT S1 : INT; S3 : INT; S4 : INT; END_VAR
S1 := Setpoint[1]; S3 := Setpoint[3]; S4 := Setpoint[4];
END_PROGRAM`);
    expect([plc.get('S1'), plc.get('S3'), plc.get('S4')]).toEqual([70, 70, 55]);
  });

  it('the function forms AND(...), OR(...), XOR(...), NOT(IN := ...) as the LD → ST conversion writes them', () => {
    const plc = compileProgramChecked(`PROGRAM Rung
VAR_INPUT A : BOOL; B : BOOL; C : BOOL; END_VAR
VAR_OUTPUT All3 : BOOL; Any3 : BOOL; Odd : BOOL; NotC : BOOL; Mask : WORD; Chain : BOOL; END_VAR
All3 := AND(A, B, C);
Any3 := OR(IN1 := A, IN2 := B, IN3 := C);
Odd := XOR(A, B, C);
NotC := NOT(IN := C);
Mask := AND(WORD#16#FF0F, WORD#16#0FF0);
Chain := GT(3, 2, 1) AND NOT GT(3, 1, 2);
END_PROGRAM`);
    plc.set('A', true);
    plc.set('B', true);
    plc.set('C', true);
    plc.scan();
    expect([plc.get('All3'), plc.get('Any3'), plc.get('Odd'), plc.get('NotC')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(plc.get('Mask')).toBe(0x0f00);
    expect(plc.get('Chain')).toBe(true);
    plc.set('C', false);
    plc.scan();
    expect([plc.get('All3'), plc.get('Any3'), plc.get('Odd'), plc.get('NotC')]).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});

function compileProgramChecked(src: string) {
  const { unit } = parseSource(src, 'plant.st');
  const { checked, diagnostics } = checkProject([unit]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram({ units: checked.units, diagnostics });
}

describe('the bound model drives the simulator', () => {
  it("given a CheckedProject, array bounds, string lengths and CASE labels are the model's", () => {
    const src = `PROGRAM Recipe
VAR CONSTANT STEPS : INT := 3; NAME_LEN : INT := 4; END_VAR
VAR_INPUT Sel : INT; END_VAR
VAR_OUTPUT Count : DINT; Picked : INT; Name : STRING(NAME_LEN); END_VAR
VAR Table : ARRAY[1..STEPS] OF INT := [10, 20, 30]; END_VAR
Count := UPPER_BOUND(Table, 1);
Name := 'Mixer-1';
CASE Sel OF STEPS: Picked := Table[STEPS]; ELSE Picked := 0; END_CASE
END_PROGRAM`;
    const { unit } = parseSource(src, 'recipe.st');
    const { checked, diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const asked = { types: 0, constants: 0 };
    const model = {
      ...checked,
      diagnostics,
      typeOfSpec: (s: Parameters<typeof checked.typeOfSpec>[0]) => {
        asked.types++;
        return checked.typeOfSpec(s);
      },
      constantOf: (e: Parameters<typeof checked.constantOf>[0], p?: string) => {
        asked.constants++;
        return checked.constantOf(e, p);
      },
    };
    const plc = compileProgram(model);
    plc.set('Sel', 3);
    expect(plc.scan()).toBeNull();
    expect([plc.get('Count'), plc.get('Picked'), plc.get('Name')]).toEqual([3, 30, 'Mixe']);
    expect(asked.types).toBeGreaterThan(0);
    expect(asked.constants).toBeGreaterThan(0);
    const steps = { kind: 'Identifier', name: 'steps', span: unit.span } as const;
    expect(checked.constantOf(steps, 'Recipe')).toBe(3);
    expect(checked.constantOf(steps)).toBeUndefined();
  });

  it("names are the checker's references: shadowing, VAR_EXTERNAL, a method's owner constants", () => {
    const src = `VAR_GLOBAL Line_Speed : INT := 7; Count : INT := 100; END_VAR
FUNCTION_BLOCK FB_Axis
VAR CONSTANT MAX_STEPS : INT := 3; END_VAR
VAR_OUTPUT Count : INT; Pos : ARRAY[0..MAX_STEPS] OF INT; END_VAR
VAR_EXTERNAL Line_Speed : INT; END_VAR
METHOD Advance : INT
VAR_INPUT Count : INT; END_VAR  (* shadows the member *)
VAR i : INT; END_VAR
FOR i := 0 TO MAX_STEPS DO THIS^.Pos[i] := Count * Line_Speed + i; END_FOR
THIS^.Count := THIS^.Count + Count;
Advance := Count;
END_METHOD
END_FUNCTION_BLOCK
PROGRAM Main
VAR_OUTPUT Last : INT; Total : INT; Global_Count : INT; P3 : INT; END_VAR
VAR Axis : FB_Axis; END_VAR
Last := Axis.Advance(2);
Total := Axis.Count;
Global_Count := Count;
P3 := Axis.Pos[3];
END_PROGRAM`;
    const plc = simulate(src, 2);
    expect(plc.get('Last')).toBe(2);
    expect(plc.get('Total')).toBe(4);
    expect(plc.get('Global_Count')).toBe(100);
    expect(plc.get('P3')).toBe(2 * 7 + 3);
  });

  it('checks bare units itself and refuses a program the checker refuses', () => {
    // an INT assigned a BOOL: the code generator alone would convert it
    const { unit } = parseSource(
      'PROGRAM P\nVAR Level : INT; Full : BOOL; END_VAR\nLevel := Full;\nEND_PROGRAM\n',
      'tank.st',
    );
    expect(() => compileProgram([unit])).toThrow(
      expect.objectContaining({
        code: SIM_ERROR_CODES.CHECK_FAILED,
        location: expect.objectContaining({ line: 3 }),
      }),
    );
  });
});

describe('BCD conversions the checker accepts', () => {
  it('WORD_BCD_TO_INT reads the nibbles as decimal digits (a thumbwheel switch)', () => {
    const plc = simulate(`PROGRAM Thumbwheel
VAR_INPUT Raw : WORD := WORD#16#0420; Bad : BYTE := BYTE#16#1F; END_VAR
VAR_OUTPUT Setpoint : INT; Invalid : INT; END_VAR
Setpoint := WORD_BCD_TO_INT(Raw);
Invalid := BYTE_BCD_TO_INT(Bad);
END_PROGRAM`);
    expect([plc.get('Setpoint'), plc.get('Invalid')]).toEqual([420, -1]);
  });
});

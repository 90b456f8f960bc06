import { describe, expect, it } from 'vitest';
import { parseSource, readSource } from '../iec';
import { SimError } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** Compiles one ST text (which must check clean) and returns the running PLC. */
function plcOf(text: string) {
  const r = parseSource(text, 'sweep11.st');
  expect(r.diagnostics).toEqual([]);
  return compileProgram([r.unit]);
}

/** The SimError compileProgram throws for one ST text, or undefined when it compiles. */
function refusalOf(text: string): SimError | undefined {
  const r = parseSource(text, 'sweep11.st');
  try {
    compileProgram([r.unit]);
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  return undefined;
}

// Forms met in public code (public-code sweep 11); each program here is written for the test.
describe('forms of public code in the simulator (sweep 11)', () => {
  // An OpenPLC project (two programs, one CONFIGURATION) declares VAR_EXTERNALs no VAR_GLOBAL
  // backs. MATIEC refuses it ("The external variable does not match with any global
  // variable"); the simulator said "internal: no memory slot", as if it were its own defect.
  it('refuses a VAR_EXTERNAL that names no global, naming the variable', () => {
    const e = refusalOf(`PROGRAM Lamps
VAR_EXTERNAL door_closed : BOOL; END_VAR
VAR_OUTPUT lamp : BOOL; END_VAR
lamp := door_closed;
END_PROGRAM`);
    expect(e?.code).toBe('SIM_UNKNOWN_NAME');
    expect(e?.message).toMatch(/VAR_EXTERNAL 'door_closed' names no VAR_GLOBAL/);
    expect(e?.message).not.toMatch(/internal/);
    expect(e?.location).toMatchObject({ line: 4, column: 9 });
  });

  it('still runs a VAR_EXTERNAL that a CONFIGURATION global backs', () => {
    const r = parseSource(
      `PROGRAM Lamps
VAR_EXTERNAL door_closed : BOOL; END_VAR
VAR_OUTPUT lamp : BOOL; END_VAR
lamp := NOT door_closed;
END_PROGRAM
CONFIGURATION Cell
  VAR_GLOBAL door_closed : BOOL := TRUE; END_VAR
  RESOURCE R ON PLC
    TASK T (INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM L WITH T : Lamps;
  END_RESOURCE
END_CONFIGURATION`,
      'sweep11.st',
    );
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([r.unit]);
    expect(plc.scan(10)).toBeNull();
    expect(plc.get('L.lamp')).toBe(false);
  });

  // MatheusNespolo/TwinCAT's OOP demo gives each conveyor its buttons through FB_init
  // (`ConvA : FB_ConveyorMachine(ConvA_Stop, ...)`); the simulator never ran FB_init, so every
  // value it sets was silently left at its default (here: a fault at the first use of an
  // interface it should have bound). TwinCAT runs FB_init once the implicit initialisation is
  // done, a base FB's before a derived one's, with bInitRetains TRUE and bInCopyCode FALSE at a
  // first download, and the declaration's arguments after the two implicit ones.
  it('runs FB_init at initialisation: named and positional arguments, base before derived', () => {
    const plc = plcOf(`FUNCTION_BLOCK FB_Counter
VAR_OUTPUT limit : INT; over : BOOL; trace : INT; END_VAR
VAR count : INT; start : INT := 7; END_VAR
METHOD FB_init : BOOL
VAR_INPUT bInitRetains : BOOL; bInCopyCode : BOOL; nLimit : INT; END_VAR
limit := nLimit;
(* the implicit initialisation is done: start holds its initial value *)
trace := start * 10 + BOOL_TO_INT(bInitRetains) * 2 + BOOL_TO_INT(bInCopyCode);
END_METHOD
count := count + 1;
over := count > limit;
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Doubled EXTENDS FB_Counter
VAR_OUTPUT order : INT; END_VAR
METHOD FB_init : BOOL
VAR_INPUT bInitRetains : BOOL; bInCopyCode : BOOL; nLimit : INT; END_VAR
(* runs after the base's, which has already set limit *)
order := limit;
limit := limit * 2;
END_METHOD
SUPER^();
END_FUNCTION_BLOCK
PROGRAM Main
VAR
  byName : FB_Counter(nLimit := 3);
  byPlace : FB_Counter(5);
  derived : FB_Doubled(nLimit := 2);
END_VAR
VAR_OUTPUT a : BOOL; b : BOOL; d : BOOL; END_VAR
byName();
byPlace();
derived();
a := byName.over;
b := byPlace.over;
d := derived.over;
END_PROGRAM`);
    expect([plc.get('byName.limit'), plc.get('byPlace.limit'), plc.get('derived.limit')]).toEqual([3, 5, 4]);
    expect(plc.get('byName.trace')).toBe(72);
    expect(plc.get('derived.order')).toBe(2);
    const seen: unknown[][] = [];
    for (let k = 0; k < 6; k++) {
      expect(plc.scan(1)).toBeNull();
      seen.push([plc.get('a'), plc.get('b'), plc.get('d')]);
    }
    // over once count exceeds the limit: byName after 3 scans, derived after 4, byPlace after 5
    expect(seen).toEqual([
      [false, false, false],
      [false, false, false],
      [false, false, false],
      [true, false, false],
      [true, false, true],
      [true, true, true],
    ]);
  });

  it('refuses FB_init for an instance in a method frame, by name, rather than skip it', () => {
    const e = refusalOf(`FUNCTION_BLOCK FB_Once
VAR_OUTPUT v : INT; END_VAR
METHOD FB_init : BOOL
VAR_INPUT bInitRetains : BOOL; bInCopyCode : BOOL; END_VAR
v := 1;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_User
VAR_OUTPUT got : INT; END_VAR
METHOD Probe : INT
VAR inner : FB_Once; END_VAR
Probe := inner.v;
END_METHOD
got := Probe();
END_FUNCTION_BLOCK
PROGRAM Main
VAR u : FB_User; END_VAR
u();
END_PROGRAM`);
    expect(e?.code).toBe('SIM_UNSUPPORTED');
    expect(e?.message).toMatch(/FB_init of inner/);
  });

  // hieu13/openplc_stepmotor_control's run_test.st (the ST OpenPLC hands MATIEC) copies through
  // `_TMP := MOVE(EN := TRUE, IN := x, ENO => _TMP_ENO); IF _TMP_ENO THEN y := _TMP; END_IF;`.
  // EN and ENO were dropped: ENO stayed FALSE, so y was never written. MATIEC agrees with the
  // new behaviour on conformance/regressions/en-eno-formal-calls.st.
  it('honours EN and writes ENO of a standard function called formally', () => {
    const plc = plcOf(`PROGRAM Main
VAR_INPUT go : BOOL; speed : UINT; END_VAR
VAR_OUTPUT motorSpeed : UINT; tmp : UINT; tmpEno : BOOL; sum : INT; sumEno : BOOL; END_VAR
tmp := MOVE(EN := TRUE, IN := speed, ENO => tmpEno);
IF tmpEno THEN motorSpeed := tmp; END_IF;
sum := ADD(EN := go, IN1 := 40, IN2 := 2, ENO => sumEno);
END_PROGRAM`);
    plc.set('speed', 8000);
    plc.set('go', true);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('motorSpeed'), plc.get('tmpEno'), plc.get('sum'), plc.get('sumEno')]).toEqual([
      8000,
      true,
      42,
      true,
    ]);
    plc.set('go', false);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('sum'), plc.get('sumEno')]).toEqual([0, false]);
  });

  // MatheusNespolo/TwinCAT's lighting controller tests `IF (iLamp = 0) THEN RETURN;`, the way
  // Beckhoff documents to see whether an interface variable holds an instance; the simulator
  // refused it ("cannot convert i_lamp to DINT").
  it('compares an interface with 0: whether it holds an instance', () => {
    const plc = plcOf(`INTERFACE I_Lamp
METHOD SwitchOn : BOOL
END_METHOD
END_INTERFACE
FUNCTION_BLOCK FB_Lamp IMPLEMENTS I_Lamp
VAR_OUTPUT lit : BOOL; END_VAR
METHOD SwitchOn : BOOL
lit := TRUE;
SwitchOn := TRUE;
END_METHOD
END_FUNCTION_BLOCK
PROGRAM Main
VAR lamp : FB_Lamp; iLamp : I_Lamp; END_VAR
VAR_OUTPUT before : BOOL; after : BOOL; unset : BOOL; lit : BOOL; END_VAR
before := iLamp = 0;
IF iLamp <> 0 THEN iLamp.SwitchOn(); END_IF;
iLamp := lamp;
after := 0 <> iLamp;
IF iLamp <> 0 THEN iLamp.SwitchOn(); END_IF;
lit := lamp.lit;
unset := iLamp = 0;
iLamp := 16#00;
END_PROGRAM`);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('before'), plc.get('after'), plc.get('unset'), plc.get('lit')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    // assigning 0 empties it again (TwinCAT): the next scan starts without an instance
    expect(plc.scan(1)).toBeNull();
    expect(plc.get('before')).toBe(true);
  });

  // MatheusNespolo/TwinCAT's FlashGen_Overriding tutorial: an overriding getter reads the base's
  // (`Vendor := CONCAT(STR1 := 'Company b, based on', STR2 := SUPER^.Vendor);`); the simulator
  // refused it ("SUPER as a value").
  it("reads the base's property through SUPER^ in an override", () => {
    const plc = plcOf(`FUNCTION_BLOCK FB_Gen
PROPERTY Maker : STRING
GET Maker := 'north'; END_GET
END_PROPERTY
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_GenEx EXTENDS FB_Gen
PROPERTY Maker : STRING
GET Maker := CONCAT('south, after ', SUPER^.Maker); END_GET
END_PROPERTY
END_FUNCTION_BLOCK
PROGRAM Main
VAR g : FB_Gen; gx : FB_GenEx; END_VAR
VAR_OUTPUT plain : STRING; derived : STRING; END_VAR
plain := g.Maker;
derived := gx.Maker;
END_PROGRAM`);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('plain'), plc.get('derived')]).toEqual(['north', 'south, after north']);
  });

  // trofimich/TwinCAT.OpenFramework resets references with `CurrentState REF= 0;`; once the
  // checker took it (h1, af0f544) the simulator refused it, "cannot assign to this expression".
  it('resets a reference with REF= 0 in a TwinCAT file', () => {
    const r = readSource(
      `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{00000000-0000-0000-0000-0000000000a1}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
	level : INT := 5;
	rLevel : REFERENCE TO INT;
END_VAR
VAR_OUTPUT
	boundBefore : BOOL;
	seen : INT;
	boundAfter : BOOL;
END_VAR]]></Declaration>
    <Implementation>
      <ST><![CDATA[rLevel REF= level;
boundBefore := __ISVALIDREF(rLevel);
seen := rLevel;
rLevel REF= 0;
boundAfter := __ISVALIDREF(rLevel);]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`,
      'MAIN.TcPOU',
    );
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([r.unit]);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('boundBefore'), plc.get('seen'), plc.get('boundAfter')]).toEqual([true, 5, false]);
  });
});

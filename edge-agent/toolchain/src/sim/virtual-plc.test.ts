import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { loadSimProject } from './load-project';
import { SIM_FAULT_CODES } from './sim-errors';
import type { SimProfileOptions } from './sim-profile';
import { type CompileOptions, compileProgram } from './virtual-plc';

function units(src: string, file = 'test.st') {
  const r = parseSource(src, file);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [r.unit];
}

function plcOf(src: string, options: CompileOptions = {}) {
  return compileProgram(units(src), options);
}

/** A program whose body is `body`, with `decls` as VAR. */
function prog(decls: string, body: string, profile?: SimProfileOptions) {
  return plcOf(`PROGRAM Main\nVAR\n${decls}\nEND_VAR\n${body}\nEND_PROGRAM\n`, profile ? { profile } : {});
}

describe('integer widths and wrap-around (IEC 61131-3 §6.4.2 Table 10)', () => {
  it('wraps every integer type at its width', () => {
    const plc = prog(
      `i : INT := 32767; si : SINT := -128; us : USINT; ui : UINT := 65535; d : DINT := 2147483647;
       ud : UDINT; l : LINT := 9223372036854775807; ul : ULINT; w : WORD := 16#FFFF; m : DINT := 65536;`,
      `i := i + 1; si := si - 1; us := us - 1; ui := ui + 1; d := d + 1; ud := ud - 1;
       l := l + 1; ul := ul - 1; w := w + 1; m := m * m;`,
    );
    plc.scan();
    expect(plc.get('i')).toBe(-32768);
    expect(plc.get('si')).toBe(127);
    expect(plc.get('us')).toBe(255);
    expect(plc.get('ui')).toBe(0);
    expect(plc.get('d')).toBe(-2147483648);
    expect(plc.get('ud')).toBe(4294967295);
    expect(plc.get('l')).toBe(-9223372036854775808n);
    expect(plc.get('ul')).toBe(18446744073709551615n);
    expect(plc.get('w')).toBe(0);
    // 65536 * 65536 = 2^32 wraps to 0 in DINT (Math.imul keeps the low 32 bits exactly)
    expect(plc.get('m')).toBe(0);
  });

  it('divides truncating toward zero and MOD takes the sign of the dividend', () => {
    const plc = prog(
      'a : INT; b : INT; c : INT := -32768; e : INT;',
      'a := -7 / 2; b := -7 MOD 2; e := c / -1;',
    );
    plc.scan();
    expect(plc.get('a')).toBe(-3);
    expect(plc.get('b')).toBe(-1);
    expect(plc.get('e')).toBe(-32768);
  });

  it("'type' width wraps intermediates; 'register' width widens them to DINT", () => {
    const body = 'r := (a + b) / 2;';
    const decls = 'a : INT := 20000; b : INT := 20000; r : INT;';
    const std = prog(decls, body);
    std.scan();
    expect(std.get('r')).toBe(-12768);
    const reg = prog(decls, body, { intermediateWidth: 'register' });
    reg.scan();
    expect(reg.get('r')).toBe(20000);
  });

  it('bit strings: NOT, shifts and rotates at the type width (§6.6.2.5.3)', () => {
    const plc = prog(
      'b : BYTE := 16#81; r : BYTE; s : WORD; n : WORD; x : BOOL; dw : DWORD := 1;',
      'r := ROL(b, 1); s := SHL(WORD#16#FFFF, 16); n := NOT WORD#16#00F0; x := b.7; dw := ROR(dw, 1);',
    );
    plc.scan();
    expect(plc.get('r')).toBe(0x03);
    expect(plc.get('s')).toBe(0);
    expect(plc.get('n')).toBe(0xff0f);
    expect(plc.get('x')).toBe(true);
    expect(plc.get('dw')).toBe(0x80000000);
  });
});

describe('writing one bit of a word (§6.5.3.2 Table 17)', () => {
  it('builds a CiA 402 control word bit by bit and keeps the other bits', () => {
    const plc = prog(
      `ControlWord : WORD := 16#0100; StatusWord : WORD := 16#0237; Enable, QuickStop : BOOL;
       FaultReset : BOOL; Halt : BOOL; Mask : DWORD; Flags : LWORD; Level : INT;`,
      `ControlWord.0 := Enable;          (* switch on *)
       ControlWord.1 := TRUE;            (* enable voltage *)
       ControlWord.%X2 := NOT QuickStop; (* quick stop is active low *)
       ControlWord.3 := Enable AND StatusWord.5;
       ControlWord.7 S= FaultReset;
       ControlWord.8 R= NOT Halt;
       Mask.31 := Enable; Flags.63 := Enable; Level.15 := Enable;`,
    );
    plc.set('Enable', true);
    plc.set('Halt', true);
    plc.scan();
    // bits 0, 1, 2, 3 set; bit 8 (halt, initially set) kept since Halt is TRUE
    expect(plc.get('ControlWord')).toBe(0x010f);
    expect(plc.get('Mask')).toBe(2147483648);
    expect(plc.get('Flags')).toBe(9223372036854775808n);
    expect(plc.get('Level')).toBe(-32768);
    plc.set('FaultReset', true);
    plc.set('Halt', false);
    plc.set('QuickStop', true);
    plc.scan();
    // bit 7 set (latched), bit 8 reset, bit 2 cleared
    expect(plc.get('ControlWord')).toBe(0x008b);
    plc.set('FaultReset', false);
    plc.set('Enable', false);
    plc.scan();
    expect(plc.get('ControlWord')).toBe(0x0082);
    expect(plc.get('Level')).toBe(0);
  });
});

describe('a program instance with more members than V8 keeps as named properties', () => {
  // 1,050 conveyor sections: past ~1,020 members the instance uses integer keys (elements)
  const N = 1050;
  const src = (
    extra = '',
  ) => `VAR_GLOBAL ${Array.from({ length: N }, (_, i) => `Tag${i} : INT;`).join(' ')} END_VAR
FUNCTION_BLOCK FB_Section
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Moving : BOOL; Starts : INT; END_VAR
VAR_IN_OUT Total : DINT; END_VAR
VAR Edge : R_TRIG; END_VAR
Edge(CLK := Run);
IF Edge.Q THEN Starts := Starts + 1; Total := Total + 1; END_IF
Moving := Run;
END_FUNCTION_BLOCK
PROGRAM Line
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Total : DINT; Moving : INT; END_VAR
VAR ${Array.from({ length: N }, (_, i) => `S${i} : FB_Section;`).join(' ')} ${extra} END_VAR
Moving := 0; Tag${N - 1} := Tag${N - 1} + 1;
${Array.from({ length: N }, (_, i) => `S${i}(Run := Run, Total := Total); IF S${i}.Moving THEN Moving := Moving + 1; END_IF`).join('\n')}
END_PROGRAM`;

  it('simulates, reads and writes members and globals, snapshots and changes online', () => {
    const plc = plcOf(src(), { program: 'Line' });
    plc.set('Run', true);
    expect(plc.scan(2)).toBeNull();
    expect([plc.get('Total'), plc.get('Moving'), plc.get('S1049.Starts')]).toEqual([N, N, 1]);
    const snap = plc.snapshot();
    plc.set('Run', false);
    plc.scan();
    plc.set('Run', true);
    plc.scan();
    expect(plc.get('Total')).toBe(2 * N);
    plc.restore(snap);
    expect(plc.get('Total')).toBe(N);
    plc.set('S7.Starts', 40);
    const change = plc.replaceProgram(units(src('Spare : INT;')));
    expect(change.applied).toBe(true);
    expect([plc.get('S7.Starts'), plc.get('Total')]).toEqual([40, N]);
    // 1,050 globals as well: the globals object is keyed the same way
    expect(plc.get('Tag1049')).toBe(2);
  });
});

describe('REAL and conversions', () => {
  it('REAL is float32 (Math.fround at every store), LREAL is float64', () => {
    const plc = prog(
      'r : REAL := 16777216.0; l : LREAL := 16777216.0; t : REAL;',
      'r := r + 1.0; l := l + 1.0; t := 0.1;',
    );
    plc.scan();
    expect(plc.get('r')).toBe(16777216);
    expect(plc.get('l')).toBe(16777217);
    expect(plc.get('t')).toBe(Math.fround(0.1));
  });

  it('REAL_TO_INT rounds half away from zero; TRUNC truncates; narrowing wraps', () => {
    const plc = prog(
      'a : INT; b : INT; c : DINT; d : SINT; e : DINT; f : BOOL;',
      'a := REAL_TO_INT(2.5); b := REAL_TO_INT(-2.5); c := TRUNC(-2.7); d := INT_TO_SINT(200); e := TIME_TO_DINT(T#1s500ms); f := INT_TO_BOOL(5);',
    );
    plc.scan();
    expect([plc.get('a'), plc.get('b'), plc.get('c'), plc.get('d'), plc.get('e'), plc.get('f')]).toEqual([
      3,
      -3,
      -2,
      -56,
      1500,
      true,
    ]);
  });

  it('TIME_TO_DINT follows the profile unit', () => {
    const plc = prog('e : DINT;', 'e := TIME_TO_DINT(T#2s);', { timeIntegerUnit: 's' });
    plc.scan();
    expect(plc.get('e')).toBe(2);
  });

  it('numeric and selection functions', () => {
    const plc = prog(
      'a : REAL; b : INT; c : INT; d : INT; e : LREAL; f : INT; g : DINT;',
      'a := SQRT(REAL#16.0); b := LIMIT(0, 150, 100); c := MAX(3, 9, 4); d := SEL(TRUE, 1, 2); e := EXPT(2.0, 10); f := MUX(2, 10, 20, 30); g := ABS(DINT#-5);',
    );
    plc.scan();
    expect([
      plc.get('a'),
      plc.get('b'),
      plc.get('c'),
      plc.get('d'),
      plc.get('e'),
      plc.get('f'),
      plc.get('g'),
    ]).toEqual([4, 100, 9, 2, 1024, 30, 5]);
  });

  it('STRING length limits and string functions (§6.6.2.5.11)', () => {
    const plc = prog(
      's : STRING(5); t : STRING; n : INT; p : INT; m : STRING;',
      "s := 'abcdefgh'; t := CONCAT('ab', 'cd'); n := LEN(t); p := FIND(t, 'c'); m := MID(t, 2, 2);",
    );
    plc.scan();
    expect([plc.get('s'), plc.get('t'), plc.get('n'), plc.get('p'), plc.get('m')]).toEqual([
      'abcde',
      'abcd',
      4,
      3,
      'bc',
    ]);
  });
});

describe('runtime faults stop the PLC with file, line and scan', () => {
  it('integer division by zero', () => {
    const plc = prog('a : INT := 1; z : INT; n : INT;', 'n := n + 1;\nIF n = 3 THEN\n  a := a / z;\nEND_IF');
    const f = plc.scan(10);
    expect(f).toMatchObject({
      code: SIM_FAULT_CODES.DIV_BY_ZERO,
      file: 'test.st',
      line: 7,
      scan: 2,
      timeMs: 20,
    });
    // in STOP, further scans do nothing
    expect(plc.scan()).toBe(f);
    expect(plc.get('n')).toBe(3);
  });

  it('array index out of range', () => {
    const plc = prog('a : ARRAY[1..10] OF INT; i : INT := 11;', 'a[1] := 5;\na[i] := 1;');
    expect(plc.scan()).toMatchObject({ code: SIM_FAULT_CODES.INDEX_OUT_OF_RANGE, line: 6, scan: 0 });
  });

  it('an endless loop trips the watchdog instead of hanging', () => {
    const plc = prog('x : INT;', 'WHILE TRUE DO x := x + 1; END_WHILE', { watchdogIterations: 10_000 });
    expect(plc.scan()).toMatchObject({ code: SIM_FAULT_CODES.WATCHDOG, line: 5 });
  });

  it('a FOR loop to the type maximum never ends (the control variable wraps) and trips the watchdog', () => {
    const plc = prog('i : SINT; n : DINT;', 'FOR i := 0 TO 127 DO n := n + 1; END_FOR', {
      watchdogIterations: 1000,
    });
    expect(plc.scan()?.code).toBe(SIM_FAULT_CODES.WATCHDOG);
  });

  it('an unbound reference', () => {
    const plc = prog('r : REFERENCE TO INT; x : INT;', 'x := r;');
    expect(plc.scan()?.code).toBe(SIM_FAULT_CODES.NULL_REFERENCE);
  });
});

const PLANT_TYPES = `
TYPE E_State : (Idle, Filling, Mixing := 5, Draining); END_TYPE
TYPE ST_Motor : STRUCT Run : BOOL; Speed : REAL := 50.0; Hours : DINT; END_STRUCT; END_TYPE
FUNCTION_BLOCK FB_Base
VAR_INPUT Enable : BOOL; END_VAR
VAR_OUTPUT Active : BOOL; END_VAR
VAR calls : INT; END_VAR
calls := calls + 1;
Active := Enable;
METHOD Describe : INT
Describe := 1;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Pump EXTENDS FB_Base
VAR_OUTPUT Flow : REAL; END_VAR
VAR _limit : REAL := 10.0; END_VAR
SUPER^();
IF Active THEN Flow := _limit; ELSE Flow := 0.0; END_IF
METHOD Describe : INT
Describe := SUPER^.Describe() + 10;
END_METHOD
PROPERTY Limit : REAL
GET Limit := _limit; END_GET
SET _limit := Limit; END_SET
END_PROPERTY
END_FUNCTION_BLOCK
FUNCTION Scale : REAL
VAR_INPUT x : INT; k : REAL; END_VAR
VAR_IN_OUT acc : DINT; END_VAR
acc := acc + x;
Scale := INT_TO_REAL(x) * k;
END_FUNCTION
`;

describe('structured types, FBs, methods, properties, inheritance', () => {
  const src = `${PLANT_TYPES}
PROGRAM Main
VAR_INPUT Go : BOOL; END_VAR
VAR_OUTPUT State : E_State; Flow : REAL; D : INT; Lim : REAL; Acc : DINT; S : REAL; Calls : INT; END_VAR
VAR P1 : FB_Pump; M : ST_Motor; constructor : INT; __proto__ : INT; toString : BOOL; hasOwnProperty : INT; END_VAR
CASE State OF
  Idle: IF Go THEN State := Filling; END_IF
  Filling: State := E_State.Mixing;
  Mixing: State := E_State#Draining;
ELSE State := Idle;
END_CASE
P1(Enable := Go);
Flow := P1.Flow;
D := P1.Describe();
P1.Limit := 12.5;
Lim := P1.Limit;
S := Scale(3, 0.5, Acc);
Calls := P1.calls;
M.Hours := M.Hours + 1;
constructor := constructor + 1; __proto__ := __proto__ + 2; toString := TRUE; hasOwnProperty := 7;
END_PROGRAM`;

  it('runs a state machine over an enum and keeps FB state across scans', () => {
    const plc = plcOf(src);
    plc.set('Go', true);
    plc.scan();
    expect(plc.get('State')).toBe('Filling');
    expect(plc.get('Flow')).toBe(10);
    plc.scan(2);
    expect(plc.get('State')).toBe('Draining');
    expect(plc.get('Flow')).toBe(12.5);
    expect(plc.get('D')).toBe(11);
    expect(plc.get('Lim')).toBe(12.5);
    expect(plc.get('Acc')).toBe(9);
    expect(plc.get('S')).toBe(1.5);
    expect(plc.get('Calls')).toBe(3);
    expect(plc.get('M')).toEqual({ Run: false, Speed: 50, Hours: 3 });
    expect(plc.get('M.Speed')).toBe(50);
  });

  it('keeps identifiers like constructor and __proto__ harmless (mangled)', () => {
    const plc = plcOf(src);
    plc.scan(2);
    expect(plc.get('constructor')).toBe(2);
    expect(plc.get('__proto__')).toBe(4);
    expect(plc.get('toString')).toBe(true);
    expect(plc.get('hasOwnProperty')).toBe(7);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('state: snapshot, RETAIN, online change, tasks', () => {
  const counter = `
PROGRAM Main
VAR_OUTPUT n : INT; END_VAR
VAR RETAIN kept : INT; END_VAR
VAR T1 : TON; END_VAR
n := n + 1; kept := kept + 1;
T1(IN := TRUE, PT := T#1s);
END_PROGRAM`;

  it('snapshot/restore returns to the same state and clock', () => {
    const plc = plcOf(counter);
    plc.scan(5);
    const snap = plc.snapshot();
    plc.scan(5);
    expect(plc.get('n')).toBe(10);
    plc.restore(snap);
    expect(plc.get('n')).toBe(5);
    expect(plc.timeMs).toBe(50);
    plc.scan(5);
    expect(plc.get('n')).toBe(10);
    expect(plc.get('T1.ET')).toBe(90);
  });

  it('restore writes into fresh instances: pointers follow the restored state, -0.0 and FB state come back', () => {
    const plc = plcOf(`
PROGRAM Main
VAR_OUTPUT a : INT; b : INT; z : REAL; END_VAR
VAR p : POINTER TO INT; first : BOOL := TRUE; Edge : R_TRIG; n : INT; END_VAR
IF first THEN p := ADR(a); first := FALSE; END_IF;
p^ := p^ + 1;
b := a;
Edge(CLK := a > 2);
IF Edge.Q THEN n := n + 1; END_IF;
z := -ABS(z) * 0.0;
END_PROGRAM`);
    expect(plc.scan(2)).toBeNull();
    const snap = plc.snapshot();
    expect(plc.scan(3)).toBeNull();
    expect([plc.get('a'), plc.get('b'), plc.get('n')]).toEqual([5, 5, 1]);
    plc.restore(snap);
    expect([plc.get('a'), plc.get('b'), plc.get('n'), Object.is(plc.get('z'), -0)]).toEqual([2, 2, 0, true]);
    // the pointer taken before the snapshot writes the restored `a`, not the snapshot's copy
    expect(plc.scan(3)).toBeNull();
    expect([plc.get('a'), plc.get('b'), plc.get('n'), plc.get('Edge.Q')]).toEqual([5, 5, 1, false]);
    plc.restore(snap);
    plc.set('a', 7);
    expect(plc.scan()).toBeNull();
    expect([plc.get('b'), plc.get('n')]).toEqual([8, 1]);
    expect(snap.scan).toBe(2);
  });

  it('an accessor taken before a restore reads and writes the restored state', () => {
    const plc = plcOf(counter);
    const n = plc.accessor('n');
    const et = plc.accessor('T1.ET');
    plc.scan(5);
    const snap = plc.snapshot();
    plc.scan(5);
    plc.restore(snap);
    expect([n.get(), et.get()]).toEqual([5, 40]);
    n.set(20);
    plc.scan();
    expect([plc.get('n'), n.get(), et.get()]).toEqual([21, 21, 50]);
    // the snapshot itself is not written through: a second restore gives 5 again
    plc.restore(snap);
    expect(n.get()).toBe(5);
  });

  it('warm restart keeps RETAIN variables and resets the others (§6.5.6)', () => {
    const plc = plcOf(counter);
    plc.scan(4);
    plc.warmRestart();
    expect(plc.get('n')).toBe(0);
    expect(plc.get('kept')).toBe(4);
    plc.coldRestart();
    expect(plc.get('kept')).toBe(0);
  });

  it('warm restart keeps RETAIN members declared inside FB types, in every instance', () => {
    const plc = plcOf(`
FUNCTION_BLOCK FB_Meter
VAR RETAIN hours : DINT; END_VAR
VAR starts : INT; END_VAR
hours := hours + 1; starts := starts + 1;
END_FUNCTION_BLOCK
PROGRAM Main
VAR m1 : FB_Meter; meters : ARRAY[1..2] OF FB_Meter; END_VAR
m1(); meters[2]();
END_PROGRAM`);
    plc.scan(3);
    plc.warmRestart();
    expect([
      plc.get('m1.hours'),
      plc.get('m1.starts'),
      plc.get('meters[2].hours'),
      plc.get('meters[2].starts'),
    ]).toEqual([3, 0, 3, 0]);
  });

  it('online change keeps unchanged declarations, re-initialises changed ones', () => {
    const plc = plcOf(counter);
    plc.scan(3);
    const changed = counter
      .replace('VAR_OUTPUT n : INT;', 'VAR_OUTPUT n : DINT; extra : BOOL;')
      .replace('n := n + 1;', 'n := n + 10;');
    const r = plc.replaceProgram(units(changed));
    expect(r.applied).toBe(true);
    expect(r.kept).toEqual(expect.arrayContaining(['kept', 'T1']));
    expect(r.reinitialised).toEqual(expect.arrayContaining(['n', 'extra']));
    plc.scan();
    expect(plc.get('n')).toBe(10);
    expect(plc.get('kept')).toBe(4);
    expect(plc.get('T1.ET')).toBe(30);
    const refused = plc.replaceProgram(units('PROGRAM Other VAR x : INT; END_VAR x := 1; END_PROGRAM'));
    expect(refused.applied).toBe(false);
  });

  it('online change: a kept FB instance keeps its values and runs the new code of its methods', () => {
    const src = (k: number) => `
FUNCTION_BLOCK FB_Acc
VAR total : INT; END_VAR
total := total + 1;
METHOD Get : INT
Get := total * ${k};
END_METHOD
END_FUNCTION_BLOCK
PROGRAM Main
VAR_OUTPUT v : INT; END_VAR
VAR acc : FB_Acc; END_VAR
acc();
v := acc.Get();
END_PROGRAM`;
    const plc = plcOf(src(1));
    plc.scan(3);
    expect(plc.get('v')).toBe(3);
    const r = plc.replaceProgram(units(src(100)));
    expect(r.kept).toContain('acc');
    plc.scan();
    expect([plc.get('acc.total'), plc.get('v')]).toEqual([4, 400]);
    plc.warmRestart();
    plc.scan();
    expect([plc.get('acc.total'), plc.get('v')]).toEqual([1, 100]);
  });

  it('runs several programs in tasks with their own intervals (§6.8.2)', () => {
    const plc = plcOf(`
PROGRAM Fast VAR_OUTPUT n : INT; END_VAR n := n + 1; END_PROGRAM
PROGRAM Slow VAR_OUTPUT n : INT; END_VAR n := n + 1; END_PROGRAM
CONFIGURATION Cfg
  RESOURCE R1 ON PLC
    TASK TFast (INTERVAL := T#10ms, PRIORITY := 1);
    TASK TSlow (INTERVAL := T#50ms, PRIORITY := 2);
    PROGRAM F WITH TFast : Fast;
    PROGRAM S WITH TSlow : Slow;
  END_RESOURCE
END_CONFIGURATION`);
    plc.scan(100);
    expect(plc.get('F.n')).toBe(100);
    expect(plc.get('S.n')).toBe(20);
  });

  it('binds program instance arguments of a CONFIGURATION to its variables', () => {
    const plc = plcOf(`
PROGRAM Doubler VAR_INPUT x : INT; END_VAR VAR_OUTPUT y : INT; END_VAR y := x * 2; END_PROGRAM
CONFIGURATION Cfg
  VAR_GLOBAL gIn : INT := 21; gOut : INT; END_VAR
  RESOURCE R1 ON PLC
    TASK T (INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM D WITH T : Doubler (x := gIn, y => gOut);
  END_RESOURCE
END_CONFIGURATION`);
    plc.scan();
    expect(plc.get('gOut')).toBe(42);
  });
});

describe('SIMATIC AX NULL (decision 0134)', () => {
  it('is the unbound reference: assigned, compared on either side, and faults when dereferenced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-ax-null-'));
    try {
      const file = join(dir, 'main.st');
      writeFileSync(
        file,
        `NAMESPACE Plant
    PROGRAM Main
        VAR
            r : REF_TO INT;
            x : INT;
            n : INT;
            m : INT;
            y : INT;
            deref : BOOL;
        END_VAR
        r := NULL;
        IF r = NULL THEN
            n := n + 1;
        END_IF;
        r := REF(x);
        IF NULL <> r THEN
            m := m + 1;
        END_IF;
        IF r = NULL THEN
            m := 100;
        END_IF;
        IF deref THEN
            r := NULL;
            y := r^;
        END_IF;
    END_PROGRAM
END_NAMESPACE
`,
      );
      const loaded = await loadSimProject([dir]);
      expect(loaded.diagnostics ?? []).toEqual([]);
      const plc = compileProgram(loaded, { program: 'Main' });
      expect(plc.scan(2)).toBeNull();
      expect([plc.get('n'), plc.get('m')]).toEqual([2, 2]);
      plc.set('deref', true);
      expect(plc.scan()).toMatchObject({ code: SIM_FAULT_CODES.NULL_REFERENCE, file, line: 24, column: 18 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a FUNCTION_BLOCK named as the program runs as one instance (the unit under test)', () => {
  const FB = `FUNCTION_BLOCK FB_Latch
VAR_INPUT set : BOOL; reset : BOOL; delay : TIME; END_VAR
VAR_OUTPUT q : BOOL; late : BOOL; END_VAR
VAR t : TON; END_VAR
IF set THEN q := TRUE; END_IF
IF reset THEN q := FALSE; END_IF
t(IN := q, PT := delay);
late := t.Q;
END_FUNCTION_BLOCK
`;

  it('sets its inputs, keeps its state from scan to scan and reads its outputs (was: no PROGRAM named)', () => {
    const plc = plcOf(FB, { program: 'fb_latch' });
    plc.set('set', true);
    plc.set('delay', 20);
    plc.scan();
    plc.set('set', false);
    expect(plc.get('q')).toBe(true);
    plc.scan();
    plc.scan();
    expect([plc.get('q'), plc.get('late'), plc.get('t.ET')]).toEqual([true, true, 20]);
    plc.set('reset', true);
    plc.scan();
    expect([plc.get('q'), plc.get('late')]).toEqual([false, false]);
  });

  it('runs a Siemens SCL FB exported without its OB (public-code sweep 10: SIM_NO_PROGRAM)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-scl-fb-'));
    const file = join(dir, 'Valve.scl');
    writeFileSync(
      file,
      [
        'FUNCTION_BLOCK "FB_Valve"',
        'VERSION : 0.1',
        '   VAR_INPUT open : Bool; delay : Time; END_VAR',
        '   VAR_OUTPUT isOpen : Bool; END_VAR',
        '   VAR t : TON; END_VAR',
        'BEGIN',
        '   #t(IN := #open, PT := #delay);',
        '   #isOpen := #t.Q;',
        'END_FUNCTION_BLOCK',
        '',
      ].join('\n'),
    );
    const plc = compileProgram(await loadSimProject([file]), { program: 'FB_Valve' });
    plc.set('open', true);
    plc.set('delay', 'T#10ms');
    plc.scan();
    expect(plc.get('isOpen')).toBe(false);
    plc.scan();
    expect(plc.get('isOpen')).toBe(true);
    rmSync(dir, { recursive: true });
  });

  it('is run only when named, and refused when a caller must bind a VAR_IN_OUT', () => {
    expect(() => plcOf(FB)).toThrow(/no PROGRAM \(name a FUNCTION_BLOCK with --program/);
    expect(() => plcOf(FB, { program: 'Nope' })).toThrow('no PROGRAM or FUNCTION_BLOCK named Nope');
    const inOut = `FUNCTION_BLOCK FB_Count\nVAR_IN_OUT n : INT; END_VAR\nn := n + 1;\nEND_FUNCTION_BLOCK\n`;
    expect(() => plcOf(inOut, { program: 'FB_Count' })).toThrow(
      'FUNCTION_BLOCK FB_Count cannot run on its own: VAR_IN_OUT n must be bound by a caller; call it from a PROGRAM',
    );
  });
});

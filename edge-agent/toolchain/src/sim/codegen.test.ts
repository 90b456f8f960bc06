import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SIM_ERROR_CODES, SIM_FAULT_CODES } from './sim-errors';
import { compileProgram, VirtualPlc } from './virtual-plc';

function units(src: string) {
  const r = parseSource(src, 'c.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [r.unit];
}

function run(src: string, scans = 1) {
  const plc = compileProgram(units(src));
  const f = plc.scan(scans);
  expect(f).toBeNull();
  return plc;
}

describe('statements (IEC 61131-3 §7.3.3)', () => {
  it('FOR with BY, EXIT, CONTINUE, WHILE, REPEAT', () => {
    const plc = run(`PROGRAM P
VAR_OUTPUT a : INT; b : INT; c : INT; d : INT; END_VAR
VAR i : INT; END_VAR
a := 0; b := 0; c := 0; d := 0;
FOR i := 10 TO 1 BY -3 DO a := a + i; END_FOR
FOR i := 1 TO 100 DO IF i > 5 THEN EXIT; END_IF b := b + 1; END_FOR
FOR i := 1 TO 10 DO IF i MOD 2 = 0 THEN CONTINUE; END_IF c := c + 1; END_FOR
WHILE d < 7 DO d := d + 2; END_WHILE
REPEAT d := d + 1; UNTIL d >= 10 END_REPEAT
END_PROGRAM`);
    expect([plc.get('a'), plc.get('b'), plc.get('c'), plc.get('d')]).toEqual([22, 5, 5, 10]);
  });

  it('CASE on a CHAR compares character codes; labels are CHAR# literals, lists and ranges', () => {
    const plc = run(`PROGRAM P
VAR c : CHAR; d : CHAR := CHAR#'7'; v : INT; w : INT; u : INT; END_VAR
CASE c OF CHAR#'0': v := 1; ELSE v := 2; END_CASE;
CASE d OF CHAR#'1', CHAR#'2': w := 1; CHAR#'5'..CHAR#'8': w := 2; ELSE w := 3; END_CASE;
c := CHAR#'0';
CASE c OF CHAR#'0': u := 1; ELSE u := 2; END_CASE;
END_PROGRAM`);
    expect([plc.get('v'), plc.get('w'), plc.get('u')]).toEqual([2, 2, 1]);
  });

  it('CASE with ranges and lists, ELSE; S= and R=', () => {
    const plc = compileProgram(
      units(`PROGRAM P
VAR_INPUT x : INT; END_VAR
VAR_OUTPUT y : INT; latch : BOOL; END_VAR
CASE x OF
  1, 3: y := 10;
  4..6: y := 20;
ELSE y := 0;
END_CASE
latch S= x = 5;
latch R= x = 0;
END_PROGRAM`),
    );
    const seen = [3, 5, 9, 0].map((x) => {
      plc.set('x', x);
      plc.scan();
      return [plc.get('y'), plc.get('latch')];
    });
    expect(seen).toEqual([
      [10, false],
      [20, true],
      [0, true],
      [0, false],
    ]);
  });
});

describe('data: arrays, structures, globals, references', () => {
  it('multi-dimensional arrays, arrays of structures, initialisers', () => {
    const plc = run(`TYPE ST_Pt : STRUCT x : INT; y : INT; END_STRUCT; END_TYPE
PROGRAM P
VAR_OUTPUT s : INT; q : INT; END_VAR
VAR m : ARRAY[1..2, 0..2] OF INT := [1, 2, 3, 4, 5, 6]; pts : ARRAY[0..1] OF ST_Pt := [(x := 1, y := 2), (x := 3, y := 4)]; i : INT; j : INT; END_VAR
s := 0;
FOR i := 1 TO 2 DO FOR j := 0 TO 2 DO s := s + m[i, j] * i; END_FOR END_FOR
q := pts[1].x * 10 + pts[0].y;
END_PROGRAM`);
    expect(plc.get('s')).toBe(1 + 2 + 3 + 2 * (4 + 5 + 6));
    expect(plc.get('q')).toBe(32);
    expect(plc.get('m[2,1]')).toBe(5);
    expect(plc.get('pts[1]')).toEqual({ x: 3, y: 4 });
  });

  it('structure assignment copies (value semantics)', () => {
    const plc = run(`TYPE ST_A : STRUCT v : INT; END_STRUCT; END_TYPE
PROGRAM P
VAR_OUTPUT r : INT; END_VAR
VAR a : ST_A; b : ST_A; END_VAR
a.v := 1; b := a; b.v := 2; r := a.v;
END_PROGRAM`);
    expect(plc.get('r')).toBe(1);
  });

  it('global variables, GVL-qualified access and VAR_EXTERNAL', () => {
    const plc = run(
      `VAR_GLOBAL
  gCount : INT := 5;
END_VAR
PROGRAM P
VAR_EXTERNAL gCount : INT; END_VAR
VAR_OUTPUT r : INT; END_VAR
gCount := gCount + 1;
r := gCount;
END_PROGRAM`,
      2,
    );
    expect(plc.get('r')).toBe(7);
    expect(plc.get('gCount')).toBe(7);
  });

  it('VAR_IN_OUT of an FB and a function, REFERENCE TO with REF=, POINTER TO with ADR and ^', () => {
    const plc = run(`FUNCTION_BLOCK FB_Inc
VAR_IN_OUT v : INT; END_VAR
v := v + 1;
END_FUNCTION_BLOCK
FUNCTION Twice : BOOL
VAR_IN_OUT v : INT; END_VAR
v := v * 2;
Twice := TRUE;
END_FUNCTION
PROGRAM P
VAR_OUTPUT x : INT; y : INT; z : INT; END_VAR
VAR inc : FB_Inc; r : REFERENCE TO INT; p : POINTER TO INT; ok : BOOL; END_VAR
x := 1;
inc(v := x);
ok := Twice(x);
r REF= y;
r := 42;
p := ADR(z);
p^ := 7;
END_PROGRAM`);
    expect([plc.get('x'), plc.get('y'), plc.get('z')]).toEqual([4, 42, 7]);
  });

  it('interfaces dispatch to the implementing FB', () => {
    const plc = run(`INTERFACE I_Dev
METHOD Code : INT
END_METHOD
END_INTERFACE
FUNCTION_BLOCK FB_A IMPLEMENTS I_Dev
METHOD Code : INT
Code := 1;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_B IMPLEMENTS I_Dev
METHOD Code : INT
Code := 2;
END_METHOD
END_FUNCTION_BLOCK
PROGRAM P
VAR_OUTPUT s : INT; END_VAR
VAR a : FB_A; b : FB_B; d : I_Dev; END_VAR
d := a; s := d.Code() * 10;
d := b; s := s + d.Code();
END_PROGRAM`);
    expect(plc.get('s')).toBe(12);
  });

  it('time and date arithmetic; LTIME', () => {
    const plc = run(`PROGRAM P
VAR_OUTPUT t : TIME; n : DINT; d : TIME; lt : LTIME; END_VAR
t := T#1s + T#250ms * 2;
n := TIME_TO_DINT(t / 3);
d := DT#2024-01-02-00:00:00 - DT#2024-01-01-12:00:00;
lt := LTIME#1ms + LTIME#5us;
END_PROGRAM`);
    expect([plc.get('t'), plc.get('n'), plc.get('d'), plc.get('lt')]).toEqual([
      1500,
      500,
      43_200_000,
      1_005_000n,
    ]);
  });

  it('standard FBs called from ST follow the standard (CTU counts edges, TOF holds)', () => {
    const plc = compileProgram(
      units(`PROGRAM P
VAR_INPUT pulse : BOOL; END_VAR
VAR_OUTPUT cv : INT; q : BOOL; off : BOOL; END_VAR
VAR c : CTU; t : TOF; END_VAR
c(CU := pulse, PV := 2, Q => q, CV => cv);
t(IN := pulse, PT := T#30ms, Q => off);
END_PROGRAM`),
    );
    const trace = [true, true, false, true, false, false, false, false].map((p) => {
      plc.set('pulse', p);
      plc.scan();
      return [plc.get('cv'), plc.get('q'), plc.get('off')];
    });
    expect(trace).toEqual([
      [1, false, true],
      [1, false, true],
      [1, false, true],
      [2, true, true],
      [2, true, true],
      [2, true, true],
      // IN fell at 40 ms: Q stays TRUE until 40 + 30 ms
      [2, true, true],
      [2, true, false],
    ]);
  });
});

describe('isolation of generated code', () => {
  const src = `PROGRAM P
VAR_OUTPUT require : INT; globalThis : INT; process : STRING; eval : BOOL; prototype : INT; END_VAR
require := require + 1;
globalThis := 2;
process := '"); throw 1; ("';
eval := TRUE;
prototype := 3;
END_PROGRAM`;

  it('never pastes user identifiers or raw string text into the generated code', () => {
    const js = VirtualPlc.generatedSource(units(src));
    for (const word of ['require', 'globalThis', 'process', 'eval', 'prototype'])
      expect(js).not.toMatch(new RegExp(`\\b${word}\\b`));
    const plc = run(src);
    expect([
      plc.get('require'),
      plc.get('globalThis'),
      plc.get('process'),
      plc.get('eval'),
      plc.get('prototype'),
    ]).toEqual([1, 2, '"); throw 1; ("', true, 3]);
  });

  it('the generated code names no global: everything comes from its $rt parameter', () => {
    const js = VirtualPlc.generatedSource(
      units(`TYPE ST_X : STRUCT a : INT; END_STRUCT; END_TYPE
PROGRAM P
VAR a : ARRAY[1..3] OF ST_X; b : ARRAY[0..2] OF REAL; t : TON; r : REAL; END_VAR
t(IN := TRUE, PT := T#1s); r := SQRT(b[1]) + MAX(r, 1.0);
END_PROGRAM`),
    );
    // strip string literals, then every identifier must be generated ($…, mangled keys) or syntax
    const code = js.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const words = new Set(code.match(/(?<![\w$.])[A-Za-z_][\w]*/g));
    const allowed =
      /^(const|let|var|function|return|if|else|for|do|while|break|continue|true|false|null|undefined|new|use|strict|s|o|i|n|l|k|a\d*|f\d+|g\d+|l\d+|p\d+|m\d+|r|B\d+\w*|N\d+|C\d+|F\d+|M\d+_\w+|PG\d+_\w+|PS\d+_\w+|A\d+_\w+|L\d+|init|run|getState|setState|getScan|setScan|st|G|P|IN|PT|Q|ET|B|__proto__|Infinity|NaN|e|mn|mx|x|b)$/;
    expect([...words].filter((w) => !allowed.test(w))).toEqual([]);
  });

  it('recursion stops the PLC instead of crashing the host', () => {
    // F calls G calls F (a function's own name inside it is its result, so the checker
    // refuses direct self-calls with ST2011)
    const plc = compileProgram(
      units(`FUNCTION F : INT
VAR_INPUT n : INT; END_VAR
F := G(n + 1);
END_FUNCTION
FUNCTION G : INT
VAR_INPUT n : INT; END_VAR
G := F(n + 1);
END_FUNCTION
PROGRAM P
VAR_OUTPUT r : INT; END_VAR
r := F(0);
END_PROGRAM`),
    );
    expect(plc.scan()?.code).toBe(SIM_FAULT_CODES.RECURSION);
  });
});

describe('fail closed on what is not simulated', () => {
  it.each([
    ['JMP', 'x := 1;\nJMP done;\nx := 2;\ndone:\nx := 3;'],
    ['SIZEOF of a structure', 'n := SIZEOF(pt);'],
  ])('%s is refused with SIM_UNSUPPORTED', (_what, body) => {
    const src = `TYPE ST_P : STRUCT a : INT; b : BOOL; END_STRUCT; END_TYPE
PROGRAM P
VAR x : INT; n : DINT; pt : ST_P; END_VAR
${body}
END_PROGRAM`;
    expect(() => compileProgram(units(src))).toThrow(
      expect.objectContaining({ code: SIM_ERROR_CODES.UNSUPPORTED }),
    );
  });

  it('SIZEOF of elementary types', () => {
    const plc = run(
      'PROGRAM P\nVAR_OUTPUT a : DINT; b : DINT; END_VAR\nVAR x : INT; y : LREAL; END_VAR\na := SIZEOF(x); b := SIZEOF(y);\nEND_PROGRAM',
    );
    expect([plc.get('a'), plc.get('b')]).toEqual([2, 8]);
  });
});

describe('long bodies (plant programs)', () => {
  it('a body of more than 24 statements with TIME and LTIME literals simulates (no BigInt serialisation)', () => {
    const steps = Array.from({ length: 30 }, (_, i) => `Count := Count + ${i};`).join('\n');
    const plc = run(
      `PROGRAM Line
VAR_OUTPUT Count : DINT; Done : BOOL; END_VAR
VAR T_Start : TON; Hold : LTIME := LTIME#5ms; END_VAR
T_Start(IN := TRUE, PT := T#20ms);
${steps}
Done := T_Start.Q AND Hold > LTIME#1ms;
END_PROGRAM`,
      3,
    );
    expect(plc.get('Count')).toBe(3 * 435);
    expect(plc.get('Done')).toBe(true);
  });

  it('an instance of 128 members or more is built by a constructor and keeps get, set, snapshot and online change', () => {
    const plant = (extra: string) => {
      const names = Array.from({ length: 130 }, (_, i) => `r${i}`);
      return `FUNCTION_BLOCK Unit
VAR_INPUT x : REAL; END_VAR
VAR_OUTPUT y : REAL; END_VAR
y := y * 0.5 + x;
END_FUNCTION_BLOCK
PROGRAM Big
VAR_INPUT Sp : REAL := 1.5; END_VAR
VAR_OUTPUT Sum : REAL; Hits : INT; END_VAR
VAR U : Unit; T : TON; ${names.map((n) => `${n} : REAL;`).join(' ')} ${extra} END_VAR
U(x := Sp);
T(IN := TRUE, PT := T#30ms);
IF T.Q THEN Hits := Hits + 1; END_IF;
r129 := r129 + 0.25;
Sum := U.y + r129;
END_PROGRAM`;
    };
    const js = VirtualPlc.generatedSource(units(plant('')));
    expect(js).toMatch(/function K\d+\(\)\{this\.\$c=C\d+;/);
    // the program's 133 members: a constructor; the FB's 3: a literal
    expect(js).toMatch(/function N\d+\(\)\{const s=\{\$c:C\d+,f0:0\.5,f1:0\.5\};/);
    const plc = compileProgram(units(plant('')));
    expect(plc.scan(4)).toBeNull();
    expect(plc.get('Hits')).toBe(1);
    expect(plc.get('r129')).toBe(1);
    expect(plc.get('Sum')).toBe(3.8125);
    const snap = plc.snapshot();
    plc.set('r129', 10);
    expect(plc.scan()).toBeNull();
    expect(plc.get('r129')).toBe(10.25);
    plc.restore(snap);
    expect(plc.scan()).toBeNull();
    expect(plc.get('r129')).toBe(1.25);
    expect(plc.get('Hits')).toBe(2);
    const change = plc.replaceProgram(units(plant('Extra : INT;')));
    expect(change.applied).toBe(true);
    expect(plc.scan()).toBeNull();
    expect([plc.get('r129'), plc.get('Hits'), plc.get('Extra')]).toEqual([1.5, 3, 0]);
  });
});

describe('Boolean results as operands (conformance divergence bool-and-or-as-operand)', () => {
  it('a XOR (b OR c), a <> (b AND c), NOT of a bit and a 40-term run compare the whole value', () => {
    const terms = Array(40).fill('b').join(' OR ');
    const plc = run(`PROGRAM Main
VAR_OUTPUT q1 : BOOL; q2 : BOOL; q3 : BOOL; q4 : BOOL; q5 : BOOL; q6 : BOOL; END_VAR
VAR a : BOOL; b : BOOL; c : BOOL; w : WORD := 16#0008; END_VAR
q1 := a XOR (b OR c);
q2 := a <> (b AND c);
q3 := a = (b OR c);
q4 := NOT w.3;
q5 := a XOR w.3;
q6 := a = (${terms});
END_PROGRAM`);
    // all Booleans FALSE, bit 3 of w set: as the reference (MATIEC) and the standard give
    expect([plc.get('q1'), plc.get('q2'), plc.get('q3')]).toEqual([false, false, true]);
    expect([plc.get('q4'), plc.get('q5'), plc.get('q6')]).toEqual([false, true, true]);
  });
});

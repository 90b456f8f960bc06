import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SimError } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** Compiles one ST text (which must parse clean) and returns the running PLC. */
function plcOf(text: string) {
  const r = parseSource(text, 'user-en-eno.st');
  expect(r.diagnostics).toEqual([]);
  return compileProgram([r.unit]);
}

/** The SimError compileProgram throws for one ST text, or undefined when it compiles. */
function refusalOf(text: string): SimError | undefined {
  const r = parseSource(text, 'user-en-eno.st');
  expect(r.diagnostics).toEqual([]);
  try {
    compileProgram([r.unit]);
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  return undefined;
}

const POUS = `FUNCTION Twice : INT
VAR_INPUT x : INT; END_VAR
VAR_OUTPUT o : INT; END_VAR
Twice := x * 2;
o := x + 100;
END_FUNCTION
FUNCTION Bump : INT
VAR_IN_OUT c : INT; END_VAR
c := c + 1;
Bump := c;
END_FUNCTION
FUNCTION_BLOCK Acc
VAR_INPUT x : INT; END_VAR
VAR_OUTPUT total : INT; last : INT; END_VAR
total := total + x;
last := x;
END_FUNCTION_BLOCK
FUNCTION_BLOCK Cnt
VAR_INPUT inc : INT; END_VAR
VAR_OUTPUT n : INT; END_VAR
n := n + inc;
END_FUNCTION_BLOCK
`;

// The program OpenPLC's editor would make of LD/FBD boxes of user POUs: every call with EN/ENO.
const PROGRAM = `${POUS}PROGRAM UserEnEno
VAR_INPUT e : BOOL; v : INT; END_VAR
VAR_OUTPUT
  y : INT; fo : INT; okF : BOOL;
  y2 : INT; okT : BOOL;
  b : INT; bc : INT; okB : BOOL;
  t : INT; l : INT; okA : BOOL;
  n : INT; okC : BOOL;
  m : INT; okM : BOOL;
  okN : BOOL; w : INT; wSeen : INT; ax : INT;
END_VAR
VAR a : Acc; c : Cnt; d : Cnt; END_VAR
y := Twice(EN := e, x := v, ENO => okF, o => fo);
y2 := Twice(EN := TRUE, x := v, ENO => okT);
b := Bump(EN := NOT e, c := bc, ENO => okB);
a(EN := e, x := v, ENO => okA, total => t, last => l);
ax := a.x;
a(EN := FALSE, x := v + 1, total => w);
wSeen := w;
w := -1;
c(EN := e, inc := 1, ENO => okC);
n := c.n;
d(EN := NOT e, inc := 2, ENO => okM, n => m);
okN := NOT okM;
END_PROGRAM
`;

const INPUTS: [boolean, number][] = [
  [true, 5],
  [false, 7],
  [false, 9],
  [true, 4],
  [false, 1],
  [true, -3],
];

// Expected values: MATIEC's, from /tmp/matiec (iec2c -I /tmp/matiec/lib -T out case.st, compiled
// and run scan by scan the way conformance/matiec-harness.ts does) for PROGRAM above with the
// inputs of INPUTS, one row per scan. They show MATIEC's choices: a function with EN FALSE
// returns its type's initial value (y 0), leaves its outputs and in-outs alone (fo, bc) and
// gives ENO FALSE; an FB instance with EN FALSE still takes its inputs (ax) and still hands
// its outputs to the `=>` variables (wSeen is 5, not -1), but its body does not run (t, l, n).
const MATIEC: Record<string, number | boolean>[] = [
  {
    y: 10,
    fo: 105,
    okF: true,
    y2: 10,
    okT: true,
    b: 0,
    bc: 0,
    okB: false,
    t: 5,
    l: 5,
    okA: true,
    n: 1,
    okC: true,
    m: 0,
    okM: false,
    okN: true,
    wSeen: 5,
    ax: 5,
  },
  {
    y: 0,
    fo: 105,
    okF: false,
    y2: 14,
    okT: true,
    b: 1,
    bc: 1,
    okB: true,
    t: 5,
    l: 5,
    okA: false,
    n: 1,
    okC: false,
    m: 2,
    okM: true,
    okN: false,
    wSeen: 5,
    ax: 7,
  },
  {
    y: 0,
    fo: 105,
    okF: false,
    y2: 18,
    okT: true,
    b: 2,
    bc: 2,
    okB: true,
    t: 5,
    l: 5,
    okA: false,
    n: 1,
    okC: false,
    m: 4,
    okM: true,
    okN: false,
    wSeen: 5,
    ax: 9,
  },
  {
    y: 8,
    fo: 104,
    okF: true,
    y2: 8,
    okT: true,
    b: 0,
    bc: 2,
    okB: false,
    t: 9,
    l: 4,
    okA: true,
    n: 2,
    okC: true,
    m: 4,
    okM: false,
    okN: true,
    wSeen: 9,
    ax: 4,
  },
  {
    y: 0,
    fo: 104,
    okF: false,
    y2: 2,
    okT: true,
    b: 3,
    bc: 3,
    okB: true,
    t: 9,
    l: 4,
    okA: false,
    n: 2,
    okC: false,
    m: 6,
    okM: true,
    okN: false,
    wSeen: 9,
    ax: 1,
  },
  {
    y: -6,
    fo: 97,
    okF: true,
    y2: -6,
    okT: true,
    b: 0,
    bc: 3,
    okB: false,
    t: 6,
    l: -3,
    okA: true,
    n: 3,
    okC: true,
    m: 6,
    okM: false,
    okN: true,
    wSeen: 6,
    ax: -3,
  },
];

describe('EN/ENO of user functions and function blocks in the simulator', () => {
  it('matches MATIEC scan by scan with EN TRUE, FALSE and varying', () => {
    const plc = plcOf(PROGRAM);
    INPUTS.forEach(([e, v], k) => {
      plc.set('e', e);
      plc.set('v', v);
      expect(plc.scan(1)).toBeNull();
      const got = Object.fromEntries(Object.keys(MATIEC[k] as object).map((n) => [n, plc.get(n)]));
      expect({ scan: k, ...got }).toEqual({ scan: k, ...MATIEC[k] });
    });
  });

  it('runs a user function and an FB called with ENO only, ENO TRUE', () => {
    const plc = plcOf(`${POUS}PROGRAM P
VAR_OUTPUT y : INT; okF : BOOL; t : INT; okA : BOOL; END_VAR
VAR a : Acc; END_VAR
y := Twice(x := 4, ENO => okF);
a(x := 2, ENO => okA, total => t);
END_PROGRAM`);
    expect(plc.scan(2)).toBeNull();
    expect([plc.get('y'), plc.get('okF'), plc.get('t'), plc.get('okA')]).toEqual([8, true, 4, true]);
  });

  // An output of a user function left unconnected faulted (a null reference) at the callee's
  // first write, with or without EN; MATIEC writes it into a temporary.
  it('runs a user function whose output is left unconnected', () => {
    const plc = plcOf(`${POUS}PROGRAM P
VAR_OUTPUT y : INT; END_VAR
y := Twice(x := 4);
END_PROGRAM`);
    expect(plc.scan(1)).toBeNull();
    expect(plc.get('y')).toBe(8);
  });

  // MATIEC keeps EN in the instance: a later call without EN runs the body only if the last EN
  // given was TRUE. The simulator keeps no EN in the instance, so it refuses the mix by name.
  it('refuses an FB type called both with and without EN', () => {
    for (const calls of ['a(EN := go, x := 1);\nb(x := 2);', 'a(x := 2);\na(EN := go, x := 1);']) {
      const e = refusalOf(`${POUS}PROGRAM P
VAR_INPUT go : BOOL; END_VAR
VAR a : Acc; b : Acc; END_VAR
${calls}
END_PROGRAM`);
      expect(e?.code).toBe('SIM_UNSUPPORTED');
      expect(e?.message).toMatch(/Acc called both with EN and without it/);
    }
  });

  it('refuses EN/ENO of a user POU that declares its own EN or ENO', () => {
    const f = refusalOf(`FUNCTION OwnEn : INT
VAR_INPUT EN : BOOL; x : INT; END_VAR
OwnEn := x;
END_FUNCTION
PROGRAM P
VAR y : INT; END_VAR
y := OwnEn(EN := TRUE, x := 1);
END_PROGRAM`);
    expect(f?.code).toBe('SIM_UNSUPPORTED');
    expect(f?.message).toMatch(/OwnEn, which declares its own EN/);
    const b = refusalOf(`FUNCTION_BLOCK OwnEno
VAR_INPUT x : INT; END_VAR
VAR_OUTPUT ENO : BOOL; END_VAR
ENO := x > 0;
END_FUNCTION_BLOCK
PROGRAM P
VAR a : OwnEno; ok : BOOL; END_VAR
a(x := 1, ENO => ok);
END_PROGRAM`);
    expect(b?.code).toBe('SIM_UNSUPPORTED');
    expect(b?.message).toMatch(/OwnEno, which declares its own ENO/);
  });

  it('refuses ENO of a user POU into a non-BOOL', () => {
    for (const call of ['y := Twice(EN := TRUE, x := 1, ENO => y);', 'a(EN := TRUE, x := 1, ENO => y);']) {
      const e = refusalOf(`${POUS}PROGRAM P
VAR a : Acc; y : INT; END_VAR
${call}
END_PROGRAM`);
      expect(e?.code).toBe('SIM_UNSUPPORTED');
      expect(e?.message).toMatch(/ENO of (Twice|Acc) into a INT/);
    }
  });
  it('refuses a negated ENO of a user FB or function', () => {
    for (const call of [
      'y := Twice(EN := TRUE, x := 1, NOT ENO => ok);',
      'a(EN := TRUE, x := 1, NOT ENO => ok);',
    ]) {
      const e = refusalOf(`${POUS}PROGRAM P
VAR a : Acc; y : INT; ok : BOOL; END_VAR
${call}
END_PROGRAM`);
      expect(e?.code).toBe('SIM_UNSUPPORTED');
      expect(e?.message).toMatch(/ENO of (Twice|Acc) negated/);
    }
  });
});

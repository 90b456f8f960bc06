import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { inlineStdFb, makeStdFbs, newStdFb, type StdFbInstance } from './std-fbs';
import { compileProgram, VirtualPlc } from './virtual-plc';

const fbs = makeStdFbs({ counterSaturation: true });

/** Every combination of the values given per member: the states an instance is tried in. */
function states(values: Record<string, readonly (boolean | number)[]>): StdFbInstance[] {
  let out: StdFbInstance[] = [{}];
  for (const [k, vs] of Object.entries(values)) out = out.flatMap((s) => vs.map((v) => ({ ...s, [k]: v })));
  return out;
}

/**
 * The call as generated code makes it with the body inlined: the trigger input's value is the
 * branch, stored as a constant, then the body as it runs with that value.
 */
function inlined(fb: string): (s: StdFbInstance, value: boolean, now: number) => void {
  let n = 0;
  const form = inlineStdFb(fb, 'i', { now: '$now', max: '$m.max', tmp: () => `$t${n++}` });
  if (!form) throw new Error(`${fb} has no inlined form`);
  const code = `if(v){i.${form.input}=true;${form.whenTrue}}else{i.${form.input}=false;${form.whenFalse}}`;
  const f = new Function('i', 'v', '$now', '$m', code);
  return (s, v, now) => f(s, v, now, Math);
}

function sameAsBody(
  fb: 'TON' | 'R_TRIG' | 'F_TRIG',
  input: string,
  values: Record<string, readonly (boolean | number)[]>,
  clocks: readonly number[],
): number {
  const run = inlined(fb);
  const body = fbs[fb] as (s: StdFbInstance, now: number) => void;
  let cases = 0;
  for (const state of states(values))
    for (const value of [true, false])
      for (const now of clocks) {
        const a = { ...newStdFb(fb), ...state };
        const b = { ...a };
        a[input] = value;
        body(a, now);
        run(b, value, now);
        expect({ state, value, now, after: b }).toEqual({ state, value, now, after: a });
        cases++;
      }
  return cases;
}

describe('standard FB bodies inlined at the call (inlineStdFb)', () => {
  it('TON: the same members as its body from every state, input and clock', () => {
    const cases = sameAsBody(
      'TON',
      'IN',
      {
        IN: [false, true],
        PT: [-5, 0, 30, 100],
        Q: [false, true],
        ET: [0, 17, 30],
        $s: [0, 40, 95],
        $run: [false, true],
      },
      [0, 50, 100, 130, 135],
    );
    expect(cases).toBe(2 * 4 * 2 * 3 * 3 * 2 * 2 * 5);
  });

  it('R_TRIG and F_TRIG: the same members as their bodies', () => {
    for (const fb of ['R_TRIG', 'F_TRIG'] as const)
      sameAsBody(fb, 'CLK', { CLK: [false, true], Q: [false, true], $m: [false, true] }, [0]);
  });

  it('has no form for the other standard FBs (they are called)', () => {
    for (const fb of ['SR', 'RS', 'CTU', 'CTD', 'CTUD', 'TOF', 'TP', 'LTON', 'LTOF', 'LTP'])
      expect(inlineStdFb(fb, 'i', { now: '$now', max: '$m.max', tmp: () => '$t' })).toBeUndefined();
  });
});

function units(src: string) {
  const r = parseSource(src, 'c.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [r.unit];
}

describe('calls of TON, R_TRIG and F_TRIG in generated code', () => {
  const src = (pt: string) => `PROGRAM P
VAR_INPUT Go : BOOL; END_VAR
VAR_OUTPUT Up : INT; Down : INT; Done : BOOL; Et : TIME; END_VAR
VAR T1 : TON; R : R_TRIG; F : F_TRIG; Long : TIME := T#40ms; END_VAR
T1(IN := Go, PT := ${pt}, Q => Done, ET => Et);
R(CLK := T1.Q);
F(CLK := T1.Q);
IF R.Q THEN Up := Up + 1; END_IF;
IF F.Q THEN Down := Down + 1; END_IF;
END_PROGRAM`;

  it('inlines the body when the inputs after the trigger are constants or plain reads', () => {
    for (const pt of ['T#40ms', 'Long']) {
      const code = VirtualPlc.generatedSource(units(src(pt)));
      expect(code).not.toMatch(/\$SF_(?:TON|R_TRIG|F_TRIG)\(/);
    }
  });

  it('calls the body when an input stored after IN is computed (not written twice)', () => {
    const code = VirtualPlc.generatedSource(units(src('SEL(T1.IN, T#40ms, T#20ms)')));
    expect(code).toMatch(/\$SF_TON\(/);
    expect(code).not.toMatch(/\$SF_R_TRIG\(/);
  });

  it('runs the timing diagram the same either way', () => {
    const trace = (pt: string) => {
      const plc = compileProgram(units(src(pt)));
      const out: string[] = [];
      for (const go of [false, true, true, true, true, true, true, false, true, false, false, true, true]) {
        plc.set('Go', go);
        expect(plc.scan(1)).toBeNull();
        out.push(['Done', 'Et', 'Up', 'Down'].map((v) => String(plc.get(v))).join(' '));
      }
      return out;
    };
    const inlinedTrace = trace('T#40ms');
    expect(trace('Long')).toEqual(inlinedTrace);
    // with the body called, PT is computed after IN is stored: SEL(G, IN0, IN1) gives IN1 for G TRUE
    expect(trace('SEL(T1.IN, T#20ms, T#40ms)')).toEqual(inlinedTrace);
    expect(trace('SEL(T1.IN, T#40ms, T#20ms)')).not.toEqual(inlinedTrace);
    expect(inlinedTrace).toMatchInlineSnapshot(`
      [
        "false 0 0 1",
        "false 0 0 1",
        "false 10 0 1",
        "false 20 0 1",
        "false 30 0 1",
        "true 40 1 1",
        "true 40 1 1",
        "false 0 1 2",
        "false 0 1 2",
        "false 0 1 2",
        "false 0 1 2",
        "false 0 1 2",
        "false 10 1 2",
      ]
    `);
  });
});

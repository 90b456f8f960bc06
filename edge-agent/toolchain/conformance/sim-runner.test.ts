import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from './conformance-case';
import { decodeFixture, encodeFixture } from './fixture-file';
import { firstDifference, runOnSim, sameValue } from './sim-runner';

describe('comparing a scan with the reference', () => {
  it('accepts a REAL one float32 ulp away and refuses two', () => {
    const x = Math.fround(0.1);
    const up = (v: number, n: number) => {
      const f = new Float32Array([v]);
      const u = new Uint32Array(f.buffer);
      u[0] = (u[0] as number) + n;
      return f[0] as number;
    };
    expect(sameValue('REAL', x, up(x, 1))).toBe(true);
    expect(sameValue('REAL', x, up(x, 2))).toBe(false);
    expect(sameValue('REAL', 'NaN', Number.NaN)).toBe(true);
    expect(sameValue('REAL', 'Infinity', 3.4e38)).toBe(false);
  });
  it('compares 64-bit integers exactly, whether printed as strings or numbers', () => {
    expect(sameValue('LINT', '-9223372036854775808', -9223372036854775808n)).toBe(true);
    expect(sameValue('ULINT', '18446744073709551615', '18446744073709551614')).toBe(false);
    expect(sameValue('LREAL', 0.1, 0.1 + Number.EPSILON / 8)).toBe(false);
  });
});

const counter: ConformanceCase = {
  id: 'unit-counter',
  program: 'Main',
  source: `PROGRAM Main
VAR_INPUT b : BOOL; END_VAR
VAR_OUTPUT n : INT; t : TIME; END_VAR
VAR tp : TP; END_VAR
IF b THEN n := n + 1; END_IF;
tp(IN := b, PT := T#20ms);
t := tp.ET;
END_PROGRAM
`,
  inputs: [{ name: 'b', type: 'BOOL' }],
  outputs: [
    { name: 'n', type: 'INT' },
    { name: 't', type: 'TIME' },
  ],
  scans: 5,
  timeline: [
    [1, { b: true }],
    [2, { b: false }],
  ],
};

describe('a case on the VirtualPlc and through a fixture file', () => {
  it('runs scan by scan and survives the fixture encoding', () => {
    const r = runOnSim(counter);
    if (!r.ok) throw new Error(r.message);
    expect(r.trace.map((s) => s.n)).toEqual([0, 1, 1, 1, 1]);
    // TP: pulse from 10 ms, IN falls at 20 ms, ET 0 when the pulse ends at 30 ms (decision 0010)
    expect(r.trace.map((s) => s.t)).toEqual([0, 0, 10, 0, 0]);
    const back = decodeFixture(encodeFixture({ source: 'unit', cases: [{ ...counter, trace: r.trace }] }));
    expect(back.cases[0]?.trace).toEqual(r.trace);
    expect(firstDifference(counter.outputs, back.cases[0]?.trace ?? [], r.trace)).toBeUndefined();
  });
  it('reports the first scan and output that differ', () => {
    const r = runOnSim(counter);
    if (!r.ok) throw new Error(r.message);
    const ref = r.trace.map((s, k) => (k === 3 ? { ...s, n: 2 } : s));
    expect(firstDifference(counter.outputs, ref, r.trace)).toEqual({
      scan: 3,
      diffs: [{ name: 'n', ref: 2, ours: 1 }],
    });
  });
});

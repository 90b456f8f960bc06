import { describe, expect, it } from 'vitest';
import { makeStdFbs, newStdFb, type StdFbInstance } from './std-fbs';

const fbs = makeStdFbs({ counterSaturation: true });

/** Drives a timer at 10 ms steps with IN given per step, returning [Q, ET] per step. */
function drive(kind: 'TON' | 'TOF' | 'TP', pt: number, ins: boolean[]): [boolean, number][] {
  const s = newStdFb(kind);
  s.PT = pt;
  return ins.map((i, k) => {
    s.IN = i;
    fbs[kind](s, k * 10);
    return [s.Q as boolean, s.ET as number];
  });
}

const T = true;
const F = false;

describe('TON (IEC 61131-3 §6.6.3.5.4 timing diagram)', () => {
  it('Q rises exactly PT after IN rises, ET stops at PT, IN FALSE resets', () => {
    const out = drive('TON', 30, [F, T, T, T, T, T, F, T, T]);
    expect(out).toEqual([
      [F, 0],
      [F, 0],
      [F, 10],
      [F, 20],
      [T, 30],
      [T, 30],
      [F, 0],
      [F, 0],
      [F, 10],
    ]);
  });
  it('a pulse shorter than PT never sets Q', () => {
    const out = drive('TON', 30, [T, T, F, T, F]);
    expect(out.map((x) => x[0])).toEqual([F, F, F, F, F]);
  });
  it('PT = 0 sets Q on the first scan with IN', () => {
    expect(drive('TON', 0, [T])).toEqual([[T, 0]]);
  });
});

describe('TOF (timing diagram)', () => {
  it('Q follows IN at once and falls PT after IN falls; ET holds PT', () => {
    const out = drive('TOF', 20, [F, T, T, F, F, F, F, T]);
    expect(out).toEqual([
      [F, 0],
      [T, 0],
      [T, 0],
      [T, 0],
      [T, 10],
      [F, 20],
      [F, 20],
      [T, 0],
    ]);
  });
  it('IN returning before PT keeps Q TRUE throughout', () => {
    const out = drive('TOF', 30, [T, F, F, T, F]);
    expect(out.map((x) => x[0])).toEqual([T, T, T, T, T]);
  });
});

describe('TP (timing diagram)', () => {
  it('emits a pulse of PT that IN cannot shorten or retrigger; ET is 0 at its end when IN is FALSE', () => {
    // decision 0010: the timing diagram (and MATIEC) drop ET at t0+PT when IN is already FALSE
    const out = drive('TP', 30, [T, F, T, F, F, F, F]);
    expect(out).toEqual([
      [T, 0],
      [T, 10],
      [T, 20],
      [F, 0],
      [F, 0],
      [F, 0],
      [F, 0],
    ]);
  });
  it('ET holds PT while IN stays TRUE after the pulse, then resets', () => {
    const out = drive('TP', 20, [T, T, T, T, F, T]);
    expect(out).toEqual([
      [T, 0],
      [T, 10],
      [F, 20],
      [F, 20],
      [F, 0],
      [T, 0],
    ]);
  });
});

describe('TP called twice in a scan (found against MATIEC)', () => {
  it('a pulse that ends with IN FALSE lets a later call in the same scan start the next one', () => {
    const s = newStdFb('TP');
    s.PT = 30;
    const out: [boolean, number][] = [];
    for (let k = 0; k < 6; k++) {
      // a valve pulse: first call with the stop condition (IN FALSE), then with the request (IN TRUE from scan 3)
      s.IN = false;
      fbs.TP(s, k * 10);
      s.IN = k >= 3;
      fbs.TP(s, k * 10);
      out.push([s.Q as boolean, s.ET as number]);
    }
    // scan 0 has no request: nothing starts until scan 3, and the pulse restarts at once when it ends
    expect(out).toEqual([
      [F, 0],
      [F, 0],
      [F, 0],
      [T, 0],
      [T, 10],
      [T, 20],
    ]);
  });
  it('restarts in the scan the previous pulse ended when the request is still there', () => {
    const s = newStdFb('TP');
    s.PT = 20;
    const q: boolean[] = [];
    const et: number[] = [];
    for (let k = 0; k < 5; k++) {
      s.IN = false;
      fbs.TP(s, k * 10);
      s.IN = true;
      fbs.TP(s, k * 10);
      q.push(s.Q as boolean);
      et.push(s.ET as number);
    }
    // pulse 0–20 ms ends at 20 ms on the IN FALSE call (ET back to 0), the IN TRUE call starts the next
    expect(q).toEqual([T, T, T, T, T]);
    expect(et).toEqual([0, 10, 0, 10, 0]);
  });
});

function counter(kind: 'CTU' | 'CTD' | 'CTUD', init: Partial<StdFbInstance>): StdFbInstance {
  return Object.assign(newStdFb(kind), init);
}

describe('counters (§6.6.3.5.3)', () => {
  it('CTU counts rising edges of CU, Q when CV >= PV, R resets', () => {
    const c = counter('CTU', { PV: 2 });
    const seq = [T, F, T, T, F, T];
    const cv = seq.map((cu) => {
      c.CU = cu;
      fbs.CTU(c);
      return [c.CV, c.Q];
    });
    expect(cv).toEqual([
      [1, F],
      [1, F],
      [2, T],
      [2, T],
      [2, T],
      [3, T],
    ]);
    c.R = true;
    fbs.CTU(c);
    expect([c.CV, c.Q]).toEqual([0, F]);
  });
  it('CTU saturates at INT max (32767) by default and wraps with the profile option', () => {
    const c = counter('CTU', { CV: 32767, PV: 1 });
    c.CU = true;
    fbs.CTU(c);
    expect(c.CV).toBe(32767);
    const w = counter('CTU', { CV: 32767 });
    w.CU = true;
    makeStdFbs({ counterSaturation: false }).CTU(w);
    expect(w.CV).toBe(-32768);
  });
  it('CTD loads PV, counts down, Q when CV <= 0, stops at INT min', () => {
    const c = counter('CTD', { PV: 1, LD: true });
    fbs.CTD(c);
    expect([c.CV, c.Q]).toEqual([1, F]);
    c.LD = false;
    c.CD = true;
    fbs.CTD(c);
    expect([c.CV, c.Q]).toEqual([0, T]);
    const m = counter('CTD', { CV: -32768 });
    m.CD = true;
    fbs.CTD(m);
    expect(m.CV).toBe(-32768);
  });
  it('CTUD: simultaneous edges cancel; QU and QD', () => {
    const c = counter('CTUD', { PV: 1 });
    c.CU = true;
    c.CD = true;
    fbs.CTUD(c);
    expect([c.CV, c.QU, c.QD]).toEqual([0, F, T]);
    c.CU = false;
    c.CD = false;
    fbs.CTUD(c);
    c.CU = true;
    fbs.CTUD(c);
    expect([c.CV, c.QU, c.QD]).toEqual([1, T, F]);
  });
});

describe('edges and bistables (§6.6.3.5.1–2)', () => {
  it('R_TRIG pulses one call on a rising CLK', () => {
    const r = newStdFb('R_TRIG');
    const q = [F, T, T, F, T].map((clk) => {
      r.CLK = clk;
      fbs.R_TRIG(r);
      return r.Q;
    });
    expect(q).toEqual([F, T, F, F, T]);
  });
  it('F_TRIG pulses on a falling CLK, and on the first call with CLK FALSE (M starts FALSE)', () => {
    const f = newStdFb('F_TRIG');
    const q = [F, F, T, F].map((clk) => {
      f.CLK = clk;
      fbs.F_TRIG(f);
      return f.Q;
    });
    expect(q).toEqual([T, F, F, T]);
  });
  it('SR is set-dominant and RS reset-dominant', () => {
    const sr = newStdFb('SR');
    sr.S1 = true;
    sr.R = true;
    fbs.SR(sr);
    expect(sr.Q1).toBe(true);
    const rs = newStdFb('RS');
    rs.S = true;
    rs.R1 = true;
    fbs.RS(rs);
    expect(rs.Q1).toBe(false);
    rs.R1 = false;
    fbs.RS(rs);
    expect(rs.Q1).toBe(true);
    rs.S = false;
    fbs.RS(rs);
    expect(rs.Q1).toBe(true);
  });
});

describe('LTON, LTOF, LTP (3rd edition LTIME timers, ADR 0154)', () => {
  it.each([
    ['LTON', 'TON'],
    ['LTOF', 'TOF'],
    ['LTP', 'TP'],
  ] as const)(
    '%s gives Q and ET (bigint ns) of %s on every IN sequence, two calls a scan too',
    (long, short) => {
      // a fixed pseudo-random sequence: every IN pattern of a few steps appears
      let x = 12345;
      const bit = () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x % 3 !== 0;
      };
      for (const pt of [0, 10, 25, 40]) {
        const a = newStdFb(long);
        const b = newStdFb(short);
        a.PT = BigInt(pt) * 1_000_000n;
        b.PT = pt;
        for (let k = 0; k < 300; k++) {
          const calls = k % 7 === 0 ? [false, bit()] : [bit()];
          for (const on of calls) {
            a.IN = on;
            b.IN = on;
            fbs[long](a, k * 5);
            fbs[short](b, k * 5);
          }
          expect([a.Q, a.ET]).toEqual([b.Q, BigInt(b.ET as number) * 1_000_000n]);
        }
      }
    },
  );
  it('LTON times a PT past TIME range (T#24d20h31m23s647ms) with ns resolution at fractional cycles', () => {
    const s = newStdFb('LTON');
    s.PT = 30n * 86_400_000_000_000n; // 30 days
    s.IN = true;
    fbs.LTON(s, 0.25);
    fbs.LTON(s, 0.5);
    expect(s.ET).toBe(250_000n);
    fbs.LTON(s, 30 * 86_400_000 + 0.25);
    expect([s.Q, s.ET]).toEqual([true, 30n * 86_400_000_000_000n]);
  });
});

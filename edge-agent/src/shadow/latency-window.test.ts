import { describe, expect, it } from 'vitest';
import { type Judgement, LatencyWindow } from './latency-window';

/**
 * Samples as [time ms, candidate's Q after it, live Q or null, scans run after it]; the
 * candidate's clock advances 10 ms a scan and a sample's inputs are fed before its scans.
 */
type S = [number, number, number | null, number?];

function run(backMs: number, samples: S[], finish = true, ordered = false) {
  const judged: { at: number; candidates: number[]; own: number; open?: boolean }[] = [];
  const w = new LatencyWindow<string>(backMs, (j: Judgement<string>) =>
    judged.push({
      at: j.at,
      candidates: j.candidates.map((c) => c.get('Q') as number),
      own: j.own.get('Q') as number,
      ...(j.open ? { open: true } : {}),
    }),
  );
  let clock = 0;
  for (const [at, out, live, scans = 1] of samples) {
    const fed = clock;
    clock += scans * 10;
    w.add({
      at,
      fed,
      scanned: clock,
      outputs: new Map([['Q', out]]),
      live: live === null ? null : new Map([['Q', live]]),
      ...(ordered ? { ordered: true } : {}),
    });
  }
  if (finish) w.finish();
  return judged;
}

/** Samples every 10 ms from 0, one scan each; the candidate's Q after sample k is k. */
const steady = (n: number): S[] => Array.from({ length: n }, (_, k) => [k * 10, k, k === 0 ? null : k]);

describe('LatencyWindow', () => {
  it('judges sample n against n − 1, n and n + 1 once n + 1 has been scanned', () => {
    expect(run(10, steady(4), false)).toEqual([
      { at: 10, candidates: [0, 1, 2], own: 1 },
      { at: 20, candidates: [1, 2, 3], own: 2 },
    ]);
    // at the end the last sample is judged with what there is, marked as a window that could not close
    expect(run(10, steady(4)).at(-1)).toEqual({ at: 30, candidates: [2, 3], own: 3, open: true });
  });

  it('looks back `backMs`: a late live output costs no reporting time', () => {
    // back 30 ms: the sample at 40 reaches the candidate after the sample at 10, and is judged once 50 is in
    expect(run(30, steady(6), false).at(-1)).toEqual({ at: 40, candidates: [1, 2, 3, 4, 5], own: 4 });
  });

  it('waits for a scan of the next sample’s inputs when polls come faster than cycles', () => {
    const j = run(
      10,
      [
        [0, 0, null, 1],
        [5, 0, 0, 0], // no scan since the inputs were set
        [10, 1, 1, 1],
        [15, 1, 1, 0],
        [20, 2, 2, 1],
      ],
      false,
    );
    // sample 5's window ends after the sample at 15's inputs are scanned (at 20)
    expect(j.find((x) => x.at === 5)).toEqual({ at: 5, candidates: [0, 0, 1], own: 0 });
    expect(j.map((x) => x.at)).toEqual([5, 10, 15]);
  });

  it('keeps one sample either side when polls are slower than the allowance', () => {
    expect(
      run(10, [
        [0, 0, null],
        [50, 5, 5],
        [100, 10, 10],
        [150, 15, 15],
      ]),
    ).toEqual([
      { at: 50, candidates: [0, 5, 10], own: 5 },
      { at: 100, candidates: [5, 10, 15], own: 10 },
      { at: 150, candidates: [10, 15], own: 15, open: true },
    ]);
  });

  it('judges nothing from before a clear (a comm loss), and goes on from the next seed', () => {
    const judged: number[] = [];
    const w = new LatencyWindow<string>(10, (j) => judged.push(j.at));
    const add = (at: number, v: number, judgedToo: boolean) =>
      w.add({
        at,
        fed: at,
        scanned: at + 10,
        outputs: new Map([['Q', v]]),
        live: judgedToo ? new Map([['Q', v]]) : null,
      });
    add(0, 0, false);
    add(10, 1, true);
    w.clear();
    add(40, 4, false);
    add(50, 5, true);
    add(60, 6, true);
    w.finish();
    expect(judged).toEqual([50, 60]);
  });

  it('does not keep every sample of a long run', () => {
    const w = new LatencyWindow<string>(20, () => {});
    for (let t = 0; t < 100_000; t += 10)
      w.add({ at: t, fed: t, scanned: t + 10, outputs: new Map([['Q', t]]), live: new Map([['Q', t]]) });
    expect((w as unknown as { entries: unknown[] }).entries.length).toBeLessThan(10);
  });
});

describe('LatencyWindow, outputs read before inputs (ADR 0143)', () => {
  it('judges an ordered sample once the candidate scanned its own inputs, not the next one', () => {
    // no finish: every sample is judged as it comes, its window ending at its own scans
    expect(run(10, steady(4), false, true)).toEqual([
      { at: 10, candidates: [0, 1], own: 1 },
      { at: 20, candidates: [1, 2], own: 2 },
      { at: 30, candidates: [2, 3], own: 3 },
    ]);
  });

  it('a live output a scan behind (the PLC scans late) still agrees: the back part is kept', () => {
    const j = run(
      20,
      [
        [0, 0, null],
        [10, 1, 0],
        [20, 2, 1],
        [30, 3, 2],
      ],
      false,
      true,
    );
    // each live value (the candidate's output of the sample before) is among its candidates
    expect(j.map((x) => x.candidates.includes(x.at / 10 - 1))).toEqual([true, true, true]);
    expect(j.map((x) => x.at)).toEqual([10, 20, 30]);
  });

  it('judges at once, offering the scans ahead, when the candidate has not scanned its inputs yet', () => {
    const judged: { at: number; candidates: number[]; ahead: boolean }[] = [];
    const w = new LatencyWindow<string>(10, (j) =>
      judged.push({ at: j.at, candidates: j.candidates.map((c) => c.get('Q') as number), ahead: !!j.ahead }),
    );
    const m = (q: number) => new Map([['Q', q]]);
    w.add({ at: 0, fed: 0, scanned: 10, outputs: m(0), live: null });
    // a poll within a cycle: fed, not scanned; the live 1 may be these inputs' output, in `ahead`
    w.add({ at: 5, fed: 10, scanned: 10, outputs: m(0), live: m(1), ordered: true, ahead: () => [m(1)] });
    expect(judged).toEqual([{ at: 5, candidates: [0, 0], ahead: true }]);
  });

  it('reaches back `back` ms for a sample after an input change read after a long gap (ADR 0145)', () => {
    const judged: number[][] = [];
    const w = new LatencyWindow<string>(10, (j) =>
      judged.push(j.candidates.map((c) => c.get('Q') as number)),
    );
    const m = (q: number) => new Map([['Q', q]]);
    w.add({ at: 0, fed: 0, scanned: 10, outputs: m(0), live: null });
    for (let k = 1; k < 8; k++)
      w.add({
        at: k * 10,
        fed: k * 10,
        scanned: k * 10 + 10,
        outputs: m(k),
        live: m(k),
        ordered: true,
        // from the sample at 50 on: a change read 40 ms after the read before it
        ...(k >= 5 ? { back: 40 } : {}),
      });
    expect(judged[3]).toEqual([3, 4]);
    // the candidate may have taken the change up to 40 ms before the live PLC: its outputs since 30 count
    expect(judged[6]).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('LatencyWindow, a catch-up of several scans (F1)', () => {
  it('offers the outputs after each scan of a catch-up, not only the last', () => {
    const judged: number[][] = [];
    const w = new LatencyWindow<string>(20, (j) =>
      judged.push(j.candidates.map((c) => c.get('Q') as number)),
    );
    const m = (q: number) => new Map([['Q', q]]);
    w.add({ at: 0, fed: 0, scanned: 10, outputs: m(1), live: null });
    // a late poll: three scans (Q 2, 3, 4); the live PLC showed 3, between two samples
    w.add({ at: 40, fed: 10, scanned: 40, outputs: m(4), live: m(3), steps: [m(2), m(3)] });
    w.add({ at: 50, fed: 40, scanned: 50, outputs: m(5), live: m(5) });
    w.finish();
    expect(judged[0]).toEqual([1, 2, 3, 4, 5]);
  });
});

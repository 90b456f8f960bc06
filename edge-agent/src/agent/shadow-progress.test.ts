import { describe, expect, it } from 'vitest';
import type { ShadowReport } from '../shadow';
import { judgedSeconds, mergeSegments, unjudgedOf } from './shadow-progress';
import { inconclusiveEnd } from './shadow-runs';

/** A segment's report with the figures a test names; `unjudged` only when given. */
const segment = (over: Partial<ShadowReport> = {}): ShadowReport => {
  const base: Omit<ShadowReport, 'unjudged'> = {
    seconds: 10,
    samples: 100,
    compared: 90,
    divergences: [],
    coverage: {
      inputs: { total: 1, varied: 1, unvaried: [] },
      boolOutputs: { total: 1, toggled: 1, untoggled: [] },
      timers: { total: 0, completed: 0, notCompleted: [] },
      branches: null,
      caseArms: null,
    },
    commLoss: null,
    mode: 'poll',
    comparisonsPerSecond: 10,
    cycleMs: 10,
    pollMs: { target: 100, mean: 100, max: 120 },
    subscription: null,
    latencyMs: 30,
    commLossMs: { least: 1000, longest: 3000 },
    late: 0,
    scans: 1000,
    tags: { inputs: 1, outputs: 1, state: 0, ignored: [], unbound: [] },
    fault: null,
    cpuShare: 0.1,
  };
  return { ...base, ...over } as ShadowReport;
};

const why = (o: Partial<Record<string, number>>) => ({
  seed: 0,
  late: 0,
  torn: 0,
  settling: 0,
  commLoss: 0,
  overflow: 0,
  burst: 0,
  end: 0,
  ...o,
});

describe('merging the segments of a resumed or extended run', () => {
  it("sums the unjudged samples, their disagreements and each reason (not the last segment's only)", () => {
    const a = segment({
      unjudged: { samples: 10, disagreed: 2, why: why({ seed: 1, late: 7, settling: 2 }) },
    });
    const b = segment({ unjudged: { samples: 10, disagreed: 1, why: why({ seed: 1, burst: 8, end: 1 }) } });
    const merged = mergeSegments(a, b);
    expect(merged.samples).toBe(200);
    expect(merged.compared).toBe(180);
    expect(unjudgedOf(merged)).toEqual({
      samples: 20,
      disagreed: 3,
      why: why({ seed: 2, late: 7, settling: 2, burst: 8, end: 1 }),
    });
    // The segments are not changed: a checkpoint merges the same prior again and again.
    expect(unjudgedOf(a)?.samples).toBe(10);
    expect(mergeSegments(merged, b).samples).toBe(300);
    expect(unjudgedOf(mergeSegments(merged, b))?.disagreed).toBe(4);
  });

  it("keeps a segment's unjudged samples when the other does not say (progress kept by an older agent)", () => {
    const old = segment();
    const cur = segment({ unjudged: { samples: 5, disagreed: 1, why: why({ seed: 1, late: 4 }) } });
    expect(unjudgedOf(mergeSegments(old, cur))).toEqual(unjudgedOf(cur));
    expect(unjudgedOf(mergeSegments(cur, old))).toEqual(unjudgedOf(cur));
    expect(unjudgedOf(mergeSegments(old, segment()))).toBeUndefined();
  });

  it('counts judged time as the share of samples judged; a report that does not say counts its seconds', () => {
    expect(judgedSeconds(segment({ unjudged: { samples: 10, disagreed: 0, why: why({ seed: 10 }) } }))).toBe(
      9,
    );
    expect(judgedSeconds(segment())).toBe(10);
    expect(
      judgedSeconds(
        segment({ samples: 0, compared: 0, unjudged: { samples: 0, disagreed: 0, why: why({}) } }),
      ),
    ).toBe(0);
  });
});

describe('the end of a candidate run that judged its duration', () => {
  const pump = (count: number) => ({
    tag: 'Pump',
    first: '2026-12-06T09:00:00.000Z',
    count,
    live: true,
    shadow: false,
  });
  it('is inconclusive (not passed) when its unconfirmed disagreements could take it over the limit (ADR 0159)', () => {
    const unsure = segment({ unjudged: { samples: 3, disagreed: 2, why: why({ late: 2, seed: 1 }) } });
    expect(inconclusiveEnd({ minDurationMs: 10_000, maxDivergences: 0 }, unsure)).toBe(
      'inconclusive: 2 disagreement(s) not confirmed (live outputs differed on samples the run could not judge; at most 0 divergence(s) allowed)',
    );
    // Within the limit even if both were divergences: it passes.
    expect(inconclusiveEnd({ minDurationMs: 10_000, maxDivergences: 2 }, unsure)).toBeNull();
    // One confirmed and one not, over a limit of 1.
    const one = segment({
      divergences: [pump(1)],
      unjudged: { samples: 1, disagreed: 1, why: why({ late: 1 }) },
    });
    expect(inconclusiveEnd({ minDurationMs: 10_000, maxDivergences: 1 }, one)).toMatch(/^inconclusive: 1 /);
    // None disagreed, or a runner that does not say: passes.
    expect(inconclusiveEnd({ minDurationMs: 10_000, maxDivergences: 0 }, segment())).toBeNull();
  });
});

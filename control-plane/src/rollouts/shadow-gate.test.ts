import { Phase, type ShadowReportView } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { judgedSeconds, judgeShadowRun, shadowRequirement, silenceLimitMs } from './shadow-gate';

const gate = { minDuration: 60_000, maxDivergences: 1, when: 'before-approval' as const };
const now = Date.parse('2026-12-06T09:00:00.000Z');
const now0 = '2026-12-06T08:59:30.000Z';
const run = (over: Partial<ShadowReportView>): ShadowReportView => ({
  shadowId: 'shd-1',
  kind: 'candidate',
  site: 's1',
  jobId: 'job-1',
  rolloutId: 'ro-1',
  state: 'running',
  startedAt: '2026-12-06T08:59:00.000Z',
  durationMs: 60_000,
  seconds: 10,
  samples: 500,
  compared: 499,
  divergences: [],
  commLoss: null,
  fault: null,
  reason: '',
  coverage: null,
  agentId: 'agt-1',
  receivedAt: new Date(now - 1000).toISOString(),
  ...over,
});
const pump = (count: number) => ({
  tag: 'Pump',
  first: '2026-12-06T08:59:30.000Z',
  count,
  live: true,
  shadow: false,
});

describe('a shadow run against its gate', () => {
  it('waits for a run that is missing or running, and passes one that ran its time within the limit', () => {
    expect(judgeShadowRun(gate, undefined, now)).toEqual({ kind: 'missing' });
    expect(judgeShadowRun(gate, run({}), now)).toEqual({ kind: 'running', seconds: 10 });
    expect(judgeShadowRun(gate, run({ state: 'passed', seconds: 60, divergences: [pump(1)] }), now)).toEqual({
      kind: 'passed',
    });
  });

  it('fails a run over the divergence limit, naming the tag, even while it runs', () => {
    const failed = judgeShadowRun(gate, run({ divergences: [pump(2)] }), now);
    expect(failed).toEqual({
      kind: 'failed',
      why: 'Pump diverged in 2 sample(s) from 2026-12-06T08:59:30.000Z (live true, shadow false), at most 1 allowed',
    });
    expect(judgeShadowRun(gate, run({ state: 'diverged', divergences: [pump(1)] }), now).kind).toBe('failed');
  });

  it('fails closed: a run that could not run, ran short, or went silent', () => {
    expect(judgeShadowRun(gate, run({ state: 'failed', reason: 'PLC unreachable' }), now)).toEqual({
      kind: 'failed',
      why: 'PLC unreachable',
    });
    expect(judgeShadowRun(gate, run({ state: 'passed', seconds: 30 }), now)).toEqual({
      kind: 'failed',
      why: 'ran 30 s of the 60 s required',
    });
    // A run that judged no sample proved nothing, whatever state an older agent gave it.
    expect(judgeShadowRun(gate, run({ state: 'passed', seconds: 60, compared: 0 }), now)).toEqual({
      kind: 'failed',
      why: 'nothing compared: 0 of 500 sample(s) judged',
    });
    expect(judgeShadowRun(gate, run({ compared: 0 }), now)).toEqual({ kind: 'running', seconds: 10 });
    // Ten reports a run, one every 6 s here: silent for 3 of them and 30 s more is a stopped agent.
    expect(silenceLimitMs(60_000)).toBe(48_000);
    const silent = run({ receivedAt: new Date(now - 49_000).toISOString() });
    expect(judgeShadowRun(gate, silent, now)).toEqual({
      kind: 'failed',
      why: 'no report from the agent for 49 s while its run was at 10 s (the agent stopped?)',
    });
  });

  it('holds a run whose unconfirmed disagreements could take it over the limit: inconclusive, not passed (ADR 0159)', () => {
    const g0 = { ...gate, maxDivergences: 0 };
    const unsure = { samples: 50, disagreed: 2 };
    const inconclusive = {
      kind: 'inconclusive',
      disagreed: 2,
      why: 'inconclusive: 2 disagreement(s) not confirmed (judged 54 s (450 of 500 sample(s)) in 60 s; at most 0 divergence(s) allowed)',
    };
    const full = { seconds: 60, samples: 500, compared: 450, unjudged: unsure };
    // As an agent ends it (`failed`, so nothing deploys on it), and as one that says `passed`.
    expect(judgeShadowRun({ ...g0, minDuration: 54_000 }, run({ ...full, state: 'failed' }), now)).toEqual(
      inconclusive,
    );
    expect(judgeShadowRun({ ...g0, minDuration: 54_000 }, run({ ...full, state: 'passed' }), now).kind).toBe(
      'inconclusive',
    );
    // Within the limit even if every one was a divergence: it passes.
    expect(
      judgeShadowRun(
        { ...gate, maxDivergences: 2, minDuration: 54_000 },
        run({ ...full, state: 'passed' }),
        now,
      ),
    ).toEqual({ kind: 'passed' });
    // One confirmed and one not, over a limit of 1: inconclusive; two confirmed: failed.
    expect(
      judgeShadowRun(
        { ...gate, minDuration: 54_000 },
        run({ ...full, state: 'passed', divergences: [pump(1)], unjudged: { samples: 50, disagreed: 1 } }),
        now,
      ).kind,
    ).toBe('inconclusive');
    // A run that failed for what its figures show (a comm loss) fails with its reason.
    const lost = { count: 1, first: now0, last: now0, error: 'ECONNRESET' };
    expect(
      judgeShadowRun(g0, run({ ...full, state: 'failed', commLoss: lost, reason: 'comm loss' }), now),
    ).toEqual({ kind: 'failed', why: 'comm loss' });
    // While it runs it waits (a running report has no figures to judge yet).
    expect(judgeShadowRun(g0, run({ unjudged: unsure }), now)).toEqual({ kind: 'running', seconds: 10 });
  });

  it('counts judged time against minDuration, not wall time; a report without `unjudged` counts its seconds (ADR 0159)', () => {
    // 60 s run, half of its samples judged: 30 s of evidence, 60 s required.
    const half = run({
      state: 'passed',
      seconds: 60,
      samples: 500,
      compared: 250,
      unjudged: { samples: 250, disagreed: 0 },
    });
    expect(judgeShadowRun(gate, half, now)).toEqual({
      kind: 'failed',
      why: 'judged 30 s (250 of 500 sample(s)) in 60 s, 60 s required',
    });
    expect(judgedSeconds(half)).toBe(30);
    // Run on until it judged 60 s: it passes.
    const long = run({
      state: 'passed',
      seconds: 120,
      samples: 1000,
      compared: 500,
      unjudged: { samples: 500, disagreed: 0 },
    });
    expect(judgeShadowRun(gate, long, now)).toEqual({ kind: 'passed' });
    // An older agent's report (no `unjudged`): its wall seconds, as before.
    const old = run({ state: 'passed', seconds: 60, samples: 500, compared: 250 });
    expect(judgedSeconds(old)).toBe(60);
    expect(judgeShadowRun(gate, old, now)).toEqual({ kind: 'passed' });
  });

  it('asks the agent in the bundle before approval, in the deploy order after it, capped at 7 days', () => {
    const phase = Phase.parse({ name: 'p', select: { rest: true }, shadow: { ...gate, minDuration: '30d' } });
    expect(shadowRequirement(phase, 'before-approval')).toEqual({
      minDurationMs: 7 * 86_400_000,
      maxDivergences: 1,
    });
    expect(shadowRequirement(phase, 'after-approval')).toBeUndefined();
    expect(shadowRequirement(undefined, 'before-approval')).toBeUndefined();
  });
});

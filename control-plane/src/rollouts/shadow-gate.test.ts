import { Phase, type ShadowReportView } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { judgeShadowRun, shadowRequirement, silenceLimitMs } from './shadow-gate';

const gate = { minDuration: 60_000, maxDivergences: 1, when: 'before-approval' as const };
const now = Date.parse('2026-12-06T09:00:00.000Z');
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

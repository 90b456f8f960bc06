import { Phase } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { describeFigures, evaluateGates, type PhaseFigures, startsAllowed } from './gates';

const phase = (gates: Record<string, unknown> = {}) =>
  Phase.parse({ name: 'p', select: { rest: true }, gates });
const figs = (f: Partial<PhaseFigures>): PhaseFigures => ({
  total: 10,
  done: 0,
  passed: 0,
  failed: 0,
  skipped: 0,
  safety: 0,
  inFlight: 0,
  ...f,
});
const ctx = { now: 10_000, phaseStartedAt: 0, lastFinishedAt: 9_000 };

describe('evaluateGates', () => {
  it('halts at the first safety failure, before the sample is complete', () => {
    expect(evaluateGates(phase({ minSample: 5 }), figs({ done: 1, failed: 1, safety: 1 }), ctx)).toEqual({
      kind: 'halt',
      why: '1 safety failure(s), at most 0 allowed',
    });
    expect(
      evaluateGates(
        phase({ maxSafetyFailures: 1, maxFailurePercent: 100 }),
        figs({ done: 1, failed: 1, safety: 1 }),
        ctx,
      ).kind,
    ).toBe('continue');
  });

  it('judges the failure rate only once minSample sites are done', () => {
    const g = phase({ minSample: 4, maxFailurePercent: 25 });
    expect(evaluateGates(g, figs({ done: 3, failed: 2 }), ctx).kind).toBe('continue');
    expect(evaluateGates(g, figs({ done: 4, failed: 1 }), ctx).kind).toBe('continue');
    expect(evaluateGates(g, figs({ done: 4, failed: 2 }), ctx)).toEqual({
      kind: 'halt',
      why: 'failure rate 50% over the 25% limit',
    });
  });

  it('counts skipped sites as done but not failed', () => {
    expect(evaluateGates(phase(), figs({ total: 2, done: 2, skipped: 2 }), ctx).kind).toBe('promote');
  });

  it('pauses at the deadline, and when the phase ends inconclusive', () => {
    expect(evaluateGates(phase({ deadline: '5s' }), figs({ done: 2 }), ctx)).toMatchObject({ kind: 'pause' });
    expect(evaluateGates(phase({ minSample: 3 }), figs({ total: 2, done: 2, passed: 2 }), ctx)).toEqual({
      kind: 'pause',
      why: 'inconclusive: 2 result(s), 3 needed',
    });
  });

  it('soaks after the last verdict, then waits for a person, then promotes', () => {
    const done = figs({ total: 2, done: 2, passed: 2 });
    expect(evaluateGates(phase({ soak: '5s' }), done, ctx)).toEqual({ kind: 'soak', until: 14_000 });
    expect(evaluateGates(phase({ soak: '1s' }), done, ctx).kind).toBe('promote');
    expect(evaluateGates(phase({ requireApproval: true }), done, ctx).kind).toBe('await-approval');
    expect(evaluateGates(phase(), figs({ total: 0 }), ctx).kind).toBe('promote');
  });

  it('describes the figures in one line', () => {
    expect(describeFigures(0, 'canary', figs({ total: 5, done: 5, passed: 5 }))).toBe(
      'phase 1 (canary): 5/5 done, 0 failed, 0 safety',
    );
  });
});

describe('startsAllowed', () => {
  const rated = (startRate: Record<string, unknown>) =>
    Phase.parse({ name: 'p', select: { rest: true }, startRate });
  it('is unlimited without a start rate', () => {
    expect(startsAllowed(phase(), 0, 1000)).toBe(Number.POSITIVE_INFINITY);
  });
  it('keeps a constant rate per minute', () => {
    expect(startsAllowed(rated({ perMinute: 5 }), 100, 0)).toBe(5);
    expect(startsAllowed(rated({ perMinute: 5 }), 100, 3)).toBe(2);
    expect(startsAllowed(rated({ perMinute: 5 }), 100, 9)).toBe(0);
  });
  it('raises the rate exponentially only as sites pass, up to the cap', () => {
    const p = rated({ perMinute: 2, incrementFactor: 2, increaseEvery: 3, maxPerMinute: 10 });
    expect(startsAllowed(p, 0, 0)).toBe(2);
    expect(startsAllowed(p, 2, 0)).toBe(2);
    expect(startsAllowed(p, 3, 0)).toBe(4);
    expect(startsAllowed(p, 6, 1)).toBe(7);
    expect(startsAllowed(p, 30, 0)).toBe(10);
  });
});

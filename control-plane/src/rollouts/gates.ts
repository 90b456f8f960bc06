import type { Phase } from '@plcfleet/protocols';

/** The numbers of one phase that its gates are judged on. */
export interface PhaseFigures {
  /** Sites in the phase. */
  total: number;
  /** Sites with a final result (passed, failed, skipped, error). */
  done: number;
  passed: number;
  /** Failed or error. */
  failed: number;
  skipped: number;
  /** Verdicts with a safety failure. */
  safety: number;
  /** Offered or running. */
  inFlight: number;
}

/** What the engine does next with a phase. */
export type PhaseDecision =
  | { kind: 'continue' }
  | { kind: 'halt'; why: string }
  | { kind: 'pause'; why: string }
  | { kind: 'soak'; until: number }
  | { kind: 'await-approval' }
  | { kind: 'promote' };

/** Context of a judgement. */
export interface GateContext {
  now: number;
  phaseStartedAt: number;
  /** When the last site of the phase finished. */
  lastFinishedAt: number | null;
}

/** The one-line account of a decision: `phase 1 (canary): 5/5 done, 0 failed, 0 safety`. */
export function describeFigures(index: number, name: string, f: PhaseFigures): string {
  return `phase ${index + 1} (${name}): ${f.done}/${f.total} done, ${f.failed} failed, ${f.safety} safety`;
}

/**
 * Judges a phase's gates (ADR 0003). In order: safety failures over the limit
 * halt at once; a failure rate over the limit, once `minSample` sites are done,
 * halts; an unfinished phase continues (or pauses at its deadline); a finished
 * phase with fewer than `minSample` results is inconclusive and pauses; then
 * soak, then manual approval, then promote.
 */
export function evaluateGates(phase: Phase, f: PhaseFigures, ctx: GateContext): PhaseDecision {
  const g = phase.gates;
  if (f.safety > g.maxSafetyFailures)
    return { kind: 'halt', why: `${f.safety} safety failure(s), at most ${g.maxSafetyFailures} allowed` };
  if (f.done > 0 && f.done >= g.minSample) {
    const rate = (f.failed / f.done) * 100;
    if (rate > g.maxFailurePercent)
      return {
        kind: 'halt',
        why: `failure rate ${round(rate)}% over the ${g.maxFailurePercent}% limit`,
      };
  }
  if (f.done < f.total) {
    if (g.deadline !== undefined && ctx.now >= ctx.phaseStartedAt + g.deadline)
      return {
        kind: 'pause',
        why: `deadline of ${g.deadline} ms passed with ${f.total - f.done} site(s) unfinished`,
      };
    return { kind: 'continue' };
  }
  if (f.total > 0 && f.done < g.minSample)
    return { kind: 'pause', why: `inconclusive: ${f.done} result(s), ${g.minSample} needed` };
  const soakEnd = (ctx.lastFinishedAt ?? ctx.phaseStartedAt) + g.soak;
  if (g.soak > 0 && ctx.now < soakEnd) return { kind: 'soak', until: soakEnd };
  if (g.requireApproval) return { kind: 'await-approval' };
  return { kind: 'promote' };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * How many more sites of a phase may start now under its `startRate` (Infinity without
 * one): the rate — `perMinute`, times `incrementFactor` for every `increaseEvery` sites
 * that passed, capped at `maxPerMinute` — less the sites started in the last minute.
 */
export function startsAllowed(phase: Phase, passed: number, startedLastMinute: number): number {
  const r = phase.startRate;
  if (!r) return Number.POSITIVE_INFINITY;
  const raised = r.perMinute * r.incrementFactor ** Math.floor(passed / r.increaseEvery);
  const rate = Math.floor(Math.min(raised, r.maxPerMinute ?? Number.POSITIVE_INFINITY));
  return Math.max(0, rate - startedLastMinute);
}

import { phaseFigures } from '../jobs/job.repository';
import type { Db } from '../store/database';
import { evaluateGates, type PhaseDecision, type PhaseFigures } from './gates';
import { type PhaseOutcomes, phaseOutcomes } from './phase-outcomes';
import type { RolloutRecord } from './rollout.repository';

/** A phase judged now: the figures its gates read, its deploy outcomes and what the gates decide. */
export interface PhaseJudgement {
  figures: PhaseFigures & { lastFinishedAt: string | null };
  outcomes: PhaseOutcomes;
  decision: PhaseDecision;
}

/**
 * Judges phase `index` of rollout `r` at `now`: the verdict gates (`evaluateGates`,
 * ADR 0003) over the phase's figures, then its deploys — more rollbacks than
 * `maxRollbacks` halt (ADR 0028). The one place the gate context is built: the
 * engine acts on this, the allowed actions and the progress view show it.
 */
export async function judgePhase(
  db: Db,
  r: RolloutRecord,
  index: number,
  now = Date.now(),
): Promise<PhaseJudgement> {
  const phase = r.plan.phases[index];
  if (!phase) throw new Error(`rollout ${r.id} has no phase ${index + 1}`);
  const figures = await phaseFigures(db, r.id, index);
  const outcomes = await phaseOutcomes(db, r.id, index, phase, now);
  const { lastFinishedAt, ...counted } = figures;
  let decision = evaluateGates(phase, counted, {
    now,
    phaseStartedAt: r.phaseStartedAt ? Date.parse(r.phaseStartedAt) : now,
    lastFinishedAt: lastFinishedAt ? Date.parse(lastFinishedAt) : null,
  });
  const rolledBack = outcomes.counts.rolledBack;
  if (decision.kind !== 'halt' && rolledBack > phase.gates.maxRollbacks)
    decision = {
      kind: 'halt',
      why: `${rolledBack} deploy(s) rolled back, at most ${phase.gates.maxRollbacks} allowed`,
    };
  return { figures, outcomes, decision };
}

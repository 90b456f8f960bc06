import type { PhaseOutcomeCounts } from '@plcfleet/protocols';
import { listStageReports } from '../agents/stage-report.repository';
import { phaseFigures } from '../jobs/job.repository';
import type { Db } from '../store/database';
import { evaluateGates, type PhaseDecision, type PhaseFigures } from './gates';
import { type PhaseOutcomes, phaseOutcomes } from './phase-outcomes';
import type { RolloutRecord } from './rollout.repository';
import { judgeShadowGate, type ShadowGate } from './shadow-gate';

/** A phase judged now: the figures its gates read, its deploy outcomes and what the gates decide. */
export interface PhaseJudgement {
  figures: PhaseFigures & { lastFinishedAt: string | null };
  outcomes: PhaseOutcomes;
  decision: PhaseDecision;
  /** What the stage-report gate still waits for (`maxStageDivergences`), or null. */
  stageWait: string | null;
  /** The phase's shadow gate (its failure is already the decision's halt). */
  shadow: ShadowGate;
}

/**
 * The stage-report gate of a protocol-cutover phase: each site's highest divergence count
 * in its stage reports for the rollout's migration since the phase started, summed; and the
 * sites that have not reported since `soak` after the phase's start.
 */
async function stageFigures(
  db: Db,
  r: RolloutRecord,
  index: number,
  since: number,
  soak: number,
): Promise<{ divergences: number; waiting: number; sites: number }> {
  const sites = await db
    .selectFrom('jobs')
    .select('site')
    .distinct()
    .where('rollout_id', '=', r.id)
    .where('phase_index', '=', index)
    .where('state', 'not in', ['retried', 'cancelled'])
    .execute();
  let divergences = 0;
  let waiting = 0;
  for (const { site } of sites) {
    const reports = (await listStageReports(db, { site, migrationId: r.migrationId, limit: 1000 })).filter(
      (x) => Date.parse(x.at) >= since,
    );
    // Figures are as the agent sent them (validated on receipt): a count, or nothing to add.
    divergences += Math.max(
      0,
      ...reports.map((x) => Number((x.figures as { divergences?: unknown }).divergences) || 0),
    );
    if (!reports.some((x) => Date.parse(x.at) >= since + soak)) waiting++;
  }
  return { divergences, waiting, sites: sites.length };
}

/**
 * Rolled-back sites of phase `index` as the deploy outcomes count them, read in full only
 * when the rollout has a rolled-back deploy at all (one indexed probe): the engine judges
 * every tick, and the outcomes of a 10,000-site phase are a join over all of its jobs.
 */
async function rolledBackSites(
  db: Db,
  r: RolloutRecord,
  index: number,
  now: number,
): Promise<Pick<PhaseOutcomeCounts, 'rolledBack' | 'rolledBackInconclusive'>> {
  const any = await db
    .selectFrom('deploys')
    .select('id')
    .where('rollout_id', '=', r.id)
    .where('state', '=', 'rolled-back')
    .limit(1)
    .executeTakeFirst();
  if (!any) return { rolledBack: 0, rolledBackInconclusive: 0 };
  return (await phaseOutcomes(db, r.id, index, r.plan.phases[index]!, now)).counts;
}

/**
 * Judges phase `index` of rollout `r` at `now`: the verdict gates (`evaluateGates`,
 * ADR 0003) over the phase's figures, then its deploys — more rollbacks than
 * `maxRollbacks` halt (ADR 0028), and so does a shadow gate that failed. The one place the gate context is built: the
 * engine acts on this, the allowed actions and the progress view show it. The engine,
 * which does not show the deploy outcomes, asks without them (`{ outcomes: false }`).
 */
export async function judgePhase(
  db: Db,
  r: RolloutRecord,
  index: number,
  now?: number,
): Promise<PhaseJudgement>;
export async function judgePhase(
  db: Db,
  r: RolloutRecord,
  index: number,
  now: number,
  options: { outcomes: false },
): Promise<Omit<PhaseJudgement, 'outcomes'>>;
export async function judgePhase(
  db: Db,
  r: RolloutRecord,
  index: number,
  now = Date.now(),
  options: { outcomes?: boolean } = {},
): Promise<Omit<PhaseJudgement, 'outcomes'> & { outcomes?: PhaseOutcomes }> {
  const phase = r.plan.phases[index];
  if (!phase) throw new Error(`rollout ${r.id} has no phase ${index + 1}`);
  const figures = await phaseFigures(db, r.id, index);
  const outcomes = options.outcomes === false ? undefined : await phaseOutcomes(db, r.id, index, phase, now);
  const { lastFinishedAt, ...counted } = figures;
  let decision = evaluateGates(phase, counted, {
    now,
    phaseStartedAt: r.phaseStartedAt ? Date.parse(r.phaseStartedAt) : now,
    lastFinishedAt: lastFinishedAt ? Date.parse(lastFinishedAt) : null,
  });
  const { rolledBack, rolledBackInconclusive } = outcomes
    ? outcomes.counts
    : await rolledBackSites(db, r, index, now);
  if (decision.kind !== 'halt' && rolledBack > phase.gates.maxRollbacks)
    decision = {
      kind: 'halt',
      // An inconclusive rollback counts like any (ADR 0179); saying how many were lets a person
      // tell a change that misbehaved from a watch that could not judge it.
      why:
        `${rolledBack} deploy(s) rolled back, at most ${phase.gates.maxRollbacks} allowed` +
        (rolledBackInconclusive
          ? ` (${rolledBackInconclusive} of them inconclusive: the watch could not show the change behaves)`
          : ''),
    };
  let stageWait: string | null = null;
  const maxStage = phase.gates.maxStageDivergences;
  if (maxStage !== undefined) {
    const start = r.phaseStartedAt ? Date.parse(r.phaseStartedAt) : now;
    const st = await stageFigures(db, r, index, start, phase.gates.soak);
    if (decision.kind !== 'halt' && st.divergences > maxStage)
      decision = {
        kind: 'halt',
        why: `stage reports count ${st.divergences} divergence(s), at most ${maxStage} allowed`,
      };
    else if (st.waiting > 0)
      stageWait = `stage reports: ${st.waiting} of ${st.sites} site(s) not reported over the soak yet`;
  }
  // Shadow gate (issue #21): a candidate that diverged beyond the limit halts, whatever else waits.
  const shadow = await judgeShadowGate(db, r.id, index, phase, now);
  if (decision.kind !== 'halt' && shadow.fail) decision = { kind: 'halt', why: shadow.fail };
  return { figures, ...(outcomes ? { outcomes } : {}), decision, stageWait, shadow };
}

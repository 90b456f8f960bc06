import type { PhaseOutcomeView, PhaseStatus, PhaseWait, RolloutProgress } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { judgePhase } from './phase-judgement';
import { deployWaits, describeOutcomes, type PhaseOutcomes, waitsForDeploys } from './phase-outcomes';
import type { RolloutRecord } from './rollout.repository';
import { shadowHeldSites } from './shadow-gate';

/** The deploy side's status: watching when only watches are left, else awaiting deploy, else done. */
function deployStatus(o: PhaseOutcomes): PhaseStatus {
  if (o.settled) return 'done';
  if (o.awaitingApproval + o.awaitingDeploy + o.stuck === 0 && o.watching > 0) return 'watching';
  return 'awaiting-deploy';
}

/**
 * Every phase of rollout `r` with its deploy outcomes and what it waits for (ADR 0028).
 * The rollout's own state wins where it stops the phase (paused, halted, aborted), so a
 * paused rollout never shows a phase as dispatching.
 */
export async function rolloutProgress(db: Db, r: RolloutRecord, now = Date.now()): Promise<RolloutProgress> {
  const phases: PhaseOutcomeView[] = [];
  let settled = true;
  for (const [index, phase] of r.plan.phases.entries()) {
    const started = r.state !== 'pending' && index <= r.phaseIndex;
    const { figures, outcomes, decision, stageWait, shadow } = await judgePhase(db, r, index, now);
    if (!outcomes.settled || !started) settled = false;
    let status: PhaseStatus;
    let waitsFor: PhaseWait[] = [];
    if (!started) status = r.state === 'aborted' ? 'aborted' : 'not-started';
    else if (index < r.phaseIndex || r.state === 'completed') {
      status = deployStatus(outcomes);
      waitsFor = r.state === 'completed' ? [] : deployWaits(outcomes);
    } else if (r.state === 'aborted') status = 'aborted';
    else if (r.state === 'halted') {
      status = 'halted';
      waitsFor = ['retry-or-close'];
    } else if (r.state === 'paused') {
      status = 'paused';
      waitsFor = ['resume'];
    } else
      switch (decision.kind) {
        case 'continue': {
          status = 'dispatching';
          const queued = figures.total - figures.done - figures.inFlight;
          waitsFor =
            phase.respectMaintenanceWindows && figures.inFlight === 0 && queued > 0
              ? ['window']
              : ['verdicts'];
          break;
        }
        case 'soak':
          status = 'soaking';
          waitsFor = ['soak'];
          break;
        case 'await-approval':
          status = 'awaiting-approval';
          waitsFor = ['approval'];
          break;
        case 'halt':
        case 'pause':
          // The engine acts on this at its next tick.
          status = decision.kind === 'halt' ? 'halted' : 'paused';
          break;
        case 'promote': {
          if (stageWait) {
            status = 'soaking';
            waitsFor = ['soak'];
            break;
          }
          if (shadow.wait) {
            status = 'awaiting-shadow';
            waitsFor = shadow.awaitingApproval > 0 ? ['approval', 'shadow'] : ['shadow'];
            break;
          }
          const last = index === r.plan.phases.length - 1;
          status = waitsForDeploys(phase, last, r.plan.until) ? deployStatus(outcomes) : 'done';
          waitsFor = status === 'done' ? [] : deployWaits(outcomes);
          break;
        }
      }
    // Work an old agent would run without its shadow gate is held: say whom it waits for.
    const held =
      started && !['halted', 'aborted', 'done'].includes(status)
        ? await shadowHeldSites(db, r.id, index, phase)
        : [];
    if (held.length) waitsFor = [...waitsFor, 'agent-upgrade'];
    const counts = outcomes.counts;
    phases.push({
      index,
      name: phase.name,
      status,
      waitsFor,
      summary:
        describeOutcomes(counts) +
        (waitsFor.length ? `; waits for ${waitsFor.join(', ')}` : '') +
        (held.length ? `; held: ${held.join('; ')}` : ''),
      counts,
      shadow: shadow.line,
      held,
    });
  }
  return { rolloutId: r.id, settled, phases };
}

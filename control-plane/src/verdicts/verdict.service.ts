import type { Verdict } from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { type Context, type PendingEvents, publishAll } from '../context';
import { fail } from '../errors';
import { FINAL_STATES, getJob, setJobState } from '../jobs/job.repository';
import { getSafetyClass } from '../migrations/migration.repository';
import { insertChangeRequest } from '../reviews/change-request.repository';
import { getRolloutHeader } from '../rollouts/rollout.repository';
import type { RolloutEngine } from '../rollouts/rollout-engine';
import { insertVerdict } from './verdict.repository';

/** What became of a verdict: applied now, already applied (a resend), or recorded after its job was settled. */
export type VerdictStatus = 'applied' | 'duplicate' | 'late';

/**
 * Commits a verdict an agent reported, as one unit of a group commit (its own
 * savepoint in a transaction shared with verdicts arriving at the same time): the verdict row
 * (once per job id), the job's final state, the change request for a passed
 * change, the audit entries, and, for a failure, the gate evaluation, so a
 * safety failure halts the rollout in the same commit. Only after this returns
 * does the gateway ack the verdict.
 */
export async function commitVerdict(
  ctx: Context,
  engine: RolloutEngine,
  agent: { id: string; site: string },
  verdict: Verdict,
): Promise<{ status: VerdictStatus; offeredAt: string | null }> {
  const events: PendingEvents = [];
  const result = await ctx.writes.run(async (trx) => {
    const job = await getJob(trx, verdict.jobId);
    if (!job) fail('NOT_FOUND', `no job ${verdict.jobId}`);
    if (job.site !== agent.site || verdict.site !== agent.site)
      fail('WRONG_SITE', `job ${job.id} is for site ${job.site}; this agent serves ${agent.site}`);
    const rollout = await getRolloutHeader(trx, job.rolloutId);
    if (!rollout) fail('NOT_FOUND', `rollout ${job.rolloutId} is gone`);
    if (verdict.migrationId !== rollout.migrationId || verdict.revision !== rollout.revision)
      fail(
        'CONFLICT',
        `verdict is for ${verdict.migrationId}@${verdict.revision}; the job runs ${rollout.migrationId}@${rollout.revision}`,
      );
    if (!(await insertVerdict(trx, verdict, { rolloutId: job.rolloutId, agentId: agent.id })))
      return { status: 'duplicate' as const, offeredAt: null };
    if (FINAL_STATES.includes(job.state)) {
      // Settled meanwhile (lease ran out for good, or aborted): keep the evidence, change nothing.
      await appendAudit(trx, {
        actor: `agent:${agent.id}`,
        action: 'verdict.late',
        subjectType: 'job',
        subjectId: job.id,
        details: { site: job.site, outcome: verdict.outcome, jobState: job.state },
      });
      return { status: 'late' as const, offeredAt: null };
    }
    await setJobState(trx, job.id, ['queued', 'ready', 'offered', 'running'], {
      state: verdict.outcome,
      reason: verdict.reason,
      safetyFailure: verdict.safetyFailure,
    });
    await appendAudit(trx, {
      actor: `agent:${agent.id}`,
      action: `job.${verdict.outcome}`,
      subjectType: 'job',
      subjectId: job.id,
      details: {
        rolloutId: job.rolloutId,
        site: job.site,
        attempt: job.attempt,
        reason: verdict.reason,
        safetyFailure: verdict.safetyFailure,
        evidenceHash: verdict.evidence.evidenceHash,
      },
    });
    if (job.agentId && job.agentId !== agent.id)
      // Another agent holds a re-offer of this job (the first lease had lapsed): stop it, the work is done.
      events.push({
        type: 'job.cancel',
        jobId: job.id,
        site: job.site,
        data: { reason: 'a verdict for this job was committed' },
      });
    events.push({
      type: 'verdict.committed',
      rolloutId: job.rolloutId,
      jobId: job.id,
      site: job.site,
      data: { outcome: verdict.outcome, safetyFailure: verdict.safetyFailure, reason: verdict.reason },
    });
    if (verdict.outcome === 'passed' && verdict.evidence.diff !== '') {
      const safetyClass = await getSafetyClass(trx, rollout.migrationId, rollout.revision);
      const cr = await insertChangeRequest(trx, {
        jobId: job.id,
        rolloutId: job.rolloutId,
        site: job.site,
        migrationId: rollout.migrationId,
        revision: rollout.revision,
        // Unknown means the stricter review.
        safetyClass: safetyClass ?? 'safety-related',
        requestedBy: rollout.startedBy ?? rollout.createdBy,
        sha256Before: verdict.evidence.sha256Before,
        sha256After: verdict.evidence.sha256After,
        diff: verdict.evidence.diff,
        evidenceHash: verdict.evidence.evidenceHash,
      });
      await appendAudit(trx, {
        actor: 'engine',
        action: 'change-request.opened',
        subjectType: 'change-request',
        subjectId: cr.id,
        details: { site: job.site, jobId: job.id, safetyClass: cr.safetyClass, requestedBy: cr.requestedBy },
      });
      events.push({
        type: 'change-request.updated',
        rolloutId: job.rolloutId,
        site: job.site,
        data: { id: cr.id, state: 'open' },
      });
    }
    if (verdict.safetyFailure || verdict.outcome === 'failed' || verdict.outcome === 'error')
      await engine.stepIn(trx, job.rolloutId, events);
    return { status: 'applied' as const, offeredAt: job.offeredAt };
  });
  publishAll(ctx, events);
  if (result.status === 'applied') {
    ctx.metrics.verdictsCommitted.inc({ outcome: verdict.outcome });
    if (result.offeredAt)
      ctx.metrics.verdictLatency.observe((Date.now() - Date.parse(result.offeredAt)) / 1000);
    engine.nudge();
  }
  return result;
}

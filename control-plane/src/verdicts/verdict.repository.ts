import type { VerdictView } from '@plcfleet/protocols';
import { Verdict } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import type { VerdictsTable } from '../store/tables';
import { fromJson, nowIso } from '../util';

/** A committed verdict as the API shows it. */
export type VerdictRecord = VerdictView;

function toRecord(r: VerdictsTable): VerdictRecord {
  return {
    jobId: r.job_id,
    rolloutId: r.rollout_id,
    site: r.site,
    agentId: r.agent_id,
    outcome: r.outcome,
    safetyFailure: Number(r.safety_failure) === 1,
    reason: r.reason,
    evidenceHash: r.evidence_hash,
    receivedAt: r.received_at,
    verdict: Verdict.parse(fromJson(r.verdict)),
  };
}

/** Stores a verdict once per job; false when one is already stored (the resend of an agent's outbox). */
export async function insertVerdict(
  trx: Db,
  v: Verdict,
  meta: { rolloutId: string; agentId: string },
): Promise<boolean> {
  const r = await trx
    .insertInto('verdicts')
    .values({
      job_id: v.jobId,
      rollout_id: meta.rolloutId,
      site: v.site,
      agent_id: meta.agentId,
      outcome: v.outcome,
      safety_failure: v.safetyFailure ? 1 : 0,
      reason: v.reason,
      evidence_hash: v.evidence.evidenceHash,
      verdict: JSON.stringify(v),
      received_at: nowIso(),
    })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** The verdict of a job, or undefined. */
export async function getVerdict(db: Db, jobId: string): Promise<VerdictRecord | undefined> {
  const r = await db.selectFrom('verdicts').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Verdicts of a rollout or site. */
export async function listVerdicts(
  db: Db,
  filter: { rolloutId?: string; site?: string },
): Promise<VerdictRecord[]> {
  let q = db.selectFrom('verdicts').selectAll().orderBy('received_at');
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  return (await q.execute()).map(toRecord);
}

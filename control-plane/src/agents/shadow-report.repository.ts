import type { MessageOf, ShadowReportView, ShadowRun } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { fromJson, nowIso } from '../util';

/** Diverging samples of a run, summed over its tags. */
export function divergenceCount(r: Pick<ShadowRun, 'divergences'>): number {
  return r.divergences.reduce((n, d) => n + d.count, 0);
}

/**
 * What storing a report did: `stored`; `duplicate` (the same state again, a resend); or
 * `stale` (the run already ended: a late `running` report or another end is kept out).
 */
export type ShadowReportStatus = 'stored' | 'duplicate' | 'stale';

/**
 * Stores the latest report of a shadow run (one row per `shadowId`): a `running` report
 * replaces a `running` one; the first end (`passed`, `diverged`, `failed`) settles the run.
 */
export async function upsertShadowReport(
  db: Db,
  agentId: string,
  report: ShadowRun,
): Promise<ShadowReportStatus> {
  const row = {
    kind: report.kind,
    site: report.site,
    agent_id: agentId,
    rollout_id: report.rolloutId,
    job_id: report.jobId,
    deploy_id: report.deployId ?? null,
    state: report.state,
    divergences: divergenceCount(report),
    report: JSON.stringify(report),
    received_at: nowIso(),
  };
  const seen = await db
    .selectFrom('shadow_reports')
    .select(['state', 'site'])
    .where('id', '=', report.shadowId)
    .executeTakeFirst();
  if (!seen) {
    const inserted = await db
      .insertInto('shadow_reports')
      .values({ id: report.shadowId, ...row })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return 'stored';
    return upsertShadowReport(db, agentId, report);
  }
  if (seen.state !== 'running') return seen.state === report.state ? 'duplicate' : 'stale';
  // Conditional: of two reports racing, the first end wins.
  const updated = await db
    .updateTable('shadow_reports')
    .set(row)
    .where('id', '=', report.shadowId)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0 ? 'stored' : 'stale';
}

/** Shadow reports, newest first: of a rollout, a job, or a deploy. */
export async function listShadowReports(
  db: Db,
  filter: { rolloutId?: string; jobId?: string; jobIds?: string[]; limit?: number },
): Promise<ShadowReportView[]> {
  let q = db.selectFrom('shadow_reports').selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc');
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.jobId !== undefined) q = q.where('job_id', '=', filter.jobId);
  if (filter.jobIds !== undefined) {
    if (filter.jobIds.length === 0) return [];
    q = q.where('job_id', 'in', filter.jobIds);
  }
  const rows = await q.limit(filter.limit ?? 500).execute();
  return rows.map((r) => ({
    ...fromJson<ShadowRun>(r.report),
    agentId: r.agent_id,
    receivedAt: r.received_at,
  }));
}

/** Records that an agent put a deploy off (`deploy.deferred`): the latest reason, and how often. */
export async function recordDeferral(
  db: Db,
  agentId: string,
  msg: MessageOf<'deploy.deferred'>,
): Promise<void> {
  const at = nowIso();
  await db
    .insertInto('deploy_deferrals')
    .values({
      deploy_id: msg.deployId,
      site: msg.site,
      agent_id: agentId,
      reason: msg.reason,
      times: 1,
      first_at: at,
      last_at: at,
    })
    .onConflict((oc) =>
      oc.column('deploy_id').doUpdateSet((eb) => ({
        reason: msg.reason,
        agent_id: agentId,
        last_at: at,
        times: eb('deploy_deferrals.times', '+', 1),
      })),
    )
    .execute();
}

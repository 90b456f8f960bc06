import type { MessageOf, StageReportView } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { fromJson, newId, nowIso } from '../util';

/**
 * Records a cutover stage report of an agent, keeping the site's newest
 * `keepPerSite`: an agent reporting without pause must not fill the disk.
 */
export async function insertStageReport(
  db: Db,
  agentId: string,
  msg: MessageOf<'stage.report'>,
  keepPerSite = Number.POSITIVE_INFINITY,
): Promise<void> {
  await db
    .insertInto('stage_reports')
    .values({
      id: newId('stg'),
      site: msg.site,
      agent_id: agentId,
      migration_id: msg.migrationId ?? null,
      stage: msg.stage,
      figures: JSON.stringify(msg.figures),
      reason: msg.reason,
      at: nowIso(),
    })
    .execute();
  if (!Number.isFinite(keepPerSite)) return;
  // The oldest kept row; everything of the site older than it goes.
  const edge = await db
    .selectFrom('stage_reports')
    .select(['at', 'id'])
    .where('site', '=', msg.site)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .offset(keepPerSite - 1)
    .limit(1)
    .executeTakeFirst();
  if (edge)
    await db.deleteFrom('stage_reports').where('site', '=', msg.site).where('at', '<', edge.at).execute();
}

/** Stage reports, newest first. */
export async function listStageReports(
  db: Db,
  filter: { site?: string; migrationId?: string; limit?: number },
): Promise<StageReportView[]> {
  let q = db.selectFrom('stage_reports').selectAll().orderBy('at', 'desc');
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.migrationId !== undefined) q = q.where('migration_id', '=', filter.migrationId);
  const rows = await q.limit(filter.limit ?? 100).execute();
  return rows.map((r) => ({
    id: r.id,
    site: r.site,
    agentId: r.agent_id,
    migrationId: r.migration_id,
    stage: r.stage,
    figures: fromJson(r.figures),
    reason: r.reason,
    at: r.at,
  }));
}

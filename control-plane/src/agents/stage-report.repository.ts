import type { MessageOf, StageReportView } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { fromJson, newId, nowIso } from '../util';

/** Records a cutover stage report of an agent. */
export async function insertStageReport(
  db: Db,
  agentId: string,
  msg: MessageOf<'stage.report'>,
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
    stage: r.stage as StageReportView['stage'],
    figures: fromJson(r.figures),
    reason: r.reason,
    at: r.at,
  }));
}

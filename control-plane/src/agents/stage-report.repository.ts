import type { MessageOf } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { newId, nowIso } from '../util';

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

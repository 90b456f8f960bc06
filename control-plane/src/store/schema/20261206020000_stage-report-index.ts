/**
 * Index for the stage reports a site keeps: every report prunes the site's
 * older ones (`stageReportsPerSite`), which without it scanned the whole table.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema.createIndex('stage_reports_site_at').on('stage_reports').columns(['site', 'at']).execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('stage_reports_site_at').ifExists().execute();
}

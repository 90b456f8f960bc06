/**
 * Drift of the live program from the released one (issue #22): the latest
 * report per site (with its diff) and a short history of live hashes.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('site_drift')
    .addColumn('site', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('live_sha256', 'text', (c) => c.notNull())
    .addColumn('pous', 'integer', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('site_drift_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('live_sha256', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('site_drift_history_site_at')
    .on('site_drift_history')
    .columns(['site', 'checked_at'])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('site_drift_history').ifExists().execute();
  await db.schema.dropTable('site_drift').ifExists().execute();
}

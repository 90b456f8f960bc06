/**
 * Shadow runs agents report (issue #21): a candidate's run for a phase's shadow gate, and
 * a deploy's post-deploy watch; and the deploys an agent put off because the line was busy.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('shadow_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('rollout_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('deploy_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('divergences', 'integer', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shadow_reports_job').on('shadow_reports').columns(['job_id']).execute();
  await db.schema
    .createIndex('shadow_reports_rollout')
    .on('shadow_reports')
    .columns(['rollout_id', 'received_at'])
    .execute();
  await db.schema
    .createTable('deploy_deferrals')
    .addColumn('deploy_id', 'text', (c) => c.primaryKey())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('times', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('deploy_deferrals').ifExists().execute();
  await db.schema.dropTable('shadow_reports').ifExists().execute();
}

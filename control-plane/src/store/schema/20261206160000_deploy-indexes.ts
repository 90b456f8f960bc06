/**
 * Indexes for reading a phase's deploy outcomes: `phaseOutcomes` joins each job
 * of a phase to its deploys (`deploys.job_id`) and each deploy to its watch
 * report (`shadow_reports.deploy_id`), and the engine asks on every tick
 * whether a rollout has a rolled-back deploy (`deploys.rollout_id, state`).
 * Without them each of those scans its table, once per job for the joins.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema.createIndex('deploys_job').on('deploys').column('job_id').execute();
  await db.schema
    .createIndex('deploys_rollout_state')
    .on('deploys')
    .columns(['rollout_id', 'state'])
    .execute();
  await db.schema.createIndex('shadow_reports_deploy').on('shadow_reports').column('deploy_id').execute();
}

export async function down(db: Db): Promise<void> {
  for (const name of ['shadow_reports_deploy', 'deploys_rollout_state', 'deploys_job'])
    await db.schema.dropIndex(name).ifExists().execute();
}

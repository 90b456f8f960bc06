/**
 * Indexes for the engine's per-tick queries (phase figures, expired leases,
 * queued jobs): without them every tick scanned all jobs of a rollout, which
 * dominated a 10,000-site rollout on SQLite.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createIndex('jobs_rollout_state')
    .on('jobs')
    .columns(['rollout_id', 'state', 'phase_index'])
    .execute();
  await db.schema.createIndex('jobs_agent').on('jobs').column('agent_id').execute();
  await db.schema.createIndex('deploys_state').on('deploys').columns(['state', 'site']).execute();
  await db.schema.createIndex('rollbacks_state').on('rollbacks').columns(['state', 'site']).execute();
}

export async function down(db: Db): Promise<void> {
  for (const name of ['rollbacks_state', 'deploys_state', 'jobs_agent', 'jobs_rollout_state'])
    await db.schema.dropIndex(name).ifExists().execute();
}

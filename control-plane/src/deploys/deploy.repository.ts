import type { DeployOrder, DeployView, RollbackOrder, RollbackView } from '@plcfleet/protocols';
import type { Signed } from '@plcfleet/protocols/signing';
import type { Db } from '../store/database';
import type { DeploysTable, RollbacksTable } from '../store/tables';
import { fromJson, nowIso } from '../util';

/** Deploy states: `ordered` (signed, not yet sent), `delivered` (sent to the agent), then the agent's outcome. */
export type DeployState =
  | 'ordered'
  | 'delivered'
  | 'deployed'
  | 'refused'
  | 'failed'
  | 'rolled-back'
  | 'cancelled';

/** A deploy as the API shows it. */
export type DeployRecord = DeployView;

function toDeploy(r: DeploysTable): DeployRecord {
  return {
    id: r.id,
    changeRequestId: r.change_request_id,
    jobId: r.job_id,
    rolloutId: r.rollout_id,
    site: r.site,
    state: r.state,
    order: fromJson(r.order),
    notBefore: r.not_before,
    notAfter: r.not_after,
    deliveredAt: r.delivered_at,
    reason: r.reason,
    sha256Running: r.sha256_running,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Stores a signed deploy order. */
export async function insertDeploy(
  trx: Db,
  changeRequestId: string,
  order: Signed<DeployOrder>,
): Promise<void> {
  const at = nowIso();
  const p = order.payload;
  await trx
    .insertInto('deploys')
    .values({
      id: p.deployId,
      change_request_id: changeRequestId,
      job_id: p.jobId,
      rollout_id: p.rolloutId,
      site: p.site,
      state: 'ordered',
      order: JSON.stringify(order),
      not_before: p.window.notBefore,
      not_after: p.window.notAfter,
      reason: '',
      created_at: at,
      updated_at: at,
    })
    .execute();
}

/** One deploy, or undefined. */
export async function getDeploy(db: Db, id: string): Promise<DeployRecord | undefined> {
  const r = await db.selectFrom('deploys').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toDeploy(r) : undefined;
}

/** Deploys by filter. */
export async function listDeploys(
  db: Db,
  filter: { site?: string; rolloutId?: string; states?: readonly DeployState[] },
): Promise<DeployRecord[]> {
  let q = db.selectFrom('deploys').selectAll().orderBy('created_at');
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.states?.length) q = q.where('state', 'in', filter.states);
  return (await q.execute()).map(toDeploy);
}

/** Sets a deploy's state, guarded by its current state; true when it changed. */
export async function setDeployState(
  trx: Db,
  id: string,
  from: readonly DeployState[],
  patch: { state: DeployState; reason?: string; sha256Running?: string | null; delivered?: boolean },
): Promise<boolean> {
  const at = nowIso();
  const r = await trx
    .updateTable('deploys')
    .set({
      state: patch.state,
      updated_at: at,
      ...(patch.reason !== undefined ? { reason: patch.reason } : {}),
      ...(patch.sha256Running !== undefined ? { sha256_running: patch.sha256Running } : {}),
      ...(patch.delivered ? { delivered_at: at } : {}),
    })
    .where('id', '=', id)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Rollback states. */
export type RollbackState = 'ordered' | 'delivered' | 'rolled-back' | 'failed' | 'refused' | 'expired';

/** A rollback as the API shows it. */
export type RollbackRecord = RollbackView;

function toRollback(r: RollbacksTable): RollbackRecord {
  return {
    id: r.id,
    site: r.site,
    deployId: r.deploy_id,
    rolloutId: r.rollout_id,
    state: r.state,
    order: fromJson(r.order),
    reason: r.reason,
    createdBy: r.created_by,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Stores a signed rollback order. */
export async function insertRollback(
  trx: Db,
  order: Signed<RollbackOrder>,
  createdBy: string,
): Promise<RollbackRecord> {
  const at = nowIso();
  const p = order.payload;
  const row: RollbacksTable = {
    id: p.rollbackId,
    site: p.site,
    deploy_id: p.deployId ?? null,
    rollout_id: p.rolloutId ?? null,
    state: 'ordered',
    order: JSON.stringify(order),
    reason: p.reason,
    created_by: createdBy,
    delivered_at: null,
    created_at: at,
    updated_at: at,
  };
  await trx.insertInto('rollbacks').values(row).execute();
  return toRollback(row);
}

/** One rollback, or undefined. */
export async function getRollback(db: Db, id: string): Promise<RollbackRecord | undefined> {
  const r = await db.selectFrom('rollbacks').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRollback(r) : undefined;
}

/** Rollbacks by filter. */
export async function listRollbacks(
  db: Db,
  filter: { site?: string; rolloutId?: string; states?: readonly RollbackState[] },
): Promise<RollbackRecord[]> {
  let q = db.selectFrom('rollbacks').selectAll().orderBy('created_at');
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.states?.length) q = q.where('state', 'in', filter.states);
  return (await q.execute()).map(toRollback);
}

/** Sets a rollback's state, guarded; true when it changed. */
export async function setRollbackState(
  trx: Db,
  id: string,
  from: readonly RollbackState[],
  state: RollbackState,
  delivered = false,
): Promise<boolean> {
  const at = nowIso();
  const r = await trx
    .updateTable('rollbacks')
    .set({ state, updated_at: at, ...(delivered ? { delivered_at: at } : {}) })
    .where('id', '=', id)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

import type { DecisionView, RolloutView } from '@plcfleet/protocols';
import {
  type PhaseState as PhaseStateSchema,
  RolloutPlan,
  type RolloutState as RolloutStateSchema,
} from '@plcfleet/protocols';
import { type Db, isPostgres } from '../store/database';
import type { RolloutsTable } from '../store/tables';
import { fromJson, newId, nowIso, sortableId } from '../util';

/** Rollout states (ADR 0003); the API schema in protocols is their one definition. */
export type RolloutState = (typeof RolloutStateSchema.options)[number];
/** Where the current phase stands. */
export type PhaseState = (typeof PhaseStateSchema.options)[number];

/** A rollout as stored and shown. */
export type RolloutRecord = RolloutView;

function toRecord(r: RolloutsTable): RolloutRecord {
  return {
    id: r.id,
    name: r.name,
    migrationId: r.migration_id,
    revision: Number(r.revision),
    plan: RolloutPlan.parse(fromJson(r.plan)),
    state: r.state,
    stateReason: r.state_reason,
    phaseIndex: Number(r.phase_index),
    phaseState: r.phase_state,
    phaseStartedAt: r.phase_started_at,
    createdBy: r.created_by,
    startedBy: r.started_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Creates a pending rollout. */
export async function insertRollout(
  trx: Db,
  input: { name: string; migrationId: string; revision: number; plan: RolloutPlan; createdBy: string },
): Promise<RolloutRecord> {
  const at = nowIso();
  const row: RolloutsTable = {
    id: newId('ro'),
    name: input.name,
    migration_id: input.migrationId,
    revision: input.revision,
    plan: JSON.stringify(input.plan),
    state: 'pending',
    state_reason: '',
    phase_index: 0,
    phase_state: 'not-started',
    phase_started_at: null,
    created_by: input.createdBy,
    started_by: null,
    created_at: at,
    updated_at: at,
    driver_id: null,
    driver_until: null,
  };
  await trx.insertInto('rollouts').values(row).execute();
  return toRecord(row);
}

/** One rollout, or undefined. */
export async function getRollout(db: Db, id: string): Promise<RolloutRecord | undefined> {
  const r = await db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Reads a rollout and, on PostgreSQL, locks its row until the transaction ends (SQLite serializes writers already). */
export async function lockRollout(trx: Db, id: string): Promise<RolloutRecord | undefined> {
  let q = trx.selectFrom('rollouts').selectAll().where('id', '=', id);
  if (isPostgres(trx)) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Every rollout, newest first, optionally of some states. */
export async function listRollouts(db: Db, states?: readonly RolloutState[]): Promise<RolloutRecord[]> {
  let q = db.selectFrom('rollouts').selectAll().orderBy('created_at', 'desc');
  if (states?.length) q = q.where('state', 'in', states);
  return (await q.execute()).map(toRecord);
}

/** Updates state fields of a rollout. */
export async function updateRollout(
  trx: Db,
  id: string,
  patch: Partial<
    Pick<
      RolloutRecord,
      'state' | 'stateReason' | 'phaseIndex' | 'phaseState' | 'phaseStartedAt' | 'startedBy'
    >
  >,
): Promise<void> {
  await trx
    .updateTable('rollouts')
    .set({
      ...(patch.state !== undefined ? { state: patch.state } : {}),
      ...(patch.stateReason !== undefined ? { state_reason: patch.stateReason } : {}),
      ...(patch.phaseIndex !== undefined ? { phase_index: patch.phaseIndex } : {}),
      ...(patch.phaseState !== undefined ? { phase_state: patch.phaseState } : {}),
      ...(patch.phaseStartedAt !== undefined ? { phase_started_at: patch.phaseStartedAt } : {}),
      ...(patch.startedBy !== undefined ? { started_by: patch.startedBy } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Takes or renews this replica's lease on driving a rollout: granted when nobody
 * holds it, this replica holds it, or the holder's lease has lapsed (takeover).
 */
export async function claimDriver(
  db: Db,
  rolloutId: string,
  replicaId: string,
  leaseMs: number,
): Promise<boolean> {
  const now = nowIso();
  const until = new Date(Date.now() + leaseMs).toISOString();
  const r = await db
    .updateTable('rollouts')
    .set({ driver_id: replicaId, driver_until: until })
    .where('id', '=', rolloutId)
    .where((eb) =>
      eb.or([eb('driver_id', 'is', null), eb('driver_id', '=', replicaId), eb('driver_until', '<', now)]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives up this replica's leases (clean shutdown), so another replica takes over at once. */
export async function releaseDrivers(db: Db, replicaId: string): Promise<void> {
  await db
    .updateTable('rollouts')
    .set({ driver_id: null, driver_until: null })
    .where('driver_id', '=', replicaId)
    .execute();
}

/** Which replica drives a rollout (for tests and the API). */
export async function getDriver(db: Db, rolloutId: string): Promise<string | null> {
  const r = await db
    .selectFrom('rollouts')
    .select('driver_id')
    .where('id', '=', rolloutId)
    .executeTakeFirst();
  return r?.driver_id ?? null;
}

/** A recorded decision of the engine. */
export type DecisionRecord = DecisionView;

/** Records a decision with the numbers behind it. */
export async function insertDecision(trx: Db, d: Omit<DecisionRecord, 'id' | 'at'>): Promise<DecisionRecord> {
  const record: DecisionRecord = { ...d, id: sortableId('dec'), at: nowIso() };
  await trx
    .insertInto('rollout_decisions')
    .values({
      id: record.id,
      rollout_id: d.rolloutId,
      phase_index: d.phaseIndex,
      decision: d.decision,
      summary: d.summary,
      figures: JSON.stringify(d.figures),
      at: record.at,
    })
    .execute();
  return record;
}

/** Decisions of a rollout, oldest first. */
export async function listDecisions(db: Db, rolloutId: string): Promise<DecisionRecord[]> {
  const rows = await db
    .selectFrom('rollout_decisions')
    .selectAll()
    .where('rollout_id', '=', rolloutId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    rolloutId: r.rollout_id,
    phaseIndex: Number(r.phase_index),
    decision: r.decision,
    summary: r.summary,
    figures: fromJson(r.figures),
    at: r.at,
  }));
}

/** The few fields of a rollout a verdict needs, without parsing its plan (hot path). */
export async function getRolloutHeader(
  db: Db,
  id: string,
): Promise<
  { migrationId: string; revision: number; startedBy: string | null; createdBy: string } | undefined
> {
  const r = await db
    .selectFrom('rollouts')
    .select(['migration_id', 'revision', 'started_by', 'created_by'])
    .where('id', '=', id)
    .executeTakeFirst();
  return r
    ? {
        migrationId: r.migration_id,
        revision: Number(r.revision),
        startedBy: r.started_by,
        createdBy: r.created_by,
      }
    : undefined;
}

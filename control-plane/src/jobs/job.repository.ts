import type { JobState as JobStateSchema, JobView, VerdictOutcome } from '@plcfleet/protocols';
import type { PhaseFigures } from '../rollouts/gates';
import { type Db, num } from '../store/database';
import type { JobsTable } from '../store/tables';
import { isoIn, newId, nowIso } from '../util';

/**
 * Job states. `queued`: waiting for a slot (concurrency, window, a running
 * rollout); `ready`: may be offered; `offered`: claimed for one agent, lease
 * running; `running`: accepted; then one final state. `retried`: replaced by a
 * new job of the same site (the `retry` command) and no longer counted.
 */
export type JobState = (typeof JobStateSchema.options)[number];
/** States that count as finished. */
export const FINAL_STATES: readonly JobState[] = [
  'passed',
  'failed',
  'skipped',
  'error',
  'cancelled',
  'retried',
];
const ACTIVE: JobState[] = ['offered', 'running'];

/** A job as stored and shown. */
export type JobRecord = JobView;

/** Maps a row. */
export function toJob(r: JobsTable): JobRecord {
  return {
    id: r.id,
    rolloutId: r.rollout_id,
    site: r.site,
    phaseIndex: Number(r.phase_index),
    state: r.state,
    attempt: Number(r.attempt),
    agentId: r.agent_id,
    offeredAt: r.offered_at,
    startedAt: r.started_at,
    leaseExpiresAt: r.lease_expires_at,
    finishedAt: r.finished_at,
    reason: r.reason,
    safetyFailure: Number(r.safety_failure) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Creates one queued job per site of a phase, and one job already `skipped`
 * (with its reason, e.g. `drift`) per site the phase selected but does not migrate.
 */
export async function insertJobs(
  trx: Db,
  rolloutId: string,
  phaseIndex: number,
  sites: readonly string[],
  attempt = 1,
  skipped: readonly { site: string; reason: string }[] = [],
): Promise<string[]> {
  const at = nowIso();
  const row = (site: string, skip?: string): JobsTable => ({
    id: newId('job'),
    rollout_id: rolloutId,
    site,
    phase_index: phaseIndex,
    state: skip === undefined ? 'queued' : 'skipped',
    attempt,
    agent_id: null,
    offered_at: null,
    started_at: null,
    lease_expires_at: null,
    finished_at: skip === undefined ? null : at,
    reason: skip ?? '',
    safety_failure: 0,
    created_at: at,
    updated_at: at,
  });
  const rows: JobsTable[] = [...sites.map((site) => row(site)), ...skipped.map((k) => row(k.site, k.reason))];
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('jobs')
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.map((r) => r.id);
}

/** One job, or undefined. */
export async function getJob(db: Db, id: string): Promise<JobRecord | undefined> {
  const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toJob(r) : undefined;
}

/** Jobs matching a filter. */
export async function listJobs(
  db: Db,
  filter: {
    rolloutId?: string;
    site?: string;
    states?: readonly JobState[];
    phaseIndex?: number;
    limit?: number;
  },
): Promise<JobRecord[]> {
  let q = db.selectFrom('jobs').selectAll();
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.states?.length) q = q.where('state', 'in', filter.states);
  if (filter.phaseIndex !== undefined) q = q.where('phase_index', '=', filter.phaseIndex);
  q = q.orderBy('phase_index').orderBy('site').orderBy('created_at');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(toJob);
}

/** Sites that already have a job in a rollout. */
export async function sitesInRollout(db: Db, rolloutId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('jobs')
    .select('site')
    .where('rollout_id', '=', rolloutId)
    .distinct()
    .execute();
  return new Set(rows.map((r) => r.site));
}

/** The figures of a phase for its gates. */
export async function phaseFigures(
  db: Db,
  rolloutId: string,
  phaseIndex: number,
): Promise<PhaseFigures & { lastFinishedAt: string | null }> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => [
      'state',
      eb.fn.countAll().as('n'),
      eb.fn.sum<number>('safety_failure').as('safety'),
      eb.fn.max('finished_at').as('last'),
    ])
    .where('rollout_id', '=', rolloutId)
    .where('phase_index', '=', phaseIndex)
    .where('state', '<>', 'retried')
    .groupBy('state')
    .execute();
  const f = { total: 0, done: 0, passed: 0, failed: 0, skipped: 0, safety: 0, inFlight: 0 };
  let last: string | null = null;
  for (const r of rows) {
    const n = num(r.n);
    f.total += n;
    f.safety += num(r.safety);
    if (r.last && (!last || r.last > last)) last = r.last;
    switch (r.state) {
      case 'passed':
        f.passed += n;
        f.done += n;
        break;
      case 'failed':
      case 'error':
        f.failed += n;
        f.done += n;
        break;
      case 'skipped':
        f.skipped += n;
        f.done += n;
        break;
      case 'cancelled':
        // Cancelled sites (abort) never ran; they leave the phase's sample.
        f.total -= n;
        break;
      case 'offered':
      case 'running':
        f.inFlight += n;
        break;
      default:
        break;
    }
  }
  return { ...f, lastFinishedAt: last };
}

/** Counts of jobs by state (for metrics and the rollout view). */
export async function countJobsByState(db: Db, rolloutId?: string): Promise<Record<string, number>> {
  let q = db.selectFrom('jobs').select((eb) => ['state', eb.fn.countAll().as('n')]);
  if (rolloutId !== undefined) q = q.where('rollout_id', '=', rolloutId);
  const rows = await q.groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, num(r.n)]));
}

/**
 * Moves queued jobs of the current phase (and retried sites of earlier phases) to
 * ready: at most `slots` of them, only sites `allowed` accepts when given.
 */
export async function releaseQueued(
  trx: Db,
  rolloutId: string,
  phaseIndex: number,
  slots: number,
  allowed?: (site: string) => boolean,
): Promise<number> {
  if (slots <= 0) return 0;
  const queued = await trx
    .selectFrom('jobs')
    .select(['id', 'site'])
    .where('rollout_id', '=', rolloutId)
    .where('phase_index', '<=', phaseIndex)
    .where('state', '=', 'queued')
    .orderBy('phase_index')
    .orderBy('site')
    .execute();
  const ids = queued
    .filter((j) => !allowed || allowed(j.site))
    .slice(0, slots)
    .map((j) => j.id);
  for (let i = 0; i < ids.length; i += 500)
    await trx
      .updateTable('jobs')
      .set({ state: 'ready', updated_at: nowIso() })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('state', '=', 'queued')
      .execute();
  return ids.length;
}

/** Jobs waiting for an agent (of running rollouts), oldest first. */
export async function listReadyJobs(
  db: Db,
  limit: number,
): Promise<{ id: string; site: string; rolloutId: string; phaseIndex: number }[]> {
  const rows = await db
    .selectFrom('jobs')
    .innerJoin('rollouts', 'rollouts.id', 'jobs.rollout_id')
    .select(['jobs.id', 'jobs.site', 'jobs.rollout_id', 'jobs.phase_index'])
    .where('jobs.state', '=', 'ready')
    .where('rollouts.state', '=', 'running')
    .orderBy('jobs.created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    site: r.site,
    rolloutId: r.rollout_id,
    phaseIndex: Number(r.phase_index),
  }));
}

/**
 * Claims a ready job for an agent: a conditional update, so of two replicas or
 * two connections racing for it exactly one wins. Returns the job when claimed.
 */
export async function claimJob(
  db: Db,
  jobId: string,
  agentId: string,
  leaseMs: number,
): Promise<JobRecord | undefined> {
  const at = nowIso();
  const r = await db
    .updateTable('jobs')
    .set({
      state: 'offered',
      agent_id: agentId,
      offered_at: at,
      lease_expires_at: isoIn(leaseMs),
      updated_at: at,
    })
    .where('id', '=', jobId)
    .where('state', '=', 'ready')
    .where('rollout_id', 'in', (eb) => eb.selectFrom('rollouts').select('id').where('state', '=', 'running'))
    .returningAll()
    .executeTakeFirst();
  return r ? toJob(r) : undefined;
}

/** Puts an offered job that was never accepted back to ready (its agent disconnected); no attempt is used. */
export async function unclaimJobs(db: Db, agentId: string): Promise<number> {
  const r = await db
    .updateTable('jobs')
    .set({ state: 'ready', agent_id: null, offered_at: null, lease_expires_at: null, updated_at: nowIso() })
    .where('agent_id', '=', agentId)
    .where('state', '=', 'offered')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The agent takes an offered job: running, lease renewed. Returns its rollout id, or undefined when it is not offered to this agent. */
export async function acceptJob(
  db: Db,
  jobId: string,
  agentId: string,
  leaseMs: number,
): Promise<{ rolloutId: string } | undefined> {
  const at = nowIso();
  const r = await db
    .updateTable('jobs')
    .set({ state: 'running', started_at: at, lease_expires_at: isoIn(leaseMs), updated_at: at })
    .where('id', '=', jobId)
    .where('agent_id', '=', agentId)
    .where('state', '=', 'offered')
    .returning('rollout_id')
    .executeTakeFirst();
  return r ? { rolloutId: r.rollout_id } : undefined;
}

/** Renews the lease of a job the agent holds. False when it holds no such job. */
export async function renewLease(db: Db, jobId: string, agentId: string, leaseMs: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ lease_expires_at: isoIn(leaseMs) })
    .where('id', '=', jobId)
    .where('agent_id', '=', agentId)
    .where('state', 'in', ACTIVE)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Jobs of a rollout whose lease lapsed, or which ran past the job timeout. */
export async function expiredJobs(db: Db, rolloutId: string, jobTimeoutMs: number): Promise<JobRecord[]> {
  const now = nowIso();
  const startedBefore = new Date(Date.now() - jobTimeoutMs).toISOString();
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('rollout_id', '=', rolloutId)
    .where('state', 'in', ACTIVE)
    .where((eb) => eb.or([eb('lease_expires_at', '<', now), eb('started_at', '<', startedBefore)]))
    .execute();
  return rows.map(toJob);
}

/** Sets a job's state (guarded by its current state); true when it changed. */
export async function setJobState(
  trx: Db,
  jobId: string,
  from: readonly JobState[],
  patch: {
    state: JobState;
    reason?: string;
    attempt?: number;
    safetyFailure?: boolean;
    clearAgent?: boolean;
  },
): Promise<boolean> {
  const at = nowIso();
  const final = FINAL_STATES.includes(patch.state);
  const r = await trx
    .updateTable('jobs')
    .set({
      state: patch.state,
      updated_at: at,
      ...(patch.reason !== undefined ? { reason: patch.reason } : {}),
      ...(patch.attempt !== undefined ? { attempt: patch.attempt } : {}),
      ...(patch.safetyFailure !== undefined ? { safety_failure: patch.safetyFailure ? 1 : 0 } : {}),
      ...(patch.clearAgent
        ? { agent_id: null, offered_at: null, started_at: null, lease_expires_at: null }
        : {}),
      ...(final ? { finished_at: at, lease_expires_at: null } : {}),
    })
    .where('id', '=', jobId)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Moves every job of a rollout in `from` to `to`; returns the ids moved. */
export async function moveJobs(
  trx: Db,
  rolloutId: string,
  from: readonly JobState[],
  to: JobState,
  reason?: string,
): Promise<string[]> {
  const rows = await trx
    .selectFrom('jobs')
    .select('id')
    .where('rollout_id', '=', rolloutId)
    .where('state', 'in', from)
    .execute();
  if (rows.length === 0) return [];
  const at = nowIso();
  const final = FINAL_STATES.includes(to);
  await trx
    .updateTable('jobs')
    .set({
      state: to,
      updated_at: at,
      ...(reason !== undefined ? { reason } : {}),
      ...(final ? { finished_at: at } : {}),
    })
    .where('rollout_id', '=', rolloutId)
    .where('state', 'in', from)
    .execute();
  return rows.map((r) => r.id);
}

/** The final job state a verdict outcome leads to. */
export function stateOfOutcome(outcome: VerdictOutcome): JobState {
  return outcome;
}

/**
 * Gives every offered or running job of a rollout at least `graceMs` of lease
 * from now. Called at start-up: while no replica was up the agents could not
 * renew their leases, and a job must not be re-offered (run twice) for that.
 */
export async function graceLeases(db: Db, rolloutId: string, graceMs: number): Promise<void> {
  const until = isoIn(graceMs);
  await db
    .updateTable('jobs')
    .set({ lease_expires_at: until })
    .where('rollout_id', '=', rolloutId)
    .where('state', 'in', ACTIVE)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', until)]))
    .execute();
}

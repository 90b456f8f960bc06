import type { ApprovalView, ChangeRequestView } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import type { ChangeRequestsTable } from '../store/tables';
import { newId, nowIso } from '../util';
import { getVerdict } from '../verdicts/verdict.repository';

/** Change request states. */
export type ChangeRequestState = 'open' | 'approved' | 'rejected';

/** A change request as the API shows it. */
export type ChangeRequestRecord = ChangeRequestView;

function toRecord(r: ChangeRequestsTable): ChangeRequestRecord {
  return {
    id: r.id,
    jobId: r.job_id,
    rolloutId: r.rollout_id,
    site: r.site,
    migrationId: r.migration_id,
    revision: Number(r.revision),
    safetyClass: r.safety_class,
    state: r.state,
    requestedBy: r.requested_by,
    sha256Before: r.sha256_before,
    sha256After: r.sha256_after,
    diff: r.diff,
    evidenceHash: r.evidence_hash,
    reason: r.reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

/** Opens a change request for a passed verdict. */
export async function insertChangeRequest(
  trx: Db,
  input: Omit<ChangeRequestRecord, 'id' | 'state' | 'reason' | 'createdAt' | 'decidedAt'>,
): Promise<ChangeRequestRecord> {
  const row: ChangeRequestsTable = {
    id: newId('cr'),
    job_id: input.jobId,
    rollout_id: input.rolloutId,
    site: input.site,
    migration_id: input.migrationId,
    revision: input.revision,
    safety_class: input.safetyClass,
    state: 'open',
    requested_by: input.requestedBy,
    sha256_before: input.sha256Before,
    sha256_after: input.sha256After,
    diff: input.diff,
    evidence_hash: input.evidenceHash,
    reason: '',
    created_at: nowIso(),
    decided_at: null,
  };
  await trx.insertInto('change_requests').values(row).execute();
  return toRecord(row);
}

/** The record with the change branch and commit its job's verdict names, if any. */
async function withChange(db: Db, cr: ChangeRequestRecord): Promise<ChangeRequestRecord> {
  const change = (await getVerdict(db, cr.jobId))?.verdict.change;
  return change ? { ...cr, change } : cr;
}

/** One change request, or undefined. */
export async function getChangeRequest(db: Db, id: string): Promise<ChangeRequestRecord | undefined> {
  const r = await db.selectFrom('change_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? withChange(db, toRecord(r)) : undefined;
}

/** Change requests by filter, oldest first. */
export async function listChangeRequests(
  db: Db,
  filter: { state?: ChangeRequestState; rolloutId?: string; site?: string },
): Promise<ChangeRequestRecord[]> {
  let q = db.selectFrom('change_requests').selectAll().orderBy('created_at').orderBy('site');
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  if (filter.rolloutId !== undefined) q = q.where('rollout_id', '=', filter.rolloutId);
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  const out: ChangeRequestRecord[] = [];
  for (const r of await q.execute()) out.push(await withChange(db, toRecord(r)));
  return out;
}

/** Closes an open change request; false when it was not open any more (someone decided first). */
export async function decideChangeRequest(
  trx: Db,
  id: string,
  state: 'approved' | 'rejected',
  reason: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('change_requests')
    .set({ state, reason, decided_at: nowIso() })
    .where('id', '=', id)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** An approval or rejection by a person. */
export type ApprovalRecord = ApprovalView;

/** Records who decided. */
export async function insertApproval(trx: Db, a: Omit<ApprovalRecord, 'id' | 'at'>): Promise<ApprovalRecord> {
  const record: ApprovalRecord = { ...a, id: newId('apr'), at: nowIso() };
  await trx
    .insertInto('approvals')
    .values({
      id: record.id,
      change_request_id: a.changeRequestId,
      user_id: a.userId,
      user_name: a.userName,
      role: a.role,
      decision: a.decision,
      comment: a.comment,
      at: record.at,
    })
    .execute();
  return record;
}

/** Decisions on a change request. */
export async function listApprovals(db: Db, changeRequestId: string): Promise<ApprovalRecord[]> {
  const rows = await db
    .selectFrom('approvals')
    .selectAll()
    .where('change_request_id', '=', changeRequestId)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    userId: r.user_id,
    userName: r.user_name,
    role: r.role,
    decision: r.decision as 'approve' | 'reject',
    comment: r.comment,
    at: r.at,
  }));
}

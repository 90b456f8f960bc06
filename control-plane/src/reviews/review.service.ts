import type { DeployOrder, Phase } from '@plcfleet/protocols';
import { listShadowReports } from '../agents/shadow-report.repository';
import { appendAudit } from '../audit/audit.repository';
import type { Principal, Role } from '../auth/roles';
import { type Context, type PendingEvents, publishAll } from '../context';
import { insertDeploy } from '../deploys/deploy.repository';
import { fail } from '../errors';
import { getJob } from '../jobs/job.repository';
import { getMigration } from '../migrations/migration.repository';
import { getRollout, getRolloutHeader } from '../rollouts/rollout.repository';
import { judgeShadowRun, shadowRequirement } from '../rollouts/shadow-gate';
import { nextMaintenanceWindow } from '../sites/maintenance-window';
import { getSite } from '../sites/site.repository';
import { type Db, transaction } from '../store/database';
import { newId, nowIso } from '../util';
import {
  type ApprovalRecord,
  type ChangeRequestRecord,
  decideChangeRequest,
  getChangeRequest,
  insertApproval,
} from './change-request.repository';

/** Roles that may decide a change request of each safety class. */
export const APPROVER_ROLES: Record<ChangeRequestRecord['safetyClass'], readonly Role[]> = {
  'safety-related': ['safety-engineer'],
  'non-safety': ['admin', 'operator'],
};

/** Someone who brought a change about, and how: they may not approve it (four-eyes). */
export interface Involvement {
  name: string;
  /** What they did, e.g. `wrote migration guard-upgrade`. */
  did: string;
}

/**
 * Checks who may decide: the role the safety class needs, and for a
 * safety-related change nobody who brought it about (four-eyes): the
 * requester, and everyone in `involved` (the migration's author, the rollout's
 * creator and starter), since "requester" alone is whoever pressed start.
 */
export function assertMayDecide(
  cr: ChangeRequestRecord,
  who: Principal,
  involved: readonly Involvement[] = [],
): void {
  const roles = APPROVER_ROLES[cr.safetyClass];
  if (!roles.includes(who.role))
    fail(
      'FORBIDDEN',
      `a ${cr.safetyClass} change needs a decision by ${roles.join(' or ')}, not ${who.role}`,
    );
  if (cr.safetyClass === 'safety-related') {
    if (cr.requestedBy === who.name)
      fail('FOUR_EYES', `${who.name} requested this change and may not approve it`);
    const own = involved.find((i) => i.name === who.name);
    if (own) fail('FOUR_EYES', `${who.name} ${own.did} and may not approve this change`);
  }
  if (cr.state !== 'open') fail('CONFLICT', `change request ${cr.id} is already ${cr.state}`);
}

/** Who brought a change request about besides its requester: the migration's author, the rollout's creator and starter. */
export async function involvementIn(trx: Db, cr: ChangeRequestRecord): Promise<Involvement[]> {
  const involved: Involvement[] = [];
  const migration = await getMigration(trx, cr.migrationId, cr.revision);
  if (migration)
    involved.push({
      name: migration.createdBy,
      did: `wrote migration ${cr.migrationId} (revision ${cr.revision})`,
    });
  const rollout = await getRolloutHeader(trx, cr.rolloutId);
  if (rollout?.startedBy) involved.push({ name: rollout.startedBy, did: `started rollout ${cr.rolloutId}` });
  if (rollout) involved.push({ name: rollout.createdBy, did: `created rollout ${cr.rolloutId}` });
  return involved;
}

/**
 * Checks who may reject: the role that decides the safety class, or an admin (who may
 * reject any change); only while the change is open.
 */
export function assertMayReject(cr: ChangeRequestRecord, who: Principal): void {
  const roles = APPROVER_ROLES[cr.safetyClass];
  if (!roles.includes(who.role) && who.role !== 'admin')
    fail('FORBIDDEN', `a ${cr.safetyClass} change is rejected by ${roles.join(' or ')} or an admin`);
  if (cr.state !== 'open') fail('CONFLICT', `change request ${cr.id} is already ${cr.state}`);
}

/** Records who decided a change request and how. */
function recordDecision(
  trx: Db,
  who: Principal,
  id: string,
  decision: 'approve' | 'reject',
  comment: string,
) {
  return insertApproval(trx, {
    changeRequestId: id,
    userId: who.userId,
    userName: who.name,
    role: who.role,
    decision,
    comment,
  });
}

/**
 * Why change request `cr` may not be approved yet because of its phase's shadow gate, or
 * null: with `when: before-approval` the candidate's shadow run is evidence the approver
 * must have, so approval waits until it passed (the approve route refuses with this, the
 * allowed actions say it).
 */
export async function shadowApprovalRefusal(
  db: Db,
  cr: { jobId: string; site: string; rolloutId: string },
  phase: Phase | undefined,
): Promise<string | null> {
  if (phase?.shadow?.when !== 'before-approval') return null;
  const [latest] = (await listShadowReports(db, { jobId: cr.jobId })).filter((r) => r.kind === 'candidate');
  const s = judgeShadowRun(phase.shadow, latest);
  if (s.kind === 'passed') return null;
  return `the change's shadow run at ${cr.site} ${
    s.kind === 'missing'
      ? 'has not been reported yet'
      : s.kind === 'running'
        ? `is still running (${s.seconds} of ${phase.shadow.minDuration / 1000} s)`
        : s.kind === 'inconclusive'
          ? // nothing was shown to diverge (ADR 0159): say so, and how to run it again
            `is ${s.why}; \`plcfleet rollouts retry ${cr.rolloutId}\` runs it again`
          : `failed: ${s.why}`
  }; its phase approves only after it passed`;
}

/**
 * Approves a change request and issues its deploy order: signed by the control
 * plane, bound to the site, the job and the SHA-256 of the approved program,
 * valid in the site's next maintenance window.
 */
export async function approveChangeRequest(
  ctx: Context,
  who: Principal,
  id: string,
  comment: string,
): Promise<{ changeRequest: ChangeRequestRecord; approval: ApprovalRecord; deployId: string }> {
  const events: PendingEvents = [];
  const result = await transaction(ctx.db, async (trx) => {
    const cr = await getChangeRequest(trx, id);
    if (!cr) fail('NOT_FOUND', `no change request ${id}`);
    assertMayDecide(cr, who, await involvementIn(trx, cr));
    if (!cr.sha256Before || !cr.sha256After)
      fail('CONFLICT', 'the verdict carries no program hashes; a deploy order cannot be bound to a program');
    const site = await getSite(trx, cr.site);
    if (!site) fail('NOT_FOUND', `site ${cr.site} is no longer registered`);
    const window = nextMaintenanceWindow(site.maintenanceWindows, site.timeZone);
    if (!window) fail('CONFLICT', `site ${cr.site} has no maintenance window; a deploy order needs one`);
    const job = await getJob(trx, cr.jobId);
    if (!job) fail('NOT_FOUND', `job ${cr.jobId} is gone`);
    const phase = (await getRollout(trx, cr.rolloutId))?.plan.phases[job.phaseIndex];
    const notYet = await shadowApprovalRefusal(trx, cr, phase);
    if (notYet) fail('CONFLICT', notYet);
    if (!(await decideChangeRequest(trx, id, 'approved', comment)))
      fail('CONFLICT', `change request ${id} was decided meanwhile`);
    const approval = await recordDecision(trx, who, id, 'approve', comment);
    // The phase's post-deploy watch (ms), for the agent; capped at the wire's 7 days.
    const watch = phase?.watch;
    // A shadow gate run after approval: the agent shadows the approved program first, then deploys.
    const shadow = shadowRequirement(phase, 'after-approval');
    const order: DeployOrder = {
      deployId: newId('dep'),
      jobId: cr.jobId,
      rolloutId: cr.rolloutId,
      site: cr.site,
      migrationId: cr.migrationId,
      revision: cr.revision,
      sha256Before: cr.sha256Before,
      sha256After: cr.sha256After,
      window,
      approvedBy: [who.name],
      issuedAt: nowIso(),
      ...(watch !== undefined ? { watchMs: Math.min(watch, 7 * 86_400_000) } : {}),
      ...(shadow ? { shadow } : {}),
    };
    const signedOrder = ctx.signer.sign(order);
    await insertDeploy(trx, id, signedOrder);
    await appendAudit(trx, {
      actor: who.name,
      action: 'change-request.approved',
      subjectType: 'change-request',
      subjectId: id,
      details: { role: who.role, comment, site: cr.site, safetyClass: cr.safetyClass },
    });
    await appendAudit(trx, {
      actor: who.name,
      action: 'deploy.ordered',
      subjectType: 'deploy',
      subjectId: order.deployId,
      details: { site: cr.site, window, sha256After: cr.sha256After, keyId: signedOrder.keyId },
    });
    events.push({
      type: 'change-request.updated',
      rolloutId: cr.rolloutId,
      site: cr.site,
      data: { id, state: 'approved' },
    });
    events.push({
      type: 'deploy.ordered',
      rolloutId: cr.rolloutId,
      site: cr.site,
      data: { deployId: order.deployId },
    });
    return {
      changeRequest: { ...cr, state: 'approved' as const, reason: comment },
      approval,
      deployId: order.deployId,
    };
  });
  publishAll(ctx, events);
  return result;
}

/** Rejects a change request with a reason. */
export async function rejectChangeRequest(
  ctx: Context,
  who: Principal,
  id: string,
  reason: string,
): Promise<{ changeRequest: ChangeRequestRecord; approval: ApprovalRecord }> {
  const events: PendingEvents = [];
  const result = await transaction(ctx.db, async (trx) => {
    const cr = await getChangeRequest(trx, id);
    if (!cr) fail('NOT_FOUND', `no change request ${id}`);
    assertMayReject(cr, who);
    if (!(await decideChangeRequest(trx, id, 'rejected', reason)))
      fail('CONFLICT', `change request ${id} was decided meanwhile`);
    const approval = await recordDecision(trx, who, id, 'reject', reason);
    await appendAudit(trx, {
      actor: who.name,
      action: 'change-request.rejected',
      subjectType: 'change-request',
      subjectId: id,
      details: { role: who.role, reason, site: cr.site },
    });
    events.push({
      type: 'change-request.updated',
      rolloutId: cr.rolloutId,
      site: cr.site,
      data: { id, state: 'rejected' },
    });
    return { changeRequest: { ...cr, state: 'rejected' as const, reason }, approval };
  });
  publishAll(ctx, events);
  return result;
}

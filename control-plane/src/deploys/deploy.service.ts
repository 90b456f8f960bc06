import type { MessageOf, RollbackOrder } from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { type Context, type PendingEvents, publishAll } from '../context';
import { fail } from '../errors';
import { type Db, transaction } from '../store/database';
import { newId } from '../util';
import {
  type DeployRecord,
  type DeployState,
  getDeploy,
  getRollback,
  insertRollback,
  listDeploys,
  listRollbacks,
  type RollbackRecord,
  setDeployState,
  setRollbackState,
} from './deploy.repository';
import { recordDeployedLibrary, restoreRolledBackLibrary } from './deploy-library-facts';

/** True when a rollback order's `notAfter` has passed. */
export function rollbackExpired(rb: RollbackRecord, now = Date.now()): boolean {
  const notAfter = rb.order.payload.notAfter;
  return notAfter !== undefined && Date.parse(notAfter) <= now;
}

/**
 * Orders rollbacks: of one site (its latest deploy, or `deployId`) or of every
 * site a rollout deployed to. Deploys not yet delivered are cancelled instead.
 */
export async function orderRollback(
  ctx: Context,
  actor: string,
  target: { site: string; deployId?: string } | { rolloutId: string },
  reason: string,
): Promise<{ rollbacks: RollbackRecord[]; cancelledDeploys: string[] }> {
  const events: PendingEvents = [];
  const result = await transaction(ctx.db, async (trx) => {
    let deploys: DeployRecord[];
    if ('rolloutId' in target) {
      deploys = await listDeploys(trx, {
        rolloutId: target.rolloutId,
        states: ['ordered', 'delivered', 'deployed'],
      });
    } else if (target.deployId) {
      const d = await getDeploy(trx, target.deployId);
      if (!d || d.site !== target.site)
        fail('NOT_FOUND', `no deploy ${target.deployId} at site ${target.site}`);
      deploys = [d];
    } else {
      const all = await listDeploys(trx, { site: target.site, states: ['ordered', 'delivered', 'deployed'] });
      deploys = all.slice(-1);
    }
    const rollbacks: RollbackRecord[] = [];
    const cancelled: string[] = [];
    const pending = await listRollbacks(trx, {
      ...('site' in target ? { site: target.site } : { rolloutId: target.rolloutId }),
      states: ['ordered', 'delivered'],
    });
    const issue = async (what: { site: string; deployId?: string; rolloutId?: string }) => {
      // A rollback of the same thing still on its way is the answer: asking twice does not sign and queue twice.
      const same = pending.find(
        (rb) => rb.site === what.site && rb.deployId === (what.deployId ?? null) && !rollbackExpired(rb),
      );
      return same ?? issueRollbackOrder(ctx, trx, actor, what, reason, events);
    };
    for (const d of deploys) {
      if (
        d.state === 'ordered' &&
        (await setDeployState(trx, d.id, ['ordered'], { state: 'cancelled', reason }))
      ) {
        cancelled.push(d.id);
        await appendAudit(trx, {
          actor,
          action: 'deploy.cancelled',
          subjectType: 'deploy',
          subjectId: d.id,
          details: { reason },
        });
        continue;
      }
      rollbacks.push(await issue({ site: d.site, deployId: d.id, rolloutId: d.rolloutId }));
    }
    if ('site' in target && deploys.length === 0) {
      // No deploy on record: still order the site to restore its previous program.
      rollbacks.push(await issue({ site: target.site }));
    }
    return { rollbacks, cancelledDeploys: cancelled };
  });
  publishAll(ctx, events);
  return result;
}

/** Signs, stores and audits a rollback order (`rollback.ordered`); delivery sends it. */
async function issueRollbackOrder(
  ctx: Context,
  trx: Db,
  actor: string,
  what: { site: string; deployId?: string; rolloutId?: string },
  reason: string,
  events: PendingEvents,
): Promise<RollbackRecord> {
  const issuedAt = new Date();
  const order: RollbackOrder = {
    rollbackId: newId('rb'),
    ...what,
    reason,
    issuedAt: issuedAt.toISOString(),
    notAfter: new Date(issuedAt.getTime() + ctx.config.rollbackOrderTtlMs).toISOString(),
  };
  const rb = await insertRollback(trx, ctx.signer.sign(order), actor);
  await appendAudit(trx, {
    actor,
    action: 'rollback.ordered',
    subjectType: 'rollback',
    subjectId: rb.id,
    details: { ...what, reason },
  });
  events.push({
    type: 'rollback.ordered',
    rolloutId: what.rolloutId,
    site: what.site,
    data: { rollbackId: rb.id },
  });
  return rb;
}

/**
 * Supersedes the deploy orders of `sites` in rollout `rolloutId` that are still on their
 * way (`ordered` or `delivered`) because a retry runs those sites again (a new job, a new
 * verdict, a new order): each becomes `cancelled`, its reason saying by whom and why, and
 * is audited `deploy.superseded`. A delivered one may be held by the agent (waiting for its
 * window, or for its shadow run), so it also gets a signed rollback order naming it: the
 * agent drops the order, ends its shadow run, and undoes it should it have run meanwhile
 * (its result, coming after the supersede, is stale). The agent never runs the old and the
 * new order both (ADR 0105). Returns the superseded deploys.
 */
export async function supersedeDeploys(
  ctx: Context,
  trx: Db,
  actor: string,
  rolloutId: string,
  sites: readonly string[],
  events: PendingEvents,
): Promise<{ deployId: string; site: string; rollbackId: string | null }[]> {
  if (sites.length === 0) return [];
  const open = await listDeploys(trx, { rolloutId, states: ['ordered', 'delivered'] });
  const out: { deployId: string; site: string; rollbackId: string | null }[] = [];
  for (const d of open.filter((x) => sites.includes(x.site))) {
    const reason = `superseded by ${actor}'s retry of rollout ${rolloutId}: a new job verifies site ${d.site} again, so this order (job ${d.jobId}) is void`;
    if (!(await setDeployState(trx, d.id, [d.state], { state: 'cancelled', reason }))) continue;
    const rb =
      d.state === 'delivered'
        ? await issueRollbackOrder(
            ctx,
            trx,
            actor,
            { site: d.site, deployId: d.id, rolloutId },
            reason,
            events,
          )
        : null;
    await appendAudit(trx, {
      actor,
      action: 'deploy.superseded',
      subjectType: 'deploy',
      subjectId: d.id,
      details: { site: d.site, jobId: d.jobId, was: d.state, reason, rollbackId: rb?.id ?? null },
    });
    events.push({
      type: 'deploy.updated',
      rolloutId,
      site: d.site,
      data: { deployId: d.id, state: 'cancelled' },
    });
    out.push({ deployId: d.id, site: d.site, rollbackId: rb?.id ?? null });
  }
  return out;
}

/**
 * What became of a deploy result: applied now; already applied (a resend);
 * `stale` when its deploy or rollback was settled with another outcome before
 * (kept as it was); `unknown` when the id names nothing.
 */
export type DeployResultStatus = 'applied' | 'duplicate' | 'stale' | 'unknown';

/**
 * Deploy states a result of `outcome` may move a deploy from. A deploy is
 * settled by its first result, so a resend changes nothing; a `deployed` one
 * may still become `rolled-back` or `failed` through a rollback result that
 * names the deploy instead of the rollback, as agents before the
 * `deploy.result.ack` change reported rollbacks.
 */
function deploySettledBy(outcome: DeployState): readonly DeployState[] {
  return outcome === 'rolled-back' || outcome === 'failed'
    ? ['ordered', 'delivered', 'deployed']
    : ['ordered', 'delivered'];
}

/**
 * Records what an agent reports of a deploy or rollback (`deployId` names
 * either), in one transaction with its audit entry. Idempotent: a deploy or
 * rollback is settled by its first result, so a resent result (the agent's
 * outbox resends until `deploy.result.ack`) changes nothing and is audited
 * once. Only after this returns does the gateway ack the result.
 */
export async function recordDeployResult(
  ctx: Context,
  agent: { id: string; site: string },
  msg: MessageOf<'deploy.result'>,
): Promise<DeployResultStatus> {
  const events: PendingEvents = [];
  const status = await transaction(ctx.db, async (trx): Promise<DeployResultStatus> => {
    if (msg.site !== agent.site) fail('WRONG_SITE', `agent of ${agent.site} reported for ${msg.site}`);
    const deploy = await getDeploy(trx, msg.deployId);
    if (deploy) {
      if (deploy.site !== agent.site) fail('WRONG_SITE', `deploy ${deploy.id} is for ${deploy.site}`);
      const changed = await setDeployState(trx, deploy.id, deploySettledBy(msg.outcome), {
        state: msg.outcome,
        reason: msg.reason,
        sha256Running: msg.sha256Running,
      });
      if (!changed) return deploy.state === msg.outcome ? 'duplicate' : 'stale';
      await appendAudit(trx, {
        actor: `agent:${agent.id}`,
        action: `deploy.${msg.outcome}`,
        subjectType: 'deploy',
        subjectId: deploy.id,
        details: { site: agent.site, reason: msg.reason, sha256Running: msg.sha256Running },
      });
      events.push({
        type: 'deploy.updated',
        rolloutId: deploy.rolloutId,
        site: deploy.site,
        data: { deployId: deploy.id, state: msg.outcome },
      });
      // The site's facts follow what runs there: a library-update's version changes now, not before.
      if (msg.outcome === 'deployed') await recordDeployedLibrary(trx, deploy, `agent:${agent.id}`, events);
      if (msg.outcome === 'rolled-back')
        await restoreRolledBackLibrary(trx, deploy.id, `agent:${agent.id}`, events);
      return 'applied';
    }
    const rb = await getRollback(trx, msg.deployId);
    if (!rb) return 'unknown';
    if (rb.site !== agent.site) fail('WRONG_SITE', `rollback ${rb.id} is for ${rb.site}`);
    const state = msg.outcome === 'rolled-back' || msg.outcome === 'deployed' ? 'rolled-back' : msg.outcome;
    if (!(await setRollbackState(trx, rb.id, ['ordered', 'delivered'], state)))
      return rb.state === state ? 'duplicate' : 'stale';
    if (rb.deployId && state === 'rolled-back') {
      await setDeployState(trx, rb.deployId, ['ordered', 'delivered', 'deployed'], {
        state: 'rolled-back',
        reason: rb.reason,
      });
      await restoreRolledBackLibrary(trx, rb.deployId, `agent:${agent.id}`, events);
    }
    await appendAudit(trx, {
      actor: `agent:${agent.id}`,
      action: `rollback.${state}`,
      subjectType: 'rollback',
      subjectId: rb.id,
      details: { site: agent.site, reason: msg.reason },
    });
    events.push({
      type: 'deploy.updated',
      rolloutId: rb.rolloutId ?? undefined,
      site: rb.site,
      data: { rollbackId: rb.id, state },
    });
    return 'applied';
  });
  publishAll(ctx, events);
  return status;
}

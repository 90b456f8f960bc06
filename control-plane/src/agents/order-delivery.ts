import { appendAudit } from '../audit/audit.repository';
import type { Context } from '../context';
import { listDeploys, listRollbacks, setDeployState, setRollbackState } from '../deploys/deploy.repository';
import { rollbackExpired } from '../deploys/deploy.service';
import { transaction } from '../store/database';
import { agentMessage } from './agent-message';
import { type AgentSessions, send, shadowNeeds } from './agent-session';
import { listShadowReports } from './shadow-report.repository';

/**
 * Delivers signed deploy and rollback orders to a connected agent of their site,
 * marking each delivered once; a rollback order past its `notAfter` expires instead.
 */
export class OrderDelivery {
  constructor(
    private readonly ctx: Context,
    private readonly sessions: AgentSessions,
  ) {}

  /** Sends the orders of every site (or of `onlySite`) not yet delivered; `resend` includes delivered ones. */
  async deliver(onlySite?: string, resend = false): Promise<void> {
    if (!this.sessions.anySite) return;
    const states = resend ? (['ordered', 'delivered'] as const) : (['ordered'] as const);
    const where = { states, ...(onlySite ? { site: onlySite } : {}) };
    for (const d of await listDeploys(this.ctx.db, where)) {
      // An order with a shadow gate goes only to an agent that runs it: an older agent would
      // ignore it and deploy unshadowed (fail closed; the progress view says who holds it).
      const session = this.sessions.welcomedOf(d.site, shadowNeeds(d.order.payload.shadow));
      if (!session) continue;
      // Its shadow run ended without passing (the agent stopped mid-run: no deploy result
      // comes): the gate judged that run, so the order is not sent again to run another.
      if (
        d.state === 'delivered' &&
        d.order.payload.shadow &&
        (await this.shadowEndedUnpassed(d.order.payload))
      )
        continue;
      if (
        d.state === 'ordered' &&
        !(await setDeployState(this.ctx.db, d.id, ['ordered'], { state: 'delivered', delivered: true }))
      )
        continue;
      send(session, agentMessage('deploy.order', { order: d.order }));
    }
    for (const rb of await listRollbacks(this.ctx.db, where)) {
      if (rollbackExpired(rb)) {
        await this.expireRollback(rb.id, rb.site);
        continue;
      }
      const session = this.sessions.welcomedOf(rb.site);
      if (!session) continue;
      if (
        rb.state === 'ordered' &&
        !(await setRollbackState(this.ctx.db, rb.id, ['ordered'], 'delivered', true))
      )
        continue;
      send(session, agentMessage('rollback.order', { order: rb.order }));
    }
  }

  /** Whether the deploy's candidate shadow run ended (the first end settles it) other than passed. */
  private async shadowEndedUnpassed(order: { jobId: string; deployId: string }): Promise<boolean> {
    const runs = await listShadowReports(this.ctx.db, { jobId: order.jobId });
    return runs.some(
      (r) =>
        r.kind === 'candidate' &&
        r.deployId === order.deployId &&
        r.state !== 'running' &&
        r.state !== 'passed',
    );
  }

  /** Marks a rollback whose order passed its `notAfter` as expired (it is never delivered again). */
  private async expireRollback(id: string, site: string): Promise<void> {
    await transaction(this.ctx.db, async (trx) => {
      if (!(await setRollbackState(trx, id, ['ordered', 'delivered'], 'expired'))) return;
      await appendAudit(trx, {
        actor: 'system',
        action: 'rollback.expired',
        subjectType: 'rollback',
        subjectId: id,
        details: { site },
      });
    });
    this.ctx.bus.publish({ type: 'deploy.updated', site, data: { rollbackId: id, state: 'expired' } });
  }
}

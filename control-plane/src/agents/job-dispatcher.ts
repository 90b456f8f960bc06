import type { JobBundle, RolloutPlan, SiteLibrary } from '@plcfleet/protocols';
import { WebSocket } from 'ws';
import type { Context } from '../context';
import { claimJob, listJobs, listReadyJobs, unclaimJobs } from '../jobs/job.repository';
import { getMigration } from '../migrations/migration.repository';
import { getRollout } from '../rollouts/rollout.repository';
import { shadowRequirement } from '../rollouts/shadow-gate';
import type { Db } from '../store/database';
import { fromJson, nowIso } from '../util';
import { agentMessage } from './agent-message';
import { type AgentSession, type AgentSessions, send, shadowNeeds } from './agent-session';
import type { OrderDelivery } from './order-delivery';

/** Dispatch requests this close together share one pass. */
const DISPATCH_COALESCE_MS = 5;

/** What an offer of a rollout's job carries, read once per rollout. */
interface RolloutOffer {
  leaseMs: number;
  migration: JobBundle['migration'];
  migrationId: string;
  plan: RolloutPlan;
}

/** Sites per query when reading the libraries of a pass's sites. */
const LIBRARIES_CHUNK = 500;

/**
 * The registry's libraries of each of `sites` that has some, read at once: a pass offers to
 * thousands of sites, and one query per offer cost more than claiming the job.
 */
async function librariesOf(db: Db, sites: readonly string[]): Promise<Map<string, SiteLibrary[]>> {
  const libraries = new Map<string, SiteLibrary[]>();
  for (let i = 0; i < sites.length; i += LIBRARIES_CHUNK) {
    const rows = await db
      .selectFrom('sites')
      .select(['name', 'libraries'])
      .where('name', 'in', sites.slice(i, i + LIBRARIES_CHUNK))
      .where('libraries', 'is not', null)
      .execute();
    for (const r of rows) libraries.set(r.name, fromJson(r.libraries));
  }
  return libraries;
}

/** The capabilities an agent needs for a job of phase `phaseIndex`: `shadow` when its bundle asks for a run. */
function needsOf(offer: RolloutOffer, phaseIndex: number): readonly string[] {
  return shadowNeeds(shadowRequirement(offer.plan.phases[phaseIndex], 'before-approval'));
}

/**
 * Offers ready jobs to idle agents of their site: each claim is committed (under a
 * lease) before its signed bundle is sent; then the orders waiting for delivery go out.
 */
export class JobDispatcher {
  private readonly rolloutCache = new Map<string, RolloutOffer>();
  private dispatching: Promise<void> | null = null;
  private dispatchTimer: NodeJS.Timeout | null = null;
  private dispatchAgain = false;
  private closed = false;

  constructor(
    private readonly ctx: Context,
    private readonly sessions: AgentSessions,
    private readonly orders: OrderDelivery,
  ) {}

  /**
   * Asks for a dispatch pass: requests close together share one (the first waits a few
   * milliseconds, those after it join, a request during a pass asks for one more after it
   * once), and one pass runs at a time.
   */
  dispatch(): void {
    if (this.closed) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatchTimer ??= setTimeout(() => {
      this.dispatchTimer = null;
      this.dispatchNow();
    }, DISPATCH_COALESCE_MS);
  }

  /** Sends again the offers of jobs a newly welcomed agent held before (a restart of either side). */
  async offerHeld(session: AgentSession): Promise<void> {
    const held = await listJobs(this.ctx.db, { site: session.site, states: ['offered', 'running'] });
    const mine = held.filter((j) => j.agentId === session.agentId);
    const libraries = mine.some((j) => j.state === 'offered')
      ? (await librariesOf(this.ctx.db, [session.site])).get(session.site)
      : undefined;
    for (const job of mine) {
      const offer = await this.rolloutOffer(job.rolloutId);
      // An agent that no longer names `shadow` (downgraded) is not sent a bundle with a shadow gate; its lease lapses.
      if (offer && !needsOf(offer, job.phaseIndex).every((c) => session.capabilities.includes(c))) continue;
      session.leaseMs = offer?.leaseMs ?? session.leaseMs;
      session.jobId = job.id;
      if (job.state === 'offered' && offer) this.sendOffer(session, job, job.attempt, offer, libraries);
    }
  }

  /** Stops dispatching and waits for a pass in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = null;
    await this.dispatching?.catch(() => {});
  }

  private dispatchNow(): void {
    if (this.closed) return;
    this.dispatchAgain = false;
    this.dispatching = this.dispatchOnce()
      .catch((err) => this.ctx.log.error({ err }, 'dispatch failed'))
      .finally(() => {
        this.dispatching = null;
        if (this.dispatchAgain) this.dispatch();
      });
  }

  private async dispatchOnce(): Promise<void> {
    // Ask the store first: with thousands of agents connected and nothing ready,
    // a pass costs one query, not a walk over every connection.
    const ready = this.sessions.anyAgent ? await listReadyJobs(this.ctx.db, 10_000) : [];
    const taken = new Set<AgentSession>();
    const planned: { job: (typeof ready)[number]; session: AgentSession; offer: RolloutOffer }[] = [];
    for (const job of ready) {
      if (this.closed) break;
      const offer = await this.rolloutOffer(job.rolloutId);
      if (!offer) continue;
      // A bundle with a shadow gate goes only to an agent that runs it (an older one would ignore it).
      const session = this.sessions.idleOf(job.site, taken, needsOf(offer, job.phaseIndex));
      if (!session) continue;
      taken.add(session);
      planned.push({ job, session, offer });
    }
    // The registry's libraries as the pass starts: a library-update's deploy changes them between passes.
    const libraries = await librariesOf(
      this.ctx.db,
      planned.map((p) => p.job.site),
    );
    // Claims share transactions (group commit); each offer goes out once its claim is committed.
    const claims = planned.map(({ job, session, offer }) =>
      this.ctx.writes
        .run((trx) => claimJob(trx, job.id, session.agentId, offer.leaseMs))
        .then(async (claimed) => {
          if (!claimed) return;
          if (session.ws.readyState !== WebSocket.OPEN) {
            await unclaimJobs(this.ctx.db, session.agentId);
            return;
          }
          session.jobId = job.id;
          session.leaseMs = offer.leaseMs;
          this.sendOffer(session, job, claimed.attempt, offer, libraries.get(job.site));
        }),
    );
    const failed = (await Promise.allSettled(claims)).find((c) => c.status === 'rejected');
    if (failed) this.ctx.log.warn({ err: failed.reason }, 'claiming jobs failed; they stay ready');
    await this.orders.deliver();
  }

  private async rolloutOffer(rolloutId: string): Promise<RolloutOffer | undefined> {
    const cached = this.rolloutCache.get(rolloutId);
    if (cached) return cached;
    const r = await getRollout(this.ctx.db, rolloutId);
    if (!r) return undefined;
    const m = await getMigration(this.ctx.db, r.migrationId, r.revision);
    if (!m) return undefined;
    const offer = { leaseMs: r.plan.lease, migration: m.document, migrationId: m.id, plan: r.plan };
    this.rolloutCache.set(rolloutId, offer);
    return offer;
  }

  private sendOffer(
    session: AgentSession,
    job: { id: string; rolloutId: string; phaseIndex: number },
    attempt: number,
    offer: RolloutOffer,
    libraries: SiteLibrary[] | undefined,
  ): void {
    // A phase whose shadow runs before approval asks the agent for it in the bundle.
    const shadow = shadowRequirement(offer.plan.phases[job.phaseIndex], 'before-approval');
    const bundle: JobBundle = {
      jobId: job.id,
      rolloutId: job.rolloutId,
      site: session.site,
      attempt,
      migration: offer.migration,
      issuedAt: nowIso(),
      ...(shadow ? { shadow } : {}),
      ...(libraries ? { libraries } : {}),
    };
    send(
      session,
      agentMessage('job.offer', { bundle: this.ctx.signer.sign(bundle), leaseMs: offer.leaseMs }),
    );
    this.ctx.metrics.offersSent.inc();
  }
}

import type { EventEmitter } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployOrder, RollbackOrder } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { type AgentLink, openSigned } from '../link';
import type { AgentEvents, Refuse } from './agent-events';
import type { DeployWatcher } from './deploy-watcher';
import { type Deployer, type DeployResult, windowProblem } from './deployer';
import type { OutboxSender } from './outbox-sender';
import type { CandidateShadows } from './shadow-runs';
import { readJson, removeFile, writeJsonAtomic } from './state-files';

/** What an {@link OrderQueue} deploys with and reports to. */
export interface OrderQueueOptions {
  site: string;
  /** Where orders waiting for their window are kept (`<dir>/<deployId>.json`). */
  pendingDir: string;
  deployer: Deployer;
  link: AgentLink;
  sender: OutboxSender;
  logger: Logger;
  events: EventEmitter<AgentEvents>;
  refuse: Refuse;
  /** The clock deploy windows are checked against. */
  now: () => Date;
  /** Whether the agent is stopping: an order before its window is no longer scheduled. */
  stopping: () => boolean;
  /** Watches each deploy after it reported `deployed` (none without a configured watch). */
  watcher?: DeployWatcher;
  /** Runs an order's program in shadow before deploying it, when the order asks (`shadow`). */
  shadows?: CandidateShadows;
  /**
   * Where the latest deploy order of each rollout is kept (`{ rolloutId: { deployId, issuedAt } }`):
   * an order of a rollout issued before one already taken is superseded (ADR 0105). None: not checked.
   */
  latestFile?: string;
}

/** The latest deploy order taken of each rollout. */
type LatestOrders = Record<string, { deployId: string; issuedAt: string }>;

function deployKey(deployId: string): string {
  return `deploy:${deployId}`;
}

/**
 * Deploy and rollback orders, one at a time in arrival order: an order before
 * its maintenance window waits for it (kept on disk, so a restart waits too),
 * a rollback cancels a deploy still waiting, and every result is committed to
 * the outbox once (an order seen again gets its stored result).
 */
export class OrderQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  /** Orders whose shadow run passed (in memory: after a restart the run is repeated). */
  private readonly shadowed = new Set<string>();
  /** Deploys a rollback order (or a later order of their rollout) cancelled before they ran. */
  private readonly cancelled = new Set<string>();
  private latestLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: OrderQueueOptions) {}

  /** Answers a `deploy.order` (its signed payload is `rawSigned`). */
  async deploy(replyTo: string, rawSigned: unknown): Promise<void> {
    const { link, sender, refuse, site, logger, now } = this.o;
    const opened = openSigned(rawSigned, DeployOrder, link.currentSession?.trustedKeys ?? []);
    if (!opened.ok) return refuse('deploy.order', opened.code, opened.reason, replyTo);
    const order = opened.payload;
    const done = await sender.get(deployKey(order.deployId));
    if (done) {
      logger.info({ deployId: order.deployId }, 'deploy already handled; sending its result again');
      await sender.send(done);
      return;
    }
    if (order.site !== site) {
      return this.finish(order.deployId, {
        type: 'deploy.result',
        deployId: order.deployId,
        site: order.site,
        outcome: 'refused',
        reason: `the order is for site "${order.site}", this agent serves "${site}"`,
        sha256Running: null,
      });
    }
    // A retry supersedes a site's earlier order of the rollout (ADR 0105): never run two.
    const superseded = await this.supersede(order);
    if (superseded)
      return this.finish(order.deployId, {
        type: 'deploy.result',
        deployId: order.deployId,
        site: order.site,
        outcome: 'refused',
        reason: superseded,
        sha256Running: null,
      });
    const problem = windowProblem(order.window, now());
    const opensAt = Date.parse(order.window.notBefore);
    // An order whose window is over is refused below at once: no shadow run for it.
    const windowOver = problem !== null && opensAt <= now().getTime();
    if (order.shadow && !this.shadowed.has(order.deployId) && !windowOver) {
      // The phase's shadow gate after approval: the approved program runs against the live PLC
      // first (outside the queue: a rollback must not wait for it); only a pass deploys.
      void this.shadowFirst(replyTo, rawSigned, order).catch((err: unknown) =>
        logger.error({ err, deployId: order.deployId }, 'shadow before deploy failed'),
      );
      return;
    }
    if (problem && opensAt > now().getTime() && !this.o.stopping()) {
      // Before its window: wait for it (kept on disk, so a restart waits too).
      await writeJsonAtomic(this.pendingFile(order.deployId), rawSigned);
      this.schedule(order, opensAt - now().getTime());
      return;
    }
    await this.enqueueDeploy(order);
  }

  /**
   * Takes `order` as its rollout's latest (the signed `rolloutId` and `issuedAt` say which is
   * later), or says why it is superseded: a later order of the rollout was taken already. An
   * earlier order of the rollout not yet carried out — waiting for its window, in its shadow
   * run — is void then: dropped, its run ended, and refused with the reason.
   */
  private supersede(order: DeployOrder): Promise<string | null> {
    // One at a time: two orders arriving together must not both read the file before either writes it.
    const next = this.latestLock.then(() => this.supersedeNow(order));
    this.latestLock = next.catch(() => undefined);
    return next;
  }

  private async supersedeNow(order: DeployOrder): Promise<string | null> {
    const file = this.o.latestFile;
    if (!file) return null;
    const latest = ((await readJson(file)) ?? {}) as LatestOrders;
    const seen = latest[order.rolloutId];
    if (seen?.deployId === order.deployId) return null;
    if (seen && Date.parse(seen.issuedAt) > Date.parse(order.issuedAt))
      return `superseded: deploy ${seen.deployId} of rollout ${order.rolloutId} was ordered later (${seen.issuedAt}) than this one (${order.issuedAt}); an agent runs only the latest order of a rollout`;
    await writeJsonAtomic(file, {
      ...latest,
      [order.rolloutId]: { deployId: order.deployId, issuedAt: order.issuedAt },
    });
    if (seen)
      await this.voidOrder(
        seen.deployId,
        order.site,
        `superseded by deploy ${order.deployId} of rollout ${order.rolloutId}, ordered later (${order.issuedAt})`,
      );
    return null;
  }

  /** Voids an order not yet carried out (in the queue, so not while it is being carried out). */
  private voidOrder(deployId: string, site: string, reason: string): Promise<void> {
    const next = this.tail.then(async () => {
      if (await this.o.sender.get(deployKey(deployId))) return;
      this.cancelled.add(deployId);
      clearTimeout(this.scheduled.get(deployId));
      this.scheduled.delete(deployId);
      await this.o.shadows?.cancel(deployId);
      this.o.logger.warn({ deployId, reason }, 'deploy order superseded');
      await this.finish(deployId, {
        type: 'deploy.result',
        deployId,
        site,
        outcome: 'refused',
        reason,
        sha256Running: null,
      });
    });
    this.tail = next.catch((err: unknown) => this.o.logger.error({ err }, 'superseding bookkeeping failed'));
    return next.catch(() => undefined);
  }

  /** Runs an order's shadow, then deploys it (or refuses it, naming what diverged). */
  private async shadowFirst(replyTo: string, rawSigned: unknown, order: DeployOrder): Promise<void> {
    const { shadows, logger } = this.o;
    const run = shadows
      ? await shadows.run(
          { jobId: order.jobId, rolloutId: order.rolloutId, deployId: order.deployId },
          order.shadow!,
        )
      : undefined;
    if (run?.state === 'passed') {
      this.shadowed.add(order.deployId);
      return this.deploy(replyTo, rawSigned);
    }
    // A rollback order or a stop ended the run: no deploy, and no result (the control plane settles it).
    if (this.o.stopping() || this.cancelled.has(order.deployId)) return;
    const why = run ? `${run.state}: ${run.reason}` : 'this agent cannot run shadows';
    logger.warn({ deployId: order.deployId, reason: why }, 'deploy refused: its shadow run did not pass');
    await this.finish(order.deployId, {
      type: 'deploy.result',
      deployId: order.deployId,
      site: order.site,
      outcome: 'refused',
      reason: `shadow before deploy ${why}`,
      sha256Running: null,
    });
  }

  /** Answers a `rollback.order` (its signed payload is `rawSigned`). */
  async rollback(replyTo: string, rawSigned: unknown): Promise<void> {
    const { link, sender, refuse, deployer, events, logger } = this.o;
    const opened = openSigned(rawSigned, RollbackOrder, link.currentSession?.trustedKeys ?? []);
    if (!opened.ok) return refuse('rollback.order', opened.code, opened.reason, replyTo);
    const order = opened.payload;
    const key = `rollback:${order.rollbackId}`;
    const done = await sender.get(key);
    if (done) return sender.send(done);
    const next = this.tail.then(async () => {
      if (await sender.get(key)) return;
      // A rollback also cancels a deploy still waiting for its window.
      if (order.deployId && this.scheduled.has(order.deployId)) {
        clearTimeout(this.scheduled.get(order.deployId));
        this.scheduled.delete(order.deployId);
        await removeFile(this.pendingFile(order.deployId));
      }
      // A rollback ends the watch of what it undoes (the last deploy when it names none),
      // and a shadow run its deploy waits for.
      if (order.deployId) {
        this.cancelled.add(order.deployId);
        await this.o.shadows?.cancel(order.deployId);
      }
      await this.o.watcher?.cancel(order.deployId);
      const result = await deployer.rollback(order);
      await sender.commit(key, 'deploy.result', result);
      events.emit('deploy.result', result);
    });
    this.tail = next.catch((err: unknown) => logger.error({ err }, 'rollback bookkeeping failed'));
    await next.catch(() => undefined);
  }

  /** Schedules again the orders kept on disk waiting for their window (after a (re)connect). */
  async reschedule(): Promise<void> {
    const { pendingDir, link, now } = this.o;
    let names: string[] = [];
    try {
      names = await readdir(pendingDir);
    } catch {
      return;
    }
    for (const name of names) {
      const rawSigned = await readJson(join(pendingDir, name));
      const opened = openSigned(rawSigned, DeployOrder, link.currentSession?.trustedKeys ?? []);
      if (!opened.ok) continue;
      if (this.scheduled.has(opened.payload.deployId)) continue;
      this.schedule(opened.payload, Date.parse(opened.payload.window.notBefore) - now().getTime());
    }
  }

  /** Forgets the scheduled orders (they stay on disk for the next start). */
  unschedule(): void {
    for (const t of this.scheduled.values()) clearTimeout(t);
    this.scheduled.clear();
  }

  /** Resolves when the order being carried out (and those queued behind it) are done. */
  idle(): Promise<unknown> {
    return this.tail;
  }

  private pendingFile(deployId: string): string {
    return join(this.o.pendingDir, `${encodeURIComponent(deployId)}.json`);
  }

  private schedule(order: DeployOrder, delayMs: number): void {
    if (this.scheduled.has(order.deployId)) return;
    this.o.logger.info(
      { deployId: order.deployId, notBefore: order.window.notBefore },
      'deploy waits for its window',
    );
    const t = setTimeout(
      () => {
        this.scheduled.delete(order.deployId);
        void this.enqueueDeploy(order);
      },
      Math.min(Math.max(0, delayMs), 2 ** 31 - 1),
    );
    this.scheduled.set(order.deployId, t);
  }

  private enqueueDeploy(order: DeployOrder): Promise<void> {
    const next = this.tail.then(async () => {
      if (await this.o.sender.get(deployKey(order.deployId))) return;
      // Site-side defer: while the line says it is busy, wait (inside the window) and look again.
      const busy = await this.o.watcher?.lineBusy();
      if (busy && !windowProblem(order.window, this.o.now()) && !this.o.stopping()) {
        const recheck = this.o.watcher!.deferRecheckMs;
        this.o.logger.warn(
          { deployId: order.deployId, reason: busy, recheckMs: recheck },
          'deploy deferred: line busy',
        );
        this.o.events.emit('deploy.deferred', { deployId: order.deployId, reason: busy });
        // The control plane shows it: the rollout's phase says "deferred (line busy)".
        this.o.sender.sendOrBuffer({
          type: 'deploy.deferred',
          deployId: order.deployId,
          site: order.site,
          reason: busy,
          recheckMs: recheck,
        });
        this.schedule(order, recheck);
        return;
      }
      const result = await this.o.deployer.deploy(order);
      await this.finish(order.deployId, result);
      if (result.outcome === 'deployed') this.o.watcher?.start(order);
    });
    this.tail = next.catch((err: unknown) => this.o.logger.error({ err }, 'deploy bookkeeping failed'));
    return next.catch(() => undefined);
  }

  private async finish(deployId: string, result: DeployResult): Promise<void> {
    await this.o.sender.commit(deployKey(deployId), 'deploy.result', result);
    await removeFile(this.pendingFile(deployId));
    if (result.outcome === 'refused')
      this.o.events.emit('refused', { type: 'deploy.order', code: 'CONFLICT', reason: result.reason });
    this.o.events.emit('deploy.result', result);
  }
}

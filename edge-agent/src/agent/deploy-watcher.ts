import type { EventEmitter } from 'node:events';
import type { DeployOrder } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config';
import type { AgentEvents } from './agent-events';
import type { Deployer } from './deployer';
import type { OutboxSender } from './outbox-sender';
import { openLivePlc, type ProgramLoadSettings, programLoad, reportRun } from './shadow-runs';

/** What a {@link DeployWatcher} watches with and reports to. */
export interface DeployWatcherOptions extends ProgramLoadSettings {
  watch: NonNullable<AgentConfig['watch']>;
  /** Folder of the OPC UA client PKI (an OPC UA PLC only). */
  pkiDir: string;
  deployer: Deployer;
  sender: OutboxSender;
  logger: Logger;
  events: EventEmitter<AgentEvents>;
}

/**
 * Post-deploy watch (issue #21, docs/shadow.md): after a deploy, the approved program runs
 * in shadow of the live PLC for the order's `watchMs` (else the configured period); on an
 * unexplained divergence, a comm loss or a fault the deploy is rolled back with the program
 * kept before it (the deploy order already authorised both), and the `rolled-back` result —
 * which the control plane audits and the rollout's gates count — is committed to the outbox.
 * A rollback order for the deploy ends its watch.
 */
export class DeployWatcher {
  private readonly running = new Map<string, { stop: AbortController; done: Promise<void> }>();

  constructor(private readonly o: DeployWatcherOptions) {}

  /** Starts watching a deploy that just reported `deployed`. */
  start(order: DeployOrder): void {
    const periodMs = order.watchMs ?? this.o.watch.periodMs;
    if (periodMs <= 0 || this.running.has(order.deployId)) return;
    const stop = new AbortController();
    const done = this.run(order, periodMs, stop.signal)
      .catch((err: unknown) =>
        this.o.logger.error({ err, deployId: order.deployId }, 'post-deploy watch failed'),
      )
      .finally(() => this.running.delete(order.deployId));
    this.running.set(order.deployId, { stop, done });
  }

  /** Ends the watch of `deployId` (every watch when absent), e.g. for a rollback order. */
  async cancel(deployId?: string): Promise<void> {
    const which = deployId
      ? [this.running.get(deployId)].filter((x) => x !== undefined)
      : [...this.running.values()];
    for (const w of which) w.stop.abort();
    await Promise.all(which.map((w) => w.done));
  }

  /**
   * Why a deploy must wait now (the line is busy: the `deferWhile` tag is TRUE, or it cannot
   * be read — fail closed), or null. Always null without `deferWhile`.
   */
  async lineBusy(): Promise<string | null> {
    const name = this.o.watch.deferWhile;
    if (!name) return null;
    const { map, live } = await this.openLive((t) => t.name.toLowerCase() === name.toLowerCase());
    try {
      if (map.tags.length === 0) return `the tag map has no tag ${name}`;
      const s = await live.read();
      if (!s.ok) return `${name} cannot be read (${s.error})`;
      return s.values.get(map.tags[0]!) ? `${name} is TRUE` : null;
    } finally {
      await live.close();
    }
  }

  /** How long a deferred deploy waits before the line is checked again. */
  get deferRecheckMs(): number {
    return this.o.watch.deferRecheckMs;
  }

  private openLive(only?: Parameters<typeof openLivePlc>[2]) {
    return openLivePlc(this.o.watch, this.o.pkiDir, only);
  }

  private async run(order: DeployOrder, periodMs: number, signal: AbortSignal): Promise<void> {
    const { watch, deployer, sender, logger, events } = this.o;
    const log = logger.child({ deployId: order.deployId });
    const files = await deployer.approvedProgram(order.jobId);
    const { watchDeploy } = await import('../shadow');
    // The watch's own shadow run goes to the control plane too, beside the deploy it watches.
    const reporting = reportRun(
      sender,
      {
        shadowId: `watch-${order.deployId}`,
        kind: 'watch',
        site: order.site,
        jobId: order.jobId,
        rolloutId: order.rolloutId,
        deployId: order.deployId,
        startedAt: new Date().toISOString(),
        durationMs: periodMs,
      },
      log,
    );
    let outcome: Awaited<ReturnType<typeof watchDeploy>>;
    if (!files)
      outcome = {
        ok: false,
        why: `post-deploy watch: no approved program kept for job ${order.jobId}`,
        report: null,
      };
    else {
      // A tag map that does not load is a reason too (fail closed, as a PLC that does not answer).
      const opened = await this.openLive().catch((err: unknown) => err as Error);
      if (opened instanceof Error)
        outcome = {
          ok: false,
          why: `post-deploy watch cannot read the live PLC: ${opened.message}`,
          report: null,
        };
      else {
        const { map, live } = opened;
        log.info({ periodMs, plc: live.where }, 'post-deploy watch started');
        try {
          outcome = await watchDeploy({
            files,
            map,
            live,
            durationMs: periodMs,
            cycleMs: watch.cycleMs,
            ...(watch.pollMs ? { pollMs: watch.pollMs } : {}),
            ...(watch.programName ? { programName: watch.programName } : {}),
            ...programLoad(this.o),
            signal,
          });
        } finally {
          await live.close();
        }
      }
    }
    if (signal.aborted) {
      await reporting.end(
        'failed',
        outcome.report,
        'post-deploy watch ended early (a rollback order, or the agent stops)',
      );
      return log.info('post-deploy watch ended by a rollback order');
    }
    if (outcome.ok) {
      await reporting.end('passed', outcome.report);
      return log.info({ compared: outcome.report.compared }, 'post-deploy watch passed');
    }
    await reporting.end(
      outcome.report?.divergences.length ? 'diverged' : 'failed',
      outcome.report,
      outcome.why,
    );
    log.warn({ reason: outcome.why }, 'post-deploy watch failed; rolling back');
    // The rollback is the deploy's own (the order authorised it); its result names the deploy.
    const result = await deployer.rollback({
      rollbackId: order.deployId,
      deployId: order.deployId,
      site: order.site,
      reason: outcome.why,
      issuedAt: new Date().toISOString(),
    });
    await sender.commit(`watch:${order.deployId}`, 'deploy.result', result);
    events.emit('deploy.result', result);
  }
}

import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { DeployOrder } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config';
import type { AgentEvents } from './agent-events';
import type { Deployer } from './deployer';
import type { OutboxSender } from './outbox-sender';
import { mergeSegments, ProgressStore, runHash } from './shadow-progress';
import {
  openLivePlc,
  openLiveSource,
  type ProgramLoadSettings,
  programLoad,
  type SnapshotHook,
  startReporting,
} from './shadow-runs';

/** What a {@link DeployWatcher} watches with and reports to. */
export interface DeployWatcherOptions extends ProgramLoadSettings {
  watch: NonNullable<AgentConfig['watch']>;
  /** Folder of the OPC UA client PKI (an OPC UA PLC only). */
  pkiDir: string;
  deployer: Deployer;
  sender: OutboxSender;
  logger: Logger;
  events: EventEmitter<AgentEvents>;
  /**
   * Where watches keep their progress (`<dataDir>/shadow-runs`): a watch the agent's stop or
   * crash interrupts resumes at the next start for the time it has left (ADR 0104). Without
   * it a stop ends the watch `failed`.
   */
  stateDir?: string;
  /** How often a running watch's progress is written (a crash loses at most this much). @default 10 s */
  checkpointMs?: number;
}

/** What a kept watch is: the deploy order it watches (signed before), its period and its report's meta. */
interface KeptWatch {
  order: DeployOrder;
  periodMs: number;
  startedAt: string;
}

/**
 * Post-deploy watch (issue #21, docs/shadow.md): after a deploy, the approved program runs
 * in shadow of the live PLC for the order's `watchMs` (else the configured period); on an
 * unexplained divergence, a comm loss, a fault, or a watch that could not show the PLC behaves
 * as approved (inconclusive: compared nothing, judged too little, disagreements it could not
 * confirm; ADR 0179) the deploy is rolled back with the program
 * kept before it (the deploy order already authorised both), its watch report saying why
 * (`rollback`), and the `rolled-back` result —
 * which the control plane audits and the rollout's gates count — is committed to the outbox.
 * A rollback order for the deploy ends its watch. With a `stateDir` a watch an agent stop or
 * crash interrupts is kept and resumed at the next start for the time it has left (the
 * program's state set again from the live values, the gap not counted); a watch that cannot
 * resume (the approved program is gone, the PLC does not answer) rolls back, as any watch
 * that cannot watch (ADR 0104).
 */
export class DeployWatcher {
  private readonly running = new Map<string, { stop: AbortController; done: Promise<void> }>();
  private readonly kept?: ProgressStore<KeptWatch>;
  /** The agent stops: watches pause (kept) rather than end. */
  private stopping = false;

  constructor(private readonly o: DeployWatcherOptions) {
    if (o.stateDir) this.kept = new ProgressStore(o.stateDir, 'watch-');
  }

  /** Starts watching a deploy that just reported `deployed` (or resumes its kept watch). */
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

  /** Resumes the watches a stop or crash interrupted (at start-up). */
  async resumeKept(): Promise<void> {
    for (const k of (await this.kept?.all()) ?? []) this.start(k.run.order);
  }

  /**
   * Ends the watch of `deployId` (a rollback order: its progress dropped), or every watch
   * (the agent stops: each kept to resume at the next start when there is a `stateDir`).
   */
  async cancel(deployId?: string): Promise<void> {
    if (!deployId) this.stopping = true;
    const which = deployId
      ? [this.running.get(deployId)].filter((x) => x !== undefined)
      : [...this.running.values()];
    for (const w of which) w.stop.abort();
    await Promise.all(which.map((w) => w.done));
    if (deployId) await this.kept?.remove(deployId);
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

  /** The kept watch of `order` when it watches the same program against the same tags for the same period. */
  private async resumable(order: DeployOrder, periodMs: number, hash: string | null, log: Logger) {
    const kept = await this.kept?.read(order.deployId);
    if (!kept) return null;
    if (kept.hash === hash && kept.run.periodMs === periodMs) return kept;
    log.info('the approved program, its tag map or the watch period changed: the watch starts over');
    return null;
  }

  private async run(order: DeployOrder, periodMs: number, signal: AbortSignal): Promise<void> {
    const { watch, deployer, sender, logger, events } = this.o;
    const log = logger.child({ deployId: order.deployId });
    // A watch that ended is not watched again (its kept progress outlived it: a crash at its end).
    if (await sender.get(`shadow:watch-${order.deployId}`)) {
      await this.kept?.remove(order.deployId);
      return log.info('post-deploy watch ended before; not watched again');
    }
    const files = await deployer.approvedProgram(order.jobId);
    const tagText = await readFile(watch.tags, 'utf8').catch(() => null);
    const hash =
      files && tagText !== null
        ? runHash(files, tagText, {
            ...programLoad(this.o),
            programName: watch.programName ?? null,
            cycleMs: watch.cycleMs,
          })
        : null;
    const kept = await this.resumable(order, periodMs, hash, log);
    const prior = kept?.progress ?? null;
    const resumed = kept ? kept.resumed + 1 : 0;
    const startedAt = kept?.run.startedAt ?? new Date().toISOString();
    if (kept)
      log.info({ seconds: prior?.seconds ?? 0, resumed }, 'post-deploy watch resumed after a restart');
    const store = this.kept;
    // The watch's own shadow run goes to the control plane too, beside the deploy it watches.
    const { reporting, end, checkpoint, onSnapshot } = startReporting({
      sender,
      meta: {
        shadowId: `watch-${order.deployId}`,
        kind: 'watch',
        site: order.site,
        jobId: order.jobId,
        rolloutId: order.rolloutId,
        deployId: order.deployId,
        startedAt,
        durationMs: periodMs,
      },
      log,
      prior,
      resumed,
      what: 'post-deploy watch',
      ...(store ? { keep: { store, id: order.deployId, run: { order, periodMs, startedAt }, hash } } : {}),
    });
    await checkpoint(prior);
    const { inconclusiveWhy, watchDeploy } = await import('../shadow');
    let outcome: Awaited<ReturnType<typeof watchDeploy>>;
    if (!files)
      outcome = {
        ok: false,
        why: `post-deploy watch: no approved program kept for job ${order.jobId}`,
        report: null,
        cause: 'cannot-watch',
      };
    else {
      // A tag map that does not load is a reason too (fail closed, as a PLC that does not answer).
      const opened = await openLiveSource(this.o.watch, this.o.pkiDir).catch((err: unknown) => err as Error);
      if (opened instanceof Error)
        outcome = {
          ok: false,
          why: `post-deploy watch cannot read the live PLC: ${opened.message}`,
          report: null,
          cause: 'cannot-watch',
        };
      else {
        const { map, live } = opened;
        // The time it has left: what was watched before a restart counts, the gap does not.
        const leftMs = Math.max(0, periodMs - (prior?.seconds ?? 0) * 1000);
        log.info({ periodMs, leftMs, plc: live.where }, 'post-deploy watch started');
        const options: Parameters<typeof watchDeploy>[0] & SnapshotHook = {
          files,
          map,
          live,
          durationMs: leftMs,
          cycleMs: watch.cycleMs,
          ...(watch.pollMs ? { pollMs: watch.pollMs } : {}),
          ...(watch.commLossGraceMs !== undefined ? { commLossGraceMs: watch.commLossGraceMs } : {}),
          ...(watch.programName ? { programName: watch.programName } : {}),
          ...programLoad(this.o),
          signal,
          snapshotEveryMs: this.o.checkpointMs ?? 10_000,
          onSnapshot,
        };
        try {
          // The first sample of every segment sets the program's state from the live values.
          outcome = await watchDeploy(options);
        } finally {
          await live.close();
        }
      }
    }
    const report = outcome.report ? mergeSegments(prior, outcome.report) : prior;
    // A watch resumed with no time left passes on what it judged before; if that was nothing it
    // could not show the deploy behaves either (ADR 0179).
    if (outcome.ok && !signal.aborted && (report?.compared ?? 0) === 0)
      outcome = {
        ok: false,
        why:
          (report && inconclusiveWhy(report, periodMs)) ?? 'post-deploy watch inconclusive: nothing compared',
        report: outcome.report,
        cause: 'inconclusive',
      };
    if (signal.aborted) {
      if (this.stopping && this.kept && outcome.ok) {
        // The agent stops: the watch is kept and resumes at the next start (no rollback, no end).
        await checkpoint(report);
        reporting.pause(report);
        return log.info(
          { seconds: report?.seconds ?? 0 },
          'post-deploy watch paused: it resumes at the next start',
        );
      }
      if (outcome.ok || !this.stopping) {
        await end('failed', report, 'post-deploy watch ended early (a rollback order, or the agent stops)');
        return log.info('post-deploy watch ended by a rollback order or a stop');
      }
    }
    if (outcome.ok) {
      await end('passed', report);
      return log.info({ compared: report?.compared }, 'post-deploy watch passed');
    }
    // The report says why the deploy is rolled back (`rollback`), an inconclusive watch apart
    // from a divergence; its state stays one an older control plane knows.
    await end(outcome.cause === 'divergence' ? 'diverged' : 'failed', report, outcome.why, outcome.cause);
    log.warn(
      { reason: outcome.why, cause: outcome.cause },
      outcome.cause === 'inconclusive'
        ? 'post-deploy watch inconclusive; rolling back'
        : 'post-deploy watch failed; rolling back',
    );
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

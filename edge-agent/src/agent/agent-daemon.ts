import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CAPABILITIES, type Envelope, type MessageOf } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { DriftMonitor, LiveStore } from '../drift';
import { AgentLink, type LinkSession } from '../link';
import { Outbox, type OutboxItem } from '../outbox';
import {
  createDirectorySource,
  createGitSource,
  createOpcuaSource,
  gitCacheDir,
  isGitSource,
  openProgramSource,
  type ProgramSource,
} from '../sources';
import type { AgentConfig } from './agent-config';
import type { AgentEvents, Refuse } from './agent-events';
import { createAgentLogger } from './agent-logger';
import { DeployWatcher } from './deploy-watcher';
import { Deployer } from './deployer';
import { type EnrollFn, resolveCredentials } from './enroll';
import { createExecutorRunner } from './executor-runner';
import type { JobRunner } from './job-runner';
import { JobSupervisor } from './job-supervisor';
import { OrderQueue } from './order-queue';
import { OutboxSender } from './outbox-sender';
import { CandidateShadows, programLoad } from './shadow-runs';
import { removeStrayTemps } from './state-files';

/**
 * A cutover stage report from the staging bridge: its whole `stage.report`
 * message, or just the fields (`site` defaults to the agent's).
 */
export type StageReportInput = Omit<MessageOf<'stage.report'>, 'v' | 'id' | 'ts' | 'type' | 'site'> & {
  site?: string;
};

/** What the daemon needs besides its config; each has a production default. */
export interface AgentDeps {
  /** Runs jobs. @default the migration executor */
  runner?: JobRunner;
  /** The program source deploys write to. @default from `config.program` */
  source?: ProgramSource;
  /** @default JSON lines on stdout at `config.logLevel` */
  logger?: Logger;
  /** The clock deploy windows are checked against. @default () => new Date() */
  now?: () => Date;
  /** The enrollment exchange. @default POST /v1/agents/enroll */
  enroll?: EnrollFn;
  /** Jitter source for reconnects. @default Math.random */
  random?: () => number;
}

/** A snapshot of the agent for status displays. */
export interface AgentStatus {
  agentId: string;
  site: string;
  connected: boolean;
  runningJobs: string[];
  stopping: boolean;
}

/** A running agent. */
export interface AgentHandle {
  readonly agentId: string;
  readonly events: EventEmitter<AgentEvents>;
  /** Resolves with the session once connected (at once when already connected). */
  connected(): Promise<LinkSession>;
  /**
   * Forwards a cutover stage report (buffered while the link is down, the
   * last 100 kept). Wire the staging bridge with
   * `onReport: (r) => agent.reportStage(r)`.
   */
  reportStage(report: StageReportInput): void;
  /** Unacked outbox items (verdicts and deploy results the control plane has not acked). */
  pending(): Promise<OutboxItem[]>;
  status(): AgentStatus;
  /** Drops the current connection (it reconnects); for fault drills and tests. */
  dropLink(reason?: string): void;
  /**
   * Stops: refuses new work, lets the running job finish for up to `graceMs`
   * (default `config.shutdownGraceMs`) and parks it after that (it resumes on
   * the next start), waits for a deploy in progress, flushes and closes.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const STAGE_BUFFER = 100;

/**
 * Starts an edge agent in this process: resolves its credentials (enrolling
 * once if needed), opens the outbox, connects to the control plane and serves
 * jobs, deploy and rollback orders until {@link AgentHandle.stop}.
 *
 * @example
 * const agent = await startAgent(await loadAgentConfig('agent.yaml', process.env));
 * process.once('SIGTERM', () => agent.stop().then(() => process.exit(0)));
 */
export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<AgentHandle> {
  await mkdir(config.dataDir, { recursive: true });
  const creds = await resolveCredentials(config, deps.enroll);
  const logger =
    deps.logger?.child({ agentId: creds.agentId }) ??
    createAgentLogger({ level: config.logLevel, agentId: creds.agentId, site: config.site });
  // A crash during an atomic write of a run's progress leaves a `*.tmp` beside it: none is in use now.
  const stray = await removeStrayTemps(join(config.dataDir, 'shadow-runs'));
  if (stray.length > 0) logger.info({ files: stray }, 'removed temporary files a crash left in shadow-runs');
  const now = deps.now ?? (() => new Date());
  const source = deps.source ?? defaultSource(config);
  // The release (`drift.released`), opened once: drift compares the live program with it and, when
  // it is a Git repository beside a PLC, jobs push their change branch to it and deploys tag it.
  const released = config.drift
    ? openProgramSource(config.drift.released, {
        git: { cacheDir: gitCacheDir(join(config.dataDir, 'git'), config.drift.released) },
      })
    : undefined;
  const release = released && isGitSource(released) ? released : undefined;
  const runner =
    deps.runner ??
    createExecutorRunner({
      site: config.site,
      source,
      policy: config.policy,
      siteFacts: config.siteFacts,
      transformer: config.transformer,
      ...(config.libraries ? { libraries: config.libraries } : {}),
      ...(config.defines ? { defines: config.defines } : {}),
      ...(release ? { release } : {}),
    });
  const outbox = await Outbox.open(config.dataDir);
  const deployer = new Deployer({
    dataDir: config.dataDir,
    site: config.site,
    source,
    logger,
    now,
    ...(release ? { release } : {}),
  });
  const events = new EventEmitter<AgentEvents>();
  let stopping = false;
  const isStopping = () => stopping;

  const link: AgentLink = new AgentLink(
    {
      url: config.controlPlane.url,
      token: creds.token,
      agentId: creds.agentId,
      site: config.site,
      agentVersion: config.agentVersion,
      protocolVersions: config.protocolVersions,
      // `shadow`: the control plane sends a bundle or order with a shadow gate only to agents naming it.
      capabilities: ['jobs', 'deploy', 'rollback', 'stage-report', CAPABILITIES.shadowRuns],
      pinnedKeys: config.controlPlane.signingKeys,
      heartbeatMs: config.heartbeatMs,
      reconnect: config.reconnect,
      logger,
      runningJobIds: () => jobs.runningIds(),
      ...(deps.random ? { random: deps.random } : {}),
    },
    {
      onUp: (session) => {
        events.emit('connected', session);
        void afterConnect().catch((err: unknown) => logger.error({ err }, 'after-connect work failed'));
      },
      onDown: (reason) => {
        sender.pause();
        events.emit('disconnected', reason);
      },
      onMessage: (msg, raw) => {
        void onMessage(msg, raw).catch((err: unknown) => logger.error({ err }, 'handling a message failed'));
      },
    },
  );

  const refuse: Refuse = (type, code, reason, replyTo) => {
    logger.warn({ type, code, reason, replyTo }, 'refused');
    events.emit('refused', { type, code, reason });
    link.send({
      type: 'error',
      code,
      message: `${type} refused: ${reason}`,
      ...(replyTo ? { replyTo } : {}),
    });
  };
  const sender = new OutboxSender({
    outbox,
    link,
    logger,
    events,
    resendAfterMs: config.resendAfterMs,
    stageBufferSize: STAGE_BUFFER,
  });
  // Fleet shadow (issue #21): candidates run against the live PLC of `watch` for shadow gates.
  const shadows = new CandidateShadows({
    site: config.site,
    ...(config.watch ? { watch: config.watch } : {}),
    pkiDir: join(config.dataDir, 'opcua-pki'),
    ...programLoad(config),
    stateDir: join(config.dataDir, 'shadow-runs'),
    deployer,
    sender,
    logger,
  });
  const jobs = new JobSupervisor({
    site: config.site,
    concurrency: config.concurrency,
    jobsDir: join(config.dataDir, 'jobs'),
    runner,
    deployer,
    link,
    sender,
    logger,
    events,
    refuse,
    stopping: isStopping,
    shadows,
  });
  const watcher = config.watch
    ? new DeployWatcher({
        watch: config.watch,
        pkiDir: join(config.dataDir, 'opcua-pki'),
        ...programLoad(config),
        stateDir: join(config.dataDir, 'shadow-runs'),
        deployer,
        sender,
        logger,
        events,
      })
    : undefined;
  const orders = new OrderQueue({
    site: config.site,
    pendingDir: join(config.dataDir, 'pending-deploys'),
    latestFile: join(config.dataDir, 'rollout-orders.json'),
    deployer,
    link,
    sender,
    logger,
    events,
    refuse,
    now,
    stopping: isStopping,
    shadows,
    ...(watcher ? { watcher } : {}),
  });

  // Drift (issue #22): the live program against the released one, hourly and after every deploy.
  const drift =
    config.drift && released
      ? new DriftMonitor({
          site: config.site,
          released,
          live: source,
          store: new LiveStore(join(config.dataDir, 'drift'), { keep: config.drift.keep }),
          intervalMs: config.drift.intervalMs,
          report: (report) => sender.sendOrBuffer({ type: 'drift.report', report }),
          logger,
        })
      : undefined;
  events.on('deploy.result', (r) => {
    if (r.outcome === 'deployed' || r.outcome === 'rolled-back') void drift?.check('deploy');
  });

  async function afterConnect(): Promise<void> {
    await sender.resume();
    await jobs.resumeParked();
    await orders.reschedule();
  }

  async function onMessage(msg: Envelope, raw: Record<string, unknown>): Promise<void> {
    switch (msg.type) {
      case 'job.offer':
        return jobs.offer(msg, raw);
      case 'cancel':
        return jobs.cancel(msg.jobId, msg.reason);
      case 'verdict.ack':
        return sender.acked({ jobId: msg.jobId, replyTo: msg.replyTo });
      case 'deploy.result.ack':
        return sender.acked({ deployId: msg.deployId, replyTo: msg.replyTo });
      case 'shadow.report.ack':
        return sender.acked({ replyTo: msg.replyTo });
      case 'deploy.order':
        return orders.deploy(msg.id, raw.order);
      case 'rollback.order':
        return orders.rollback(msg.id, raw.order);
      case 'error':
        logger.warn(
          { code: msg.code, error: msg.message, replyTo: msg.replyTo },
          'error from the control plane',
        );
        if (msg.replyTo) await sender.refusedByControlPlane(msg.code, msg.replyTo);
        return;
      default:
        logger.debug({ type: msg.type }, 'message ignored');
    }
  }

  link.start();
  drift?.start();
  // Shadow runs and watches a stop or crash interrupted go on for the time they have left (ADR 0103, 0104).
  void shadows
    .resumeKept()
    .catch((err: unknown) => logger.error({ err }, 'kept shadow runs could not resume'));
  void watcher
    ?.resumeKept()
    .catch((err: unknown) => logger.error({ err }, 'kept post-deploy watches could not resume'));
  logger.info({ url: config.controlPlane.url, dataDir: config.dataDir }, 'agent started');

  return {
    agentId: creds.agentId,
    events,
    connected() {
      const s = link.currentSession;
      if (s) return Promise.resolve(s);
      return new Promise((resolve) => events.once('connected', resolve));
    },
    reportStage(report) {
      sender.sendOrBuffer({
        type: 'stage.report',
        site: report.site ?? config.site,
        ...(report.migrationId !== undefined ? { migrationId: report.migrationId } : {}),
        stage: report.stage,
        figures: report.figures,
        reason: report.reason,
      });
    },
    pending: () => outbox.pending(),
    status: () => ({
      agentId: creds.agentId,
      site: config.site,
      connected: link.connected,
      runningJobs: jobs.runningIds(),
      stopping,
    }),
    dropLink(reason = 'dropped on request') {
      link.drop(reason);
    },
    async stop(options = {}) {
      if (stopping) return;
      stopping = true;
      const grace = options.graceMs ?? config.shutdownGraceMs;
      logger.info({ running: jobs.runningIds(), graceMs: grace }, 'stopping');
      orders.unschedule();
      await jobs.drain(grace);
      await orders.idle();
      // A watch cut short by a stop does not roll back: it is kept and resumes at the next start.
      await watcher?.cancel();
      // So is a shadow run (the time it ran counts; a deploy waiting for it stays undone until it passes).
      await shadows.cancel();
      await drift?.stop();
      sender.pause();
      await link.close();
      await outbox.close();
      await source.close().catch(() => undefined);
      logger.info('stopped');
      logger.flush?.();
    },
  };
}

function defaultSource(config: AgentConfig): ProgramSource {
  if (config.program.kind === 'directory') return createDirectorySource(config.program.path);
  if (config.program.kind === 'git')
    return createGitSource(config.program.url, {
      cacheDir: gitCacheDir(join(config.dataDir, 'git'), config.program.url),
    });
  const { endpoint, security, user, trustUnknownServer } = config.program;
  return createOpcuaSource(endpoint, {
    dataDir: join(config.dataDir, 'opcua-pki'),
    security,
    ...(user ? { user } : {}),
    trustUnknownServer,
  });
}

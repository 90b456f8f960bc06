import { EventEmitter } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CAPABILITIES,
  DeployOrder,
  type Envelope,
  JobBundle,
  type MessageOf,
  RollbackOrder,
  Verdict,
} from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { AgentLink, envelope, type LinkSession, type Outgoing, openSigned } from '../link';
import { Outbox, type OutboxItem } from '../outbox';
import { createDirectorySource, createOpcuaSource, type ProgramSource } from '../sources';
import type { AgentConfig } from './agent-config';
import { AgentError } from './agent-error';
import { createAgentLogger } from './agent-logger';
import { Deployer, type DeployResult, windowProblem } from './deployer';
import { type EnrollFn, resolveCredentials } from './enroll';
import { createExecutorRunner } from './executor-runner';
import type { JobRunner } from './job-runner';
import { readJson, removeFile, writeJsonAtomic } from './state-files';

/**
 * A cutover stage report from the staging bridge: its whole `stage.report`
 * message, or just the fields (`site` defaults to the agent's).
 */
export type StageReportInput = Omit<MessageOf<'stage.report'>, 'v' | 'id' | 'ts' | 'type' | 'site'> & {
  site?: string;
};

/** Events of a running agent (for the demo, tests and embedding). */
export interface AgentEvents {
  connected: [LinkSession];
  disconnected: [string];
  'job.started': [JobBundle];
  /** A verdict committed to the outbox. */
  verdict: [Verdict];
  /** A verdict or deploy result the control plane acked (outbox keys). */
  acked: [string[]];
  'deploy.result': [DeployResult];
  /** Something the agent refused to act on, with the reason it sent back. */
  refused: [{ type: string; code: string; reason: string }];
  'job.cancelled': [{ jobId: string; reason: string }];
}

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

interface RunningJob {
  bundle: JobBundle;
  controller: AbortController;
  done: Promise<void>;
}

const STAGE_BUFFER = 100;
/** Error codes after which a deploy result is worth sending again. */
const RETRYABLE = new Set(['INTERNAL', 'UNAVAILABLE', 'BACKPRESSURE']);

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
  const now = deps.now ?? (() => new Date());
  const source = deps.source ?? defaultSource(config);
  const runner =
    deps.runner ??
    createExecutorRunner({
      site: config.site,
      source,
      policy: config.policy,
      siteFacts: config.siteFacts,
      transformer: config.transformer,
    });
  const outbox = await Outbox.open(config.dataDir);
  const deployer = new Deployer({ dataDir: config.dataDir, site: config.site, source, logger, now });
  const events = new EventEmitter<AgentEvents>();
  const running = new Map<string, RunningJob>();
  const stageBuffer: Outgoing[] = [];
  const scheduled = new Map<string, NodeJS.Timeout>();
  let orders: Promise<unknown> = Promise.resolve();
  let stopping = false;
  let resendTimer: NodeJS.Timeout | undefined;
  const jobsDir = join(config.dataDir, 'jobs');
  const pendingDeploysDir = join(config.dataDir, 'pending-deploys');

  const link = new AgentLink(
    {
      url: config.controlPlane.url,
      token: creds.token,
      agentId: creds.agentId,
      site: config.site,
      agentVersion: config.agentVersion,
      protocolVersions: config.protocolVersions,
      capabilities: ['jobs', 'deploy', 'rollback', 'stage-report'],
      pinnedKeys: config.controlPlane.signingKeys,
      heartbeatMs: config.heartbeatMs,
      reconnect: config.reconnect,
      logger,
      runningJobIds: () => [...running.keys()],
      ...(deps.random ? { random: deps.random } : {}),
    },
    {
      onUp: (session) => {
        events.emit('connected', session);
        void afterConnect().catch((err: unknown) => logger.error({ err }, 'after-connect work failed'));
      },
      onDown: (reason) => {
        clearInterval(resendTimer);
        events.emit('disconnected', reason);
      },
      onMessage: (msg, raw) => {
        void onMessage(msg, raw).catch((err: unknown) => logger.error({ err }, 'handling a message failed'));
      },
    },
  );

  const refuse = (type: string, code: AgentError['code'], reason: string, replyTo?: string) => {
    logger.warn({ type, code, reason, replyTo }, 'refused');
    events.emit('refused', { type, code, reason });
    link.send({
      type: 'error',
      code,
      message: `${type} refused: ${reason}`,
      ...(replyTo ? { replyTo } : {}),
    });
  };

  async function sendItem(item: OutboxItem): Promise<void> {
    if (!link.send(item.message as Envelope)) return;
    await outbox.markSent(item.key);
    // A control plane that does not name deploy-result-ack (older than it) never acks a deploy
    // result: sent once on a live link is all it gets, else the outbox would resend it for ever.
    const caps = link.currentSession?.controlPlaneCapabilities;
    if (item.kind === 'deploy.result' && caps && !caps.includes(CAPABILITIES.deployResultAck)) {
      const keys = await outbox.ack({ replyTo: item.messageId, kind: 'deploy.result' });
      if (keys.length) {
        logger.info({ keys }, 'deploy result sent to a control plane that does not ack them; done');
        events.emit('acked', keys);
      }
    }
  }

  /**
   * Sends what the outbox holds unacked (oldest first): everything after a
   * (re)connect, only what was last sent `resendAfter` ago on a live link. Every
   * kind has its ack (`verdict.ack`, `deploy.result.ack`); a lost message or a
   * lost ack just means one more send, which the control plane applies once.
   */
  async function flushOutbox(onlyStale: boolean): Promise<void> {
    const cutoff = Date.now() - config.resendAfterMs;
    for (const item of await outbox.pending()) {
      if (!link.connected) return;
      if (onlyStale && item.lastSentAt && Date.parse(item.lastSentAt) > cutoff) continue;
      await sendItem(item);
    }
  }

  /**
   * A verdict or deploy result the control plane answered with an error that
   * resending cannot fix (`NOT_FOUND`, `WRONG_SITE`, `CONFLICT`, `VALIDATION`)
   * is taken out of the resend loop and logged (the job folder keeps the
   * verdict and its evidence); after a retryable one (`INTERNAL`,
   * `UNAVAILABLE`, `BACKPRESSURE`) it stays unacked and is sent again.
   */
  async function onErrorReply(code: string, replyTo: string): Promise<void> {
    if (RETRYABLE.has(code)) return;
    for (const kind of ['deploy.result', 'verdict'] as const) {
      const keys = await outbox.ack({ replyTo, kind });
      if (keys.length)
        logger.error(
          { keys, code },
          `control plane refused the ${kind === 'verdict' ? 'verdict' : 'deploy result'}; not resending it`,
        );
    }
  }

  async function afterConnect(): Promise<void> {
    await flushOutbox(false);
    while (stageBuffer.length > 0 && link.connected) link.send(stageBuffer.shift()!);
    clearInterval(resendTimer);
    resendTimer = setInterval(
      () => void flushOutbox(true).catch((err: unknown) => logger.error({ err }, 'resend failed')),
      Math.max(250, Math.floor(config.resendAfterMs / 2)),
    );
    await resumeParked();
    await rescheduleDeploys();
  }

  /** Commits a message to the outbox, then sends it when the link is up. */
  async function commit(key: string, kind: string, body: Outgoing, jobId?: string): Promise<OutboxItem> {
    const msg = envelope(body);
    const { created, item } = await outbox.put({
      key,
      kind,
      messageId: msg.id,
      ...(jobId ? { jobId } : {}),
      message: msg,
    });
    if (!created) logger.info({ key }, 'already in the outbox; resending the stored message');
    await sendItem(item);
    return item;
  }

  async function onMessage(msg: Envelope, raw: Record<string, unknown>): Promise<void> {
    switch (msg.type) {
      case 'job.offer':
        return onOffer(msg, raw);
      case 'cancel': {
        const job = running.get(msg.jobId);
        if (!job) {
          logger.info({ jobId: msg.jobId }, 'cancel for a job not running here');
          return;
        }
        logger.info({ jobId: msg.jobId, reason: msg.reason }, 'cancelling job');
        job.controller.abort(new AgentError('CONFLICT', `cancelled: ${msg.reason}`));
        return;
      }
      case 'verdict.ack': {
        const keys = await outbox.ack({ jobId: msg.jobId, replyTo: msg.replyTo });
        if (keys.length) {
          logger.info({ jobId: msg.jobId, keys }, 'acked');
          events.emit('acked', keys);
        }
        return;
      }
      case 'deploy.result.ack': {
        const keys = await outbox.ack({ deployId: msg.deployId, replyTo: msg.replyTo });
        if (keys.length) {
          logger.info({ deployId: msg.deployId, keys }, 'acked');
          events.emit('acked', keys);
        }
        return;
      }
      case 'deploy.order':
        return onDeployOrder(msg.id, raw.order);
      case 'rollback.order':
        return onRollbackOrder(msg.id, raw.order);
      case 'error':
        logger.warn(
          { code: msg.code, error: msg.message, replyTo: msg.replyTo },
          'error from the control plane',
        );
        if (msg.replyTo) await onErrorReply(msg.code, msg.replyTo);
        return;
      default:
        logger.debug({ type: msg.type }, 'message ignored');
    }
  }

  async function onOffer(msg: MessageOf<'job.offer'>, raw: Record<string, unknown>): Promise<void> {
    const keys = link.currentSession?.trustedKeys ?? [];
    const opened = openSigned(raw.bundle, JobBundle, keys);
    if (!opened.ok) return refuse('job.offer', opened.code, opened.reason, msg.id);
    const bundle = opened.payload;
    if (bundle.site !== config.site)
      return refuse(
        'job.offer',
        'WRONG_SITE',
        `job ${bundle.jobId} is for site "${bundle.site}", this agent serves "${config.site}"`,
        msg.id,
      );
    const done = await outbox.get(`verdict:${bundle.jobId}`);
    if (done) {
      logger.info({ jobId: bundle.jobId }, 'job already has a verdict; sending it again');
      link.send({ type: 'job.accept', jobId: bundle.jobId });
      await sendItem(done);
      return;
    }
    if (running.has(bundle.jobId)) {
      link.send({ type: 'job.accept', jobId: bundle.jobId });
      return;
    }
    if (stopping) return refuse('job.offer', 'UNAVAILABLE', 'the agent is shutting down', msg.id);
    if (running.size >= config.concurrency)
      return refuse(
        'job.offer',
        'BACKPRESSURE',
        `busy with ${[...running.keys()].join(', ')} (concurrency ${config.concurrency})`,
        msg.id,
      );
    link.send({ type: 'job.accept', jobId: bundle.jobId });
    startJob(bundle, raw.bundle);
  }

  function startJob(bundle: JobBundle, rawSigned: unknown): void {
    const outDir = join(jobsDir, encodeURIComponent(bundle.jobId));
    const controller = new AbortController();
    const log = logger.child({
      jobId: bundle.jobId,
      rolloutId: bundle.rolloutId,
      migrationId: bundle.migration.id,
    });
    const entry: RunningJob = { bundle, controller, done: Promise.resolve() };
    // Registered before any await, so a shutdown right now sees the job.
    running.set(bundle.jobId, entry);
    events.emit('job.started', bundle);
    log.info({ attempt: bundle.attempt }, 'job started');
    entry.done = (async () => {
      // Kept until the verdict is committed: a job parked by a shutdown resumes from it.
      await writeJsonAtomic(join(outDir, 'bundle.json'), rawSigned);
      let verdict: Verdict;
      let program: Awaited<ReturnType<JobRunner['run']>>['program'];
      try {
        const result = await runner.run(bundle, {
          outDir,
          signal: controller.signal,
          logger: log,
          onProgress: (p) => {
            link.send({
              type: 'job.progress',
              jobId: bundle.jobId,
              phase: p.phase,
              message: p.message.slice(0, 2000),
              ...(p.turn !== undefined ? { turn: p.turn } : {}),
            });
          },
        });
        if (controller.signal.aborted) throw controller.signal.reason;
        const checked = Verdict.safeParse(result.verdict);
        if (!checked.success) throw new AgentError('INTERNAL', 'the executor returned an invalid verdict');
        if (checked.data.jobId !== bundle.jobId || checked.data.site !== config.site)
          throw new AgentError('INTERNAL', 'the executor returned a verdict for another job or site');
        verdict = checked.data;
        program = result.program;
      } catch (err) {
        if (controller.signal.aborted) {
          const reason = (controller.signal.reason as Error | undefined)?.message ?? 'aborted';
          if (
            stopping &&
            !(controller.signal.reason instanceof AgentError && controller.signal.reason.code === 'CONFLICT')
          ) {
            log.warn({ reason }, 'job parked; it resumes on the next start');
          } else {
            log.info({ reason }, 'job cancelled');
            await removeFile(join(outDir, 'bundle.json'));
            events.emit('job.cancelled', { jobId: bundle.jobId, reason });
          }
          return;
        }
        log.error({ err }, 'job failed with an error');
        verdict = Verdict.parse({
          jobId: bundle.jobId,
          site: config.site,
          migrationId: bundle.migration.id,
          revision: bundle.migration.revision,
          outcome: 'error',
          reason: (err as Error).message?.split('\n')[0] ?? String(err),
          evidence: {},
        });
      }
      if (verdict.outcome === 'passed' && program) {
        const sha = await deployer.keepApprovedProgram(bundle.jobId, program);
        if (verdict.evidence.sha256After && sha !== verdict.evidence.sha256After)
          log.error(
            { kept: sha, verdict: verdict.evidence.sha256After },
            'kept program differs from the verdict',
          );
      }
      await commit(`verdict:${bundle.jobId}`, 'verdict', { type: 'verdict', verdict }, bundle.jobId);
      await removeFile(join(outDir, 'bundle.json'));
      log.info({ outcome: verdict.outcome, reason: verdict.reason }, 'verdict committed');
      events.emit('verdict', verdict);
    })()
      .catch((err: unknown) => log.error({ err }, 'job bookkeeping failed'))
      .finally(() => running.delete(bundle.jobId));
  }

  /** Jobs parked by a shutdown: verified again with today's keys, then run. */
  async function resumeParked(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(jobsDir);
    } catch {
      return;
    }
    for (const name of names) {
      const rawSigned = await readJson(join(jobsDir, name, 'bundle.json'));
      if (rawSigned === undefined) continue;
      const opened = openSigned(rawSigned, JobBundle, link.currentSession?.trustedKeys ?? []);
      if (!opened.ok || opened.payload.site !== config.site) {
        logger.warn({ job: name, reason: opened.ok ? 'wrong site' : opened.reason }, 'parked job dropped');
        await removeFile(join(jobsDir, name, 'bundle.json'));
        continue;
      }
      const jobId = opened.payload.jobId;
      if (running.has(jobId) || (await outbox.get(`verdict:${jobId}`)) || running.size >= config.concurrency)
        continue;
      logger.info({ jobId }, 'resuming parked job');
      startJob(opened.payload, rawSigned);
    }
  }

  function deployKey(deployId: string) {
    return `deploy:${deployId}`;
  }

  async function onDeployOrder(replyTo: string, rawSigned: unknown): Promise<void> {
    const opened = openSigned(rawSigned, DeployOrder, link.currentSession?.trustedKeys ?? []);
    if (!opened.ok) return refuse('deploy.order', opened.code, opened.reason, replyTo);
    const order = opened.payload;
    const key = deployKey(order.deployId);
    const done = await outbox.get(key);
    if (done) {
      logger.info({ deployId: order.deployId }, 'deploy already handled; sending its result again');
      await sendItem(done);
      return;
    }
    if (order.site !== config.site) {
      return finishDeploy(order.deployId, {
        type: 'deploy.result',
        deployId: order.deployId,
        site: order.site,
        outcome: 'refused',
        reason: `the order is for site "${order.site}", this agent serves "${config.site}"`,
        sha256Running: null,
      });
    }
    const problem = windowProblem(order.window, now());
    const opensAt = Date.parse(order.window.notBefore);
    if (problem && opensAt > now().getTime() && !stopping) {
      // Before its window: wait for it (kept on disk, so a restart waits too).
      await writeJsonAtomic(join(pendingDeploysDir, `${encodeURIComponent(order.deployId)}.json`), rawSigned);
      schedule(order, opensAt - now().getTime());
      return;
    }
    await enqueueDeploy(order);
  }

  function schedule(order: DeployOrder, delayMs: number): void {
    if (scheduled.has(order.deployId)) return;
    logger.info(
      { deployId: order.deployId, notBefore: order.window.notBefore },
      'deploy waits for its window',
    );
    const t = setTimeout(
      () => {
        scheduled.delete(order.deployId);
        void enqueueDeploy(order);
      },
      Math.min(Math.max(0, delayMs), 2 ** 31 - 1),
    );
    scheduled.set(order.deployId, t);
  }

  async function rescheduleDeploys(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(pendingDeploysDir);
    } catch {
      return;
    }
    for (const name of names) {
      const rawSigned = await readJson(join(pendingDeploysDir, name));
      const opened = openSigned(rawSigned, DeployOrder, link.currentSession?.trustedKeys ?? []);
      if (!opened.ok) continue;
      if (scheduled.has(opened.payload.deployId)) continue;
      schedule(opened.payload, Date.parse(opened.payload.window.notBefore) - now().getTime());
    }
  }

  function enqueueDeploy(order: DeployOrder): Promise<void> {
    const next = orders.then(async () => {
      if (await outbox.get(deployKey(order.deployId))) return;
      const result = await deployer.deploy(order);
      await finishDeploy(order.deployId, result);
    });
    orders = next.catch((err: unknown) => logger.error({ err }, 'deploy bookkeeping failed'));
    return next.catch(() => undefined);
  }

  async function finishDeploy(deployId: string, result: DeployResult): Promise<void> {
    await commit(deployKey(deployId), 'deploy.result', result);
    await removeFile(join(pendingDeploysDir, `${encodeURIComponent(deployId)}.json`));
    if (result.outcome === 'refused')
      events.emit('refused', { type: 'deploy.order', code: 'CONFLICT', reason: result.reason });
    events.emit('deploy.result', result);
  }

  async function onRollbackOrder(replyTo: string, rawSigned: unknown): Promise<void> {
    const opened = openSigned(rawSigned, RollbackOrder, link.currentSession?.trustedKeys ?? []);
    if (!opened.ok) return refuse('rollback.order', opened.code, opened.reason, replyTo);
    const order = opened.payload;
    const key = `rollback:${order.rollbackId}`;
    const done = await outbox.get(key);
    if (done) return sendItem(done);
    const next = orders.then(async () => {
      if (await outbox.get(key)) return;
      // A rollback also cancels a deploy still waiting for its window.
      if (order.deployId && scheduled.has(order.deployId)) {
        clearTimeout(scheduled.get(order.deployId));
        scheduled.delete(order.deployId);
        await removeFile(join(pendingDeploysDir, `${encodeURIComponent(order.deployId)}.json`));
      }
      const result = await deployer.rollback(order);
      await commit(key, 'deploy.result', result);
      events.emit('deploy.result', result);
    });
    orders = next.catch((err: unknown) => logger.error({ err }, 'rollback bookkeeping failed'));
    await next.catch(() => undefined);
  }

  link.start();
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
      const body: Outgoing = {
        type: 'stage.report',
        site: report.site ?? config.site,
        ...(report.migrationId !== undefined ? { migrationId: report.migrationId } : {}),
        stage: report.stage,
        figures: report.figures,
        reason: report.reason,
      };
      if (link.send(body)) return;
      stageBuffer.push(body);
      if (stageBuffer.length > STAGE_BUFFER) stageBuffer.shift();
    },
    pending: () => outbox.pending(),
    status: () => ({
      agentId: creds.agentId,
      site: config.site,
      connected: link.connected,
      runningJobs: [...running.keys()],
      stopping,
    }),
    dropLink(reason = 'dropped on request') {
      link.drop(reason);
    },
    async stop(options = {}) {
      if (stopping) return;
      stopping = true;
      const grace = options.graceMs ?? config.shutdownGraceMs;
      logger.info({ running: [...running.keys()], graceMs: grace }, 'stopping');
      for (const t of scheduled.values()) clearTimeout(t);
      scheduled.clear();
      const jobs = [...running.values()];
      if (jobs.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, grace);
        });
        await Promise.race([Promise.all(jobs.map((j) => j.done)), timeout]);
        clearTimeout(timer);
        for (const j of running.values())
          j.controller.abort(new AgentError('UNAVAILABLE', 'agent shutting down'));
        await Promise.all(jobs.map((j) => j.done));
      }
      await orders;
      clearInterval(resendTimer);
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
  const { endpoint, security, user, trustUnknownServer } = config.program;
  return createOpcuaSource(endpoint, {
    dataDir: join(config.dataDir, 'opcua-pki'),
    security,
    ...(user ? { user } : {}),
    trustUnknownServer,
  });
}

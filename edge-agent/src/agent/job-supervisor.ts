import type { EventEmitter } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JobBundle, type MessageOf, Verdict } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { type AgentLink, openSigned } from '../link';
import { AgentError } from './agent-error';
import type { AgentEvents, Refuse } from './agent-events';
import type { Deployer } from './deployer';
import type { JobRunner } from './job-runner';
import type { OutboxSender } from './outbox-sender';
import type { CandidateShadows } from './shadow-runs';
import { readJson, removeFile, writeJsonAtomic } from './state-files';

/** What a {@link JobSupervisor} runs jobs with and reports to. */
export interface JobSupervisorOptions {
  site: string;
  /** How many jobs run at once; more offers are refused with `BACKPRESSURE`. */
  concurrency: number;
  /** Where each job's folder (`<jobsDir>/<jobId>/`) lives. */
  jobsDir: string;
  runner: JobRunner;
  /** Keeps a passed job's program for its deploy order. */
  deployer: Deployer;
  link: AgentLink;
  sender: OutboxSender;
  logger: Logger;
  events: EventEmitter<AgentEvents>;
  refuse: Refuse;
  /** Whether the agent is stopping: new offers are refused, aborted jobs are parked. */
  stopping: () => boolean;
  /** Runs a passed candidate in shadow when its bundle asks (a phase's shadow gate before approval). */
  shadows?: CandidateShadows;
}

interface RunningJob {
  bundle: JobBundle;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The jobs this agent runs: accepts or refuses offers, runs each job through
 * the runner, commits its verdict to the outbox, cancels on request, and parks
 * a job a shutdown interrupts (it resumes on the next start).
 */
export class JobSupervisor {
  private readonly running = new Map<string, RunningJob>();

  constructor(private readonly o: JobSupervisorOptions) {}

  /** Ids of the jobs running now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Answers a `job.offer`: accepts and starts it, sends its verdict again, or refuses it. */
  async offer(msg: MessageOf<'job.offer'>, raw: Record<string, unknown>): Promise<void> {
    const { link, sender, refuse, site, concurrency, logger } = this.o;
    const keys = link.currentSession?.trustedKeys ?? [];
    const opened = openSigned(raw.bundle, JobBundle, keys);
    if (!opened.ok) return refuse('job.offer', opened.code, opened.reason, msg.id);
    const bundle = opened.payload;
    if (bundle.site !== site)
      return refuse(
        'job.offer',
        'WRONG_SITE',
        `job ${bundle.jobId} is for site "${bundle.site}", this agent serves "${site}"`,
        msg.id,
      );
    const done = await sender.get(`verdict:${bundle.jobId}`);
    if (done) {
      logger.info({ jobId: bundle.jobId }, 'job already has a verdict; sending it again');
      link.send({ type: 'job.accept', jobId: bundle.jobId });
      await sender.send(done);
      return;
    }
    if (this.running.has(bundle.jobId)) {
      link.send({ type: 'job.accept', jobId: bundle.jobId });
      return;
    }
    if (this.o.stopping()) return refuse('job.offer', 'UNAVAILABLE', 'the agent is shutting down', msg.id);
    if (this.running.size >= concurrency)
      return refuse(
        'job.offer',
        'BACKPRESSURE',
        `busy with ${this.runningIds().join(', ')} (concurrency ${concurrency})`,
        msg.id,
      );
    link.send({ type: 'job.accept', jobId: bundle.jobId });
    this.start(bundle, raw.bundle);
  }

  /** Cancels a running job (a `cancel` from the control plane). */
  cancel(jobId: string, reason: string): void {
    const job = this.running.get(jobId);
    if (!job) {
      this.o.logger.info({ jobId }, 'cancel for a job not running here');
      return;
    }
    this.o.logger.info({ jobId, reason }, 'cancelling job');
    job.controller.abort(new AgentError('CONFLICT', `cancelled: ${reason}`));
  }

  /** Jobs parked by a shutdown: verified again with today's keys, then run. */
  async resumeParked(): Promise<void> {
    const { jobsDir, link, site, sender, concurrency, logger } = this.o;
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
      if (!opened.ok || opened.payload.site !== site) {
        logger.warn({ job: name, reason: opened.ok ? 'wrong site' : opened.reason }, 'parked job dropped');
        await removeFile(join(jobsDir, name, 'bundle.json'));
        continue;
      }
      const jobId = opened.payload.jobId;
      if (
        this.running.has(jobId) ||
        (await sender.get(`verdict:${jobId}`)) ||
        this.running.size >= concurrency
      )
        continue;
      logger.info({ jobId }, 'resuming parked job');
      this.start(opened.payload, rawSigned);
    }
  }

  /**
   * Lets the running jobs finish for up to `graceMs`, then aborts (parks) the
   * ones still running and waits for their bookkeeping.
   */
  async drain(graceMs: number): Promise<void> {
    const jobs = [...this.running.values()];
    if (jobs.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(jobs.map((j) => j.done)), timeout]);
    clearTimeout(timer);
    for (const j of this.running.values())
      j.controller.abort(new AgentError('UNAVAILABLE', 'agent shutting down'));
    await Promise.all(jobs.map((j) => j.done));
  }

  private start(bundle: JobBundle, rawSigned: unknown): void {
    const { runner, link, site, deployer, sender, events, logger } = this.o;
    const outDir = join(this.o.jobsDir, encodeURIComponent(bundle.jobId));
    const controller = new AbortController();
    const log = logger.child({
      jobId: bundle.jobId,
      rolloutId: bundle.rolloutId,
      migrationId: bundle.migration.id,
    });
    const entry: RunningJob = { bundle, controller, done: Promise.resolve() };
    // Registered before any await, so a shutdown right now sees the job.
    this.running.set(bundle.jobId, entry);
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
        if (checked.data.jobId !== bundle.jobId || checked.data.site !== site)
          throw new AgentError('INTERNAL', 'the executor returned a verdict for another job or site');
        verdict = checked.data;
        program = result.program;
      } catch (err) {
        if (controller.signal.aborted) {
          const reason = (controller.signal.reason as Error | undefined)?.message ?? 'aborted';
          if (
            this.o.stopping() &&
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
          site,
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
      await sender.commit(`verdict:${bundle.jobId}`, 'verdict', { type: 'verdict', verdict }, bundle.jobId);
      await removeFile(join(outDir, 'bundle.json'));
      log.info({ outcome: verdict.outcome, reason: verdict.reason }, 'verdict committed');
      events.emit('verdict', verdict);
      // The phase's shadow gate runs before approval: the kept candidate against the live PLC.
      if (verdict.outcome === 'passed' && bundle.shadow && this.o.shadows)
        void this.o.shadows
          .run({ jobId: bundle.jobId, rolloutId: bundle.rolloutId }, bundle.shadow)
          .catch((err: unknown) => log.error({ err }, 'candidate shadow failed'));
    })()
      .catch((err: unknown) => log.error({ err }, 'job bookkeeping failed'))
      .finally(() => this.running.delete(bundle.jobId));
  }
}

import { readFile } from 'node:fs/promises';
import type { ShadowRequirement, ShadowRun, TagMap, WatchRollbackCause } from '@plcfleet/protocols';
import { WIRE_LIMITS } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { ShadowReport } from '../shadow';
import type { AgentConfig } from './agent-config';
import type { Deployer } from './deployer';
import type { OutboxSender } from './outbox-sender';
import { judgedSeconds, mergeSegments, ProgressStore, runHash, unjudgedOf } from './shadow-progress';

type WatchConfig = NonNullable<AgentConfig['watch']>;

/**
 * The tag map of the live PLC (its tags kept by `only`) and a reader of them. Loaded when
 * first used: an agent that never shadows does not load the shadow runner.
 */
export async function openLivePlc(
  watch: WatchConfig,
  pkiDir: string,
  only: (t: TagMap['tags'][number]) => boolean = () => true,
) {
  const [plantIo, shadow] = await Promise.all([import('../plant-io'), import('../shadow')]);
  const full = await plantIo.loadTagMap(watch.tags);
  const map = { ...full, tags: full.tags.filter(only) };
  const plc = watch.plc;
  const live =
    plc.kind === 'modbus'
      ? new shadow.ModbusLivePlc(map, map.tags, plc.host, plc.port, 1000)
      : new shadow.OpcuaLivePlc(plc.endpoint, map.tags, {
          security: plc.security,
          trustUnknownServer: plc.trustUnknownServer,
          dataDir: pkiDir,
          ...(plc.user ? { user: plc.user } : {}),
        });
  return { map, live };
}

/**
 * The live source of a shadow run or a watch: as {@link openLivePlc}, but an OPC UA PLC is
 * read by subscription (a comparison every PLC cycle, as `plcfleet-agent shadow` does) unless
 * `watch.opcuaMode` is `poll`. Modbus is always polled.
 */
export async function openLiveSource(watch: WatchConfig, pkiDir: string) {
  const plc = watch.plc;
  if (plc.kind === 'modbus' || watch.opcuaMode === 'poll') return openLivePlc(watch, pkiDir);
  const [plantIo, shadow] = await Promise.all([import('../plant-io'), import('../shadow')]);
  const map = await plantIo.loadTagMap(watch.tags);
  const live = new shadow.OpcuaLiveFeed(
    plc.endpoint,
    map.tags,
    {
      security: plc.security,
      trustUnknownServer: plc.trustUnknownServer,
      dataDir: pkiDir,
      ...(plc.user ? { user: plc.user } : {}),
    },
    { publishingMs: watch.pollMs ?? watch.cycleMs },
  );
  return { map, live };
}

/** What a run is: the fields of its `shadow.report` that do not change while it runs. */
export type ShadowRunMeta = Pick<
  ShadowRun,
  | 'shadowId'
  | 'kind'
  | 'site'
  | 'jobId'
  | 'rolloutId'
  | 'deployId'
  | 'startedAt'
  | 'durationMs'
  | 'maxDivergences'
>;

/** A value as the wire takes it: at most `WIRE_LIMITS.valueJson` characters of JSON. */
function wireValue(v: unknown): unknown {
  const json = JSON.stringify(v) ?? 'null';
  return json.length <= WIRE_LIMITS.valueJson ? v : `${json.slice(0, WIRE_LIMITS.valueJson - 10)}…`;
}

const clip = (s: string, n: number = WIRE_LIMITS.text) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * The `shadow.report` of a run: its state, the runner's figures when it has them (with its
 * unjudged samples and their disagreements when the runner says, ADR 0159), and `resumed`,
 * the times it resumed after an agent restart (ADR 0103).
 */
function shadowRunReport(
  meta: ShadowRunMeta,
  state: ShadowRun['state'],
  report: ShadowReport | null,
  reason = '',
  seconds = report?.seconds ?? 0,
  resumed = 0,
  rollback?: WatchRollbackCause,
): ShadowRun {
  return {
    ...meta,
    state,
    seconds,
    samples: report?.samples ?? 0,
    compared: report?.compared ?? 0,
    divergences: (report?.divergences ?? []).slice(0, WIRE_LIMITS.items).map((d) => ({
      tag: clip(d.tag, WIRE_LIMITS.label),
      first: d.first,
      count: d.count,
      live: wireValue(d.live),
      shadow: wireValue(d.shadow),
    })),
    commLoss: report?.commLoss ? { ...report.commLoss, error: clip(report.commLoss.error) } : null,
    fault: report?.fault ? clip(report.fault) : null,
    reason: clip(reason),
    coverage: report ? coverageCounts(report.coverage) : null,
    resumed,
    ...(report ? { mode: report.mode, comparisonsPerSecond: report.comparisonsPerSecond } : {}),
    ...unjudgedCounts(report),
    ...(rollback ? { rollback } : {}),
  };
}

/** The runner's unjudged samples as the wire takes them (their reasons stay in the agent's log). */
function unjudgedCounts(report: ShadowReport | null): Pick<ShadowRun, 'unjudged'> {
  const u = unjudgedOf(report);
  return u ? { unjudged: { samples: u.samples, disagreed: u.disagreed } } : {};
}

/** The runner's coverage as counts (its lists of names stay in the agent's log). */
function coverageCounts(c: ShadowReport['coverage']): ShadowRun['coverage'] {
  const of = (x: { total: number; taken: number } | null) => (x ? { total: x.total, hit: x.taken } : null);
  return {
    inputs: { total: c.inputs.total, hit: c.inputs.varied },
    boolOutputs: { total: c.boolOutputs.total, hit: c.boolOutputs.toggled },
    timers: { total: c.timers.total, hit: c.timers.completed },
    branches: of(c.branches),
    caseArms: of(c.caseArms),
  };
}

/**
 * Sends a run's reports: `running` ones while it runs (not kept: a later one says more),
 * and its end committed to the outbox until `shadow.report.ack`, every so often in between.
 * The sender passes them only to a control plane naming `shadow-report`. A resumed run
 * (`resume`) counts the seconds it ran before the restart and says how often it resumed.
 */
function reportRun(
  sender: OutboxSender,
  meta: ShadowRunMeta,
  logger: Logger,
  resume: { priorSeconds: number; resumed: number } = { priorSeconds: 0, resumed: 0 },
) {
  const t0 = Date.now();
  const ran = () => resume.priorSeconds + (Date.now() - t0) / 1000;
  const progress = () =>
    sender.sendOrBuffer({
      type: 'shadow.report',
      report: shadowRunReport(meta, 'running', null, '', ran(), resume.resumed),
    });
  progress();
  // About ten reports over the run, at most one every second and at least one a minute.
  const every = Math.min(60_000, Math.max(1000, Math.floor(meta.durationMs / 10)));
  // A run that ends without `end` (an error nobody caught) stops reporting by itself: the
  // control plane then sees it go silent and fails it, rather than hear of it for ever. A
  // candidate run may go on to RUN_ON times its duration to judge it (ADR 0159).
  const timer = setInterval(() => {
    if (Date.now() - t0 > (RUN_ON + 1) * meta.durationMs + 60_000) clearInterval(timer);
    else progress();
  }, every);
  timer.unref();
  return {
    /** The run ended; a watch that rolls its deploy back says why as `rollback` (ADR 0179). */
    async end(
      state: Exclude<ShadowRun['state'], 'running'>,
      report: ShadowReport | null,
      reason = '',
      rollback?: WatchRollbackCause,
    ) {
      clearInterval(timer);
      const run = shadowRunReport(
        meta,
        state,
        report,
        reason,
        report?.seconds ?? ran(),
        resume.resumed,
        rollback,
      );
      logger.info(
        {
          shadowId: meta.shadowId,
          kind: meta.kind,
          state,
          reason,
          ...(run.rollback ? { rollback: run.rollback } : {}),
          divergences: run.divergences.length,
          seconds: run.seconds,
          resumed: resume.resumed,
        },
        'shadow run ended',
      );
      await sender.commit(`shadow:${meta.shadowId}`, 'shadow.report', { type: 'shadow.report', report: run });
      return run;
    },
    /** The agent stops: no end (the run resumes at the next start); what it is now, still `running`. */
    pause(report: ShadowReport | null): ShadowRun {
      clearInterval(timer);
      // What counts is the time compared (the kept figures), not the time since this start.
      const seconds = report?.seconds ?? resume.priorSeconds;
      logger.info({ shadowId: meta.shadowId, seconds }, 'shadow run paused: it resumes at the next start');
      return shadowRunReport(meta, 'running', report, '', seconds, resume.resumed);
    },
  };
}

/**
 * A run's reporting and keeping in one (a fleet candidate run and a post-deploy watch alike):
 * its reports ({@link reportRun}, resumed runs counting the seconds they ran before), `end`
 * that sends the end and drops what was kept, `checkpoint` that keeps the progress, and the
 * runner's `onSnapshot` hook that keeps the run so far merged with the segments before it —
 * one write at a time, a failed one logged as `<what> progress not kept`.
 */
export function startReporting<T>(o: {
  sender: OutboxSender;
  meta: ShadowRunMeta;
  log: Logger;
  /** The kept figures of the segments before this one (a resumed run), else null. */
  prior: ShadowReport | null;
  resumed: number;
  /**
   * Where the run's progress is kept, as `id` in `store` with what the run is (`run`) and the
   * hash it resumes against; without it, or without a hash, nothing is.
   */
  keep?: { store: ProgressStore<T>; id: string; run: T; hash: string | null };
  /** For the log line of a checkpoint that failed. */
  what: string;
}) {
  const reporting = reportRun(o.sender, o.meta, o.log, {
    priorSeconds: o.prior?.seconds ?? 0,
    resumed: o.resumed,
  });
  const k = o.keep;
  /** The segments before the one running now, merged: a run that goes on adds its segments. */
  let before = o.prior;
  const end = async (...a: Parameters<typeof reporting.end>) => {
    const run = await reporting.end(...a);
    await k?.store.remove(k.id);
    return run;
  };
  const checkpoint = (progress: ShadowReport | null) =>
    k?.hash
      ? k.store.write(k.id, { version: 1, run: k.run, hash: k.hash, resumed: o.resumed, progress })
      : undefined;
  let writing = false;
  const onSnapshot = (r: ShadowReport) => {
    if (writing) return;
    writing = true;
    void Promise.resolve(checkpoint(mergeSegments(before, r)))
      .catch((err: unknown) => o.log.warn({ err }, `${o.what} progress not kept`))
      .finally(() => {
        writing = false;
      });
  };
  /** A segment ended and the run goes on: its snapshots now add to `merged`. */
  const onward = (merged: ShadowReport) => {
    before = merged;
  };
  return { reporting, end, checkpoint, onSnapshot, onward };
}

/**
 * Why a run ended early: `agent stopped at …Z: cut short after 3.2 of 7200 s; a run with a gap
 * proves nothing, so `plcfleet rollouts retry ro-1` runs the site again` (without a stop
 * reason, just the time run).
 */
function cutShort(meta: ShadowRunMeta, seconds: number, signal: AbortSignal): string {
  const ran = `cut short after ${seconds} of ${meta.durationMs / 1000} s`;
  if (!signal.aborted) return ran;
  return `${String(signal.reason)}: ${ran}; a run with a gap proves nothing, so \`plcfleet rollouts retry ${meta.rolloutId}\` runs the site again`;
}

/**
 * agent.yaml's `libraries`, `models` and `defines`: how the fleet's shadow runs and the
 * post-deploy watch load a program (as `compile --libraries --models --define`).
 */
export interface ProgramLoadSettings {
  /** Vendor library interfaces (a folder or file of `.st`). */
  libraries?: string;
  /** Behaviour models of library POUs (a folder or file of `.st`). */
  models?: string;
  /** The define set (absent: every `{IF defined(...)}` branch is compiled). */
  defines?: readonly string[];
}

/** The settings of `o` that are there, as the loader takes them. */
export function programLoad(o: ProgramLoadSettings): ProgramLoadSettings {
  return {
    ...(o.libraries ? { libraries: o.libraries } : {}),
    ...(o.models ? { models: o.models } : {}),
    ...(o.defines ? { defines: o.defines } : {}),
  };
}

/** What {@link CandidateShadows} runs with and reports to. */
export interface CandidateShadowsOptions extends ProgramLoadSettings {
  site: string;
  /** The live PLC and its tag map; without it every run fails (nothing to shadow). */
  watch?: WatchConfig;
  pkiDir: string;
  deployer: Deployer;
  sender: OutboxSender;
  logger: Logger;
  /**
   * Where runs keep their progress (`<dataDir>/shadow-runs`): a run the agent's stop cuts
   * short resumes at the next start (ADR 0103). Without it a stop fails the run.
   */
  stateDir?: string;
  /** How often a running run's progress is written (a crash loses at most this much). @default 10 s */
  checkpointMs?: number;
}

/** Diverging samples of a runner's summary, summed over the tags. */
const diverging = (r: ShadowReport) => r.divergences.reduce((n, d) => n + d.count, 0);

/** What a kept candidate run is: its meta, what it belongs to, and what it must run. */
interface KeptCandidate {
  meta: ShadowRunMeta;
  of: { jobId: string; rolloutId: string; deployId?: string };
  req: ShadowRequirement;
}

/** How often a run's progress is written while it runs (when the runner gives snapshots). */
const CHECKPOINT_MS = 10_000;

/**
 * A candidate run goes on until it judged its duration, up to this many times the duration
 * in all (ADR 0159): a loaded host's unjudged minutes are made up, not counted as clean.
 */
const RUN_ON = 2;

/** The shortest segment a run goes on with: each starts with a seed that is not judged. */
const MIN_SEGMENT_MS = 1000;

/**
 * How long the next segment of a run with `report` so far runs to judge `minDurationMs` in
 * all: the judged time it lacks, scaled by its share of samples judged so far, at least
 * {@link MIN_SEGMENT_MS}, within what is left of {@link RUN_ON} times the duration (0: none).
 */
function segmentMs(minDurationMs: number, report: ShadowReport | null): number {
  if (!report) return minDurationMs;
  const lacking = minDurationMs - judgedSeconds(report) * 1000;
  if (lacking <= 0) return 0;
  const share = unjudgedOf(report) && report.compared > 0 ? report.compared / report.samples : 1;
  const left = RUN_ON * minDurationMs - report.seconds * 1000;
  if (left <= 0) return 0;
  return Math.min(left, Math.max(MIN_SEGMENT_MS, Math.ceil(lacking / share)));
}

/** Whether `report` judged `minDurationMs` (a millisecond of rounding allowed, as the gate does). */
const judgedEnough = (minDurationMs: number, report: ShadowReport) =>
  judgedSeconds(report) * 1000 + 1 >= minDurationMs;

/** `judged 5.2 s of the 60 s required in 120 s run (400 of 9000 sample(s) judged)`. */
function judgedShort(minDurationMs: number, r: ShadowReport): string {
  const judged = Math.round(judgedSeconds(r) * 10) / 10;
  return `judged ${judged} s of the ${minDurationMs / 1000} s required in ${r.seconds} s run (${r.compared} of ${r.samples} sample(s) judged; a loaded host leaves samples unjudged)`;
}

/**
 * runShadow's options with the snapshot hook requested from the runner (ADR 0103): a runner
 * that has it checkpoints the run every {@link CHECKPOINT_MS}; one without ignores it, and the
 * run is then checkpointed at its start and when the agent stops.
 */
export type SnapshotHook = {
  onSnapshot?: (report: ShadowReport) => void;
  snapshotEveryMs?: number;
};

/**
 * Fleet shadow (issue #21 point 2): a passed candidate — the program a job verified and
 * kept — runs on the virtual PLC against the site's live PLC (the `watch` section's tag map
 * and PLC) for the phase's `minDuration`, and its `shadow.report` is the evidence the
 * phase's shadow gate reads. More than `maxDivergences` diverging samples is `diverged`
 * (with `maxDivergences: 0` the run stops at the first); a comm loss, a fault, a PLC that
 * does not answer or a run cut short is `failed` — a run with a gap proves nothing. With a
 * `stateDir` a run the agent's stop (or crash) interrupts is kept and resumed at the next
 * start for the time it has left: the candidate's state is set again from the live values,
 * the gap is not counted, and the report says `resumed` (ADR 0103).
 */
export class CandidateShadows {
  private readonly running = new Map<string, { stop: AbortController; done: Promise<ShadowRun> }>();
  private readonly kept?: ProgressStore<KeptCandidate>;
  /** The agent stops: runs pause (kept) rather than fail. */
  private stopping = false;

  constructor(private readonly o: CandidateShadowsOptions) {
    if (o.stateDir) this.kept = new ProgressStore(o.stateDir, 'candidate-');
  }

  /** Runs the candidate of `jobId` in shadow (once per job, or per deploy order) and resolves with its sent end. */
  run(
    of: { jobId: string; rolloutId: string; deployId?: string },
    req: ShadowRequirement,
  ): Promise<ShadowRun> {
    const shadowId = `shadow-${of.deployId ?? of.jobId}`;
    const seen = this.running.get(shadowId);
    if (seen) return seen.done;
    const stop = new AbortController();
    const meta: ShadowRunMeta = {
      shadowId,
      kind: 'candidate',
      site: this.o.site,
      jobId: of.jobId,
      rolloutId: of.rolloutId,
      ...(of.deployId ? { deployId: of.deployId } : {}),
      startedAt: new Date().toISOString(),
      durationMs: req.minDurationMs,
      maxDivergences: req.maxDivergences,
    };
    const done = this.shadow(meta, of, req, stop.signal).finally(() => this.running.delete(shadowId));
    this.running.set(shadowId, { stop, done });
    return done;
  }

  /**
   * Resumes the kept runs of jobs (a shadow gate before approval) after a restart. A run of
   * a deploy order resumes when the order comes again (the control plane sends it at hello).
   */
  async resumeKept(): Promise<void> {
    for (const k of (await this.kept?.all()) ?? [])
      if (!k.run.of.deployId)
        void this.run(k.run.of, k.run.req).catch((err: unknown) =>
          this.o.logger.error({ err, shadowId: k.run.meta.shadowId }, 'resumed shadow run failed'),
        );
  }

  /**
   * Stops the run for `deployId` (a rollback order came: it ends `failed`, its progress
   * dropped), or every run (the agent stops: with a `stateDir` each is kept to resume at the
   * next start, else reported `failed`), each reason saying what stopped it and when.
   */
  async cancel(deployId?: string): Promise<void> {
    if (!deployId) this.stopping = true;
    const which = deployId
      ? [this.running.get(`shadow-${deployId}`)].filter((x) => x !== undefined)
      : [...this.running.values()];
    const why = `${deployId ? 'a rollback order came' : 'agent stopped'} at ${new Date().toISOString()}`;
    for (const r of which) r.stop.abort(why);
    await Promise.all(which.map((r) => r.done.catch(() => undefined)));
    if (deployId) await this.kept?.remove(`shadow-${deployId}`);
  }

  /** Whether a stop now pauses a run (kept, to resume) rather than failing it. */
  private pauses(signal: AbortSignal): boolean {
    return signal.aborted && this.stopping && this.kept !== undefined;
  }

  private async shadow(
    fresh: ShadowRunMeta,
    of: KeptCandidate['of'],
    req: ShadowRequirement,
    signal: AbortSignal,
  ): Promise<ShadowRun> {
    const log = this.o.logger.child({ jobId: fresh.jobId, shadowId: fresh.shadowId });
    // A run that ended is not run again (a deploy order sent again after a restart): its end stands.
    const ended = await this.o.sender.get(`shadow:${fresh.shadowId}`);
    if (ended) {
      log.info('shadow run ended before; its end stands');
      return (ended.message as { report: ShadowRun }).report;
    }
    const { watch, deployer } = this.o;
    // What the run is: a kept run resumes only on the same candidate, tag map and load settings.
    let files: Awaited<ReturnType<Deployer['approvedProgram']>>;
    let hash: string | null = null;
    let early: string | null = null;
    try {
      if (!watch)
        early = 'this agent has no `watch` section in agent.yaml: no live PLC and tag map to shadow against';
      else {
        files = await deployer.approvedProgram(fresh.jobId);
        if (!files) early = `no passed program kept for job ${fresh.jobId}`;
        else hash = runHash(files, await readFile(watch.tags, 'utf8'), this.settings(watch));
      }
    } catch (err) {
      early = `the shadow run could not run: ${(err as Error).message}`;
    }
    const kept = hash ? await this.kept?.read(fresh.shadowId) : null;
    const same =
      kept &&
      kept.hash === hash &&
      kept.run.req.minDurationMs === req.minDurationMs &&
      kept.run.req.maxDivergences === req.maxDivergences;
    if (kept && !same)
      log.info('the candidate, its tag map or the requirement changed: the shadow run starts over');
    const prior = same ? kept.progress : null;
    const resumed = same ? kept.resumed + 1 : 0;
    const meta = same ? kept.run.meta : fresh;
    if (same) log.info({ seconds: prior?.seconds ?? 0, resumed }, 'shadow run resumed after a restart');
    const store = this.kept;
    const run = startReporting({
      sender: this.o.sender,
      meta,
      log,
      prior,
      resumed,
      what: 'shadow run',
      ...(store ? { keep: { store, id: meta.shadowId, run: { meta, of, req }, hash } } : {}),
    });
    const { end } = run;
    if (early || !files || !hash || !watch)
      return end('failed', null, early ?? 'the shadow run could not run');
    try {
      await run.checkpoint(prior);
      return await this.shadowWith(run, meta, req, files, watch, prior, signal, log);
    } catch (err) {
      // Whatever went wrong (a tag map that does not load, a disk error) ends the run, reported.
      return end('failed', prior, `the shadow run could not run: ${(err as Error).message}`);
    }
  }

  /** What the run's hash covers besides the files and the tag map. */
  private settings(watch: WatchConfig): Record<string, unknown> {
    return { ...programLoad(this.o), programName: watch.programName ?? null, cycleMs: watch.cycleMs };
  }

  private async shadowWith(
    run: ReturnType<typeof startReporting>,
    meta: ShadowRunMeta,
    req: ShadowRequirement,
    files: readonly { path: string; text: string }[],
    watch: WatchConfig,
    prior: ShadowReport | null,
    signal: AbortSignal,
    log: Logger,
  ): Promise<ShadowRun> {
    const { reporting, end, checkpoint, onward } = run;
    const { nothingCompared } = await import('../shadow');
    // The time it has left: what ran before a restart counts, the gap does not; and it goes on
    // until it judged its duration (ADR 0159), each further segment set from the live values.
    let report = prior;
    for (let leftMs = segmentMs(req.minDurationMs, prior); ; ) {
      const ran = await this.segment(run, meta, req, files, watch, report, leftMs, signal, log);
      if (!('segment' in ran)) return ran;
      const { segment, where } = ran;
      const was = report;
      report = mergeSegments(report, segment);
      const n = diverging(report);
      const d = report.divergences[0];
      if (n > req.maxDivergences)
        return end(
          'diverged',
          report,
          `${d?.tag ?? 'an output'} diverged from the live PLC (${n} diverging sample(s), at most ${req.maxDivergences} allowed)`,
        );
      if (report.commLoss)
        return end(
          'failed',
          report,
          `comm loss with ${where} at ${report.commLoss.first}: ${report.commLoss.error}`,
        );
      if (report.fault) return end('failed', report, `the candidate faulted: ${report.fault}`);
      if (this.pauses(signal)) {
        await checkpoint(report);
        return reporting.pause(report);
      }
      if (signal.aborted || report.seconds * 1000 + 50 < req.minDurationMs)
        return end('failed', report, cutShort(meta, report.seconds, signal));
      // Shadow is evidence: a run that judged no sample proved nothing (fail closed, ADR 0125).
      if (report.compared === 0) return end('failed', report, nothingCompared(report));
      if (judgedEnough(req.minDurationMs, report)) break;
      // Judged short of its duration: on, while it judges more and has time left (ADR 0159).
      leftMs = segmentMs(req.minDurationMs, report);
      if (leftMs === 0 || (was && report.compared === was.compared))
        return end('failed', report, judgedShort(req.minDurationMs, report));
      log.info(
        { judged: judgedSeconds(report), seconds: report.seconds, leftMs },
        'candidate shadow judged short of its duration: it goes on',
      );
      onward(report);
      await checkpoint(report);
    }
    const unsure = inconclusiveEnd(req, report);
    return unsure ? end('failed', report, unsure) : end('passed', report);
  }

  /**
   * One segment of a run (`leftMs` long) against a freshly opened live source, the candidate
   * compiled and its state set from the live values; its report, or the run's end when it
   * could not run (`before`: the run's figures so far).
   */
  private async segment(
    { reporting, end, onSnapshot }: ReturnType<typeof startReporting>,
    meta: ShadowRunMeta,
    req: ShadowRequirement,
    files: readonly { path: string; text: string }[],
    watch: WatchConfig,
    before: ShadowReport | null,
    leftMs: number,
    signal: AbortSignal,
    log: Logger,
  ): Promise<{ segment: ShadowReport; where: string } | ShadowRun> {
    const { bindTags, compileProgramFiles, runShadow, ShadowUnreachable } = await import('../shadow');
    const { map, live } = await openLiveSource(watch, this.o.pkiDir);
    let segment: ShadowReport;
    try {
      // Loaded as `compile` loads it (ST, TwinCAT, PLCopen XML, SCL, L5X, with the site's
      // libraries, models and defines), with branch and CASE-arm marks: the report says what the live inputs exercised.
      const candidate = await compileProgramFiles(files, {
        cycleMs: watch.cycleMs,
        ...(watch.programName ? { programName: watch.programName } : {}),
        ...programLoad(this.o),
      });
      const binding = bindTags(map, candidate.plc);
      log.info({ plc: live.where, durationMs: req.minDurationMs, leftMs }, 'candidate shadow started');
      const options: Parameters<typeof runShadow>[0] & SnapshotHook = {
        plc: candidate.plc,
        branches: candidate.coverage,
        live,
        tags: binding.tags,
        unbound: binding.unbound,
        durationMs: leftMs,
        cycleMs: watch.cycleMs,
        ...(watch.pollMs ? { pollMs: watch.pollMs } : {}),
        signal,
        stopAtFirst: req.maxDivergences === 0,
        snapshotEveryMs: this.o.checkpointMs ?? CHECKPOINT_MS,
        onSnapshot,
      };
      // The first sample of every segment sets the candidate's state from the live values.
      segment = await runShadow(options);
    } catch (err) {
      if (this.pauses(signal)) return reporting.pause(before);
      if (signal.aborted) return end('failed', before, cutShort(meta, before?.seconds ?? 0, signal));
      const why =
        err instanceof ShadowUnreachable
          ? `PLC unreachable: ${err.message}`
          : `the candidate cannot run in shadow: ${(err as Error).message}`;
      return end('failed', before, why);
    } finally {
      await live.close();
    }
    // How it compared (also in the report's `mode`): every cycle by subscription, or every poll.
    log.info(
      {
        mode: segment.mode,
        comparisonsPerSecond: segment.comparisonsPerSecond,
        compared: segment.compared,
        unjudged: unjudgedOf(segment),
      },
      'candidate shadow segment ended',
    );
    return { segment, where: live.where };
  }
}

/**
 * Why a run that judged its duration within the limit is not `passed`, or null: disagreements
 * it could not confirm may be divergences, so it is within the limit only if it would be with
 * all of them (ADR 0159). Such a run ends `failed` — a deploy waiting for it does not go ahead —
 * with `inconclusive: 2 disagreement(s) not confirmed (…)`, and the gate holds on it.
 */
export function inconclusiveEnd(req: ShadowRequirement, report: ShadowReport): string | null {
  const disagreed = unjudgedOf(report)?.disagreed ?? 0;
  if (diverging(report) + disagreed <= req.maxDivergences) return null;
  return `inconclusive: ${disagreed} disagreement(s) not confirmed (live outputs differed on samples the run could not judge; at most ${req.maxDivergences} divergence(s) allowed)`;
}

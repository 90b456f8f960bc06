import type { ShadowRequirement, ShadowRun, TagMap } from '@plcfleet/protocols';
import { WIRE_LIMITS } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { ShadowReport } from '../shadow';
import type { AgentConfig } from './agent-config';
import type { Deployer } from './deployer';
import type { OutboxSender } from './outbox-sender';

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

/** The `shadow.report` of a run: its state, and the runner's figures when it has them. */
function shadowRunReport(
  meta: ShadowRunMeta,
  state: ShadowRun['state'],
  report: ShadowReport | null,
  reason = '',
  seconds = report?.seconds ?? 0,
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
  };
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
 * The sender passes them only to a control plane naming `shadow-report`.
 */
export function reportRun(sender: OutboxSender, meta: ShadowRunMeta, logger: Logger) {
  const t0 = Date.now();
  const progress = () =>
    sender.sendOrBuffer({
      type: 'shadow.report',
      report: shadowRunReport(meta, 'running', null, '', (Date.now() - t0) / 1000),
    });
  progress();
  // About ten reports over the run, at most one every second and at least one a minute.
  const every = Math.min(60_000, Math.max(1000, Math.floor(meta.durationMs / 10)));
  // A run that ends without `end` (an error nobody caught) stops reporting by itself: the
  // control plane then sees it go silent and fails it, rather than hear of it for ever.
  const timer = setInterval(() => {
    if (Date.now() - t0 > 2 * meta.durationMs + 60_000) clearInterval(timer);
    else progress();
  }, every);
  timer.unref();
  return {
    async end(state: Exclude<ShadowRun['state'], 'running'>, report: ShadowReport | null, reason = '') {
      clearInterval(timer);
      const run = shadowRunReport(meta, state, report, reason, report?.seconds ?? (Date.now() - t0) / 1000);
      logger.info(
        { shadowId: meta.shadowId, kind: meta.kind, state, reason, divergences: run.divergences.length },
        'shadow run ended',
      );
      await sender.commit(`shadow:${meta.shadowId}`, 'shadow.report', { type: 'shadow.report', report: run });
      return run;
    },
  };
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
}

/** Diverging samples of a runner's summary, summed over the tags. */
const diverging = (r: ShadowReport) => r.divergences.reduce((n, d) => n + d.count, 0);

/**
 * Fleet shadow (issue #21 point 2): a passed candidate — the program a job verified and
 * kept — runs on the virtual PLC against the site's live PLC (the `watch` section's tag map
 * and PLC) for the phase's `minDuration`, and its `shadow.report` is the evidence the
 * phase's shadow gate reads. More than `maxDivergences` diverging samples is `diverged`
 * (with `maxDivergences: 0` the run stops at the first); a comm loss, a fault, a PLC that
 * does not answer or a run cut short is `failed` — a run with a gap proves nothing.
 */
export class CandidateShadows {
  private readonly running = new Map<string, { stop: AbortController; done: Promise<ShadowRun> }>();

  constructor(private readonly o: CandidateShadowsOptions) {}

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
    const done = this.shadow(meta, req, stop.signal).finally(() => this.running.delete(shadowId));
    this.running.set(shadowId, { stop, done });
    return done;
  }

  /**
   * Stops the run for `deployId` (a rollback order came), or every run (the agent stops);
   * each is reported `failed`, its reason saying what stopped it and when.
   */
  async cancel(deployId?: string): Promise<void> {
    const which = deployId
      ? [this.running.get(`shadow-${deployId}`)].filter((x) => x !== undefined)
      : [...this.running.values()];
    const why = `${deployId ? 'a rollback order came' : 'agent stopped'} at ${new Date().toISOString()}`;
    for (const r of which) r.stop.abort(why);
    await Promise.all(which.map((r) => r.done.catch(() => undefined)));
  }

  private async shadow(meta: ShadowRunMeta, req: ShadowRequirement, signal: AbortSignal): Promise<ShadowRun> {
    const log = this.o.logger.child({ jobId: meta.jobId, shadowId: meta.shadowId });
    const reporting = reportRun(this.o.sender, meta, log);
    try {
      return await this.shadowWith(reporting, meta, req, signal, log);
    } catch (err) {
      // Whatever went wrong (a tag map that does not load, a disk error) ends the run, reported.
      return reporting.end('failed', null, `the shadow run could not run: ${(err as Error).message}`);
    }
  }

  private async shadowWith(
    reporting: ReturnType<typeof reportRun>,
    meta: ShadowRunMeta,
    req: ShadowRequirement,
    signal: AbortSignal,
    log: Logger,
  ): Promise<ShadowRun> {
    const { watch, deployer } = this.o;
    if (!watch)
      return reporting.end(
        'failed',
        null,
        'this agent has no `watch` section in agent.yaml: no live PLC and tag map to shadow against',
      );
    const files = await deployer.approvedProgram(meta.jobId);
    if (!files) return reporting.end('failed', null, `no passed program kept for job ${meta.jobId}`);
    const { bindTags, compileProgramFiles, runShadow, ShadowUnreachable } = await import('../shadow');
    const { map, live } = await openLivePlc(watch, this.o.pkiDir);
    let report: ShadowReport;
    try {
      // Loaded as `compile` loads it (ST, TwinCAT, PLCopen XML, SCL, L5X, with the site's
      // libraries, models and defines), with branch and CASE-arm marks: the report says what the live inputs exercised.
      const candidate = await compileProgramFiles(files, {
        cycleMs: watch.cycleMs,
        ...(watch.programName ? { programName: watch.programName } : {}),
        ...programLoad(this.o),
      });
      const binding = bindTags(map, candidate.plc);
      log.info({ plc: live.where, durationMs: req.minDurationMs }, 'candidate shadow started');
      report = await runShadow({
        plc: candidate.plc,
        branches: candidate.coverage,
        live,
        tags: binding.tags,
        unbound: binding.unbound,
        durationMs: req.minDurationMs,
        cycleMs: watch.cycleMs,
        ...(watch.pollMs ? { pollMs: watch.pollMs } : {}),
        signal,
        stopAtFirst: req.maxDivergences === 0,
      });
    } catch (err) {
      if (signal.aborted) return reporting.end('failed', null, cutShort(meta, 0, signal));
      const why =
        err instanceof ShadowUnreachable
          ? `PLC unreachable: ${err.message}`
          : `the candidate cannot run in shadow: ${(err as Error).message}`;
      return reporting.end('failed', null, why);
    } finally {
      await live.close();
    }
    const n = diverging(report);
    const d = report.divergences[0];
    if (n > req.maxDivergences)
      return reporting.end(
        'diverged',
        report,
        `${d?.tag ?? 'an output'} diverged from the live PLC (${n} diverging sample(s), at most ${req.maxDivergences} allowed)`,
      );
    if (report.commLoss)
      return reporting.end(
        'failed',
        report,
        `comm loss with ${live.where} at ${report.commLoss.first}: ${report.commLoss.error}`,
      );
    if (report.fault) return reporting.end('failed', report, `the candidate faulted: ${report.fault}`);
    if (signal.aborted || report.seconds * 1000 + 50 < req.minDurationMs)
      return reporting.end('failed', report, cutShort(meta, report.seconds, signal));
    return reporting.end('passed', report);
  }
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { TagMap, WatchRollbackCause } from '@plcfleet/protocols';
import { libraryFiles } from '../cli/sim-commands';
import { compileInstrumentedProject, type InstrumentedCandidate } from './branch-coverage';
import type { LivePlc } from './live-plc';
import type { LiveFeed } from './live-subscription';
import { bindTags } from './shadow-binding';
import { runShadow, type ShadowReport, ShadowUnreachable } from './shadow-runner';

/** Options of {@link watchDeploy}. */
export interface WatchDeployOptions {
  /** The program the deploy was approved with: what the live PLC must now behave like. */
  files: readonly { path: string; text: string }[];
  map: TagMap;
  /** The PLC, polled or followed by an OPC UA subscription (`OpcuaLiveFeed`, ADR 0100). */
  live: LivePlc | LiveFeed;
  /** The watch period, ms. */
  durationMs: number;
  /** @default 10 */
  cycleMs?: number;
  pollMs?: number;
  /** PROGRAM or CONFIGURATION to run (default: the only one). */
  programName?: string;
  /** Library interface folder (`.st` declarations), as `compile --libraries`. */
  libraries?: string;
  /** Behaviour models of library POUs (`.st`), as `compile --models`. */
  models?: string;
  /** The define set selecting `{IF defined(...)}` branches, as `compile --define` (absent: a program with `{IF}` is refused, decision 0178). */
  defines?: readonly string[];
  /** Ends the watch early with no verdict against the deploy (a rollback order came). */
  signal?: AbortSignal;
  /** The watch so far, about every `snapshotEveryMs` (runShadow's `onSnapshot`). */
  onSnapshot?: (report: ShadowReport) => void;
  snapshotEveryMs?: number;
  /**
   * How long a comm loss may last before it rolls the deploy back, ms, from its first failed
   * poll (ADR 0120). A shorter one — a loaded host's late answer, a PLC busy for a moment — is
   * reported (`commLoss` in the report) and the watch goes on once the PLC answers again, the
   * approved program seeded afresh from the live values; nothing is compared meanwhile.
   * 0: the first comm loss rolls back. @default 2000
   */
  commLossGraceMs?: number;
  /** A comm loss began (`lost`), or the PLC answers again: said at once, also within the grace. */
  onCommChange?: (lost: boolean, error: string) => void;
}

/** {@link WatchDeployOptions.commLossGraceMs}'s default: longer than the stalls of a loaded host (1.4 s seen). */
export const WATCH_COMM_LOSS_GRACE_MS = 2000;

/**
 * What a watch found: nothing (the deploy stays), or why it must be rolled back, with its
 * `cause` (the tag the watch's report carries, ADR 0179). `inconclusive`: the watch could not
 * show the deploy behaves as approved — it compared nothing, judged too little of its period
 * even after running on, or saw disagreements it could not confirm; rolled back all the same,
 * told apart from a `divergence` (shown not to behave).
 */
export type WatchOutcome =
  | { ok: true; report: ShadowReport }
  | { ok: false; why: string; report: ShadowReport | null; cause: WatchRollbackCause };

/** The time a report judged, ms: its seconds times the share of its samples judged (ADR 0159). */
function judgedMs(r: ShadowReport): number {
  return r.samples > 0 ? (r.seconds * 1000 * r.compared) / r.samples : 0;
}

/**
 * Watches a deploy: the approved program runs in shadow of the live PLC for the watch
 * period, and the first unexplained divergence — the live PLC does not do what the verified
 * program does with the same inputs — a comm loss, or a fault ends the watch with the
 * reason to roll back. The approved program is the reference (not the old one) because
 * every difference it has from the old one was verified and approved: what the live PLC
 * does beyond it is unexplained. Fails closed: a program that does not compile here or a
 * PLC that does not answer is a reason too, and so is a watch that could not show the PLC
 * behaves as approved (`inconclusive`, ADR 0179: compared nothing, judged too little, or saw
 * disagreements it could not confirm).
 */
export async function watchDeploy(o: WatchDeployOptions): Promise<WatchOutcome> {
  let candidate: InstrumentedCandidate;
  let binding: ReturnType<typeof bindTags>;
  try {
    candidate = await compileProgramFiles(o.files, o);
    binding = bindTags(o.map, candidate.plc);
  } catch (err) {
    return {
      ok: false,
      why: `post-deploy watch cannot run the approved program: ${(err as Error).message}`,
      report: null,
      cause: 'cannot-watch',
    };
  }
  const graceMs = o.commLossGraceMs ?? WATCH_COMM_LOSS_GRACE_MS;
  const started = Date.now();
  /** When the watch ends; moved on while it judged less than the period (ADR 0162). */
  let end = started + o.durationMs;
  /** The runs before this one (a comm loss within the grace ends a run; the watch goes on). */
  let before: ShadowReport | null = null;
  /** When the comm loss being waited out began (its first failed poll), epoch ms. */
  let lostSince: number | null = null;
  /** The last run ended on a comm loss the watch did not see end. */
  let open = false;
  /** It ran on once after a period that compared nothing (ADR 0179). */
  let ranOnEmpty = false;
  let report: ShadowReport;
  for (;;) {
    let run: ShadowReport;
    try {
      const prior = before;
      run = await runShadow({
        plc: candidate.plc,
        branches: candidate.coverage,
        // while a comm loss is waited out, the first poll waits no longer than the grace left
        live: lostSince === null ? o.live : withinGrace(o.live, lostSince + graceMs),
        tags: binding.tags,
        unbound: binding.unbound,
        durationMs: Math.max(0, end - Date.now()),
        cycleMs: o.cycleMs ?? 10,
        ...(o.pollMs ? { pollMs: o.pollMs } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onSnapshot
          ? { onSnapshot: (r: ShadowReport) => o.onSnapshot!(prior ? joinReports(prior, r) : r) }
          : {}),
        ...(o.snapshotEveryMs ? { snapshotEveryMs: o.snapshotEveryMs } : {}),
        ...(o.onCommChange ? { onCommChange: o.onCommChange } : {}),
        stopAtFirst: true,
        // a run waits a comm loss out for the grace itself (a subscription is not opened again)
        commLossGraceMs: graceMs,
      });
    } catch (err) {
      if (!(err instanceof ShadowUnreachable)) throw err;
      // the PLC did not answer a run's first poll: unreachable at the start, or still lost
      if (lostSince === null || Date.now() - lostSince >= graceMs || o.signal?.aborted)
        return {
          ok: false,
          why:
            lostSince === null
              ? `post-deploy watch: PLC unreachable: ${err.message}`
              : `post-deploy watch: comm loss with ${o.live.where} at ${new Date(lostSince).toISOString()}: ${before?.commLoss?.error ?? err.message}; no answer within the ${graceMs} ms grace (${err.message})`,
          report: before,
          cause: 'comm-loss',
        };
      await new Promise((r) => setTimeout(r, o.pollMs ?? o.cycleMs ?? 10));
      continue;
    }
    report = before ? joinReports(before, run) : run;
    if (lostSince !== null) o.onCommChange?.(false, '');
    lostSince = null;
    open = run.commLoss !== null;
    if (!open && run.divergences.length === 0 && !run.fault && !o.signal?.aborted && Date.now() >= end) {
      // The period is over. Judged less of it than the period (a loaded host leaves samples
      // unjudged, ADR 0148): run on for the judged time it lacks at the share judged so far, at
      // least a second, up to twice the period in all (ADR 0162, as ADR 0159 for candidate runs);
      // the next run is set from the live values again, as after a comm loss.
      const lack = o.durationMs - judgedMs(report);
      const limit = started + 2 * o.durationMs;
      // Compared nothing: no share to run on at. Once, for a second, with a fresh seed (a resumed
      // watch's last moments are all seed); then it is inconclusive (ADR 0179).
      let onward: number | null = null;
      if (lack > 0 && report.compared > 0 && Date.now() < limit)
        onward = Math.min(limit, Date.now() + Math.max(1000, lack / (report.compared / report.samples)));
      else if (lack > 0 && report.compared === 0 && !ranOnEmpty) onward = Date.now() + 1000;
      if (onward !== null) {
        ranOnEmpty ||= report.compared === 0;
        end = onward;
        before = report;
        // a subscription is opened afresh by the next run (its values then whole)
        if (o.live.kind === 'subscription') await o.live.close();
        continue;
      }
    }
    if (!open || run.divergences.length > 0 || run.fault || graceMs <= 0 || o.signal?.aborted) break;
    // A comm loss ended the run: wait it out for the grace, then watch on (the next run seeds
    // afresh). Also at the period's end: a run of no time left still makes its first poll,
    // which says whether the PLC answers again.
    before = report;
    lostSince = Date.parse(run.commLoss!.first);
  }
  const d = report.divergences[0];
  if (d)
    return {
      ok: false,
      why: `post-deploy watch: ${d.tag} diverged from the approved program at ${d.first} (live ${JSON.stringify(d.live)}, expected ${JSON.stringify(d.shadow)})`,
      report,
      cause: 'divergence',
    };
  // a comm loss not seen to end (no grace, or the watch was stopped meanwhile); shorter ones are
  // in the report and keep the deploy
  if (report.commLoss && open)
    return {
      ok: false,
      why: `post-deploy watch: comm loss with ${o.live.where} at ${report.commLoss.first}: ${report.commLoss.error}`,
      report,
      cause: 'comm-loss',
    };
  if (report.fault)
    return {
      ok: false,
      why: `post-deploy watch: the program faulted: ${report.fault}`,
      report,
      cause: 'fault',
    };
  // A watch that could not show the deploy behaves as approved rolls it back, inconclusive (ADR
  // 0179, one rule for what ADR 0125 and 0162 split): it compared nothing, the live PLC differed
  // from the approved program where the watch could not tell load from a divergence, or it judged
  // too little of its period — the program kept from before the deploy is the known state. A
  // stopped watch (a rollback order, the agent stopping) judges nothing here.
  if (o.signal?.aborted) return { ok: true, report };
  const inconclusive = inconclusiveWhy(report, o.durationMs);
  return inconclusive
    ? { ok: false, why: inconclusive, report, cause: 'inconclusive' }
    : { ok: true, report };
}

/**
 * Why a watch that ended without a divergence, a lasting comm loss or a fault could not show the
 * deploy behaves as approved over `requiredMs` of judged time (ADR 0179), or null: it compared
 * nothing, saw disagreements it could not confirm, or judged too little. The reason says what
 * left samples unjudged (`torn 70, seed 2`): a read path that never gives a whole sample is told
 * from a loaded host's share.
 */
export function inconclusiveWhy(report: ShadowReport, requiredMs: number): string | null {
  const unjudged = Object.entries(report.unjudged.why)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
  const said = unjudged ? `; unjudged: ${unjudged}` : '';
  // (the reasons do not travel in the report, ShadowRun.unjudged: here is where people read them)
  if (report.compared === 0)
    return requiredMs > 0
      ? `post-deploy watch inconclusive: nothing compared: ${report.samples === 0 ? 'no sample' : `${report.samples} sample(s), none judged,`} in ${report.seconds} s${said}`
      : null;
  const judged = `judged ${(judgedMs(report) / 1000).toFixed(1)} s (${report.compared} of ${report.samples} sample(s)) in ${report.seconds} s, ${(requiredMs / 1000).toFixed(1)} s required${said}`;
  if (report.unjudged.disagreed > 0)
    return `post-deploy watch inconclusive: ${report.unjudged.disagreed} disagreement(s) with the approved program not confirmed (${judged})`;
  if (judgedMs(report) < requiredMs) return `post-deploy watch inconclusive: ${judged}`;
  return null;
}

/** How {@link compileProgramFiles} loads a program. */
type ProgramLoad = Pick<WatchDeployOptions, 'cycleMs' | 'programName' | 'libraries' | 'models' | 'defines'>;

/**
 * A program kept as files of text (a deploy's approved program, a job's candidate), marked
 * for coverage, as `shadow` and `compile` load it: its files written to a folder of their
 * own (their paths kept: a TwinCAT, PLCopen XML, SCL or L5X project is told by its files),
 * read by the simulator's loader with the site's libraries, models and define set. A path
 * that leaves the folder is refused; a program that does not compile throws.
 */
export async function compileProgramFiles(
  files: readonly { path: string; text: string }[],
  o: ProgramLoad = {},
): Promise<InstrumentedCandidate> {
  const root = await mkdtemp(join(tmpdir(), 'plcfleet-watch-'));
  try {
    for (const f of files) {
      const rel = normalize(f.path);
      if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`))
        throw new Error(`file ${f.path} is outside the program folder`);
      const full = join(root, rel);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, f.text);
    }
    const { loadSimProject } = await import('@plcfleet/toolchain/sim');
    const [libraries, behaviourModels] = await Promise.all([
      o.libraries === undefined ? undefined : libraryFiles(o.libraries),
      o.models === undefined ? undefined : libraryFiles(o.models),
    ]);
    const project = await loadSimProject([root], {
      ...(libraries ? { libraries } : {}),
      ...(behaviourModels ? { behaviourModels } : {}),
      ...(o.defines ? { defines: o.defines } : {}),
    });
    return compileInstrumentedProject(project, {
      cycleMs: o.cycleMs ?? 10,
      ...(o.programName ? { program: o.programName } : {}),
      root,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * One report of two runs of a watch, the second after a comm loss within the grace: counts
 * added, the comm loss from the first failed poll of either to the last, coverage and the
 * rest as of the later run (its marks are the candidate's own, kept across runs).
 */
function joinReports(a: ShadowReport, b: ShadowReport): ShadowReport {
  const loss =
    a.commLoss && b.commLoss
      ? {
          ...a.commLoss,
          count: a.commLoss.count + b.commLoss.count,
          last: b.commLoss.last,
          longestMs: Math.max(a.commLoss.longestMs ?? 0, b.commLoss.longestMs ?? 0),
        }
      : (a.commLoss ?? b.commLoss);
  const seconds = a.seconds + b.seconds;
  const divergences = [...a.divergences];
  for (const d of b.divergences) {
    const seen = divergences.find((x) => x.tag === d.tag);
    if (seen) seen.count += d.count;
    else divergences.push(d);
  }
  return {
    ...b,
    seconds: Math.round(seconds * 1000) / 1000,
    samples: a.samples + b.samples,
    compared: a.compared + b.compared,
    divergences,
    commLoss: loss,
    comparisonsPerSecond: seconds > 0 ? Math.round(((a.compared + b.compared) / seconds) * 10) / 10 : 0,
    commLossMs: {
      least: Math.min(a.commLossMs.least, b.commLossMs.least),
      longest: Math.max(a.commLossMs.longest, b.commLossMs.longest),
    },
    late: a.late + b.late,
    unjudged: {
      samples: a.unjudged.samples + b.unjudged.samples,
      disagreed: a.unjudged.disagreed + b.unjudged.disagreed,
      why: Object.fromEntries(
        Object.entries(b.unjudged.why).map(([k, n]) => [
          k,
          n + (a.unjudged.why[k as keyof typeof a.unjudged.why] ?? 0),
        ]),
      ) as ShadowReport['unjudged']['why'],
    },
    ...(a.shortCommLosses || b.shortCommLosses
      ? {
          shortCommLosses: {
            count: (a.shortCommLosses?.count ?? 0) + (b.shortCommLosses?.count ?? 0),
            longestMs: Math.max(a.shortCommLosses?.longestMs ?? 0, b.shortCommLosses?.longestMs ?? 0),
          },
        }
      : {}),
    scans: a.scans + b.scans,
  };
}

/**
 * The PLC as a run after a comm loss reads it: its first answer (a poll, or the subscription
 * opened again) given up at `until` — a request queued behind one a silent PLC holds would
 * otherwise wait for the request timeout, past the grace.
 */
function withinGrace(live: LivePlc | LiveFeed, until: number): LivePlc | LiveFeed {
  const late = (what: string) =>
    new Promise<{ error: string }>((resolve) =>
      setTimeout(
        () => resolve({ error: `${what} within the grace` }),
        Math.max(0, until - Date.now()),
      ).unref(),
    );
  if (live.kind === 'subscription')
    return {
      kind: 'subscription',
      where: live.where,
      open: async () => {
        const r = await Promise.race([
          live.open(),
          late('not opened').then((e) => ({ ok: false as const, ...e })),
        ]);
        if (!r.ok) await live.close();
        return r;
      },
      next: (ms) => live.next(ms),
      close: () => live.close(),
    };
  return {
    where: live.where,
    read: async () => {
      const tReq = Date.now();
      return Promise.race([
        live.read(),
        late('no answer').then((e) => ({ ok: false as const, ...e, tReq, tResp: Date.now() })),
      ]);
    },
    close: () => live.close(),
  };
}

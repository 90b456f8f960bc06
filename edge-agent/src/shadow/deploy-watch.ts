import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { TagMap } from '@plcfleet/protocols';
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
  /** The define set selecting `{IF defined(...)}` branches, as `compile --define` (default: every branch). */
  defines?: readonly string[];
  /** Ends the watch early with no verdict against the deploy (a rollback order came). */
  signal?: AbortSignal;
  /** The watch so far, about every `snapshotEveryMs` (runShadow's `onSnapshot`). */
  onSnapshot?: (report: ShadowReport) => void;
  snapshotEveryMs?: number;
}

/** What a watch found: nothing (the deploy stays), or why it must be rolled back. */
export type WatchOutcome =
  | { ok: true; report: ShadowReport }
  | { ok: false; why: string; report: ShadowReport | null };

/**
 * Watches a deploy: the approved program runs in shadow of the live PLC for the watch
 * period, and the first unexplained divergence — the live PLC does not do what the verified
 * program does with the same inputs — a comm loss, or a fault ends the watch with the
 * reason to roll back. The approved program is the reference (not the old one) because
 * every difference it has from the old one was verified and approved: what the live PLC
 * does beyond it is unexplained. Fails closed: a program that does not compile here or a
 * PLC that does not answer is a reason too.
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
    };
  }
  let report: ShadowReport;
  try {
    report = await runShadow({
      plc: candidate.plc,
      branches: candidate.coverage,
      live: o.live,
      tags: binding.tags,
      unbound: binding.unbound,
      durationMs: o.durationMs,
      cycleMs: o.cycleMs ?? 10,
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onSnapshot ? { onSnapshot: o.onSnapshot } : {}),
      ...(o.snapshotEveryMs ? { snapshotEveryMs: o.snapshotEveryMs } : {}),
      stopAtFirst: true,
    });
  } catch (err) {
    if (err instanceof ShadowUnreachable)
      return { ok: false, why: `post-deploy watch: PLC unreachable: ${err.message}`, report: null };
    throw err;
  }
  const d = report.divergences[0];
  if (d)
    return {
      ok: false,
      why: `post-deploy watch: ${d.tag} diverged from the approved program at ${d.first} (live ${JSON.stringify(d.live)}, expected ${JSON.stringify(d.shadow)})`,
      report,
    };
  if (report.commLoss)
    return {
      ok: false,
      why: `post-deploy watch: comm loss with ${o.live.where} at ${report.commLoss.first}: ${report.commLoss.error}`,
      report,
    };
  if (report.fault)
    return { ok: false, why: `post-deploy watch: the program faulted: ${report.fault}`, report };
  return { ok: true, report };
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

import type { TagMap } from '@plcfleet/protocols';
import { compileInstrumented, type InstrumentedCandidate } from './branch-coverage';
import type { LivePlc } from './live-plc';
import { bindTags } from './shadow-binding';
import { runShadow, type ShadowReport, ShadowUnreachable } from './shadow-runner';

/** Options of {@link watchDeploy}. */
export interface WatchDeployOptions {
  /** The program the deploy was approved with: what the live PLC must now behave like. */
  files: readonly { path: string; text: string }[];
  map: TagMap;
  live: LivePlc;
  /** The watch period, ms. */
  durationMs: number;
  /** @default 10 */
  cycleMs?: number;
  pollMs?: number;
  /** PROGRAM or CONFIGURATION to run (default: the only one). */
  programName?: string;
  /** Ends the watch early with no verdict against the deploy (a rollback order came). */
  signal?: AbortSignal;
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
    candidate = compileInstrumented(
      o.files.map((f) => ({ name: f.path, text: f.text })),
      { cycleMs: o.cycleMs ?? 10, ...(o.programName ? { program: o.programName } : {}) },
    );
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

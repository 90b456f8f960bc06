/**
 * Runs cases under the live reference and under our VirtualPlc and classifies
 * each: agreed, diverged (with the first differing scan), refused by the
 * reference, or refused by us. Used by record.ts and run-live.ts; needs MATIEC_HOME.
 */
import type { ConformanceCase, ScanValues } from './conformance-case';
import { matiecHome, runBatchUnderMatiec } from './matiec-harness';
import { firstDifference, runOnSim } from './sim-runner';

/** The verdict on one case. */
export type LiveOutcome =
  | { kind: 'agree'; case: ConformanceCase; trace: ScanValues[] }
  | {
      kind: 'diverge';
      case: ConformanceCase;
      scan: number;
      diffs: { name: string; ref: unknown; ours: unknown }[];
    }
  | { kind: 'reference-refused'; case: ConformanceCase; message: string }
  | { kind: 'sim-refused'; case: ConformanceCase; message: string };

/** Options of {@link runLive}. */
export interface LiveOptions {
  /** Cases per MATIEC translation and C compile. @default 25 */
  batch?: number;
  /** Batches compiled at once. @default 2 */
  concurrency?: number;
  /** Called after each batch with the number of cases done. */
  onProgress?: (done: number, total: number) => void;
}

/** Runs every case both ways; outcomes come back in the cases' order. */
export async function runLive(cases: ConformanceCase[], options: LiveOptions = {}): Promise<LiveOutcome[]> {
  const home = matiecHome();
  const size = options.batch ?? 25;
  const batches: ConformanceCase[][] = [];
  for (let i = 0; i < cases.length; i += size) batches.push(cases.slice(i, i + size));
  const out: LiveOutcome[][] = new Array(batches.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const bi = next++;
      const batch = batches[bi];
      if (!batch) return;
      const refs = await runBatchUnderMatiec(batch, home);
      out[bi] = batch.map((c, i): LiveOutcome => {
        const ref = refs[i];
        if (!ref?.ok)
          return { kind: 'reference-refused', case: c, message: ref ? `${ref.stage}: ${ref.message}` : '?' };
        const ours = runOnSim(c);
        if (!ours.ok) return { kind: 'sim-refused', case: c, message: ours.message };
        const d = firstDifference(c.outputs, ref.trace, ours.trace);
        return d ? { kind: 'diverge', case: c, ...d } : { kind: 'agree', case: c, trace: ref.trace };
      });
      done += batch.length;
      options.onProgress?.(done, cases.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  return out.flat();
}

/** Counts of each outcome kind. */
export function tally(outcomes: LiveOutcome[]): Record<LiveOutcome['kind'], number> {
  const t = { agree: 0, diverge: 0, 'reference-refused': 0, 'sim-refused': 0 };
  for (const o of outcomes) t[o.kind]++;
  return t;
}

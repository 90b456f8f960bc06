import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShadowReport } from '../shadow';
import { readJson, removeFile, writeJsonAtomic } from './state-files';

/**
 * A shadow run's progress kept in the agent's state so that it resumes after a restart
 * (ADR 0103): the runner's figures so far (its segments merged), how often it resumed, and
 * the hash of what it runs — a changed candidate or tag map starts over. One JSON file per
 * run under `<dataDir>/shadow-runs/`, written whole or not at all (`writeJsonAtomic`).
 */
export interface KeptProgress<T> {
  version: 1;
  /** What the run is (its `shadow.report` meta, the order it watches …): the caller's. */
  run: T;
  /** sha256 of the program's files, the tag map's text and how they are loaded. */
  hash: string;
  /** Times the run was resumed after a restart. */
  resumed: number;
  /** The runner's figures so far; null before the first checkpoint. */
  progress: ShadowReport | null;
}

/** The hash a kept run is resumed against: what runs, against which tags, loaded how. */
export function runHash(
  files: readonly { path: string; text: string }[],
  tagMapText: string,
  settings: Record<string, unknown>,
): string {
  const h = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  h.update(JSON.stringify({ files: sorted.map((f) => [f.path, f.text]), tags: tagMapText, settings }));
  return h.digest('hex');
}

/** The kept runs of one kind in a folder (`<prefix><id>.json`). */
export class ProgressStore<T> {
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
  ) {}

  private file(id: string): string {
    return join(this.dir, `${this.prefix}${encodeURIComponent(id)}.json`);
  }

  /** The kept run `id`, or null (none, or not readable: then it starts over, and says so). */
  async read(id: string): Promise<KeptProgress<T> | null> {
    const v = (await readJson(this.file(id)).catch(() => null)) as KeptProgress<T> | null | undefined;
    return v && v.version === 1 && typeof v.hash === 'string' ? v : null;
  }

  /**
   * Writes and removals run one after another, in the order asked: a checkpoint still being
   * written when its run ends cannot land after the removal and bring an ended run back.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private inTurn(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  write(id: string, kept: KeptProgress<T>): Promise<void> {
    return this.inTurn(() => writeJsonAtomic(this.file(id), kept));
  }

  remove(id: string): Promise<void> {
    return this.inTurn(() => removeFile(this.file(id)));
  }

  /** Every kept run of this kind. */
  async all(): Promise<KeptProgress<T>[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: KeptProgress<T>[] = [];
    for (const n of names.filter((x) => x.startsWith(this.prefix) && x.endsWith('.json')))
      try {
        const k = await this.read(decodeURIComponent(n.slice(this.prefix.length, -'.json'.length)));
        if (k) out.push(k);
      } catch {
        // a name that is not ours
      }
    return out;
  }
}

/**
 * The samples a segment could not judge, and why (the runner's `unjudged`, ADR 0148): none is in
 * `compared`; `disagreed` are those whose live outputs differed from the candidate's.
 */
export interface Unjudged {
  samples: number;
  disagreed: number;
  why: Record<string, number>;
}

/**
 * The runner's report as the agent reads it: `unjudged` may be absent (progress kept by an
 * older agent, a runner before the field).
 */
type RunnerReport = ShadowReport & { unjudged?: Unjudged };

/** `r`'s unjudged samples, or undefined when it does not say. */
export function unjudgedOf(r: ShadowReport | null | undefined): Unjudged | undefined {
  return (r as RunnerReport | null | undefined)?.unjudged;
}

/**
 * The seconds of `r` that are evidence (ADR 0159): its time in the share of samples it judged,
 * `seconds * compared / samples`. A report that does not say what it left unjudged (an older
 * runner) counts its seconds, as before.
 */
export function judgedSeconds(r: ShadowReport): number {
  if (!unjudgedOf(r)) return r.seconds;
  return r.samples > 0 ? (r.seconds * r.compared) / r.samples : 0;
}

/** Two segments' unjudged samples summed, each reason too (one without: none of its own). */
function sumUnjudged(a: Unjudged | undefined, b: Unjudged | undefined): Unjudged | undefined {
  if (!a || !b) {
    const one = a ?? b;
    return one && { ...one, why: { ...one.why } };
  }
  const why = { ...a.why };
  for (const [k, n] of Object.entries(b.why)) why[k] = (why[k] ?? 0) + n;
  return { samples: a.samples + b.samples, disagreed: a.disagreed + b.disagreed, why };
}

/** `r` with `u` as its unjudged samples (unchanged without). */
function withUnjudged<R extends ShadowReport>(r: R, u: Unjudged | undefined): R {
  return u ? ({ ...r, unjudged: u } as R) : r;
}

/** `a`'s names that are in `b` too (what no segment exercised). */
const both = (a: readonly string[], b: readonly string[]) => {
  const s = new Set(b);
  return a.filter((x) => s.has(x));
};

/**
 * Two segments of one run as one: counts summed (unjudged samples, their disagreements and
 * each reason too), each tag's divergence from its first sample on, comm losses from the
 * first to the last. Coverage is what either segment
 * exercised: an input, output, timer, branch or CASE arm counts unless neither did (the
 * totals and the lists of what was not exercised are the later segment's and the
 * intersection). The later segment's settings (poll, latency, tags) describe the run.
 */
export function mergeSegments(prev: ShadowReport | null, cur: ShadowReport): ShadowReport {
  if (!prev) return cur;
  const divergences = prev.divergences.map((d) => ({ ...d }));
  for (const d of cur.divergences) {
    const seen = divergences.find((x) => x.tag === d.tag);
    if (seen) seen.count += d.count;
    else divergences.push({ ...d });
  }
  const commLoss =
    prev.commLoss && cur.commLoss
      ? { ...prev.commLoss, count: prev.commLoss.count + cur.commLoss.count, last: cur.commLoss.last }
      : (prev.commLoss ?? cur.commLoss);
  const p = prev.coverage;
  const c = cur.coverage;
  // one value before the gap and another after it: varied (toggled) across it (ADR 0126)
  const across = <T>(paths: string[], a?: Record<string, T>, b?: Record<string, T>) => {
    const kept = paths.filter((x) => a?.[x] === undefined || b?.[x] === undefined || a[x] === b[x]);
    const held = Object.fromEntries(
      kept.flatMap((x) => {
        const v = a?.[x] ?? b?.[x];
        return v === undefined ? [] : [[x, v] as const];
      }),
    );
    return { kept, held };
  };
  const inputs = across(both(c.inputs.unvaried, p.inputs.unvaried), c.inputs.held, p.inputs.held);
  const bools = across(
    both(c.boolOutputs.untoggled, p.boolOutputs.untoggled),
    c.boolOutputs.held,
    p.boolOutputs.held,
  );
  const unvaried = inputs.kept;
  const untoggled = bools.kept;
  const notCompleted = both(c.timers.notCompleted, p.timers.notCompleted);
  const marks = (a: typeof c.branches, b: typeof p.branches) => {
    if (!a) return b;
    if (!b) return a;
    const notTaken = both(a.notTaken, b.notTaken);
    return { total: a.total, taken: a.total - notTaken.length, notTaken };
  };
  return withUnjudged(
    {
      ...cur,
      seconds: Math.round((prev.seconds + cur.seconds) * 1000) / 1000,
      samples: prev.samples + cur.samples,
      compared: prev.compared + cur.compared,
      divergences,
      commLoss,
      late: prev.late + cur.late,
      scans: prev.scans + cur.scans,
      fault: prev.fault ?? cur.fault,
      coverage: {
        inputs: {
          total: c.inputs.total,
          varied: c.inputs.total - unvaried.length,
          unvaried,
          held: inputs.held,
        },
        boolOutputs: {
          total: c.boolOutputs.total,
          toggled: c.boolOutputs.total - untoggled.length,
          untoggled,
          held: bools.held,
        },
        timers: { total: c.timers.total, completed: c.timers.total - notCompleted.length, notCompleted },
        branches: marks(c.branches, p.branches),
        caseArms: marks(c.caseArms, p.caseArms),
      },
    },
    sumUnjudged(unjudgedOf(prev), unjudgedOf(cur)),
  );
}

/**
 * Live shadow execution (issue #21, docs/shadow.md): the candidate program runs on the
 * virtual PLC fed with the running PLC's live inputs, and its outputs are compared with
 * the live outputs every poll.
 *
 * Timing. A poll reads every bound tag at once (one sample). The candidate is then fed
 * the sample's inputs and scanned as many cycles as real time has passed since the last
 * poll (`cycleMs` per scan), so its timers run on the same clock as the plant. The live
 * PLC's outputs in sample n were computed from inputs read somewhat before or after the
 * sample's inputs (a read is not atomic, the PLC's scan is not synchronised with the poll),
 * so the live value of sample n agrees when it equals the candidate's output at any moment
 * from `latencyMs` before the sample (the live PLC's outputs lag its inputs by a scan, more
 * when it runs late) until the candidate has scanned the inputs of sample n + 1, and at
 * least after sample n − 1 (latency-window.ts). A sample is judged then, so a divergence is
 * reported one poll after the sample that shows it (two when polls come faster than
 * cycles). A failed poll is a comm loss: counted and reported at once; so is a poll whose
 * answer has not come two polls after three times the PLC's slowest answer (answer-deadline.ts,
 * ADR 0073), while the request may still finish: its late answer is dropped, never
 * compared or fed as live. The samples around a comm
 * loss are not judged, and the candidate's bound state is set again from the first good
 * sample after it (its own timers and internal state go on).
 */
import type { TagType } from '@plcfleet/protocols';
import type { VirtualPlc } from '@plcfleet/toolchain/sim';
import { EdgeAgentError } from '../edge-agent-error';
import type { RawValue } from '../plant-io';
import { AnswerDeadline } from './answer-deadline';
import type { BranchCoverage } from './branch-coverage';
import { type Judgement, LatencyWindow } from './latency-window';
import type { LivePlc, LiveSample } from './live-plc';
import type { BoundTag } from './shadow-binding';
import { CoverageTracker, type ShadowCoverage } from './shadow-coverage';

/** One output tag on which the candidate and the live PLC disagreed. */
interface ShadowDivergence {
  tag: string;
  /** When the first diverging sample was read (ISO time). */
  first: string;
  /** Diverging samples. */
  count: number;
  /** Live and candidate values at the first divergence. */
  live: unknown;
  shadow: unknown;
}

/** The summary of a shadow run (`shadow --json`). */
export interface ShadowReport {
  seconds: number;
  /** Good samples (polls that read every tag). */
  samples: number;
  /** Samples judged (not next to a comm loss, not spread over longer than `latencyMs`). */
  compared: number;
  divergences: ShadowDivergence[];
  coverage: ShadowCoverage;
  /** Polls that failed; `first`/`last` ISO times, `error` the first failure. */
  commLoss: { count: number; first: string; last: string; error: string } | null;
  /** A comparison every poll: the PLC's cycle and how often it was polled. */
  cycleMs: number;
  pollMs: { target: number; mean: number; max: number };
  /** How much older than their inputs live outputs were allowed to be, ms (newer: one poll). */
  latencyMs: number;
  /**
   * How long a poll waited for its answer before it was a comm loss, ms: two polls after the
   * three times the slowest answer of the last 30 s (`least` two polls), or the fixed `commLossMs`.
   */
  commLossMs: { least: number; longest: number };
  /** Answers that came after their deadline and were dropped (never compared or fed). */
  late: number;
  /** Scans of the candidate. */
  scans: number;
  tags: { inputs: number; outputs: number; state: number; ignored: string[]; unbound: string[] };
  /** The candidate stopped on a runtime fault (the run ends there). */
  fault: string | null;
  /** CPU time of this process over the run, as a share of one core. */
  cpuShare: number;
}

/** Options of {@link runShadow}. */
interface ShadowRunOptions {
  plc: VirtualPlc;
  /** Branch and CASE-arm marks of the candidate (compileInstrumented); without it they are null. */
  branches?: () => BranchCoverage;
  live: LivePlc;
  tags: BoundTag[];
  unbound: string[];
  /** How long to run, ms. */
  durationMs: number;
  /** The PLC's scan cycle, ms (virtual time per candidate scan). @default 10 */
  cycleMs?: number;
  /** Time between polls, ms. @default cycleMs */
  pollMs?: number;
  /**
   * How much older than the inputs read with them the live outputs may be (the PLC's scan
   * lag; latency-window.ts). Newer: up to the inputs of the next sample. @default 2 × max(pollMs, cycleMs)
   */
  latencyMs?: number;
  /**
   * A poll whose answer has not come within this many ms is a comm loss at once (a PLC that
   * stops answering without closing); the request may still finish, and its answer is
   * dropped. @default 2 × pollMs after three times the slowest answer of the last 30 s (AnswerDeadline)
   */
  commLossMs?: number;
  /** Stop early (SIGINT). */
  signal?: AbortSignal;
  /** Stop at the first divergence or comm loss (a post-deploy watch acts on the first). @default false */
  stopAtFirst?: boolean;
  /** Called about once a second with a line for people. */
  onProgress?: (line: string) => void;
  /** Called at the first failed poll of a comm loss and when the PLC answers again. */
  onCommChange?: (lost: boolean, error: string) => void;
}

/** A value as compared: REAL in single precision, integers exactly (LINT as bigint). */
function comparable(type: TagType, v: unknown): number | bigint | boolean {
  if (typeof v === 'boolean') return v;
  if (type === 'LINT') return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return type === 'REAL' ? Math.fround(n) : n;
}

function agrees(b: BoundTag, live: unknown, shadow: unknown): boolean {
  const t = b.tag.modbus.type;
  const a = comparable(t, live);
  const s = comparable(t, shadow);
  if (typeof a === 'number' && typeof s === 'number') {
    if (Number.isNaN(a) && Number.isNaN(s)) return true;
    return a === s || Math.abs(a - s) <= b.tolerance;
  }
  return a === s;
}

/** JSON-safe (bigint as a string). */
function shown(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** What the candidate wants written for a raw live value: LINT as bigint, the rest as is. */
function simValue(b: BoundTag, raw: RawValue): boolean | number | bigint {
  if (b.tag.modbus.type === 'LINT') return typeof raw === 'bigint' ? raw : BigInt(Math.trunc(Number(raw)));
  return typeof raw === 'bigint' ? Number(raw) : raw;
}

/** Waits `ms` or until `signal` aborts; leaves no listener behind (a run polls millions of times). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * `p`'s result, or undefined when it has not come within `ms`. The check runs after the
 * event loop has handled its pending I/O (setImmediate after the timer), so a stall of
 * this process is not taken for a late answer: an answer that arrived meanwhile counts.
 */
function answerWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    const settle = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      f();
    };
    const t = setTimeout(() => setImmediate(() => settle(() => resolve(undefined))), ms);
    p.then(
      (v) => settle(() => resolve(v)),
      (e: unknown) => settle(() => reject(e)),
    );
  });
}

/**
 * Runs the candidate in shadow of the live PLC for `durationMs` (or until `signal`).
 * Throws a `PlantIoError`-like error only when the first poll fails (unreachable PLC);
 * a comm loss later is counted in the report.
 */
export async function runShadow(o: ShadowRunOptions): Promise<ShadowReport> {
  const cycleMs = o.cycleMs ?? 10;
  const pollMs = o.pollMs ?? cycleMs;
  const latencyMs = o.latencyMs ?? 2 * Math.max(pollMs, cycleMs);
  const deadline = new AnswerDeadline(2 * pollMs, o.commLossMs);
  const { plc, live, tags } = o;
  const inputs = tags.filter((b) => b.role === 'input');
  const compared = tags.filter((b) => b.role === 'output' && !b.ignored);
  const access = new Map(tags.map((b) => [b, plc.accessor(b.path)]));
  const coverage = new CoverageTracker(plc, tags);
  const divergences = new Map<BoundTag, ShadowDivergence>();
  // set by lose() (a closure): typed so that the flow does not narrow it to null
  let commLoss = null as ShadowReport['commLoss'];
  let samples = 0;
  let judged = 0;
  let late = 0;
  let fault: string | null = null;

  const first = await live.read();
  if (!first.ok) throw new ShadowUnreachable(`${live.where}: ${first.error}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  // Start from the live state: every bound variable the candidate has takes the live value.
  const seed = (s: Extract<LiveSample, { ok: true }>) => {
    for (const b of tags) {
      const v = s.values.get(b.tag);
      if (v !== undefined) plc.set(b.path, simValue(b, v));
    }
  };
  seed(first);
  samples++;
  const readers = compared.map((b) => [b, access.get(b)!.get] as const);
  const outputsNow = () => new Map<BoundTag, unknown>(readers.map(([b, get]) => [b, get()]));
  let virtualMs = 0;
  let lost = false;
  let pollCount = 0;
  let pollSum = 0;
  let pollMax = 0;
  let lastPoll = performance.now();
  let lastProgress = t0;

  const judge = (p: Judgement<BoundTag>) => {
    judged++;
    for (const b of compared) {
      const v = p.live.get(b);
      if (v === undefined) continue;
      if (p.candidates.some((c) => agrees(b, v, c.get(b)))) continue;
      const d = divergences.get(b);
      if (d) d.count++;
      else
        divergences.set(b, {
          tag: b.tag.name,
          first: new Date(p.at).toISOString(),
          count: 1,
          live: shown(v),
          shadow: shown(p.own.get(b)),
        });
    }
  };

  const window = new LatencyWindow<BoundTag>(latencyMs, judge);
  window.add({ at: first.tReq, fed: 0, scanned: 0, outputs: outputsNow(), live: null });

  /** A failed poll: report the comm loss now, judge nothing around it, keep the candidate's clock. */
  const lose = (t: number, error: string) => {
    const at = new Date(t).toISOString();
    if (commLoss) {
      commLoss.count++;
      commLoss.last = at;
    } else commLoss = { count: 1, first: at, last: at, error };
    if (!lost) o.onCommChange?.(true, error);
    lost = true;
    window.clear();
    catchUp();
  };

  /** Scans the candidate up to real time. */
  const catchUp = () => {
    const target = performance.now() - t0;
    while (virtualMs + cycleMs <= target && !fault) {
      const f = plc.scan();
      virtualMs += cycleMs;
      coverage.scanned();
      if (f) fault = `${f.code}: ${f.message}`;
    }
  };

  while (!o.signal?.aborted && performance.now() - t0 < o.durationMs && !fault) {
    if (o.stopAtFirst && (divergences.size > 0 || commLoss)) break;
    await sleep(pollMs - (performance.now() - lastPoll), o.signal);
    if (o.signal?.aborted) break;
    const now = performance.now();
    const gap = now - lastPoll;
    lastPoll = now;
    pollCount++;
    pollSum += gap;
    pollMax = Math.max(pollMax, gap);
    const tReq = Date.now();
    const dueMs = deadline.now(tReq);
    const reading = live.read();
    // what the answers took, late ones too; not a reconnect's (after a comm loss)
    if (!lost)
      reading.then(
        (r) => r.ok && deadline.answered(r.tResp, r.tResp - r.tReq),
        () => {},
      );
    let s = dueMs === undefined ? await reading : await answerWithin(reading, dueMs);
    if (s === undefined) {
      // Overdue: a comm loss now. The request may still finish: wait for it (a link has one
      // request in flight) a poll at a time, each a failed poll, and drop what it brings.
      const why = `no answer within ${Math.round(dueMs ?? 0)} ms`;
      lose(tReq, why);
      // (a watch acts on the first comm loss: it does not wait for the request to end)
      while (
        s === undefined &&
        !o.stopAtFirst &&
        !o.signal?.aborted &&
        performance.now() - t0 < o.durationMs
      ) {
        s = await answerWithin(reading, pollMs);
        catchUp();
        if (s === undefined) lose(Date.now(), why);
      }
      if (s?.ok) late++;
      continue;
    }
    if (!s.ok) {
      lose(s.tReq, s.error);
      continue;
    }
    samples++;
    if (lost) {
      o.onCommChange?.(false, '');
      lost = false;
      seed(s);
      const fed = virtualMs;
      catchUp();
      window.add({ at: s.tReq, fed, scanned: virtualMs, outputs: outputsNow(), live: null });
      continue;
    }
    for (const b of inputs) {
      const v = s.values.get(b.tag);
      if (v === undefined) continue;
      // The accessor writes the internal representation (what simValue gives): no per-tag conversion on the hot path.
      access.get(b)!.set(simValue(b, v));
      coverage.input(b.path, v);
    }
    const fed = virtualMs;
    catchUp();
    // A read spread over more than the window mixes moments the window cannot pair: its inputs feed, it is not judged.
    const torn = s.spreadMs > latencyMs;
    const liveOutputs = torn ? null : new Map(compared.map((b) => [b, s.values.get(b.tag)!]));
    window.add({ at: s.tReq, fed, scanned: virtualMs, outputs: outputsNow(), live: liveOutputs });
    if (o.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      const n = [...divergences.values()].reduce((a, d) => a + d.count, 0);
      o.onProgress(
        `shadow: ${((now - t0) / 1000).toFixed(1)} s, ${samples} samples, ${n} divergence(s)` +
          (commLoss ? `, ${commLoss.count} failed poll(s)` : ''),
      );
    }
  }
  window.finish();
  const cpu = process.cpuUsage(cpu0);
  const elapsed = performance.now() - t0;
  return {
    seconds: Math.round(elapsed) / 1000,
    samples,
    compared: judged,
    divergences: [...divergences.values()],
    coverage: coverage.report(o.branches),
    commLoss,
    cycleMs,
    latencyMs,
    commLossMs: deadline.report(),
    late,
    pollMs: {
      target: pollMs,
      mean: pollCount ? Math.round((pollSum / pollCount) * 10) / 10 : 0,
      max: Math.round(pollMax * 10) / 10,
    },
    scans: Math.round(virtualMs / cycleMs),
    tags: {
      inputs: inputs.length,
      outputs: compared.length,
      state: tags.filter((b) => b.role === 'state').length,
      ignored: tags.filter((b) => b.ignored).map((b) => b.tag.name),
      unbound: o.unbound,
    },
    fault,
    cpuShare: elapsed > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 1000) / 1000 : 0,
  };
}

/** The live PLC did not answer the first poll. */
export class ShadowUnreachable extends EdgeAgentError<'COMM_FAILURE'> {
  override readonly name = 'ShadowUnreachable';
  constructor(message: string) {
    super('COMM_FAILURE', message);
  }
}

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
 * least after sample n − 1 (latency-window.ts). A sample is judged then, one poll after it —
 * or at once when its outputs were read before its inputs (Modbus, ADR 0143): they cannot
 * show newer inputs, so it is judged when it comes, a sample that disagrees also against the
 * candidate's next scans on its inputs (its answer to inputs it has not scanned yet; a live
 * timer that runs ahead). A failed poll is a comm loss: counted and reported at once; so is a poll whose
 * answer is overdue (answer-deadline.ts, ADR 0120), while the request may still finish: its
 * late answer is dropped, never compared or fed as live. The samples around a comm loss are
 * not judged, and the candidate's bound state is set again from the first good sample after
 * it (its own timers and internal state go on). What a loaded host leaves unjudged (a late
 * read, a seed, a settling output, a torn read) is counted by why in the report's `unjudged`, with
 * the disagreements among it — never clean time (ADR 0148).
 */
import type { Tag, TagType } from '@plcfleet/protocols';
import type { PlcSnapshot, SimTimer, VirtualPlc } from '@plcfleet/toolchain/sim';
import { EdgeAgentError } from '../edge-agent-error';
import type { RawValue } from '../plant-io';
import { AnswerDeadline } from './answer-deadline';
import type { BranchCoverage } from './branch-coverage';
import { CycleWindow } from './cycle-window';
import { type Judgement, LatencyWindow } from './latency-window';
import type { LivePlc } from './live-plc';
import type { LiveChange, LiveFeed } from './live-subscription';
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
  /** Samples judged (not next to a comm loss, not spread over longer than `latencyMs`; the rest: `unjudged`). */
  compared: number;
  divergences: ShadowDivergence[];
  coverage: ShadowCoverage;
  /**
   * Polls that failed (with a subscription: silences past the deadline and failed reopenings);
   * `first`/`last` ISO times, `error` the first failure, `lastAnswer` when the last good
   * answer (or publish) before the first failure came.
   */
  commLoss: {
    count: number;
    first: string;
    last: string;
    error: string;
    lastAnswer: string;
    /**
     * The longest comm loss of the run, ms, from its first failed poll to the next good answer
     * (to the end of the run when it did not end): a late answer's is tens of ms, a lost PLC's
     * lasts (ADR 0120). Optional: absent from reports of before.
     */
    longestMs?: number;
  } | null;
  /**
   * Comm losses that ended before they lasted (ADR 0120): an answer overdue by the stale
   * deadline that came before the lasting one — reported at once (`onCommChange`), nothing
   * compared meanwhile, not a comm loss of the run. Optional: absent when none.
   */
  shortCommLosses?: { count: number; longestMs: number };
  /**
   * How the PLC was read: `poll` (a read of every tag each poll, a comparison every poll) or
   * `subscription` (OPC UA monitored items, a comparison every PLC cycle; ADR 0100).
   */
  mode: 'poll' | 'subscription';
  /** Comparisons made a second (samples judged over the run's seconds). */
  comparisonsPerSecond: number;
  /** The PLC's cycle and how often it was polled (subscription: the messages' period, `target` the publishing interval). */
  cycleMs: number;
  pollMs: { target: number; mean: number; max: number };
  /** With a subscription: the intervals granted, and messages (data and keep-alives) received. */
  subscription: { publishingMs: number; keepAliveMs: number; messages: number; overflows: number } | null;
  /** How much older than their inputs live outputs were allowed to be, ms (newer: one poll). */
  latencyMs: number;
  /**
   * How long a poll waited for its answer before it was a comm loss, ms (`least` and `longest`
   * of the run): one poll after the 90th percentile of the last 101 answers to say it, one poll
   * after three times the slowest answer of 30 s for it to last (ADR 0120), or the fixed
   * `commLossMs`.
   */
  commLossMs: { least: number; longest: number };
  /** Answers that came after their deadline and were dropped (never compared or fed). */
  late: number;
  /** Scans of the candidate. */
  scans: number;
  tags: { inputs: number; outputs: number; state: number; ignored: string[]; unbound: string[] };
  /**
   * Samples left unjudged, and why (ADR 0148): none counts in `compared`, so `compared / samples`
   * is the share of the run that is evidence. `disagreed`: those whose live outputs differed from
   * the candidate's — a divergence this run could not confirm (a gate must not read them as clean).
   * `why`: `seed` (the candidate set from the sample, not compared; a seed read waits for a quick
   * answer, ADR 0148), `late` (read more than the window after the inputs before, ADR 0145),
   * `torn` (a read spread over more than the window), `settling` (an output not settled after a
   * seed, ADR 0123), `commLoss` (waiting when a comm loss came), `overflow` (a subscription's queue
   * overflowed), `burst` (a live scan's moment a guess, ADR 0127), `end` (the run ended first).
   */
  unjudged: { samples: number; disagreed: number; why: Record<UnjudgedWhy, number> };
  /** The candidate stopped on a runtime fault (the run ends there). */
  fault: string | null;
  /** CPU time of this process over the run, as a share of one core. */
  cpuShare: number;
}

/** Why a sample was not judged (`ShadowReport.unjudged.why`). */
type UnjudgedWhy = 'seed' | 'late' | 'torn' | 'settling' | 'commLoss' | 'overflow' | 'burst' | 'end';

/** Options of {@link runShadow}. */
interface ShadowRunOptions {
  plc: VirtualPlc;
  /** Branch and CASE-arm marks of the candidate (compileInstrumented); without it they are null. */
  branches?: () => BranchCoverage;
  /** The PLC, polled (`LivePlc`) or followed by subscription (`LiveFeed`). */
  live: LivePlc | LiveFeed;
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
   * dropped. With a subscription: no message (data or keep-alive) within this many ms of the
   * last one. @default one poll (subscription: one keep-alive period and a publishing interval)
   * after the PLC's usual answer time, the 90th percentile of its last 101 answers
   * (AnswerDeadline.stale, ADR 0120); a subscription is opened again only past three times the
   * latest message of 30 s (ADR 0101)
   */
  commLossMs?: number;
  /** Stop early (SIGINT). */
  signal?: AbortSignal;
  /** Stop at the first divergence or comm loss (a post-deploy watch acts on the first). @default false */
  stopAtFirst?: boolean;
  /**
   * With `stopAtFirst`: a comm loss stops the run only once it has lasted this long, ms from
   * its first failed poll (ADR 0120); a shorter one is reported and the run goes on when the
   * PLC answers again. @default 0 (the first comm loss stops the run)
   */
  commLossGraceMs?: number;
  /** Called about once a second with a line for people. */
  onProgress?: (line: string) => void;
  /**
   * Called about every `snapshotEveryMs` with the report of the run so far (judged samples only:
   * those still in the latency window are not in it; `pollMs` is filled at the end).
   */
  onSnapshot?: (report: ShadowReport) => void;
  /** @default 10000 */
  snapshotEveryMs?: number;
  /** Called at the first failed poll of a comm loss and when the PLC answers again. */
  onCommChange?: (lost: boolean, error: string) => void;
}

/**
 * A value as compared: REAL in single precision, integers exactly (LINT as bigint), an integer
 * as the tag's register holds it (an INT variable's -25536 is a UINT register's 40000).
 */
function comparable(type: TagType, v: unknown): number | bigint | boolean {
  if (typeof v === 'boolean') return v;
  if (type === 'LINT') return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  if (type === 'REAL') return Math.fround(n);
  if (type === 'LREAL' || !Number.isInteger(n)) return n;
  return type === 'INT'
    ? (n << 16) >> 16
    : type === 'UINT'
      ? n & 0xffff
      : type === 'DINT'
        ? n | 0
        : type === 'UDINT'
          ? n >>> 0
          : n;
}

function agrees(b: BoundTag, live: unknown, shadow: unknown): boolean {
  // the same value agrees whatever the type (most outputs, most samples); NaN goes on below
  if (live === shadow) return true;
  const t = b.tag.modbus.type;
  const a = comparable(t, live);
  const s = comparable(t, shadow);
  if (typeof a === 'number' && typeof s === 'number') {
    if (Number.isNaN(a) && Number.isNaN(s)) return true;
    return a === s || Math.abs(a - s) <= b.tolerance;
  }
  return a === s;
}

/** Does any of `outputs` hold a value of `b` that agrees with the live `v`? (Every output, every sample: a loop.) */
function anyAgrees(b: BoundTag, v: unknown, outputs: readonly Map<BoundTag, unknown>[]): boolean {
  for (const c of outputs) if (agrees(b, v, c.get(b))) return true;
  return false;
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

/**
 * Ticks (a subscription's scans between live scans) one copy of the candidate serves for taking
 * them back (ADR 0147): a candidate a scan ahead at each of several messages comes back in one
 * live scan, a quiet PLC's thousand ticks are not replayed.
 */
const ANCHOR_TICKS = 8;

/**
 * Fewer ticks a live scan tries beyond its own gap's (ADR 0147): each try is a restore and a
 * replay (a copy of bench-1000 is restored in about a millisecond), and a true divergence tries
 * them all at every live scan — with 16 the bench's divergence came 6 cycles late, not 1.
 */
const TAKE_BACK = 3;

/**
 * Scans a late live PLC may owe the candidate at most (ADR 0161): the scans taken back at its late
 * live scans, or the cycles between a seed's latest change and its publish time, which a PLC
 * catching up on wall time runs later, in a burst on the scan's inputs. A live scan that no smaller
 * count explains scans up to that many more, one at a time (one copy, no replay): half a second
 * of 10 ms cycles, a stall seen in loaded F1 runs (23 scans in one burst) and twice that.
 */
const MAX_OWED = 50;

/**
 * How long ticks at the end of a message from a stalled server wait for a live scan, PLC ms
 * (ADR 0161), when no message on time comes meanwhile: then they are judged as they were.
 */
const PENDING_MS = 1000;

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
  const { plc, live, tags } = o;
  const inputs = tags.filter((b) => b.role === 'input');
  /**
   * Inputs whose variable is not of the tag's type (a UINT register on an INT variable): the live
   * PLC holds the register's bits as its variable's type (40000 is -25536 in an INT), so the value
   * goes through `set`, which converts as a store does; the others through the accessor, which
   * converts nothing (the hot path).
   */
  const retyped = new Set(inputs.filter((b) => plc.typeOf(b.path).toUpperCase() !== b.tag.modbus.type));
  const compared = tags.filter((b) => b.role === 'output' && !b.ignored);
  // accessors stay valid across a restore (it writes into the running state, d49e54a)
  const access = new Map(tags.map((b) => [b, plc.accessor(b.path)]));
  const inputOf = new Map(inputs.map((b) => [b.tag, b]));
  const outputOf = new Map(compared.map((b) => [b.tag, b]));
  const coverage = new CoverageTracker(plc, tags);
  const divergences = new Map<BoundTag, ShadowDivergence>();
  // set by lose() (a closure): typed so that the flow does not narrow it to null
  let commLoss = null as ShadowReport['commLoss'];
  let samples = 0;
  let judged = 0;
  const unjudged: ShadowReport['unjudged'] = {
    samples: 0,
    disagreed: 0,
    why: { seed: 0, late: 0, torn: 0, settling: 0, commLoss: 0, overflow: 0, burst: 0, end: 0 },
  };
  const leave = (why: UnjudgedWhy, disagreed = false, n = 1) => {
    unjudged.samples += n;
    unjudged.why[why] += n;
    if (disagreed) unjudged.disagreed += n;
  };
  let late = 0;
  let fault: string | null = null;
  /** When the last good answer (or message) came, epoch ms. */
  let lastAnswer = 0;

  /**
   * After a seed (ADR 0123): the live PLC's timers may be running, and their elapsed time
   * cannot be read, so an output may disagree until the candidate's timers catch up. Each
   * compared output is unsettled until the candidate's own output first agrees with it; while
   * the candidate's virtual time since the seed (less the latency window and a cycle) is
   * shorter than the longest PT of its timers whose state the seed could not know (a TON with
   * IN TRUE, a TOF with IN FALSE, any TP), an unsettled output that disagrees is not judged.
   * Every standard timer counts, inside FB instances too (`listTimers`, ADR 0146).
   */
  let settle: { from: number; ms: number; cap: number; tags: Set<BoundTag>; timers: SimTimer[] } | null =
    null;
  /** The seed's timers of unknown state, read after the first scan that followed it (ADR 0123). */
  const unknownTimers = (): SimTimer[] =>
    plc.listTimers().filter((t) => {
      const k = iecKind(t);
      if (k === undefined) return logixTiming(t);
      return (k === 'TON' && t.in) || (k === 'TOF' && !t.in) || k === 'TP';
    });
  /** An IEC timer's kind, an LTIME one's as its TIME twin's (ADR 0154); undefined for Logix TIMER/FBD_TIMER. */
  const iecKind = (t: SimTimer): 'TON' | 'TOF' | 'TP' | undefined =>
    t.type === 'TIMER' || t.type === 'FBD_TIMER'
      ? undefined
      : t.type === 'LTON'
        ? 'TON'
        : t.type === 'LTOF'
          ? 'TOF'
          : t.type === 'LTP'
            ? 'TP'
            : t.type;
  /** A Logix TIMER/FBD_TIMER (no IN, no Q) holds TT while it times, whatever the instruction (TON, TOF, RTO). */
  const logixTiming = (t: SimTimer): boolean => plc.accessor(`${t.path}.TT`).get() === true;
  /**
   * Is the candidate's timer still timing (ADR 0145)? A TON with IN TRUE and Q FALSE, a TOF with
   * IN FALSE and Q TRUE, a TP with Q TRUE, a Logix timer with TT TRUE. Done or reset, its state is
   * the live timer's too.
   */
  const timing = (t: SimTimer): boolean => {
    const k = iecKind(t);
    if (k === undefined) return logixTiming(t);
    const on = plc.accessor(`${t.path}.IN`).get() === true;
    const q = plc.accessor(`${t.path}.Q`).get() === true;
    return k === 'TON' ? on && !q : k === 'TOF' ? !on && q : q;
  };

  /** Is a timer the seed could not know still timing in the candidate? (Those done or reset are forgotten.) */
  const settlingTimers = (): boolean => {
    if (!settle) return false;
    settle.timers = settle.timers.filter(timing);
    return settle.timers.length > 0;
  };

  /**
   * Start from the live state: every bound variable the candidate has takes the live value.
   * `lostMs`: after a comm loss that long — the candidate's timers ran on through it, so a live
   * timer it does not know started at most that long before (ADR 0148: the settle time is capped
   * by it; the full PT of every unknown timer hid a 250 ms divergence after a short loss).
   */
  const seed = (values: ReadonlyMap<Tag, RawValue>, lostMs = Number.POSITIVE_INFINITY) => {
    settle = { from: virtualMs, ms: Number.NaN, cap: lostMs, tags: new Set(compared), timers: [] };
    for (const b of tags) {
      const v = values.get(b.tag);
      if (v === undefined) continue;
      plc.set(b.path, simValue(b, v));
      // the seed's inputs are values the inputs took: an input that changed once counts as varied
      if (b.role === 'input') coverage.input(b.path, v);
    }
  };
  /** Feeds one live input to the candidate (converted as the live PLC holds it when retyped). */
  const setInput = (b: BoundTag, raw: RawValue) => {
    if (retyped.has(b)) plc.set(b.path, simValue(b, raw));
    else access.get(b)!.set(simValue(b, raw));
  };
  const readers = compared.map((b) => [b, access.get(b)!.get] as const);
  /** Returns the candidate to `snap` (its accessors stay valid: the restore writes in place, d49e54a). */
  const restore = (snap: PlcSnapshot) => plc.restore(snap);
  /** The candidate's compared outputs now (a loop, no pair a tag: every sample, every step). */
  const outputsNow = () => {
    const m = new Map<BoundTag, unknown>();
    for (const [b, get] of readers) m.set(b, get());
    return m;
  };
  let virtualMs = 0;
  let lost = false;
  /** When the comm loss going on began (its first failed poll), epoch ms. */
  let lostSince = 0;
  /** The comm loss going on, from its first failed poll (in `commLoss` once it lasts). */
  let episode: NonNullable<ShadowReport['commLoss']> | null = null;
  /** The comm loss going on has lasted: past the lasting deadline, or a failed request (ADR 0120). */
  let lasted = false;
  /** The longest comm loss that lasted and ended, ms. */
  let longestLoss = 0;
  /** Comm losses that ended before they lasted (a loaded host's late answers, ADR 0120). */
  const short = { count: 0, longestMs: 0 };
  /** The PLC answers again: the comm loss ends. */
  const regained = () => {
    const ms = Date.now() - lostSince;
    if (lasted) longestLoss = Math.max(longestLoss, ms);
    else {
      short.count++;
      short.longestMs = Math.max(short.longestMs, ms);
    }
    episode = null;
    lasted = false;
    o.onCommChange?.(false, '');
    lost = false;
  };

  /**
   * Disagreements of the last sample read late (ADR 0148): the same at the next sample read late on
   * the same inputs is judged — two hidden input values in a row are not assumed.
   */
  let lateDisagreed = new Map<BoundTag, { live: unknown; own: unknown }>();
  const judge = (p: Judgement<BoundTag>) => {
    // At the end of a run a sample whose window could not close is judged only if it agrees:
    // its live outputs may already show inputs the candidate never scanned. So is one read late
    // (ADR 0145) — unless it repeats the disagreement of the late sample before, inputs unchanged.
    if (p.open) {
      const disagreed = new Map<BoundTag, { live: unknown; own: unknown }>();
      let confirmed = false;
      for (const b of compared) {
        const v = p.live.get(b);
        if (v === undefined || anyAgrees(b, v, p.candidates)) continue;
        const own = p.own.get(b);
        disagreed.set(b, { live: v, own });
        const before = lateDisagreed.get(b);
        if (p.steady && before && agrees(b, before.live, v) && agrees(b, before.own, own)) confirmed = true;
      }
      if (p.unsure) lateDisagreed = disagreed;
      if (disagreed.size > 0 && !confirmed) return leave(p.unsure ? 'late' : 'end', true);
    } else lateDisagreed.clear();
    if (settle && Number.isNaN(settle.ms)) {
      // the candidate has scanned since the seed: its timers' IN and PT are known now
      settle.timers = unknownTimers();
      settle.ms = Math.min(
        settle.cap,
        settle.timers.reduce((m, t) => Math.max(m, t.pt), 0),
      );
    }
    if (settle) {
      // plus the window and a cycle: a sample is judged up to a window after the candidate scanned it
      if (virtualMs - settle.from >= settle.ms + latencyMs + cycleMs) settle = null;
    }
    let ahead: Map<BoundTag, unknown>[] | undefined;
    let stillTiming: boolean | undefined;
    let diverged = false;
    let settling = false;
    for (const b of compared) {
      const v = p.live.get(b);
      if (v === undefined) continue;
      if (
        anyAgrees(b, v, p.candidates) ||
        (p.ahead !== undefined && anyAgrees(b, v, (ahead ??= p.ahead())))
      ) {
        // settled once its own output agrees (the window also holds the seeded values themselves)
        // with no timer of unknown state still timing: until then both may agree by chance, the
        // live timer started before the seed and done up to its PT before the candidate's (ADR 0145)
        if (settle?.tags.has(b) && agrees(b, v, p.own.get(b)) && !(stillTiming ??= settlingTimers()))
          settle.tags.delete(b);
        continue;
      }
      if (settle?.tags.has(b)) {
        settling = true;
        continue;
      }
      diverged = true;
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
    // a disagreement the settle time hides is no evidence either way (ADR 0148): not compared
    if (settling && !diverged) leave('settling', true);
    else judged++;
  };
  const window = new LatencyWindow<BoundTag>(latencyMs, judge);
  /** By subscription: leaves the ticks still waiting for a live scan at a comm loss (ADR 0161). */
  let dropPending = () => {};
  /** With a subscription: samples judged at once, or after the next message (cycle-window.ts). */
  const cycles = new CycleWindow<BoundTag>(latencyMs, agrees, judge);

  /** One candidate scan (virtual time on by a cycle). */
  const scanOnce = () => {
    const f = plc.scan();
    virtualMs += cycleMs;
    coverage.scanned();
    if (f) fault = `${f.code}: ${f.message}`;
  };
  /** Scans the candidate up to virtual time `v`. */
  const scanTo = (v: number) => {
    while (virtualMs + cycleMs <= v && !fault) scanOnce();
  };
  /** Scans the candidate up to now (the mode's clock). */
  let catchUp = () => {};
  /**
   * The candidate's outputs over the scans of the next `ms` on the inputs it has, from a copy,
   * the candidate then put back (ADR 0143, 0144). A sample judged at once has no later sample
   * to pair with, yet a live PLC may run a timer ahead of the candidate: it saw an input change
   * before the candidate did (between two Modbus reads), or it scanned late and caught up in a
   * burst, its timer counting the scans it owed. Asked only for a sample that disagrees.
   */
  const scansAhead = (ms: number): Map<BoundTag, unknown>[] => {
    const snap = plc.snapshot();
    const v = virtualMs;
    const out: Map<BoundTag, unknown>[] = [];
    for (let k = Math.ceil(ms / cycleMs); k > 0 && !plc.scan(); k--) out.push(outputsNow());
    restore(snap);
    virtualMs = v;
    return out;
  };

  /**
   * A failed poll: report the comm loss now (`onCommChange`), judge nothing around it, keep the
   * candidate's clock. `lasting`: a failed request, or an answer overdue past the lasting
   * deadline — the loss is then a comm loss of the report (ADR 0120); an overdue answer that
   * comes before is a short one (`shortCommLosses`).
   */
  const lose = (t: number, error: string, lasting = true) => {
    const at = new Date(t).toISOString();
    if (!lost || !episode) {
      lostSince = t;
      episode = { count: 0, first: at, last: at, error, lastAnswer: new Date(lastAnswer).toISOString() };
      lasted = false;
      o.onCommChange?.(true, error);
    }
    episode.count++;
    episode.last = at;
    if (lasted && commLoss) {
      commLoss.count++;
      commLoss.last = at;
    } else if (lasting) {
      lasted = true;
      if (commLoss) {
        commLoss.count += episode.count;
        commLoss.last = at;
      } else commLoss = { ...episode };
    }
    lost = true;
    const waiting = window.clear() + cycles.clear();
    if (waiting > 0) leave('commLoss', false, waiting);
    dropPending();
    catchUp();
  };

  let lastProgress = performance.now();
  const progress = (now: number, t0: number) => {
    if (o.onSnapshot && now - lastSnapshot >= (o.snapshotEveryMs ?? 10_000)) {
      lastSnapshot = now;
      o.onSnapshot(reportNow());
    }
    if (!o.onProgress || now - lastProgress < 1000) return;
    lastProgress = now;
    const n = [...divergences.values()].reduce((a, d) => a + d.count, 0);
    o.onProgress(
      `shadow: ${((now - t0) / 1000).toFixed(1)} s, ${samples} samples, ${judged} compared, ${n} divergence(s)` +
        (commLoss ? `, ${commLoss.count} failed poll(s)` : ''),
    );
  };
  const graceMs = o.commLossGraceMs ?? 0;
  /** A comm loss that stops a run: one that lasted, or (with a grace) one still on after the grace. */
  const lasting = () => (graceMs <= 0 ? commLoss !== null : lost && Date.now() - lostSince >= graceMs);
  const stopNow = () =>
    o.signal?.aborted === true ||
    fault !== null ||
    (o.stopAtFirst === true && (divergences.size > 0 || lasting()));

  let t0: number;
  let cpu0: NodeJS.CpuUsage;
  let deadline: AnswerDeadline;
  let pollStats = { target: pollMs, mean: 0, max: 0 };
  let sub: ShadowReport['subscription'] = null;

  /** The comm losses that lasted, and one still on (not seen to end), with the longest's length. */
  const reportedLoss = (): ShadowReport['commLoss'] => {
    const open = lost && !lasted ? episode : null;
    const base =
      commLoss && open
        ? { ...commLoss, count: commLoss.count + open.count, last: open.last }
        : (commLoss ?? open);
    if (!base) return null;
    return { ...base, longestMs: Math.max(longestLoss, lost ? Date.now() - lostSince : 0) };
  };

  /** The report of the run so far (at the end: the run's). */
  const reportNow = (): ShadowReport => {
    const cpu = process.cpuUsage(cpu0!);
    const elapsed = performance.now() - t0;
    return {
      seconds: Math.round(elapsed) / 1000,
      samples,
      compared: judged,
      divergences: [...divergences.values()].map((d) => ({ ...d })),
      coverage: coverage.report(o.branches),
      // a loss still on at the end is one: not seen to end
      commLoss: reportedLoss(),
      ...(short.count > 0 ? { shortCommLosses: { ...short } } : {}),
      mode: live.kind === 'subscription' ? 'subscription' : 'poll',
      comparisonsPerSecond: elapsed > 0 ? Math.round((judged / elapsed) * 10_000) / 10 : 0,
      cycleMs,
      latencyMs,
      commLossMs: deadline.report(),
      late,
      pollMs: pollStats,
      subscription: sub,
      scans: Math.round(virtualMs / cycleMs),
      tags: {
        inputs: inputs.length,
        outputs: compared.length,
        state: tags.filter((b) => b.role === 'state').length,
        ignored: tags.filter((b) => b.ignored).map((b) => b.tag.name),
        unbound: o.unbound,
      },
      unjudged: { ...unjudged, why: { ...unjudged.why } },
      fault,
      cpuShare: elapsed > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 1000) / 1000 : 0,
    };
  };
  let lastSnapshot = performance.now();

  if (live.kind === 'subscription') {
    // ---- Subscription (ADR 0100): a sample every PLC cycle, on the PLC's own clock.
    const opened = await live.open();
    if (!opened.ok) throw new ShadowUnreachable(`${live.where}: ${opened.error}`);
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const keepAliveMs = opened.keepAliveMs;
    sub = { publishingMs: opened.publishingMs, keepAliveMs, messages: 0, overflows: 0 };
    // learnt from the setup on: its time says how loaded the server is (ADR 0101)
    deadline = new AnswerDeadline(keepAliveMs, o.commLossMs, 30_000, 1);
    /** The PLC's clock (source and publish times) at the candidate's virtual time 0. */
    const base = opened.at;
    /** This host's clock minus the PLC's, at the quickest delivery seen. */
    let offset = Number.POSITIVE_INFINITY;
    const state = new Map(opened.values);
    lastAnswer = opened.receivedAt;
    // the setup's round trips: a generous first allowance, forgotten after 30 s (ADR 0101)
    deadline.answered(opened.receivedAt, opened.setupMs);
    catchUp = () => scanTo(Date.now() - (Number.isFinite(offset) ? offset : 0) - base);
    /** The live outputs now; null while the samples are not to be judged (an overflow lost a change). */
    const liveOutputs = () => {
      const m = new Map<BoundTag, unknown>();
      for (const b of compared) m.set(b, state.get(b.tag)!);
      return m;
    };
    let judging = true;
    let lastAt = base;
    /**
     * The PLC time before which the message being handled has every change (ADR 0144): its
     * publish time, else its latest change (an earlier scan's changes are all in, as the held
     * values assume); a sample before it is judged at once, agreeing or not.
     */
    let cover = Number.NEGATIVE_INFINITY;
    /** The candidate's outputs of the samples of the last window (for a tick judged late, ADR 0161). */
    const recent: { at: number; outputs: Map<BoundTag, unknown> }[] = [];
    /** Every sample goes to the cycle window through here (`live` null: a moment only, not judged). */
    const add = (
      at: number,
      outputs: Map<BoundTag, unknown>,
      live: Map<BoundTag, unknown> | null,
      covered = false,
      ahead?: () => Map<BoundTag, unknown>[],
    ) => {
      recent.push({ at, outputs });
      while (recent.length > 1 && recent[0]!.at < at - latencyMs - cycleMs) recent.shift();
      cycles.add(at, outputs, live, covered, ahead);
    };
    /** Adds a sample at PLC time `at` (after the candidate scanned it); samples in time order. */
    const sample = (at: number) => {
      samples++;
      lastAt = Math.max(lastAt, at);
      if (!judging) leave('overflow');
      add(lastAt, outputsNow(), judging ? liveOutputs() : null, lastAt < cover, aheadOfLive);
    };
    /** Do the outputs of a tick equal the live values held? */
    const asHeld = (outputs: Map<BoundTag, unknown>, live: Map<BoundTag, unknown>) =>
      compared.every((b) => agrees(b, live.get(b), outputs.get(b)));
    /**
     * Ticks at the end of a message from a server that stalled (ADR 0161), from the first whose
     * outputs differ from the live values held: a server that sent nothing for longer than a
     * keep-alive was stalled, and so, on the same host, was a PLC in its process — its publish time
     * covers cycles the PLC had not scanned yet, which it scans after it, in a burst stamped later.
     * Such ticks wait for the next live scan: a live scan that agrees makes their moment a guess
     * (as ADR 0127's ticks before a live scan), one that disagrees at every count judges them.
     */
    let pending: {
      at: number;
      outputs: Map<BoundTag, unknown>;
      live: Map<BoundTag, unknown>;
      candidates: Map<BoundTag, unknown>[];
    }[] = [];
    /**
     * Settles the waiting ticks: `judge` them as they were (the live PLC scanned then), or, when
     * the live scan agreed (`guess`), leave those that differ from the values held: the live PLC
     * made the same change by that scan, at a moment its stamps do not show (`burst`, ADR 0127).
     */
    const settlePending = (how: 'judge' | 'guess') => {
      for (const p of pending) {
        if (how === 'judge' || asHeld(p.outputs, p.live))
          judge({ at: p.at, live: p.live, candidates: p.candidates, own: p.outputs });
        else leave('burst');
      }
      pending = [];
    };
    dropPending = () => {
      for (const p of pending) leave('commLoss', !asHeld(p.outputs, p.live));
      pending = [];
    };
    /**
     * Scans a late live PLC may still owe (ADR 0161): it catches up on wall time, so the scans a live
     * scan took back may come later, in a burst; a live scan that no smaller count explains scans
     * up to that many more. `seedOwed`: the cycles between the seed's latest change and its publish
     * time (a PLC late at the seed), for the first live scan after it only. At most `MAX_OWED`.
     */
    let owed = 0;
    let seedOwed = 0;
    /** What a live PLC whose timer ran up to the window ahead may show (judged at once, ADR 0144). */
    const aheadOfLive = () => scansAhead(latencyMs);
    /**
     * The candidate's state after the last live scan, copied before the first tick after it (ADR
     * 0147). Every tick since — at a message's end (values held up to its publish time) or due
     * before a live scan — guesses that the live PLC scanned without a change; the next live scan
     * confirms the guess or takes ticks back, those of earlier messages too. (ADR 0127 took back
     * only the ticks of the live scan's own gap: a tick at a message's end for a live scan then
     * stamped after it stayed, and a per-scan counter went a scan ahead at each — F1 under load.)
     * A copy serves at most `ANCHOR_TICKS` ticks (a quiet PLC's ticks are not replayed without end).
     */
    let anchor: { snap: PlcSnapshot; v: number; ticks: number; seen: Map<BoundTag, unknown>[] } | undefined;
    /** One tick; `renew`: past `ANCHOR_TICKS` the ticks before are final (not within a live scan's gap). */
    const tick = (renew = false) => {
      if (renew && anchor && anchor.ticks >= ANCHOR_TICKS) anchor = undefined;
      anchor ??= { snap: plc.snapshot(), v: virtualMs, ticks: 0, seen: [outputsNow()] };
      scanOnce();
      anchor.ticks++;
    };
    /** `latest`: the seed values' latest change (PLC time); the cycles since are owed (ADR 0161). */
    const reseed = (values: Map<Tag, RawValue>, at: number, lostMs?: number, latest = at) => {
      anchor = undefined;
      owed = 0;
      seedOwed = Math.min(MAX_OWED, Math.max(0, Math.ceil((at - latest) / cycleMs)));
      scanTo(at - base);
      lastAt = Math.max(lastAt, at);
      if (values !== state) {
        state.clear();
        for (const [t, v] of values) state.set(t, v);
      }
      seed(state, lostMs);
      leave('seed');
      add(lastAt, outputsNow(), null);
    };
    reseed(state, base, undefined, opened.latestChange ?? base);
    samples++;
    /**
     * The live PLC scanned nothing new up to PLC time `end`: a sample at every candidate scan.
     * `stalled`: the message came from a stalled server; a tick that differs from the values held
     * waits for the next live scan, and so do those after it (ADR 0161).
     */
    const ticks = (end: number, stalled = false) => {
      while (virtualMs + cycleMs <= end - base && !fault) {
        tick(true);
        const outputs = outputsNow();
        const live = judging ? liveOutputs() : null;
        if (live && (pending.length > 0 || (stalled && !asHeld(outputs, live)))) {
          samples++;
          lastAt = Math.max(lastAt, base + virtualMs);
          add(lastAt, outputs, null);
          // the window's back part, as the cycle window takes it (down to a moment at or before it)
          let lo = recent.length - 1;
          while (lo > 0 && recent[lo]!.at > lastAt - latencyMs) lo--;
          const candidates = recent.slice(lo).map((r) => r.outputs);
          pending.push({ at: lastAt, outputs, live, candidates });
        } else sample(base + virtualMs);
        anchor?.seen.push(outputs);
      }
    };
    /** Do the candidate's outputs equal the live ones now? */
    const agreesLive = () => readers.every(([b, get]) => agrees(b, state.get(b.tag), get()));
    /** One live scan's changes at PLC time `at`: the candidate scans on the same inputs, in step. */
    /**
     * `stalled`: its message came from a stalled server (ADR 0161); the PLC on its host, late, may
     * have run this scan's inputs in a burst of scans due before its stamp (ADR 0163).
     */
    const liveScan = (at: number, changes: LiveChange[], stalled = false) => {
      // The cycles before it showed no change: the live PLC scanned them without changing an
      // output, or scanned them late, in this burst (a PLC catching up), or skipped them (a
      // starved PLC that does not catch up). The candidate scans them (the first two), and when
      // its outputs then differ from this scan's, tries without them (F1: a per-scan counter
      // shadowed against itself went a scan ahead at every skipped live scan, or behind at every
      // burst); a candidate that differs either way keeps them (a true divergence, judged).
      const due = at - cycleMs / 2 - base;
      /** Ticks since the last live scan before this one's gap (at message ends: already sampled). */
      const prior = anchor?.ticks ?? 0;
      /** Scans the cycles before the live scan (`most` at most, or exactly); their outputs, for the samples. */
      const tickTo = (most: number, exactly = false) => {
        const out: { at: number; outputs: Map<BoundTag, unknown> }[] = [];
        while (out.length < most && (exactly || virtualMs + cycleMs <= due) && !fault) {
          tick();
          out.push({ at: base + virtualMs, outputs: outputsNow() });
        }
        return out;
      };
      let tickOutputs = tickTo(Number.POSITIVE_INFINITY);
      // the ticks' samples: the live values held from before this scan
      const liveBefore = judging ? liveOutputs() : null;
      let fedInputs = false;
      for (const c of changes) {
        state.set(c.tag, c.raw);
        const b = inputOf.get(c.tag);
        if (!b) continue;
        fedInputs = true;
        coverage.input(b.path, c.raw);
      }
      const feed = () => {
        for (const c of changes) {
          const b = inputOf.get(c.tag);
          if (b) setInput(b, c.raw);
        }
      };
      feed();
      // its scan: the live PLC scanned these inputs; outputs alone less than half a cycle after
      // the candidate's last scan, each already the candidate's, are the rest of that scan (one
      // scan's changes, split); one the candidate does not show yet is the next scan (a late
      // live scan and the next on time come that close: F1)
      const rest = () =>
        !fedInputs &&
        virtualMs + cycleMs / 2 > at - base &&
        changes.every((c) => {
          const b = outputOf.get(c.tag);
          return b === undefined || agrees(b, simValue(b, c.raw), access.get(b)!.get());
        });
      const inStep = () => {
        if (fault || rest()) return;
        const fed = virtualMs;
        scanOnce();
        virtualMs = Math.max(fed, at - base);
      };
      inStep();
      // Ticks of earlier messages are taken back only when the live scan shows an output value the
      // candidate had since the last live scan (a count ahead: a per-scan counter); a restore and
      // replay per try cost a true divergence a millisecond each at every live scan (bench-1000)
      const earlier =
        anchor !== undefined &&
        prior > 0 &&
        readers.some(([b, get]) => {
          const v = state.get(b.tag);
          return !agrees(b, v, get()) && anchor!.seen.some((o) => agrees(b, v, o.get(b)));
        });
      const from = anchor && (earlier || tickOutputs.length > 0) ? anchor : undefined;
      const may = Math.min(MAX_OWED, owed + seedOwed);
      seedOwed = 0;
      /**
       * Up to `may` more scans on this scan's inputs, one at a time, kept at the first that agrees:
       * scans a late PLC owed and ran in this burst (ADR 0161). They are scans of the past: the
       * candidate's clock stays at this live scan.
       */
      const payOwed = () => {
        if (may === 0 || fault) return;
        const ticked = plc.snapshot();
        const v = virtualMs;
        for (let m = 1; m <= may && !fault; m++) {
          scanOnce();
          if (!fault && agreesLive()) {
            virtualMs = v;
            owed = Math.max(0, owed - m);
            return;
          }
        }
        restore(ticked);
        virtualMs = v;
        fault = null;
      };
      if (!fault && !agreesLive() && !from) {
        // no tick was due: one more scan (its scans came early by more than half a cycle)
        const ticked = plc.snapshot();
        const vTicked = virtualMs;
        const fed = virtualMs;
        scanOnce();
        virtualMs = Math.max(fed, at - base);
        if (fault || !agreesLive()) {
          restore(ticked);
          virtualMs = vTicked;
          fault = null;
          payOwed();
        }
      } else if (from && !fault && !agreesLive()) {
        // Fewer ticks since the last live scan (ADR 0147: those of earlier messages too): the live
        // PLC ran some of those cycles late, stamped after a message that covered their time, or
        // skipped them; one more: its scans came early by more than half a cycle; none and no scan:
        // the candidate had this scan already. The first count that agrees is kept (a true
        // divergence agrees at none and keeps them all).
        const ticked = plc.snapshot();
        const vTicked = virtualMs;
        const total = from.ticks;
        // every count of this gap's ticks (ADR 0127), and up to TAKE_BACK of earlier messages'
        const least = earlier ? Math.max(0, Math.min(prior - TAKE_BACK, total - 1 - TAKE_BACK)) : prior;
        const tries = [...Array(total - least).keys()].map((k) => total - 1 - k);
        // none and no scan only when this scan brings no input: the candidate cannot have had a
        // scan of inputs it never saw (tried at every live scan, it stopped scanning and followed
        // a live limit of 70 against an approved 60 — a divergence hidden for a whole watch)
        tries.push(total + 1);
        if (!fedInputs) tries.push(-1);
        let found = false;
        for (const k of tries) {
          restore(from.snap);
          virtualMs = from.v;
          fault = null;
          anchor = { snap: from.snap, v: from.v, ticks: 0, seen: from.seen };
          const redone = tickTo(Math.max(0, k), true);
          feed();
          if (k >= 0) inStep();
          else virtualMs = Math.max(virtualMs, at - base);
          if (!fault && agreesLive()) {
            // this gap's ticks are those after the ones already sampled at message ends
            tickOutputs = redone.slice(prior);
            found = true;
            // a scan taken back is one a late PLC may run later, in a burst (ADR 0161)
            if (k < total) owed = Math.min(MAX_OWED, owed + total - Math.max(k, 0) + (k < 0 ? 1 : 0));
            break;
          }
        }
        // A stalled PLC's burst takes the inputs written meanwhile before its first scan (writes
        // apply at a scan boundary, then the scans it owes run back to back, stamped once): the
        // inputs from an earlier tick of this gap on, the last first, or of the message before (a
        // stalled server's cover, ADR 0161) up to TAKE_BACK ticks (ADR 0163)
        for (let j = total - 1; !found && stalled && fedInputs && j >= Math.max(0, prior - TAKE_BACK); j--) {
          restore(from.snap);
          virtualMs = from.v;
          fault = null;
          anchor = { snap: from.snap, v: from.v, ticks: 0, seen: from.seen };
          const redone = tickTo(j, true);
          feed();
          redone.push(...tickTo(total - j, true));
          inStep();
          if (!fault && agreesLive()) {
            tickOutputs = redone.slice(prior);
            found = true;
          }
        }
        if (!found) {
          restore(ticked);
          virtualMs = vTicked;
          fault = null;
          payOwed();
        }
      }
      // the ticks that waited for this scan (ADR 0161): a guess when it agrees, else judged
      if (pending.length > 0) settlePending(agreesLive() ? 'guess' : 'judge');
      anchor = undefined;
      // A tick whose outputs differ from the values held while this scan's agree: the live PLC
      // made the same change by this scan, at a moment no stamp shows (a burst stamps its scans
      // with one time), so the tick's time is a guess: not judged. A live scan that disagrees
      // leaves every tick judged.
      const inStepAgrees = agreesLive();
      for (const t of tickOutputs) {
        samples++;
        lastAt = Math.max(lastAt, t.at);
        const held =
          liveBefore &&
          (!inStepAgrees || compared.every((b) => agrees(b, liveBefore.get(b), t.outputs.get(b))));
        if (!held) leave(liveBefore ? 'burst' : 'overflow');
        add(lastAt, t.outputs, held ? liveBefore : null, lastAt < cover);
      }
      sample(at);
    };
    let gapSum = 0;
    let gapMax = 0;
    /**
     * Delivery delays of the last 30 s, slowest first among the later ones (a sliding maximum).
     * Until a change says how the clocks relate, the setup's time stands for one (this host's
     * clock and the PLC's taken as the same): a PLC at rest still has its values held, and the
     * candidate scans, a setup's time behind (tester T3: nothing scanned or compared).
     */
    const delays: { at: number; d: number }[] = [
      { at: opened.receivedAt, d: Math.max(opened.setupMs, keepAliveMs) },
    ];
    let prev = opened.receivedAt;
    /** The publish time of the last message, or of the first values. */
    let lastPublish = opened.at;
    while (!stopNow() && performance.now() - t0 < o.durationMs) {
      // ADR 0120: silent past `stale` is a comm loss reported at once (nothing held is current);
      // the session is opened again only past the lasting deadline (or at a failed session)
      const lastingMs = deadline.now(lastAnswer)!;
      const staleMs = deadline.stale(opened.publishingMs)!;
      const dueMs = lost
        ? Math.min(lastingMs, graceMs > 0 ? lostSince + graceMs - lastAnswer : lastingMs)
        : Math.min(staleMs, lastingMs);
      const left = o.durationMs - (performance.now() - t0);
      const m = await live.next(Math.min(left, lastAnswer + dueMs - Date.now()));
      if (o.signal?.aborted) break;
      if (m === undefined) {
        if (performance.now() - t0 >= o.durationMs || stopNow()) break;
        if (Date.now() < lastAnswer + dueMs) continue;
        if (!lost) {
          // overdue: nothing is current any more; the feed is kept while the loss is short
          lose(lastAnswer + keepAliveMs, `no publish or keep-alive within ${Math.round(dueMs)} ms`, false);
          continue;
        }
        lose(Date.now(), `no publish or keep-alive within ${Math.round(lastingMs)} ms`);
      } else if (!m.ok) lose(m.at, m.error);
      if (m === undefined || !m.ok) {
        // a new session and subscription: the first values after it are whole
        await live.close();
        while (!o.signal?.aborted && !stopNow() && performance.now() - t0 < o.durationMs) {
          catchUp();
          const again = await live.open();
          if (again.ok) {
            const lostMs = again.receivedAt - lastAnswer;
            regained();
            lastAnswer = again.receivedAt;
            prev = again.receivedAt;
            reseed(again.values, again.at, lostMs, again.latestChange);
            lastPublish = again.at;
            samples++;
            break;
          }
          lose(Date.now(), again.error);
          await live.close();
          await sleep(keepAliveMs, o.signal);
        }
        continue;
      }
      sub.messages++;
      const gap = m.receivedAt - prev;
      prev = m.receivedAt;
      gapSum += gap;
      gapMax = Math.max(gapMax, gap);
      const ch = m.changes.length > 1 ? [...m.changes].sort((x, y) => x.at - y.at) : m.changes;
      const stamped = !Number.isNaN(m.publishTime);
      // how long after the PLC's time a message comes: from its publish time, else its latest change
      const sent = stamped ? m.publishTime : ch.at(-1)?.at;
      if (sent !== undefined) {
        const d = m.receivedAt - sent;
        offset = Math.min(offset, d);
        while (delays.length > 0 && delays.at(-1)!.d <= d) delays.pop();
        delays.push({ at: m.receivedAt, d });
      }
      while (delays.length > 1 && delays[0]!.at < m.receivedAt - 30_000) delays.shift();
      // how late it came: past the keep-alive period, or slower on the way than the quickest
      deadline.answered(
        m.receivedAt,
        Math.max(
          0,
          m.receivedAt - lastAnswer - keepAliveMs,
          sent === undefined ? 0 : m.receivedAt - sent - offset,
        ),
      );
      const lostMs = m.receivedAt - lastAnswer;
      lastAnswer = m.receivedAt;
      // a server silent for longer than a keep-alive (and a publishing interval) was stalled (ADR 0161)
      const stalled = stamped
        ? m.publishTime - lastPublish > keepAliveMs + opened.publishingMs
        : gap > keepAliveMs + opened.publishingMs;
      if (stamped) lastPublish = m.publishTime;
      if (lost) {
        // a message after a short silence: the subscription lost nothing (the server kept its
        // messages), but the candidate ran on through the silence unfed — seeded again, as after
        // a new session, from the values up to this message
        for (const c of ch) state.set(c.tag, c.raw);
        regained();
        reseed(
          state,
          stamped
            ? m.publishTime
            : Math.max(ch.at(-1)?.at ?? 0, m.receivedAt - (Number.isFinite(offset) ? offset : 0)),
          lostMs,
        );
        samples++;
        progress(performance.now(), t0);
        continue;
      }
      if (m.overflow) sub.overflows++;
      judging = !m.overflow;
      cover = stamped && m.complete ? m.publishTime : (ch.at(-1)?.at ?? Number.NEGATIVE_INFINITY);
      // group the changes into the live PLC's scans: a scan's changes are less than half a cycle apart
      let i = 0;
      while (i < ch.length && !fault) {
        const start = ch[i]!.at;
        let j = i + 1;
        while (j < ch.length && ch[j]!.at - ch[j - 1]!.at <= cycleMs / 2) j++;
        liveScan(start, ch.slice(i, j), stalled);
        i = j;
      }
      // Every change up to the publish time is in: the values held until then. Without a publish
      // time, until the message's latest change, or its arrival less the slowest delay of 30 s.
      const held = stamped
        ? m.complete
          ? m.publishTime
          : (ch.at(-1)?.at ?? 0)
        : Math.max(ch.at(-1)?.at ?? 0, delays.length > 0 ? m.receivedAt - delays[0]!.d : 0);
      // Ticks still waiting for a live scan (ADR 0161): a message on time without one says the live
      // PLC scanned their cycles without a change — judged as they were; so are those waiting too long
      if (pending.length > 0 && (!stalled || pending[0]!.at < held - PENDING_MS)) settlePending('judge');
      ticks(held, stalled);
      judging = true;
      cover = Number.NEGATIVE_INFINITY;
      cycles.messageEnd();
      progress(performance.now(), t0);
    }
    // the run's last ticks waiting for a live scan: judged only if they agree (as the run's last samples)
    for (const p of pending)
      if (asHeld(p.outputs, p.live))
        judge({ at: p.at, live: p.live, candidates: p.candidates, own: p.outputs });
      else leave('end', true);
    pending = [];
    pollStats = {
      target: opened.publishingMs,
      mean: sub.messages ? Math.round((gapSum / sub.messages) * 10) / 10 : 0,
      max: Math.round(gapMax * 10) / 10,
    };
  } else {
    // ---- Polls: a read of every tag, a comparison every poll.
    deadline = new AnswerDeadline(pollMs, o.commLossMs);
    // outputs answered before inputs are asked: a sample is judged at once (ADR 0143)
    live.readInputsLast?.(new Set(inputs.map((b) => b.tag)));
    const first = await live.read();
    if (!first.ok) throw new ShadowUnreachable(`${live.where}: ${first.error}`);
    // the first answer (it carries the connection) counts; a deadline after 100 (ADR 0073)
    deadline.answered(first.tResp, first.tResp - first.tReq);
    lastAnswer = first.tResp;
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    // The seed is the live state after the scan that wrote the outputs read; the live PLC's next
    // scan comes within a cycle of the read, at a moment a poll cannot see. The candidate takes
    // it at once (it scans a cycle ahead of the time run): ahead of the live PLC by up to a scan,
    // which the window's back part allows, never behind, which only the next sample would (F1:
    // a scan counter shadowed against itself lagged a scan and diverged whenever a poll came
    // less than a cycle after the last).
    /**
     * The candidate's clock for a seed read between `tReq` and `tResp` (epoch ms; for an ordered
     * read, when its outputs were answered): the live values are of a moment in between, taken
     * as its middle — anchored at the answer instead,
     * a slow answer (tens of ms on a loaded host) left the candidate scans behind the live PLC
     * for the rest of the run, which only the next sample's part of the window allows.
     */
    const anchorAt = (tReq: number, tResp: number) =>
      performance.now() - (Date.now() - (tReq + tResp) / 2) - virtualMs;
    let start = anchorAt(first.tReq, first.outputsAt ?? first.tResp);
    /**
     * A seed's clock is good to a cycle only when its outputs were answered within a cycle of the
     * request (ADR 0148): anchored at the middle of a read this host answered late (a stall before
     * or after the PLC took the values), the candidate ran up to half that read ahead or behind
     * for the rest of the run — 9 scans of a per-scan counter at load 10 (F1). Until a quick read
     * comes (it seeds again), samples are judged with the window widened by half the slow seed
     * read, either way (`uncertainMs`; seeding at every read instead left a divergence unjudged).
     * Quick: within a cycle, or twice the quickest
     * answer of the run after the first (a PLC that always answers in 30 ms is anchored at its
     * second read; the first carries the connection).
     */
    let quickest = Number.POSITIVE_INFINITY;
    const quick = (r: { tReq: number; tResp: number; outputsAt?: number }) => {
      const ms = (r.outputsAt ?? r.tResp) - r.tReq;
      const was = quickest;
      quickest = Math.min(quickest, ms);
      return ms <= cycleMs || (Number.isFinite(was) && ms <= 2 * quickest);
    };
    let anchored = quick(first);
    quickest = Number.POSITIVE_INFINITY;
    /** Half the span of the seed read while not anchored (ADR 0148), ms. */
    const spanOf = (r: { tReq: number; tResp: number; outputsAt?: number }) =>
      (r.outputsAt ?? r.tResp) - r.tReq;
    let uncertainMs = anchored ? 0 : spanOf(first) / 2 + cycleMs;
    /** The settle cap of the seeds until a quick read (`seed`'s `lostMs`): none at the start. */
    let seedCapMs = Number.POSITIVE_INFINITY;
    catchUp = () => scanTo(performance.now() - start + cycleMs);
    /** Catches up, returning the outputs after each scan but the last (the window's moments between samples). */
    const catchUpSteps = (): Map<BoundTag, unknown>[] => {
      const steps: Map<BoundTag, unknown>[] = [];
      const v = performance.now() - start + cycleMs;
      while (virtualMs + cycleMs <= v && !fault) {
        if (virtualMs + 2 * cycleMs <= v) {
          scanOnce();
          steps.push(outputsNow());
        } else scanOnce();
      }
      return steps;
    };
    seed(first.values);
    leave('seed');
    samples++;
    /**
     * The earliest moment a read's inputs can be of, epoch ms: once its outputs were answered when
     * they are asked first (ADR 0143), else its request. Its answer's arrival is no bound: a host
     * stalled in a read gets inputs the PLC answered at its start (a live change then happened
     * up to the whole stall before the next read showed it, and a timer it started ran that much
     * ahead of the candidate's — a false Warm at load 10, session 13).
     */
    const inputsFrom = (r: { tReq: number; ordered?: boolean; outputsAt?: number }) =>
      r.ordered ? (r.outputsAt ?? r.tReq) : r.tReq;
    /** The earliest moment the last sample's inputs can be of (`inputsFrom`), epoch ms. */
    let inputsAt = inputsFrom(first);
    /** The candidate's clock when the last sample's inputs were set (a scan after it has scanned them). */
    let lastFed = -1;
    /** The inputs of the last sample, raw, in `inputs` order: a sample that changes one is an input change. */
    const lastInputs: (RawValue | undefined)[] = inputs.map((b) => first.values.get(b.tag));
    /**
     * Input changes of the last while (ADR 0145): when read, and the gap since the inputs were read
     * before. The live PLC saw the change at some moment of that gap; the candidate takes it from
     * the gap's start (its scans since the last sample run on the new inputs). Its outputs may then
     * run ahead of the live ones by up to the gap, or (a read answered late to this process) behind
     * — and a timer the change started carries that difference until it completes.
     */
    const changes: { at: number; ms: number }[] = [];
    /** Does `values` change an input from the last sample's? (It becomes the last sample's.) */
    const inputsChanged = (values: ReadonlyMap<Tag, RawValue>): boolean => {
      let changed = false;
      for (let k = 0; k < inputs.length; k++) {
        const v = values.get(inputs[k]!.tag);
        if (v !== undefined && v !== lastInputs[k]) {
          changed = true;
          lastInputs[k] = v;
        }
      }
      return changed;
    };
    /** How long a difference lasts: the longest PT of the candidate's timers, the window and a cycle. */
    let horizonMs: number | undefined;
    /** The longest gap of an input change within the horizon before `at` (`ms`: this sample's, 0 when none). */
    const inputLead = (at: number, ms: number): number => {
      if (ms > 0) {
        horizonMs ??= plc.listTimers().reduce((m, t) => Math.max(m, t.pt), 0) + latencyMs + cycleMs;
        // a loss longer than that: the seed after it knows no timer the live PLC had started (ADR 0123)
        changes.push({ at, ms: Math.min(ms, horizonMs) });
      }
      while (changes.length > 0 && changes[0]!.at < at - horizonMs!) changes.shift();
      let lead = 0;
      for (const c of changes) lead = Math.max(lead, c.ms);
      return lead;
    };
    let pollCount = 0;
    let pollSum = 0;
    let pollMax = 0;
    let lastPoll = performance.now();
    window.add({ at: first.tReq, fed: 0, scanned: 0, outputs: outputsNow(), live: null });

    while (!stopNow() && performance.now() - t0 < o.durationMs) {
      await sleep(pollMs - (performance.now() - lastPoll), o.signal);
      if (o.signal?.aborted) break;
      const now = performance.now();
      const gap = now - lastPoll;
      lastPoll = now;
      pollCount++;
      pollSum += gap;
      pollMax = Math.max(pollMax, gap);
      const tReq = Date.now();
      // ADR 0120: overdue one poll after the PLC's usual answer
      const dueMs = deadline.stale();
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
        lose(tReq, why, false);
        // (a watch acts on a comm loss that lasts: it does not wait for the request to end). At
        // the run's end it is waited for until the loss is decided — an answer ends it short, the
        // lasting deadline or a failed request makes it last: a run whose last read came 26 ms
        // late at load 10 was reported unreachable (exit 5; session 13's soak, 4 runs in 90)
        while (s === undefined && !stopNow() && (performance.now() - t0 < o.durationMs || !lasted)) {
          s = await answerWithin(reading, pollMs);
          catchUp();
          // lasting once past the lasting deadline (none in the first 100 answers: the request's timeout)
          const lastingMs = deadline.now(tReq);
          if (s === undefined)
            lose(Date.now(), why, lastingMs !== undefined && Date.now() - tReq >= lastingMs);
        }
        if (s?.ok) {
          late++;
          // no read comes after the run's end to end the loss: this answer does
          if (performance.now() - t0 >= o.durationMs) regained();
        } else if (s) lose(s.tResp, s.error);
        continue;
      }
      if (!s.ok) {
        lose(s.tReq, s.error);
        continue;
      }
      samples++;
      const isQuick = quick(s);
      const lostMs = s.tResp - lastAnswer;
      lastAnswer = s.tResp;
      if (lost || (!anchored && isQuick)) {
        if (lost) {
          regained();
          // the candidate ran on through the loss: a live timer it does not know started within it
          seedCapMs = lostMs;
        }
        anchored = isQuick;
        uncertainMs = anchored ? 0 : spanOf(s) / 2 + cycleMs;
        seed(s.values, seedCapMs);
        leave('seed');
        // an input that changed meanwhile: the live PLC saw it at some moment since the last read
        inputLead(s.tReq, inputsChanged(s.values) ? s.tResp - inputsAt : 0);
        inputsAt = inputsFrom(s);
        // virtual time anchored to the live PLC's again: its next scan due a cycle after the read,
        // taken at the next sample's catch-up — as at the start, the seeded values stay a moment of
        // the window (kept only after a catch-up scan, a counter read again within the scan diverged)
        start = anchorAt(s.tReq, s.outputsAt ?? s.tResp);
        window.add({ at: s.tReq, fed: virtualMs, scanned: virtualMs, outputs: outputsNow(), live: null });
        continue;
      }
      // The last sample's inputs not scanned yet (it came within a cycle of the scan before): the
      // first scan due is theirs. Else the next inputs replaced them unscanned and the candidate
      // never showed a state the live PLC scanned for up to a poll (ADR 0145).
      const pre: Map<BoundTag, unknown>[] = [];
      if (virtualMs === lastFed && virtualMs <= performance.now() - start && !fault) {
        scanOnce();
        pre.push(outputsNow());
      }
      const changed = inputsChanged(s.values);
      for (const b of inputs) {
        const v = s.values.get(b.tag);
        if (v === undefined) continue;
        // The accessor writes the internal representation (what simValue gives): no per-tag conversion on the hot path.
        setInput(b, v);
        coverage.input(b.path, v);
      }
      const fed = virtualMs;
      lastFed = fed;
      const steps = pre.concat(catchUpSteps());
      // how long before this read the inputs were last read: the live PLC may have seen a change that much sooner
      const sinceInputs = s.tResp - inputsAt;
      inputsAt = inputsFrom(s);
      const lead = Math.max(inputLead(s.tReq, changed ? sinceInputs : 0), uncertainMs);
      // A read spread over more than the window mixes moments the window cannot pair: its inputs feed, it is not judged.
      const torn = s.spreadMs > latencyMs;
      if (torn) leave('torn');
      let liveOutputs: Map<BoundTag, unknown> | null = null;
      if (!torn) {
        liveOutputs = new Map();
        for (const b of compared) liveOutputs.set(b, s.values.get(b.tag)!);
      }
      window.add({
        at: s.tReq,
        fed,
        scanned: virtualMs,
        outputs: outputsNow(),
        live: liveOutputs,
        ...(steps.length > 0 ? { steps } : {}),
        ...(lead > 0 ? { back: latencyMs + lead } : {}),
        ...(sinceInputs > latencyMs ? { unsure: true, ...(changed ? {} : { steady: true }) } : {}),
        ...(s.ordered
          ? { ordered: true, ahead: () => scansAhead(Math.max(sinceInputs, lead) + latencyMs) }
          : {}),
      });
      progress(now, t0);
    }
    pollStats = {
      target: pollMs,
      mean: pollCount ? Math.round((pollSum / pollCount) * 10) / 10 : 0,
      max: Math.round(pollMax * 10) / 10,
    };
  }
  window.finish();
  cycles.finish();
  return reportNow();
}

/**
 * Why a run that judged no sample is no evidence, for people (ADR 0125): the CLI exits 2 with
 * it, a fleet shadow run or a watch fails with it.
 */
export function nothingCompared(r: Pick<ShadowReport, 'samples' | 'seconds' | 'latencyMs' | 'mode'>): string {
  return r.samples === 0
    ? `nothing compared: no sample in ${r.seconds} s`
    : `nothing compared: ${r.samples} sample(s) in ${r.seconds} s, none judged (${
        r.mode === 'poll'
          ? `each read took longer than --latency-ms ${r.latencyMs}, or each was next to a comm loss`
          : 'no message said the values held, or every message overflowed'
      }); a run that compared nothing proves nothing`;
}

/** The live PLC did not answer the first poll. */
export class ShadowUnreachable extends EdgeAgentError<'COMM_FAILURE'> {
  override readonly name = 'ShadowUnreachable';
  constructor(message: string) {
    super('COMM_FAILURE', message);
  }
}

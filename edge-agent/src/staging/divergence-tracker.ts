/**
 * Compares what Modbus read with what OPC UA showed around the same time.
 *
 * The two paths never sample at the same instant, an OPC UA server may
 * coalesce fast changes, and the two clocks (PLC's source timestamps, ours)
 * need not agree, so everything is timed on our clock: an OPC UA value counts
 * from when its notification arrived. A Modbus sample read over [tReq, tResp]
 * agrees when it lies within the envelope (min..max, widened by the tag's
 * deadband) of the OPC UA values that were current at some moment of
 * [tReq − slack, tResp + delay]; booleans and exact integers must equal one of
 * them. The sample is judged once `delay` has passed, so a notification that
 * lags the Modbus read by up to `delay` is still seen. A value that changes
 * slowly is thus compared exactly; a fast ramp against its neighbourhood, which
 * still catches a wrong word order or scale (orders of magnitude off) but not a
 * small error on a fast-changing value.
 */
import type { Tag } from '@plcfleet/protocols';

/** One divergence example for a stage report. */
export interface DivergenceExample {
  tag: string;
  modbus: unknown;
  opcua: unknown;
  at: string;
  /** How far off (for ordering the worst); 1 for booleans. */
  magnitude: number;
}

interface Timed {
  value: unknown;
  at: number;
}

interface Pending {
  tag: Tag;
  value: unknown;
  tReq: number;
  tResp: number;
}

/** Options of {@link DivergenceTracker}. */
export interface DivergenceOptions {
  /** Wait before judging a sample (the most an OPC UA notification may lag), ms. @default 500 */
  delayMs?: number;
  /** How long before the Modbus request an OPC UA value still counts, ms. @default 100 */
  slackMs?: number;
  /** Worst examples kept. @default 10 */
  keepWorst?: number;
  /** OPC UA history kept per tag, ms. @default 10000 */
  horizonMs?: number;
}

/** Counts divergences between the Modbus and the OPC UA path of each tag. */
export class DivergenceTracker {
  private readonly history = new Map<Tag, Timed[]>();
  private readonly pending: Pending[] = [];
  private readonly worstList: DivergenceExample[] = [];
  /** Samples judged. */
  compared = 0;
  /** Samples that diverged. */
  divergences = 0;
  /** Samples that could not be judged (no OPC UA value, or OPC UA Bad). */
  unjudged = 0;

  constructor(private readonly options: DivergenceOptions = {}) {}

  /** Records a value the OPC UA path showed (engineering units) from time `at` (our clock) on; `undefined` for a Bad status. */
  opcuaValue(tag: Tag, value: unknown, at: number): void {
    let h = this.history.get(tag);
    if (!h) this.history.set(tag, (h = []));
    h.push({ value, at });
    const horizon = at - (this.options.horizonMs ?? 10_000);
    let drop = 0;
    while (drop < h.length - 1 && h[drop + 1]!.at < horizon) drop++;
    if (drop > 0) h.splice(0, drop);
  }

  /** Queues a Modbus sample (engineering units) read over [tReq, tResp]. */
  modbusValue(tag: Tag, value: unknown, tReq: number, tResp: number): void {
    this.pending.push({ tag, value, tReq, tResp });
  }

  /** Judges the samples old enough; returns the divergences found now. */
  evaluate(now: number): DivergenceExample[] {
    const delay = this.options.delayMs ?? 500;
    const slack = this.options.slackMs ?? 100;
    const found: DivergenceExample[] = [];
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.tResp + delay <= now) n++;
    for (const s of this.pending.splice(0, n)) {
      const candidates = this.around(s.tag, s.tReq - slack, s.tResp + delay);
      if (candidates === undefined) {
        this.unjudged++;
        continue;
      }
      this.compared++;
      const off = distance(s.value, candidates, s.tag.deadband ?? 0);
      if (off > 0) {
        this.divergences++;
        const ex = {
          tag: s.tag.name,
          modbus: plain(s.value),
          opcua: plain(nearest(s.value, candidates)),
          at: new Date(s.tResp).toISOString(),
          magnitude: off,
        };
        found.push(ex);
        this.keep(ex);
      }
    }
    return found;
  }

  /** The worst divergences seen, largest first. */
  worst(): DivergenceExample[] {
    return [...this.worstList];
  }

  private keep(ex: DivergenceExample): void {
    this.worstList.push(ex);
    this.worstList.sort((a, b) => b.magnitude - a.magnitude);
    this.worstList.splice(this.options.keepWorst ?? 10);
  }

  /** Values current at some moment of [from, to]; undefined when unknown or Bad then. */
  private around(tag: Tag, from: number, to: number): unknown[] | undefined {
    const h = this.history.get(tag);
    // what OPC UA showed before its first notification arrived is unknown
    if (!h || h.length === 0 || h[0]!.at > from) return undefined;
    const out: unknown[] = [];
    for (let i = 0; i < h.length; i++) {
      const start = h[i]!.at;
      const end = i + 1 < h.length ? h[i + 1]!.at : Number.POSITIVE_INFINITY;
      if (start <= to && end >= from) out.push(h[i]!.value);
    }
    if (out.length === 0 || out.some((v) => v === undefined)) return undefined;
    return out;
  }
}

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
}

/** 0 when `v` lies within the envelope of `candidates` ± deadband, else how far outside. */
function distance(v: unknown, candidates: unknown[], deadband: number): number {
  if (typeof v === 'boolean') return candidates.includes(v) ? 0 : 1;
  if (typeof v === 'bigint' && candidates.some((c) => c === v)) return 0;
  const x = num(v);
  const xs = candidates.map(num);
  const lo = Math.min(...xs) - deadband;
  const hi = Math.max(...xs) + deadband;
  if (Number.isNaN(x)) return xs.some(Number.isNaN) ? 0 : Number.POSITIVE_INFINITY;
  return x < lo ? lo - x : x > hi ? x - hi : 0;
}

function nearest(v: unknown, candidates: unknown[]): unknown {
  const x = num(v);
  let best = candidates[0];
  for (const c of candidates) if (Math.abs(num(c) - x) < Math.abs(num(best) - x)) best = c;
  return best;
}

function plain(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

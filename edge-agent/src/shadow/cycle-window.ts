/**
 * The latency allowance of shadow comparison by subscription (ADR 0100). A sample is a
 * moment of the live PLC known whole: the scan whose changes a message carried, or a cycle
 * in which nothing changed. The candidate has scanned the same inputs in step, so a live
 * output agrees when it equals the candidate's output at any moment from `backMs` before
 * the sample (the PLC's own output lag) until the sample: judged at once. One that does not
 * may still be explained by what the next message brings (a server may publish one scan's
 * changes across two messages): it waits for the next message, and is then judged against
 * every candidate output up to the end of that message — unless the message that brought it
 * covers a later time (ADR 0144): then nothing of its scan is to come, and it is judged at once.
 */
import type { Judgement } from './latency-window';

interface Moment<K> {
  at: number;
  outputs: Map<K, unknown>;
}

interface Waiting<K> extends Moment<K> {
  live: Map<K, unknown>;
}

/** Samples of a subscription, judged at once or after the next message. */
export class CycleWindow<K> {
  /** Candidate outputs of the recent samples, in time order. */
  private history: Moment<K>[] = [];
  /** Disagreeing samples of the message being handled, and of the one before it. */
  private waitingNew: Waiting<K>[] = [];
  private waitingOld: Waiting<K>[] = [];

  constructor(
    private readonly backMs: number,
    /** Does the live value of `k` agree with the candidate's `shadow`? */
    private readonly agrees: (k: K, live: unknown, shadow: unknown) => boolean,
    private readonly judge: (j: Judgement<K>) => void,
  ) {}

  /**
   * A sample at `at`: the candidate's outputs after its scan, and the live ones (null: not
   * judged). `covered`: the message that brought it says every change up to a later time has
   * been sent (its publish time, or a later scan's change in it), so no part of this scan is
   * still to come: judged at once, agreeing or not (ADR 0144).
   */
  add(
    at: number,
    outputs: Map<K, unknown>,
    live: Map<K, unknown> | null,
    covered = false,
    /** With `covered`: the candidate's outputs after this moment, for a sample that disagrees. */
    ahead?: () => Map<K, unknown>[],
  ): void {
    this.history.push({ at, outputs });
    if (!live) return;
    const from = at - this.backMs;
    const candidates: Map<K, unknown>[] = [];
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      candidates.push(h.outputs);
      if (h.at <= from) break;
    }
    if (!covered)
      for (const [k, v] of live)
        if (!candidates.some((c) => this.agrees(k, v, c.get(k)))) {
          this.waitingNew.push({ at, outputs, live });
          return;
        }
    this.judge({ at, live, candidates, own: outputs, ...(covered && ahead ? { ahead } : {}) });
  }

  /** The candidate's outputs of the last sample added. */
  lastOutputs(): Map<K, unknown> {
    return this.history.at(-1)!.outputs;
  }

  /** A message was handled: the samples of the one before it are judged now. */
  messageEnd(): void {
    this.settle(this.waitingOld);
    this.waitingOld = this.waitingNew;
    this.waitingNew = [];
    this.prune();
  }

  /** The run ends: judges what waits with what there is. */
  finish(): void {
    this.settle(this.waitingOld);
    this.settle(this.waitingNew);
    this.waitingOld = [];
    this.waitingNew = [];
  }

  /** Forgets every sample without judging it (a comm loss); how many were waiting. */
  clear(): number {
    const waiting = this.waitingNew.length + this.waitingOld.length;
    this.history = [];
    this.waitingNew = [];
    this.waitingOld = [];
    return waiting;
  }

  private settle(waiting: Waiting<K>[]): void {
    for (const w of waiting) {
      const from = w.at - this.backMs;
      let lo = this.history.length - 1;
      while (lo > 0 && this.history[lo]!.at > from) lo--;
      const candidates = this.history.slice(Math.max(0, lo)).map((h) => h.outputs);
      this.judge({ at: w.at, live: w.live, candidates, own: w.outputs });
    }
  }

  /** Keeps what a waiting sample or the next one can reach. */
  private prune(): void {
    const h = this.history;
    if (h.length < 64) return;
    const oldest = this.waitingOld[0]?.at ?? h.at(-1)!.at;
    const from = oldest - this.backMs;
    let drop = 0;
    while (drop < h.length - 1 && h[drop + 1]!.at <= from) drop++;
    if (drop > 0) this.history = h.slice(drop);
  }
}

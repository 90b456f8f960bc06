/**
 * The latency allowance of shadow comparison (ADR 0029, 0055). The live value read in
 * sample n agrees when it equals the candidate's output at any moment from `backMs`
 * before the sample until the candidate has scanned the inputs of sample n + 1 — and at
 * least after sample n − 1. The candidate's output "at" a moment is its output after the
 * last sample read at or before it.
 *
 * The two sides differ. A live output can be older than the inputs read with it by the
 * PLC's scan lag (a changed input is visible at once, the output after the next scan,
 * which a loaded PLC runs late): `backMs` covers that and costs no time, since those
 * samples are in already. A live output can be newer than the inputs read with it (the
 * PLC scanned between the input and the output requests), but not newer than the inputs
 * of the next sample, read after it: so the window ends once the candidate has run a
 * scan on them — usually right after sample n + 1 (one poll), after n + 2 when polls come
 * faster than the candidate's cycles. A sample is judged then — or at once when its
 * outputs were answered before its inputs were asked (`ordered`, ADR 0143): its live outputs
 * are then no newer than its own inputs, which the candidate has scanned.
 */

/** What one sample left. Times in ms; `fed` and `scanned` on the candidate's virtual clock. */
interface Entry<K> {
  at: number;
  /** The candidate's clock when the sample's inputs were set. */
  fed: number;
  /** The candidate's clock after it caught up (scans done up to here). */
  scanned: number;
  outputs: Map<K, unknown>;
  /**
   * The candidate's outputs after each scan of its catch-up before the last (`outputs`): moments
   * between the previous sample and this one. Without them a catch-up of several scans (a poll
   * that came late) left the values in between out of the window, and a live output showing
   * one of them diverged (F1: a scan counter).
   */
  steps?: Map<K, unknown>[];
  /**
   * How far before the sample its window reaches, ms, when more than the window's `backMs`: the
   * candidate took an input change read after a long gap from the read before it, so its
   * outputs (a timer it started) may run that much ahead of the live PLC's (ADR 0145).
   */
  back?: number;
  /**
   * Judged only if it agrees (ADR 0145): read more than the window after the inputs were read
   * before, its live outputs may show an input value held between the two reads, which the
   * candidate never had.
   */
  unsure?: boolean;
  /**
   * With `unsure`: its inputs are those of the sample before (no input changed between the two
   * reads). Its disagreement, the same as the sample before's, is then judged (ADR 0148).
   */
  steady?: boolean;
  /** The live outputs to judge; null for a sample that only sets the candidate (a seed). */
  live: Map<K, unknown> | null;
  /**
   * Its live outputs were answered before its inputs were asked (ADR 0143): they cannot show
   * inputs newer than its own, so its window ends at its own moment and it is judged at once.
   */
  ordered?: boolean;
  /**
   * An ordered sample judged at its own add: the candidate's outputs over the next scans on
   * its inputs, asked for only when it disagrees (the live PLC saw an input change up to a poll
   * before the candidate did, so a timer it started may complete that much sooner; ADR 0143).
   */
  ahead?: () => Map<K, unknown>[];
}

/** A sample ready to be judged: its live outputs, every candidate output its window allows, and its own. */
export interface Judgement<K> {
  at: number;
  live: Map<K, unknown>;
  candidates: Map<K, unknown>[];
  own: Map<K, unknown>;
  /**
   * Judged only if it agrees: the run ended before the candidate scanned the next sample's
   * inputs (the window could not close, so a live value ahead of the candidate cannot be told
   * from a divergence), or the sample is `unsure`.
   */
  open?: boolean;
  /** Open because read more than the window after the inputs before (`Entry.unsure`), not at the run's end. */
  unsure?: boolean;
  /** With `unsure`: its inputs are the sample before's (`Entry.steady`). */
  steady?: boolean;
  /** More candidate outputs, after its moment (an ordered sample judged at once; `Entry.ahead`). */
  ahead?: () => Map<K, unknown>[];
}

/** Samples waiting for their window to close. */
export class LatencyWindow<K> {
  private entries: Entry<K>[] = [];
  /** Index in `entries` of the next sample to judge. */
  private next = 0;

  constructor(
    private readonly backMs: number,
    private readonly judge: (j: Judgement<K>) => void,
  ) {}

  /** A sample: read at `at`, its inputs set at candidate time `fed`, the candidate caught up to `scanned`. */
  add(entry: Entry<K>): void {
    this.entries.push(entry);
    this.settle(false);
  }

  /** Judges what is still waiting with the samples there are (the run ends). */
  finish(): void {
    this.settle(true);
  }

  /** Forgets every sample without judging it (a comm loss: nothing around it is judged); how many were waiting. */
  clear(): number {
    let waiting = 0;
    for (let i = this.next; i < this.entries.length; i++) if (this.entries[i]!.live) waiting++;
    this.entries = [];
    this.next = 0;
    return waiting;
  }

  private settle(final: boolean): void {
    const e = this.entries;
    while (this.next < e.length) {
      const i = this.next;
      // a seed: nothing to judge, nothing to wait for (its outputs stay for the others' windows)
      if (!e[i]!.live) {
        this.next++;
        continue;
      }
      // the first sample at which the candidate has scanned the inputs of sample i + 1 — sample
      // i itself when ordered: its live outputs are no newer than its own inputs, and what the
      // candidate makes of them, if it has not scanned them yet, is in `ahead`
      const ordered = e[i]!.ordered === true;
      let hi = ordered ? i : i + 1;
      const fed = e[i + 1]?.fed;
      if (!ordered) while (hi < e.length && !(e[hi]!.scanned > fed!)) hi++;
      let open = false;
      if (hi >= e.length) {
        if (!final) break;
        hi = e.length - 1;
        open = true;
      }
      // from the candidate's output at at − backMs (after the last sample read by then), and at least sample i − 1
      const at = e[i]!.at;
      const back = Math.max(this.backMs, e[i]!.back ?? 0);
      let lo = Math.max(0, i - 1);
      while (lo > 0 && e[lo]!.at > at - back) lo--;
      const live = e[i]!.live;
      if (live) {
        // every moment from sample lo's on: the scans between lo and the next sample are after it
        const candidates = [e[lo]!.outputs];
        for (let k = lo + 1; k <= hi; k++) {
          const x = e[k]!;
          if (x.steps) for (const m of x.steps) candidates.push(m);
          candidates.push(x.outputs);
        }
        const ahead = hi === i ? e[i]!.ahead : undefined;
        this.judge({
          at,
          live,
          candidates,
          own: e[i]!.outputs,
          ...(open || e[i]!.unsure ? { open: true } : {}),
          ...(e[i]!.unsure && !open ? { unsure: true, ...(e[i]!.steady ? { steady: true } : {}) } : {}),
          ...(ahead ? { ahead } : {}),
        });
      }
      this.next++;
    }
    this.prune();
  }

  /** Drops samples no window, open or to come, can reach. */
  private prune(): void {
    const e = this.entries;
    if (e.length === 0) return;
    const pending = this.next < e.length;
    const ref = pending ? this.next : e.length - 1;
    // the farthest a sample from ref on reaches back (ADR 0145; a later one reaches as far at most)
    let back = this.backMs;
    for (let k = ref; k < e.length; k++) back = Math.max(back, e[k]!.back ?? 0);
    const from = e[ref]!.at - back;
    // keep sample ref − 1 (ref itself when all are judged: it is n − 1 of the next) and the last read by `from`
    const maxDrop = pending ? ref - 1 : ref;
    let drop = 0;
    while (drop < maxDrop && e[drop + 1]!.at <= from) drop++;
    if (drop > 0) {
      this.entries = e.slice(drop);
      this.next -= drop;
    }
  }
}

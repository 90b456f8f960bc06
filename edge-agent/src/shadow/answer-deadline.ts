/**
 * How long shadow waits for a poll's answer (ADR 0073, 0101, 0120). Two deadlines: `stale` —
 * one poll after the PLC's usual answer time (its 90th percentile); past it the answer is overdue, reported and
 * nothing compared — and `now`, a loss that lasts: one poll (with a subscription: one
 * keep-alive period) after three times the slowest answer of the last `memoryMs`, or a fixed
 * time when one is given. A PLC that answers in a few ms is reported lost two polls after its last answer
 * (the next poll's request goes out within a poll of it); one on a loaded host, whose answers
 * sometimes take a hundred ms, is not reported lost for the delays it always has. Three
 * times: with the slowest answer alone, every new record of a heavy tail (one in the
 * memory's number of answers, about one a run) was a false comm loss; a post-deploy watch
 * rolls back on one. Until `warmUp` answers have
 * come there is no deadline (the request's own timeout holds): polls wait for 100 (ADR
 * 0073 — a deadline from the first answer gave false comm losses in the first seconds of a
 * run on a loaded host); a subscription starts from its setup time (ADR 0101).
 */
export class AnswerDeadline {
  /** Answers of the last `memoryMs`, slowest first among the later ones (a sliding maximum). */
  private readonly slowest: { at: number; ms: number }[] = [];
  private longest = 0;
  private seen = 0;
  /** The last {@link RECENT} answers' times (a ring), for the usual answer time. */
  private readonly recent: number[] = [];
  private staleLongest = 0;

  constructor(
    /** One poll (one keep-alive period): the least time a comm loss waits for. */
    private readonly polls: number,
    /** A fixed deadline (`--comm-loss-ms`): the answers' times do not change it. */
    private readonly fixed?: number,
    private readonly memoryMs = 30_000,
    private readonly warmUp = 100,
  ) {}

  /** An answer (on time or late) came `ms` after its request, at `at`. */
  answered(at: number, ms: number): void {
    if (this.fixed !== undefined) return;
    this.seen++;
    this.recent[this.seen % RECENT] = ms;
    const q = this.slowest;
    while (q.length > 0 && q.at(-1)!.ms <= ms) q.pop();
    q.push({ at, ms });
  }

  /** The deadline now, ms after the request; undefined while warming up. */
  now(at: number): number | undefined {
    if (this.fixed !== undefined) return this.fixed;
    if (this.seen < this.warmUp) return undefined;
    const q = this.slowest;
    while (q.length > 0 && q[0]!.at < at - this.memoryMs) q.shift();
    const d = 3 * (q[0]?.ms ?? 0) + this.polls;
    this.longest = Math.max(this.longest, d);
    return d;
  }

  /**
   * The stale deadline (ADR 0120), ms after the request: one poll (one keep-alive period) plus
   * `slackMs` plus the PLC's usual answer time — the 90th percentile of its last {@link RECENT}
   * answers, from the first one, no warm-up. Past it an answer is overdue: nothing the PLC said
   * is known to be current, so nothing is compared, and the loss is reported — about two polls
   * after the PLC's last answer when it answers in a fraction of a poll. Whether the loss lasts
   * (a watch's rollback, the subscription opened again) is for {@link now} and the caller's
   * grace to say. A fixed deadline (`--comm-loss-ms`) is both. Undefined before the first answer.
   * A subscription passes a publishing interval as `slackMs`: a keep-alive is due one keep-alive
   * period after the last message, and comes a little after it as often as not.
   */
  stale(slackMs = 0): number | undefined {
    if (this.fixed !== undefined) return this.fixed;
    if (this.seen === 0) return undefined;
    const xs = this.recent.filter((x) => x !== undefined).sort((a, b) => a - b);
    const d = this.polls + slackMs + (xs[Math.floor(xs.length * 0.9)] ?? 0);
    this.staleLongest = Math.max(this.staleLongest, d);
    return d;
  }

  /** The least and the longest deadline used (of `now`, and of `stale` when it was asked). */
  report(): { least: number; longest: number } {
    return {
      least: this.fixed ?? this.polls,
      longest: Math.max(this.longest, this.staleLongest, this.fixed ?? this.polls),
    };
  }
}

/** Answers the usual answer time (their 90th percentile) is taken from. */
const RECENT = 101;

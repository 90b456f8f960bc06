/**
 * How long shadow waits for a poll's answer before it reports a comm loss (ADR 0073, 0101):
 * one poll (with a subscription: one keep-alive period) after the PLC's usual answer time —
 * three times the slowest answer of the last `memoryMs` — or a fixed time when one is
 * given. A PLC that answers in a few ms is reported lost two polls after its last answer
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

  /** The least and the longest deadline used. */
  report(): { least: number; longest: number } {
    return { least: this.fixed ?? this.polls, longest: Math.max(this.longest, this.fixed ?? this.polls) };
  }
}

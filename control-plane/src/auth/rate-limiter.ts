/**
 * Counts failed authentications per remote address in a one-minute window.
 * In memory per replica: behind a load balancer each replica limits what it sees.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly windowMs = 60_000,
  ) {}

  /** True when `key` has used up its failures in the current window. */
  blocked(key: string, now = Date.now()): boolean {
    const f = this.failures.get(key);
    if (!f) return false;
    if (now - f.since > this.windowMs) {
      this.failures.delete(key);
      return false;
    }
    return f.count >= this.perMinute;
  }

  /** Records one failure of `key`. */
  fail(key: string, now = Date.now()): void {
    const f = this.failures.get(key);
    if (!f || now - f.since > this.windowMs) this.failures.set(key, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 10_000) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [k, f] of this.failures) if (now - f.since > this.windowMs) this.failures.delete(k);
  }
}

import { hashToken } from './token';

/** What {@link AuthFailureLimiter.attempt} decided. */
export type AuthAttempt<T> = { ok: true; principal: T } | { ok: false; limited: boolean };

/**
 * Counts failed authentications in a one-minute window, per remote address and
 * per presented credential. In memory per replica: behind a load balancer each
 * replica limits what it sees.
 *
 * A valid credential is never refused for failures of others: behind NAT one
 * address is many people, and a flood of bad tokens from it must not lock out
 * the admin's good one. So a presented token is looked up first (a hash and an
 * indexed read, what the request costs anyway); only a failed attempt is
 * limited, by its address and by the credential it presented (the same bad
 * token replayed from many addresses).
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly windowMs = 60_000,
  ) {}

  /**
   * One authentication attempt from `remote` with `token`: the principal when
   * `lookup` finds it, else whether the caller is over its limit (answer 429,
   * not 401). Failures are counted here.
   */
  async attempt<T>(
    remote: string,
    token: string | null,
    lookup: (token: string) => Promise<T | null | undefined>,
  ): Promise<AuthAttempt<T>> {
    const credential = token ? `cred:${hashToken(token).slice(0, 32)}` : null;
    if (token && !this.blocked(credential!)) {
      const principal = await lookup(token);
      if (principal) return { ok: true, principal };
    }
    return { ok: false, limited: this.failed(remote, credential) };
  }

  /**
   * Records a failure of `remote` (and of `credential` when given) and says
   * whether either is over its limit. For credentials checked elsewhere (the
   * enrollment token in a request body).
   */
  failed(remote: string, credential: string | null = null, now = Date.now()): boolean {
    const keys = [`addr:${remote}`, ...(credential ? [credential] : [])];
    const limited = keys.some((k) => this.blocked(k, now));
    for (const k of keys) this.fail(k, now);
    return limited;
  }

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

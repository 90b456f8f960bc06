/** Settings of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** Ceiling of the delay, in ms. */
  maxDelayMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (0 for the first): exponential
 * (doubling from `initialDelayMs`, capped at `maxDelayMs`) with "equal
 * jitter" — half fixed, half random — so a fleet that lost its control plane
 * at the same moment does not come back in one wave, yet no agent retries
 * sooner than half the nominal delay.
 *
 * @param random a number in [0, 1); `Math.random` outside tests
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exp = Math.min(attempt, 30);
  const nominal = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exp);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal / 2 + (nominal / 2) * r);
}

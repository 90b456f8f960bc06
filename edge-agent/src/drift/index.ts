/**
 * Drift: the live program compared semantically with the released one — the
 * comparison, the `drift` command's check of two sources, the agent's
 * scheduled checks and its content-addressed store of live reads.
 */
export { checkDrift, DriftReadError } from './check-drift';
export { DriftMonitor } from './drift-monitor';
export { LiveStore } from './live-store';

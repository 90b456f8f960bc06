/**
 * Drift: the live program compared semantically with the released one — the
 * comparison, the `drift` command's check of two sources, the agent's
 * scheduled checks and its content-addressed store of live reads.
 */
export { checkDrift, type DriftCheck, DriftReadError } from './check-drift';
export { comparePrograms } from './compare-programs';
export { DriftMonitor, type DriftMonitorOptions } from './drift-monitor';
export { LiveStore, type LiveStoreOptions } from './live-store';

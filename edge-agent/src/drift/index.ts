/**
 * Drift: the live program compared semantically with the released one — the
 * comparison, the `drift` command's check of two sources, and the agent's
 * content-addressed store of live reads.
 */
export { checkDrift, type DriftCheck, DriftReadError } from './check-drift';
export { comparePrograms } from './compare-programs';

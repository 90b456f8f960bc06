/**
 * @plcfleet/control-plane — the control plane as a library: start it in-process
 * (tests, the demo) with {@link startControlPlane}, or run `plcfleet-server`.
 * The HTTP API's request and response schemas are in `@plcfleet/protocols`.
 */
export { verifyAudit } from './audit/audit.repository';
export { ROLES, type Role } from './auth/roles';
export { type ControlPlaneConfig, type ControlPlaneOptions, resolveConfig } from './config';
export { ControlPlaneError } from './errors';
export { evaluateGates, type PhaseDecision, type PhaseFigures } from './rollouts/gates';
export { selectSites } from './rollouts/site-selector';
export { type ControlPlaneHandle, startControlPlane } from './server';
export { openStore, type Store } from './store/database';

/**
 * Closed-loop plant models: an ST program simulating the machine, bound to a
 * controller's I/O by a `PlantBinding` (protocols), scanned in closed loop with it
 * for simulation, scenarios and old-vs-new equivalence (docs/shadow.md).
 */
export { ClosedLoop } from './closed-loop';
export {
  type ClosedLoopEquivalenceOptions,
  type ClosedLoopEquivalenceResult,
  closedLoopEquivalence,
} from './closed-loop-equivalence';

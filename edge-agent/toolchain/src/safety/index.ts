/**
 * The safety verifier: rules over the syntax tree, the data flow and the diff
 * of an old and a new program, plus differential simulation proofs, driven by
 * the site's safety policy. A failed verdict is final (the product's rule: fail
 * closed, nothing overrides a safety rejection).
 */
export { canonical, canonicalHash } from './canonical-ast';
export { semanticHash } from './certified-rules';
export { backwardSlice, type Slice } from './data-flow-slice';
export type { PlantModel } from './differential-sim';
export { type PolicyResolution, resolvePolicy, resolveSignalName } from './policy-resolution';
export { diffPrograms, type ProgramDiff } from './program-diff';
export { ProjectIndex } from './project-index';
export {
  loadSafetyProject,
  projectFromSources,
  type SafetyDiagnostic,
  type SafetyProject,
} from './safety-project';
export { SAFETY_RULES, type SafetyRuleId } from './safety-rules';
export type { Counterexample, SafetyProof } from './safety-types';
export type { SignalRename } from './signal-renames';
export { type SafetyResult, type VerifySafetyOptions, verifySafety } from './verify-safety';

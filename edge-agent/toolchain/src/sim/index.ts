/**
 * The virtual PLC (simulation verifier): compiles a checked IEC 61131-3
 * project once to JavaScript and runs it in scan cycles on a virtual clock,
 * with the standard FBs and functions, scenario tests and differential
 * equivalence of an old and a new program.
 */

export { type CondExpr, evalCondition, parseCondition } from './condition-expr';
export { firstConditionalPragma, unconfiguredReason } from './conditional-branches';
export {
  type Counterexample,
  checkEquivalence,
  type EquivalenceOptions,
  type EquivalenceResult,
} from './equivalence';
export { formatDuration, parseDuration } from './iec-time';
export { type InputTimeline, jsonValue, parseInputTimeline } from './input-timeline';
export {
  type LoadedSimProject,
  loadSimProject,
  type ProjectSources,
  twinCatProjectSources,
} from './load-project';
export { Prng } from './prng';
export {
  type ExpectationResult,
  parseScenarioFile,
  type RunScenarioOptions,
  runScenarioFile,
  runScenarios,
  type Scenario,
  type ScenarioFile,
  type ScenarioFileResult,
  type ScenarioLoop,
  type ScenarioResult,
  scenarioActions,
  scenarioFileSchema,
} from './scenario';
export {
  SIM_ERROR_CODES,
  SIM_FAULT_CODES,
  SimError,
  type SimErrorCode,
  type SimFault,
  type SimFaultCode,
  type SourceLocation,
} from './sim-errors';
export { resolveProfile, type SimProfile, type SimProfileOptions } from './sim-profile';
export { integerRange, isIntegerName } from './sim-types';
export {
  type CompileOptions,
  compileProgram,
  type OnlineChangeResult,
  type PlcSnapshot,
  type SimProjectInput,
  type SimSetOptions,
  type SimTimer,
  type SimValue,
  type SimVariable,
  VirtualPlc,
} from './virtual-plc';

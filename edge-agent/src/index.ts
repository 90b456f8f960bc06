/**
 * @plcfleet/edge-agent — everything that happens at the plant: the IEC 61131-3
 * toolchain (parse, check, print), the virtual PLC (scans, scenarios,
 * equivalence), the safety verifier, the migration executor with its
 * transformers and judges, program sources, Modbus TCP and OPC UA plant I/O,
 * and the agent daemon with its link and durable outbox. The `plcfleet-agent`
 * CLI is built on the same entry points.
 */

// IEC 61131-3 front end
export {
  type CheckedProject,
  checkProject,
  DIAGNOSTICS,
  type Diagnostic,
  formatDiagnostic,
  type LoadedProject,
  loadProject,
  parseSource,
  printNode,
  printUnit,
} from '@plcfleet/toolchain/iec';
// Safety verifier
export {
  type SafetyResult,
  semanticHash,
  type VerifySafetyOptions,
  verifySafety,
} from '@plcfleet/toolchain/safety';
// Virtual PLC
export {
  checkEquivalence,
  compileProgram,
  type EquivalenceOptions,
  runScenarios,
  SimError,
  type SimFault,
  VirtualPlc,
} from '@plcfleet/toolchain/sim';
// Agent daemon
export {
  type AgentConfig,
  type AgentHandle,
  AgentOptions,
  loadAgentConfig,
  resolveAgentConfig,
  startAgent,
} from './agent';
export { routeNodeOpcuaLogsToStderr } from './cli/node-opcua-logs';
// The one error class and its code table
export { EDGE_AGENT_ERROR_CODES, EdgeAgentError, type EdgeAgentErrorCode } from './edge-agent-error';
export { runLlmJudge, runScopeJudge } from './judge';
// Migration executor, transformers, judges, program sources
export { evaluatePreconditions, type RunMigrationOptions, runMigration } from './migrate';
export { Outbox } from './outbox';
// Plant I/O
export {
  type PlcRuntime,
  type PlcServer,
  type PlcServerOptions,
  readProgramFiles,
  readProgramOverOpcua,
  startModbusServer,
  startOpcuaServer,
  startPlcServer,
  VirtualPlcRuntime,
  writeProgramOverOpcua,
} from './plant-io';
export { createDirectorySource, hashProgram, type ProgramFile, type ProgramSource } from './sources';
export { createClaudeTransformer, createRecipeTransformer, type Transformer } from './transform';

/**
 * @plcfleet/toolchain — the IEC 61131-3 toolchain without I/O: the Structured
 * Text front end and vendor readers, the checker's bound model, the printer,
 * the virtual PLC (scans, scenarios, equivalence) and the safety verifier.
 *
 * The edge agent, the MCP server and anyone else use it through this entry or
 * its three sub-entries `@plcfleet/toolchain/iec`, `/sim` and `/safety`, which
 * list the full surface of each layer. Layers point one way: iec ← sim ← safety.
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
} from './iec';
// Safety verifier
export { type SafetyResult, semanticHash, type VerifySafetyOptions, verifySafety } from './safety';
// Siemens SCL sources (.scl/.db/.udt) into the same tree; `@plcfleet/toolchain/scl` has the rest
export { applySclEdits, formatScl, printScl, readScl } from './scl';
// Virtual PLC
export {
  checkEquivalence,
  compileProgram,
  type EquivalenceOptions,
  runScenarios,
  SimError,
  type SimFault,
  VirtualPlc,
} from './sim';

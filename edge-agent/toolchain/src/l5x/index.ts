/**
 * Rockwell Logix (L5X) support: a reader and an in-place writer for Studio
 * 5000 exports, ladder (RLL) semantics on the virtual PLC, and the ladder →
 * Structured Text conversion proven equivalent by differential simulation.
 */

export { checkL5x, L5X_CODES, type L5xCheck, type L5xModelView, modelL5x } from './l5x-check';
export { formatL5xFile, formatL5xRoutines, indentLogixSt } from './l5x-format';
export type {
  L5xAoi,
  L5xDataType,
  L5xMember,
  L5xProgram,
  L5xProject,
  L5xRoutine,
  L5xRung,
  L5xTag,
  L5xTask,
  L5xValue,
  L5xWarning,
} from './l5x-model';
export { byteOffset, L5xError, parseLogixNumber, readL5x } from './l5x-reader';
export { type L5xRename, L5xRenameRefused, renameL5xTag } from './l5x-rename';
export { type L5xStModel, modelErrors, readL5xModel } from './l5x-st-model';
export {
  insertTagsEdit,
  type L5xEdit,
  type NewTag,
  routineToStEdits,
  stLinesEdits,
  writeL5x,
} from './l5x-writer';
export { compileModel, findRoutine, type LadderModel, ladderModel, modelUnits } from './ladder-model';
export {
  type LadderToStOptions,
  type LadderToStResult,
  ladderToSt,
  type RoutineConversion,
} from './ladder-to-st';
export { iecName, LogixScope, type TagSymbol, Unsupported } from './logix-operands';
export { LOGIX_LIBRARY_SOURCE, type LogixType, PREDEFINED_STRUCTS } from './logix-types';
export { isPlcopenLadderInput, type PlcopenLadderResult, plcopenLadderToSt } from './plcopen-ladder';
export { type LoweredCode, LoweringError, MODELLED_INSTRUCTIONS, RllLowering } from './rll-lowering';
export {
  instructionsOf,
  parseRung,
  type RllBranch,
  type RllElement,
  type RllInstruction,
  RllSyntaxError,
} from './rll-parser';
export { type ConversionPlan, planConversion, type RenderedRoutine, RungWriter } from './rung-to-st';
export { MODEL_PROGRAM, modelSource, type ProjectModel, projectModelSource } from './sim-model';

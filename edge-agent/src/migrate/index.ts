/**
 * The migration executor: given a migration and a plant program, a verified
 * change or a clear reason why not, for each migration kind in `kinds/` (a type
 * it has no module for is refused). The agent daemon calls {@link runMigration};
 * a deploy writes a passed change back with {@link writeVerifiedChange}, which
 * checks {@link hashProgram} against the verdict's `sha256Before`/`sha256After`.
 */
export { hashProgram, type ProgramFile, type ProgramSource, type WriteOptions } from '../sources';
export { type JobFolderContents, writeJobFolder } from './job-folder';
export { usesTransformer } from './kinds';
export { plantFileGlobs, withPlantFiles } from './plant-files-source';
export {
  conditionHolds,
  evaluatePreconditions,
  type PreconditionOutcome,
  usesPattern,
  usesPou,
} from './preconditions';
export { type RunMigrationOptions, runMigration } from './run-migration';
export {
  type CompileReport,
  createVerifiers,
  type EquivalenceOutcome,
  emptyPolicy,
  jsonSafe,
  loadScenarioRefs,
  type SafetyReport,
  type ScenarioOutcome,
  type VerifierOptions,
  type Verifiers,
} from './verifiers';
export { writeVerifiedChange } from './write-change';

/**
 * Reads a project for the simulator's command line through the front end
 * (`.st`, TwinCAT and PLCopen XML; parsed and checked). The diagnostics travel
 * with the units so {@link compileProgram} refuses a project with errors.
 */
import { type CheckedProject, type CompilationUnit, type Diagnostic, loadProject } from '../iec';
import { SIM_ERROR_CODES, SimError } from './sim-errors';

/** A loaded project: units, the front end's diagnostics (parse and check) and its bound model. */
export interface LoadedSimProject {
  units: CompilationUnit[];
  diagnostics: Diagnostic[];
  /** The check's bound model (with the project's libraries), which the simulator reads names from. */
  checked?: CheckedProject;
}

/** Loads, parses and checks every source file under the given paths. Rejects with SimError(BAD_INPUT) for a missing path. */
export async function loadSimProject(paths: string[]): Promise<LoadedSimProject> {
  let loaded: Awaited<ReturnType<typeof loadProject>>;
  try {
    loaded = await loadProject(paths);
  } catch (err) {
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      err instanceof Error ? err.message : String(err),
      undefined,
      {
        cause: err,
      },
    );
  }
  if (loaded.project.units.length === 0) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `no PLC sources in ${paths.join(', ')}`);
  }
  const { checked } = loaded.project;
  return { units: loaded.project.units, diagnostics: loaded.diagnostics, ...(checked ? { checked } : {}) };
}

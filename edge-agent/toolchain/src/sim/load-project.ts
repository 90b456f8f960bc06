/**
 * Reads a project for the simulator's command line through the front end
 * (`.st`, TwinCAT and PLCopen XML; parsed and checked). The diagnostics travel
 * with the units so {@link compileProgram} refuses a project with errors.
 */
import { type CompilationUnit, type Diagnostic, loadProject } from '../iec';
import { SIM_ERROR_CODES, SimError } from './sim-errors';

/** A loaded project: units and the front end's diagnostics (parse and check). */
export interface LoadedSimProject {
  units: CompilationUnit[];
  diagnostics: Diagnostic[];
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
  return { units: loaded.project.units, diagnostics: loaded.diagnostics };
}

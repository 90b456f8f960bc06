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
  /** Library interface units the check used (without the modelled POUs): laid out, their calls refused. */
  libraryUnits: CompilationUnit[];
}

/** What else a simulated project is loaded with (decision 0017). */
interface SimLoadOptions {
  /** Library interface files (`.st` declarations, e.g. `edge-agent/toolchain/libraries/*.st`). @default none */
  libraries?: string[];
  /** The define set selecting `{IF defined(...)}` branches. @default every branch */
  defines?: readonly string[];
  /** ST files giving library POUs a behaviour; they are simulated as part of the program. @default none */
  behaviourModels?: string[];
}

/** Loads, parses and checks every source file under the given paths. Rejects with SimError(BAD_INPUT) for a missing path. */
export async function loadSimProject(
  paths: string[],
  options: SimLoadOptions = {},
): Promise<LoadedSimProject> {
  let loaded: Awaited<ReturnType<typeof loadProject>>;
  try {
    loaded = await loadProject(paths, {
      ...(options.libraries ? { externalsFiles: options.libraries } : {}),
      ...(options.defines ? { defines: options.defines } : {}),
      ...(options.behaviourModels ? { behaviourModels: options.behaviourModels } : {}),
    });
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
  const { checked, libraryUnits } = loaded.project;
  return {
    units: loaded.project.units,
    diagnostics: loaded.diagnostics,
    libraryUnits,
    ...(checked ? { checked } : {}),
  };
}

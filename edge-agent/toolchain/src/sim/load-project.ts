/**
 * Reads a project for the simulator's command line through the front end
 * (`.st`, TwinCAT and PLCopen XML; parsed and checked). The diagnostics travel
 * with the units so {@link compileProgram} refuses a project with errors.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type CheckedProject,
  type CompilationUnit,
  classifyPaths,
  type Diagnostic,
  filesOfBuild,
  type LibraryReference,
  loadProject,
  type MissingBuildFile,
  readPlcProj,
} from '../iec';
import { firstConditionalPragma, unconfiguredReason } from './conditional-branches';
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
  /**
   * The define set selecting `{IF defined(...)}` branches. Required when the program has such
   * branches: a PLC runs one configuration, never every branch (decision 0178).
   */
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
    const project = await twinCatProjectSources(paths, 'simulate');
    loaded = await loadProject(project?.files ?? paths, {
      // said once (ST3012), and a name a missing file would declare is unknown naming it (ST2001)
      ...(project?.missing.length ? { missingBuildFiles: project.missing } : {}),
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
  if (!options.defines) {
    const branch = firstConditionalPragma(loaded.project.units);
    if (branch)
      throw new SimError(SIM_ERROR_CODES.UNSUPPORTED, unconfiguredReason(branch.text), branch.location);
  }
  const { checked, libraryUnits } = loaded.project;
  return {
    units: loaded.project.units,
    diagnostics: loaded.diagnostics,
    libraryUnits,
    ...(checked ? { checked } : {}),
  };
}

const PROJECT_FILE = new Set(['.plcproj', '.tsproj']);

/** The files and library references of a named TwinCAT project (see {@link twinCatProjectSources}). */
export interface ProjectSources {
  /** Source files: the build's, the system project's (its data types), other paths as given. */
  files: string[];
  /** The library references of the PLC project. */
  references: LibraryReference[];
  /** Files the build lists that are not on disk: left out, as `compile` leaves them out. */
  missing: MissingBuildFile[];
}

/**
 * The source files a run reads when a TwinCAT project file is named: a `.plcproj` stands for
 * the files of its build (`<Compile Include>` not excluded), a `.tsproj` for the PLC project it
 * builds (decision 0157) and its own data types, as `compile` reads them. Undefined when no
 * project file is named (the paths are read as they are). One program is simulated or
 * verified, so a system project building two or more PLC projects is refused: the user names
 * the `.plcproj` of the one meant. Shared by the simulator's and the safety verifier's loaders.
 */
export async function twinCatProjectSources(
  paths: readonly string[],
  purpose: string,
): Promise<ProjectSources | undefined> {
  const named = paths.some((p) => PROJECT_FILE.has(extname(p).toLowerCase()));
  // a folder holding a .plcproj is that build too, as `compile` reads a folder: POUs lying
  // beside the build (an old copy, a backup) are not code and must not be mixed in
  if (!named && !(await someHoldsPlcProj(paths))) return undefined;
  const found = await classifyPaths([...paths]);
  const refused = found.refused[0];
  if (refused) throw new Error(`cannot read ${refused.file}: ${refused.format} is not supported`);
  if (found.projects.length > 1)
    throw new Error(
      `${paths.join(', ')} ${named ? 'name' : paths.length === 1 ? 'holds' : 'hold'} ${found.projects.length} PLC projects (${found.projects.join(', ')}); name the .plcproj of the one to ${purpose}`,
    );
  let files = found.sources;
  const references: LibraryReference[] = [];
  const missing: MissingBuildFile[] = [];
  for (const projFile of found.projects) {
    const proj = readPlcProj(await readFile(projFile, 'utf8'), projFile);
    // fail closed: a project file that cannot be read does not say which files are built,
    // and reading every file under it would mix stale copies into the program
    const broken = proj.diagnostics.find((d) => d.severity === 'error');
    if (broken)
      throw new Error(`cannot tell which files ${projFile} builds: ${broken.message} (line ${broken.line})`);
    references.push(...proj.libraries);
    // under the project's folder only its build counts, as compile reads it
    const build = await filesOfBuild(files, proj);
    files = build.files;
    missing.push(...build.missing);
  }
  return { files, references, missing };
}

/** Whether a folder among `paths` holds a `.plcproj` at any depth (hidden folders and node_modules aside, as {@link classifyPaths} walks). */
async function someHoldsPlcProj(paths: readonly string[]): Promise<boolean> {
  const holds = async (dir: string): Promise<boolean> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (e.isDirectory() ? await holds(join(dir, e.name)) : /\.plcproj$/i.test(e.name)) return true;
    }
    return false;
  };
  for (const p of paths)
    if ((await stat(p).catch(() => undefined))?.isDirectory() && (await holds(p))) return true;
  return false;
}

/**
 * One program version as the safety verifier sees it: the parsed units, the
 * source texts (for evidence and changed-line counts), the root the scope
 * globs are relative to, and the front end's diagnostics (any error makes the
 * verifier fail closed).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  applyBehaviourModels,
  type CheckedProject,
  type CompilationUnit,
  checkProject,
  configureTree,
  decodeSource,
  isSourceFile,
  type LibraryReference,
  libraryFilesFor,
  type MissingBuildFile,
  mergeTaskConfigurations,
  missingBuildFilesWarnings,
  readPlcProj,
  readSource,
} from '../iec';

import { type L5xStModel, modelErrors, readL5xModel } from '../l5x';
import { axLibraryBinding, isSclFile, siemensLibraryDir } from '../scl';
import { twinCatProjectSources } from '../sim';

/** A front-end diagnostic, reduced to what the verifier reports. */
export interface SafetyDiagnostic {
  file: string;
  line: number;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

/** One program version. */
export interface SafetyProject {
  units: CompilationUnit[];
  /** Source text by the `file` of each unit. */
  sources: ReadonlyMap<string, string>;
  /** Directory that scope file globs are relative to. */
  root: string;
  diagnostics: SafetyDiagnostic[];
  /** The checker's bound model (names, types, constants), when every unit parsed. */
  checked?: CheckedProject;
  /**
   * The library interface units it was checked with (`--libraries`, less what `--models`
   * replaces): their POUs have no body, so a proof that runs one is refused by name.
   */
  libraryUnits?: CompilationUnit[];
  /**
   * The define set its units were configured with. Absent: every `{IF}` branch is kept (decision
   * 0017), which the static rules may read but no proof may run (decision 0178).
   */
  defines?: readonly string[];
}

/**
 * What a version is checked with, as `compile` takes it (decision 0017): library interface
 * files, behaviour models of library POUs, and the define set. Texts by file name.
 */
interface SafetyLoadOptions {
  /** Library interface files (`.st` declarations, no bodies). */
  libraries?: ReadonlyMap<string, string>;
  /** Behaviour models (ST with bodies): each replaces the library POU of its name. */
  behaviourModels?: ReadonlyMap<string, string>;
  /** The define set: only the `{IF defined(...)}` branches it selects count. */
  defines?: readonly string[];
  /**
   * Files the `.plcproj`'s build lists that are not on disk: one ST3012 warning, and a name one
   * would declare is unknown naming it (ST2001/ST2002), as `compile` and `simulate` say it.
   */
  missingBuildFiles?: readonly MissingBuildFile[];
}

/** Files under a directory (or the file itself) whose names `keep` accepts, sorted. */
async function listFiles(path: string, keep: RegExp | ((name: string) => boolean)): Promise<string[]> {
  const s = await stat(path);
  if (s.isFile()) return [path];
  const accept = typeof keep === 'function' ? keep : (n: string) => keep.test(n);
  const out: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, accept)));
    else if (accept(e.name)) out.push(p);
  }
  return out;
}

/** The shipped Siemens interface files (`libraries/siemens/*.st`). */
async function siemensInterfaceFiles(): Promise<string[]> {
  const dir = siemensLibraryDir();
  if (!dir) return [];
  return (await readdir(dir))
    .filter((n) => /\.st$/i.test(n))
    .sort()
    .map((n) => join(dir, n));
}

function listSources(path: string): Promise<string[]> {
  return listFiles(path, (n) => isSourceFile(n) || isL5x(n));
}

function reduce(d: SafetyDiagnostic): SafetyDiagnostic {
  // ST2017 names `compile`'s --externals; `safety` takes a library's interface by --libraries
  const message = d.message.replace('declare it with --externals', 'give its interface with --libraries DIR');
  return { file: d.file, line: d.line, severity: d.severity, code: d.code, message };
}

/** Each text parsed as one unit, its diagnostics added to `diagnostics`. */
function parseAll(texts: ReadonlyMap<string, string> | undefined, diagnostics: SafetyDiagnostic[]) {
  const units: CompilationUnit[] = [];
  for (const [file, text] of texts ?? []) {
    const r = readSource(text, file);
    units.push(r.unit);
    diagnostics.push(...r.diagnostics.map(reduce));
  }
  return units;
}

/** A Rockwell L5X export (read as its ST model). */
function isL5x(file: string): boolean {
  return /\.l5x$/i.test(file);
}

/** Builds a project from source texts already in memory (file name → text). */
export function projectFromSources(
  files: ReadonlyMap<string, string> | Record<string, string>,
  root = '',
  options: SafetyLoadOptions = {},
): SafetyProject {
  const given = files instanceof Map ? files : new Map(Object.entries(files));
  const map = new Map(given);
  const units: CompilationUnit[] = [];
  const missing = options.missingBuildFiles ?? [];
  const diagnostics: SafetyDiagnostic[] = missingBuildFilesWarnings(missing).map(reduce);
  // An L5X is its whole-project ST model (toolchain/l5x `readL5xModel`): the check's findings
  // at the file's lines, and an error for each program the model leaves out, which the
  // verifier cannot check, so it fails closed. The model's text stands in for the file's in
  // `sources`, so findings quote the model's statements; its spans cite the file's lines.
  const l5x = new Map<string, L5xStModel>();
  for (const [file, text] of [...given].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isL5x(file)) {
      const m = readL5xModel(text, file);
      l5x.set(file, m);
      units.push(m.unit);
      map.set(file, m.source);
      diagnostics.push(...[...m.diagnostics, ...m.unmodelled].map(reduce));
      continue;
    }
    // `.xml` that is not a PLCopen project (a tag map, an IDE file) is not a source.
    if (/\.xml$/i.test(file) && !/plcopen\.org\/xml\/tc6/i.test(text.slice(0, 4096))) continue;
    const r = readSource(text, file);
    units.push(r.unit);
    diagnostics.push(...r.diagnostics.map(reduce));
  }
  const libraries = parseAll(options.libraries, diagnostics);
  const models = parseAll(options.behaviourModels, diagnostics);
  for (const [file, text] of options.behaviourModels ?? []) map.set(file, text);
  const defines = options.defines ? new Set(options.defines) : undefined;
  // a TwinCAT project's task files are one configuration (decision 0137)
  const tasks = mergeTaskConfigurations(units);
  const compiled = [...(defines ? tasks.map((u) => configureTree(u, defines)) : tasks), ...models];
  const configured = options.defines ? { defines: options.defines } : {};
  // Check only what parsed: the checker's view of a broken unit adds nothing but noise.
  if (diagnostics.some((d) => d.severity === 'error'))
    return { units: compiled, sources: map, root, diagnostics, ...configured };
  // as `compile`: SIMATIC AX namespaces bind only to interfaces named after them (decision 0131)
  const ax = axLibraryBinding(compiled, libraries);
  const replaced = applyBehaviourModels(ax?.externals ?? libraries, models);
  diagnostics.push(...replaced.diagnostics.map(reduce));
  const r = checkProject(compiled, {
    externals: replaced.libraries,
    ...(missing.length > 0 ? { missingBuildFiles: missing } : {}),
    ...(ax && ax.references.length > 0 ? { libraryReferences: ax.references } : {}),
  });
  for (const d of r.diagnostics) {
    const model = l5x.get(d.file);
    // the model's own warnings are about generated ST, not the file: only errors count
    diagnostics.push(...(model ? modelErrors(model, [d]) : [d]).map(reduce));
  }
  return {
    units: compiled,
    sources: map,
    root,
    diagnostics,
    checked: r.checked,
    ...(replaced.libraries.length > 0 ? { libraryUnits: replaced.libraries } : {}),
    ...configured,
  };
}

/**
 * Reads every source file (`.st`, TwinCAT `.TcPOU`/`.TcGVL`/`.TcDUT`, PLCopen
 * XML, Rockwell `.L5X` as its model) under a directory (or one file) into a project.
 * File names are recorded relative to the root, so evidence and scope globs
 * do not depend on where the project lies on disk.
 */
export async function loadSafetyProject(
  path: string,
  options: {
    libraries?: readonly string[];
    behaviourModels?: readonly string[];
    defines?: readonly string[];
  } = {},
): Promise<SafetyProject> {
  const root = resolve(path);
  const s = await stat(root);
  const base = s.isFile() ? resolve(root, '..') : root;
  // a named .plcproj/.tsproj, or a folder holding a .plcproj, is its build, as `compile` and
  // `simulate` read it: a stale POU lying beside the build is not read (fail closed: a project
  // file that cannot be read, or two in one folder, is refused rather than guessed at)
  const project = await twinCatProjectSources([root], 'verify');
  const files = project?.files ?? (await listSources(root));
  if (files.length === 0) throw new Error(`${path}: no ST, TwinCAT, PLCopen XML or L5X source files`);
  const texts = new Map<string, string>();
  // as `compile` decodes them: UTF-8, else Windows-1252 (a TIA export's degree sign)
  for (const f of files)
    texts.set(relative(base, f), isL5x(f) ? await readFile(f, 'utf8') : decodeSource(await readFile(f)));
  // as `compile`: only the libraries a .plcproj references (and Beckhoff's beside a TwinCAT one)
  const references: LibraryReference[] = [...(project?.references ?? [])];
  if (!project && s.isDirectory())
    for (const f of await listFiles(root, /\.plcproj$/i))
      references.push(...readPlcProj(await readFile(f, 'utf8'), f).libraries);
  const read = async (list: readonly string[] | undefined) =>
    list
      ? new Map(await Promise.all(list.map(async (f) => [f, await readFile(f, 'utf8')] as const)))
      : undefined;
  const given = options.libraries && libraryFilesFor(options.libraries, references);
  // as `compile`: a Siemens program is checked against the shipped system instructions
  // (RDREC, WRREC, TON, ...), each interface file read once even when --libraries names it too
  const siemens = files.some((f) => isSclFile(f)) ? await siemensInterfaceFiles() : [];
  const all = [...new Set([...siemens, ...(given ?? [])].map((f) => resolve(f)))];
  const libraries = await read(all.length > 0 ? all : undefined);
  const behaviourModels = await read(options.behaviourModels);
  // named relative to the root, as every file of the project is
  const missingBuildFiles = (project?.missing ?? []).map((m) => ({
    ...m,
    span: {
      file: relative(base, m.span.file),
      line: m.span.line,
      column: m.span.column,
      endLine: m.span.endLine,
      endColumn: m.span.endColumn,
      offset: m.span.offset,
      endOffset: m.span.endOffset,
    },
  }));
  return projectFromSources(texts, base, {
    ...(missingBuildFiles.length > 0 ? { missingBuildFiles } : {}),
    ...(libraries ? { libraries } : {}),
    ...(behaviourModels ? { behaviourModels } : {}),
    ...(options.defines ? { defines: options.defines } : {}),
  });
}

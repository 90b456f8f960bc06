/**
 * `plcfleet-agent compile | fmt | ast`: the IEC 61131-3 front end on the
 * command line (issue 3). Exit codes: 0 no errors, 1 errors, 2 bad usage —
 * including a file in a format plcfleet does not read (issue 15), which is
 * refused with one line naming the format, never parsed as ST.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import v8 from 'node:v8';
import { type Diagnostic, diagnosticView, EXIT } from '@plcfleet/protocols';
import {
  astToJson,
  type CompilationUnit,
  classifyPaths,
  decodeSource,
  filesOfBuild,
  formatDiagnostic,
  type LibraryReference,
  libraryFilesFor,
  loadProject,
  type MissingBuildFile,
  ProjectFileError,
  printUnit,
  readPlcopenLibraries,
  readPlcProj,
  readSource,
  sourceFormat,
} from '@plcfleet/toolchain/iec';
import { formatAx, formatScl, isSclFile, sclInfo } from '@plcfleet/toolchain/scl';
import type { Command } from 'commander';
import { libraryFiles, type ProjectOptions, projectFlags } from './sim-commands';

function usage(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = EXIT.USAGE;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readOne(file: string): Promise<string | undefined> {
  if (!(await exists(file))) {
    usage(`no such file: ${file}`);
    return undefined;
  }
  const st = await stat(file);
  if (!st.isFile()) {
    usage(`not a file: ${file}`);
    return undefined;
  }
  // decoded as compile decodes it: a Windows-1252 byte read as UTF-8 would become U+FFFD,
  // and `fmt --write` would write that into the file
  const text = decodeSource(await readFile(file));
  const v = sourceFormat(file, text.slice(0, 4096), true);
  if ('unsupported' in v && isL5x(file, v.unsupported)) {
    usage(
      `${file} is a Rockwell L5X export: it has no ST syntax tree (compile, fmt and ladder-to-st read it)`,
    );
    return undefined;
  }
  if (!('readable' in v) || v.readable === 'plcproj') {
    usage(
      refusal(file, 'unsupported' in v ? v.unsupported : 'a TwinCAT/CODESYS project file (compile reads it)'),
    );
    return undefined;
  }
  return text;
}

/** The one line that refuses a file plcfleet does not read. */
function refusal(file: string, format: string): string {
  return `cannot read ${file}: ${format} is not supported (plcfleet reads Structured Text, TwinCAT 3, PLCopen XML, Siemens SCL and Rockwell L5X)`;
}

/** One set of sources checked together: a PLC project's build, or the files under no project. */
interface SourceSet {
  files: string[];
  libraries: LibraryReference[];
  /** Files its `.plcproj` builds that are not on disk (ST3012; an unknown name of one is ST2001). */
  missing?: MissingBuildFile[];
}

/**
 * The source files to compile, in sets checked one at a time (decision 0133): each
 * `.plcproj` with the files in its build (and its system project's `.tsproj`) and its
 * own libraries when two or more PLC projects are found, else one set of everything;
 * under a `.plcproj` only the files in its build count. Undefined after a usage error
 * (a refused format, no readable source).
 */
async function sourcesOf(
  paths: string[],
): Promise<{ sets: SourceSet[]; libraries: LibraryReference[]; l5x: string[] } | undefined> {
  let found: Awaited<ReturnType<typeof classifyPaths>>;
  try {
    found = await classifyPaths(paths);
  } catch (err) {
    // a .tsproj whose PLC project is missing (decision 0157): a missing file, said as one
    if (!(err instanceof ProjectFileError)) throw err;
    usage(err.message);
    return undefined;
  }
  // a TwinCAT project's committed `_Libraries/` cache: skipped, said once per file (decision 0108)
  for (const lib of found.compiledLibraries) process.stderr.write(`note: ${lib.note}\n`);
  // a Rockwell L5X is read by the L5X checker (toolchain/l5x), not the ST front end
  const l5x = found.refused.filter((r) => isL5x(r.file, r.format)).map((r) => r.file);
  found.refused = found.refused.filter((r) => !isL5x(r.file, r.format));
  if (found.refused.length > 0) {
    for (const r of found.refused) process.stderr.write(`${refusal(r.file, r.format)}\n`);
    process.exitCode = EXIT.USAGE;
    return undefined;
  }
  let files = found.sources;
  const libraries: LibraryReference[] = [];
  const projects: (SourceSet & { file: string })[] = [];
  const missing: MissingBuildFile[] = [];
  for (const projFile of found.projects) {
    const proj = readPlcProj(await readFile(projFile, 'utf8'), projFile);
    for (const d of proj.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    const build = await filesOfBuild(files, proj);
    files = build.files;
    const own: SourceSet & { file: string } = {
      files: build.built,
      libraries: [],
      file: projFile,
      missing: build.missing,
    };
    missing.push(...build.missing);
    for (const lib of proj.libraries) {
      addLibrary(libraries, lib);
      addLibrary(own.libraries, lib);
    }
    projects.push(own);
  }
  // a CODESYS PLCopen export names its libraries in its addData (decision 0030)
  const xmlLibraries = async (set: SourceSet): Promise<SourceSet> => {
    for (const f of set.files)
      if (extname(f).toLowerCase() === '.xml')
        for (const lib of readPlcopenLibraries(await readFile(f, 'utf8'))) {
          addLibrary(set.libraries, lib);
          addLibrary(libraries, lib);
        }
    set.files.sort();
    return set;
  };
  if (files.length === 0 && l5x.length === 0) {
    usage(
      `no readable source (Structured Text .st, TwinCAT 3 .TcPOU/.TcDUT/.TcGVL, PLCopen XML .xml, Siemens SCL .scl/.db/.udt or Rockwell .L5X) in ${paths.join(', ')}`,
    );
    return undefined;
  }
  const sets: SourceSet[] = [];
  if (projects.length < 2) sets.push(await xmlLibraries({ files, libraries: [...libraries], missing }));
  else {
    // each PLC project on its own: a solution's projects may declare the same names. A system
    // project (`.tsproj`) one folder above a PLC project's folder that names it belongs to it
    // (decision 0130); files in no project's build are one more set
    const owned = new Set(projects.flatMap((p) => p.files));
    for (const p of projects) {
      const tsproj: string[] = [];
      for (const f of files)
        if (
          extname(f).toLowerCase() === '.tsproj' &&
          dirname(f) === dirname(dirname(p.file)) &&
          (await namesProject(f, p.file))
        )
          tsproj.push(f);
      for (const f of tsproj) owned.add(f);
      sets.push(
        await xmlLibraries({
          files: [...p.files, ...tsproj],
          libraries: p.libraries,
          missing: p.missing ?? [],
        }),
      );
    }
    const rest = files.filter((f) => !owned.has(f));
    if (rest.length > 0) sets.push(await xmlLibraries({ files: rest, libraries: [] }));
  }
  return { sets: sets.filter((s) => s.files.length > 0), libraries, l5x: l5x.sort() };
}

/**
 * Does this TwinCAT system project name this PLC project (its `.plcproj`, or the
 * `<folder>.xti` of an independent project file), as `classifyPaths` finds it?
 */
async function namesProject(tsproj: string, plcproj: string): Promise<boolean> {
  const text = (await readFile(tsproj, 'utf8')).toLowerCase();
  return [basename(plcproj), `${basename(dirname(plcproj))}.xti`].some((n) => text.includes(n.toLowerCase()));
}

/** Adds a library reference unless one of its name is there. */
function addLibrary(libraries: LibraryReference[], lib: LibraryReference): void {
  if (!libraries.some((l) => l.name.toUpperCase() === lib.name.toUpperCase())) libraries.push(lib);
}

/** Is this `.xml` file a Rockwell L5X export (by its root element)? */
async function isL5xXml(file: string): Promise<boolean> {
  if (extname(file).toLowerCase() !== '.xml' || !(await exists(file))) return false;
  const v = sourceFormat(file, (await readFile(file, 'utf8')).slice(0, 4096), true);
  return 'unsupported' in v && isL5x(file, v.unsupported);
}

/** Is this file (refused by the ST front end as `format`) a Rockwell L5X export? */
function isL5x(file: string, format = ''): boolean {
  return extname(file).toLowerCase() === '.l5x' || /\bL5X\b/.test(format);
}

/** One diagnostic line, as `formatDiagnostic` prints the ST front end's. */
function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

/**
 * The paths with each Git URL replaced by a temporary checkout, or undefined after
 * saying why one cannot be read (exit 2 for a bad URL or a missing ref, 5 for an
 * unreachable remote).
 */
async function checkoutsFor(
  paths: string[],
): Promise<{ paths: string[]; cleanup: () => Promise<void> } | undefined> {
  const git = await import('./git-checkouts');
  if (!git.hasGitUrl(paths)) return { paths, cleanup: async () => {} };
  try {
    return await git.gitCheckouts(paths);
  } catch (err) {
    usage((err as Error).message);
    if (git.isUnreachable(err)) process.exitCode = EXIT.UNREACHABLE;
    return undefined;
  }
}

/**
 * V8's budget for inlining into one optimised function during `compile` (decision 0095; V8's
 * default is 920 bytes of bytecode). A compile is one short cold run: TurboFan inlining the
 * parser's and checker's large rules into each other cost more compiling (on a second thread,
 * which a loaded machine shares) than the inlined code saved before the process exits. Set
 * for `compile` only: the simulator's commands keep the default, their code runs long.
 */
const COMPILE_INLINING_BUDGET = '--max-inlined-bytecode-size-cumulative=200';

/** `compile`'s options: the project flags every loading command takes, and its own. */
interface CompileFlags extends ProjectOptions {
  syntaxOnly?: boolean;
  json?: boolean;
  externals?: string;
}

/** Registers `compile`, `fmt` and `ast`. */
export function registerIecCommands(program: Command): void {
  projectFlags(
    program
      .command('compile')
      .description(
        'parse and check Structured Text (.st, TwinCAT .TcPOU/.TcDUT/.TcGVL, PLCopen .xml, Siemens SCL) and Rockwell .L5X',
      )
      .argument('<path...>', 'files or directories (searched recursively), or git+…://repo#REF[:SUBDIR]')
      .option('--syntax-only', 'stop after parsing')
      .option('--json', 'print one JSON object')
      .option(
        '--externals <file>',
        'declarations of vendor library symbols: an .st stub file or a list of names',
      ),
  ).action(async (given: string[], opts: CompileFlags) => {
    v8.setFlagsFromString(COMPILE_INLINING_BUDGET);
    const checkouts = await checkoutsFor(given);
    if (!checkouts) return;
    try {
      await compile(checkouts.paths, opts);
    } finally {
      await checkouts.cleanup();
    }
  });
  async function compile(paths: string[], opts: CompileFlags): Promise<void> {
    for (const p of paths) {
      if (!(await exists(p))) return usage(`no such file or directory: ${p}`);
    }
    if (opts.externals !== undefined && !(await exists(opts.externals)))
      return usage(`no such externals file: ${opts.externals}`);
    if (opts.libraries !== undefined && !(await exists(opts.libraries)))
      return usage(`no such library directory: ${opts.libraries}`);
    if (opts.models !== undefined && !(await exists(opts.models)))
      return usage(`no such behaviour model directory: ${opts.models}`);
    const sources = await sourcesOf(paths);
    if (!sources) return;
    const given = opts.libraries === undefined ? [] : await libraryFiles(opts.libraries);
    const models = opts.models ? await libraryFiles(opts.models) : undefined;
    const t0 = performance.now();
    const diagnostics: Diagnostic[] = [];
    let files = 0;
    let lines = 0;
    let pous = 0;
    const countPous = (u: CompilationUnit): void => {
      for (const d of u.declarations)
        if (d.kind === 'Program' || d.kind === 'Function' || d.kind === 'FunctionBlock') pous++;
    };
    // one load per set (decision 0133): the sums are the solution's
    for (const set of sources.sets) {
      const externalsFiles = opts.externals === undefined ? [] : [opts.externals];
      // only the libraries a project references (and Beckhoff's own beside a TwinCAT one), else all
      if (opts.libraries !== undefined) externalsFiles.push(...libraryFilesFor(given, set.libraries));
      const st = await loadProject(set.files, {
        syntaxOnly: opts.syntaxOnly === true,
        externalsFiles,
        ...(opts.define ? { defines: opts.define.filter((d) => d !== '') } : {}),
        ...(models ? { behaviourModels: models } : {}),
        // a name found nowhere is then attributed to the .plcproj's libraries not given
        ...(set.libraries.length > 0 ? { libraryReferences: set.libraries } : {}),
        // a build file not on disk: said once (ST3012), and an unknown name of one named (ST2001)
        ...(set.missing?.length ? { missingBuildFiles: set.missing } : {}),
        // parse only: each tree is counted and let go, not kept to the end (decision 0166)
        eachUnit: countPous,
        // compile reads no comment: trees without them are cheaper to make and keep (decision 0173)
        comments: false,
        // nor the checked project's expression types and references: only the diagnostics (decision 0124)
        recordExpressions: false,
      });
      diagnostics.push(...st.diagnostics.map(diagnosticView));
      files += st.project.files.length;
      lines += st.project.lines;
      if (opts.syntaxOnly !== true) for (const u of st.project.units) countPous(u);
    }
    if (sources.l5x.length > 0) {
      // an L5X's POUs are its programs and Add-On Instructions
      const { checkL5x } = await import('@plcfleet/toolchain/l5x');
      for (const file of sources.l5x) {
        const r = checkL5x(new Uint8Array(await readFile(file)), file, {
          syntaxOnly: opts.syntaxOnly === true,
        });
        diagnostics.push(...r.diagnostics);
        files++;
        lines += r.lines;
        pous += r.pous;
      }
    }
    const ms = Math.round(performance.now() - t0);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    if (opts.json) {
      const out = {
        files,
        lines,
        pous,
        errors,
        warnings,
        diagnostics: diagnostics.map(diagnosticView),
        ms,
        // only when a .plcproj or a CODESYS PLCopen export names libraries: those, with versions
        ...(sources.libraries.length > 0 ? { libraries: sources.libraries } : {}),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      for (const d of diagnostics) process.stdout.write(`${diagnosticLine(d)}\n`);
      if (sources.libraries.length > 0)
        process.stdout.write(
          `libraries: ${sources.libraries.map((l) => `${l.name} ${l.version ?? '?'}`).join(', ')}\n`,
        );
      process.stdout.write(
        `${files} files, ${lines} lines, ${pous} POUs: ${errors} errors, ${warnings} warnings (${ms} ms)\n`,
      );
    }
    process.exitCode = errors > 0 ? EXIT.FAILED : EXIT.OK;
  }

  program
    .command('fmt')
    .description(
      'print the canonical Structured Text of one file (Siemens SCL re-indented, as SCL; an L5X as its routines)',
    )
    .argument('<file>', 'source file')
    .option(
      '--write',
      "rewrite the file in place (plain .st, Siemens SCL .scl/.db/.udt as SCL, an L5X's ST routines re-indented)",
    )
    .option('--check', 'write nothing; exit 1 when --write would change the file')
    .option(
      '--routine <PROGRAM/ROUTINE>',
      'an L5X routine to print or format (repeatable; all by default)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (file: string, opts: { write?: boolean; check?: boolean; routine?: string[] }) => {
      if (opts.write && opts.check) return usage('fmt takes --write or --check, not both');
      if (isL5x(file) || (await isL5xXml(file))) return fmtL5x(file, opts);
      if (opts.routine) return usage(`fmt --routine selects routines of an L5X file, not of ${file}`);
      const text = await readOne(file);
      if (text === undefined) return;
      const scl = isSclFile(file);
      if (opts.write && !scl && extname(file).toLowerCase() !== '.st')
        return usage(`fmt --write rewrites plain .st and SCL .scl/.db/.udt files only, not ${file}`);
      const { unit, diagnostics } = readSource(text, file);
      // a SIMATIC AX .st is read through the SCL lowering: the ST printer would drop its
      // NAMESPACE and rewrite its statements, so it is re-indented as AX (formatAx)
      const ax = !scl && sclInfo(unit) !== undefined;
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        // never print or write a program we could not read completely
        for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.exitCode = EXIT.FAILED;
        return;
      }
      // SCL is printed as SCL, re-indented (decision 0023); its lowered ST is no source anyone keeps
      const printed = scl ? formatScl(text) : ax ? formatAx(text) : printUnit(unit);
      if (opts.check) return checked(file, printed !== text);
      if (opts.write) {
        if (printed !== text) await writeFile(file, printed);
      } else process.stdout.write(printed);
      process.exitCode = EXIT.OK;
    });

  /** `fmt --check`'s answer: exit 1 naming the file when it is not formatted. */
  function checked(file: string, differs: boolean): void {
    if (differs) process.stdout.write(`${file}: not formatted (fmt --write would change it)\n`);
    process.exitCode = differs ? EXIT.FAILED : EXIT.OK;
  }

  /**
   * `fmt` of an L5X: prints the routines (ladder as neutral text, one rung per line after its
   * comment; ST re-indented); `--write` re-indents the ST routines in the file and leaves every
   * other byte, so a formatted file stays byte-identical.
   */
  async function fmtL5x(file: string, opts: { write?: boolean; check?: boolean; routine?: string[] }) {
    if (!(await exists(file))) return usage(`no such file: ${file}`);
    const l5x = await import('@plcfleet/toolchain/l5x');
    const bytes = new Uint8Array(await readFile(file));
    let project: ReturnType<typeof l5x.readL5x>;
    try {
      project = l5x.readL5x(bytes);
    } catch (e) {
      // never print or write a file we could not read completely
      process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
      process.exitCode = EXIT.FAILED;
      return;
    }
    try {
      if (opts.write || opts.check) {
        const out = l5x.formatL5xFile(project, opts.routine ?? []);
        const differs = !Buffer.from(out).equals(Buffer.from(bytes));
        if (opts.check) return checked(file, differs);
        if (differs) await writeFile(file, out);
      } else process.stdout.write(l5x.formatL5xRoutines(project, opts.routine ?? []));
    } catch (e) {
      return usage((e as Error).message);
    }
    process.exitCode = EXIT.OK;
  }

  program
    .command('ast')
    .description('dump the syntax tree of one file as JSON')
    .argument('<file>', 'source file')
    .option('--json', 'JSON output (the only format)')
    .action(async (file: string) => {
      const text = await readOne(file);
      if (text === undefined) return;
      const { unit, diagnostics } = readSource(text, file);
      process.stdout.write(`${astToJson(unit)}\n`);
      for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      process.exitCode = diagnostics.some((d) => d.severity === 'error') ? EXIT.FAILED : EXIT.OK;
    });
}

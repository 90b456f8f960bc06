/**
 * `plcfleet-agent compile | fmt | ast`: the IEC 61131-3 front end on the
 * command line (issue 3). Exit codes: 0 no errors, 1 errors, 2 bad usage —
 * including a file in a format plcfleet does not read (issue 15), which is
 * refused with one line naming the format, never parsed as ST.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { diagnosticView, EXIT } from '@plcfleet/protocols';
import {
  astToJson,
  classifyPaths,
  formatDiagnostic,
  type LibraryReference,
  loadProject,
  printUnit,
  readPlcProj,
  readSource,
  sourceFormat,
} from '@plcfleet/toolchain/iec';
import { formatScl, isSclFile, sclInfo } from '@plcfleet/toolchain/scl';
import type { Command } from 'commander';

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
  const text = await readFile(file, 'utf8');
  const v = sourceFormat(file, text.slice(0, 4096), true);
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
  return `cannot read ${file}: ${format} is not supported (plcfleet reads Structured Text, TwinCAT 3, PLCopen XML and Siemens SCL)`;
}

/** `.st` files under a library interface or behaviour model directory (`--libraries`, `--models`); a file is itself. */
async function libraryFiles(dir: string): Promise<string[]> {
  if ((await stat(dir)).isFile()) return [dir];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await libraryFiles(full)));
    else if (extname(e.name).toLowerCase() === '.st') out.push(full);
  }
  return out.sort();
}

/**
 * The source files to compile: what the paths hold, except that under a
 * `.plcproj` only the files in its build count. Undefined after a usage
 * error (a refused format, no readable source).
 */
async function sourcesOf(
  paths: string[],
): Promise<{ files: string[]; libraries: LibraryReference[] } | undefined> {
  const found = await classifyPaths(paths);
  if (found.refused.length > 0) {
    for (const r of found.refused) process.stderr.write(`${refusal(r.file, r.format)}\n`);
    process.exitCode = EXIT.USAGE;
    return undefined;
  }
  let files = found.sources;
  const libraries: LibraryReference[] = [];
  for (const projFile of found.projects) {
    const proj = readPlcProj(await readFile(projFile, 'utf8'), projFile);
    for (const d of proj.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    const dir = dirname(projFile);
    const inBuild = new Set(proj.sources);
    files = files.filter((f) => relative(dir, f).startsWith('..') || inBuild.has(f));
    for (const f of proj.sources) {
      const v = sourceFormat(f, '', true);
      if ('readable' in v && !files.includes(f) && (await exists(f))) files.push(f);
    }
    for (const lib of proj.libraries)
      if (!libraries.some((l) => l.name.toUpperCase() === lib.name.toUpperCase())) libraries.push(lib);
  }
  if (files.length === 0) {
    usage(
      `no readable source (Structured Text .st, TwinCAT 3 .TcPOU/.TcDUT/.TcGVL, PLCopen XML .xml or Siemens SCL .scl/.db/.udt) in ${paths.join(', ')}`,
    );
    return undefined;
  }
  return { files: files.sort(), libraries };
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

/** Registers `compile`, `fmt` and `ast`. */
export function registerIecCommands(program: Command): void {
  program
    .command('compile')
    .description('parse and check Structured Text (.st, TwinCAT .TcPOU/.TcDUT/.TcGVL, PLCopen .xml)')
    .argument('<path...>', 'files or directories (searched recursively), or git+…://repo#REF[:SUBDIR]')
    .option('--syntax-only', 'stop after parsing')
    .option('--json', 'print one JSON object')
    .option(
      '--externals <file>',
      'declarations of vendor library symbols: an .st stub file or a list of names',
    )
    .option('--libraries <dir>', 'a directory of library interface files (.st declarations, no bodies)')
    .option(
      '--models <dir>',
      'behaviour models in ST of library POUs (.st files): each replaces the library declaration of its name',
    )
    .option(
      '--define <names>',
      'compile the {IF defined(...)} branches of this define set (comma-separated; repeatable)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((d) => d.trim())],
    )
    .action(
      async (
        given: string[],
        opts: {
          syntaxOnly?: boolean;
          json?: boolean;
          externals?: string;
          libraries?: string;
          models?: string;
          define?: string[];
        },
      ) => {
        const checkouts = await checkoutsFor(given);
        if (!checkouts) return;
        try {
          await compile(checkouts.paths, opts);
        } finally {
          await checkouts.cleanup();
        }
      },
    );
  async function compile(
    paths: string[],
    opts: {
      syntaxOnly?: boolean;
      json?: boolean;
      externals?: string;
      libraries?: string;
      models?: string;
      define?: string[];
    },
  ): Promise<void> {
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
    const externalsFiles = opts.externals === undefined ? [] : [opts.externals];
    if (opts.libraries !== undefined) externalsFiles.push(...(await libraryFiles(opts.libraries)));
    const t0 = performance.now();
    const { project, diagnostics } = await loadProject(sources.files, {
      syntaxOnly: opts.syntaxOnly === true,
      externalsFiles,
      ...(opts.define ? { defines: opts.define.filter((d) => d !== '') } : {}),
      ...(opts.models ? { behaviourModels: await libraryFiles(opts.models) } : {}),
      // a name found nowhere is then attributed to the .plcproj's libraries not given
      ...(sources.libraries.length > 0 ? { libraryReferences: sources.libraries } : {}),
    });
    const ms = Math.round(performance.now() - t0);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    let pous = 0;
    for (const u of project.units)
      for (const d of u.declarations)
        if (d.kind === 'Program' || d.kind === 'Function' || d.kind === 'FunctionBlock') pous++;
    if (opts.json) {
      const out = {
        files: project.files.length,
        lines: project.lines,
        pous,
        errors,
        warnings,
        diagnostics: diagnostics.map(diagnosticView),
        ms,
        // only when a .plcproj was read: the libraries it references, with versions
        ...(sources.libraries.length > 0 ? { libraries: sources.libraries } : {}),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      if (sources.libraries.length > 0)
        process.stdout.write(
          `libraries: ${sources.libraries.map((l) => `${l.name} ${l.version ?? '?'}`).join(', ')}\n`,
        );
      process.stdout.write(
        `${project.files.length} files, ${project.lines} lines, ${pous} POUs: ${errors} errors, ${warnings} warnings (${ms} ms)\n`,
      );
    }
    process.exitCode = errors > 0 ? EXIT.FAILED : EXIT.OK;
  }

  program
    .command('fmt')
    .description('print the canonical Structured Text of one file (Siemens SCL re-indented, as SCL)')
    .argument('<file>', 'source file')
    .option('--write', 'rewrite the file in place (plain .st, or Siemens SCL .scl/.db/.udt as SCL)')
    .action(async (file: string, opts: { write?: boolean }) => {
      const text = await readOne(file);
      if (text === undefined) return;
      const scl = isSclFile(file);
      if (opts.write && !scl && extname(file).toLowerCase() !== '.st')
        return usage(`fmt --write rewrites plain .st and SCL .scl/.db/.udt files only, not ${file}`);
      const { unit, diagnostics } = readSource(text, file);
      // a SIMATIC AX .st is read through the SCL lowering: the ST printer would drop its
      // NAMESPACE and rewrite its statements, and formatScl does not know AX blocks
      if (!scl && sclInfo(unit) !== undefined)
        return usage(`fmt does not format SIMATIC AX sources yet, not ${file}`);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        // never print or write a program we could not read completely
        for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.exitCode = EXIT.FAILED;
        return;
      }
      // SCL is printed as SCL, re-indented (decision 0023); its lowered ST is no source anyone keeps
      const printed = scl ? formatScl(text) : printUnit(unit);
      if (opts.write) {
        if (printed !== text) await writeFile(file, printed);
      } else process.stdout.write(printed);
      process.exitCode = EXIT.OK;
    });

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

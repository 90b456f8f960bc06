/**
 * `plcfleet-agent compile | fmt | ast`: the IEC 61131-3 front end on the
 * command line (issue 3). Exit codes: 0 no errors, 1 errors, 2 bad usage.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { astToJson, formatDiagnostic, loadProject, printUnit, readSource } from '@plcfleet/toolchain/iec';
import type { Command } from 'commander';

function usage(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 2;
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
  return readFile(file, 'utf8');
}

/** Registers `compile`, `fmt` and `ast`. */
export function registerIecCommands(program: Command): void {
  program
    .command('compile')
    .description('parse and check Structured Text (.st, TwinCAT .TcPOU/.TcDUT/.TcGVL, PLCopen .xml)')
    .argument('<path...>', 'files or directories (searched recursively)')
    .option('--syntax-only', 'stop after parsing')
    .option('--json', 'print one JSON object')
    .option(
      '--externals <file>',
      'declarations of vendor library symbols: an .st stub file or a list of names',
    )
    .action(async (paths: string[], opts: { syntaxOnly?: boolean; json?: boolean; externals?: string }) => {
      for (const p of paths) {
        if (!(await exists(p))) return usage(`no such file or directory: ${p}`);
      }
      if (opts.externals !== undefined && !(await exists(opts.externals)))
        return usage(`no such externals file: ${opts.externals}`);
      const t0 = performance.now();
      const { project, diagnostics } = await loadProject(paths, {
        syntaxOnly: opts.syntaxOnly === true,
        externalsFiles: opts.externals === undefined ? [] : [opts.externals],
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
          diagnostics: diagnostics.map((d) => ({
            file: d.file,
            line: d.line,
            column: d.column,
            endLine: d.endLine,
            endColumn: d.endColumn,
            severity: d.severity,
            code: d.code,
            message: d.message,
          })),
          ms,
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
        process.stdout.write(
          `${project.files.length} files, ${project.lines} lines, ${pous} POUs: ${errors} errors, ${warnings} warnings (${ms} ms)\n`,
        );
      }
      process.exitCode = errors > 0 ? 1 : 0;
    });

  program
    .command('fmt')
    .description('print the canonical Structured Text of one file')
    .argument('<file>', 'source file')
    .option('--write', 'rewrite the file in place (plain .st only)')
    .action(async (file: string, opts: { write?: boolean }) => {
      const text = await readOne(file);
      if (text === undefined) return;
      if (opts.write && extname(file).toLowerCase() !== '.st')
        return usage(`fmt --write rewrites plain .st files only, not ${file}`);
      const { unit, diagnostics } = readSource(text, file);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        // never print or write a program we could not read completely
        for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.exitCode = 1;
        return;
      }
      const printed = printUnit(unit);
      if (opts.write) {
        if (printed !== text) await writeFile(file, printed);
      } else process.stdout.write(printed);
      process.exitCode = 0;
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
      process.exitCode = diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    });
}

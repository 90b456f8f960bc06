/**
 * TwinCAT 3 tasks (`.TcTTO`). A TwinCAT PLC project has no CONFIGURATION: what its runtime
 * runs is written in its task objects, one file per task, each naming the task
 * (`<Task Name=…>`), its cycle time in microseconds (`<CycleTime>`), its priority and the
 * programs it calls each cycle in order (`<PouCall><Name>`). Read here into the configuration
 * IEC 61131-3 would write for it (one TASK per file, one `PROGRAM p WITH task : p` per call, the
 * instance named as the program, as TwinCAT names it), so the checker, the simulator and the
 * safety proofs see the programs the PLC runs, in its order — not one program picked by hand
 * while another that the task also runs is left out.
 *
 * Every position points into the task file: the TASK at its `<Task>` element, each program at
 * its `<PouCall>`.
 */
import { basename, dirname } from 'node:path';
import type { CompilationUnit, ConfigurationDecl } from './ast';
import { remapSpans } from './ast-utils';
import { Gen, pushMapped } from './converted-text';
import { diagnostic } from './diagnostics';
import { type ParseResult, parseSource } from './parser';
import { child, childrenNamed, LineMap, textOf } from './xml';
import { openXmlRoot, type XmlSourceContext, xmlSpan } from './xml-source';

/** The file extension of a TwinCAT task object. */
export const TWINCAT_TASK_EXTENSION = '.tctto';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An identifier for the PLC project a task file belongs to: its folder's name. */
function projectName(file: string): string {
  const name = basename(dirname(file)).replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}

/**
 * Reads one `.TcTTO` into a unit holding a CONFIGURATION named after the PLC project's folder
 * with the file's task and the programs it calls. A file that is not a task object, or a task
 * that calls nothing, gives a unit with no declarations; a name that cannot be an IEC
 * identifier is an error at its element (the task would not build).
 */
export function readTcTto(text: string, file: string, lines = new LineMap(text)): ParseResult {
  const ctx: XmlSourceContext = { text, file, lines, diagnostics: [] };
  const empty: CompilationUnit = {
    kind: 'CompilationUnit',
    file,
    format: 'twincat',
    declarations: [],
    comments: [],
    span: xmlSpan(ctx, 0, text.length),
  };
  const root = openXmlRoot(ctx, 'TcPlcObject', 'no <TcPlcObject> element');
  const task = child(root, 'Task');
  if (!task) return { unit: empty, diagnostics: ctx.diagnostics };
  const taskSpan = xmlSpan(ctx, task.start, task.end);
  const name = task.attrs.get('Name')?.value ?? '';
  const number = (el: ReturnType<typeof child>): number | undefined => {
    const t = el ? textOf(text, el).trim() : '';
    return /^\d+$/.test(t) ? Number(t) : undefined;
  };
  const cycleUs = number(child(task, 'CycleTime'));
  const priority = number(child(task, 'Priority'));
  const calls = childrenNamed(task, 'PouCall').map((c) => {
    const n = child(c, 'Name');
    return { name: n ? textOf(text, n).trim() : '', span: xmlSpan(ctx, c.start, c.end) };
  });
  const bad = [{ name, span: taskSpan }, ...calls].find((c) => !IDENTIFIER.test(c.name));
  if (bad) {
    ctx.diagnostics.push(
      diagnostic('ST1012', bad.span, file, `'${bad.name}' is not a name a task or a program can have`),
    );
    return { unit: empty, diagnostics: ctx.diagnostics };
  }
  if (calls.length === 0) return { unit: empty, diagnostics: ctx.diagnostics };
  const g = new Gen();
  g.push(`CONFIGURATION ${projectName(file)}`, taskSpan);
  const options = [
    ...(cycleUs !== undefined ? [`INTERVAL := T#${cycleUs}us`] : []),
    ...(priority !== undefined ? [`PRIORITY := ${priority}`] : []),
  ];
  g.push(`TASK ${name}${options.length ? ` (${options.join(', ')})` : ''};`, taskSpan);
  for (const c of calls) g.push(`PROGRAM ${c.name} WITH ${name} : ${c.name};`, c.span);
  g.push('END_CONFIGURATION', taskSpan);
  const parsed = parseSource(g.text(), file, { comments: false });
  const map = (s: { line: number }) => g.origins[s.line - 1] ?? taskSpan;
  remapSpans(parsed.unit.declarations, map);
  pushMapped(ctx.diagnostics, parsed.diagnostics, map);
  return { unit: { ...empty, declarations: parsed.unit.declarations }, diagnostics: ctx.diagnostics };
}

/**
 * One CONFIGURATION per PLC project: TwinCAT runs every task of a project, so the
 * configurations read from the task files of one folder (see {@link readTcTto}) are merged into
 * the first, tasks and program calls in file order, and the folder's other task units are left
 * empty. Task files of different folders are different projects (a compile of a folder of
 * several) and stay apart. The units given are not changed (a cache may share them): the
 * result holds new units where a merge changed one.
 */
export function mergeTaskConfigurations(units: readonly CompilationUnit[]): CompilationUnit[] {
  const isTask = (u: CompilationUnit) =>
    u.file.toLowerCase().endsWith(TWINCAT_TASK_EXTENSION) && u.declarations.length > 0;
  const byFolder = new Map<string, CompilationUnit[]>();
  for (const u of units) {
    if (!isTask(u)) continue;
    const folder = byFolder.get(dirname(u.file));
    if (folder) folder.push(u);
    else byFolder.set(dirname(u.file), [u]);
  }
  const replaced = new Map<CompilationUnit, CompilationUnit>();
  for (const [first, ...rest] of byFolder.values()) {
    if (!first || rest.length === 0) continue;
    const configs = [first, ...rest].map((u) => u.declarations[0] as ConfigurationDecl);
    const merged: ConfigurationDecl = {
      ...configs[0]!,
      tasks: configs.flatMap((c) => c.tasks),
      programs: configs.flatMap((c) => c.programs),
    };
    replaced.set(first, { ...first, declarations: [merged] });
    for (const u of rest) replaced.set(u, { ...u, declarations: [] });
  }
  return units.map((u) => replaced.get(u) ?? u);
}

/**
 * Branch and CASE-arm coverage of a candidate run in shadow (issue #21, ADR 0055).
 *
 * The virtual PLC has no branch counters, and the normal simulator must not pay for them.
 * So the candidate shadow runs is an instrumented copy: its own parse of the sources, in
 * which every IF, ELSIF and ELSE body and every CASE arm starts with
 * `PLCFLEET_COVERAGE[k] := TRUE;` — one BOOL of a global array the instrumentation adds.
 * An IF or CASE without ELSE gets an ELSE holding only its mark, so "no branch taken" is
 * measured too (a condition that was never false is a gap). The marks change no variable of
 * the program, and they are read once, when the report is written.
 */

import { relative, sep } from 'node:path';
import {
  type CaseStatement,
  type CheckedProject,
  type CompilationUnit,
  checkProject,
  type Diagnostic,
  type IfStatement,
  parseSource,
  printNode,
  type Span,
  type Statement,
  walk,
} from '@plcfleet/toolchain/iec';
import { compileProgram, type VirtualPlc } from '@plcfleet/toolchain/sim';
import { PlantIoError } from '../edge-agent-error';

/** One branch point: where it is and what it is, as people read it. */
interface Point {
  /** `file:line KIND detail`, e.g. `ctl.st:12 ELSIF Level > 600`. */
  label: string;
  arm: boolean;
}

/** Branches (IF/ELSIF/ELSE) and CASE arms the run took at least once. */
export interface BranchCoverage {
  branches: { total: number; taken: number; notTaken: string[] };
  caseArms: { total: number; taken: number; notTaken: string[] };
}

/** The candidate compiled with its marks, and how to read them. */
export interface InstrumentedCandidate {
  plc: VirtualPlc;
  /** Which marks are set now. */
  coverage(): BranchCoverage;
}

/** Source text of an expression, shortened for a label. */
function shown(node: Parameters<typeof printNode>[0]): string {
  const t = printNode(node).replace(/\s+/g, ' ').trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** Every IF and CASE statement of the units, in source order. */
function branchStatements(units: readonly CompilationUnit[]): (IfStatement | CaseStatement)[] {
  const found: (IfStatement | CaseStatement)[] = [];
  for (const u of units)
    walk(u, (n) => {
      if (n.kind === 'If' || n.kind === 'Case') found.push(n);
      return undefined;
    });
  return found;
}

/** A name for the mark array that no declaration or reference of the units uses. */
function markName(units: readonly CompilationUnit[]): string {
  const used = new Set<string>();
  for (const u of units)
    walk(u, (n) => {
      const name = (n as { name?: unknown }).name;
      if (typeof name === 'string') used.add(name.toUpperCase());
      return undefined;
    });
  let name = 'PLCFLEET_COVERAGE';
  for (let i = 2; used.has(name); i++) name = `PLCFLEET_COVERAGE_${i}`;
  return name;
}

/** The global array and `n` mark statements (`NAME[k] := TRUE;`), parsed so the checker binds them. */
function marks(name: string, n: number): { unit: CompilationUnit; statements: Statement[] } {
  const lines = Array.from({ length: n }, (_, k) => `${name}[${k}] := TRUE;`);
  const text = `VAR_GLOBAL\n  ${name} : ARRAY[0..${Math.max(n, 1) - 1}] OF BOOL;\nEND_VAR\nPROGRAM ${name}_MARKS\n${lines.join('\n')}\nEND_PROGRAM\n`;
  const r = parseSource(text, 'plcfleet-coverage.st');
  const program = r.unit.declarations[1];
  if (r.diagnostics.length > 0 || program?.kind !== 'Program')
    throw new Error(`internal: coverage marks do not parse: ${r.diagnostics[0]?.message ?? 'no program'}`);
  // only the global array stays: the marks go into the candidate's bodies
  r.unit.declarations.length = 1;
  return { unit: r.unit, statements: program.body };
}

/**
 * Puts a mark at the start of every branch of `units` (in place: pass a parse of your own).
 * Returns the points in mark order and the unit declaring the mark array.
 */
function instrument(units: CompilationUnit[], fileLabel: (file: string) => string) {
  const points: Point[] = [];
  const bodies: Statement[][] = [];
  const where = (s: Span) => `${fileLabel(s.file)}:${s.line}`;
  const add = (body: Statement[], label: string, arm: boolean) => {
    points.push({ label, arm });
    bodies.push(body);
  };
  for (const s of branchStatements(units)) {
    if (s.kind === 'If') {
      add(s.then, `${where(s.span)} IF ${shown(s.condition)}`, false);
      for (const e of s.elsifs) add(e.body, `${where(e.span)} ELSIF ${shown(e.condition)}`, false);
      if (!s.else) s.else = [];
      add(s.else, `${where(s.span)} ${s.else.length > 0 ? 'ELSE' : '(no ELSE: no condition true)'}`, false);
    } else {
      const selector = shown(s.selector);
      for (const b of s.branches)
        add(b.body, `${where(b.span)} CASE ${selector} OF ${b.labels.map((l) => shown(l)).join(', ')}`, true);
      if (!s.else) s.else = [];
      add(
        s.else,
        `${where(s.span)} CASE ${selector} ${s.else.length > 0 ? 'ELSE' : '(no ELSE: no label matched)'}`,
        true,
      );
    }
  }
  const name = markName(units);
  const m = marks(name, points.length);
  bodies.forEach((body, k) => {
    body.unshift(m.statements[k]!);
  });
  return { points, name, unit: m.unit };
}

/** The first error of a front end's diagnostics, as one line. */
function firstError(diagnostics: readonly Diagnostic[]): string | undefined {
  const d = diagnostics.find((x) => x.severity === 'error');
  return d ? `${d.file}:${d.line}:${d.column}: ${d.code} ${d.message}` : undefined;
}

/** Options of {@link compileInstrumented} and {@link compileInstrumentedProject}. */
interface CandidateOptions {
  program?: string;
  cycleMs?: number;
}

/** Marks checked units, checks them again with the marks and compiles them. */
function compileMarked(
  units: CompilationUnit[],
  libraryUnits: readonly CompilationUnit[],
  options: CandidateOptions,
  fileLabel: (file: string) => string,
): InstrumentedCandidate {
  const { points, name, unit } = instrument(units, fileLabel);
  const all = [unit, ...units];
  const checked = checkProject(all, { externals: [...libraryUnits] });
  const markErr = firstError(checked.diagnostics);
  if (markErr)
    throw new PlantIoError('PROGRAM_REFUSED', `program does not compile with coverage marks: ${markErr}`);
  let plc: VirtualPlc;
  try {
    plc = compileProgram(
      {
        units: all,
        diagnostics: checked.diagnostics,
        checked: checked.checked as CheckedProject,
        libraryUnits,
      },
      {
        cycleMs: options.cycleMs ?? 10,
        ...(options.program ? { program: options.program } : {}),
      },
    );
  } catch (e) {
    throw new PlantIoError('PROGRAM_REFUSED', (e as Error).message, {}, { cause: e });
  }
  return {
    plc,
    coverage: () => {
      // resolved at every read: the shadow may have restored the candidate's state since
      const set = (points.length > 0 ? plc.accessor(name).get() : []) as boolean[];
      const part = (arm: boolean) => {
        const mine = points.map((p, k) => ({ p, hit: set[k] === true })).filter((x) => x.p.arm === arm);
        const notTaken = mine.filter((x) => !x.hit).map((x) => x.p.label);
        return { total: mine.length, taken: mine.length - notTaken.length, notTaken };
      };
      return { branches: part(false), caseArms: part(true) };
    },
  };
}

/**
 * Compiles ST files for shadow with every branch marked. The program is checked before it
 * is marked (an error names the candidate's own line); throws a PlantIoError
 * PROGRAM_REFUSED when it does not compile or the simulator refuses it.
 */
export function compileInstrumented(
  files: readonly { name: string; text: string }[],
  options: CandidateOptions = {},
): InstrumentedCandidate {
  const units: CompilationUnit[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const r = parseSource(f.text, f.name);
    units.push(r.unit);
    diagnostics.push(...r.diagnostics);
  }
  if (!firstError(diagnostics)) diagnostics.push(...checkProject(units).diagnostics);
  const err = firstError(diagnostics);
  if (err) throw new PlantIoError('PROGRAM_REFUSED', `program does not compile: ${err}`);
  return compileMarked(units, [], options, (f) => f);
}

/**
 * The same for a project as the simulator's loader gives it (`loadSimProject`: any format
 * the front end reads, library interfaces, behaviour models, the define set). Its units
 * are marked in place: pass a load of your own. Labels name files relative to `root`.
 */
export function compileInstrumentedProject(
  project: {
    units: CompilationUnit[];
    diagnostics: readonly Diagnostic[];
    libraryUnits: readonly CompilationUnit[];
  },
  options: CandidateOptions & { root?: string } = {},
): InstrumentedCandidate {
  const err = firstError(project.diagnostics);
  if (err) throw new PlantIoError('PROGRAM_REFUSED', `program does not compile: ${err}`);
  const root = options.root;
  return compileMarked(project.units, project.libraryUnits, options, (f) =>
    root ? relative(root, f).split(sep).join('/') || f : f,
  );
}

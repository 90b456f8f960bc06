/**
 * Recipes on Rockwell L5X exports: each Logix ST routine (`<Routine Type="ST">`)
 * is read with the toolchain's L5X reader and parsed as an ST body, so a rule's
 * pattern matches on it as on any ST program; the edited body goes back into
 * the routine's `<Line>` elements through the L5X writer, every other byte of
 * the file unchanged. Ladder (RLL) routines have no ST text and are not edited.
 */
import { type L5xProject, type L5xRoutine, readL5x, stLinesEdits, writeL5x } from '@plcfleet/toolchain/l5x';
import type { ProgramFile } from '../sources';
import { outlineUnit, type PouOutline } from './st-ast';
import { type ParsedFile, parseProgramFile } from './st-front-end';

/** True for an L5X export: by its name, or an `.xml` whose root is RSLogix5000Content (as the executor's compile step tells). */
export function isL5xFile(file: ProgramFile): boolean {
  if (/\.l5x$/i.test(file.path)) return true;
  return /\.xml$/i.test(file.path) && /<RSLogix5000Content[\s>]/.test(file.text.slice(0, 4096));
}

/** One ST routine of an L5X, parsed as an ST program whose body is the routine's lines. */
export interface L5xStRoutine {
  /** `PROGRAM/ROUTINE` (or `AOI/ROUTINE`): what the scope's `pous` globs match. */
  name: string;
  routine: L5xRoutine;
  /** The routine's lines wrapped in a PROGRAM, parsed. */
  parsed: ParsedFile;
  pou: PouOutline;
  /** Offset of the body (the routine's first line) in `parsed.file.text`. */
  bodyStart: number;
  /** The file line (1-based) of each of the routine's lines: its `<Line>`'s CDATA (else the element). */
  fileLines: number[];
  /** Offsets in the project's text of what lies inside `<STContent>` (the routine's lines). */
  content: { start: number; end: number };
}

/** An L5X's routines as recipes see them. */
export interface L5xRoutines {
  project: L5xProject;
  st: L5xStRoutine[];
  /** `PROGRAM/ROUTINE` of each ladder (RLL) routine. */
  ladder: string[];
}

/** A name the ST parser takes for the wrapping PROGRAM. */
function programName(name: string): string {
  return `L5X_${name.replace(/\W/g, '_')}`;
}

/** Reads an L5X's routines. Throws the reader's `L5xError` when the file is no L5X. */
export function l5xRoutines(file: ProgramFile): L5xRoutines {
  const project = readL5x(file.text);
  const owners = [
    ...project.programs.map((p) => ({ name: p.name, routines: p.routines })),
    ...project.aois.map((a) => ({ name: a.name, routines: a.routines })),
  ];
  const st: L5xStRoutine[] = [];
  const ladder: string[] = [];
  const lineOf = lineCounter(project.text);
  for (const owner of owners)
    for (const routine of owner.routines) {
      const name = `${owner.name}/${routine.name}`;
      if (routine.type === 'RLL') ladder.push(name);
      if (routine.type !== 'ST') continue;
      const header = `PROGRAM ${programName(name)}\n`;
      const parsed = parseProgramFile({
        path: `${file.path}#${name}.st`,
        text: `${header}${routine.lines.join('\n')}\nEND_PROGRAM\n`,
      });
      const pou = outlineUnit(parsed.unit)[0];
      if (!pou) continue;
      const content = routine.el.children.find((c) => c.name === 'STContent');
      const fileLines = (content?.children ?? [])
        .filter((c) => c.name === 'Line')
        .map((c) => lineOf((c.texts.find((x) => x.cdata) ?? c).start));
      const inner = content ?? routine.el;
      st.push({
        name,
        routine,
        parsed,
        pou,
        bodyStart: header.length,
        fileLines,
        content: { start: inner.contentStart, end: inner.contentEnd },
      });
    }
  return { project, st, ladder };
}

/** 1-based line of a text offset (binary search over the line ends). */
function lineCounter(text: string): (offset: number) => number {
  const ends: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) ends.push(i);
  return (offset) => {
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ends[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** The file line of a line of the wrapped ST text (1-based; line 1 is the PROGRAM header). */
export function fileLineOf(r: L5xStRoutine, wrappedLine: number): number {
  const i = Math.min(Math.max(wrappedLine - 2, 0), r.fileLines.length - 1);
  return r.fileLines[i] ?? 1;
}

/**
 * The L5X's text with these routines given these new bodies (text of the routine's
 * lines joined by `\n`), written by the L5X writer: unchanged lines keep their bytes.
 */
export function writeL5xBodies(
  project: L5xProject,
  bodies: ReadonlyArray<{ routine: L5xRoutine; body: string }>,
): string {
  const edits = bodies.flatMap(({ routine, body }) => stLinesEdits(project, routine, body.split('\n')));
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(writeL5x(project, edits));
}

/**
 * `fmt` for an L5X: prints routines as text an engineer reads — a ladder
 * routine as its rungs in the neutral text form, one rung per line, each
 * after its comment; a Logix ST routine re-indented — and rewrites the ST
 * routines of the file re-indented in place (`fmt --write`). Ladder rungs
 * are never rewritten: their neutral text is Studio 5000's own. A file whose
 * ST is already indented writes back byte-identical.
 */
import type { L5xProject, L5xRoutine } from './l5x-model';
import { type L5xEdit, writeL5x } from './l5x-writer';
import { childEl, childEls } from './xml-scanner';

/** A routine with the path `fmt --routine` names it by. */
interface NamedRoutine {
  /** `PROGRAM/ROUTINE`, or `AOI/ROUTINE` for an Add-On Instruction's. */
  path: string;
  aoi: boolean;
  routine: L5xRoutine;
}

/** Every routine of the project: the AOIs' first, then the programs', in file order. */
function routinesOf(project: L5xProject): NamedRoutine[] {
  return [
    ...project.aois.flatMap((a) =>
      a.routines.map((routine) => ({ path: `${a.name}/${routine.name}`, aoi: true, routine })),
    ),
    ...project.programs.flatMap((p) =>
      p.routines.map((routine) => ({ path: `${p.name}/${routine.name}`, aoi: false, routine })),
    ),
  ];
}

/**
 * The routines `paths` select (`PROGRAM/ROUTINE` or `AOI/ROUTINE`, any case), all when none
 * is given. Throws naming the first path that selects nothing.
 */
function select(project: L5xProject, paths: readonly string[]): NamedRoutine[] {
  const all = routinesOf(project);
  if (paths.length === 0) return all;
  return paths.map((p) => {
    const r = all.find((x) => x.path.toLowerCase() === p.toLowerCase());
    if (!r)
      throw new Error(
        `no routine ${p} in the file (routines: ${all.map((x) => x.path).join(', ') || 'none'})`,
      );
    return r;
  });
}

const OPENERS = new Set(['IF', 'CASE', 'FOR', 'WHILE', 'REPEAT']);
const CLOSERS = new Set(['END_IF', 'END_CASE', 'END_FOR', 'END_WHILE', 'END_REPEAT']);
const MIDDLE = new Set(['ELSE', 'ELSIF', 'UNTIL']);

/** The keywords of a line outside its comments and strings; `inComment` carries a `(* *)`/`/* *\/` across lines. */
function keywords(line: string, state: { inComment: string | undefined }): string[] {
  let code = '';
  let p = 0;
  while (p < line.length) {
    if (state.inComment) {
      const e = line.indexOf(state.inComment, p);
      if (e < 0) return code.match(/[A-Za-z_][A-Za-z0-9_]*/g)?.map((w) => w.toUpperCase()) ?? [];
      p = e + 2;
      state.inComment = undefined;
      continue;
    }
    const two = line.slice(p, p + 2);
    if (two === '//') break;
    if (two === '(*' || two === '/*') {
      state.inComment = two === '(*' ? '*)' : '*/';
      p += 2;
      continue;
    }
    const c = line[p] as string;
    if (c === "'" || c === '"') {
      const e = line.indexOf(c, p + 1);
      p = e < 0 ? line.length : e + 1;
      code += ' ';
      continue;
    }
    code += c;
    p++;
  }
  return code.match(/[A-Za-z_][A-Za-z0-9_]*/g)?.map((w) => w.toUpperCase()) ?? [];
}

/**
 * Logix ST re-indented: four spaces per open IF/CASE/FOR/WHILE/REPEAT, ELSE/ELSIF/UNTIL and
 * the END_ keywords at their block's level, trailing blanks dropped. Lines inside a block
 * comment keep their text. Formatting formatted lines changes nothing.
 */
export function indentLogixSt(lines: readonly string[]): string[] {
  let depth = 0;
  const state: { inComment: string | undefined } = { inComment: undefined };
  return lines.map((line) => {
    const wasInComment = state.inComment !== undefined;
    const words = keywords(line, state);
    const first = words[0];
    const trimmed = line.trim();
    const back =
      first !== undefined && /^[A-Za-z_]/.test(trimmed) && (CLOSERS.has(first) || MIDDLE.has(first));
    const at = Math.max(0, depth - (back ? 1 : 0));
    for (const w of words) {
      if (OPENERS.has(w)) depth++;
      else if (CLOSERS.has(w)) depth = Math.max(0, depth - 1);
    }
    if (wasInComment) return line.replace(/\s+$/, '');
    return trimmed === '' ? '' : `${'    '.repeat(at)}${trimmed}`;
  });
}

/** A comment as `//` lines. */
function commentLines(comment: string): string[] {
  return comment.split(/\r?\n/).map((l) => `// ${l.trim()}`.trimEnd());
}

/**
 * The selected routines as text: a header line per routine, then a ladder routine's rungs
 * (comment lines, then the rung's neutral text on one line) or an ST routine's lines
 * re-indented. FBD and SFC routines are named, not printed.
 */
export function formatL5xRoutines(project: L5xProject, paths: readonly string[] = []): string {
  const out: string[] = [];
  for (const { path, aoi, routine } of select(project, paths)) {
    if (out.length > 0) out.push('');
    const what = aoi ? 'AOI routine' : 'ROUTINE';
    out.push(`${what} ${path} (${routine.type})`);
    if (routine.description) out.push(...commentLines(routine.description));
    if (routine.type === 'RLL')
      for (const rung of routine.rungs) {
        if (rung.comment) out.push(...commentLines(rung.comment));
        out.push(rung.text.replace(/\s*\r?\n\s*/g, ' '));
      }
    else if (routine.type === 'ST') out.push(...indentLogixSt(routine.lines));
    else out.push(`// ${routine.type} routine: not read`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The file with the selected ST routines re-indented line by line (each `<Line>`'s text
 * replaced, nothing else touched); the bytes as read when nothing changes.
 */
export function formatL5xFile(project: L5xProject, paths: readonly string[] = []): Uint8Array {
  const edits: L5xEdit[] = [];
  for (const { routine } of select(project, paths)) {
    if (routine.type !== 'ST') continue;
    const formatted = indentLogixSt(routine.lines);
    childEls(childEl(routine.el, 'STContent'), 'Line').forEach((el, i) => {
      const want = formatted[i];
      if (want === undefined || want === routine.lines[i]) return;
      const runs = el.texts;
      const cdata = runs.length === 1 && runs[0]?.cdata === true ? runs[0] : undefined;
      // a CDATA line keeps its CDATA; other text is escaped in the element
      if (cdata)
        edits.push({ start: cdata.start, end: cdata.end, text: want.replace(/]]>/g, ']]]]><![CDATA[>') });
      else
        edits.push({
          start: el.contentStart,
          end: el.contentEnd,
          text: want.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')),
        });
    });
  }
  return writeL5x(project, edits);
}

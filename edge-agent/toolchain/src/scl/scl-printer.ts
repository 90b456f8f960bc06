/**
 * Writing SCL back. An SCL file is never regenerated from the tree: an
 * unedited file prints byte for byte as read, and an edit replaces only the
 * text of the node it changes (a span splice). A replacement node is printed
 * by the IEC printer after its names are given their SCL spelling: a local
 * of the enclosing block as `#name`, a global (data block, block, UDT) or a
 * name that is no plain identifier as `"name"`, a Siemens instruction type
 * by its Siemens name (`TON_TIME`, not the TON that models it).
 *
 * `formatScl` is the `fmt` of SCL: it re-indents lines by block structure
 * (three spaces a level, as TIA Portal writes sources) and trims trailing
 * blanks; every token, comment and attribute stays, and the result reads
 * back to the same tree.
 */
import {
  applyEdits,
  type CompilationUnit,
  type Node,
  type Pou,
  printNode,
  type TopLevelDeclaration,
} from '../iec';
import { sclInfo } from './scl-reader';

/** The text of a unit read from SCL: byte for byte what was read. */
export function printScl(unit: CompilationUnit): string {
  const info = sclInfo(unit);
  if (!info) throw new Error(`${unit.file} was not read by readScl`);
  return info.text;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How SCL writes the names of one scope. */
export interface SclNames {
  /** Locals, parameters and temporaries of the enclosing block (lower case): written `#name`. */
  locals: ReadonlySet<string>;
  /** Data blocks, blocks and UDTs (lower case): written `"name"`. */
  globals: ReadonlySet<string>;
}

/** The names of `unit` as seen from inside `pou` (or from outside every block when undefined). */
export function sclNames(unit: CompilationUnit, pou?: TopLevelDeclaration): SclNames {
  const locals = new Set<string>();
  const globals = new Set<string>();
  for (const d of unit.declarations) {
    if (d.kind === 'GlobalVarList') {
      for (const b of d.varBlocks)
        for (const v of b.decls) for (const n of v.names) globals.add(n.name.toLowerCase());
    } else if (d.kind === 'TypeBlock') {
      for (const t of d.types) globals.add(t.name.toLowerCase());
    } else if ('name' in d) globals.add(d.name.toLowerCase());
  }
  if (pou && (pou.kind === 'Program' || pou.kind === 'Function' || pou.kind === 'FunctionBlock')) {
    for (const b of (pou as Pou).varBlocks)
      for (const v of b.decls) for (const n of v.names) locals.add(n.name.toLowerCase());
  }
  return { locals, globals };
}

/** A name as SCL writes it in the given scope. */
export function sclSpelling(name: string, names: SclNames): string {
  const lower = name.toLowerCase();
  const quoted = PLAIN.test(name) ? name : `"${name}"`;
  if (names.locals.has(lower)) return `#${quoted}`;
  if (names.globals.has(lower) || !PLAIN.test(name)) return `"${name}"`;
  return name;
}

/** A deep copy of a node with every name in its SCL spelling, for the IEC printer. */
function spelled<T extends Node>(node: T, names: SclNames): T {
  const copy = (v: unknown, key: string, parentKind: string | undefined): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => copy(x, key, parentKind));
    const o = v as Record<string, unknown>;
    if (key === 'span' || key === 'nameSpan' || key === 'memberSpan') return o;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = copy(o[k], k, o.kind as string | undefined);
    if (o.kind === 'Identifier') out.name = sclSpelling(o.name as string, names);
    else if (o.kind === 'NamedType') {
      const scl = (o.sclName as string | undefined) ?? (o.name as string);
      out.name =
        names.globals.has(scl.toLowerCase()) || !PLAIN.test(scl) ? `"${scl.replace(/^"|"$/g, '')}"` : scl;
    } else if (o.kind === 'Member' && !PLAIN.test(o.member as string)) out.member = `"${o.member as string}"`;
    else if (o.kind === 'CallArgument' && typeof o.name === 'string' && !PLAIN.test(o.name))
      out.name = `"${o.name}"`;
    else if (key === 'names' && typeof o.name === 'string' && !PLAIN.test(o.name)) out.name = `"${o.name}"`;
    return out;
  };
  return copy(node, '', undefined) as T;
}

/** Prints a node (a statement, expression or declaration) in SCL spelling. */
export function printSclNode(node: Node, names: SclNames): string {
  return printNode(spelled(node, names), { comments: false });
}

/** One edit of an SCL file: the node as read (its span is used) and what replaces it. */
export interface SclEdit {
  node: Node;
  /** A new node (printed in SCL spelling for the block the node lies in), raw SCL text, or null to delete. */
  replacement: Node | string | null;
}

/**
 * Applies edits to the text of an SCL unit: each replaces the text of its
 * node, every other byte stays. Throws RangeError for overlapping edits.
 */
export function applySclEdits(unit: CompilationUnit, edits: SclEdit[]): string {
  const text = printScl(unit);
  const blockAt = (offset: number): TopLevelDeclaration | undefined =>
    unit.declarations.find((d) => d.span.offset <= offset && offset < d.span.endOffset);
  return applyEdits(
    text,
    edits.map((e) => ({
      node: e.node,
      replacement:
        e.replacement === null || typeof e.replacement === 'string'
          ? e.replacement
          : printSclNode(e.replacement, sclNames(unit, blockAt(e.node.span.offset))),
    })),
  );
}

// ---------------------------------------------------------------- fmt

const OPEN = new Set(['IF', 'CASE', 'FOR', 'WHILE', 'REPEAT', 'REGION', 'STRUCT']);
const CLOSE = new Set([
  'END_IF',
  'END_CASE',
  'END_FOR',
  'END_WHILE',
  'END_REPEAT',
  'END_REGION',
  'END_STRUCT',
]);
const MIDDLE = new Set(['ELSE', 'ELSIF', 'UNTIL']);
const BLOCK_START = new Set(['FUNCTION_BLOCK', 'FUNCTION', 'ORGANIZATION_BLOCK', 'DATA_BLOCK', 'TYPE']);
const BLOCK_END = new Set([
  'END_FUNCTION_BLOCK',
  'END_FUNCTION',
  'END_ORGANIZATION_BLOCK',
  'END_DATA_BLOCK',
  'END_TYPE',
]);
const VAR_START = /^VAR(_INPUT|_OUTPUT|_IN_OUT|_TEMP|_STAT)?$/;
/** Block properties: written at the left margin between a block's name and its declarations. */
const HEADER_END = /^(VAR(_INPUT|_OUTPUT|_IN_OUT|_TEMP|_STAT)?|STRUCT|BEGIN)$/;

/**
 * The code of a line with strings, quoted names and comments blanked, whether
 * a block comment is still open after it, and whether it ends in a `//` comment.
 */
function codeOf(
  line: string,
  inComment: boolean,
): { code: string; inComment: boolean; lineComment: boolean } {
  let out = '';
  let i = 0;
  let open = inComment;
  while (i < line.length) {
    if (open) {
      const close = line.indexOf('*)', i);
      const close2 = line.indexOf('*/', i);
      const c = close < 0 ? close2 : close2 < 0 ? close : Math.min(close, close2);
      if (c < 0) return { code: out, inComment: true, lineComment: false };
      out += ' '.repeat(c + 2 - i);
      i = c + 2;
      open = false;
      continue;
    }
    const ch = line[i]!;
    const two = line.slice(i, i + 2);
    if (two === '//') return { code: out, inComment: false, lineComment: true };
    if (two === '(*' || two === '/*') {
      open = true;
      out += '  ';
      i += 2;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '{') {
      const end = line.indexOf(ch === '{' ? '}' : ch, i + 1);
      const stop = end < 0 ? line.length : end + 1;
      out += ' '.repeat(stop - i);
      i = stop;
      continue;
    }
    out += ch;
    i++;
  }
  return { code: out, inComment: open, lineComment: false };
}

/**
 * One line of a file being re-indented: its code (strings and comments
 * blanked), whether a block comment is open after it, the line as it stays
 * (inside a comment, a parenthesis, or blank) or undefined, and the line at
 * an indent. Trailing blanks inside a block comment or a `//` comment are
 * the comment's text and stay.
 */
function fmtLine(raw: string, inComment: boolean, parens: number) {
  const { code, inComment: after, lineComment } = codeOf(raw, inComment);
  const trimmed = raw.trim();
  const tail = (l: string): string => (after || lineComment ? l : l.replace(/[ \t]+$/, ''));
  const asIs =
    inComment || parens > 0 || trimmed === '' ? (trimmed === '' && !inComment ? '' : tail(raw)) : undefined;
  const at = (indent: number, unit: string): string =>
    tail(`${unit.repeat(Math.max(0, indent))}${raw.replace(/^[ \t]+/, '')}`);
  return { code, after, asIs, at };
}

/** A `label:` line at the label level of the innermost CASE. */
function isCaseLabel(caseDepth: readonly number[], level: number, code: string): boolean {
  return (
    caseDepth.length > 0 && caseDepth[caseDepth.length - 1] === level && /^[^;]*[^:]:(?!=)/.test(code.trim())
  );
}

/**
 * Re-indents an SCL source by its block structure; lines inside block
 * comments and continuation lines of an open parenthesis keep their text.
 * Idempotent; never changes anything but leading and trailing blanks.
 */
export function formatScl(text: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let level = 0;
  let inComment = false;
  let parens = 0;
  let inVar = false;
  let inHeader = false;
  let caseDepth: number[] = [];
  for (const raw of lines) {
    const line = fmtLine(raw, inComment, parens);
    const code = line.code;
    inComment = line.after;
    let words = code
      .toUpperCase()
      .split(/[^A-Z0-9_#]+/)
      .filter((w) => w.length > 0);
    const first = words[0] ?? '';
    // a REGION's name and a TITLE are free text
    if (first === 'REGION') words = ['REGION'];
    if (first === 'TITLE') words = [];
    if (HEADER_END.test(first) || BLOCK_END.has(first)) inHeader = false;
    if (line.asIs !== undefined) out.push(line.asIs);
    else {
      let indent = level;
      if (BLOCK_START.has(first) || BLOCK_END.has(first) || first === 'BEGIN' || inHeader) indent = 0;
      else if (VAR_START.test(first) || first === 'END_VAR') indent = 1;
      else if (first === 'END_CASE') indent = level - 2;
      else if (CLOSE.has(first) || MIDDLE.has(first)) indent = level - 1;
      else if (isCaseLabel(caseDepth, level, code)) indent = level - 1;
      out.push(line.at(indent, '   '));
    }
    // the level after this line
    for (const w of words) {
      if (BLOCK_START.has(w) && w === first) {
        level = 1;
        inHeader = true;
      } else if (BLOCK_END.has(w)) level = 0;
      else if (w === 'BEGIN') level = 1;
      else if (VAR_START.test(w) && w === first) {
        level = 2;
        inVar = true;
      } else if (w === 'END_VAR') {
        level = 1;
        inVar = false;
      } else if (OPEN.has(w)) {
        level++;
        if (w === 'CASE') {
          level++;
          caseDepth = [...caseDepth, level];
        }
      } else if (CLOSE.has(w)) {
        if (w === 'END_CASE') {
          level--;
          caseDepth = caseDepth.slice(0, -1);
        }
        level = Math.max(inVar ? 2 : 0, level - 1);
      }
    }
    for (const ch of code) {
      if (ch === '(') parens++;
      else if (ch === ')') parens = Math.max(0, parens - 1);
    }
  }
  return out.join(eol);
}

/** SIMATIC AX words that open a level when a name follows them (`CLASS Foo`, `METHOD PUBLIC Bar`). */
const AX_NAMED_OPEN = new Set([
  'NAMESPACE',
  'CLASS',
  'INTERFACE',
  'FUNCTION_BLOCK',
  'FUNCTION',
  'PROGRAM',
  'METHOD',
  'PROPERTY',
  'CONFIGURATION',
  'RESOURCE',
]);
const AX_OPEN = new Set(['IF', 'CASE', 'FOR', 'WHILE', 'REPEAT', 'STRUCT']);

/** The words of a line of code with what precedes and follows each (member names after `.` are not keywords). */
function axWords(code: string): { w: string; named: boolean; colon: boolean }[] {
  const out: { w: string; named: boolean; colon: boolean }[] = [];
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const before = code.slice(0, m.index).trimEnd();
    if (before.endsWith('.') || before.endsWith('#')) continue;
    const after = code.slice(m.index + m[0].length);
    const colon = /^\s*:/.test(after);
    out.push({ w: m[0].toUpperCase(), named: /^\s+[A-Za-z_]/.test(after) && !colon, colon });
  }
  return out;
}

/**
 * Re-indents a SIMATIC AX `.st` file by its nesting (namespaces, classes,
 * methods, declarations, statements; four spaces a level); lines inside
 * block comments and continuation lines of an open parenthesis keep their
 * text. Idempotent; never changes anything but leading and trailing blanks,
 * so the file reads to the same tree.
 */
export function formatAx(text: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const namespaces = /\bEND_NAMESPACE\b/i.test(text);
  const out: string[] = [];
  let level = 0;
  let inComment = false;
  let parens = 0;
  let caseDepth: number[] = [];
  for (const raw of lines) {
    const startsInComment = inComment;
    const line = fmtLine(raw, inComment, parens);
    const code = line.code;
    inComment = line.after;
    const words = axWords(code);
    const first = words[0]?.w ?? '';
    if (line.asIs !== undefined) out.push(line.asIs);
    else {
      let indent = level;
      if (first === 'END_CASE') indent = level - 2;
      else if (first.startsWith('END_') || MIDDLE.has(first)) indent = level - 1;
      else if (isCaseLabel(caseDepth, level, code)) indent = level - 1;
      out.push(line.at(indent, '    '));
    }
    if (startsInComment && inComment) continue;
    // the level after this line
    for (const [k, { w, named, colon }] of words.entries()) {
      // `TYPE` opens a type block at the start of a line; `Type := 1` and `METHOD Type` are names
      const typeBlock = w === 'TYPE' && k === 0 && !colon;
      if (
        (AX_NAMED_OPEN.has(w) && named && (w !== 'NAMESPACE' || namespaces)) ||
        AX_OPEN.has(w) ||
        typeBlock
      ) {
        level++;
        if (w === 'CASE') {
          level++;
          caseDepth = [...caseDepth, level];
        }
      } else if (/^VAR(_[A-Z]+)?$/.test(w) && w === first) level++;
      else if (w === 'END_CASE') {
        level = Math.max(0, level - 2);
        caseDepth = caseDepth.slice(0, -1);
      } else if (w.startsWith('END_') && (w !== 'END_NAMESPACE' || namespaces))
        level = Math.max(0, level - 1);
    }
    for (const ch of code) {
      if (ch === '(') parens++;
      else if (ch === ')') parens = Math.max(0, parens - 1);
    }
  }
  return out.join(eol);
}

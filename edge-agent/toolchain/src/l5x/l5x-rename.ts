/**
 * Renames a tag inside an L5X: its `<Tag Name>`, the aliases built on it, the operands of
 * the ladder rungs and the names in the Logix ST lines of every routine that sees it, as
 * edits of the file's text (`writeL5x` splices them; every other byte stays). A controller
 * tag is seen by every program that does not declare a tag of the same name; a program tag
 * by its own program's routines. Add-On Instructions see only their parameters and locals,
 * so their Logic is never edited. What cannot be followed is refused, naming the XML line:
 * a routine in FBD or SFC that names the tag, a rung that does not parse, a new name that is
 * no Logix tag name or that a tag in scope already has.
 */
import type { L5xProgram, L5xProject, L5xRoutine, L5xTag } from './l5x-model';
import { type L5xEdit, stLinesEdits } from './l5x-writer';
import { parseRung } from './rll-parser';
import type { XElement } from './xml-scanner';

/** A rename the L5X cannot take; the message names the file's line and why. */
export class L5xRenameRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'L5xRenameRefused';
  }
}

/** One rename: the edits, and where each lands (`places[k]`: the 1-based XML line of `edits[k]`, what it renames). */
export interface L5xRename {
  edits: L5xEdit[];
  places: { line: number; what: string }[];
}

/** Logix tag names: a letter or `_` first, letters, digits and single `_` after, at most 40. */
const TAG_NAME = /^[A-Za-z_](?:[A-Za-z0-9]|_(?!_))*$/;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Operands that name no tag, by instruction (0-based operand positions): a routine (JSR, SFR,
 * SFP, FOR), a label (JMP, LBL), a task (EVENT), a GSV/SSV object class and instance name.
 */
const NOT_TAG_OPERANDS: Readonly<Record<string, readonly number[]>> = {
  JSR: [0],
  SFR: [0],
  SFP: [0],
  FOR: [0],
  JMP: [0],
  LBL: [0],
  EVENT: [0],
  GSV: [0, 1],
  SSV: [0, 1],
};

/**
 * `text` with every name `from` (Logix names are case-insensitive) replaced by `to`: a name
 * not after `.` or `:` (a member, a module path) and not before `(` (an instruction or a
 * function); numbers (`16#FF`, `2#0101_1111`) and quoted strings are skipped, and with `st`
 * comments too. `comment` carries an open block comment (parenthesis-star or slash-star) from one ST line to
 * the next. Returns the new text and how many names it replaced.
 */
export function renameInLogixText(
  text: string,
  from: string,
  to: string,
  st: { comment?: string } | undefined,
): { text: string; count: number } {
  let out = '';
  let count = 0;
  let i = 0;
  const n = text.length;
  // the instruction or function whose operands are being read, and which operand
  const calls: { name: string; operand: number }[] = [];
  let lastWord = '';
  while (i < n) {
    const c = text[i] as string;
    if (st?.comment) {
      const e = text.indexOf(st.comment, i);
      if (e < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, e + 2);
      i = e + 2;
      st.comment = undefined;
      continue;
    }
    if (st && c === '/' && text[i + 1] === '/') {
      out += text.slice(i);
      break;
    }
    if (st && (c === '(' || c === '/') && text[i + 1] === '*') {
      st.comment = c === '(' ? '*)' : '*/';
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let e = i + 1;
      while (e < n && text[e] !== c) e += text[e] === '$' ? 2 : 1;
      out += text.slice(i, e + 1);
      i = e + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let e = i + 1;
      while (e < n && /[0-9A-Za-z_#]/.test(text[e] as string)) e++;
      out += text.slice(i, e);
      i = e;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let e = i + 1;
      while (e < n && /[A-Za-z0-9_]/.test(text[e] as string)) e++;
      const word = text.slice(i, e);
      let b = i - 1;
      while (b >= 0 && (text[b] === ' ' || text[b] === '\t')) b--;
      let a = e;
      while (a < n && (text[a] === ' ' || text[a] === '\t')) a++;
      const qualified = b >= 0 && (text[b] === '.' || text[b] === ':');
      const call = calls[calls.length - 1];
      const notTag = call && NOT_TAG_OPERANDS[call.name]?.includes(call.operand);
      if (same(word, from) && !qualified && text[a] !== '(' && !notTag) {
        out += to;
        count++;
      } else out += word;
      lastWord = text[a] === '(' ? word.toUpperCase() : '';
      i = e;
      continue;
    }
    if (c === '(') calls.push({ name: lastWord, operand: 0 });
    else if (c === ')') calls.pop();
    else if (c === ',' && calls.length > 0) calls[calls.length - 1]!.operand++;
    if (!/\s/.test(c)) lastWord = '';
    out += c;
    i++;
  }
  return { text: out, count };
}

/** 1-based line of an offset of the file. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The edit replacing an element's text content (one CDATA section kept as such) with `value`. */
function contentEdit(el: XElement, old: string, value: string, raw: string): L5xEdit {
  const sections = el.texts.filter((t) => t.cdata);
  const only = sections.length === 1 ? sections[0] : undefined;
  if (only && raw.slice(only.start, only.end) === old && !value.includes(']]>'))
    return { start: only.start, end: only.end, text: value };
  // plain text without entities: the text is replaced where it stands, still plain
  const content = raw.slice(el.contentStart, el.contentEnd);
  const at = content.indexOf(old);
  if (sections.length === 0 && at >= 0 && !content.includes('&') && !/[<>&]/.test(value))
    return { start: el.contentStart + at, end: el.contentStart + at + old.length, text: value };
  return {
    start: el.contentStart,
    end: el.contentEnd,
    text: `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`,
  };
}

/**
 * Renames the tag `from` to `to`: a controller tag, or with `program` a tag of that program.
 * Throws {@link L5xRenameRefused} for what it cannot rename safely.
 *
 * @example
 * const r = renameL5xTag(readL5x(bytes), 'Jam_Sensor', 'Jam_Photoeye');
 * writeL5x(project, r.edits); // the file, renamed
 */
export function renameL5xTag(project: L5xProject, from: string, to: string, program?: string): L5xRename {
  const text = project.text;
  const edits: L5xEdit[] = [];
  const places: L5xRename['places'] = [];
  const add = (e: L5xEdit, what: string) => {
    edits.push(e);
    places.push({ line: lineAt(text, e.start), what });
  };
  const owner = program === undefined ? undefined : project.programs.find((p) => same(p.name, program));
  if (program !== undefined && !owner) throw new L5xRenameRefused(`no program ${program} in the L5X`);
  const scopeTags = owner ? owner.tags : project.tags;
  const where = owner ? `program ${owner.name}` : 'the controller';
  const tag = scopeTags.find((t) => same(t.name, from));
  if (!tag) throw new L5xRenameRefused(`no tag ${from} in ${where}`);
  if (!TAG_NAME.test(to) || to.length > 40)
    throw new L5xRenameRefused(
      `${to} is not a Logix tag name (a letter or _, then letters, digits, single _; 40 at most)`,
    );
  if (!same(from, to) && scopeTags.some((t) => same(t.name, to)))
    throw new L5xRenameRefused(
      `${where} has a tag ${to} already (line ${lineAt(text, scopeTags.find((t) => same(t.name, to))!.el.start)})`,
    );
  // the programs whose routines see the tag: its own, or every one without a tag of that name
  const seeing = owner ? [owner] : project.programs.filter((p) => !p.tags.some((t) => same(t.name, from)));
  const name = tag.el.attrs.get('Name')!;
  add({ start: name.valueStart, end: name.valueEnd, text: to }, `tag ${from} (declaration)`);
  const aliases = (tags: readonly L5xTag[]) => {
    for (const t of tags) {
      const a = t.el.attrs.get('AliasFor');
      if (!a || !t.aliasFor) continue;
      const r = renameInLogixText(t.aliasFor, from, to, undefined);
      if (r.count === 0) continue;
      add({ start: a.valueStart, end: a.valueEnd, text: r.text }, `alias ${t.name}`);
    }
  };
  if (!owner) aliases(project.tags);
  for (const p of seeing) {
    aliases(p.tags);
    for (const r of p.routines) renameInRoutine(project, p, r, from, to, add);
  }
  return { edits, places };
}

function renameInRoutine(
  project: L5xProject,
  p: L5xProgram,
  r: L5xRoutine,
  from: string,
  to: string,
  add: (e: L5xEdit, what: string) => void,
): void {
  const text = project.text;
  const where = `${p.name}/${r.name}`;
  if (r.type === 'RLL') {
    for (const rung of r.rungs) {
      const renamed = renameInLogixText(rung.text, from, to, undefined);
      if (renamed.count === 0) continue;
      try {
        parseRung(rung.text);
      } catch (e) {
        throw new L5xRenameRefused(
          `${where} rung ${rung.number} (line ${lineAt(text, rung.el.start)}): it names ${from} but does not parse (${(e as Error).message})`,
        );
      }
      const textEl = rung.el.children.find((c) => c.name === 'Text');
      if (!textEl) continue;
      add(contentEdit(textEl, rung.text, renamed.text, text), `${where} rung ${rung.number}`);
    }
    return;
  }
  if (r.type === 'ST') {
    const st: { comment?: string } = {};
    let changed = false;
    const lines = r.lines.map((l) => {
      const renamed = renameInLogixText(l, from, to, st);
      if (renamed.count > 0) changed = true;
      return renamed.text;
    });
    if (!changed) return;
    // the lines keep their number: one edit per changed line, in order
    const changedLines = lines.flatMap((l, i) => (l === r.lines[i] ? [] : [i + 1]));
    stLinesEdits(project, r, lines).forEach((e, k) => {
      add(e, `${where} line ${changedLines[k] ?? changedLines[0] ?? 1}`);
    });
    return;
  }
  // FBD and SFC name tags in attributes of their blocks (Operand="...") and in their texts
  const body = text.slice(r.el.start, r.el.end).replace(/\bName="[^"]*"/g, '');
  const named = new RegExp(`(^|[^A-Za-z0-9_.:])${from}($|[^A-Za-z0-9_])`, 'i');
  if (named.test(body))
    throw new L5xRenameRefused(
      `${where} (line ${lineAt(text, r.el.start)}) is ${r.type} and names ${from}: ${r.type} routines are not rewritten by a rename`,
    );
}

/**
 * Writes an L5X file back with edits spliced into the original bytes: an
 * edited routine is replaced in place and new tags are inserted beside the
 * old ones; every other byte (CDATA, attribute order, encoding, BOM, line
 * ends) is copied from the file as read. No edits give the file back as is.
 */
import type { L5xProject, L5xRoutine, L5xTag } from './l5x-model';
import { byteOffset } from './l5x-reader';
import { escapeXml, type XElement } from './xml-scanner';

/** Replace `[start, end)` of the decoded text with `text`. */
export interface L5xEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies edits (non-overlapping, any order) and returns the new file's bytes.
 * Inserted text is UTF-8; all bytes outside the edited ranges are the original ones.
 */
export function writeL5x(project: L5xProject, edits: readonly L5xEdit[] = []): Uint8Array {
  if (edits.length === 0) return project.bytes;
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error('L5X edits overlap');
    const s = byteOffset(project, e.start);
    parts.push(project.bytes.subarray(byteOffset(project, at), s));
    parts.push(Buffer.from(e.text, 'utf8'));
    at = e.end;
  }
  parts.push(project.bytes.subarray(byteOffset(project, at)));
  return Buffer.concat(parts);
}

/** The whitespace before an element's start tag on its line (its indentation). */
function indentOf(project: L5xProject, el: XElement): string {
  let p = el.start;
  while (p > 0 && (project.text[p - 1] === ' ' || project.text[p - 1] === '\t')) p--;
  return project.text.slice(p, el.start);
}

function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/**
 * Edits that turn a routine into a `Type="ST"` routine with these lines: the Type attribute
 * and the content element change; the routine's name, description and other attributes stay.
 */
export function routineToStEdits(
  project: L5xProject,
  routine: L5xRoutine,
  lines: readonly string[],
): L5xEdit[] {
  const el = routine.el;
  const type = el.attrs.get('Type');
  if (!type) throw new Error(`routine ${routine.name} has no Type attribute`);
  const content = el.children.find((c) => c.name.endsWith('Content'));
  const nl = project.newline;
  const ind = indentOf(project, el);
  const inner = content ? indentOf(project, content) : `${ind}  `;
  const lineInd = inner + (inner.length > ind.length ? inner.slice(ind.length) : ' ');
  const body = lines.map((l, i) => `${lineInd}<Line Number="${i}">${cdata(l)}</Line>`).join(nl);
  const st = `<STContent>${nl}${body}${nl}${inner}</STContent>`;
  const edits: L5xEdit[] = [{ start: type.valueStart, end: type.valueEnd, text: 'ST' }];
  if (content) edits.push({ start: content.start, end: content.end, text: st });
  else if (el.contentStart === el.end) {
    // `<Routine .../>`: open it, put the content in, close it.
    edits.push({ start: el.end - 2, end: el.end, text: `>${nl}${inner}${st}${nl}${ind}</Routine>` });
  } else edits.push({ start: el.contentEnd, end: el.contentEnd, text: `${inner}${st}${nl}${ind}` });
  return edits;
}

/**
 * Edits that give an ST routine these lines. With as many lines as it has, only the
 * CDATA of each changed `<Line>` is replaced (its element, number and layout stay);
 * otherwise the whole `<STContent>` is rewritten, numbered from 0.
 */
export function stLinesEdits(project: L5xProject, routine: L5xRoutine, lines: readonly string[]): L5xEdit[] {
  if (routine.type !== 'ST') throw new Error(`routine ${routine.name} is ${routine.type}, not ST`);
  const content = routine.el.children.find((c) => c.name === 'STContent');
  const els = content ? content.children.filter((c) => c.name === 'Line') : [];
  if (els.length !== lines.length || els.length !== routine.lines.length)
    return routineToStEdits(project, routine, lines);
  const edits: L5xEdit[] = [];
  els.forEach((el, i) => {
    const line = lines[i] as string;
    if (line === routine.lines[i]) return;
    const sections = el.texts.filter((t) => t.cdata);
    const first = sections[0];
    const last = sections[sections.length - 1];
    if (!first || !last) edits.push({ start: el.contentStart, end: el.contentEnd, text: cdata(line) });
    else if (sections.length === 1 && !line.includes(']]>'))
      edits.push({ start: first.start, end: first.end, text: line });
    else
      edits.push({
        start: first.start - '<![CDATA['.length,
        end: last.end + ']]>'.length,
        text: cdata(line),
      });
  });
  return edits;
}

/** A new tag to declare. */
export interface NewTag {
  name: string;
  dataType: string;
  description?: string;
}

/** An edit inserting new `<Tag>` elements right after `after` (same indentation). */
export function insertTagsEdit(
  project: L5xProject,
  after: L5xTag | XElement,
  tags: readonly NewTag[],
): L5xEdit {
  const el = 'el' in after ? after.el : after;
  const ind = indentOf(project, el);
  const nl = project.newline;
  const text = tags
    .map((t) => {
      const attrs = `Name="${escapeXml(t.name)}" TagType="Base" DataType="${escapeXml(t.dataType)}" Constant="false" ExternalAccess="Read/Write"`;
      if (!t.description) return `${nl}${ind}<Tag ${attrs}/>`;
      return `${nl}${ind}<Tag ${attrs}>${nl}${ind}<Description>${nl}${ind}${cdata(t.description)}${nl}${ind}</Description>${nl}${ind}</Tag>`;
    })
    .join('');
  return { start: el.end, end: el.end, text };
}

/**
 * A unified diff shown side by side, with ST highlighting and the safety findings marked on their lines.
 * A Rockwell L5X file is shown as what an engineer reads in Studio 5000: ladder rungs (number,
 * comment, neutral text) on the left, ST lines on the right, declared tags as `TAG name : type`;
 * the XML around them is left out (diff.patch in the job's evidence keeps every byte).
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import { type Child, h } from './dom';

// ST syntax highlighting for diff lines: keywords, types, strings, numbers, comments.
const ST_KEYWORDS =
  /^(IF|THEN|ELSIF|ELSE|END_IF|CASE|OF|END_CASE|FOR|TO|BY|DO|END_FOR|WHILE|END_WHILE|REPEAT|UNTIL|END_REPEAT|RETURN|EXIT|CONTINUE|ROUTINE|TAG|XIC|XIO|OTE|OTL|OTU|ONS|OSR|OSF|JSR|AND|OR|XOR|NOT|MOD|VAR|VAR_INPUT|VAR_OUTPUT|VAR_IN_OUT|VAR_GLOBAL|VAR_TEMP|VAR_EXTERNAL|CONSTANT|RETAIN|END_VAR|PROGRAM|END_PROGRAM|FUNCTION|END_FUNCTION|FUNCTION_BLOCK|END_FUNCTION_BLOCK|METHOD|END_METHOD|TRUE|FALSE|AT)$/i;
const ST_TYPES =
  /^(BOOL|BYTE|WORD|DWORD|LWORD|SINT|INT|DINT|LINT|USINT|UINT|UDINT|ULINT|REAL|LREAL|TIME|LTIME|DATE|TOD|DT|STRING|WSTRING|TON|TOF|TP|CTU|CTD|CTUD|R_TRIG|F_TRIG|SR|RS)$/i;

function highlight(text: string): Child[] {
  const out: Child[] = [];
  const re =
    /(\(\*.*?\*\)|\/\/.*$|'(?:\$.|[^'])*')|([A-Za-z_][A-Za-z0-9_]*)|(\b\d[\d_.#A-Fa-f]*|T#[\w.]+)|([^A-Za-z_'(/\d]+|.)/g;
  for (const m of text.matchAll(re)) {
    if (m[1]) out.push(h('span', { class: m[1].startsWith("'") ? 'str' : 'cmt' }, m[1]));
    else if (m[2])
      out.push(
        ST_KEYWORDS.test(m[2])
          ? h('span', { class: 'kw' }, m[2])
          : ST_TYPES.test(m[2])
            ? h('span', { class: 'ty' }, m[2])
            : m[2],
      );
    else if (m[3]) out.push(h('span', { class: 'num' }, m[3]));
    else out.push(m[4] ?? m[0]);
  }
  return out;
}

/** One side of a row: its line number in the file, its text, added or deleted. */
interface Line {
  n: number;
  text: string;
  kind?: 'del' | 'add';
}
/** A row of the side-by-side view. */
type Row =
  | { fileHeader: string }
  | { hunk: string }
  | { file: string; left: Line | null; right: Line | null };

/** Where an L5X side is: inside a rung's comment, its text, or neither. */
interface L5xSide {
  in: 'comment' | 'text' | 'description' | 'line' | null;
  rung: string;
}

const CDATA = /<!\[CDATA\[([\s\S]*?)\]\]>/;

/**
 * One line of an L5X file as a reader wants it, or null for XML to leave out:
 * `ROUTINE Conveyor (RLL)`, `// rung comment`, `rung 2: XIC(A)OTE(B);`, an ST line, `TAG T_FBD : FBD_TIMER`.
 */
function l5xLine(line: string, side: L5xSide): string | null {
  const t = line.trim();
  const routine = /^<Routine\s[^>]*Name="([^"]*)"[^>]*Type="([^"]*)"/.exec(t);
  if (routine) return `ROUTINE ${routine[1]} (${routine[2]})`;
  const rung = /^<Rung\s[^>]*Number="(\d+)"/.exec(t);
  if (rung) {
    side.rung = rung[1]!;
    return null;
  }
  const stLine = /^<Line\s[^>]*>(?:<!\[CDATA\[([\s\S]*?)\]\]>)?<\/Line>$/.exec(t);
  if (stLine) return stLine[1] ?? '';
  const tag = /^<(Tag|Parameter|LocalTag)\s[^>]*Name="([^"]*)"(?:[^>]*DataType="([^"]*)")?/.exec(t);
  if (tag) return `TAG ${tag[2]}${tag[3] ? ` : ${tag[3]}` : ''}`;
  if (/^<Comment>/.test(t)) side.in = 'comment';
  else if (/^<Text>/.test(t)) side.in = 'text';
  else if (/^<Description>/.test(t)) side.in = 'description';
  else if (/^<Line\s[^>]*>/.test(t)) side.in = 'line';
  const data = CDATA.exec(t)?.[1];
  const where = side.in;
  if (/<\/(Comment|Text|Description|Line)>$/.test(t)) side.in = null;
  if (data === undefined || where === null) return null;
  if (where === 'text') return `rung ${side.rung}: ${data}`;
  if (where === 'line') return data;
  return data
    .split('\n')
    .map((l) => `// ${l}`)
    .join(' ');
}

/** Lines split where an L5X routine starts (one group for any other file). */
function groups(lines: Line[]): Line[][] {
  const out: Line[][] = [];
  for (const line of lines) {
    if (out.length === 0 || line.text.startsWith('ROUTINE ')) out.push([]);
    out[out.length - 1]!.push(line);
  }
  return out;
}

/** Parses a unified diff into side-by-side rows, with line numbers (an L5X file shown readable). */
export function sideBySide(diff: string): Row[] {
  const rows: Row[] = [];
  let file = '';
  let l5x = false;
  let left: L5xSide = { in: null, rung: '' };
  let right: L5xSide = { in: null, rung: '' };
  let l = 0;
  let r = 0;
  let dels: Line[] = [];
  let adds: Line[] = [];
  const flush = () => {
    // An L5X routine's rungs and its ST start side by side: the two sides are paired routine by routine.
    const left = groups(dels);
    const right = groups(adds);
    for (let g = 0; g < Math.max(left.length, right.length); g++) {
      const a = left[g] ?? [];
      const b = right[g] ?? [];
      for (let i = 0; i < Math.max(a.length, b.length); i++)
        rows.push({ file, left: a[i] ?? null, right: b[i] ?? null });
    }
    dels = [];
    adds = [];
  };
  /** The text shown for a line of one side, or null to leave it out. */
  const shown = (text: string, side: L5xSide): string | null => (l5x ? l5xLine(text, side) : text);
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line.slice(4).replace(/^b\//, '').replace(/\t.*$/, '');
      l5x = /\.l5x$/i.test(file);
      left = { in: null, rung: '' };
      right = { in: null, rung: '' };
      rows.push({ fileHeader: l5x ? `${file} (ladder rungs left, ST right; XML left out)` : file });
    } else if (line.startsWith('--- ')) {
      flush();
    } else if (line.startsWith('@@')) {
      flush();
      const m = /-(\d+)(?:,\d+)? \+(\d+)/.exec(line);
      l = Number(m?.[1] ?? 1);
      r = Number(m?.[2] ?? 1);
      rows.push({ hunk: line });
    } else if (line.startsWith('-')) {
      const text = shown(line.slice(1), left);
      const n = l++;
      if (text !== null) dels.push({ n, text, kind: 'del' });
    } else if (line.startsWith('+')) {
      const text = shown(line.slice(1), right);
      const n = r++;
      if (text !== null) adds.push({ n, text, kind: 'add' });
    } else if (line.startsWith(' ')) {
      const a = shown(line.slice(1), left);
      const b = shown(line.slice(1), right);
      const ln = l++;
      const rn = r++;
      if (a === null && b === null) continue;
      flush();
      rows.push({
        file,
        left: a === null ? null : { n: ln, text: a },
        right: b === null ? null : { n: rn, text: b },
      });
    }
  }
  flush();
  return rows;
}

/** The diff as a two-column grid; a line with a finding carries its rule and message as a tooltip. */
export function diffView(diff: string, findings: readonly SafetyFinding[]): HTMLElement {
  const marked = new Map<string, SafetyFinding>();
  for (const f of findings) marked.set(`${f.file}:${f.line}`, f);
  const cell = (side: 'left' | 'right', row: { file: string; left: Line | null; right: Line | null }) => {
    const c = row[side];
    if (!c) return h('div', {});
    const finding = side === 'right' ? marked.get(`${row.file}:${c.n}`) : undefined;
    return h(
      'div',
      {
        class: `${c.kind ?? ''} ${finding ? 'finding' : ''}`,
        title: finding ? `${finding.rule}: ${finding.message}` : undefined,
        'data-line': c.n,
      },
      h('span', { class: 'ln' }, c.n),
      highlight(c.text),
    );
  };
  return h(
    'div',
    { class: 'diff', role: 'table', 'aria-label': 'diff, before left and after right' },
    sideBySide(diff).map((row) =>
      'fileHeader' in row
        ? h('div', { class: 'file' }, row.fileHeader)
        : 'hunk' in row
          ? h('div', { class: 'file muted' }, row.hunk)
          : [cell('left', row), cell('right', row)],
    ),
  );
}

/** Scrolls the diff to a finding's line. */
export function focusLine(f: SafetyFinding): void {
  const el = Array.from(document.querySelectorAll('.diff .finding')).find(
    (d) => d.getAttribute('data-line') === String(f.line),
  );
  el?.scrollIntoView({ block: 'center' });
}

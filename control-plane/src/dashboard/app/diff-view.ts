/** A unified diff shown side by side, with ST highlighting and the safety findings marked on their lines. */
import type { SafetyFinding } from '@plcfleet/protocols';
import { type Child, h } from './dom';

// ST syntax highlighting for diff lines: keywords, types, strings, numbers, comments.
const ST_KEYWORDS =
  /^(IF|THEN|ELSIF|ELSE|END_IF|CASE|OF|END_CASE|FOR|TO|BY|DO|END_FOR|WHILE|END_WHILE|REPEAT|UNTIL|END_REPEAT|RETURN|EXIT|CONTINUE|AND|OR|XOR|NOT|MOD|VAR|VAR_INPUT|VAR_OUTPUT|VAR_IN_OUT|VAR_GLOBAL|VAR_TEMP|VAR_EXTERNAL|CONSTANT|RETAIN|END_VAR|PROGRAM|END_PROGRAM|FUNCTION|END_FUNCTION|FUNCTION_BLOCK|END_FUNCTION_BLOCK|METHOD|END_METHOD|TRUE|FALSE|AT)$/i;
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

interface Line {
  n: number;
  text: string;
  kind?: 'del' | 'add';
}
type Row =
  | { fileHeader: string }
  | { hunk: string }
  | { file: string; left: Line | null; right: Line | null };

/** Parses a unified diff into side-by-side rows, with line numbers. */
function sideBySide(diff: string): Row[] {
  const rows: Row[] = [];
  let file = '';
  let l = 0;
  let r = 0;
  let dels: Line[] = [];
  let adds: Line[] = [];
  const flush = () => {
    const n = Math.max(dels.length, adds.length);
    for (let i = 0; i < n; i++) rows.push({ file, left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line.slice(4).replace(/^b\//, '');
      rows.push({ fileHeader: file });
    } else if (line.startsWith('--- ')) {
      flush();
    } else if (line.startsWith('@@')) {
      flush();
      const m = /-(\d+)(?:,\d+)? \+(\d+)/.exec(line);
      l = Number(m?.[1] ?? 1);
      r = Number(m?.[2] ?? 1);
      rows.push({ hunk: line });
    } else if (line.startsWith('-')) dels.push({ n: l++, text: line.slice(1), kind: 'del' });
    else if (line.startsWith('+')) adds.push({ n: r++, text: line.slice(1), kind: 'add' });
    else if (line.startsWith(' ')) {
      flush();
      rows.push({ file, left: { n: l++, text: line.slice(1) }, right: { n: r++, text: line.slice(1) } });
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

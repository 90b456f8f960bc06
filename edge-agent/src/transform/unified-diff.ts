/**
 * Line diffs: Myers' O(ND) algorithm ("An O(ND) Difference Algorithm and Its
 * Variations", 1986) and the unified format `git diff` prints, so a person can
 * read and `git apply` a change.
 */
import type { ProgramFile } from '../sources';

/** One line of an edit script. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** 1-based line in the old text (for ' ' and '-'). */
  oldLine?: number;
  /** 1-based line in the new text (for ' ' and '+'). */
  newLine?: number;
}

/** Splits text into lines; a trailing newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The shortest edit script from `a` to `b` (lines), with common prefix and suffix trimmed first. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const mid = myers(A, B);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  const push = (op: DiffLine['op'], text: string) => {
    if (op === ' ') out.push({ op, text, oldLine: ++i, newLine: ++j });
    else if (op === '-') out.push({ op, text, oldLine: ++i });
    else out.push({ op, text, newLine: ++j });
  };
  for (let k = 0; k < pre; k++) push(' ', a[k]!);
  for (const d of mid) push(d.op, d.text);
  for (let k = a.length - suf; k < a.length; k++) push(' ', a[k]!);
  return out;
}

function myers(a: readonly string[], b: readonly string[]): Array<{ op: DiffLine['op']; text: string }> {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Backtrack through the saved frontiers.
  const ops: Array<{ op: DiffLine['op']; text: string }> = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: ' ', text: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: '+', text: b[--y]! });
      else ops.push({ op: '-', text: a[--x]! });
    }
  }
  return ops.reverse();
}

/** Counts of a diff: lines added and removed. */
export interface DiffStats {
  added: number;
  removed: number;
}

/** The unified diff of one file (`--- a/path`, `+++ b/path`, hunks with `context` lines); empty when equal. */
export function unifiedFileDiff(
  path: string,
  before: string | null,
  after: string | null,
  context = 3,
): string {
  if (before === after) return '';
  const lines = diffLines(splitLines(before ?? ''), splitLines(after ?? ''));
  const changed = lines.map((l, i) => (l.op !== ' ' ? i : -1)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  const header = `--- ${before === null ? '/dev/null' : `a/${path}`}\n+++ ${after === null ? '/dev/null' : `b/${path}`}\n`;
  const hunks: string[] = [];
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * context + 1) end++;
    const from = Math.max(0, changed[start]! - context);
    const to = Math.min(lines.length - 1, changed[end]! + context);
    const slice = lines.slice(from, to + 1);
    const oldCount = slice.filter((l) => l.op !== '+').length;
    const newCount = slice.filter((l) => l.op !== '-').length;
    const firstOld =
      slice.find((l) => l.oldLine !== undefined)?.oldLine ?? lineBefore(lines, from, 'oldLine');
    const firstNew =
      slice.find((l) => l.newLine !== undefined)?.newLine ?? lineBefore(lines, from, 'newLine');
    const oldStart = oldCount === 0 ? firstOld - 1 : firstOld;
    const newStart = newCount === 0 ? firstNew - 1 : firstNew;
    hunks.push(
      `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n${slice.map((l) => `${l.op}${l.text}\n`).join('')}`,
    );
    start = end + 1;
  }
  return header + hunks.join('');
}

function lineBefore(lines: readonly DiffLine[], index: number, key: 'oldLine' | 'newLine'): number {
  for (let i = index - 1; i >= 0; i--) {
    const n = lines[i]![key];
    if (n !== undefined) return n + 1;
  }
  return 1;
}

/** The unified diff of two programs, file by file in path order (added and removed files included). */
export function unifiedDiff(before: readonly ProgramFile[], after: readonly ProgramFile[]): string {
  const a = new Map(before.map((f) => [f.path, f.text]));
  const b = new Map(after.map((f) => [f.path, f.text]));
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.map((p) => unifiedFileDiff(p, a.get(p) ?? null, b.get(p) ?? null)).join('');
}

/** Lines added and removed between two programs. */
export function diffStats(before: readonly ProgramFile[], after: readonly ProgramFile[]): DiffStats {
  const a = new Map(before.map((f) => [f.path, f.text]));
  const b = new Map(after.map((f) => [f.path, f.text]));
  let added = 0;
  let removed = 0;
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === y) continue;
    for (const l of diffLines(splitLines(x ?? ''), splitLines(y ?? ''))) {
      if (l.op === '+') added++;
      else if (l.op === '-') removed++;
    }
  }
  return { added, removed };
}

/**
 * The scope judge: deterministic, always on. It reads the change as a reviewer
 * would and vetoes what the migration did not ask for: files or POUs outside
 * the scope, more changed lines than allowed, edits to tests or scenarios,
 * removed checks (a variable referenced fewer times than before), changes away
 * from the migration's pattern (unrelated refactors), and new blocks or
 * functions the migration never mentions (combined migrations).
 *
 * An L5X is judged by its routines (decision 0088): each ST routine's lines are
 * diffed as an ST body whose POU is `PROGRAM/ROUTINE`, at the file lines of its
 * `<Line>` elements; any other change in the file (tags, attributes, ladder
 * rungs, a routine added) lies outside every POU.
 */
import type { Migration } from '@plcfleet/protocols';
import type { Node } from '@plcfleet/toolchain/iec';
import {
  compilePattern,
  diffLines,
  fileLineOf,
  findInPou,
  isL5xFile,
  type L5xRoutines,
  l5xRoutines,
  matchesAnyGlob,
  outlineUnit,
  type ParsedFile,
  type PouOutline,
  type RuleApplication,
  splitLines,
  walk,
} from '../transform';
import type { JudgeFinding, JudgeResult } from './judge-result';

type Finding = JudgeFinding;

/** Finding codes of the scope judge; all but `changed-lines` veto. */
export const SCOPE_FINDING_CODES = {
  'file-out-of-scope': 'a changed file lies outside scope.files',
  'pou-out-of-scope': 'a changed POU lies outside scope.pous',
  'outside-pou': 'a change outside any POU or global variable list',
  'pou-removed': 'a POU was deleted',
  'too-many-lines': 'more changed lines than scope.maxChangedLines',
  'test-edited': 'a test or scenario file was changed',
  'removed-reference': 'a variable is referenced fewer times than before: a check or term was removed',
  'unrelated-change': 'a change away from the places the migration pattern matches',
  'combined-migration': 'the change brings in a block or function the migration does not mention',
  'changed-lines': 'summary: lines and POUs changed (never vetoes)',
} as const;
export type ScopeFindingCode = keyof typeof SCOPE_FINDING_CODES;

/** What the judge reads of a file: its text, and its parse for an IEC source (an L5X is read from its text). */
type JudgedFile = Pick<ParsedFile, 'file' | 'unit'>;

/** What the scope judge reads. */
export interface ScopeJudgeInput {
  migration: Migration;
  before: readonly JudgedFile[];
  after: readonly JudgedFile[];
  /** Where recipe rules applied; when empty, the migration's patterns are matched on `before` instead. */
  applications: readonly RuleApplication[];
}

const TEST_PATH =
  /(^|\/)(tests?|scenarios?|__tests__)(\/|$)|\.(test|spec|scenario)s?\.|(^|\/)test_|scenarios?\.ya?ml$/i;

function pouAt(outlines: readonly PouOutline[], line: number): PouOutline | undefined {
  return outlines.find((o) => o.regions.some((r) => r.line <= line && line <= r.endLine));
}

function identifierCounts(pou: PouOutline): Map<string, { name: string; count: number }> {
  const counts = new Map<string, { name: string; count: number }>();
  for (const body of pou.bodies)
    for (const s of body)
      walk(s, (n: Node) => {
        if (n.kind === 'Identifier') {
          const key = n.name.toLowerCase();
          const c = counts.get(key) ?? { name: n.name, count: 0 };
          c.count++;
          counts.set(key, c);
        }
        return undefined;
      });
  return counts;
}

/** Type names instantiated and names called (that are not variables) across a program. */
function usedBlocks(files: readonly JudgedFile[]): Set<string> {
  const declared = new Set<string>();
  const used = new Set<string>();
  for (const pf of files)
    walk(pf.unit, (n: Node) => {
      if (n.kind === 'VarDecl') {
        for (const nm of n.names) declared.add(nm.name.toLowerCase());
        if (n.type.kind === 'NamedType') used.add(n.type.name.toLowerCase());
      }
      return undefined;
    });
  for (const pf of files)
    walk(pf.unit, (n: Node) => {
      if (n.kind === 'Call' && n.callee.kind === 'Identifier' && !declared.has(n.callee.name.toLowerCase()))
        used.add(n.callee.name.toLowerCase());
      return undefined;
    });
  return used;
}

/** The lines (1-based, per file) where the migration's patterns apply in the original program. */
function patternLines(input: ScopeJudgeInput): Map<string, Array<[number, number]>> | null {
  const ranges = new Map<string, Array<[number, number]>>();
  const add = (file: string, a: number, b: number) => {
    const l = ranges.get(file) ?? [];
    l.push([a, b]);
    ranges.set(file, l);
  };
  if (input.applications.length) {
    for (const a of input.applications) add(a.file, a.line, a.endLine);
    return ranges;
  }
  const m = input.migration;
  const sources = [
    ...(m.recipe?.rules.map((r) => r.match) ?? []),
    ...m.preconditions.onlyIf.flatMap((c) => ('uses' in c && 'st' in c.uses ? [c.uses.st] : [])),
  ];
  if (sources.length === 0) return null;
  for (const src of sources) {
    const pattern = compilePattern(src);
    for (const pf of input.before) {
      if (isL5xFile(pf.file)) {
        for (const r of readL5xRoutines(pf.file)?.st ?? [])
          for (const match of findInPou(pattern, r.pou)) {
            const first = match.statements[0]!;
            const last = match.statements[match.statements.length - 1]!;
            add(pf.file.path, fileLineOf(r, first.span.line), fileLineOf(r, last.span.endLine));
          }
        continue;
      }
      for (const pou of outlineUnit(pf.unit))
        for (const match of findInPou(pattern, pou)) {
          const first = match.statements[0]!;
          const last = match.statements[match.statements.length - 1]!;
          add(pf.file.path, first.span.line, last.span.endLine);
        }
    }
  }
  return ranges;
}

/** An L5X's routines, or undefined when it does not read (its change is then placed in no routine). */
function readL5xRoutines(file: JudgedFile['file']): L5xRoutines | undefined {
  try {
    return l5xRoutines(file);
  } catch {
    return undefined;
  }
}

/**
 * The lines of an L5X with each ST routine's content (inside `<STContent>`) cut
 * out and a mark naming the routine in its place, each at its file line.
 */
function l5xSkeleton(r: L5xRoutines): Array<{ text: string; line: number }> {
  const spans = r.st.map((s) => ({ name: s.name, ...s.content })).sort((x, y) => x.start - y.start);
  const out: Array<{ text: string; line: number }> = [];
  const text = r.project.text;
  let start = 0;
  for (let line = 1; ; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    let kept = '';
    let pos = start;
    let cut = false;
    for (const s of spans) {
      if (s.end < start || s.start > end || (s.end === start && s.start < start)) continue;
      cut = true;
      kept += text.slice(pos, Math.max(pos, s.start));
      if (s.start >= start) kept += `\u0000ST routine ${s.name}`;
      pos = Math.max(pos, Math.min(end, s.end));
    }
    kept += text.slice(pos, end);
    // a line wholly inside a routine's content is folded into the mark
    if (!cut || kept !== '') out.push({ text: kept.replace(/\r$/, ''), line });
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

interface Tally {
  findings: Finding[];
  changedPous: Set<string>;
  added: number;
  removed: number;
}

const inRanges = (rs: ReadonlyArray<[number, number]>, line: number) =>
  rs.some(([x, y]) => x <= line && line <= y);

function unrelatedFinding(path: string, line: number): Finding {
  return {
    code: 'unrelated-change',
    message: `${path}:${line}: a change away from every place the migration's pattern matches`,
    file: path,
    line,
  };
}

/**
 * Judges the change of one L5X: outside its ST routines' content nothing may
 * change; inside, each routine's lines are diffed and judged as an ST body.
 */
function judgeL5x(
  path: string,
  b: JudgedFile | undefined,
  a: JudgedFile | undefined,
  allowed: ReadonlyArray<[number, number]> | null,
  t: Tally,
): void {
  const rb = b ? readL5xRoutines(b.file) : undefined;
  const ra = a ? readL5xRoutines(a.file) : undefined;
  if ((b && !rb) || (a && !ra)) {
    t.findings.push({
      code: 'outside-pou',
      message: `${path}: not a readable L5X, so no change in it can be placed in a routine`,
      file: path,
    });
    return;
  }
  const bSk = rb ? l5xSkeleton(rb) : [];
  const aSk = ra ? l5xSkeleton(ra) : [];
  for (const l of diffLines(
    bSk.map((x) => x.text),
    aSk.map((x) => x.text),
  )) {
    if (l.op === ' ') continue;
    if (l.op === '-') t.removed++;
    else t.added++;
    const at = (l.op === '-' ? bSk[l.oldLine! - 1] : aSk[l.newLine! - 1])!;
    const message = `${path}:${at.line}: a change outside any ST routine's lines (tags, attributes, ladder rungs or a routine added)`;
    // a line replaced in place is one finding, not one for its old and one for its new text
    if (at.text.trim() && !t.findings.some((f) => f.message === message))
      t.findings.push({ code: 'outside-pou', message, file: path, line: at.line });
  }
  const afterByName = new Map((ra?.st ?? []).map((r) => [r.name.toLowerCase(), r]));
  let unrelatedAt: number | null = null;
  for (const r of rb?.st ?? []) {
    const n = afterByName.get(r.name.toLowerCase());
    afterByName.delete(r.name.toLowerCase());
    if (!n && ra)
      t.findings.push({
        code: 'pou-removed',
        message: `${r.name} was deleted from ${path}`,
        file: path,
        line: fileLineOf(r, 1),
      });
    // The file line of the routine's line `i` (1-based; 0 is before its first).
    const fileLine = (i: number) => fileLineOf(r, i + 1);
    let lastOld = 0;
    let changed = false;
    for (const l of diffLines(r.routine.lines, n?.routine.lines ?? [])) {
      if (l.op === ' ') {
        lastOld = l.oldLine!;
        continue;
      }
      changed = true;
      if (l.op === '-') t.removed++;
      else t.added++;
      if (allowed && unrelatedAt === null && l.text.trim()) {
        const ok =
          l.op === '-'
            ? inRanges(allowed, fileLine(l.oldLine!))
            : [lastOld, lastOld + 1].some((x) => inRanges(allowed, fileLine(x)));
        if (!ok) unrelatedAt = fileLine(l.op === '-' ? l.oldLine! : lastOld + 1);
      }
      if (l.op === '-') lastOld = l.oldLine!;
    }
    if (!changed) continue;
    t.changedPous.add(r.name);
    if (n) removedReferences({ name: r.name, file: path, line: fileLineOf(r, 1) }, r.pou, n.pou, t.findings);
  }
  // ST routines new in the file: their lines are added (the routine element itself is outside-pou above).
  for (const r of afterByName.values()) {
    t.added += r.routine.lines.length;
    t.changedPous.add(r.name);
  }
  if (unrelatedAt !== null) t.findings.push(unrelatedFinding(path, unrelatedAt));
}

/** Judges the change of one IEC source file, line by line against its POUs. */
function judgeSt(
  path: string,
  b: JudgedFile | undefined,
  a: JudgedFile | undefined,
  patterns: ReadonlyArray<[number, number]> | null,
  t: Tally,
): void {
  const bOut = b ? outlineUnit(b.unit) : [];
  const aOut = a ? outlineUnit(a.unit) : [];
  const oldDecl = bOut.flatMap((o) =>
    o.varBlocks.map((vb) => [vb.span.line, vb.span.endLine] as [number, number]),
  );
  const lines = diffLines(splitLines(b?.file.text ?? ''), splitLines(a?.file.text ?? ''));
  let lastOld = 0;
  let unrelatedAt: number | null = null;
  for (const l of lines) {
    if (l.op === ' ') {
      lastOld = l.oldLine!;
      continue;
    }
    const pou = l.op === '-' ? pouAt(bOut, l.oldLine!) : pouAt(aOut, l.newLine!);
    if (l.op === '-') t.removed++;
    else t.added++;
    if (!pou) {
      if (l.text.trim())
        t.findings.push({
          code: 'outside-pou',
          message: `${path}:${l.oldLine ?? l.newLine}: a change outside any POU`,
          file: path,
          line: l.oldLine ?? l.newLine ?? 0,
        });
    } else t.changedPous.add(pou.name);
    if (patterns && unrelatedAt === null) {
      // A removed line must lie in a matched statement or a declaration block; an inserted one next to them.
      const ok =
        l.op === '-'
          ? inRanges(patterns, l.oldLine!) || inRanges(oldDecl, l.oldLine!)
          : [lastOld, lastOld + 1].some((x) => inRanges(patterns, x) || inRanges(oldDecl, x));
      if (!ok && l.text.trim()) unrelatedAt = l.oldLine ?? l.newLine ?? 0;
    }
    if (l.op === '-') lastOld = l.oldLine!;
  }
  if (unrelatedAt !== null) t.findings.push(unrelatedFinding(path, unrelatedAt));
  for (const o of bOut)
    if (!aOut.some((x) => x.name.toLowerCase() === o.name.toLowerCase()) && a)
      t.findings.push({
        code: 'pou-removed',
        message: `${o.name} was deleted from ${path}`,
        file: path,
        line: o.span.line,
      });
  for (const o of bOut) {
    const n = aOut.find((x) => x.name.toLowerCase() === o.name.toLowerCase());
    if (n && t.changedPous.has(o.name))
      removedReferences({ name: o.name, file: path, line: o.span.line }, o, n, t.findings);
  }
}

/** A `removed-reference` finding when the new POU references a variable fewer times than the old. */
function removedReferences(
  where: { name: string; file: string; line: number },
  o: PouOutline,
  n: PouOutline,
  findings: Finding[],
): void {
  const cb = identifierCounts(o);
  const ca = identifierCounts(n);
  const lost = [...cb].filter(([k, v]) => (ca.get(k)?.count ?? 0) < v.count).map(([, v]) => v.name);
  if (lost.length)
    findings.push({
      code: 'removed-reference',
      message: `${where.name}: ${lost.slice(0, 5).join(', ')} referenced fewer times than before (a check or term removed?)`,
      file: where.file,
      line: where.line,
    });
}

/** The L5X's ST routine a name belongs to is in the POU scope by its `PROGRAM/ROUTINE` or its program. */
function pouInScope(name: string, pous: readonly string[]): boolean {
  const slash = name.indexOf('/');
  return matchesAnyGlob(name, pous, true) || (slash > 0 && matchesAnyGlob(name.slice(0, slash), pous, true));
}

/** Runs the scope judge. */
export function runScopeJudge(input: ScopeJudgeInput): JudgeResult {
  const { migration } = input;
  const findings: Finding[] = [];
  const before = new Map(input.before.map((p) => [p.file.path, p]));
  const after = new Map(input.after.map((p) => [p.file.path, p]));
  const allowed = patternLines(input);
  const t: Tally = { findings, changedPous: new Set(), added: 0, removed: 0 };

  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(path);
    const a = after.get(path);
    if (b?.file.text === a?.file.text) continue;
    if (!matchesAnyGlob(path, migration.scope.files))
      findings.push({
        code: 'file-out-of-scope',
        message: `${path} is outside the file scope (${migration.scope.files.join(', ')})`,
        file: path,
      });
    if (TEST_PATH.test(path))
      findings.push({
        code: 'test-edited',
        message: `${path} looks like a test or scenario; a migration must not edit its own checks`,
        file: path,
      });
    const patterns = allowed ? (allowed.get(path) ?? []) : null;
    if (isL5xFile((b ?? a)!.file)) judgeL5x(path, b, a, patterns, t);
    else judgeSt(path, b, a, patterns, t);
  }
  const { changedPous, added, removed } = t;

  for (const name of [...changedPous].sort())
    if (!pouInScope(name, migration.scope.pous))
      findings.push({
        code: 'pou-out-of-scope',
        message: `${name} is outside the POU scope (${migration.scope.pous.join(', ')})`,
      });
  if (added + removed > migration.scope.maxChangedLines)
    findings.push({
      code: 'too-many-lines',
      message: `${added + removed} changed lines; the scope allows ${migration.scope.maxChangedLines}`,
    });

  const mentioned = [
    migration.title,
    migration.goal,
    ...migration.examples.flatMap((e) => [e.before, e.after]),
    ...(migration.recipe?.rules.flatMap((r) => [
      r.replace,
      ...r.declare.map((d) => d.type),
      ...r.retype.map((t) => t.type),
    ]) ?? []),
  ]
    .join('\n')
    .toLowerCase();
  const beforeUsed = usedBlocks(input.before);
  for (const name of [...usedBlocks(input.after)].sort())
    if (!beforeUsed.has(name) && !new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\b`).test(mentioned))
      findings.push({
        code: 'combined-migration',
        message: `${name} is new in the program and the migration never mentions it`,
      });

  findings.push({
    code: 'changed-lines',
    message: `${added + removed} changed line(s) (+${added} -${removed}) in ${changedPous.size} POU(s): ${[...changedPous].sort().join(', ') || 'none'}`,
  });
  const veto = findings.some((f) => f.code !== 'changed-lines');
  return { judge: 'scope', verdict: veto ? 'veto' : 'pass', findings };
}

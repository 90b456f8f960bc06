/**
 * The scope judge: deterministic, always on. It reads the change as a reviewer
 * would and vetoes what the migration did not ask for: files or POUs outside
 * the scope, more changed lines than allowed, edits to tests or scenarios,
 * removed checks (a variable referenced fewer times than before), changes away
 * from the migration's pattern (unrelated refactors), and new blocks or
 * functions the migration never mentions (combined migrations).
 */
import type { Migration } from '@plcfleet/protocols';
import type { Node } from '@plcfleet/toolchain/iec';
import {
  compilePattern,
  diffLines,
  findInPou,
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

/** What the scope judge reads. */
export interface ScopeJudgeInput {
  migration: Migration;
  before: readonly ParsedFile[];
  after: readonly ParsedFile[];
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
function usedBlocks(files: readonly ParsedFile[]): Set<string> {
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
    for (const pf of input.before)
      for (const pou of outlineUnit(pf.unit))
        for (const match of findInPou(pattern, pou)) {
          const first = match.statements[0]!;
          const last = match.statements[match.statements.length - 1]!;
          add(pf.file.path, first.span.line, last.span.endLine);
        }
  }
  return ranges;
}

/** Runs the scope judge. */
export function runScopeJudge(input: ScopeJudgeInput): JudgeResult {
  const { migration } = input;
  const findings: Finding[] = [];
  const before = new Map(input.before.map((p) => [p.file.path, p]));
  const after = new Map(input.after.map((p) => [p.file.path, p]));
  const allowed = patternLines(input);
  const changedPous = new Set<string>();
  let added = 0;
  let removed = 0;

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
    const bOut = b ? outlineUnit(b.unit) : [];
    const aOut = a ? outlineUnit(a.unit) : [];
    const varLines = (outs: PouOutline[]) =>
      outs.flatMap((o) => o.varBlocks.map((vb) => [vb.span.line, vb.span.endLine] as [number, number]));
    const oldDecl = varLines(bOut);
    const inRanges = (rs: Array<[number, number]>, line: number) =>
      rs.some(([x, y]) => x <= line && line <= y);
    const lines = diffLines(splitLines(b?.file.text ?? ''), splitLines(a?.file.text ?? ''));
    let lastOld = 0;
    let unrelatedAt: number | null = null;
    for (const l of lines) {
      if (l.op === ' ') {
        lastOld = l.oldLine!;
        continue;
      }
      const pou = l.op === '-' ? pouAt(bOut, l.oldLine!) : pouAt(aOut, l.newLine!);
      if (l.op === '-') removed++;
      else added++;
      if (!pou) {
        if (l.text.trim())
          findings.push({
            code: 'outside-pou',
            message: `${path}:${l.oldLine ?? l.newLine}: a change outside any POU`,
            file: path,
            line: l.oldLine ?? l.newLine ?? 0,
          });
      } else changedPous.add(pou.name);
      if (allowed && unrelatedAt === null) {
        const patterns = allowed.get(path) ?? [];
        // A removed line must lie in a matched statement or a declaration block; an inserted one next to them.
        const ok =
          l.op === '-'
            ? inRanges(patterns, l.oldLine!) || inRanges(oldDecl, l.oldLine!)
            : [lastOld, lastOld + 1].some((x) => inRanges(patterns, x) || inRanges(oldDecl, x));
        if (!ok && l.text.trim()) unrelatedAt = l.oldLine ?? l.newLine ?? 0;
      }
      if (l.op === '-') lastOld = l.oldLine!;
    }
    if (unrelatedAt !== null)
      findings.push({
        code: 'unrelated-change',
        message: `${path}:${unrelatedAt}: a change away from every place the migration's pattern matches`,
        file: path,
        line: unrelatedAt,
      });
    for (const o of bOut)
      if (!aOut.some((x) => x.name.toLowerCase() === o.name.toLowerCase()) && a)
        findings.push({
          code: 'pou-removed',
          message: `${o.name} was deleted from ${path}`,
          file: path,
          line: o.span.line,
        });
    for (const o of bOut) {
      const n = aOut.find((x) => x.name.toLowerCase() === o.name.toLowerCase());
      if (!n || !changedPous.has(o.name)) continue;
      const cb = identifierCounts(o);
      const ca = identifierCounts(n);
      const lost = [...cb].filter(([k, v]) => (ca.get(k)?.count ?? 0) < v.count).map(([, v]) => v.name);
      if (lost.length)
        findings.push({
          code: 'removed-reference',
          message: `${o.name}: ${lost.slice(0, 5).join(', ')} referenced fewer times than before (a check or term removed?)`,
          file: path,
          line: o.span.line,
        });
    }
  }

  for (const name of [...changedPous].sort())
    if (!matchesAnyGlob(name, migration.scope.pous, true))
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

/**
 * The scope judge of a deterministic tag change: every changed line is one
 * the executor's own edits made, in a file inside `scope.files`, within
 * `scope.maxChangedLines`; no HMI reference is left dangling. Its findings
 * list every file and reference changed — the evidence of the change.
 */
import type { Migration } from '@plcfleet/protocols';
import type { ProgramFile } from '../sources';
import { matchesAnyGlob, splitLines } from '../transform';
import type { JudgeFinding, JudgeResult } from './judge-result';

/** Finding codes of the tag-change judge; `changed-reference` and `changed-lines` never veto. */
const TAG_CHANGE_FINDING_CODES = {
  'file-out-of-scope': 'a changed file lies outside scope.files',
  'too-many-lines': 'more changed lines than scope.maxChangedLines',
  'unrelated-change': 'a changed line no recorded edit made',
  'dangling-reference': 'an HMI reference to a member the change removed or renamed',
  'changed-reference': 'one reference changed: file, line and what (never vetoes)',
  'changed-lines': 'summary: lines and files changed (never vetoes)',
} as const;
type Finding = JudgeFinding & { code: keyof typeof TAG_CHANGE_FINDING_CODES };

/** What the tag-change judge reads. */
export interface TagChangeJudgeInput {
  migration: Migration;
  before: readonly ProgramFile[];
  after: readonly ProgramFile[];
  /** The edits the executor made, as the judge and the evidence see them. */
  edits: readonly { file: string; line: number; what: string }[];
  /** `file:line: text` of HMI references left dangling. */
  dangling: readonly string[];
}

/** Judges a tag change; vetoes anything the recorded edits do not explain. */
export function runTagChangeJudge(input: TagChangeJudgeInput): JudgeResult {
  const findings: Finding[] = [];
  const old = new Map(input.before.map((f) => [f.path, f.text]));
  const editLines = new Map<string, Set<number>>();
  for (const e of input.edits) editLines.set(e.file, new Set([...(editLines.get(e.file) ?? []), e.line]));
  let changedLines = 0;
  const changedFiles: string[] = [];
  for (const f of input.after) {
    const before = old.get(f.path);
    if (before === f.text) continue;
    changedFiles.push(f.path);
    if (!matchesAnyGlob(f.path, input.migration.scope.files))
      findings.push({ code: 'file-out-of-scope', message: `${f.path} is outside scope.files`, file: f.path });
    const a = splitLines(before ?? '');
    const b = splitLines(f.text);
    const lines = editLines.get(f.path) ?? new Set<number>();
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      changedLines++;
      if (a.length !== b.length || !lines.has(i + 1))
        findings.push({
          code: 'unrelated-change',
          message: `${f.path}:${i + 1} changed where no recorded edit was made`,
          file: f.path,
          line: i + 1,
        });
    }
  }
  if (changedLines * 2 > input.migration.scope.maxChangedLines)
    findings.push({
      code: 'too-many-lines',
      message: `${changedLines * 2} changed lines (+${changedLines} -${changedLines}); the scope allows ${input.migration.scope.maxChangedLines}`,
    });
  for (const d of input.dangling)
    findings.push({ code: 'dangling-reference', message: `${d} names a member that no longer exists` });
  // file:line in the message too: the change review prints a finding's message.
  for (const e of input.edits)
    findings.push({
      code: 'changed-reference',
      message: `${e.file}:${e.line}: ${e.what}`,
      file: e.file,
      line: e.line,
    });
  findings.push({
    code: 'changed-lines',
    message: `${changedLines * 2} changed line(s) (+${changedLines} -${changedLines}) in ${changedFiles.length} file(s): ${changedFiles.join(', ') || 'none'}`,
  });
  const veto = findings.some((f) => f.code !== 'changed-lines' && f.code !== 'changed-reference');
  return { judge: 'scope', verdict: veto ? 'veto' : 'pass', findings };
}

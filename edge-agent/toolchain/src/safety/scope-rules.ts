/**
 * scope (with a migration): every changed POU and file must match the
 * migration's scope globs, and the changed lines must not exceed
 * `scope.maxChangedLines`.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import { lcs } from './program-diff';
import { finding } from './safety-rules';
import type { VerifyContext } from './verify-context';

/** A glob (`*`, `**`, `?`) as a case-insensitive regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/** Added plus removed lines between two texts (a line diff, as a unified diff counts them). */
export function changedLineCount(before: string, after: string): number {
  if (before === after) return 0;
  const a = before.split(/\r?\n/).map((l) => l.trimEnd());
  const b = after.split(/\r?\n/).map((l) => l.trimEnd());
  const common = lcs(a, b).length;
  return a.length - common + (b.length - common);
}

/** scope findings (none without a migration). */
export function scopeFindings(ctx: VerifyContext): SafetyFinding[] {
  const m = ctx.migration;
  if (!m) return [];
  const out: SafetyFinding[] = [];
  // An L5X routine is scoped as PROGRAM/ROUTINE; its model's POU is the program, so the
  // program part of such a glob scopes that POU here (the scope judge checks the routine).
  const pouGlobs = m.scope.pous.flatMap((g) => {
    const slash = g.indexOf('/');
    return slash > 0 ? [globToRegExp(g), globToRegExp(g.slice(0, slash))] : [globToRegExp(g)];
  });
  const fileGlobs = m.scope.files.map(globToRegExp);
  const files = new Set<string>();
  for (const p of ctx.diff.pous) {
    const file = p.newFile ?? p.oldFile ?? '';
    if (file) files.add(file);
    if (!pouGlobs.some((g) => g.test(p.name)))
      out.push(
        finding(
          'scope/pou-outside',
          'error',
          { file, line: 1 },
          `POU ${p.name} (${p.kind}) is outside the migration scope ${m.scope.pous.join(', ')}`,
          {
            pou: p.name,
            scope: m.scope.pous,
          },
        ),
      );
  }
  for (const d of ctx.diff.decls) files.add((d.new ?? d.old)!.file);
  let total = 0;
  for (const file of new Set([...ctx.before.sources.keys(), ...ctx.after.sources.keys()])) {
    const n = changedLineCount(ctx.before.sources.get(file) ?? '', ctx.after.sources.get(file) ?? '');
    if (n > 0) {
      total += n;
      files.add(file);
    }
  }
  for (const file of [...files].sort()) {
    const rel = file.replace(/\\/g, '/');
    if (!fileGlobs.some((g) => g.test(rel)))
      out.push(
        finding(
          'scope/file-outside',
          'error',
          { file, line: 1 },
          `changed file ${rel} is outside the migration scope ${m.scope.files.join(', ')}`,
          {
            file: rel,
            scope: m.scope.files,
          },
        ),
      );
  }
  if (total > m.scope.maxChangedLines)
    out.push(
      finding(
        'scope/too-many-lines',
        'error',
        undefined,
        `${total} changed lines, the migration allows ${m.scope.maxChangedLines}`,
        {
          changedLines: total,
          maxChangedLines: m.scope.maxChangedLines,
        },
      ),
    );
  return out;
}

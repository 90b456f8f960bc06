/**
 * A passed verdict as a Git change: the files that differ from the program it
 * was verified against, its evidence, and the commit message
 * `<migration id>@<revision>: <title>` with a body naming the verdict, the
 * proofs and the evidence hash. One builder for `migrate --push-branch` and
 * the agent.
 */
import { claimText, type Migration, type Verdict } from '@plcfleet/protocols';
import type { GitChange, GitProgramSource } from './git-source';
import { hashProgram, type ProgramFile, SourceError } from './program-source';

/**
 * The change a passed verdict puts on `branch`. Refuses (`changed-since-read`)
 * unless `before` and `after` are the programs the verdict names by hash, so
 * that a push carries exactly the verified change and nothing else.
 */
export function changeFromVerdict(options: {
  migration: Pick<Migration, 'id' | 'revision' | 'title'>;
  verdict: Verdict;
  before: readonly ProgramFile[];
  after: readonly ProgramFile[];
  branch: string;
}): GitChange {
  const { migration, verdict, before, after, branch } = options;
  if (verdict.outcome !== 'passed')
    throw new SourceError(
      'unsupported',
      `a ${verdict.outcome} verdict pushes nothing; only a passed one does`,
    );
  const e = verdict.evidence;
  if (hashProgram(before) !== e.sha256Before || hashProgram(after) !== e.sha256After)
    throw new SourceError('changed-since-read', 'the programs are not the ones the verdict was reached on');
  const old = new Map(before.map((f) => [f.path, f.text]));
  const files = after.filter((f) => old.get(f.path) !== f.text);
  const kept = new Set(after.map((f) => f.path));
  const removed = before.filter((f) => !kept.has(f.path)).map((f) => f.path);
  const proofs = [
    ...e.safety.proofs.map((p) => `- ${p.kind} ${p.subject}: ${claimText(p)}`),
    ...(e.equivalence ? [`- equivalence: ${claimText(e.equivalence)}`] : []),
  ];
  const body = [
    `Verdict: ${verdict.outcome} (${verdict.reason})`,
    `Job: ${verdict.jobId}, site ${verdict.site}`,
    `Safety: ${e.safety.verdict}; judges: ${e.judges.map((j) => `${j.judge} ${j.verdict}`).join(', ') || 'none'}`,
    'Proofs:',
    ...(proofs.length ? proofs : ['- none']),
    `Evidence: .plcfleet/evidence/${verdict.jobId}.json, sha256 ${e.evidenceHash}`,
    `Program: sha256 ${e.sha256Before} -> ${e.sha256After}`,
  ];
  return {
    branch,
    files,
    removed,
    evidence: { jobId: verdict.jobId, json: `${JSON.stringify(verdict, null, 2)}\n` },
    message: `${migration.id}@${migration.revision}: ${migration.title}\n\n${body.join('\n')}\n`,
    expectSha256Before: e.sha256Before!,
  };
}

/** The branch the agent puts a job's change on: `plcfleet/<site>/<jobId>`. */
export function changeBranchName(site: string, jobId: string): string {
  return `plcfleet/${site}/${jobId}`;
}

/** The tag on the commit a deploy put on the PLC: `plcfleet/<site>/<deployId>`. */
export function deployTagName(site: string, deployId: string): string {
  return `plcfleet/${site}/${deployId}`;
}

/**
 * Pushes a passed verdict's change on `branch` of `source` and says where it
 * went: the commit, or why there is none (the verdict stands either way).
 * `base` is the commit the verdict was reached on; without it, `source`'s last read.
 */
export async function pushVerdict(
  source: GitProgramSource,
  options: Parameters<typeof changeFromVerdict>[0] & { base?: string | undefined },
): Promise<NonNullable<Verdict['change']>> {
  const { base, ...rest } = options;
  const where = { repository: source.url.display, branch: options.branch };
  try {
    const change = changeFromVerdict(rest);
    const pushed = await source.pushChange({ ...change, ...(base ? { base } : {}) });
    return { ...where, commit: pushed.commit };
  } catch (err) {
    return { ...where, error: (err as Error).message };
  }
}

/**
 * Writing a verified change back to its source — the one step a deploy needs
 * from the executor. It refuses unless the program is still the one that was
 * verified and the files given make exactly the program that was verified.
 */
import type { Verdict } from '@plcfleet/protocols';
import { hashProgram, type ProgramFile, type ProgramSource, SourceError } from '../sources';

/**
 * Writes the changed files of a passed verdict (e.g. the job folder's `after/`
 * files) to the source: checks that the source still holds the program the
 * verdict started from (`sha256Before`), that applying the files gives the
 * verified program (`sha256After`), writes all or nothing, and reads back to
 * confirm. Throws {@link SourceError} (`changed-since-read`, `refused`, `io`) or
 * a plain Error when the verdict or the files do not fit.
 */
export async function writeVerifiedChange(
  source: ProgramSource,
  verdict: Verdict,
  changedFiles: readonly ProgramFile[],
): Promise<{ sha256: string }> {
  const { sha256Before, sha256After } = verdict.evidence;
  if (verdict.outcome !== 'passed' || !sha256Before || !sha256After)
    throw new Error(`verdict ${verdict.jobId} is ${verdict.outcome}; only a passed change is written`);
  const current = await source.read();
  if (hashProgram(current) !== sha256Before)
    throw new SourceError(
      'changed-since-read',
      `${source.location} no longer holds the program verdict ${verdict.jobId} verified`,
    );
  const next = new Map(current.map((f) => [f.path, f.text]));
  for (const f of changedFiles) next.set(f.path, f.text);
  if (hashProgram([...next].map(([path, text]) => ({ path, text }))) !== sha256After)
    throw new Error(
      `the files given do not make the program verdict ${verdict.jobId} verified (sha256After differs)`,
    );
  await source.write(changedFiles, { expectSha256Before: sha256Before });
  const now = hashProgram(await source.read());
  if (now !== sha256After)
    throw new SourceError(
      'io',
      `${source.location} reads back as ${now.slice(0, 12)}…, not the verified program`,
    );
  return { sha256: now };
}

/**
 * The job folder a person inspects after a run: `verdict.json`, `diff.patch`,
 * `trace.jsonl` (model turns, tool calls, verifier runs; never a secret) and,
 * for a passed verdict only, the changed files under `after/`.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Verdict } from '@plcfleet/protocols';
import { type ProgramFile, safeRelativePath } from '../sources';
import type { TraceEvent } from '../transform';

/** What goes into a job folder. */
export interface JobFolderContents {
  verdict: Verdict;
  trace: readonly TraceEvent[];
  /** Files that differ from the original (written under `after/` when the verdict passed). */
  changedFiles: readonly ProgramFile[];
}

/** Keys whose values are never written to a trace, whatever a caller put there. */
const SECRET_KEYS = /^(api[-_]?key|x-api-key|authorization|token|password|secret)$/i;

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : scrub(v)]),
    );
  if (typeof value === 'bigint') return value.toString();
  return value;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/** Writes the job folder (creating it); `verdict.json` is written last so its presence means the folder is complete. */
export async function writeJobFolder(dir: string, contents: JobFolderContents): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'diff.patch'), contents.verdict.evidence.diff);
  await writeAtomic(
    join(dir, 'trace.jsonl'),
    contents.trace.map((e) => JSON.stringify(scrub(e))).join('\n') + (contents.trace.length ? '\n' : ''),
  );
  if (contents.verdict.outcome === 'passed')
    for (const f of contents.changedFiles)
      await writeAtomic(join(dir, 'after', safeRelativePath(f.path)), f.text);
  await writeAtomic(join(dir, 'verdict.json'), `${JSON.stringify(contents.verdict, null, 2)}\n`);
}

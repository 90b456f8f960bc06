/**
 * One drift check: read the released and the live program (at the same time)
 * and compare them semantically.
 */
import type { DriftComparison } from '@plcfleet/protocols';
import { EdgeAgentError } from '../edge-agent-error';
import type { GitProgramSource, ProgramFile, ProgramSource } from '../sources';
import { comparePrograms } from './compare-programs';

/** The outcome of {@link checkDrift}: the comparison, what was read, and the released commit for Git. */
export interface DriftCheck {
  comparison: DriftComparison;
  released: { location: string; commit?: string };
  live: { location: string; files: ProgramFile[] };
}

/** Which side could not be read, with the source's error as `cause`. */
export class DriftReadError extends EdgeAgentError<'io'> {
  override readonly name = 'DriftReadError';
  constructor(
    readonly side: 'released' | 'live',
    readonly source: ProgramSource,
    cause: unknown,
  ) {
    super('io', `--${side} ${source.location}: ${(cause as Error).message}`, { side }, { cause });
  }
}

/** Reads both programs and compares them. A side that cannot be read is a {@link DriftReadError}. */
export async function checkDrift(released: ProgramSource, live: ProgramSource): Promise<DriftCheck> {
  const read = (side: 'released' | 'live', s: ProgramSource) =>
    s.read().catch((err: unknown) => {
      throw new DriftReadError(side, s, err);
    });
  const [a, b] = await Promise.all([read('released', released), read('live', live)]);
  const commit = released.kind === 'git' ? (released as GitProgramSource).lastRead()?.commit : undefined;
  return {
    comparison: comparePrograms(a, b),
    released: { location: released.location, ...(commit ? { commit } : {}) },
    live: { location: live.location, files: b },
  };
}

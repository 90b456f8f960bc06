import type { JobBundle, Verdict } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import type { ProgramFile } from '../sources';

/** Progress of a running job, forwarded to the control plane as `job.progress`. */
export interface JobProgress {
  phase: string;
  message: string;
  turn?: number;
}

/** What a {@link JobRunner} gets besides the bundle. */
export interface JobRunContext {
  /** The job's folder in the data folder (verdict.json, diff.patch, trace, changed files). */
  outDir: string;
  /** Aborted on `cancel` and when a shutdown parks the job. */
  signal: AbortSignal;
  onProgress(progress: JobProgress): void;
  /** A logger whose every line carries the job id. */
  logger: Logger;
}

/** What a job produced. */
export interface JobRunResult {
  verdict: Verdict;
  /**
   * The whole program after the change, when the verdict passed: kept in the
   * data folder and written to the PLC only on a signed deploy order whose
   * `sha256After` is its hash.
   */
  program?: ProgramFile[];
}

/**
 * Runs one job (a verified, signed bundle addressed to this site) to its
 * verdict. The seam between the daemon and the migration executor; tests
 * script it. A runner rejects (or returns early) when `signal` aborts.
 */
export interface JobRunner {
  run(bundle: JobBundle, ctx: JobRunContext): Promise<JobRunResult>;
}

import { PlcfleetError } from '../errors';

/** The exit codes of `plcfleet`; scripts may rely on them. */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The operation itself failed (a conflict, a broken audit chain, a halted rollout, …). */
  FAILED: 1,
  /** Wrong invocation: unknown command or flag, a missing or invalid file or argument. */
  USAGE: 2,
  /** No or a wrong token, or a role that may not do this. */
  AUTH: 3,
  /** The named object does not exist. */
  NOT_FOUND: 4,
  /** The control plane could not be reached. */
  UNREACHABLE: 5,
} as const;

/** A wrong invocation found by the CLI itself (bad file, missing flag): exit 2 with one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An operation that ran but did not succeed, with the line to print (exit 1). */
export class OperationFailed extends Error {
  override readonly name = 'OperationFailed';
}

const BY_CODE: Record<string, number> = {
  UNAUTHORIZED: EXIT.AUTH,
  FORBIDDEN: EXIT.AUTH,
  FOUR_EYES: EXIT.AUTH,
  RATE_LIMITED: EXIT.AUTH,
  NOT_FOUND: EXIT.NOT_FOUND,
  UNREACHABLE: EXIT.UNREACHABLE,
  VALIDATION: EXIT.USAGE,
};

/** The exit code for an error thrown by a command. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof PlcfleetError) {
    // A gateway in front of the control plane answering 502/503/504 means the server is not there.
    if (err.status === 502 || err.status === 503 || err.status === 504) return EXIT.UNREACHABLE;
    return BY_CODE[err.code] ?? EXIT.FAILED;
  }
  return EXIT.FAILED;
}

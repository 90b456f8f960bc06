import { EXIT } from '@plcfleet/protocols';
import { PlcfleetError } from '../errors';

/**
 * The exit codes of `plcfleet`; scripts may rely on them. The one table shared by
 * plcfleet's command-line tools (`@plcfleet/protocols`' `EXIT`): 0 ok, 1 failed, 2 usage,
 * 3 auth, 4 not found, 5 unreachable.
 */
export { EXIT };

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

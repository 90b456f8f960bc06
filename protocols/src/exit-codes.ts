/**
 * The one exit-code table of plcfleet's command-line tools (`plcfleet`,
 * `plcfleet-control-plane`, `plcfleet-agent`), like `gh`'s: a code means the
 * same thing in every tool, so a script can rely on it. Codes never change
 * meaning; a new meaning gets the next free number.
 */
export const EXIT = {
  /** Done: the check passed, the change is safe, the operation succeeded. */
  OK: 0,
  /** Ran, and the answer is no: errors in the program, a rejected change, a failed verdict or scenario, a counterexample, an operation that did not succeed. */
  FAILED: 1,
  /** Wrong invocation: unknown command or flag, a missing or invalid file, argument or config. */
  USAGE: 2,
  /** No or a wrong token, or a role that may not do this. */
  AUTH: 3,
  /** The named object does not exist. */
  NOT_FOUND: 4,
  /** The control plane (or another peer the command needs) could not be reached. */
  UNREACHABLE: 5,
  /** The preconditions said this site is not to be migrated: nothing was changed, nothing failed. */
  SKIPPED: 6,
  /** The command could not reach an answer: the migration's verdict is `error` (a transformer or verifier failed to run). */
  ERROR: 7,
  /** The PLC program stopped on a runtime fault (division by zero, an index out of range). */
  FAULT: 8,
} as const;

/** An exit code from {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

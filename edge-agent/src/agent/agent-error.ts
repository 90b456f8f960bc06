import type { ErrorCode } from '@plcfleet/protocols';

/**
 * The error class of the agent daemon, its link and its outbox. `code` is a
 * stable code from `ERROR_CODES`, so a refusal can travel in an `error`
 * message unchanged.
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    /** Stable error code. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

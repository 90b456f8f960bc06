import type { ErrorCode } from '@plcfleet/protocols';

/**
 * The one error class of the control plane. `code` is a stable code from
 * `ERROR_CODES`; the HTTP layer maps it to a status in one place
 * (`http/error-response.ts`), the agent gateway sends it in an `error` message.
 */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  constructor(
    /** Stable error code. */
    readonly code: ErrorCode,
    message: string,
    /** Extra fields for the response body and the log. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Shorthand for `throw new ControlPlaneError(code, message)`. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new ControlPlaneError(code, message, details);
}

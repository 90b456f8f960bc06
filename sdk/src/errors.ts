/**
 * The SDK's one error class. `code` is the API's stable error code (see
 * `ERROR_CODES` in @plcfleet/protocols) or one of the client-side codes below.
 */
export const CLIENT_ERROR_CODES = {
  /** The server could not be reached (connection refused, DNS, timeout). */
  UNREACHABLE: 'server unreachable',
  /** The server answered with something that is not the documented shape. */
  BAD_RESPONSE: 'response does not match the API schema',
  /** The caller aborted the request. */
  ABORTED: 'request aborted',
} as const;

/** An error from the plcfleet API or from reaching it. */
export class PlcfleetError extends Error {
  override readonly name = 'PlcfleetError';
  /** Stable code: an API error code (`NOT_FOUND`, `FORBIDDEN`, …) or a client code (`UNREACHABLE`, …). */
  readonly code: string;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Extra details from the server (e.g. validation issues). */
  readonly details: unknown;

  constructor(
    code: string,
    message: string,
    opts: { status?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status;
    this.details = opts.details;
  }
}

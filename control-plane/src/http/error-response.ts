import type { ErrorCode } from '@plcfleet/protocols';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one place error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION: 400,
  BAD_FRAME: 400,
  TOO_LARGE: 413,
  PROTOCOL_VERSION: 400,
  UNKNOWN_TYPE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SIGNATURE_INVALID: 400,
  WRONG_SITE: 403,
  LEASE_EXPIRED: 409,
  OUTSIDE_WINDOW: 409,
  FOUR_EYES: 403,
  SAFETY_REJECTED: 409,
  COMPILE_FAILED: 422,
  BACKPRESSURE: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The JSON body of an error response. */
export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details && Object.keys(details).length ? { details } : {}) } };
}

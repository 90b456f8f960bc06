/**
 * The stable error codes of plcfleet, shared by HTTP responses, wire `error`
 * messages and CLI `--json` output. Codes never change meaning; new ones are
 * added at the end of their group.
 */
export const ERROR_CODES = {
  /** The input did not match its schema (file, request body or message). */
  VALIDATION: 'input does not match its schema',
  /** A websocket frame that is not JSON, or not an envelope at all. */
  BAD_FRAME: 'frame is not a valid protocol envelope',
  /** A frame or request body over the size limit. */
  TOO_LARGE: 'message exceeds the size limit',
  /** The peer speaks no protocol version that we speak. */
  PROTOCOL_VERSION: 'no common protocol version',
  /** A message type this side does not know. */
  UNKNOWN_TYPE: 'unknown message type',
  /** No credentials, or credentials that match nothing. */
  UNAUTHORIZED: 'missing or invalid credentials',
  /** Valid credentials whose role may not do this. */
  FORBIDDEN: 'role is not allowed to do this',
  /** Too many failed authentications from this peer. */
  RATE_LIMITED: 'too many attempts; slow down',
  /** The named object does not exist. */
  NOT_FOUND: 'no such object',
  /** The request conflicts with the current state (wrong state for the command). */
  CONFLICT: 'conflicts with the current state',
  /** A signature did not verify, or was made with an unknown key. */
  SIGNATURE_INVALID: 'signature does not verify',
  /** A job or deploy order addressed to another site. */
  WRONG_SITE: 'addressed to another site',
  /** A job lease that expired before the agent reported. */
  LEASE_EXPIRED: 'job lease expired',
  /** A deploy attempted outside the maintenance window of its order. */
  OUTSIDE_WINDOW: 'outside the maintenance window',
  /** Four-eyes rule: the requester may not approve their own change. */
  FOUR_EYES: 'approver must not be the requester',
  /** The safety verifier rejected the change; nothing overrides this. */
  SAFETY_REJECTED: 'rejected by the safety verifier',
  /** A program that does not parse or check. */
  COMPILE_FAILED: 'program does not compile',
  /** The peer is sending faster than we process. */
  BACKPRESSURE: 'too many messages in flight',
  /** A dependency (database, PLC, control plane) could not be reached. */
  UNAVAILABLE: 'a dependency is unavailable',
  /** A bug or unexpected state on our side; details are in our log. */
  INTERNAL: 'internal error',
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** All error codes, for schemas. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

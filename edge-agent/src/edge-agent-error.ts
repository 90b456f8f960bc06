/**
 * The edge agent's error convention (issue 16 point 5): one error class,
 * {@link EdgeAgentError}, with a `code` from one table, context fields and a
 * `cause`. Each area keeps a named subclass (`PlantIoError`, `SourceError`,
 * `AgentError`, …) so existing `instanceof` checks and messages stay, but every
 * error the package throws is an `EdgeAgentError` whose code is listed here.
 */
import { ERROR_CODES } from '@plcfleet/protocols';

/** Codes of plant I/O (Modbus TCP, OPC UA, staging). */
export const PLANT_IO_ERROR_CODES = {
  /** A tag map, user file or option is invalid. */
  BAD_CONFIG: 'BAD_CONFIG',
  /** A tag names a variable the PLC program does not have. */
  UNKNOWN_VARIABLE: 'UNKNOWN_VARIABLE',
  /** A value does not fit the tag's type or range. */
  BAD_VALUE: 'BAD_VALUE',
  /** The Modbus peer answered with an exception code (or a data model asks the server to). */
  MODBUS_EXCEPTION: 'MODBUS_EXCEPTION',
  /** No answer within the timeout, or the connection dropped. */
  COMM_FAILURE: 'COMM_FAILURE',
  /** An OPC UA call failed with a Bad status code. */
  OPCUA_BAD_STATUS: 'OPCUA_BAD_STATUS',
  /** A new program was refused (does not compile, or an online change is impossible). */
  PROGRAM_REFUSED: 'PROGRAM_REFUSED',
  /** Security settings refused (e.g. `none` without `--insecure`). */
  INSECURE: 'INSECURE',
} as const;

/** Codes of program sources (a directory, a PLC over OPC UA). */
export const SOURCE_ERROR_CODES = {
  /** A path leaves the project or is malformed. */
  'bad-path': 'a path leaves the project or is malformed',
  /** The project path does not exist or holds no program files. */
  'not-found': 'the project path does not exist or holds no program files',
  /** The program changed since it was verified; nothing was written. */
  'changed-since-read': 'the program changed since it was verified; nothing written',
  /** Reading or writing failed. */
  io: 'reading or writing failed',
  /** The PLC refused the online change; nothing was applied. */
  refused: 'the PLC refused the online change; nothing applied',
  /** The source cannot do this. */
  unsupported: 'the source cannot do this',
} as const;

/** Codes of the transformers. */
export const TRANSFORM_ERROR_CODES = {
  /** A recipe pattern does not parse as ST statements. */
  BAD_PATTERN: 'pattern is not valid ST',
  /** A workspace edit was refused (shown to the model or MCP client as the tool's answer). */
  EDIT_REFUSED: 'edit refused',
  /** The model service itself failed (network, HTTP error): the verdict is `error`, not `failed`. */
  MODEL_SERVICE: 'model service failed',
} as const;

/**
 * Every code of the edge agent: the wire codes the agent daemon and its link share with
 * the control plane (`ERROR_CODES` of protocols, so a refusal travels unchanged), and
 * the codes of plant I/O, program sources and transformers. No code appears twice.
 */
export const EDGE_AGENT_ERROR_CODES = {
  ...ERROR_CODES,
  ...PLANT_IO_ERROR_CODES,
  ...SOURCE_ERROR_CODES,
  ...TRANSFORM_ERROR_CODES,
} as const;

/** A code from {@link EDGE_AGENT_ERROR_CODES}. */
export type EdgeAgentErrorCode = keyof typeof EDGE_AGENT_ERROR_CODES;

/** The edge agent's error: a stable code, a readable message, context fields, a cause. */
export class EdgeAgentError<C extends EdgeAgentErrorCode = EdgeAgentErrorCode> extends Error {
  override readonly name: string = 'EdgeAgentError';
  constructor(
    /** Stable error code from {@link EDGE_AGENT_ERROR_CODES}. */
    readonly code: C,
    message: string,
    /** Fields a caller may act on (e.g. `missing` variables, `exceptionCode`). */
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A code of plant I/O. */
export type PlantIoErrorCode = keyof typeof PLANT_IO_ERROR_CODES;

/** The edge agent's error as plant I/O (Modbus TCP, OPC UA, staging) throws it. */
export class PlantIoError extends EdgeAgentError<PlantIoErrorCode> {
  override readonly name = 'PlantIoError';
}

/**
 * Bad input a command found itself (a missing flag, an unreadable or invalid
 * file): printed as one line, exit `EXIT.USAGE`.
 */
export class BadInput extends EdgeAgentError<'VALIDATION'> {
  override readonly name = 'BadInput';
  constructor(message: string, options?: { cause?: unknown }) {
    super('VALIDATION', message, {}, options);
  }
}

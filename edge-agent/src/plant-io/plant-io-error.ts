/** Error codes of plant I/O (Modbus TCP, OPC UA, staging). */
export const PLANT_IO_ERROR_CODES = {
  /** A tag map, user file or option is invalid. */
  BAD_CONFIG: 'BAD_CONFIG',
  /** A tag names a variable the PLC program does not have. */
  UNKNOWN_VARIABLE: 'UNKNOWN_VARIABLE',
  /** A value does not fit the tag's type or range. */
  BAD_VALUE: 'BAD_VALUE',
  /** The Modbus peer answered with an exception code. */
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
export type PlantIoErrorCode = keyof typeof PLANT_IO_ERROR_CODES;

/** The one error class of plant I/O: a code, a readable message, and optional context. */
export class PlantIoError extends Error {
  override readonly name = 'PlantIoError';
  constructor(
    readonly code: PlantIoErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

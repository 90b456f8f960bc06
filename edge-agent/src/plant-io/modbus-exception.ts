import { EdgeAgentError } from '../edge-agent-error';

/** Modbus exception codes (Modbus Application Protocol v1.1b3 §7). */
export const MODBUS_EXCEPTION = {
  /** The function code is not supported. */
  ILLEGAL_FUNCTION: 0x01,
  /** An address in the request is not mapped (or not writable). */
  ILLEGAL_DATA_ADDRESS: 0x02,
  /** A quantity or value in the request is not allowed. */
  ILLEGAL_DATA_VALUE: 0x03,
  /** The server failed while performing the request. */
  SERVER_DEVICE_FAILURE: 0x04,
  /** A gateway's target (here: a unit id this server is not) did not respond. */
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** Thrown by a data model to make the server answer with an exception response (code `MODBUS_EXCEPTION`). */
export class ModbusException extends EdgeAgentError<'MODBUS_EXCEPTION'> {
  override readonly name = 'ModbusException';
  constructor(
    /** The Modbus exception code to answer with ({@link MODBUS_EXCEPTION}). */
    readonly exceptionCode: number,
    message: string,
  ) {
    super('MODBUS_EXCEPTION', message, { exceptionCode });
  }
}

/** Per-request quantity limits (Modbus Application Protocol v1.1b3 §6). */
export const MODBUS_LIMITS = {
  /** FC 1/2: bits per read. */
  readBits: 2000,
  /** FC 3/4: registers per read. */
  readRegisters: 125,
  /** FC 15: coils per write. */
  writeCoils: 1968,
  /** FC 16: registers per write. */
  writeRegisters: 123,
  /** FC 23: registers written in a read/write. */
  readWriteWrite: 121,
} as const;

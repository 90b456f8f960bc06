/**
 * Error codes of the virtual PLC: runtime faults (the PLC goes to STOP) and
 * errors raised before any scan runs (the program cannot be simulated).
 */

/** Runtime faults: the program stops with a fault report, as a real PLC goes to STOP. */
export const SIM_FAULT_CODES = {
  /** Integer (or, by default, REAL) division or MOD by zero (IEC 61131-3 §6.6.2.5.2 lists it as an error). */
  DIV_BY_ZERO: 'DIV_BY_ZERO',
  /** Array subscript outside the declared bounds (§6.4.4.5). */
  INDEX_OUT_OF_RANGE: 'INDEX_OUT_OF_RANGE',
  /** Dereference of a pointer or reference that is not bound. */
  NULL_REFERENCE: 'NULL_REFERENCE',
  /** A scan ran more loop iterations or calls than the watchdog allows (endless loop). */
  WATCHDOG: 'WATCHDOG',
  /** Call depth exceeded (recursion, which IEC 61131-3 §6.6.1.2 forbids). */
  RECURSION: 'RECURSION',
  /** A conversion's value has no form in its result (*_TO_BCD of a negative value or of more digits than the bit string holds). */
  CONVERSION_RANGE: 'CONVERSION_RANGE',
  /** A defect in the simulator itself; never expected, reported rather than thrown. */
  INTERNAL: 'INTERNAL',
} as const;

/** A runtime fault code. */
export type SimFaultCode = (typeof SIM_FAULT_CODES)[keyof typeof SIM_FAULT_CODES];

/** Why a program could not be prepared for simulation. */
export const SIM_ERROR_CODES = {
  /** The front end reported errors; nothing is simulated from a program that does not compile. */
  CHECK_FAILED: 'SIM_CHECK_FAILED',
  /** The requested program (or any program to run) does not exist. */
  NO_PROGRAM: 'SIM_NO_PROGRAM',
  /** A construct the simulator does not execute (fail closed rather than guess). */
  UNSUPPORTED: 'SIM_UNSUPPORTED',
  /** A name the simulator cannot resolve. */
  UNKNOWN_NAME: 'SIM_UNKNOWN_NAME',
  /** A variable path given to get/set/force does not exist or is not settable. */
  BAD_PATH: 'SIM_BAD_PATH',
  /** A scenario, inputs file or equivalence option is malformed, or a value given to set/force does not suit its variable. */
  BAD_INPUT: 'SIM_BAD_INPUT',
  /** An online change cannot be applied. */
  ONLINE_CHANGE_REFUSED: 'SIM_ONLINE_CHANGE_REFUSED',
} as const;

/** A preparation error code. */
export type SimErrorCode = (typeof SIM_ERROR_CODES)[keyof typeof SIM_ERROR_CODES];

/** Where something happened in the source. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** The error class of the virtual PLC for everything that is not a runtime fault. */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly location?: SourceLocation,
    options?: { cause?: unknown },
  ) {
    super(location ? `${location.file}:${location.line}:${location.column}: ${message}` : message, options);
  }
}

/** A runtime fault report: what stopped the PLC, where and when. */
export interface SimFault {
  code: SimFaultCode;
  message: string;
  file: string;
  line: number;
  column: number;
  /** The scan (numbered from 0) during which the fault happened. */
  scan: number;
  /** Virtual time of that scan in ms. */
  timeMs: number;
}

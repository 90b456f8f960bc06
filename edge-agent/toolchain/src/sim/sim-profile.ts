/**
 * Dialect choices of the virtual PLC. Where IEC 61131-3 leaves behaviour to
 * the implementation or vendors disagree, the default is written here and
 * explained in docs/decisions/0002-virtual-plc-dialect-defaults.md.
 */

/** Options that select the dialect; every field is optional. */
export interface SimProfileOptions {
  /**
   * AND / OR evaluate both operands (IEC 61131-3 does not short-circuit; CODESYS neither —
   * it offers AND_THEN / OR_ELSE). `true` short-circuits like some vendors.
   * @default false
   */
  shortCircuit?: boolean;
  /**
   * Width of intermediate integer results. 'type': each operation's result has the operands'
   * type and wraps there (the standard's typing, §6.6.1.2). 'register': operands narrower than
   * 32 bits are widened to DINT and only narrowed on assignment (what CODESYS on 32-bit CPUs does).
   * @default 'type'
   */
  intermediateWidth?: 'type' | 'register';
  /**
   * Unit of TIME when converted to or from an integer (TIME_TO_DINT, DINT_TO_TIME).
   * @default 'ms' (CODESYS, TwinCAT, Siemens)
   */
  timeIntegerUnit?: 'ms' | 'us' | 'ns' | 's';
  /**
   * CTU/CTD/CTUD stop at the INT limits (§6.6.3.5.3). `false` wraps.
   * @default true
   */
  counterSaturation?: boolean;
  /**
   * REAL/LREAL division by zero: 'fault' stops the PLC (fail closed); 'ieee' yields INF/NaN
   * as an FPU without exceptions does.
   * @default 'fault'
   */
  realDivisionByZero?: 'fault' | 'ieee';
  /**
   * Loop iterations allowed per scan before the watchdog stops the PLC.
   * @default 1_000_000
   */
  watchdogIterations?: number;
}

/** A profile with every choice made. */
export type SimProfile = Required<SimProfileOptions>;

/** Fills the defaults of a profile. */
export function resolveProfile(options: SimProfileOptions = {}): SimProfile {
  return {
    shortCircuit: options.shortCircuit ?? false,
    intermediateWidth: options.intermediateWidth ?? 'type',
    timeIntegerUnit: options.timeIntegerUnit ?? 'ms',
    counterSaturation: options.counterSaturation ?? true,
    realDivisionByZero: options.realDivisionByZero ?? 'fault',
    watchdogIterations: options.watchdogIterations ?? 1_000_000,
  };
}

/**
 * A conformance case: a program, the variables the harness writes and reads,
 * and an input timeline. The same case runs under the reference (MATIEC) and
 * under our VirtualPlc; both print one line per scan in the `simulate` shape.
 */

/** Elementary types a case may expose as inputs or outputs. */
export type CaseType =
  | 'BOOL'
  | 'SINT'
  | 'INT'
  | 'DINT'
  | 'LINT'
  | 'USINT'
  | 'UINT'
  | 'UDINT'
  | 'ULINT'
  | 'BYTE'
  | 'WORD'
  | 'DWORD'
  | 'REAL'
  | 'LREAL'
  | 'TIME';

/** A variable of the program instance that the harness writes or reads. */
export interface CaseVar {
  name: string;
  type: CaseType;
}

/** One program with its stimulus. */
export interface ConformanceCase {
  /** Stable id, e.g. `gen-000123`. */
  id: string;
  /** ST source without a CONFIGURATION; the harness adds one for the reference. */
  source: string;
  /** The PROGRAM type to run. */
  program: string;
  inputs: CaseVar[];
  outputs: CaseVar[];
  scans: number;
  /** Scan number → assignments written before that scan (values hold until changed). */
  timeline: [number, Record<string, boolean | number>][];
}

/** A scan's outputs as JSON values (64-bit integers as decimal strings, TIME in ms). */
export type ScanValues = Record<string, boolean | number | string>;

/** Scan cycle of every case, as the issue fixes it. */
export const CYCLE_MS = 10;

/**
 * The virtual PLC's value model: how each IEC 61131-3 data type is held in
 * JavaScript, its default value, and how a value is brought back into range
 * after an operation (wrap-around for integers, `Math.fround` for REAL).
 *
 * Representation (IEC 61131-3 §6.4.2, Table 10 elementary data types):
 * - BOOL: `boolean`.
 * - SINT..DINT, USINT..UDINT, BYTE..DWORD: `number`, always normalised to the width.
 * - LINT, ULINT, LWORD: `bigint` (only these: 64-bit values exceed a double's 53 bits).
 * - REAL: `number` rounded with `Math.fround` at every store; LREAL: `number`.
 * - TIME, DATE, TIME_OF_DAY, DATE_AND_TIME: `number` of milliseconds (DATE and DT since
 *   1970-01-01, TOD since midnight); LTIME: `bigint` nanoseconds.
 * - STRING(n), WSTRING(n), CHAR, WCHAR: `string`, cut to the declared length at every store.
 * - Enumerations: the member's integer value.
 */

import type { Initializer } from '../iec';
import { timeValueMs } from './iec-time';
import { SIM_ERROR_CODES, SimError } from './sim-errors';

/** Names of the integer types, with their width and signedness. */
export const INTEGER_TYPES = {
  SINT: { bits: 8, signed: true },
  INT: { bits: 16, signed: true },
  DINT: { bits: 32, signed: true },
  LINT: { bits: 64, signed: true },
  USINT: { bits: 8, signed: false },
  UINT: { bits: 16, signed: false },
  UDINT: { bits: 32, signed: false },
  ULINT: { bits: 64, signed: false },
  BYTE: { bits: 8, signed: false },
  WORD: { bits: 16, signed: false },
  DWORD: { bits: 32, signed: false },
  LWORD: { bits: 64, signed: false },
} as const;

/** An integer type name. */
export type IntegerTypeName = keyof typeof INTEGER_TYPES;

/** Elementary type names the virtual PLC knows (aliases such as TIME_OF_DAY are normalised). */
export type ElementaryName =
  | 'BOOL'
  | IntegerTypeName
  | 'REAL'
  | 'LREAL'
  | 'TIME'
  | 'LTIME'
  | 'DATE'
  | 'TOD'
  | 'DT'
  | 'STRING'
  | 'WSTRING'
  | 'CHAR'
  | 'WCHAR';

/** A resolved data type of the virtual PLC. */
export type SimType =
  | { kind: 'elem'; name: ElementaryName; length?: number }
  | { kind: 'array'; elem: SimType; dims: { lo: number; hi: number }[] }
  | { kind: 'struct'; name: string; fields: { name: string; type: SimType; init?: Initializer }[] }
  | { kind: 'enum'; name: string; members: { name: string; value: number }[]; base: IntegerTypeName }
  | { kind: 'fb'; name: string }
  | { kind: 'iface'; name: string }
  /** `implicit`: REFERENCE TO and VAR_IN_OUT (used without `^`); otherwise POINTER TO / REF_TO. */
  | { kind: 'ref'; target: SimType; implicit: boolean };

/** The default STRING length when none is declared (IEC 61131-3 §6.4.4.1: implementation-dependent; 80 is CODESYS/TwinCAT's). */
export const DEFAULT_STRING_LENGTH = 80;

const ALIASES: Record<string, ElementaryName> = {
  TIME_OF_DAY: 'TOD',
  DATE_AND_TIME: 'DT',
  LTIME_OF_DAY: 'TOD',
  LTOD: 'TOD',
  LDATE: 'DATE',
  LDATE_AND_TIME: 'DT',
  LDT: 'DT',
};

const ELEMENTARY_NAMES = new Set<string>([
  'BOOL',
  ...Object.keys(INTEGER_TYPES),
  'REAL',
  'LREAL',
  'TIME',
  'LTIME',
  'DATE',
  'TOD',
  'DT',
  'STRING',
  'WSTRING',
  'CHAR',
  'WCHAR',
]);

/** Normalises an elementary type name (case-insensitive, aliases folded), or undefined when it is not one. */
export function elementaryName(name: string): ElementaryName | undefined {
  const upper = name.toUpperCase();
  const alias = ALIASES[upper];
  if (alias) return alias;
  return ELEMENTARY_NAMES.has(upper) ? (upper as ElementaryName) : undefined;
}

/** Shorthand for an elementary SimType. */
export function elem(name: ElementaryName, length?: number): SimType {
  return length === undefined ? { kind: 'elem', name } : { kind: 'elem', name, length };
}

/** True for the integer types (including the bit strings BYTE..LWORD). */
export function isIntegerName(name: string): name is IntegerTypeName {
  return Object.hasOwn(INTEGER_TYPES, name);
}

/** True when values of this type are held as `bigint`. */
export function isBigName(name: ElementaryName): boolean {
  return name === 'LINT' || name === 'ULINT' || name === 'LWORD' || name === 'LTIME';
}

/** True for REAL and LREAL. */
export function isRealName(name: ElementaryName): boolean {
  return name === 'REAL' || name === 'LREAL';
}

/** True for the bit-string types, on which AND/OR/XOR/NOT act bitwise (§6.6.1.2.3). */
export function isBitString(name: ElementaryName): boolean {
  return name === 'BYTE' || name === 'WORD' || name === 'DWORD' || name === 'LWORD';
}

/** True for the duration and date types. */
export function isTimeName(name: ElementaryName): boolean {
  return name === 'TIME' || name === 'LTIME' || name === 'DATE' || name === 'TOD' || name === 'DT';
}

/** True for STRING, WSTRING, CHAR, WCHAR. */
export function isStringName(name: ElementaryName): boolean {
  return name === 'STRING' || name === 'WSTRING' || name === 'CHAR' || name === 'WCHAR';
}

/** The limits of an integer type, as bigint. */
export function integerRange(name: IntegerTypeName): { min: bigint; max: bigint } {
  const { bits, signed } = INTEGER_TYPES[name];
  if (signed) return { min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n };
  return { min: 0n, max: (1n << BigInt(bits)) - 1n };
}

/**
 * Wraps an integer to the width of its type (two's complement modulo 2^n).
 * IEC 61131-3 leaves overflow implementation-dependent (§6.6.1.2.2); every
 * PLC runtime we target wraps, so the simulator does too.
 */
export function wrapInteger(name: IntegerTypeName, v: number | bigint): number | bigint {
  const { bits, signed } = INTEGER_TYPES[name];
  if (bits === 64) {
    const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
    return signed ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  }
  let n = typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v;
  if (!Number.isFinite(n)) n = 0;
  // Values beyond 2^53 lose low bits before masking; operations in generated code never produce them.
  n = Math.trunc(n) % 4294967296;
  switch (bits) {
    case 8:
      return signed ? (n << 24) >> 24 : n & 0xff;
    case 16:
      return signed ? (n << 16) >> 16 : n & 0xffff;
    default:
      return signed ? n | 0 : n >>> 0;
  }
}

/**
 * JavaScript source that normalises the value of expression `x` to an integer
 * type (used by the code generator; `x` is generated code, never user text).
 */
export function wrapIntegerCode(name: IntegerTypeName, x: string): string {
  const { bits, signed } = INTEGER_TYPES[name];
  switch (bits) {
    case 8:
      return signed ? `((${x})<<24>>24)` : `((${x})&255)`;
    case 16:
      return signed ? `((${x})<<16>>16)` : `((${x})&65535)`;
    case 32:
      return signed ? `((${x})|0)` : `((${x})>>>0)`;
    default:
      return signed ? `$asI64(${x})` : `$asU64(${x})`;
  }
}

/** The default (initial) value of a type, per IEC 61131-3 §6.4.2 Table 10 (zero, FALSE, empty string, first enum member). */
export function defaultValue(t: SimType): unknown {
  switch (t.kind) {
    case 'elem':
      if (t.name === 'BOOL') return false;
      if (isBigName(t.name)) return 0n;
      if (isStringName(t.name)) return '';
      return 0;
    case 'enum':
      return t.members[0]?.value ?? 0;
    case 'ref':
    case 'iface':
      return null;
    default:
      return undefined;
  }
}

/** A readable name of a type, as ST spells it. */
export function typeName(t: SimType): string {
  switch (t.kind) {
    case 'elem':
      return t.length !== undefined && (t.name === 'STRING' || t.name === 'WSTRING')
        ? `${t.name}(${t.length})`
        : t.name;
    case 'array':
      return `ARRAY[${t.dims.map((d) => `${d.lo}..${d.hi}`).join(',')}] OF ${typeName(t.elem)}`;
    case 'struct':
    case 'enum':
    case 'fb':
    case 'iface':
      return t.name;
    case 'ref':
      return `${t.implicit ? 'REFERENCE TO' : 'POINTER TO'} ${typeName(t.target)}`;
  }
}

/** How {@link coerceElementary} takes a value. */
export interface CoerceOptions {
  /** Declared length of a STRING/WSTRING. */
  length?: number;
  /**
   * Refuse what the type cannot hold as given — an integer out of range or not whole, a BOOL for a
   * number or a number other than 0/1 for a BOOL, a string too long, an unknown enumeration
   * value — instead of converting it (decision 0155).
   * @default false
   */
  exact?: boolean;
  /** The variable's path, named in the error. @default 'value' */
  path?: string;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/** The forms a TIME or LTIME value is accepted in, said when one is refused. */
const TIME_FORMS = {
  TIME: 'give ms, or a duration: T#1s, TIME#1m30s, 1s, 250ms',
  LTIME: 'give ms, or a duration: LT#1s, LTIME#1m30s, T#1s, 1s, 250ms',
} as const;

/**
 * Brings an external value (from JSON, YAML, the API or a live PLC) into the representation of an
 * elementary type (decision 0155). Always refused, with a SIM_BAD_INPUT error naming the path, the
 * type and the value: an object or array; a string that is no number for a number, time or
 * enumeration type, or no TRUE/FALSE/1/0 for a BOOL; NaN or ±Infinity for an integer or a time.
 * Otherwise, by default, converted as before: integers wrap to the width (what a PLC keeps of a
 * wider value: its low bits), fractions truncate, STRINGs are cut, a BOOL is 1 or 0; with
 * `exact`, refused instead.
 */
export function coerceElementary(name: ElementaryName, v: unknown, options: CoerceOptions = {}): unknown {
  const { exact = false, length } = options;
  const refuse = (why = ''): never => {
    const type =
      length !== undefined && (name === 'STRING' || name === 'WSTRING') ? `${name}(${length})` : name;
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      `${options.path ?? 'value'}: ${shown(v)} is not a value of ${type}${why ? ` (${why})` : ''}`,
    );
  };
  if (typeof v === 'object' && v !== null) refuse();
  if (name === 'BOOL') {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const u = v.trim().toUpperCase();
      if (u === 'TRUE' || u === '1') return true;
      if (u === 'FALSE' || u === '0') return false;
      return refuse();
    }
    if (exact && v !== 0 && v !== 1 && v !== 0n && v !== 1n) refuse('TRUE, FALSE, 1 or 0');
    return Boolean(v);
  }
  if (isStringName(name)) {
    if (exact && typeof v !== 'string') refuse();
    const s = String(v ?? '');
    const max = name === 'CHAR' || name === 'WCHAR' ? 1 : (length ?? DEFAULT_STRING_LENGTH);
    if (s.length <= max) return s;
    if (exact) refuse(`${s.length} characters`);
    return s.slice(0, max);
  }
  if (typeof v === 'boolean' && exact) refuse();
  // a string must be a number; bigint and boolean are numbers here (TRUE is 1)
  let n: number | bigint;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+$/.test(t)) n = BigInt(t);
    else if (t !== '' && Number.isFinite(Number(t))) n = Number(t);
    else if (name === 'TIME' || name === 'LTIME') {
      // a duration as an engineer writes it; anything a reader could take two ways is refused
      const ms = timeValueMs(t, name === 'LTIME');
      if (ms === undefined) return refuse(TIME_FORMS[name]);
      n = ms;
    } else return refuse(isTimeName(name) ? 'a time is given in ms' : 'not a number');
  } else n = typeof v === 'bigint' ? v : Number(v ?? 0);
  if (isIntegerName(name)) {
    if (typeof n === 'number') {
      if (!Number.isFinite(n)) refuse('not a number');
      if (exact && !Number.isInteger(n)) refuse('not a whole number');
    }
    if (exact) {
      const { min, max } = integerRange(name);
      const b = typeof n === 'bigint' ? n : BigInt(n);
      if (b < min || b > max) refuse(`${min}..${max}`);
    }
    return wrapInteger(name, typeof n === 'number' ? Math.trunc(n) : n);
  }
  if (name === 'REAL') return Math.fround(Number(n));
  if (name === 'LREAL') return Number(n);
  if (name === 'LTIME') {
    // bigint is ns (the internal form), a number is ms (as TIME is given)
    if (typeof n === 'bigint') return n;
    if (!Number.isFinite(n)) refuse('not a number');
    return BigInt(Math.round(n * 1e6));
  }
  // TIME, DATE, TOD, DT: ms
  const ms = Number(n);
  if (!Number.isFinite(ms)) refuse('not a number');
  if (exact && !Number.isInteger(ms)) refuse('not a whole number of ms');
  return Math.trunc(ms);
}

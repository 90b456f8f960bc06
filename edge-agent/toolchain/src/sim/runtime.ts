/**
 * The helpers that generated code receives as its only outside world: fault
 * raising, bounds checks, integer division, conversions, the standard
 * functions. Generated code reaches nothing else (no globals, no `require`).
 */

import { formatDuration } from './iec-time';
import type { SimFaultCode } from './sim-errors';
import { SIM_FAULT_CODES } from './sim-errors';
import { makeStdFbs, type StdFbOptions } from './std-fbs';

/** Thrown inside generated code to stop the scan; caught by the runner and turned into a fault report. */
export class FaultSignal {
  constructor(
    readonly code: SimFaultCode,
    readonly loc: number,
    readonly detail: string,
  ) {}
}

/** A reference (VAR_IN_OUT, REFERENCE TO, POINTER TO): a container and the key of the referenced slot. */
export class Ref {
  constructor(
    readonly o: Record<string | number, unknown>,
    readonly k: string | number,
  ) {}
}

/** Deep copy of a value for assignment of structures and arrays (value semantics, §6.5.2). */
export function cloneValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || v instanceof Ref) return v;
  if (Array.isArray(v)) return v.map(cloneValue);
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) out[k] = k === '$c' ? src[k] : cloneValue(src[k]);
  return out;
}

/** Rounds half away from zero, as REAL_TO_INT does in the runtimes we target (see decision 0002). */
function roundHalfAway(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Options of the runtime library (a subset of the profile). */
export interface RuntimeOptions extends StdFbOptions {
  /** 'fault': REAL division by zero stops the PLC; 'ieee': it yields ±INF/NaN. */
  realDivisionByZero: 'fault' | 'ieee';
}

/** Builds the library object handed to generated code. */
export function makeRuntime(options: RuntimeOptions) {
  const fail = (code: SimFaultCode, loc: number, detail: string): never => {
    throw new FaultSignal(code, loc, detail);
  };
  const bits32 = (x: number, bits: number, signed: boolean): number => {
    if (bits === 8) return signed ? (x << 24) >> 24 : x & 0xff;
    if (bits === 16) return signed ? (x << 16) >> 16 : x & 0xffff;
    return signed ? x | 0 : x >>> 0;
  };
  const mask = (bits: number) => (bits === 32 ? 0xffffffff : (1 << bits) - 1);
  const fbs = makeStdFbs(options);
  const ieee = options.realDivisionByZero === 'ieee';
  return {
    fbs,
    Number,
    // Everything generated code uses comes from here, so it names no global of its own.
    floor: Math.floor,
    /**
     * *_BCD_TO_* (Table 22): decimal digits in nibbles; not BCD (a nibble above 9) gives -1, as CODESYS does.
     * An LWORD comes as a bigint (its 16 digits exceed 32 bits and a double's 53) and gives a bigint.
     */
    bcd: (x: number | bigint): number | bigint => {
      if (typeof x === 'bigint') {
        let big = 0n;
        for (let scale = 1n, v = BigInt.asUintN(64, x); v > 0n; v >>= 4n, scale *= 10n) {
          const d = v & 15n;
          if (d > 9n) return -1n;
          big += d * scale;
        }
        return big;
      }
      let out = 0;
      for (let scale = 1, v = x >>> 0; v > 0; v = Math.floor(v / 16), scale *= 10) {
        const d = v % 16;
        if (d > 9) return -1;
        out += d * scale;
      }
      return out;
    },
    /**
     * *_TO_BCD (Table 22): the decimal digits of `x` into the nibbles of a bit string of `digits`
     * nibbles (an LWORD's 16 as a bigint); a negative value or more digits than that is a fault.
     */
    toBcd: (x: number | bigint, digits: number, loc: number): number | bigint => {
      let v = BigInt(x);
      if (v < 0n || v >= 10n ** BigInt(digits))
        fail('CONVERSION_RANGE', loc, `${x} has no BCD form in ${digits} digits`);
      let out = 0n;
      for (let shift = 0n; v > 0n; v /= 10n, shift += 4n) out |= (v % 10n) << shift;
      return digits > 8 ? out : Number(out);
    },
    /** CONCAT_DATE (3rd edition Table 37): ms since 1970-01-01 of a calendar date (proleptic Gregorian, UTC). */
    date: (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d),
    freeze: Object.freeze,
    fill: (n: number, v: unknown): unknown[] => new Array(n).fill(v),
    /** n zeros of REAL/LREAL: filled with a fraction first, so V8 holds them as doubles from the start. */
    fillReal: (n: number): number[] => new Array<number>(n).fill(0.5).fill(0),
    arr: (n: number, make: () => unknown): unknown[] => Array.from({ length: n }, make),
    fail,
    clone: cloneValue,
    ref: (o: Record<string | number, unknown>, k: string | number) => new Ref(o, k),
    /** Null check of a reference before use. */
    deref: (r: Ref | null, loc: number): Ref =>
      r ?? fail(SIM_FAULT_CODES.NULL_REFERENCE, loc, 'reference is not bound'),
    /**
     * `p[i]` on a POINTER TO T (CODESYS pointer indexing: the address of `p^` plus i times the
     * size of T): the i-th element after the one `r` points at, in the same array. A pointer to a
     * whole array (`ADR(a)`) points at its first element; from a variable that is no array
     * element only `p[0]` exists. Leaving the array is INDEX_OUT_OF_RANGE, as `a[k]` is.
     */
    pix: (r: Ref | null, i: number, loc: number): Ref => {
      const p = r ?? fail(SIM_FAULT_CODES.NULL_REFERENCE, loc, 'pointer is not bound');
      const whole = p.o[p.k];
      const [arr, k] = Array.isArray(whole) ? [whole, 0] : [p.o, p.k];
      if (Array.isArray(arr) && typeof k === 'number') {
        const j = k + i;
        if (j >= 0 && j < arr.length && j === Math.floor(j)) return new Ref(arr as never, j);
        return fail(
          SIM_FAULT_CODES.INDEX_OUT_OF_RANGE,
          loc,
          `pointer index ${i} leaves the array it points into (element ${j} of ${arr.length})`,
        );
      }
      if (i === 0) return p;
      return fail(
        SIM_FAULT_CODES.INDEX_OUT_OF_RANGE,
        loc,
        `pointer index ${i} from a variable that is no array element (only [0] exists)`,
      );
    },
    /** Index check: `k` is the zero-based offset in a dimension of `n` elements (§6.4.4.5). */
    ix: (k: number, n: number, loc: number): number =>
      k >= 0 && k < n && k === Math.floor(k)
        ? k
        : fail(SIM_FAULT_CODES.INDEX_OUT_OF_RANGE, loc, `array index out of range (offset ${k} of ${n})`),
    idiv: (a: number, b: number, loc: number): number =>
      b === 0 ? fail(SIM_FAULT_CODES.DIV_BY_ZERO, loc, 'integer division by zero') : Math.trunc(a / b),
    imod: (a: number, b: number, loc: number): number =>
      b === 0 ? fail(SIM_FAULT_CODES.DIV_BY_ZERO, loc, 'MOD by zero') : a % b,
    bdiv: (a: bigint, b: bigint, loc: number): bigint =>
      b === 0n ? fail(SIM_FAULT_CODES.DIV_BY_ZERO, loc, 'integer division by zero') : a / b,
    bmod: (a: bigint, b: bigint, loc: number): bigint =>
      b === 0n ? fail(SIM_FAULT_CODES.DIV_BY_ZERO, loc, 'MOD by zero') : a % b,
    rdiv: (a: number, b: number, loc: number): number =>
      b === 0 && !ieee ? fail(SIM_FAULT_CODES.DIV_BY_ZERO, loc, 'REAL division by zero') : a / b,
    /** Multiplication wrapped to 32 bits without losing low bits (Math.imul). */
    imul: Math.imul,
    fround: Math.fround,
    asI64: (x: bigint) => BigInt.asIntN(64, x),
    asU64: (x: bigint) => BigInt.asUintN(64, x),
    toBig: (x: number) => BigInt(Math.trunc(Number.isFinite(x) ? x : 0)),
    big2num: (x: bigint) => Number(BigInt.asIntN(64, x)),
    /** REAL → integer: round to nearest, half away from zero; NaN/INF give 0. */
    rnd: roundHalfAway,
    trunc: (x: number) => (Number.isFinite(x) ? Math.trunc(x) : 0),
    // IEC 61131-3 §6.6.2.5.3 Table 26: shifts and rotates on ANY_BIT of `bits` width.
    shl: (x: number, n: number, bits: number) => (n >= bits || n < 0 ? 0 : bits32(x << n, bits, false)),
    shr: (x: number, n: number, bits: number) =>
      n >= bits || n < 0 ? 0 : bits32((x & mask(bits)) >>> n, bits, false),
    rol: (x: number, n: number, bits: number) => {
      const m = ((n % bits) + bits) % bits;
      const v = x & mask(bits);
      return m === 0 ? bits32(v, bits, false) : bits32((v << m) | (v >>> (bits - m)), bits, false);
    },
    ror: (x: number, n: number, bits: number) => {
      const m = ((n % bits) + bits) % bits;
      const v = x & mask(bits);
      return m === 0 ? bits32(v, bits, false) : bits32((v >>> m) | (v << (bits - m)), bits, false);
    },
    bshl: (x: bigint, n: number) => (n >= 64 || n < 0 ? 0n : BigInt.asUintN(64, x << BigInt(n))),
    bshr: (x: bigint, n: number) => (n >= 64 || n < 0 ? 0n : BigInt.asUintN(64, x) >> BigInt(n)),
    brol: (x: bigint, n: number) => {
      const m = BigInt(((n % 64) + 64) % 64);
      const v = BigInt.asUintN(64, x);
      return BigInt.asUintN(64, (v << m) | (v >> ((64n - m) % 64n)));
    },
    bror: (x: bigint, n: number) => {
      const m = BigInt(((n % 64) + 64) % 64);
      const v = BigInt.asUintN(64, x);
      return BigInt.asUintN(64, (v >> m) | (v << ((64n - m) % 64n)));
    },
    math: {
      sqrt: Math.sqrt,
      ln: Math.log,
      log: Math.log10,
      exp: Math.exp,
      sin: Math.sin,
      cos: Math.cos,
      tan: Math.tan,
      asin: Math.asin,
      acos: Math.acos,
      atan: Math.atan,
      atan2: Math.atan2,
      pow: Math.pow,
      abs: Math.abs,
      floor: Math.floor,
      min: Math.min,
      max: Math.max,
    },
    // IEC 61131-3 §6.6.2.5.11 Table 29: string functions; positions are 1-based.
    str: {
      len: (s: string) => s.length,
      left: (s: string, n: number) => s.slice(0, Math.max(0, n)),
      right: (s: string, n: number) => (n <= 0 ? '' : s.slice(-n)),
      mid: (s: string, n: number, p: number) =>
        s.slice(Math.max(0, p - 1), Math.max(0, p - 1) + Math.max(0, n)),
      concat: (...xs: string[]) => xs.join(''),
      insert: (a: string, b: string, p: number) => a.slice(0, p) + b + a.slice(p),
      del: (s: string, n: number, p: number) =>
        s.slice(0, Math.max(0, p - 1)) + s.slice(Math.max(0, p - 1 + n)),
      replace: (a: string, b: string, n: number, p: number) =>
        a.slice(0, Math.max(0, p - 1)) + b + a.slice(Math.max(0, p - 1 + n)),
      find: (a: string, b: string) => a.indexOf(b) + 1,
      cut: (s: string, n: number) => (s.length > n ? s.slice(0, n) : s),
    },
    /** Converts a value to its STRING form (§6.6.2.5.8: conversions to STRING give the literal's text). */
    toStr: (v: unknown, kind: string): string => {
      if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
      if (kind === 'TIME') return formatDuration(v as number);
      if (kind === 'LTIME') return formatDuration(Number(v as bigint) / 1e6, 'LTIME');
      if (kind === 'REAL' || kind === 'LREAL') {
        const n = v as number;
        return Number.isInteger(n) ? n.toFixed(1) : String(n);
      }
      return String(v);
    },
    /** Parses a STRING to a number; non-numeric text gives 0 (CODESYS STRING_TO_INT behaviour). */
    parseNum: (s: string): number => {
      const n = Number(s.trim().replace(/_/g, ''));
      return Number.isFinite(n) ? n : 0;
    },
    parseBig: (s: string): bigint => {
      const t = s.trim().replace(/_/g, '');
      return /^[+-]?\d+$/.test(t) ? BigInt(t) : 0n;
    },
  };
}

/** The runtime library type. */
export type Runtime = ReturnType<typeof makeRuntime>;

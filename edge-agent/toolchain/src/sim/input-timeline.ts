/**
 * Input timelines of `plcfleet-agent simulate --inputs`: which values to
 * write before which scan. Also the JSON form of values on the way out.
 */
import { SIM_ERROR_CODES, SimError } from './sim-errors';
import type { SimValue } from './virtual-plc';

/** Scan number → the assignments to make before that scan. */
export type InputTimeline = Map<number, Record<string, SimValue>>;

function assignments(o: unknown, where: string): Record<string, SimValue> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${where}: expected an object of variable values`);
  }
  const out: Record<string, SimValue> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'scan') continue;
    if (typeof v !== 'boolean' && typeof v !== 'number' && typeof v !== 'string') {
      throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${where}: ${k} must be a boolean, number or string`);
    }
    out[k] = v;
  }
  return out;
}

/**
 * Reads an inputs document: an array whose element i applies before scan i (or before
 * `"scan": k` when the element carries it), or an object keyed by scan number.
 * A value holds until changed (the PLC keeps what was written).
 */
export function parseInputTimeline(doc: unknown): InputTimeline {
  const t: InputTimeline = new Map();
  const add = (scan: number, a: Record<string, SimValue>) => {
    if (!Number.isInteger(scan) || scan < 0) {
      throw new SimError(
        SIM_ERROR_CODES.BAD_INPUT,
        `scan number must be a non-negative integer, got ${scan}`,
      );
    }
    t.set(scan, { ...(t.get(scan) ?? {}), ...a });
  };
  if (Array.isArray(doc)) {
    doc.forEach((el, i) => {
      const scan =
        typeof el === 'object' && el !== null && 'scan' in el ? Number((el as { scan: unknown }).scan) : i;
      add(scan, assignments(el, `inputs[${i}]`));
    });
  } else if (typeof doc === 'object' && doc !== null) {
    for (const [k, v] of Object.entries(doc)) add(Number(k), assignments(v, `inputs["${k}"]`));
  } else {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, 'inputs must be a JSON array or object');
  }
  return t;
}

/** A value in JSON: 64-bit integers as numbers when exact, else as decimal strings. */
export function jsonValue(v: SimValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonValue(x);
    return o;
  }
  return v;
}

/**
 * `JSON.stringify(jsonValue(a)) === JSON.stringify(jsonValue(b))`, without serialising: arrays
 * element by element, objects key by key in their order, stopping at the first difference (the
 * equivalence checker compares every structured output after every scan; a Logix STRING's 82
 * DATA bytes made two serialisations per scan most of an L5X proof, h3-1). Exactly as strict:
 * numbers equal as JSON prints them (-0 and 0 alike, NaN with NaN), a BigInt as the number or
 * text `jsonValue` makes of it, a key whose value JSON leaves out left out.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      // an element JSON cannot print is printed as null
      for (let i = 0; i < a.length; i++)
        if (!sameJson(printed(a[i]) ? a[i] : null, printed(b[i]) ? b[i] : null)) return false;
      return true;
    }
    const ka = keptKeys(a as Record<string, unknown>);
    const kb = keptKeys(b as Record<string, unknown>);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return false;
      const k = ka[i] as string;
      if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    }
    return true;
  }
  // mixed kinds, BigInts, strings: as JSON prints them
  return JSON.stringify(jsonValue(a as SimValue)) === JSON.stringify(jsonValue(b as SimValue));
}

/** The keys JSON prints of an object's own enumerable ones (not those whose value it leaves out). */
function keptKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  for (const k of keys) {
    const t = typeof o[k];
    if (t === 'undefined' || t === 'function' || t === 'symbol') return keys.filter((x) => printed(o[x]));
  }
  return keys;
}

function printed(v: unknown): boolean {
  const t = typeof v;
  return t !== 'undefined' && t !== 'function' && t !== 'symbol';
}

/**
 * Decoding of literal text into values (IEC 61131-3 §6.3): integers in bases
 * 2/8/10/16 with `_` separators, reals, `$` string escapes, durations and
 * dates. Every function returns `undefined` for malformed text; the parser
 * turns that into ST1006.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `123`, `1_000`, `16#FF`, `2#1010`, `8#17`; returns number when safe, bigint beyond. */
export function decodeInteger(raw: string): { value: number | bigint; base: 2 | 8 | 10 | 16 } | undefined {
  // fast path: plain decimal digits, the common case
  if (raw.length > 0 && raw.length < 16) {
    let plain = true;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c < 48 || c > 57) {
        plain = false;
        break;
      }
    }
    if (plain) return { value: Number(raw), base: 10 };
  }
  const hash = raw.indexOf('#');
  let base: 2 | 8 | 10 | 16 = 10;
  let digits = raw;
  if (hash >= 0) {
    const b = raw.slice(0, hash);
    if (b !== '2' && b !== '8' && b !== '16') return undefined;
    base = Number(b) as 2 | 8 | 16;
    digits = raw.slice(hash + 1);
  }
  digits = digits.replace(/_/g, '');
  if (digits.length === 0) return undefined;
  const re = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!re.test(digits)) return undefined;
  if (base === 10 && digits.length < 16) return { value: Number(digits), base };
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const big = BigInt(prefix + digits);
  return { value: big <= MAX_SAFE ? Number(big) : big, base };
}

/** `1.5`, `1.0E-3`, `1_000.5`. */
export function decodeReal(raw: string): number | undefined {
  const v = Number(raw.indexOf('_') < 0 ? raw : raw.replace(/_/g, ''));
  return Number.isFinite(v) ? v : undefined;
}

const ESCAPES: Record<string, string> = {
  $: '$',
  "'": "'",
  '"': '"',
  L: '\n',
  N: '\n',
  P: '\f',
  R: '\r',
  T: '\t',
};

/** Decodes `'It$'s $N'` / `"$0041"` (quotes included in raw). `$hh` (STRING) and `$hhhh` (WSTRING) are char codes. */
export function decodeString(raw: string, wide: boolean): string | undefined {
  if (raw.length < 2 || raw[raw.length - 1] !== raw[0]) return undefined;
  const body = raw.slice(1, -1);
  if (body.indexOf('$') < 0) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return undefined;
    const esc = ESCAPES[next.toUpperCase()];
    if (esc !== undefined && !(next === "'" && wide) && !(next === '"' && !wide)) {
      out += esc;
      i++;
      continue;
    }
    const n = wide ? 4 : 2;
    const hex = body.slice(i + 1, i + 1 + n);
    if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += n;
  }
  return out;
}

const UNIT_NS: Record<string, bigint> = {
  d: 86_400_000_000_000n,
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  ns: 1n,
};

/** Duration body after `T#`: `1h2m3s4ms`, `1.5s`, `-5s`, `1d_2h`. Returns nanoseconds. */
export function decodeDuration(body: string): bigint | undefined {
  let s = body.replace(/_/g, '').toLowerCase();
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (s.length === 0) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|us|ns|d|h|m|s)/y;
  let total = 0n;
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) return undefined;
    const num = m[1]!;
    const unit = UNIT_NS[m[2]!]!;
    const dot = num.indexOf('.');
    if (dot < 0) total += BigInt(num) * unit;
    else {
      const int = BigInt(num.slice(0, dot));
      const frac = num.slice(dot + 1);
      const scale = 10n ** BigInt(frac.length);
      total += int * unit + (BigInt(frac) * unit) / scale;
    }
    at = re.lastIndex;
  }
  return negative ? -total : total;
}

const NS_PER_MS = 1_000_000n;

/** ns → ms as a number (fraction kept below 1 ms). */
export function nsToMs(ns: bigint): number {
  const whole = ns / NS_PER_MS;
  const rest = ns % NS_PER_MS;
  return Number(whole) + Number(rest) / 1e6;
}

/** Time of day `12:30:00.5` → ns since midnight. */
export function decodeTimeOfDay(body: string): bigint | undefined {
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?$/.exec(body.replace(/_/g, ''));
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const sec = Number(m[3] ?? 0);
  if (h > 24 || min > 59 || sec > 60) return undefined;
  const frac = m[4] ?? '';
  const fracNs = frac ? BigInt(frac.padEnd(9, '0')) : 0n;
  return BigInt(h * 3600 + min * 60 + sec) * 1_000_000_000n + fracNs;
}

/** Date `2024-01-31` → ns since 1970-01-01 UTC. */
export function decodeDate(body: string): bigint | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(body);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return BigInt(Date.UTC(y, mo - 1, d)) * NS_PER_MS;
}

/** Date and time `2024-01-31-12:30:00` → ns since 1970-01-01 UTC. */
export function decodeDateAndTime(body: string): bigint | undefined {
  const m = /^(\d{4}-\d{1,2}-\d{1,2})-(.+)$/.exec(body);
  if (!m) return undefined;
  const date = decodeDate(m[1]!);
  const tod = decodeTimeOfDay(m[2]!);
  return date === undefined || tod === undefined ? undefined : date + tod;
}

/** Canonical names of the time/date literal prefixes. */
export const DATE_KIND: Record<string, 'DATE' | 'LDATE' | 'TOD' | 'LTOD' | 'DT' | 'LDT'> = {
  D: 'DATE',
  DATE: 'DATE',
  LD: 'LDATE',
  LDATE: 'LDATE',
  TOD: 'TOD',
  TIME_OF_DAY: 'TOD',
  LTOD: 'LTOD',
  LTIME_OF_DAY: 'LTOD',
  DT: 'DT',
  DATE_AND_TIME: 'DT',
  LDT: 'LDT',
  LDATE_AND_TIME: 'LDT',
};

/** Canonical names of the duration prefixes. */
export const DURATION_KIND: Record<string, 'TIME' | 'LTIME'> = {
  T: 'TIME',
  TIME: 'TIME',
  LT: 'LTIME',
  LTIME: 'LTIME',
};

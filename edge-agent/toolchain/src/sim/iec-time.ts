/**
 * Durations as plant engineers write them in scenario files (`250ms`, `1.5s`,
 * `T#1m30s`, `2h`) and as the simulator prints them (IEC 61131-3 §6.3.5 forms).
 */

const UNITS: Record<string, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  ns: 0.000001,
};

/**
 * Parses a duration into milliseconds: a bare number is milliseconds; otherwise
 * one or more `<number><unit>` parts (d, h, m, s, ms, us, ns), optionally prefixed
 * with `T#`, `TIME#`, `LTIME#` or `LT#`. Returns undefined when malformed.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  let s = text.trim().toLowerCase().replace(/_/g, '');
  s = s.replace(/^(ltime|time|lt|t)#/, '');
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  }
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return sign * Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|us|ns|d|h|m|s)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Units of an IEC duration in the order a literal must give them (§6.3.5: largest first). */
const UNIT_ORDER = ['d', 'h', 'm', 's', 'ms', 'us', 'ns'];

/**
 * A value given for a TIME (or, with `long`, an LTIME) variable as text, in milliseconds: a
 * number of ms (`1000`), an IEC duration literal (`T#1s`, `TIME#1m30s`, `t#-250ms`; for an
 * LTIME also `LT#`/`LTIME#`), or the same without its prefix (`1s`, `250ms`), as scenario times
 * are written. Strict where a reader could guess wrong, so undefined for: a space or unknown
 * unit (`1 s`, `1sec`), a unit twice or out of order (`1s1m`), a fraction before the last unit
 * (`1.5s200ms`), and an LTIME literal for a TIME (`LTIME#1s`: another type).
 */
export function timeValueMs(text: string, long = false): number | undefined {
  let s = text.trim().toLowerCase().replace(/_/g, '');
  const prefix = /^(ltime|lt|time|t)#/.exec(s);
  if (prefix) {
    if (!long && prefix[1]?.startsWith('l')) return undefined;
    s = s.slice(prefix[0].length);
  }
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  }
  if (/^\d+(\.\d+)?$/.test(s)) return sign * Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|us|ns|d|h|m|s)/y;
  let total = 0;
  let pos = 0;
  let last = -1;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    const order = UNIT_ORDER.indexOf(m[2] as string);
    if (order <= last) return undefined;
    last = order;
    pos = re.lastIndex;
    if (m[1]?.includes('.') && pos < s.length) return undefined;
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
  }
  return pos === 0 ? undefined : sign * total;
}

/** Formats milliseconds as an IEC duration literal, e.g. `T#1m30s250ms`. */
export function formatDuration(ms: number, prefix: 'TIME' | 'LTIME' = 'TIME'): string {
  const head = prefix === 'TIME' ? 'T#' : 'LTIME#';
  if (!Number.isFinite(ms)) return `${head}0ms`;
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [u, f] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / f);
    if (n > 0) parts.push(`${n}${u}`);
    rest -= n * f;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${Number(rest.toFixed(6))}ms`);
  return head + (ms < 0 ? '-' : '') + parts.join('');
}

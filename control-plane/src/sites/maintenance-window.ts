import type { MaintenanceWindow, WindowInterval } from '@plcfleet/protocols';

const DAY_INDEX = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

/** Offset of `timeZone` from UTC at `instant`, in ms (positive east of Greenwich). */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `timeZone` (the first one when the clock repeats). */
function zonedToUtc(y: number, m: number, d: number, h: number, min: number, timeZone: string): number {
  const guess = Date.UTC(y, m, d, h, min);
  const first = guess - zoneOffset(guess, timeZone);
  return guess - zoneOffset(first, timeZone);
}

/** Every window occurrence that starts within a week around `now`. */
function occurrences(
  windows: readonly MaintenanceWindow[],
  timeZone: string,
  now: number,
): [number, number][] {
  const out: [number, number][] = [];
  const localNow = new Date(now + zoneOffset(now, timeZone));
  for (let delta = -8; delta <= 8; delta++) {
    const day = new Date(
      Date.UTC(localNow.getUTCFullYear(), localNow.getUTCMonth(), localNow.getUTCDate() + delta),
    );
    for (const w of windows) {
      if (!w.days.some((name) => DAY_INDEX[name] === day.getUTCDay())) continue;
      const [hh, mm] = w.start.split(':').map(Number) as [number, number];
      const start = zonedToUtc(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hh, mm, timeZone);
      out.push([start, start + w.durationMinutes * 60_000]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** True when `now` lies inside one of the site's maintenance windows. */
export function inMaintenanceWindow(
  windows: readonly MaintenanceWindow[],
  timeZone: string,
  now = Date.now(),
): boolean {
  return occurrences(windows, timeZone, now).some(([s, e]) => s <= now && now < e);
}

/**
 * The window a deploy order approved now is valid in: the one open now (from now
 * to its end), else the next one to open. Null when the site has no windows.
 */
export function nextMaintenanceWindow(
  windows: readonly MaintenanceWindow[],
  timeZone: string,
  now = Date.now(),
): WindowInterval | null {
  // Overlapping or adjacent occurrences (a 24 h window every day) merge into one interval.
  const merged: [number, number][] = [];
  for (const [s, e] of occurrences(windows, timeZone, now)) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const hit = merged.find(([, e]) => e > now);
  if (!hit) return null;
  return {
    notBefore: new Date(Math.max(hit[0], now)).toISOString(),
    notAfter: new Date(hit[1]).toISOString(),
  };
}

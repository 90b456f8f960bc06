import { MaintenanceWindow } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { inMaintenanceWindow, nextMaintenanceWindow } from './maintenance-window';

const w = (x: unknown) => MaintenanceWindow.parse(x);
// Thursday 2026-11-26 12:00 UTC.
const now = Date.parse('2026-11-26T12:00:00Z');

describe('maintenance windows', () => {
  it('finds the next window in the site’s time zone', () => {
    const sat = [w({ days: ['sat'], start: '02:00', durationMinutes: 120 })];
    expect(nextMaintenanceWindow(sat, 'Europe/Berlin', now)).toEqual({
      notBefore: '2026-11-28T01:00:00.000Z',
      notAfter: '2026-11-28T03:00:00.000Z',
    });
    expect(inMaintenanceWindow(sat, 'Europe/Berlin', Date.parse('2026-11-28T01:30:00Z'))).toBe(true);
    expect(inMaintenanceWindow(sat, 'UTC', Date.parse('2026-11-28T01:30:00Z'))).toBe(false);
  });

  it('gives the rest of the window open now, and merges back-to-back daily windows', () => {
    const daily = [w({ start: '11:00', durationMinutes: 120 })];
    expect(nextMaintenanceWindow(daily, 'UTC', now)).toEqual({
      notBefore: '2026-11-26T12:00:00.000Z',
      notAfter: '2026-11-26T13:00:00.000Z',
    });
    const always = [w({ start: '00:00', durationMinutes: 1440 })];
    const r = nextMaintenanceWindow(always, 'UTC', now)!;
    expect(Date.parse(r.notAfter) - now).toBeGreaterThan(24 * 3_600_000);
  });

  it('has no window without windows', () => {
    expect(nextMaintenanceWindow([], 'UTC', now)).toBeNull();
  });

  it('follows daylight saving time', () => {
    // 2027-03-28: Europe/Berlin moves to UTC+2; a 03:00 local window starts at 01:00 UTC.
    const sun = [w({ days: ['sun'], start: '03:00', durationMinutes: 60 })];
    expect(nextMaintenanceWindow(sun, 'Europe/Berlin', Date.parse('2027-03-27T12:00:00Z'))?.notBefore).toBe(
      '2027-03-28T01:00:00.000Z',
    );
  });
});

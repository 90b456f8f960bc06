import { z } from 'zod';
import { Slug, Timestamp } from './common';
import { SiteLibrary, SitePolicy } from './site-policy';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A recurring maintenance window in the site's time zone (`start` HH:MM, `days` default every day). */
export const MaintenanceWindow = z.strictObject({
  days: z.array(z.enum(DAYS)).default([...DAYS]),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)'),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

/** An absolute window: what a deploy order carries. */
export const WindowInterval = z.strictObject({ notBefore: Timestamp, notAfter: Timestamp });
export type WindowInterval = z.infer<typeof WindowInterval>;

/**
 * Zone names this runtime's Intl accepted. Constructing a DateTimeFormat costs ~0.1–0.3 ms,
 * and listing 10,000 sites validates each row: one construction per distinct zone instead.
 * Only accepted names are kept, so the set is bounded by the IANA list, not by requests.
 */
const acceptedZones = new Set<string>();

/** True when `tz` is a time zone this runtime's Intl knows (IANA names such as `Europe/Berlin`, and `UTC`). */
function isTimeZone(tz: string): boolean {
  if (acceptedZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  if (acceptedZones.size < 2000) acceptedZones.add(tz);
  return true;
}

/** An IANA time zone, e.g. `Europe/Berlin`; `Mars/Olympus` is refused. */
export const TimeZone = z
  .string()
  .min(1)
  .max(100)
  .refine(isTimeZone, 'not an IANA time zone (e.g. "Europe/Berlin", "America/Chicago", "UTC")');

/** Declared beside SiteFacts, which lists the same libraries; re-exported for the registry's users. */
export { SiteLibrary };

/** A plant site in the fleet registry. */
export const Site = z.strictObject({
  name: Slug,
  tags: z.array(z.string().min(1).max(100)).max(100).default([]),
  firmware: z.string().max(100).optional(),
  /** Libraries on the site's controller with their versions. */
  libraries: z.array(SiteLibrary).max(500).optional(),
  timeZone: TimeZone.default('UTC'),
  maintenanceWindows: z.array(MaintenanceWindow).default([]),
  policy: SitePolicy.optional(),
});
export type Site = z.infer<typeof Site>;
export type SiteInput = z.input<typeof Site>;

import { z } from 'zod';
import { API_VERSION } from './version';

/** `apiVersion: plcfleet/v1`, required on every document. */
export const ApiVersion = z.literal(API_VERSION);

/** An identifier for sites, migrations, rollouts: lower-case letters, digits, `-`, `_`, `.`. */
export const Slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');

/** A PLC variable name as declared (`Safety_OK`) or qualified (`PROGRAM.var`). Case-insensitive like ST. */
export const PlcName = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/,
    'not an ST identifier (A-Z, 0-9, _; dots to qualify)',
  );

const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * A duration as people write it (`250ms`, `10s`, `5m`, `1h30m`, `2d`) or a number of
 * milliseconds; parsed to milliseconds.
 */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(DURATION_RE, 'expected a duration like "250ms", "10s", "5m" or "1h30m"')
    .refine((s) => s.length > 0, 'empty duration')
    .transform((s) => {
      const m = DURATION_RE.exec(s)!;
      const [d, h, min, sec, ms] = m.slice(1).map((x) => Number(x ?? 0)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      return (((d * 24 + h) * 60 + min) * 60 + sec) * 1000 + ms;
    }),
]);

/** A semantic-ish firmware version: `3`, `3.1`, `3.1.4`. */
export const VersionString = z.string().regex(/^\d+(\.\d+){0,3}$/, 'expected a version like "3.1.4"');

/** A version range: comparators joined by spaces, e.g. `>=3.0 <4`. */
export const VersionRange = z
  .string()
  .regex(/^\s*(?:(?:>=|<=|>|<|=)?\d+(?:\.\d+){0,3}\s*)+$/, 'expected a version range like ">=3.0 <4"');

/** Lower-case hex SHA-256. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case hex SHA-256');

/** An ISO-8601 timestamp with time zone. */
export const Timestamp = z.iso.datetime({ offset: true });

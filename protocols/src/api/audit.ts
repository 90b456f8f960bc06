import { z } from 'zod';
import { ApiTime } from './common';

/** One row of the hash-chained audit log. */
export const AuditEntryView = z.object({
  seq: z.number().int(),
  at: ApiTime,
  /** User name, `agent:<id>` or `engine`. */
  actor: z.string(),
  action: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

/** `GET /v1/audit?after=&limit=&subject=`. */
export const AuditList = z.object({ entries: z.array(AuditEntryView) });

/** `GET /v1/audit/verify`: the chain recomputed; the first broken link when any. */
export const AuditVerification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBroken: z.object({ seq: z.number().int(), problem: z.string() }).nullable(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;

/** One event of `GET /v1/events` (SSE `data:`; the SSE `event:` field repeats `type`). */
export const ControlPlaneEvent = z.object({
  type: z.string(),
  rolloutId: z.string().optional(),
  jobId: z.string().optional(),
  site: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  at: ApiTime,
});
export type ControlPlaneEvent = z.infer<typeof ControlPlaneEvent>;

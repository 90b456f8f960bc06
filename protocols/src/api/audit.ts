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
  /** The last row of the chain as it stands (an anchor to keep elsewhere). */
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable().optional(),
  /** Anchors (rows whose hash was kept elsewhere) found in place. */
  anchorsChecked: z.number().int().optional(),
});
/** The last row of the audit chain: kept outside the store, it lets a later verification see a cut-back or rebuilt log. */
export const AuditHead = z.object({ seq: z.number().int(), hash: z.string(), at: ApiTime }).nullable();
export type AuditHead = z.infer<typeof AuditHead>;
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

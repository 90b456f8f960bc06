import { AuditHead, AuditList, AuditVerification } from '@plcfleet/protocols';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { defineRoute } from '../http/route';
import { auditHead, listAudit, parseAnchor, verifyAudit } from './audit.repository';

/** The audit log. */
export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/audit',
    summary: 'Audit entries in chain order (page with `after`); `newest=true`: the last `limit` entries',
    roles: ANY_ROLE,
    query: z.object({
      after: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      subject: z.string().optional(),
      /** The newest `limit` entries (still in chain order) instead of the oldest. */
      newest: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
    }),
    response: AuditList,
    handler: async ({ ctx, query }) => ({
      entries: await listAudit(ctx.db, {
        ...(query.after !== undefined ? { afterSeq: query.after } : {}),
        ...(query.subject ? { subjectId: query.subject } : {}),
        limit: query.limit,
        newest: query.newest,
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/audit/verify',
    summary:
      'Recompute the hash chain; report the first broken link. `anchor=SEQ:HASH[,SEQ:HASH…]`: rows whose hash was kept elsewhere (see /v1/audit/head) must still be there, unchanged',
    roles: ANY_ROLE,
    query: z.object({ anchor: z.string().max(10_000).optional() }),
    response: AuditVerification,
    handler: async ({ ctx, query }) =>
      verifyAudit(
        ctx.db,
        (query.anchor ?? '')
          .split(',')
          .filter((a) => a.trim() !== '')
          .map(parseAnchor),
      ),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/audit/head',
    summary:
      'The last row of the chain (seq, hash): keep it outside the store, and a later verify with it as an anchor sees a cut-back or rebuilt log',
    roles: ANY_ROLE,
    response: AuditHead,
    handler: async ({ ctx }) => auditHead(ctx.db),
  }),
];

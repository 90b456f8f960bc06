import { AuditList, AuditVerification } from '@plcfleet/protocols';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { defineRoute } from '../http/route';
import { listAudit, verifyAudit } from './audit.repository';

/** The audit log. */
export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/audit',
    summary: 'Audit entries in order (page with `after`)',
    roles: ANY_ROLE,
    query: z.object({
      after: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      subject: z.string().optional(),
    }),
    response: AuditList,
    handler: async ({ ctx, query }) => ({
      entries: await listAudit(ctx.db, {
        ...(query.after !== undefined ? { afterSeq: query.after } : {}),
        ...(query.subject ? { subjectId: query.subject } : {}),
        limit: query.limit,
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Recompute the hash chain; report the first broken link',
    roles: ANY_ROLE,
    response: AuditVerification,
    handler: async ({ ctx }) => verifyAudit(ctx.db),
  }),
];

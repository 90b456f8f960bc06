import {
  ApplyMigrationRequest,
  ApplyMigrationResponse,
  MigrationList,
  MigrationView,
} from '@plcfleet/protocols';
import { z } from 'zod';
import { appendAudit } from '../audit/audit.repository';
import { ANY_ROLE } from '../auth/roles';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { transaction } from '../store/database';
import { getMigration, insertMigration, listMigrations } from './migration.repository';

/** Migration definitions: immutable revisions. */
export const migrationRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/migrations',
    summary: 'Apply a migration (JSON or YAML); `validateOnly=true` checks it without storing',
    roles: ['admin', 'safety-engineer', 'operator'],
    body: ApplyMigrationRequest,
    yaml: true,
    query: z.object({ validateOnly: z.enum(['true', 'false']).optional() }),
    response: ApplyMigrationResponse,
    handler: async ({ ctx, principal, body, query }) => {
      if (query.validateOnly === 'true')
        return { valid: true, validateOnly: true, created: false, migration: null };
      return transaction(ctx.db, async (trx) => {
        const r = await insertMigration(trx, body, principal.name);
        if ('conflict' in r)
          fail(
            'CONFLICT',
            `migration ${body.id} revision ${body.revision} exists with other content; revisions are immutable, add a new revision`,
          );
        if (r.created)
          await appendAudit(trx, {
            actor: principal.name,
            action: 'migration.created',
            subjectType: 'migration',
            subjectId: `${body.id}@${body.revision}`,
            details: { sha256: r.record.sha256, safetyClass: body.safetyClass },
          });
        return { valid: true, validateOnly: false, created: r.created, migration: r.record };
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/migrations',
    summary: 'List every migration revision',
    roles: ANY_ROLE,
    response: MigrationList,
    handler: async ({ ctx }) => ({ migrations: await listMigrations(ctx.db) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/migrations/:id',
    summary: 'The latest revision of a migration (or `?revision=N`)',
    roles: ANY_ROLE,
    query: z.object({ revision: z.coerce.number().int().min(1).optional() }),
    response: MigrationView,
    handler: async ({ ctx, params, query }) =>
      (await getMigration(ctx.db, params.id!, query.revision)) ??
      fail('NOT_FOUND', `no migration ${params.id}`),
  }),
];

import {
  CreateRolloutRequest,
  RollbackRequest,
  RollbackResponse,
  RolloutAllowedActions,
  RolloutCommandRequest,
  RolloutDetail,
  RolloutList,
  RolloutProgress,
  RolloutState,
  ShadowReportList,
} from '@plcfleet/protocols';
import { z } from 'zod';
import { listShadowReports } from '../agents/shadow-report.repository';
import { appendAudit } from '../audit/audit.repository';
import { ANY_ROLE, ROLLOUT_WRITERS } from '../auth/roles';
import { orderRollback } from '../deploys/deploy.service';
import { fail } from '../errors';
import { defineRoute, type RouteSpec } from '../http/route';
import { countJobsByState } from '../jobs/job.repository';
import { getMigration } from '../migrations/migration.repository';
import { rolloutActions } from '../permissions/allowed-actions';
import { transaction } from '../store/database';
import { getRollout, insertRollout, listDecisions, listRollouts } from './rollout.repository';
import { ROLLOUT_COMMANDS, type RolloutCommand } from './rollout-engine';
import { rolloutProgress } from './rollout-progress';

const NEEDS_REASON: readonly RolloutCommand[] = ['pause', 'abort', 'close'];

/** `POST /v1/rollouts/:id/retry?phase=N`. */
const RetryQuery = z.object({ phase: z.coerce.number().int().min(1).max(1000).optional() });

/** Rollouts and their commands. */
export const rolloutRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/v1/rollouts',
    summary: 'Create a rollout of a migration revision along a plan (pending; `start: true` starts it)',
    roles: ROLLOUT_WRITERS,
    body: CreateRolloutRequest,
    yaml: true,
    response: RolloutDetail,
    status: 201,
    handler: async ({ ctx, engine, principal, body }) => {
      const migration = await getMigration(ctx.db, body.migrationId, body.revision);
      if (!migration)
        fail(
          'NOT_FOUND',
          `no migration ${body.migrationId}${body.revision ? ` revision ${body.revision}` : ''}`,
        );
      const rollout = await transaction(ctx.db, async (trx) => {
        const r = await insertRollout(trx, {
          name: body.name ?? body.plan.name ?? `${migration.id}@${migration.revision}`,
          migrationId: migration.id,
          revision: migration.revision,
          plan: body.plan,
          createdBy: principal.name,
        });
        await appendAudit(trx, {
          actor: principal.name,
          action: 'rollout.created',
          subjectType: 'rollout',
          subjectId: r.id,
          details: { migration: `${migration.id}@${migration.revision}`, phases: body.plan.phases.length },
        });
        return r;
      });
      if (body.start) await engine.command(rollout.id, 'start', principal.name);
      return detail(ctx, rollout.id);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollouts',
    summary: 'List rollouts, newest first',
    roles: ANY_ROLE,
    query: z.object({ state: RolloutState.optional() }),
    response: RolloutList,
    handler: async ({ ctx, query }) => ({
      rollouts: await listRollouts(ctx.db, query.state ? [query.state] : undefined),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollouts/:id',
    summary: 'A rollout with its jobs by state and its decisions',
    roles: ANY_ROLE,
    response: RolloutDetail,
    handler: async ({ ctx, params }) => detail(ctx, params.id!),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollouts/:id/allowed-actions',
    summary:
      'What the caller may do with a rollout (commands, rollback) by the checks those routes run, and the figures its gates judge',
    roles: ANY_ROLE,
    response: RolloutAllowedActions,
    handler: ({ ctx, principal, params }) =>
      rolloutActions(ctx.db, principal, params.id!, rolloutRoutes, NEEDS_REASON),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollouts/:id/progress',
    summary:
      'Each phase of a rollout with its sites verified, approved, deployed, watched and rolled back, and what it waits for',
    roles: ANY_ROLE,
    response: RolloutProgress,
    handler: async ({ ctx, params }) => {
      const r = (await getRollout(ctx.db, params.id!)) ?? fail('NOT_FOUND', `no rollout ${params.id}`);
      return rolloutProgress(ctx.db, r);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollouts/:id/shadow-reports',
    summary:
      'The shadow runs agents reported for a rollout: candidates for its shadow gates, and post-deploy watches (newest first)',
    roles: ANY_ROLE,
    response: ShadowReportList,
    handler: async ({ ctx, params }) => {
      const r = (await getRollout(ctx.db, params.id!)) ?? fail('NOT_FOUND', `no rollout ${params.id}`);
      return { shadowReports: await listShadowReports(ctx.db, { rolloutId: r.id }) };
    },
  }),
  ...ROLLOUT_COMMANDS.map((command) =>
    defineRoute({
      method: 'post',
      path: `/v1/rollouts/:id/${command}`,
      summary: `Rollout command: ${command}${NEEDS_REASON.includes(command) ? ' (with a reason)' : ''}`,
      roles: ROLLOUT_WRITERS,
      body: RolloutCommandRequest,
      // retry?phase=N: only the failed sites of phase N (1-based, as people count phases).
      ...(command === 'retry' ? { query: RetryQuery } : {}),
      response: RolloutDetail,
      handler: async ({ ctx, engine, principal, params, body, query }) => {
        const reason = body.reason?.trim() ?? '';
        if (NEEDS_REASON.includes(command) && reason === '')
          fail('VALIDATION', `body.reason: ${command} needs a reason`);
        const phase = (query as { phase?: number }).phase;
        await engine.command(
          params.id!,
          command,
          principal.name,
          reason,
          phase !== undefined ? { phase: phase - 1 } : {},
        );
        return detail(ctx, params.id!);
      },
    }),
  ),
  defineRoute({
    method: 'post',
    path: '/v1/rollouts/:id/rollback',
    summary: 'Order every site the rollout deployed to back to its previous program',
    roles: ['admin', 'safety-engineer', 'operator'],
    body: RollbackRequest,
    response: RollbackResponse,
    handler: async ({ ctx, principal, params, body }) => {
      if (!(await getRollout(ctx.db, params.id!))) fail('NOT_FOUND', `no rollout ${params.id}`);
      return orderRollback(ctx, principal.name, { rolloutId: params.id! }, body.reason);
    },
  }),
];

async function detail(ctx: { db: import('../store/database').Db }, id: string) {
  const rollout = await getRollout(ctx.db, id);
  if (!rollout) fail('NOT_FOUND', `no rollout ${id}`);
  return { rollout, jobs: await countJobsByState(ctx.db, id), decisions: await listDecisions(ctx.db, id) };
}

import { DeployList, DeployView, RollbackList, RollbackRequest, RollbackResponse } from '@plcfleet/protocols';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { getSite } from '../sites/site.repository';
import { getDeploy, listDeploys, listRollbacks } from './deploy.repository';
import { orderRollback } from './deploy.service';

/** Deploys and rollbacks. */
export const deployRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/deploys',
    summary: 'List deploys',
    roles: ANY_ROLE,
    query: z.object({ site: z.string().optional(), rollout: z.string().optional() }),
    response: DeployList,
    handler: async ({ ctx, query }) => ({
      deploys: await listDeploys(ctx.db, {
        ...(query.site ? { site: query.site } : {}),
        ...(query.rollout ? { rolloutId: query.rollout } : {}),
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/deploys/:id',
    summary: 'A deploy and its signed order',
    roles: ANY_ROLE,
    response: DeployView,
    handler: async ({ ctx, params }) =>
      (await getDeploy(ctx.db, params.id!)) ?? fail('NOT_FOUND', `no deploy ${params.id}`),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/rollbacks',
    summary: 'List rollbacks',
    roles: ANY_ROLE,
    query: z.object({ site: z.string().optional(), rollout: z.string().optional() }),
    response: RollbackList,
    handler: async ({ ctx, query }) => ({
      rollbacks: await listRollbacks(ctx.db, {
        ...(query.site ? { site: query.site } : {}),
        ...(query.rollout ? { rolloutId: query.rollout } : {}),
      }),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/sites/:name/rollback',
    summary: 'Order a site back to its previous program (its latest deploy, or `deployId`)',
    roles: ['admin', 'safety-engineer', 'operator'],
    body: RollbackRequest,
    response: RollbackResponse,
    handler: async ({ ctx, principal, params, body }) => {
      if (!(await getSite(ctx.db, params.name!))) fail('NOT_FOUND', `no site ${params.name}`);
      return orderRollback(
        ctx,
        principal.name,
        { site: params.name!, ...(body.deployId ? { deployId: body.deployId } : {}) },
        body.reason,
      );
    },
  }),
];

import { PutSiteRequest, PutSiteResponse, SiteList, SiteView } from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { ADMIN, ANY_ROLE } from '../auth/roles';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { transaction } from '../store/database';
import { getSite, listSites, upsertSite } from './site.repository';

/** The fleet registry: sites. */
export const siteRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/sites',
    summary: 'List sites',
    roles: ANY_ROLE,
    response: SiteList,
    handler: async ({ ctx }) => ({ sites: await listSites(ctx.db) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/sites/:name',
    summary: 'One site',
    roles: ANY_ROLE,
    response: SiteView,
    handler: async ({ ctx, params }) =>
      (await getSite(ctx.db, params.name!)) ?? fail('NOT_FOUND', `no site ${params.name}`),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/sites/:name',
    summary: 'Create or replace a site (tags, firmware, time zone, maintenance windows, policy)',
    roles: ADMIN,
    body: PutSiteRequest,
    yaml: true,
    response: PutSiteResponse,
    handler: async ({ ctx, principal, params, body }) => {
      const name = params.name!;
      if (body.name !== undefined && body.name !== name)
        fail('VALIDATION', `body: name "${body.name}" does not match the path's "${name}"`);
      if (body.policy && body.policy.site !== name)
        fail('VALIDATION', `body: policy.site "${body.policy.site}" does not match the site "${name}"`);
      const result = await transaction(ctx.db, async (trx) => {
        const created = await upsertSite(trx, { ...body, name });
        await appendAudit(trx, {
          actor: principal.name,
          action: created ? 'site.created' : 'site.updated',
          subjectType: 'site',
          subjectId: name,
          details: { tags: body.tags, maintenanceWindows: body.maintenanceWindows, timeZone: body.timeZone },
        });
        return { site: (await getSite(trx, name))!, created };
      });
      // After the commit: watchers (the dashboard's fleet page) see the site at once.
      ctx.bus.publish({ type: 'site.updated', site: name, data: { created: result.created } });
      return result;
    },
  }),
];

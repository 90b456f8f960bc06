import {
  DeleteSiteResponse,
  PutSiteRequest,
  PutSiteResponse,
  SiteDriftDetail,
  SiteDriftList,
  SiteList,
  SiteView,
  Slug,
} from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { ADMIN, ANY_ROLE } from '../auth/roles';
import { getSiteDrift, listSiteDrift, withDrift } from '../drift/site-drift.repository';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { transaction } from '../store/database';
import { deleteSite, getSiteRow, listSites, readSite, upsertSite } from './site.repository';

/** The fleet registry: sites. */
export const siteRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/sites',
    summary: 'List sites (rows that no longer validate are named in `unreadable`)',
    roles: ANY_ROLE,
    response: SiteList,
    handler: async ({ ctx }) => {
      const { sites, unreadable } = await listSites(ctx.db);
      if (unreadable.length)
        ctx.log.warn(
          { sites: unreadable.map((u) => u.name) },
          'sites stored with invalid data; delete them with DELETE /v1/sites/:name',
        );
      // Each site with its last drift check (issue #22): `unknown` until its agent reported one.
      const withChecks = await withDrift(ctx.db, sites);
      return unreadable.length ? { sites: withChecks, unreadable } : { sites: withChecks };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/sites/:name',
    summary: 'One site',
    roles: ANY_ROLE,
    response: SiteView,
    handler: async ({ ctx, params }) => {
      const row = await getSiteRow(ctx.db, params.name!);
      if (!row) fail('NOT_FOUND', `no site ${params.name}`);
      const r = readSite(row);
      if (!r.ok)
        fail(
          'CONFLICT',
          `site ${JSON.stringify(row.name)} is stored with invalid data (${r.error}); delete it and add it again`,
        );
      return (await withDrift(ctx.db, [r.site]))[0]!;
    },
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
      // The path names the site: checked like the body's name, before anything is stored.
      const named = Slug.safeParse(name);
      if (!named.success)
        fail(
          'VALIDATION',
          `site name ${JSON.stringify(name.slice(0, 100))}: ${named.error.issues[0]?.message ?? 'not a site name'}`,
        );
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
        const stored = readSite((await getSiteRow(trx, name))!);
        if (!stored.ok) fail('INTERNAL', `site ${name} does not read back: ${stored.error}`);
        return { site: stored.site, created };
      });
      // After the commit: watchers (the dashboard's fleet page) see the site at once.
      ctx.bus.publish({ type: 'site.updated', site: name, data: { created: result.created } });
      return result;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/sites/:name',
    summary:
      'Delete a site from the registry (also one stored with invalid data); its agents must be revoked first',
    roles: ADMIN,
    response: DeleteSiteResponse,
    handler: async ({ ctx, principal, params }) => {
      const name = params.name!;
      await transaction(ctx.db, async (trx) => {
        if (!(await getSiteRow(trx, name))) fail('NOT_FOUND', `no site ${name}`);
        const agents = await trx
          .selectFrom('agents')
          .select('id')
          .where('site', '=', name)
          .where('revoked_at', 'is', null)
          .execute();
        if (agents.length)
          fail(
            'CONFLICT',
            `site ${name} has agents (${agents.map((a) => a.id).join(', ')}); revoke them first`,
          );
        await deleteSite(trx, name);
        await appendAudit(trx, {
          actor: principal.name,
          action: 'site.deleted',
          subjectType: 'site',
          subjectId: name,
          details: {},
        });
      });
      ctx.bus.publish({ type: 'site.updated', site: name, data: { deleted: true } });
      return { name, deleted: true as const };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/drift',
    summary: "Every site's drift: is the live program the released one (`unknown` before the first check)",
    roles: ANY_ROLE,
    response: SiteDriftList,
    handler: async ({ ctx }) => ({ items: await listSiteDrift(ctx.db) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/sites/:name/drift',
    summary: "One site's latest drift report (POUs with a short diff) and its live-hash history",
    roles: ANY_ROLE,
    response: SiteDriftDetail,
    handler: async ({ ctx, params }) => {
      const name = params.name!;
      if (!(await getSiteRow(ctx.db, name))) fail('NOT_FOUND', `no site ${name}`);
      return getSiteDrift(ctx.db, name);
    },
  }),
];

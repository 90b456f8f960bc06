import type { SiteView } from '@plcfleet/protocols';
import { type Site, SitePolicy } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import type { SitesTable } from '../store/tables';
import { fromJson, nowIso } from '../util';

/** A site as stored and shown. */
export type SiteRecord = SiteView;

function toSite(r: SitesTable): SiteRecord {
  return {
    name: r.name,
    tags: fromJson(r.tags),
    ...(r.firmware !== null ? { firmware: r.firmware } : {}),
    timeZone: r.time_zone,
    maintenanceWindows: fromJson(r.maintenance_windows),
    ...(r.policy !== null ? { policy: SitePolicy.parse(fromJson(r.policy)) } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Creates or replaces a site; returns whether it was new. */
export async function upsertSite(trx: Db, site: Site): Promise<boolean> {
  const at = nowIso();
  const values = {
    tags: JSON.stringify(site.tags),
    firmware: site.firmware ?? null,
    time_zone: site.timeZone,
    maintenance_windows: JSON.stringify(site.maintenanceWindows),
    policy: site.policy ? JSON.stringify(site.policy) : null,
    updated_at: at,
  };
  const r = await trx.updateTable('sites').set(values).where('name', '=', site.name).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return false;
  await trx
    .insertInto('sites')
    .values({ name: site.name, created_at: at, ...values })
    .execute();
  return true;
}

/** One site, or undefined. */
export async function getSite(db: Db, name: string): Promise<SiteRecord | undefined> {
  const r = await db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toSite(r) : undefined;
}

/** Every site, by name. */
export async function listSites(db: Db): Promise<SiteRecord[]> {
  const rows = await db.selectFrom('sites').selectAll().orderBy('name').execute();
  return rows.map(toSite);
}

/** Deletes a site; false when it did not exist. */
export async function deleteSite(trx: Db, name: string): Promise<boolean> {
  const r = await trx.deleteFrom('sites').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

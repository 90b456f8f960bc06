import { parseWith, type Site, type SiteLibrary, SitePolicy, SiteView } from '@plcfleet/protocols';
import { deleteSiteDrift } from '../drift/site-drift.repository';
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
    ...(r.libraries !== null ? { libraries: fromJson(r.libraries) } : {}),
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
    libraries: site.libraries ? JSON.stringify(site.libraries) : null,
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

/** Sets the libraries a site's controller runs (a library-update's deploy changes them); false when there is no such site. */
export async function setSiteLibraries(
  trx: Db,
  name: string,
  libraries: readonly SiteLibrary[],
): Promise<boolean> {
  const r = await trx
    .updateTable('sites')
    .set({ libraries: JSON.stringify(libraries), updated_at: nowIso() })
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** One site, or undefined. */
export async function getSite(db: Db, name: string): Promise<SiteRecord | undefined> {
  const r = await db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toSite(r) : undefined;
}

/**
 * Every site, by name, checked against the site schema. A row that does not
 * pass (stored before names and time zones were checked, or edited by hand) is
 * listed apart in `unreadable`, so one bad row cannot break the whole list.
 */
export async function listSites(
  db: Db,
): Promise<{ sites: SiteRecord[]; unreadable: { name: string; error: string }[] }> {
  const rows = await db.selectFrom('sites').selectAll().orderBy('name').execute();
  const sites: SiteRecord[] = [];
  const unreadable: { name: string; error: string }[] = [];
  for (const row of rows) {
    const r = readSite(row);
    if (r.ok) sites.push(r.site);
    else unreadable.push({ name: row.name, error: r.error });
  }
  return { sites, unreadable };
}

/** A stored row as a site, or why it is not one. */
export function readSite(row: SitesTable): { ok: true; site: SiteRecord } | { ok: false; error: string } {
  let site: SiteRecord;
  try {
    site = toSite(row);
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n')[0]! };
  }
  const checked = parseWith(SiteView, site);
  return checked.ok ? { ok: true, site: checked.value } : { ok: false, error: checked.error };
}

/** The stored row of a site, valid or not (for deleting a bad one). */
export async function getSiteRow(db: Db, name: string): Promise<SitesTable | undefined> {
  return db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Deletes a site; false when it did not exist. */
export async function deleteSite(trx: Db, name: string): Promise<boolean> {
  await deleteSiteDrift(trx, name);
  const r = await trx.deleteFrom('sites').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/**
 * Drift reports of the sites' agents: the latest per site (with its diff) and
 * a short history of live hashes. Written by the agent gateway on
 * `drift.report`, read by the routes, the rollout engine (a drifted site is
 * skipped) and the dashboard.
 */
import type { DriftReport, SiteDriftDetail, SiteDriftView, SiteView } from '@plcfleet/protocols';
import type { Db } from '../store/database';
import { fromJson, sortableId } from '../util';

/** History rows kept per site (a check an hour: three weeks). */
const DRIFT_HISTORY_PER_SITE = 500;

/**
 * Records a report: the site's latest (unless a newer one is stored already —
 * reports may arrive out of order after a reconnect) and a history row; the
 * site's history beyond `keepPerSite` is pruned. Returns the status before.
 */
export async function recordDriftReport(
  db: Db,
  agentId: string,
  report: DriftReport,
  keepPerSite = DRIFT_HISTORY_PER_SITE,
): Promise<{ previous: 'same' | 'drifted' | 'unknown' }> {
  const before = await db
    .selectFrom('site_drift')
    .select(['status', 'checked_at'])
    .where('site', '=', report.site)
    .executeTakeFirst();
  const latest = {
    agent_id: agentId,
    status: report.status,
    checked_at: report.checkedAt,
    live_sha256: report.liveSha256,
    pous: report.pous.length,
    report: JSON.stringify(report),
  };
  if (!before)
    await db
      .insertInto('site_drift')
      .values({ site: report.site, ...latest })
      .execute();
  else if (before.checked_at <= report.checkedAt)
    await db.updateTable('site_drift').set(latest).where('site', '=', report.site).execute();
  await db
    .insertInto('site_drift_history')
    .values({
      id: sortableId('dft'),
      site: report.site,
      status: report.status,
      live_sha256: report.liveSha256,
      trigger: report.trigger,
      checked_at: report.checkedAt,
    })
    .execute();
  const edge = await db
    .selectFrom('site_drift_history')
    .select('checked_at')
    .where('site', '=', report.site)
    .orderBy('checked_at', 'desc')
    .offset(keepPerSite - 1)
    .limit(1)
    .executeTakeFirst();
  if (edge)
    await db
      .deleteFrom('site_drift_history')
      .where('site', '=', report.site)
      .where('checked_at', '<', edge.checked_at)
      .execute();
  return { previous: before?.status ?? 'unknown' };
}

/** Every site's drift (sites without a report are `unknown`), by site name. */
export async function listSiteDrift(db: Db): Promise<SiteDriftView[]> {
  const sites = await db.selectFrom('sites').select('name').orderBy('name').execute();
  const rows = await db
    .selectFrom('site_drift')
    .select(['site', 'status', 'checked_at', 'live_sha256', 'pous'])
    .execute();
  const bySite = new Map(rows.map((r) => [r.site, r]));
  return sites.map(({ name }) => {
    const r = bySite.get(name);
    return r
      ? { site: name, status: r.status, checkedAt: r.checked_at, liveSha256: r.live_sha256, pous: r.pous }
      : { site: name, status: 'unknown', checkedAt: null, liveSha256: null, pous: 0 };
  });
}

/**
 * The sites with their last drift check as `SiteView.drift` (`unknown` when
 * none was reported): what `GET /v1/sites` and `GET /v1/sites/:name` return.
 */
export async function withDrift<T extends { name: string }>(
  db: Db,
  sites: readonly T[],
): Promise<Array<T & { drift: NonNullable<SiteView['drift']> }>> {
  if (sites.length === 0) return [];
  // A few sites by name; a whole fleet's list reads the table (a row per site) without
  // one bound parameter per site.
  let q = db.selectFrom('site_drift').select(['site', 'status', 'checked_at', 'pous']);
  if (sites.length <= 100)
    q = q.where(
      'site',
      'in',
      sites.map((s) => s.name),
    );
  const rows = await q.execute();
  const bySite = new Map(rows.map((r) => [r.site, r]));
  return sites.map((s) => {
    const r = bySite.get(s.name);
    return {
      ...s,
      drift: r
        ? { status: r.status, checkedAt: r.checked_at, pous: r.pous }
        : { status: 'unknown' as const, checkedAt: null, pous: 0 },
    };
  });
}

/** Sites whose latest report says drifted (for the rollout engine). */
export async function driftedSites(db: Db, sites: readonly string[]): Promise<Set<string>> {
  if (sites.length === 0) return new Set();
  const rows = await db
    .selectFrom('site_drift')
    .select('site')
    .where('status', '=', 'drifted')
    .where('site', 'in', [...sites])
    .execute();
  return new Set(rows.map((r) => r.site));
}

/** One site's latest report and hash history (newest first, at most `limit`). */
export async function getSiteDrift(db: Db, site: string, limit = 100): Promise<SiteDriftDetail> {
  const row = await db.selectFrom('site_drift').select('report').where('site', '=', site).executeTakeFirst();
  const history = await db
    .selectFrom('site_drift_history')
    .select(['live_sha256', 'status', 'checked_at', 'trigger'])
    .where('site', '=', site)
    .orderBy('checked_at', 'desc')
    .limit(limit)
    .execute();
  const report = row ? fromJson<DriftReport>(row.report) : null;
  return {
    site,
    status: report?.status ?? 'unknown',
    report,
    history: history.map((h) => ({
      sha256: h.live_sha256,
      status: h.status,
      checkedAt: h.checked_at,
      trigger: h.trigger,
    })),
  };
}

/** Forgets a deleted site's drift. */
export async function deleteSiteDrift(db: Db, site: string): Promise<void> {
  await db.deleteFrom('site_drift_history').where('site', '=', site).execute();
  await db.deleteFrom('site_drift').where('site', '=', site).execute();
}

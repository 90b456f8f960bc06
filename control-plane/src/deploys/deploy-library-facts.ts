/**
 * The site registry's library versions follow what runs on the site (issue
 * #20): a `library-update`'s new version is recorded when its deploy is
 * reported `deployed` — never when it is verified, approved or ordered — and
 * the version it replaced is put back when that deploy is rolled back. Each
 * change is an audit entry on the deploy, `site.library.updated` and
 * `site.library.restored`; the first also keeps the version to put back.
 */
import type { SiteLibrary } from '@plcfleet/protocols';
import { appendAudit, listAudit } from '../audit/audit.repository';
import type { PendingEvents } from '../context';
import { getMigration } from '../migrations/migration.repository';
import { getSite, setSiteLibraries } from '../sites/site.repository';
import type { Db } from '../store/database';
import type { DeployRecord } from './deploy.repository';

const UPDATED = 'site.library.updated';
const RESTORED = 'site.library.restored';

/** What an `UPDATED` audit entry records. */
interface LibraryChange {
  site: string;
  library: string;
  /** The version before the deploy; null when the site did not list the library. */
  from: string | null;
  to: string;
}

/** `libraries` with `name` at `version` (null removes it), in the order they were. */
function withVersion(libraries: readonly SiteLibrary[], name: string, version: string | null): SiteLibrary[] {
  const rest = libraries.filter((l) => l.name !== name);
  if (version === null) return rest;
  const at = libraries.findIndex((l) => l.name === name);
  const next = { name, version };
  return at === -1 ? [...rest, next] : [...rest.slice(0, at), next, ...rest.slice(at)];
}

/**
 * After `deploy` was reported `deployed`: when its migration is a
 * library-update, the site now runs `library.to` — recorded in the registry,
 * audited with the version it replaces, and announced as `site.updated`.
 */
export async function recordDeployedLibrary(
  trx: Db,
  deploy: DeployRecord,
  actor: string,
  events: PendingEvents,
): Promise<void> {
  const { migrationId, revision } = deploy.order.payload;
  const record = await getMigration(trx, migrationId, revision);
  if (record?.type !== 'library-update') return;
  const library = record.document.library;
  const site = await getSite(trx, deploy.site);
  if (!library || !site) return;
  const libraries = site.libraries ?? [];
  const change: LibraryChange = {
    site: site.name,
    library: library.name,
    from: libraries.find((l) => l.name === library.name)?.version ?? null,
    to: library.to,
  };
  await setSiteLibraries(trx, site.name, withVersion(libraries, library.name, library.to));
  await appendAudit(trx, {
    actor,
    action: UPDATED,
    subjectType: 'deploy',
    subjectId: deploy.id,
    details: { ...change },
  });
  events.push({ type: 'site.updated', site: site.name, data: { libraries: true, deployId: deploy.id } });
}

/**
 * After deploy `deployId` was rolled back: the library version it recorded is
 * replaced by the one before — unless the site lists another version by now
 * (a later deploy, an edit), which is kept.
 */
export async function restoreRolledBackLibrary(
  trx: Db,
  deployId: string,
  actor: string,
  events: PendingEvents,
): Promise<void> {
  const entries = await listAudit(trx, { subjectId: deployId, newest: true, limit: 50 });
  if (entries.some((e) => e.action === RESTORED)) return;
  const updated = entries.find((e) => e.action === UPDATED);
  if (!updated) return;
  const change = updated.details as unknown as LibraryChange;
  const site = await getSite(trx, change.site);
  const libraries = site?.libraries ?? [];
  if (!site || libraries.find((l) => l.name === change.library)?.version !== change.to) return;
  await setSiteLibraries(trx, site.name, withVersion(libraries, change.library, change.from));
  await appendAudit(trx, {
    actor,
    action: RESTORED,
    subjectType: 'deploy',
    subjectId: deployId,
    details: { site: site.name, library: change.library, from: change.to, to: change.from },
  });
  events.push({ type: 'site.updated', site: site.name, data: { libraries: true, deployId } });
}

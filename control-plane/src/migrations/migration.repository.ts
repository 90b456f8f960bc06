import type { MigrationView } from '@plcfleet/protocols';
import { canonicalJson, Migration } from '@plcfleet/protocols';
import { sha256Hex } from '@plcfleet/protocols/signing';
import type { Db } from '../store/database';
import type { MigrationsTable } from '../store/tables';
import { fromJson, nowIso } from '../util';

/** A stored migration revision. */
export type MigrationRecord = MigrationView;

function toRecord(r: MigrationsTable): MigrationRecord {
  return {
    id: r.id,
    revision: Number(r.revision),
    title: r.title,
    type: r.type,
    safetyClass: r.safety_class,
    sha256: r.sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
    document: Migration.parse(fromJson(r.document)),
  };
}

/** The hash a revision is known by: SHA-256 of its canonical JSON (defaults applied). */
export function migrationHash(m: Migration): string {
  return sha256Hex(canonicalJson(m));
}

/**
 * Stores a revision. Revisions are immutable: the same id and revision with the
 * same content is accepted again (`created: false`), with other content it is a conflict.
 */
export async function insertMigration(
  trx: Db,
  m: Migration,
  createdBy: string,
): Promise<{ record: MigrationRecord; created: boolean } | { conflict: MigrationRecord }> {
  const sha256 = migrationHash(m);
  const existing = await getMigration(trx, m.id, m.revision);
  if (existing)
    return existing.sha256 === sha256 ? { record: existing, created: false } : { conflict: existing };
  const row: MigrationsTable = {
    id: m.id,
    revision: m.revision,
    title: m.title,
    type: m.type,
    safety_class: m.safetyClass,
    document: canonicalJson(m),
    sha256,
    created_at: nowIso(),
    created_by: createdBy,
  };
  await trx.insertInto('migrations').values(row).execute();
  return { record: toRecord(row), created: true };
}

/** One revision, or the latest when `revision` is absent. */
export async function getMigration(
  db: Db,
  id: string,
  revision?: number,
): Promise<MigrationRecord | undefined> {
  let q = db.selectFrom('migrations').selectAll().where('id', '=', id);
  q = revision === undefined ? q.orderBy('revision', 'desc').limit(1) : q.where('revision', '=', revision);
  const r = await q.executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Every revision of every migration (documents included). */
export async function listMigrations(db: Db): Promise<MigrationRecord[]> {
  const rows = await db.selectFrom('migrations').selectAll().orderBy('id').orderBy('revision').execute();
  return rows.map(toRecord);
}

/** The safety class of a revision, without parsing its document (hot path). */
export async function getSafetyClass(
  db: Db,
  id: string,
  revision: number,
): Promise<Migration['safetyClass'] | undefined> {
  const r = await db
    .selectFrom('migrations')
    .select('safety_class')
    .where('id', '=', id)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return r?.safety_class;
}

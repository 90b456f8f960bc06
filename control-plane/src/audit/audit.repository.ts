import type { AuditEntryView, AuditVerification } from '@plcfleet/protocols';
import { canonicalJson } from '@plcfleet/protocols';
import { sha256Hex } from '@plcfleet/protocols/signing';
import { ControlPlaneError } from '../errors';
import { type Db, isPostgres, sql } from '../store/database';
import type { AuditLogTable } from '../store/tables';
import { fromJson, nowIso } from '../util';

/** The hash before the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit entry says: who did what to which object, and why. */
export interface AuditEntryInput {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

/** One row of the audit log as the API shows it. */
export type AuditEntry = AuditEntryView;

/** The hash of a row: SHA-256 over the canonical JSON of every field but `hash`. */
export function hashAuditRow(row: Omit<AuditLogTable, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      details: row.details,
      prevHash: row.prev_hash,
    }),
  );
}

/**
 * Appends one entry to the hash chain. Call it inside the transaction that makes
 * the change, so the change and its record commit together. On PostgreSQL a
 * transaction-scoped advisory lock serializes appenders across replicas; SQLite
 * transactions are serialized already.
 */
export async function appendAudit(trx: Db, entry: AuditEntryInput): Promise<void> {
  // A second entry in the same transaction links to the first without asking the store
  // again: the lock is held (PostgreSQL) or writes are serialized (SQLite) until commit.
  let last = trx.isTransaction ? heads.get(trx) : undefined;
  if (last === undefined) {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(7041977)`.execute(trx);
    last = await auditHead(trx);
  }
  const row = {
    seq: (last?.seq ?? 0) + 1,
    at: nowIso(),
    actor: entry.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    details: canonicalJson(entry.details ?? {}),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const hash = hashAuditRow(row);
  await trx
    .insertInto('audit_log')
    .values({ ...row, hash })
    .execute();
  if (trx.isTransaction) heads.set(trx, { seq: row.seq, hash });
}

/** The chain's head as each open transaction last appended it (gone with the transaction). */
const heads = new WeakMap<Db, { seq: number; hash: string } | null>();

/** Entries in order, after `afterSeq`. */
export async function listAudit(
  db: Db,
  filter: { afterSeq?: number; limit?: number; subjectId?: string; newest?: boolean } = {},
): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq', filter.newest ? 'desc' : 'asc');
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.subjectId !== undefined) q = q.where('subject_id', '=', filter.subjectId);
  const rows = await q.limit(filter.limit ?? 100).execute();
  // The newest entries are still given in chain order.
  if (filter.newest) rows.reverse();
  return rows.map(toEntry);
}

function toEntry(r: AuditLogTable): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    details: fromJson(r.details),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export type { AuditVerification };

/** A row whose hash was kept outside the store (a log line, a ticket, a SIEM). */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/** Parses `SEQ:HASH` (as `audit head` prints it); a readable VALIDATION error otherwise. */
export function parseAnchor(text: string): AuditAnchor {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1)
    throw new ControlPlaneError(
      'VALIDATION',
      `anchor "${text}": expected SEQ:HASH, a row number and its 64 hex digit hash (see audit head)`,
    );
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The last row of the chain, or null for an empty log. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string; at: string } | null> {
  const r = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash', 'at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { seq: Number(r.seq), hash: r.hash, at: r.at } : null;
}

/**
 * Recomputes the chain from the first row and reports the first row whose link
 * or content does not hold. The chain alone cannot see its tail cut off, or the
 * whole table rebuilt by someone who can write it; `anchors` — rows whose hash
 * was kept elsewhere — must each still be there, with that hash.
 */
export async function verifyAudit(db: Db, anchors: readonly AuditAnchor[] = []): Promise<AuditVerification> {
  const wanted = new Map<number, string>(anchors.map((a) => [a.seq, a.hash]));
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  let after = 0;
  let anchorsChecked = 0;
  const broken = (seq: number, problem: string): AuditVerification => ({
    ok: false,
    checked,
    firstBroken: { seq, problem },
    head: checked > 0 ? { seq: after, hash: prev } : null,
    anchorsChecked,
  });
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(1000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq)
        return broken(seq, `expected row ${expectedSeq}, found ${seq} (a row is missing)`);
      if (r.prev_hash !== prev) return broken(seq, 'prev_hash does not match the hash of the row before');
      const { hash, ...rest } = r;
      if (hashAuditRow({ ...rest, seq }) !== hash) return broken(seq, 'row content does not match its hash');
      const anchored = wanted.get(seq);
      if (anchored !== undefined) {
        if (anchored !== hash)
          return broken(seq, 'row does not match its anchor: the log was rewritten from here or earlier');
        anchorsChecked++;
      }
      prev = hash;
      expectedSeq++;
      checked++;
      after = seq;
    }
  }
  const beyond = [...wanted.keys()].filter((seq) => seq > after).sort((x, y) => x - y)[0];
  if (beyond !== undefined)
    return broken(
      beyond,
      `anchored row ${beyond} is missing: the log ends at row ${after} (it was cut back)`,
    );
  return {
    ok: true,
    checked,
    firstBroken: null,
    head: checked > 0 ? { seq: after, hash: prev } : null,
    anchorsChecked,
  };
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';

/** The one table of the outbox. */
interface OutboxTable {
  /** Insertion order: items are sent oldest first. */
  seq: Generated<number>;
  /** Idempotency key, e.g. `verdict:<jobId>`; a second put of the same key is a no-op. */
  key: string;
  /** What kind of message this is (`verdict`, `deploy.result` — also for rollback results). */
  kind: string;
  /** The message id; an ack naming it in `replyTo` acks the item. */
  message_id: string;
  /** The job id a `verdict.ack` names, when the item is a verdict. */
  job_id: string | null;
  /** The whole envelope as JSON. */
  message: string;
  created_at: string;
  attempts: number;
  last_sent_at: string | null;
  acked_at: string | null;
}

interface OutboxDb {
  outbox: OutboxTable;
}

/** An item waiting for its ack. */
export interface OutboxItem {
  key: string;
  kind: string;
  messageId: string;
  jobId: string | null;
  /** The envelope as it was written. */
  message: unknown;
  attempts: number;
  lastSentAt: string | null;
  ackedAt: string | null;
}

/** What to put in the outbox. */
export interface OutboxEntry {
  key: string;
  kind: string;
  messageId: string;
  jobId?: string;
  message: unknown;
}

/**
 * The durable outbox: every verdict and deploy result is committed here before
 * it is sent, and stays until the control plane acks it. SQLite in WAL mode
 * with `synchronous = FULL`, so an item that `put` returned for survives a
 * power cut. See docs/decisions/0001-outbox.md.
 */
export class Outbox {
  private constructor(
    private readonly db: Kysely<OutboxDb>,
    /** The database file. */
    readonly file: string,
  ) {}

  /** Opens (creating if needed) `outbox.db` in `dataDir`. */
  static async open(dataDir: string): Promise<Outbox> {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'outbox.db');
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<OutboxDb>({ dialect: new SqliteDialect({ database: sqlite }) });
    await db.schema
      .createTable('outbox')
      .ifNotExists()
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('key', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_sent_at', 'text')
      .addColumn('acked_at', 'text')
      .execute();
    await db.schema
      .createIndex('outbox_pending')
      .ifNotExists()
      .on('outbox')
      .columns(['acked_at', 'seq'])
      .execute();
    return new Outbox(db, file);
  }

  /**
   * Commits an item. Idempotent by key: when the key is already there (sent,
   * acked or not) nothing changes and the stored item is returned with
   * `created: false`, so a job re-run never yields a second, different verdict.
   */
  async put(entry: OutboxEntry): Promise<{ created: boolean; item: OutboxItem }> {
    const r = await this.db
      .insertInto('outbox')
      .values({
        key: entry.key,
        kind: entry.kind,
        message_id: entry.messageId,
        job_id: entry.jobId ?? null,
        message: JSON.stringify(entry.message),
        created_at: new Date().toISOString(),
        attempts: 0,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    const item = await this.get(entry.key);
    if (!item) throw new Error(`outbox: item ${entry.key} vanished after insert`);
    return { created: Number(r.numInsertedOrUpdatedRows ?? 0n) === 1, item };
  }

  /** The item with this key, acked or not. */
  async get(key: string): Promise<OutboxItem | undefined> {
    const row = await this.db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? toItem(row) : undefined;
  }

  /** Items not yet acked, oldest first. */
  async pending(): Promise<OutboxItem[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('acked_at', 'is', null)
      .orderBy('seq')
      .execute();
    return rows.map(toItem);
  }

  /** Records one more send of an item. */
  async markSent(key: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ attempts: sql`attempts + 1`, last_sent_at: new Date().toISOString() })
      .where('key', '=', key)
      .execute();
  }

  /**
   * Acks what an ack names: the verdict of `jobId` (`verdict.ack`), the deploy
   * result naming `deployId` (`deploy.result.ack`), and any item whose message
   * id is `replyTo` — only items of `kind` when it is given. Returns the keys
   * newly acked (none for a repeat).
   */
  async ack(by: { jobId?: string; deployId?: string; replyTo?: string; kind?: string }): Promise<string[]> {
    if (by.jobId === undefined && by.deployId === undefined && by.replyTo === undefined) return [];
    let q = this.db
      .updateTable('outbox')
      .set({ acked_at: new Date().toISOString() })
      .where('acked_at', 'is', null)
      .where((eb) => {
        const ors = [];
        if (by.jobId !== undefined)
          ors.push(eb.and([eb('kind', '=', 'verdict'), eb('job_id', '=', by.jobId)]));
        if (by.deployId !== undefined)
          ors.push(
            eb.and([
              eb('kind', '=', 'deploy.result'),
              eb(sql<string>`json_extract(message, '$.deployId')`, '=', by.deployId),
            ]),
          );
        if (by.replyTo !== undefined) ors.push(eb('message_id', '=', by.replyTo));
        return eb.or(ors);
      });
    if (by.kind !== undefined) q = q.where('kind', '=', by.kind);
    const rows = await q.returning('key').execute();
    return rows.map((r) => r.key);
  }

  /** Deletes acked items older than `olderThanMs`; the table stays small on a long-lived gateway. */
  async prune(olderThanMs: number): Promise<number> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    const r = await this.db
      .deleteFrom('outbox')
      .where('acked_at', 'is not', null)
      .where('acked_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Closes the database (checkpointing the WAL). */
  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function toItem(row: {
  key: string;
  kind: string;
  message_id: string;
  job_id: string | null;
  message: string;
  attempts: number;
  last_sent_at: string | null;
  acked_at: string | null;
}): OutboxItem {
  return {
    key: row.key,
    kind: row.kind,
    messageId: row.message_id,
    jobId: row.job_id,
    message: JSON.parse(row.message) as unknown,
    attempts: Number(row.attempts),
    lastSentAt: row.last_sent_at,
    ackedAt: row.acked_at,
  };
}

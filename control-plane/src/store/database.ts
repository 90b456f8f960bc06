import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { ControlPlaneConfig } from '../config';
import { ControlPlaneError } from '../errors';
import { SCHEMA_MIGRATIONS } from './schema';
import type { Tables } from './tables';

/** The kysely instance the repositories take (or a transaction of it). */
export type Db = Kysely<Tables>;

/** An open store: the query builder, its dialect and how to close it. */
export interface Store {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** For PostgreSQL: a factory for a dedicated client (LISTEN needs one). */
  pgClient?: () => pg.Client;
  /** PostgreSQL schema in use (for channel names). */
  schema: string;
  close(): Promise<void>;
}

/** Opens the store named by the configuration and brings its schema up to date. */
export async function openStore(config: Pick<ControlPlaneConfig, 'db'>): Promise<Store> {
  const spec = config.db;
  let store: Store;
  if (spec.kind === 'sqlite') {
    mkdirSync(dirname(spec.path), { recursive: true });
    const database = new SQLite(spec.path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    store = { db, dialect: 'sqlite', schema: 'main', close: () => db.destroy() };
  } else {
    const options = `-c search_path=${spec.schema}`;
    const bootstrap = new pg.Client({ connectionString: spec.url });
    try {
      await bootstrap.connect();
      await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${spec.schema}"`);
    } catch (err) {
      throw new ControlPlaneError(
        'UNAVAILABLE',
        `cannot reach PostgreSQL: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    } finally {
      await bootstrap.end().catch(() => {});
    }
    const pool = new pg.Pool({ connectionString: spec.url, options, max: 10 });
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    store = {
      db,
      dialect: 'postgres',
      schema: spec.schema,
      pgClient: () => new pg.Client({ connectionString: spec.url, options }),
      close: () => db.destroy(),
    };
  }
  await migrateToLatest(store);
  return store;
}

/**
 * kysely prepares every statement anew; with better-sqlite3 preparing costs more
 * than running. Queries are built from a fixed set of shapes, so a bounded
 * cache of prepared statements by SQL text removes most of that cost. (The
 * single connection runs one statement at a time, so sharing one is safe.)
 */
function withStatementCache(database: SQLite.Database, limit = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = database.prepare(text);
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

/**
 * kysely's migrator looks for its tables in every schema unless told which: with
 * several stores on one PostgreSQL (replicas of other fleets, parallel test
 * runs) it would find another schema's lock table, skip creating its own, and
 * fail. Naming the schema keeps each store to its own.
 */
function schemaMigrator(store: Store): Migrator {
  return new Migrator({
    db: store.db,
    provider: { getMigrations: async () => SCHEMA_MIGRATIONS },
    ...(store.dialect === 'postgres' ? { migrationTableSchema: store.schema } : {}),
  });
}

/** Applies every pending schema migration; on PostgreSQL serialized by an advisory lock across replicas. */
export async function migrateToLatest(store: Store): Promise<void> {
  const migrator = schemaMigrator(store);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new ControlPlaneError(
      'INTERNAL',
      `schema migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
}

/** Rolls the schema back one migration (for `down` tests and operators). */
export async function migrateDown(store: Store): Promise<void> {
  const migrator = schemaMigrator(store);
  const { error } = await migrator.migrateDown();
  if (error) throw error;
}

/** Runs `fn` in a transaction. */
export function transaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/** A numeric value from a count, which PostgreSQL returns as a string. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** True when `db` (or a transaction) talks to PostgreSQL. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export { sql };

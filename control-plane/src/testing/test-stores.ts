/** Fresh stores for tests: a temporary SQLite folder, or a PostgreSQL schema of its own (dropped after). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ControlPlaneOptions, resolveConfig } from '../config';
import { openStore, type Store } from '../store/database';

/** The PostgreSQL the tests use (trust auth on this machine and in CI). */
export const TEST_PG_URL = process.env.PLCFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Store kinds every contract test runs against. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Options pointing at a fresh, empty store, and how to remove it. */
export interface TestStore {
  options: Pick<ControlPlaneOptions, 'dataDir' | 'db' | 'pgSchema'>;
  cleanup(): Promise<void>;
}

/** Creates a fresh store location of `kind`. */
export function testStore(kind: StoreKind): TestStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'plcfleet-cp-'));
  if (kind === 'sqlite')
    return {
      options: { dataDir },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    options: { dataDir, db: TEST_PG_URL, pgSchema: schema },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh store of `kind`, open with its schema migrated; `close` closes and removes it. */
export async function openTestStore(kind: StoreKind): Promise<{ store: Store; close(): Promise<void> }> {
  const location = testStore(kind);
  const store = await openStore(resolveConfig({ ...location.options, env: {} }));
  return {
    store,
    close: async () => {
      await store.close();
      await location.cleanup();
    },
  };
}

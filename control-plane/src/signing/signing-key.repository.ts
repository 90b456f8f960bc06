import { generateSigningKeyPair, keyIdOf } from '@plcfleet/protocols/signing';
import type { Db } from '../store/database';

/** The control plane's ed25519 key pair. */
export interface SigningKey {
  publicKeyPem: string;
  privateKeyPem: string;
  keyId: string;
}

/**
 * The signing key kept in the store, created on first start. Kept in the store
 * (not a file) so every replica on the same PostgreSQL signs with the same key;
 * with SQLite the store is the file in the data folder. The first replica to
 * insert wins; the others read its key.
 */
export async function loadOrCreateSigningKey(db: Db): Promise<SigningKey> {
  const fresh = generateSigningKeyPair();
  await db
    .insertInto('settings')
    .values({
      key: 'signing.key',
      value: JSON.stringify({ publicKeyPem: fresh.publicKeyPem, privateKeyPem: fresh.privateKeyPem }),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'signing.key')
    .executeTakeFirstOrThrow();
  const { publicKeyPem, privateKeyPem } = JSON.parse(row.value) as {
    publicKeyPem: string;
    privateKeyPem: string;
  };
  return { publicKeyPem, privateKeyPem, keyId: keyIdOf(publicKeyPem) };
}

/** Claims a one-time setting (e.g. the bootstrap); true for the one caller that set it. */
export async function claimSetting(db: Db, key: string, value: string): Promise<boolean> {
  const r = await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { generateSigningKeyPair, keyIdOf } from '@plcfleet/protocols/signing';
import { ControlPlaneError } from '../errors';
import type { Db } from '../store/database';

/** The control plane's ed25519 key pair (the private key decrypted, in memory only). */
export interface SigningKey {
  publicKeyPem: string;
  privateKeyPem: string;
  keyId: string;
}

/** How the key pair came out of the store. */
export interface LoadedSigningKey extends SigningKey {
  /** True when the store holds the private key encrypted with the passphrase. */
  encryptedAtRest: boolean;
  /** True when this start encrypted a key that was stored in the clear. */
  encryptedNow: boolean;
}

interface StoredKey {
  publicKeyPem: string;
  privateKeyPem: string;
}

const SETTING = 'signing.key';
const ENCRYPTED_PEM = '-----BEGIN ENCRYPTED PRIVATE KEY-----';

/** PKCS#8, encrypted with AES-256-CBC under a key derived from the passphrase (node:crypto's PBES2). */
function encryptPem(privateKeyPem: string, passphrase: string): string {
  return createPrivateKey(privateKeyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    .toString();
}

/**
 * The signing key kept in the store, created on first start. Kept in the store
 * (not a file) so every replica on the same PostgreSQL signs with the same key;
 * with SQLite the store is the file in the data folder. The first replica to
 * insert wins; the others read its key.
 *
 * With a passphrase (`PLCFLEET_KEY_PASSPHRASE`) the private key is stored
 * encrypted, so a copy of the database alone cannot sign deploy orders; a key
 * stored in the clear is encrypted at the first start that has a passphrase.
 * Fails closed: an encrypted key without the right passphrase, or a private
 * key that does not match its public key, stops the start with a reason.
 */
export async function loadOrCreateSigningKey(db: Db, passphrase?: string): Promise<LoadedSigningKey> {
  const read = () => db.selectFrom('settings').select('value').where('key', '=', SETTING).executeTakeFirst();
  let row = await read();
  if (!row) {
    // First start: the first replica to insert wins; the others read its key.
    const fresh = generateSigningKeyPair();
    await db
      .insertInto('settings')
      .values({
        key: SETTING,
        value: JSON.stringify({
          publicKeyPem: fresh.publicKeyPem,
          privateKeyPem: passphrase ? encryptPem(fresh.privateKeyPem, passphrase) : fresh.privateKeyPem,
        } satisfies StoredKey),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    row = await read();
    if (!row) throw new ControlPlaneError('UNAVAILABLE', 'the signing key could not be stored');
  }
  const stored = JSON.parse(row.value) as StoredKey;
  const encrypted = stored.privateKeyPem.startsWith(ENCRYPTED_PEM);
  if (encrypted && !passphrase)
    throw new ControlPlaneError(
      'UNAVAILABLE',
      'the signing key in the store is encrypted: give its passphrase in PLCFLEET_KEY_PASSPHRASE',
    );
  let privateKeyPem: string;
  try {
    privateKeyPem = createPrivateKey(
      encrypted ? { key: stored.privateKeyPem, format: 'pem', passphrase } : stored.privateKeyPem,
    )
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
  } catch (err) {
    throw new ControlPlaneError(
      'UNAVAILABLE',
      encrypted
        ? 'cannot decrypt the signing key: PLCFLEET_KEY_PASSPHRASE is not the passphrase it was stored with'
        : 'the signing key in the store cannot be read',
      {},
      { cause: err },
    );
  }
  assertPair(stored.publicKeyPem, privateKeyPem);
  let encryptedNow = false;
  if (!encrypted && passphrase) {
    // Conditional on the stored value, so of two replicas starting at once one encrypts and the other reads it.
    const r = await db
      .updateTable('settings')
      .set({
        value: JSON.stringify({
          publicKeyPem: stored.publicKeyPem,
          privateKeyPem: encryptPem(privateKeyPem, passphrase),
        } satisfies StoredKey),
      })
      .where('key', '=', SETTING)
      .where('value', '=', row.value)
      .executeTakeFirst();
    encryptedNow = Number(r.numUpdatedRows) === 1;
  }
  return {
    publicKeyPem: stored.publicKeyPem,
    privateKeyPem,
    keyId: keyIdOf(stored.publicKeyPem),
    encryptedAtRest: encrypted || passphrase !== undefined,
    encryptedNow,
  };
}

/** Fails closed when the private key does not sign for the public key the agents hold. */
function assertPair(publicKeyPem: string, privateKeyPem: string): void {
  const probe = Buffer.from('plcfleet signing key check');
  const ok = verify(
    null,
    probe,
    createPublicKey(publicKeyPem),
    sign(null, probe, createPrivateKey(privateKeyPem)),
  );
  if (!ok)
    throw new ControlPlaneError('UNAVAILABLE', 'the signing key in the store does not match its public key');
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

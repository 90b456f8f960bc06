import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSignature, generateSigningKeyPair } from '@plcfleet/protocols/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import type { Store } from '../store/database';
import { openTestStore, STORE_KINDS } from '../testing/test-stores';
import { Signer } from './signer';
import { loadOrCreateSigningKey } from './signing-key.repository';

const PASS = 'correct horse battery staple';

describe.each(STORE_KINDS)('signing key at rest on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close());
  const stored = async () =>
    JSON.parse(
      (
        await store.db
          .selectFrom('settings')
          .select('value')
          .where('key', '=', 'signing.key')
          .executeTakeFirstOrThrow()
      ).value,
    ) as { publicKeyPem: string; privateKeyPem: string };

  it('keeps a key stored in the clear until a passphrase is given, then encrypts it in place', async () => {
    const clear = await loadOrCreateSigningKey(store.db);
    expect(clear.encryptedAtRest).toBe(false);
    expect((await stored()).privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const now = await loadOrCreateSigningKey(store.db, PASS);
    expect(now).toMatchObject({ keyId: clear.keyId, encryptedAtRest: true, encryptedNow: true });
    const row = await stored();
    expect(row.privateKeyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(row.privateKeyPem).not.toContain(clear.privateKeyPem.split('\n')[1]);
    // Same key as before: what it signs verifies with the public key the agents hold.
    const signed = new Signer(now).sign({ hello: 'agents' });
    expect(checkSignature(signed, [clear.publicKeyPem])).toBeNull();

    const again = await loadOrCreateSigningKey(store.db, PASS);
    expect(again).toMatchObject({ keyId: clear.keyId, encryptedNow: false });
  });

  it('fails closed without the passphrase, with a wrong one, or when the pair does not match', async () => {
    await expect(loadOrCreateSigningKey(store.db)).rejects.toThrow(/encrypted: give its passphrase/);
    await expect(loadOrCreateSigningKey(store.db, 'not the passphrase at all')).rejects.toThrow(
      /cannot decrypt the signing key/,
    );
    const row = await stored();
    const other = generateSigningKeyPair();
    await store.db
      .updateTable('settings')
      .set({ value: JSON.stringify({ ...row, publicKeyPem: other.publicKeyPem }) })
      .where('key', '=', 'signing.key')
      .execute();
    await expect(loadOrCreateSigningKey(store.db, PASS)).rejects.toThrow(/does not match its public key/);
  });
});

describe('signing key passphrase option', () => {
  it('refuses a short passphrase without quoting it', () => {
    let message = '';
    try {
      resolveConfig({ keyPassphrase: 'hunter2', env: {} });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/at least 12 characters/);
    expect(message).not.toContain('hunter2');
    expect(resolveConfig({ env: { PLCFLEET_KEY_PASSPHRASE: PASS } }).keyPassphrase).toBe(PASS);
  });

  it('reads the passphrase from the file PLCFLEET_KEY_PASSPHRASE_FILE names, and says when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passphrase-'));
    try {
      const file = join(dir, 'key-passphrase');
      writeFileSync(file, `${PASS}\n`);
      expect(resolveConfig({ env: { PLCFLEET_KEY_PASSPHRASE_FILE: file } }).keyPassphrase).toBe(PASS);
      expect(() => resolveConfig({ env: { PLCFLEET_KEY_PASSPHRASE_FILE: join(dir, 'missing') } })).toThrow(
        /PLCFLEET_KEY_PASSPHRASE_FILE: cannot read .*missing: ENOENT/,
      );
      writeFileSync(file, 'short\n');
      expect(() => resolveConfig({ env: { PLCFLEET_KEY_PASSPHRASE_FILE: file } })).toThrow(
        /at least 12 characters/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a new store with a passphrase', () => {
  it('never writes the private key in the clear', async () => {
    const { store, close } = await openTestStore('sqlite');
    try {
      const key = await loadOrCreateSigningKey(store.db, PASS);
      expect(key.encryptedAtRest).toBe(true);
      expect(key.encryptedNow).toBe(false);
      const row = await store.db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', 'signing.key')
        .executeTakeFirstOrThrow();
      expect(row.value).toContain('ENCRYPTED PRIVATE KEY');
      expect(row.value).not.toContain('-----BEGIN PRIVATE KEY-----');
    } finally {
      await close();
    }
  });
});

/**
 * Appending several entries in one transaction reads the chain's head once and still links
 * every row to the one before it; a rolled-back transaction leaves no trace for the next.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { transaction } from '../store/database';
import { openTestStore, type StoreKind } from '../testing/test-stores';
import { appendAudit, auditHead, listAudit, verifyAudit } from './audit.repository';

describe.each<StoreKind>(['sqlite', 'postgres'])('audit appends on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const entry = (n: number) => ({
    actor: 'test',
    action: `step.${n}`,
    subjectType: 'job',
    subjectId: `job-${n}`,
  });

  it('links entries appended in one transaction and across transactions', async () => {
    const opened = await openTestStore(kind);
    close = opened.close;
    const db = opened.store.db;
    await appendAudit(db, entry(1));
    await transaction(db, async (trx) => {
      await appendAudit(trx, entry(2));
      await appendAudit(trx, entry(3));
      await appendAudit(trx, entry(4));
    });
    await transaction(db, async (trx) => appendAudit(trx, entry(5)));
    const rows = await listAudit(db);
    expect(rows.map((r) => [r.seq, r.action])).toEqual([
      [1, 'step.1'],
      [2, 'step.2'],
      [3, 'step.3'],
      [4, 'step.4'],
      [5, 'step.5'],
    ]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    const verified = await verifyAudit(db);
    expect(verified.ok).toBe(true);
    expect(verified.head?.seq).toBe(5);
  });

  it('starts from the stored head after a transaction that appended and rolled back', async () => {
    const opened = await openTestStore(kind);
    close = opened.close;
    const db = opened.store.db;
    await appendAudit(db, entry(1));
    await expect(
      transaction(db, async (trx) => {
        await appendAudit(trx, entry(2));
        await appendAudit(trx, entry(3));
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    await transaction(db, async (trx) => {
      await appendAudit(trx, entry(4));
      await appendAudit(trx, entry(5));
    });
    expect((await listAudit(db)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await auditHead(db))?.seq).toBe(3);
    expect((await verifyAudit(db)).ok).toBe(true);
  });
});

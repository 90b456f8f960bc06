/**
 * The audit chain through the API and the CLI command: an edited row is found.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditHeadCommand, auditVerifyCommand } from '../cli/commands';
import { sql } from '../store/database';
import type { AuditLogTable } from '../store/tables';
import { type Harness, seedFleet, startHarness } from '../testing/harness';
import type { StoreKind } from '../testing/test-stores';
import { GENESIS_HASH, hashAuditRow } from './audit.repository';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each<StoreKind>(['sqlite', 'postgres'])('audit chain on %s', (kind) => {
  it('records who did what, and reports the first edited row', async () => {
    h = await startHarness(kind);
    await seedFleet(h, [{ name: 'a1' }, { name: 'a2' }]);
    const entries = (await h.admin.get('/v1/audit?limit=1000')).body.entries as {
      seq: number;
      action: string;
      actor: string;
    }[];
    expect(entries.map((e) => e.action)).toEqual([
      'token.bootstrap',
      'site.created',
      'site.created',
      'migration.created',
    ]);
    expect(entries[1]).toMatchObject({ actor: 'admin' });
    const verified = (await h.admin.get('/v1/audit/verify')).body;
    expect(verified).toMatchObject({ ok: true, checked: 4, firstBroken: null, anchorsChecked: 0 });
    expect(verified.head.seq).toBe(4);

    await sql`update audit_log set details = ${'{"tags":["forged"]}'} where seq = 3`.execute(h.cp.db);
    const broken = (await h.admin.get('/v1/audit/verify')).body;
    expect(broken).toMatchObject({
      ok: false,
      checked: 2,
      firstBroken: { seq: 3, problem: 'row content does not match its hash' },
    });

    const lines: string[] = [];
    const code = await auditVerifyCommand({ ...h.store.options, logLevel: 'silent', env: {} }, false, {
      out: (l) => lines.push(l),
      err: () => {},
    });
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^audit chain broken at row 3: row content does not match its hash/);
  });

  it('reports a deleted row as a gap', async () => {
    h = await startHarness(kind);
    await seedFleet(h, [{ name: 'a1' }]);
    await sql`delete from audit_log where seq = 2`.execute(h.cp.db);
    expect((await h.admin.get('/v1/audit/verify')).body.firstBroken).toEqual({
      seq: 3,
      problem: 'expected row 2, found 3 (a row is missing)',
    });
  });

  it('sees a cut-back tail and a rebuilt chain only through an anchor kept elsewhere', async () => {
    h = await startHarness(kind);
    await seedFleet(h, [{ name: 'a1' }, { name: 'a2' }, { name: 'a3' }]);
    const head = (await h.admin.get('/v1/audit/head')).body as { seq: number; hash: string };
    expect(head.seq).toBe(5);
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    const anchor = `${head.seq}:${head.hash}`;
    expect((await h.admin.get(`/v1/audit/verify?anchor=${anchor}`)).body).toMatchObject({
      ok: true,
      anchorsChecked: 1,
    });

    // The CLI prints the same anchor and accepts it.
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: () => {} };
    const options = { ...h.store.options, logLevel: 'silent' as const, env: {} };
    expect(await auditHeadCommand(options, false, io)).toBe(0);
    expect(out[0]).toBe(anchor);
    expect(await auditVerifyCommand(options, false, io, [anchor])).toBe(0);
    expect(out[1]).toMatch(/^audit chain ok: 5 row\(s\) verified, 1 anchor\(s\) in place; head 5:/);

    // Someone who can write the table cuts off the last two rows: the chain alone still holds.
    await sql`delete from audit_log where seq > 3`.execute(h.cp.db);
    expect((await h.admin.get('/v1/audit/verify')).body).toMatchObject({ ok: true, checked: 3 });
    expect((await h.admin.get(`/v1/audit/verify?anchor=${anchor}`)).body.firstBroken).toEqual({
      seq: 5,
      problem: 'anchored row 5 is missing: the log ends at row 3 (it was cut back)',
    });
    expect(await auditVerifyCommand(options, false, io, [anchor])).toBe(1);

    // ...or rewrites row 2 and recomputes every hash after it.
    const rows = await sql<
      Omit<AuditLogTable, 'prev_hash' | 'hash'>
    >`select seq, at, actor, action, subject_type, subject_id, details from audit_log order by seq`.execute(
      h.cp.db,
    );
    const early = `2:${(await h.admin.get('/v1/audit?limit=2')).body.entries[1].hash}`;
    let prev = GENESIS_HASH;
    for (const r of rows.rows) {
      const row = {
        ...r,
        seq: Number(r.seq),
        details: Number(r.seq) === 2 ? '{"forged":true}' : r.details,
        prev_hash: prev,
      };
      const hash = hashAuditRow(row);
      await sql`update audit_log set details = ${row.details}, prev_hash = ${prev}, hash = ${hash} where seq = ${row.seq}`.execute(
        h.cp.db,
      );
      prev = hash;
    }
    expect((await h.admin.get('/v1/audit/verify')).body).toMatchObject({ ok: true, checked: 3 });
    expect((await h.admin.get(`/v1/audit/verify?anchor=${early}`)).body.firstBroken).toEqual({
      seq: 2,
      problem: 'row does not match its anchor: the log was rewritten from here or earlier',
    });

    const bad = await h.admin.get('/v1/audit/verify?anchor=5:nothex');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/expected SEQ:HASH/);
  });
});

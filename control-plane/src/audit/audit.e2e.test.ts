/**
 * The audit chain through the API and the CLI command: an edited row is found.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditVerifyCommand } from '../cli/commands';
import { sql } from '../store/database';
import { type Harness, seedFleet, startHarness } from '../testing/harness';
import type { StoreKind } from '../testing/test-stores';

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
    expect((await h.admin.get('/v1/audit/verify')).body).toEqual({ ok: true, checked: 4, firstBroken: null });

    await sql`update audit_log set details = ${'{"tags":["forged"]}'} where seq = 3`.execute(h.cp.db);
    const broken = (await h.admin.get('/v1/audit/verify')).body;
    expect(broken).toEqual({
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
});

/**
 * The site registry's edges (issue #17 point 7): a bad name or time zone is
 * refused before anything is stored, a bad row stored earlier never turns the
 * list into a 500, and it can be deleted. Real sockets, real SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { driftReport } from '../drift/drift-report-fixture';
import { recordDriftReport } from '../drift/site-drift.repository';
import { siteDoc } from '../testing/fixtures';
import { type Harness, startHarness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('site registry', () => {
  it('refuses a site name that is not a slug, and stores nothing', async () => {
    h = await startHarness();
    const bad = await h.admin.put(`/v1/sites/${encodeURIComponent('Bad Site')}`, { tags: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION' });
    expect(bad.body.error.message).toBe(
      'site name "Bad Site": use lower-case letters, digits, ".", "_" and "-"',
    );
    const list = await h.admin.get('/v1/sites');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ sites: [] });
  });

  it('refuses a time zone that does not exist', async () => {
    h = await startHarness();
    const mars = await h.admin.put('/v1/sites/s1', { ...siteDoc('s1'), timeZone: 'Mars/Olympus' });
    expect(mars.status).toBe(400);
    expect(mars.body.error.message).toMatch(/^body: timeZone: not an IANA time zone/);
    const berlin = await h.admin.put('/v1/sites/s1', { ...siteDoc('s1'), timeZone: 'Europe/Berlin' });
    expect(berlin.status).toBe(200);
  });

  it('lists sites beside a bad row stored earlier, also after a restart, and deletes the bad row', async () => {
    h = await startHarness();
    expect((await h.admin.put('/v1/sites/good', siteDoc('good'))).status).toBe(200);
    // What an older control plane stored for `plcfleet sites add "Bad Site" --time-zone Mars/Olympus`.
    const at = new Date().toISOString();
    await h.cp.db
      .insertInto('sites')
      .values({
        name: 'Bad Site',
        tags: '[]',
        firmware: null,
        time_zone: 'Mars/Olympus',
        maintenance_windows: '[]',
        policy: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const check = async (url: string) => {
      const r = await fetch(`${url}/v1/sites`, {
        headers: { authorization: `Bearer ${h.cp.bootstrapToken}` },
      });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { sites: { name: string }[]; unreadable: { name: string }[] };
      expect(body.sites.map((s) => s.name)).toEqual(['good']);
      expect(body.unreadable.map((u) => u.name)).toEqual(['Bad Site']);
    };
    await check(h.cp.url);
    await check((await h.startReplica()).url);
    const one = await h.admin.get(`/v1/sites/${encodeURIComponent('Bad Site')}`);
    expect(one.status).toBe(409);
    expect(one.body.error.message).toMatch(/stored with invalid data/);
    const del = await h.admin.del(`/v1/sites/${encodeURIComponent('Bad Site')}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ name: 'Bad Site', deleted: true });
    expect((await h.admin.get('/v1/sites')).body).toMatchObject({ sites: [{ name: 'good' }] });
    expect((await h.admin.get('/v1/sites')).body.unreadable).toBeUndefined();
    expect((await h.admin.del('/v1/sites/nowhere')).status).toBe(404);
  });

  it('shows each site with its last drift check, unknown until its agent reported one', async () => {
    h = await startHarness();
    for (const s of ['d1', 'd2']) expect((await h.admin.put(`/v1/sites/${s}`, siteDoc(s))).status).toBe(200);
    await recordDriftReport(h.cp.db, 'agt', driftReport('d1'));
    const list = (await h.admin.get('/v1/sites')).body.sites as { name: string; drift: unknown }[];
    expect(list.map((s) => [s.name, s.drift])).toEqual([
      ['d1', { status: 'drifted', checkedAt: '2026-12-06T10:00:00.000Z', pous: 1 }],
      ['d2', { status: 'unknown', checkedAt: null, pous: 0 }],
    ]);
    expect((await h.admin.get('/v1/sites/d2')).body.drift).toEqual({
      status: 'unknown',
      checkedAt: null,
      pous: 0,
    });
    expect((await h.admin.get('/v1/sites/d1')).body.drift).toMatchObject({ status: 'drifted', pous: 1 });
  });

  it('keeps a site with agents until they are revoked', async () => {
    h = await startHarness();
    expect((await h.admin.put('/v1/sites/a1', siteDoc('a1'))).status).toBe(200);
    const agent = await h.cp.createAgentToken({ site: 'a1' });
    const refused = await h.admin.del('/v1/sites/a1');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/revoke them first/);
    expect((await h.admin.del(`/v1/agents/${agent.agentId}`)).status).toBe(200);
    expect((await h.admin.del('/v1/sites/a1')).status).toBe(200);
  });
});

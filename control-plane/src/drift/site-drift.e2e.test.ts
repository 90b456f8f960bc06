/**
 * Drift reports from an agent over a real websocket to the API (issue #22):
 * recorded, served per site and for the fleet, a site.drift event, the history
 * pruned, a report for another site refused. Real SQLite and PostgreSQL.
 */
import { PROTOCOL_VERSION } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../testing/fake-agent';
import { eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';
import { driftReport } from './drift-report-fixture';
import { recordDriftReport, withDrift } from './site-drift.repository';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const sha = (c: string) => c.repeat(64);

const report = driftReport;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`site drift (${kind})`, () => {
    it('records an agent report, serves it, and tells watchers', async () => {
      h = await startHarness(kind);
      await seedFleet(h, [{ name: 'press-1' }, { name: 'press-2' }]);
      // Watchers: the event stream, open before the report.
      const controller = new AbortController();
      const res = await fetch(`${h.cp.url}/v1/events?site=press-1`, {
        headers: { authorization: `Bearer ${h.cp.bootstrapToken}` },
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      let stream = '';
      const readUntil = async (needle: string) => {
        while (!stream.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended: ${stream}`);
          stream += new TextDecoder().decode(value);
        }
      };
      await readUntil('event: ready');
      const { token } = await h.cp.createAgentToken({ site: 'press-1' });
      const agent = await FakeAgent.connect(h.cp.url, token, 'press-1', () => 'ignore');
      agent.send({ v: PROTOCOL_VERSION, id: 'd1', type: 'drift.report', report: report('press-1') });
      const wrong = agent.waitFor((m) => m.type === 'error');
      agent.send({ v: PROTOCOL_VERSION, id: 'd2', type: 'drift.report', report: report('press-2') });
      expect(await wrong).toMatchObject({ code: 'WRONG_SITE', replyTo: 'd2' });

      const list = await h.admin.get('/v1/drift');
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        {
          site: 'press-1',
          status: 'drifted',
          checkedAt: '2026-12-06T10:00:00.000Z',
          liveSha256: sha('b'),
          pous: 1,
        },
        { site: 'press-2', status: 'unknown', checkedAt: null, liveSha256: null, pous: 0 },
      ]);
      const one = await h.admin.get('/v1/sites/press-1/drift');
      expect(one.body.report.pous[0].diff).toContain('+x := 5;');
      expect(one.body.history).toEqual([
        { sha256: sha('b'), status: 'drifted', checkedAt: '2026-12-06T10:00:00.000Z', trigger: 'schedule' },
      ]);
      expect((await h.admin.get('/v1/sites/nowhere/drift')).status).toBe(404);
      await readUntil('event: site.drift');
      await readUntil('\n\n');
      expect(stream).toMatch(/"status":"drifted","previous":"unknown","pous":\["Conveyor"\]/);
      controller.abort();
      await agent.close();
    });
  });
}

describe('sites with their drift', () => {
  it('gives each site its last check, unknown before the first, for a few sites or a whole fleet', async () => {
    h = await startHarness('sqlite');
    const names = Array.from({ length: 120 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    await seedFleet(
      h,
      names.slice(0, 3).map((name) => ({ name })),
    );
    const db = h.cp.db;
    await recordDriftReport(db, 'agt', report('p001'), 10);
    await recordDriftReport(db, 'agt', report('p002', { status: 'same', pous: [] }), 10);
    const few = await withDrift(db, [{ name: 'p000' }, { name: 'p001' }, { name: 'p002' }]);
    expect(few.map((s) => [s.name, s.drift])).toEqual([
      ['p000', { status: 'unknown', checkedAt: null, pous: 0 }],
      ['p001', { status: 'drifted', checkedAt: '2026-12-06T10:00:00.000Z', pous: 1 }],
      ['p002', { status: 'same', checkedAt: '2026-12-06T10:00:00.000Z', pous: 0 }],
    ]);
    // Past 100 sites the table is read whole: the same answers.
    const fleet = await withDrift(
      db,
      names.map((name) => ({ name, extra: true })),
    );
    expect(fleet).toHaveLength(120);
    expect(fleet.slice(0, 3)).toEqual(few.map((s) => ({ ...s, extra: true })));
    expect(fleet.filter((s) => s.drift.status !== 'unknown').map((s) => s.name)).toEqual(['p001', 'p002']);
    expect(await withDrift(db, [])).toEqual([]);
  });
});

describe('site drift history', () => {
  it('keeps the newest report as the latest, whatever the arrival order, and prunes the history', async () => {
    h = await startHarness('sqlite');
    await seedFleet(h, [{ name: 's1' }]);
    const db = h.cp.db;
    const at = (m: number) => `2026-12-06T10:${String(m).padStart(2, '0')}:00.000Z`;
    await recordDriftReport(db, 'agt', report('s1', { checkedAt: at(5), status: 'same', pous: [] }), 3);
    await recordDriftReport(db, 'agt', report('s1', { checkedAt: at(1) }), 3);
    for (const m of [6, 7])
      await recordDriftReport(
        db,
        'agt',
        report('s1', { checkedAt: at(m), status: 'same', pous: [], liveSha256: sha(String(m)) }),
        3,
      );
    const d = (await h.admin.get('/v1/sites/s1/drift')).body;
    expect(d.status).toBe('same');
    expect(d.report.checkedAt).toBe(at(7));
    expect(d.history.map((x: { checkedAt: string }) => x.checkedAt)).toEqual([at(7), at(6), at(5)]);
    expect((await h.admin.del('/v1/sites/s1')).status).toBe(200);
    expect(await db.selectFrom('site_drift_history').selectAll().execute()).toEqual([]);
  });
});

describe('a rollout and a drifted site', () => {
  it('skips the drifted site with reason drift, unless the plan sets allowDrift', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'press-1' }, { name: 'press-2' }], 'non-safety');
    const agents = await connectAgents(h.cp, ['press-1', 'press-2'], () => 'silent');
    agents
      .get('press-1')!
      .send({ v: PROTOCOL_VERSION, id: 'd1', type: 'drift.report', report: report('press-1') });
    await eventually(async () => {
      const items = (await h.admin.get('/v1/drift')).body.items as { site: string; status: string }[];
      return items.find((i) => i.site === 'press-1')?.status === 'drifted' || undefined;
    });
    const jobsOf = async (allowDrift: boolean) => {
      const created = await h.admin.post('/v1/rollouts', {
        migrationId: 'guard-upgrade',
        start: true,
        plan: planDoc([{ name: 'all', select: { sites: ['press-1', 'press-2'] } }], { allowDrift }),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return eventually(async () => {
        const jobs = (await h.admin.get(`/v1/jobs?rollout=${created.body.rollout.id}`)).body.jobs as {
          site: string;
          state: string;
          reason: string;
        }[];
        return jobs.length === 2 ? jobs.sort((a, b) => (a.site < b.site ? -1 : 1)) : undefined;
      });
    };
    const strict = await jobsOf(false);
    expect(strict[0]).toMatchObject({ site: 'press-1', state: 'skipped', reason: 'drift' });
    expect(strict[1]!.site).toBe('press-2');
    expect(strict[1]!.state).not.toBe('skipped');
    const allowed = await jobsOf(true);
    expect(allowed.map((j) => j.state)).not.toContain('skipped');
    for (const a of agents.values()) await a.close();
  });
});

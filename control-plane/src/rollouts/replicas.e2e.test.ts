/**
 * Two replicas on one PostgreSQL: an agent on replica A gets work from a
 * rollout created on replica B; one replica drives a rollout at a time, and
 * another takes over when the driver's lease lapses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.map((a) => a.close()));
  agents = [];
  await h?.close();
});

describe('two replicas on PostgreSQL', () => {
  it('hands work across replicas and takes over a rollout whose driver went silent', async () => {
    h = await startHarness('postgres', { driverLeaseMs: 400 });
    const a = h.cp;
    const b = await h.startReplica();
    const adminB = client(b.url, a.bootstrapToken!);
    await seedFleet(h, [{ name: 's1' }, { name: 's2' }]);
    const onA = await connectAgents(a, ['s1']);
    const onB = await connectAgents(b, ['s2']);
    agents = [...onA.values(), ...onB.values()];

    const created = await adminB.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      plan: planDoc(
        [
          { name: 'first', select: { sites: ['s1'] } },
          { name: 'second', select: { sites: ['s2'] } },
        ],
        { until: 'verified' },
      ),
    });
    expect(created.status).toBe(201);
    const id = created.body.rollout.id;
    // A replica that died holding the lease: nobody may drive until it lapses.
    const ghostUntil = new Date(Date.now() + 800).toISOString();
    await a.db
      .updateTable('rollouts')
      .set({ driver_id: 'ghost', driver_until: ghostUntil })
      .where('id', '=', id)
      .execute();
    expect((await adminB.post(`/v1/rollouts/${id}/start`)).status).toBe(200);

    const done = await eventually(async () => {
      const d = (await adminB.get(`/v1/rollouts/${id}`)).body;
      return d.rollout.state === 'completed' ? d : undefined;
    });
    expect(done.jobs).toEqual({ passed: 2 });
    const row = await a.db
      .selectFrom('rollouts')
      .select('driver_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect([a.replicaId, b.replicaId]).toContain(row.driver_id);
    // The first job became ready only after the ghost's lease lapsed.
    const jobs = (await adminB.get(`/v1/jobs?rollout=${id}`)).body.jobs as {
      site: string;
      offeredAt: string;
      agentId: string;
    }[];
    const s1 = jobs.find((j) => j.site === 's1')!;
    expect(s1.offeredAt > ghostUntil).toBe(true);
    expect(onA.get('s1')!.offers).toHaveLength(1);
    expect(onB.get('s2')!.offers).toHaveLength(1);
    // Events reach watchers on every replica: A's audit chain holds B's and A's entries in one chain.
    expect((await client(a.url, a.bootstrapToken!).get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});

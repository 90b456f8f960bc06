/**
 * A restart of the server in the middle of a phase loses nothing and runs nothing twice.
 */
import type { JobBundle } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, makeVerdict } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

describe('restart mid-phase', () => {
  it('carries on from the store: every site once, every verdict kept', async () => {
    h = await startHarness();
    const sites = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    await seedFleet(
      h,
      sites.map((name) => ({ name })),
    );
    const tokens = new Map<string, string>();
    for (const s of sites) tokens.set(s, (await h.cp.createAgentToken({ site: s })).token);
    // Before the restart: agents take their jobs and work on them (no verdict yet); one finishes.
    const before = await Promise.all(
      sites.map((s) =>
        FakeAgent.connect(h.cp.url, tokens.get(s)!, s, (b) => (b.site === 'm1' ? 'passed' : 'silent')),
      ),
    );
    open.push(...before);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([{ name: 'all', select: { rest: true }, concurrency: 3 }], { until: 'verified' }),
    });
    const id = created.body.rollout.id;
    await eventually(async () => {
      const jobs = (await h.admin.get(`/v1/rollouts/${id}`)).body.jobs;
      return jobs.passed === 1 && jobs.running === 3 && jobs.queued === 2 ? true : undefined;
    });
    const held: JobBundle[] = before.flatMap((a) => a.offers).filter((o) => o.site !== 'm1');
    expect(held).toHaveLength(3);

    await h.cp.close();
    const cp2 = await h.startReplica();
    expect(cp2.bootstrapToken).toBeNull();
    const admin2 = client(cp2.url, h.cp.bootstrapToken!);

    // After the restart the agents reconnect; those that held a job send its verdict from their outbox.
    const after = await Promise.all(
      sites.map((s) => FakeAgent.connect(cp2.url, tokens.get(s)!, s, () => 'passed')),
    );
    open.push(...after);
    for (const bundle of held) after[sites.indexOf(bundle.site)]!.sendVerdict(makeVerdict(bundle, 'passed'));

    const done = await eventually(async () => {
      const d = (await admin2.get(`/v1/rollouts/${id}`)).body;
      return d.rollout.state === 'completed' ? d : undefined;
    });
    expect(done.jobs).toEqual({ passed: 6 });
    const jobs = (await admin2.get(`/v1/jobs?rollout=${id}`)).body.jobs as {
      site: string;
      attempt: number;
    }[];
    expect(jobs.map((j) => j.site).sort()).toEqual(sites);
    expect(jobs.every((j) => j.attempt === 1)).toBe(true);
    expect((await admin2.get(`/v1/verdicts?rollout=${id}`)).body.verdicts).toHaveLength(6);
    // No job was offered twice: 6 offers over both lives of the server.
    const offers = [...before, ...after].flatMap((a) => a.offers.map((o) => o.jobId));
    expect(new Set(offers).size).toBe(6);
    expect(offers).toHaveLength(6);
    expect((await admin2.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});

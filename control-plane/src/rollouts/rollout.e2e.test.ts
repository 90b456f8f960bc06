/**
 * The rollout engine over real sockets: real ws clients act as agents.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';
import { STORE_KINDS } from '../testing/test-stores';

let h: Harness;
let agents: Map<string, FakeAgent> = new Map();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

/** These tests judge verdicts only: the rollout deploys nothing and completes when the verdicts are in. */
const VERIFY_ONLY = { until: 'verified' };

const waitForState = (id: string, states: string[]) =>
  eventually(async () => {
    const d = await h.admin.get(`/v1/rollouts/${id}`);
    return states.includes(d.body.rollout?.state) ? d.body : undefined;
  });

describe.each(STORE_KINDS)('rollout engine on %s', (kind) => {
  it('halts a 3-phase rollout over 30 sites at the first safety failure in phase 2, with the reason', async () => {
    h = await startHarness(kind);
    const sites = Array.from({ length: 30 }, (_, i) => `site-${String(i).padStart(2, '0')}`);
    await seedFleet(
      h,
      sites.map((name, i) => ({ name, tags: i < 5 ? ['canary'] : [] })),
    );
    // site-07 is in phase 2 (after the 5 canaries, phase 2 takes 10 of the remaining 25).
    agents = await connectAgents(h.cp, sites, (b) => (b.site === 'site-07' ? 'safety' : 'passed'));
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([
        { name: 'canary', select: { tags: ['canary'] }, concurrency: 5, gates: { minSample: 5 } },
        {
          name: 'wave',
          select: { count: 10 },
          concurrency: 2,
          gates: { minSample: 5, maxFailurePercent: 50 },
        },
        { name: 'rest', select: { rest: true }, concurrency: 10 },
      ]),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.rollout.id;
    const halted = await waitForState(id, ['halted', 'completed']);
    expect(halted.rollout.state).toBe('halted');
    expect(halted.rollout.phaseIndex).toBe(1);
    expect(halted.rollout.stateReason).toMatch(
      /^phase 2 \(wave\): \d+\/10 done, \d+ failed, 1 safety → halted: 1 safety failure\(s\), at most 0 allowed$/,
    );
    const summaries: string[] = halted.decisions.map((d: { summary: string }) => d.summary);
    expect(summaries).toContain('phase 1 (canary): 5/5 done, 0 failed, 0 safety → promoted');
    expect(summaries.some((s) => s.startsWith('phase 3'))).toBe(false);

    // Halted at once: nothing new is offered after the halt; phase 3 never got jobs.
    const jobs = (await h.admin.get(`/v1/jobs?rollout=${id}`)).body.jobs as {
      phaseIndex: number;
      state: string;
    }[];
    expect(jobs.filter((j) => j.phaseIndex === 2)).toHaveLength(0);
    const offeredBefore = [...agents.values()].reduce((n, a) => n + a.offers.length, 0);
    await new Promise((r) => setTimeout(r, 300));
    const offeredAfter = [...agents.values()].reduce((n, a) => n + a.offers.length, 0);
    expect(offeredAfter).toBe(offeredBefore);
    expect(jobs.filter((j) => j.phaseIndex === 1 && j.state === 'queued').length).toBeGreaterThan(0);
    expect((await h.admin.post(`/v1/rollouts/${id}/resume`)).status).toBe(409);
    expect((await h.admin.post(`/v1/rollouts/${id}/promote`)).status).toBe(409);
  });
});

describe('rollout engine', () => {
  it('holds a phase for manual promotion, then completes; abort cancels what has not started', async () => {
    h = await startHarness();
    const sites = ['a1', 'a2', 'a3', 'a4'];
    await seedFleet(
      h,
      sites.map((name) => ({ name })),
    );
    agents = await connectAgents(h.cp, ['a1', 'a2'], () => 'passed');
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([
        { name: 'first', select: { sites: ['a1', 'a2'] }, gates: { requireApproval: true, minSample: 2 } },
        { name: 'rest', select: { rest: true } },
      ]),
    });
    const id = created.body.rollout.id;
    const waiting = await eventually(async () => {
      const d = await h.admin.get(`/v1/rollouts/${id}`);
      return d.body.rollout.phaseState === 'awaiting-approval' ? d.body : undefined;
    });
    expect(waiting.rollout.state).toBe('running');
    const promoted = await h.admin.post(`/v1/rollouts/${id}/promote`);
    expect(promoted.body.rollout.phaseIndex).toBe(1);
    // a3, a4 have no agent: their jobs stay ready; abort cancels them.
    expect((await h.admin.post(`/v1/rollouts/${id}/abort`, {})).status).toBe(400);
    const aborted = await h.admin.post(`/v1/rollouts/${id}/abort`, { reason: 'change of plan' });
    expect(aborted.body.rollout.state).toBe('aborted');
    expect(aborted.body.jobs).toMatchObject({ passed: 2, cancelled: 2 });
    expect(aborted.body.decisions.at(-1).summary).toMatch(/aborted by admin: change of plan; 2 job\(s\)/);
  });

  it('pauses with a reason and resumes', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'p1' }]);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([{ name: 'only', select: { rest: true } }], VERIFY_ONLY),
    });
    const id = created.body.rollout.id;
    const paused = await h.admin.post(`/v1/rollouts/${id}/pause`, { reason: 'shift change' });
    expect(paused.body.rollout).toMatchObject({
      state: 'paused',
      stateReason: 'paused by admin: shift change',
    });
    agents = await connectAgents(h.cp, ['p1']);
    await new Promise((r) => setTimeout(r, 200));
    expect(agents.get('p1')!.offers).toHaveLength(0);
    await h.admin.post(`/v1/rollouts/${id}/resume`);
    expect((await waitForState(id, ['completed'])).jobs).toMatchObject({ passed: 1 });
  });

  it('offers work only inside maintenance windows when the phase says so', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'open' }]);
    const later = String((new Date().getUTCHours() + 12) % 24).padStart(2, '0');
    const closed = await h.admin.put('/v1/sites/closed', {
      tags: [],
      timeZone: 'UTC',
      maintenanceWindows: [{ start: `${later}:00`, durationMinutes: 60 }],
    });
    expect(closed.status).toBe(200);
    agents = await connectAgents(h.cp, ['open', 'closed']);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([{ name: 'windowed', select: { rest: true }, respectMaintenanceWindows: true }]),
    });
    const id = created.body.rollout.id;
    await eventually(async () =>
      (await h.admin.get(`/v1/rollouts/${id}`)).body.jobs.passed === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 200));
    const jobs = (await h.admin.get(`/v1/jobs?rollout=${id}`)).body.jobs as { site: string; state: string }[];
    expect(jobs.find((j) => j.site === 'closed')?.state).toBe('queued');
    expect(agents.get('closed')!.offers).toHaveLength(0);
    expect((await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state).toBe('running');
  });
});

describe('rollout commands for people', () => {
  it('says that promote, not resume, carries on a phase short of its sample (issue #17 point 12)', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'only' }], 'non-safety');
    agents = await connectAgents(h.cp, ['only']);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc(
        [
          { name: 'early', select: { rest: true }, gates: { minSample: 3 } },
          { name: 'after', select: { rest: true } },
        ],
        VERIFY_ONLY,
      ),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.rollout.id;
    const paused = await waitForState(id, ['paused']);
    expect(paused.rollout.stateReason).toMatch(/inconclusive: 1 result\(s\), 3 needed/);
    const resumed = await h.admin.post(`/v1/rollouts/${id}/resume`, {});
    expect(resumed.status).toBe(409);
    expect(resumed.body.error.message).toMatch(
      /^phase 1 \(early\) is finished with 1 result\(s\) and its gate needs 3: .* promote it: plcfleet rollouts promote /,
    );
    expect((await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state).toBe('paused');
    expect((await h.admin.post(`/v1/rollouts/${id}/promote`, {})).status).toBe(200);
    expect((await waitForState(id, ['completed'])).rollout.state).toBe('completed');
  });

  it('retries only the failed sites of the phase asked for (hawkBit per-group retry)', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'f1' }, { name: 'f2' }], 'non-safety');
    agents = await connectAgents(h.cp, ['f1', 'f2'], () => 'failed');
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([
        { name: 'one', select: { sites: ['f1'] }, gates: { maxFailurePercent: 100 } },
        { name: 'two', select: { rest: true }, gates: { maxFailurePercent: 100 } },
      ]),
    });
    const id = created.body.rollout.id;
    // Both phases judged; the failed sites keep the rollout open (they run no change).
    await eventually(async () => {
      const d = await h.admin.get(`/v1/rollouts/${id}`);
      return d.body.rollout.phaseIndex === 1 && d.body.jobs.failed === 2 ? true : undefined;
    });
    expect((await h.admin.post(`/v1/rollouts/${id}/retry?phase=3`, {})).status).toBe(400);
    const retried = await h.admin.post(`/v1/rollouts/${id}/retry?phase=1`, {});
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.decisions.at(-1).summary).toBe('retry of 1 failed site(s) of phase 1 by admin');
    const jobs = (await h.admin.get(`/v1/jobs?rollout=${id}`)).body.jobs as { site: string; state: string }[];
    expect(jobs.filter((j) => j.site === 'f1').map((j) => j.state)).toContain('retried');
    expect(jobs.filter((j) => j.site === 'f2').map((j) => j.state)).toEqual(['failed']);
  });

  it('starts sites no faster than the start rate of the phase', async () => {
    h = await startHarness();
    const sites = ['r1', 'r2', 'r3'];
    await seedFleet(
      h,
      sites.map((name) => ({ name })),
      'non-safety',
    );
    agents = await connectAgents(h.cp, sites);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc(
        [{ name: 'slow', select: { rest: true }, concurrency: 3, startRate: { perMinute: 1 } }],
        VERIFY_ONLY,
      ),
    });
    const id = created.body.rollout.id;
    await eventually(async () =>
      (await h.admin.get(`/v1/rollouts/${id}`)).body.jobs.passed === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    // One a minute: the other two wait although three may run at once.
    const d = (await h.admin.get(`/v1/rollouts/${id}`)).body;
    expect(d.jobs).toMatchObject({ passed: 1, queued: 2 });
    expect([...agents.values()].reduce((n, a) => n + a.offers.length, 0)).toBe(1);
  });
});

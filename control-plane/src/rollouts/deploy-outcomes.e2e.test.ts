/**
 * A rollout is complete when its sites run the change (issue #21 point 3, ADR 0028):
 * verdicts in is not enough; approved, deployed and watched is, or a person closes it.
 * Real ws clients act as agents; real SQLite.
 */
import {
  type DeployOrder,
  type Envelope,
  type MessageOf,
  PROTOCOL_VERSION,
  RolloutProgress,
} from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

async function start(plan: unknown): Promise<string> {
  const r = await h.admin.post('/v1/rollouts', { migrationId: 'guard-upgrade', start: true, plan });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.rollout.id;
}

const progress = async (id: string) => {
  const r = await h.admin.get(`/v1/rollouts/${id}/progress`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return RolloutProgress.parse(r.body);
};

const changeRequests = (id: string, n: number) =>
  eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
      id: string;
      site: string;
    }[];
    return list.length === n ? list : undefined;
  });

/** Approves as a second person (the operator) and returns the deploy order the site's agent got. */
async function approve(crId: string, agent: FakeAgent): Promise<DeployOrder> {
  const order = agent.waitFor((m) => m.type === 'deploy.order', 10_000);
  const op = await h.admin.post('/v1/tokens', { name: `op-${crId}`, role: 'operator' });
  const r = await client(h.cp.url, op.body.token).post(`/v1/change-requests/${crId}/approve`, {});
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return ((await order) as MessageOf<'deploy.order'>).order.payload;
}

const acked = (agent: FakeAgent, replyTo: string) =>
  agent.waitFor((m: Envelope) => m.type === 'deploy.result.ack' && m.replyTo === replyTo);

const rollout = async (id: string) => (await h.admin.get(`/v1/rollouts/${id}`)).body;

describe('deploy outcomes', () => {
  it('completes only once every site is deployed and watched, saying what it waits for', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'd1' }, { name: 'd2' }], 'non-safety');
    agents = await connectAgents(h.cp, ['d1', 'd2']);
    const id = await start(planDoc([{ name: 'all', select: { rest: true }, watch: '400ms' }]));
    const crs = await changeRequests(id, 2);

    // Both verdicts passed: the old engine completed here. Now it waits for the approvals.
    const waiting = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.counts.verified === 2 && p.phases[0]!.status === 'awaiting-deploy' ? p : undefined;
    });
    expect(waiting.settled).toBe(false);
    expect(waiting.phases[0]!.waitsFor).toEqual(['approval']);
    expect((await rollout(id)).rollout.state).toBe('running');
    expect((await rollout(id)).rollout.stateReason).toMatch(
      /→ waiting for deploys: phase 1 2 site\(s\): 2 verified/,
    );

    const [first, second] = crs.map((cr) => ({ cr, agent: agents.get(cr.site)! }));
    const o1 = await approve(first!.cr.id, first!.agent);
    const r1 = first!.agent.sendDeployResult({
      deployId: o1.deployId,
      outcome: 'deployed',
      reason: '',
      sha256Running: o1.sha256After,
    });
    await acked(first!.agent, r1);
    const one = await progress(id);
    expect(one.phases[0]!.counts).toMatchObject({ verified: 2, approved: 1, deployed: 1, rolledBack: 0 });
    expect(one.phases[0]!.waitsFor).toContain('approval');
    expect((await rollout(id)).rollout.state).toBe('running');

    const o2 = await approve(second!.cr.id, second!.agent);
    const r2 = second!.agent.sendDeployResult({
      deployId: o2.deployId,
      outcome: 'deployed',
      reason: '',
      sha256Running: o2.sha256After,
    });
    await acked(second!.agent, r2);
    const watching = await progress(id);
    // Deployed just now: inside the 400 ms watch, unless this machine was very slow.
    if (watching.phases[0]!.counts.watched < 2) expect(watching.phases[0]!.waitsFor).toEqual(['watch']);

    const done = await eventually(async () => {
      const d = await rollout(id);
      return d.rollout.state === 'completed' ? d : undefined;
    });
    const decisions = (done.decisions as { decision: string }[]).map((d) => d.decision);
    expect(decisions).toContain('awaiting-deploy');
    expect(decisions.at(-1)).toBe('completed');
    const final = await progress(id);
    expect(final.settled).toBe(true);
    expect(final.phases[0]!).toMatchObject({ status: 'done', waitsFor: [] });
    expect(final.phases[0]!.counts).toMatchObject({
      sites: 2,
      verified: 2,
      approved: 2,
      deployed: 2,
      watched: 2,
    });
  });

  it('refuses to promote the last phase past undeployed changes; a person closes it instead', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'c1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['c1']);
    const id = await start(planDoc([{ name: 'only', select: { rest: true } }]));
    await eventually(async () =>
      (await progress(id)).phases[0]!.status === 'awaiting-deploy' ? true : undefined,
    );
    const promote = await h.admin.post(`/v1/rollouts/${id}/promote`, {});
    expect(promote.status).toBe(409);
    expect(promote.body.error.message).toMatch(
      /is the last: .*deployed and watched; .*plcfleet rollouts close /,
    );
    expect((await h.admin.post(`/v1/rollouts/${id}/close`, {})).status).toBe(400);
    const closed = await h.admin.post(`/v1/rollouts/${id}/close`, { reason: 'site c1 is decommissioned' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.rollout.state).toBe('completed');
    expect(closed.body.rollout.stateReason).toMatch(
      /^closed by admin: site c1 is decommissioned; phase 1 1 site\(s\): 1 verified, 0 approved, 0 deployed/,
    );
    const audit = (await h.admin.get(`/v1/audit?subject=${id}&limit=100`)).body.entries as {
      action: string;
    }[];
    expect(audit.map((e) => e.action)).toContain('rollout.closed');
  });

  it('shows a paused rollout as paused, and halts on a rolled-back deploy', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['r1']);
    // Watched for a minute: the rollback arrives inside the watch.
    const id = await start(planDoc([{ name: 'only', select: { rest: true }, watch: '60s' }]));
    const [cr] = await changeRequests(id, 1);
    await h.admin.post(`/v1/rollouts/${id}/pause`, { reason: 'night shift' });
    expect((await progress(id)).phases[0]).toMatchObject({ status: 'paused', waitsFor: ['resume'] });
    await h.admin.post(`/v1/rollouts/${id}/resume`, {});

    const agent = agents.get('r1')!;
    const order = await approve(cr!.id, agent);
    await acked(
      agent,
      agent.sendDeployResult({
        deployId: order.deployId,
        outcome: 'deployed',
        reason: '',
        sha256Running: order.sha256After,
      }),
    );
    // The post-deploy watch saw a divergence and rolled back: the rollout halts with the reason.
    await acked(
      agent,
      agent.sendDeployResult({
        deployId: order.deployId,
        outcome: 'rolled-back',
        reason: 'watch: divergence on Q_Motor',
        sha256Running: order.sha256Before,
      }),
    );
    const halted = await eventually(async () => {
      const d = await rollout(id);
      return d.rollout.state === 'halted' ? d : undefined;
    });
    expect(halted.rollout.stateReason).toMatch(/→ halted: 1 deploy\(s\) rolled back, at most 0 allowed$/);
    const p = await progress(id);
    expect(p.phases[0]).toMatchObject({ status: 'halted', waitsFor: ['retry-or-close'] });
    expect(p.phases[0]!.counts).toMatchObject({ deployed: 0, rolledBack: 1 });
  });

  it('gates a cutover phase on the stage reports of its sites over the soak', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'm1' }, { name: 'm2' }], 'non-safety');
    agents = await connectAgents(h.cp, ['m1', 'm2']);
    const plan = (name: string, site: string) =>
      planDoc([{ name, select: { sites: [site] }, gates: { maxStageDivergences: 0, soak: '300ms' } }], {
        until: 'verified',
      });
    const report = (site: string, divergences: number) =>
      agents.get(site)!.send({
        v: PROTOCOL_VERSION,
        id: `stg-${site}-${divergences}-${Date.now()}`,
        type: 'stage.report',
        site,
        migrationId: 'guard-upgrade',
        stage: 'parallel',
        figures: {
          tags: 4,
          polls: 100,
          divergences,
          commErrors: 0,
          latencyMs: { p50: 1, p99: 2 },
          worst: [],
        },
        reason: '',
      });
    const clean = await start(plan('clean', 'm1'));
    const held = await eventually(async () => {
      const d = await rollout(clean);
      return /waiting for stage reports: 1 of 1 site\(s\) not reported over the soak yet$/.test(
        d.rollout.stateReason,
      )
        ? d
        : undefined;
    });
    expect(held.rollout.state).toBe('running');
    await new Promise((r) => setTimeout(r, 350));
    report('m1', 0);
    expect(
      await eventually(async () => ((await rollout(clean)).rollout.state === 'completed' ? true : undefined)),
    ).toBe(true);

    const noisy = await start(plan('noisy', 'm2'));
    await eventually(async () => ((await rollout(noisy)).jobs.passed === 1 ? true : undefined));
    report('m2', 3);
    const halted = await eventually(async () => {
      const d = await rollout(noisy);
      return d.rollout.state === 'halted' ? d : undefined;
    });
    expect(halted.rollout.stateReason).toMatch(
      /→ halted: stage reports count 3 divergence\(s\), at most 0 allowed$/,
    );
  });
});

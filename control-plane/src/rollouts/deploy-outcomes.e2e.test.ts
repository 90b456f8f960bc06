/**
 * A rollout is complete when its sites run the change (issue #21 point 3, ADR 0028):
 * verdicts in is not enough; approved, deployed and watched is, or a person closes it.
 * Fleet shadow (point 2) and site-side deferral: agents report shadow runs and deferred
 * deploys; the phase's shadow gate holds, releases or fails on them; the change shows them
 * as evidence. Real ws clients act as agents; real SQLite.
 */
import {
  type DeployOrder,
  type Envelope,
  type JobBundle,
  type MessageOf,
  PROTOCOL_VERSION,
  RolloutProgress,
  type ShadowRun,
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
      jobId: string;
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
    // The view is computed at once; the engine writes its waiting line at its next tick.
    const reason = await eventually(async () => {
      const r = (await rollout(id)).rollout.stateReason as string;
      return r.includes('waiting for deploys') ? r : undefined;
    });
    expect(reason).toMatch(/→ waiting for deploys: phase 1 2 site\(s\): 2 verified/);

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

let n = 0;
/** Sends a shadow report of `agent` and resolves with its ack. */
function report(agent: FakeAgent, r: Partial<ShadowRun> & Pick<ShadowRun, 'jobId' | 'rolloutId' | 'state'>) {
  const id = `shd-msg-${++n}`;
  const ack = agent.waitFor((m: Envelope) => m.type === 'shadow.report.ack' && m.replyTo === id);
  agent.send({
    v: PROTOCOL_VERSION,
    id,
    type: 'shadow.report',
    report: {
      shadowId: `shd-${r.jobId}`,
      kind: 'candidate',
      site: agent.site,
      startedAt: new Date().toISOString(),
      durationMs: 300,
      seconds: 0,
      samples: 0,
      compared: 0,
      divergences: [],
      commLoss: null,
      fault: null,
      reason: '',
      coverage: null,
      ...r,
    },
  });
  return ack;
}

async function operator() {
  const op = await h.admin.post('/v1/tokens', { name: `op-${++n}`, role: 'operator' });
  return client(h.cp.url, op.body.token);
}

describe('shadow gate', () => {
  it('holds a phase while its candidate runs in shadow, then releases it; approval waits for the run', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 's1' }, { name: 's2' }], 'non-safety');
    agents = await connectAgents(h.cp, ['s1', 's2']);
    const id = await start(
      planDoc(
        [
          {
            name: 'shadowed',
            select: { sites: ['s1'] },
            shadow: { minDuration: '300ms', maxDivergences: 0, when: 'before-approval' },
          },
          { name: 'rest', select: { rest: true } },
        ],
        { until: 'verified' },
      ),
    );
    const [cr] = await changeRequests(id, 1);
    const agent = agents.get('s1')!;
    // The bundle asked the agent for the shadow run.
    expect(agent.offers[0]!.shadow).toEqual({
      minDurationMs: 300,
      maxDivergences: 0,
    } satisfies JobBundle['shadow']);

    const held = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.status === 'awaiting-shadow' ? p : undefined;
    });
    expect(held.phases[0]!.waitsFor).toEqual(['shadow']);
    expect(held.phases[0]!.shadow).toBe(
      'shadow: 0 of 1 site(s) passed, 1 not reported; at most 0 divergence(s)',
    );

    const op = await operator();
    const early = await op.post(`/v1/change-requests/${cr!.id}/approve`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.message).toBe(
      "the change's shadow run at s1 has not been reported yet; its phase approves only after it passed",
    );

    await report(agent, { jobId: cr!.jobId, rolloutId: id, state: 'running', seconds: 0.1, samples: 5 });
    await new Promise((r) => setTimeout(r, 200));
    const running = await progress(id);
    expect(running.phases[0]!.status).toBe('awaiting-shadow');
    expect(running.phases[0]!.shadow).toMatch(/1 running \(0\.1 of 0\.3 s\)/);
    expect((await rollout(id)).rollout).toMatchObject({ state: 'running', phaseIndex: 0 });
    expect((await op.post(`/v1/change-requests/${cr!.id}/approve`, {})).body.error.message).toMatch(
      /is still running \(0\.1 of 0\.3 s\)/,
    );

    await report(agent, {
      jobId: cr!.jobId,
      rolloutId: id,
      state: 'passed',
      seconds: 0.31,
      samples: 31,
      compared: 30,
    });
    // A late `running` resend does not reopen a settled run.
    await report(agent, { jobId: cr!.jobId, rolloutId: id, state: 'running', seconds: 0.2 });
    const promoted = await eventually(async () => {
      const d = await rollout(id);
      return d.rollout.phaseIndex === 1 ? d : undefined;
    });
    expect((promoted.decisions as { decision: string }[]).map((x) => x.decision)).toContain(
      'awaiting-shadow',
    );
    const p = await progress(id);
    expect(p.phases[0]!.shadow).toBe('shadow: 1 of 1 site(s) passed; at most 0 divergence(s)');

    // The run is evidence of the change, and approval now goes through.
    const detail = (await h.admin.get(`/v1/change-requests/${cr!.id}`)).body;
    expect(detail.shadowReports).toHaveLength(1);
    expect(detail.shadowReports[0]).toMatchObject({ kind: 'candidate', state: 'passed', samples: 31 });
    expect((await op.post(`/v1/change-requests/${cr!.id}/approve`, {})).status).toBe(200);
  });

  it('fails the gate on a divergent candidate, naming the site and the tag', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'd1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['d1']);
    const id = await start(
      planDoc([
        { name: 'shadowed', select: { rest: true }, shadow: { minDuration: '2h', maxDivergences: 1 } },
      ]),
    );
    const [cr] = await changeRequests(id, 1);
    // `after-approval` (the default): the bundle carries nothing, the deploy order does.
    expect(agents.get('d1')!.offers[0]!.shadow).toBeUndefined();
    const waiting = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.status === 'awaiting-shadow' ? p : undefined;
    });
    expect(waiting.phases[0]!.waitsFor).toEqual(['approval', 'shadow']);
    const agent = agents.get('d1')!;
    const order = await approve(cr!.id, agent);
    expect(order.shadow).toEqual({ minDurationMs: 7_200_000, maxDivergences: 1 });

    await report(agent, {
      jobId: cr!.jobId,
      rolloutId: id,
      deployId: order.deployId,
      state: 'diverged',
      seconds: 12,
      samples: 600,
      compared: 599,
      divergences: [{ tag: 'Alarm', first: '2026-12-06T08:00:00.000Z', count: 2, live: true, shadow: false }],
    });
    const halted = await eventually(async () => {
      const d = await rollout(id);
      return d.rollout.state === 'halted' ? d : undefined;
    });
    expect(halted.rollout.stateReason).toMatch(
      /→ halted: shadow at d1: Alarm diverged in 2 sample\(s\) from 2026-12-06T08:00:00.000Z \(live true, shadow false\), at most 1 allowed$/,
    );
    const listed = (await h.admin.get(`/v1/rollouts/${id}/shadow-reports`)).body.shadowReports;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      state: 'diverged',
      deployId: order.deployId,
      agentId: expect.any(String),
    });

    // A retry runs the site again: a new job, a new verdict, a new shadow run; the gate judges that one.
    const retried = await h.admin.post(`/v1/rollouts/${id}/retry`, {});
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.rollout.state).toBe('running');
    const crs = await eventually(async () => {
      const all = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
        jobId: string;
        state: string;
        reason: string;
      }[];
      return all.length === 2 ? all : undefined;
    });
    // The approved change of the diverged run stays as it was decided; the new job has its own.
    expect(crs.filter((c) => c.jobId !== cr!.jobId).map((c) => c.state)).toEqual(['open']);
    const p = await eventually(async () => {
      const x = await progress(id);
      return x.phases[0]!.shadow?.includes('wait for approval first') ? x : undefined;
    });
    expect(p.phases[0]!.shadow).toBe(
      'shadow: 0 of 1 site(s) passed, 1 wait for approval first; at most 1 divergence(s)',
    );
    // The diverged run's order (delivered, no result yet) is superseded (ADR 0105).
    expect((await rollout(id)).decisions.map((d: { summary: string }) => d.summary)).toContain(
      `retry of 1 failed site(s) (1 by their shadow run) by admin; superseded deploy order(s): ${order.deployId} (d1)`,
    );
  });

  it('refuses a report for a job of another site, and one naming no job', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'w1' }, { name: 'w2' }], 'non-safety');
    agents = await connectAgents(h.cp, ['w1', 'w2']);
    const id = await start(planDoc([{ name: 'all', select: { rest: true } }]));
    const crs = await changeRequests(id, 2);
    const other = crs.find((c) => c.site === 'w2')!;
    const a = agents.get('w1')!;
    const err = (replyTo: string) => a.waitFor((m) => m.type === 'error' && m.replyTo === replyTo);
    const nextId = `shd-msg-${n + 1}`;
    const wrong = err(nextId);
    void report(a, { jobId: other.jobId, rolloutId: id, state: 'passed' }).catch(() => {});
    expect(await wrong).toMatchObject({ code: 'WRONG_SITE' });
    const none = err(`shd-msg-${n + 1}`);
    void report(a, { jobId: 'job-nope', rolloutId: id, state: 'passed' }).catch(() => {});
    expect(await none).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.admin.get(`/v1/rollouts/${id}/shadow-reports`)).body.shadowReports).toEqual([]);
  });
});

describe('deploy outcomes reported by the site', () => {
  it('shows a deferred deploy as deferred (line busy), and stores the watch report beside the change', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'b1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['b1']);
    const id = await start(planDoc([{ name: 'all', select: { rest: true }, watch: '90s' }]));
    const [cr] = await changeRequests(id, 1);
    const agent = agents.get('b1')!;
    const order = await approve(cr!.id, agent);
    // The phase's watch travels in the signed order.
    expect(order.watchMs).toBe(90_000);
    expect(order.shadow).toBeUndefined();

    for (let i = 0; i < 2; i++)
      agent.send({
        v: PROTOCOL_VERSION,
        id: `def-${i}`,
        type: 'deploy.deferred',
        deployId: order.deployId,
        site: 'b1',
        reason: 'Line_Busy is TRUE',
        recheckMs: 30_000,
      });
    const deferred = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.counts.deferred === 1 ? p : undefined;
    });
    expect(deferred.phases[0]!.waitsFor).toEqual(['line-busy']);
    expect(deferred.phases[0]!.summary).toBe(
      '1 site(s): 1 verified, 1 approved, 0 deployed, 0 watched, 0 rolled back, 1 deferred (line busy); waits for line-busy',
    );
    const unknown = agent.waitFor((m) => m.type === 'error' && m.replyTo === 'def-x');
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'def-x',
      type: 'deploy.deferred',
      deployId: 'dep-nope',
      site: 'b1',
      reason: 'Line_Busy is TRUE',
      recheckMs: 30_000,
    });
    expect(await unknown).toMatchObject({ code: 'NOT_FOUND' });

    const resultId = agent.sendDeployResult({
      deployId: order.deployId,
      outcome: 'deployed',
      reason: '',
      sha256Running: order.sha256After,
    });
    await agent.waitFor((m) => m.type === 'deploy.result.ack' && m.replyTo === resultId);
    const watching = await progress(id);
    expect(watching.phases[0]!.counts).toMatchObject({ deployed: 1, deferred: 0 });
    expect(watching.phases[0]!.waitsFor).toEqual(['watch']);

    await report(agent, {
      shadowId: `watch-${order.deployId}`,
      kind: 'watch',
      jobId: cr!.jobId,
      rolloutId: id,
      deployId: order.deployId,
      state: 'passed',
      durationMs: 90_000,
      seconds: 90,
      samples: 4500,
      compared: 4499,
    });
    const detail = (await h.admin.get(`/v1/change-requests/${cr!.id}`)).body;
    expect(detail.shadowReports).toEqual([
      expect.objectContaining({ kind: 'watch', state: 'passed', deployId: order.deployId, compared: 4499 }),
    ]);
  });
});

/**
 * A deploy counts as watched only when the agent's own watch says so, when it reports one
 * (ADR 0104): a watch still running — or paused by an agent restart, to resume — holds the
 * phase past the watch period; one that ended failed with the deploy still in place never
 * counts. Real ws clients act as agents; real SQLite and PostgreSQL.
 */
import { type MessageOf, PROTOCOL_VERSION, RolloutProgress, type ShadowRun } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { eventually } from '../testing/fixtures';
import { connectAgents, deployedChange, type Harness, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

const progress = async (id: string) => {
  const r = await h.admin.get(`/v1/rollouts/${id}/progress`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return RolloutProgress.parse(r.body);
};

/** A one-site rollout with `watch: 300ms`, its change approved and deployed; the agent and the order. */
async function deployed(kind: 'sqlite' | 'postgres', site: string) {
  h = await startHarness(kind);
  await seedFleet(h, [{ name: site }], 'non-safety');
  const agent = (await connectAgents(h.cp, [site])).get(site)!;
  open.push(agent);
  const { id, order } = await deployedChange(h, agent, { watch: '300ms' });
  return { id, agent, order };
}

/** The agent reports its watch of the deploy in `state`. */
async function watchReport(
  agent: FakeAgent,
  order: MessageOf<'deploy.order'>['order']['payload'],
  state: ShadowRun['state'],
  reason = '',
  compared = 9,
  extra: Partial<ShadowRun> = {},
) {
  const msgId = `watch-${order.deployId}-${state}`;
  const ack = agent.waitFor((m) => m.type === 'shadow.report.ack' && m.replyTo === msgId);
  agent.send({
    v: PROTOCOL_VERSION,
    id: msgId,
    type: 'shadow.report',
    report: {
      shadowId: `watch-${order.deployId}`,
      kind: 'watch',
      site: order.site,
      jobId: order.jobId,
      rolloutId: order.rolloutId,
      deployId: order.deployId,
      state,
      startedAt: new Date().toISOString(),
      durationMs: 300,
      seconds: state === 'running' ? 0.1 : 0.3,
      samples: 10,
      compared,
      divergences: [],
      commLoss: null,
      fault: null,
      reason,
      coverage: null,
      ...extra,
    },
  });
  await ack;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`deploys count as watched by the agent's watch (${kind})`, () => {
    it('holds a deploy whose watch still runs past the period, and counts it once the watch passed', async () => {
      const { id, agent, order } = await deployed(kind, 'w1');
      await watchReport(agent, order, 'running');
      // Past the 300 ms period, the watch (resumed after a restart, say) still runs: not watched.
      await sleep(800);
      const held = await progress(id);
      expect(held.phases[0]!.counts).toMatchObject({ deployed: 1, watched: 0 });
      expect(held.phases[0]!.waitsFor).toContain('watch');
      expect((await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state).toBe('running');
      await watchReport(agent, order, 'passed');
      const done = await eventually(async () => {
        const r = (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout;
        return r.state === 'completed' ? r : undefined;
      });
      expect(done.state).toBe('completed');
      expect((await progress(id)).phases[0]!.counts).toMatchObject({ deployed: 1, watched: 1 });
    });

    it('never counts a deploy whose watch ended failed as watched: a person retries or closes', async () => {
      const { id, agent, order } = await deployed(kind, 'w2');
      await watchReport(
        agent,
        order,
        'failed',
        'post-deploy watch ended early (a rollback order, or the agent stops)',
      );
      await sleep(800);
      const p = await progress(id);
      expect(p.phases[0]!.counts).toMatchObject({ deployed: 1, watched: 0 });
      expect(p.phases[0]!.waitsFor).toContain('retry-or-close');
      expect((await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state).toBe('running');
    });

    it('never counts a watch that compared nothing, even one an older agent calls passed', async () => {
      const { id, agent, order } = await deployed(kind, 'w3');
      await watchReport(agent, order, 'passed', '', 0);
      await sleep(800);
      const p = await progress(id);
      expect(p.phases[0]!.counts).toMatchObject({ deployed: 1, watched: 0 });
      expect(p.phases[0]!.waitsFor).toContain('retry-or-close');
      expect((await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state).toBe('running');
    });

    // ADR 0179: a watch that could not show the deploy behaves rolls it back, its report tagged
    // `rollback: inconclusive`; the phase's maxRollbacks counts it as any rollback.
    for (const tagged of [true, false])
      it(`counts an inconclusive rollback against maxRollbacks and ${tagged ? 'keeps its tag' : 'takes an older agent’s untagged report'}`, async () => {
        const { id, agent, order } = await deployed(kind, tagged ? 'w4' : 'w5');
        const why =
          'post-deploy watch inconclusive: nothing compared: 19 sample(s), none judged, in 2.1 s; unjudged: torn 15, seed 4';
        await watchReport(agent, order, 'failed', why, 0, tagged ? { rollback: 'inconclusive' } : {});
        const res = agent.sendDeployResult({
          deployId: order.deployId,
          outcome: 'rolled-back',
          reason: why,
          sha256Running: order.sha256Before,
        });
        await agent.waitFor((m) => m.type === 'deploy.result.ack' && m.replyTo === res);
        const halted = await eventually(async () => {
          const r = (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout;
          return r.state === 'halted' ? r : undefined;
        });
        // Told apart from a divergence in the halt reason and the counts, when the agent tagged it.
        expect(halted.stateReason).toMatch(
          tagged
            ? /1 deploy\(s\) rolled back, at most 0 allowed \(1 of them inconclusive: the watch could not show the change behaves\)$/
            : /1 deploy\(s\) rolled back, at most 0 allowed$/,
        );
        expect((await progress(id)).phases[0]!.counts).toMatchObject({
          deployed: 0,
          rolledBack: 1,
          rolledBackInconclusive: tagged ? 1 : 0,
        });
        const { shadowReports } = (await h.admin.get(`/v1/rollouts/${id}/shadow-reports`)).body as {
          shadowReports: ShadowRun[];
        };
        expect(shadowReports).toHaveLength(1);
        expect(shadowReports[0]).toMatchObject({ kind: 'watch', state: 'failed', reason: why });
        expect(shadowReports[0]!.rollback).toBe(tagged ? 'inconclusive' : undefined);
        const deploys = (await h.admin.get(`/v1/deploys?rollout=${id}`)).body.deploys as { reason: string }[];
        expect(deploys.map((d) => d.reason)).toEqual([why]);
      });
  });
}

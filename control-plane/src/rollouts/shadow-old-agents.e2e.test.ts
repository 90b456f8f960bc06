/**
 * Shadow gates fail closed with old agents (ADR 0050): an agent whose hello does not name
 * the capability `shadow` would ignore a bundle's or an order's shadow requirement and
 * deploy unshadowed, so the control plane holds that work and says why in the progress
 * view; an agent that names it gets the work. A raw ws client speaks the old hello; real SQLite.
 */
import { type Envelope, type MessageOf, PROTOCOL_VERSION, RolloutProgress } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

/** An agent as released before shadow runs: its hello names no `shadow`. */
async function oldAgent(site: string): Promise<{ agent: FakeAgent; agentId: string }> {
  const { token, agentId } = await h.cp.createAgentToken({ site });
  const agent = await FakeAgent.open(h.cp.url, token, site);
  open.push(agent);
  const welcome = agent.waitFor((m) => m.type === 'welcome' || m.type === 'reject');
  agent.send({
    v: PROTOCOL_VERSION,
    id: `hello-${site}`,
    type: 'hello',
    agentId,
    site,
    versions: { agent: '0.9.0', protocols: [PROTOCOL_VERSION] },
    capabilities: ['jobs', 'deploy', 'rollback', 'stage-report'],
  });
  expect((await welcome).type).toBe('welcome');
  return { agent, agentId };
}

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shadow gates with agents that do not run shadow', () => {
  it('holds an after-approval deploy order from an old agent, naming it, and sends it to one that runs shadow', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'o1' }], 'non-safety');
    const { agent, agentId } = await oldAgent('o1');
    const id = await start(
      planDoc([{ name: 'canary', select: { rest: true }, shadow: { minDuration: '2h', maxDivergences: 0 } }]),
    );
    // Verification needs no shadow run here (after-approval): the old agent verifies.
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
        id: string;
      }[];
      return list[0];
    });
    expect(agent.offers).toHaveLength(1);
    expect(agent.offers[0]!.shadow).toBeUndefined();

    const op = await h.admin.post('/v1/tokens', { name: 'op', role: 'operator' });
    const approved = await client(h.cp.url, op.body.token).post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const held = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.held?.length ? p : undefined;
    });
    expect(held.phases[0]!.waitsFor).toContain('agent-upgrade');
    expect(held.phases[0]!.held).toEqual([
      `o1: agent ${agentId} (0.9.0) does not declare capability shadow; its deploy order is held until an agent that runs shadow runs connects (upgrade it)`,
    ]);
    expect(held.phases[0]!.summary).toContain(`held: o1: agent ${agentId} (0.9.0)`);
    // The rollout's waiting line says it too (the engine writes it at its next tick).
    const reason = await eventually(async () => {
      const r = (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.stateReason as string;
      return r.includes('held:') ? r : undefined;
    });
    expect(reason).toContain(`→ waiting for shadow: 0 of 1 site(s) passed`);
    expect(reason).toContain(`; held: o1: agent ${agentId} (0.9.0) does not declare capability shadow`);
    // Never sent to the old agent, however often delivery runs (a reconnect resends held orders).
    await sleep(500);
    expect(agent.received.filter((m: Envelope) => m.type === 'deploy.order')).toEqual([]);
    expect(held.phases[0]!.counts.deployed).toBe(0);

    // An agent that runs shadow connects at the site: it gets the order, shadow requirement and all.
    const current = (await connectAgents(h.cp, ['o1'])).get('o1')!;
    open.push(current);
    const order = (await current.waitFor(
      (m) => m.type === 'deploy.order',
      10_000,
      true,
    )) as MessageOf<'deploy.order'>;
    expect(order.order.payload.shadow).toEqual({ minDurationMs: 7_200_000, maxDivergences: 0 });
    const after = await progress(id);
    expect(after.phases[0]!.held).toEqual([]);
    expect(after.phases[0]!.waitsFor).not.toContain('agent-upgrade');
    expect(agent.received.filter((m: Envelope) => m.type === 'deploy.order')).toEqual([]);
  });

  it('does not offer a before-approval job to an old agent, and says so', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'p1' }], 'non-safety');
    const { agent, agentId } = await oldAgent('p1');
    const id = await start(
      planDoc([
        {
          name: 'canary',
          select: { rest: true },
          shadow: { minDuration: '300ms', maxDivergences: 0, when: 'before-approval' },
        },
      ]),
    );
    const held = await eventually(async () => {
      const p = await progress(id);
      return p.phases[0]!.held?.length ? p : undefined;
    });
    expect(held.phases[0]!.status).toBe('dispatching');
    expect(held.phases[0]!.waitsFor).toEqual(['verdicts', 'agent-upgrade']);
    expect(held.phases[0]!.held?.[0]).toBe(
      `p1: agent ${agentId} (0.9.0) does not declare capability shadow; its job is held until an agent that runs shadow runs connects (upgrade it)`,
    );
    await sleep(500);
    expect(agent.offers).toEqual([]);

    const current = (await connectAgents(h.cp, ['p1'])).get('p1')!;
    open.push(current);
    await current.waitFor((m) => m.type === 'job.offer', 10_000, true);
    expect(current.offers[0]!.shadow).toEqual({ minDurationMs: 300, maxDivergences: 0 });
    expect(agent.offers).toEqual([]);
  });

  it('does not send again an order whose shadow run ended unpassed (the agent stopped mid-run)', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'q1' }], 'non-safety');
    const first = (await connectAgents(h.cp, ['q1'])).get('q1')!;
    open.push(first);
    const id = await start(
      planDoc([{ name: 'canary', select: { rest: true }, shadow: { minDuration: '2h', maxDivergences: 0 } }]),
    );
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
        id: string;
        jobId: string;
      }[];
      return list[0];
    });
    const delivered = first.waitFor((m) => m.type === 'deploy.order', 10_000);
    const op = await h.admin.post('/v1/tokens', { name: 'op', role: 'operator' });
    expect(
      (await client(h.cp.url, op.body.token).post(`/v1/change-requests/${cr.id}/approve`, {})).status,
    ).toBe(200);
    const order = ((await delivered) as MessageOf<'deploy.order'>).order.payload;
    // The agent stops mid-run: its run ends failed, and no deploy result comes.
    const ack = first.waitFor((m) => m.type === 'shadow.report.ack');
    first.send({
      v: PROTOCOL_VERSION,
      id: 'shd-q1',
      type: 'shadow.report',
      report: {
        shadowId: `shadow-${order.deployId}`,
        kind: 'candidate',
        site: 'q1',
        jobId: cr.jobId,
        rolloutId: id,
        deployId: order.deployId,
        state: 'failed',
        startedAt: new Date().toISOString(),
        durationMs: 7_200_000,
        seconds: 3,
        samples: 300,
        compared: 299,
        divergences: [],
        commLoss: null,
        fault: null,
        reason: 'agent stopped at 2026-12-06T09:00:00.000Z: cut short after 3 of 7200 s',
        coverage: null,
      },
    });
    await ack;
    await first.close();
    const halted = await eventually(async () => {
      const d = (await h.admin.get(`/v1/rollouts/${id}`)).body;
      return d.rollout.state === 'halted' ? d : undefined;
    });
    expect(halted.rollout.stateReason).toMatch(
      /shadow at q1: agent stopped at .*cut short after 3 of 7200 s$/,
    );
    // Back up (a hello resends delivered orders): not this one, so it cannot deploy past the halted gate.
    const back = (await connectAgents(h.cp, ['q1'])).get('q1')!;
    open.push(back);
    await sleep(500);
    expect(back.received.filter((m: Envelope) => m.type === 'deploy.order')).toEqual([]);
  });
});

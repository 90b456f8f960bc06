/**
 * Retry supersedes earlier deploy orders of the sites it runs again (ADR 0105): a site whose
 * approved deploy order was delivered, and whose shadow run before deploy ended unpassed
 * (the agent stopped mid-run: no deploy result comes), is retried; its old order must not
 * stay `delivered` for ever, nor may the agent run it beside the new one. Real ws clients
 * act as agents; real SQLite and PostgreSQL.
 */
import { type Envelope, type MessageOf, PROTOCOL_VERSION } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

interface Change {
  id: string;
  jobId: string;
  state: string;
}

const changes = async (rolloutId: string, n: number): Promise<Change[]> =>
  eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${rolloutId}`)).body
      .changeRequests as Change[];
    return list.length === n ? list : undefined;
  });

const deployOf = async (id: string) => {
  const r = await h.admin.get(`/v1/deploys/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { state: string; reason: string; jobId: string };
};

/** The agent's shadow run of an order ended `failed` without a deploy result (it stopped mid-run). */
async function runCutShort(agent: FakeAgent, order: MessageOf<'deploy.order'>['order']['payload']) {
  const ack = agent.waitFor((m) => m.type === 'shadow.report.ack');
  agent.send({
    v: PROTOCOL_VERSION,
    id: `shd-${order.deployId}`,
    type: 'shadow.report',
    report: {
      shadowId: `shadow-${order.deployId}`,
      kind: 'candidate',
      site: order.site,
      jobId: order.jobId,
      rolloutId: order.rolloutId,
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
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`retry supersedes the earlier deploy order of a site (${kind})`, () => {
    it('cancels the delivered order, calls it back signed, audits it, and keeps it void when a late result comes', async () => {
      h = await startHarness(kind);
      await seedFleet(h, [{ name: 'r1' }], 'non-safety');
      const agent = (await connectAgents(h.cp, ['r1'])).get('r1')!;
      open.push(agent);
      const started = await h.admin.post('/v1/rollouts', {
        migrationId: 'guard-upgrade',
        start: true,
        plan: planDoc([
          { name: 'canary', select: { rest: true }, shadow: { minDuration: '2h', maxDivergences: 0 } },
        ]),
      });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const id = started.body.rollout.id as string;
      const [cr] = await changes(id, 1);
      const op = await h.admin.post('/v1/tokens', { name: 'op', role: 'operator' });
      const operator = client(h.cp.url, op.body.token);
      const delivered = agent.waitFor((m) => m.type === 'deploy.order');
      expect((await operator.post(`/v1/change-requests/${cr!.id}/approve`, {})).status).toBe(200);
      const old = ((await delivered) as MessageOf<'deploy.order'>).order.payload;
      await runCutShort(agent, old);
      await eventually(async () =>
        (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state === 'halted' ? true : undefined,
      );
      // Before the fix: the order stayed `delivered` for ever after the retry.
      expect((await deployOf(old.deployId)).state).toBe('delivered');

      const callBack = agent.waitFor((m) => m.type === 'rollback.order');
      const retried = await h.admin.post(`/v1/rollouts/${id}/retry`, {});
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      const superseded = await deployOf(old.deployId);
      expect(superseded.state).toBe('cancelled');
      expect(superseded.reason).toBe(
        `superseded by admin's retry of rollout ${id}: a new job verifies site r1 again, so this order (job ${old.jobId}) is void`,
      );
      // The agent may hold the order (its window, a shadow run): a signed rollback order names it.
      const rb = ((await callBack) as MessageOf<'rollback.order'>).order.payload;
      expect(rb).toMatchObject({
        site: 'r1',
        deployId: old.deployId,
        rolloutId: id,
        reason: superseded.reason,
      });
      const audit = (await h.admin.get(`/v1/audit?subject=${old.deployId}&limit=100`)).body.entries as {
        action: string;
        details: Record<string, unknown>;
      }[];
      expect(audit.map((e) => e.action)).toEqual(['deploy.ordered', 'deploy.superseded']);
      expect(audit[1]!.details).toMatchObject({ site: 'r1', was: 'delivered', rollbackId: rb.rollbackId });
      const decisions = (await h.admin.get(`/v1/rollouts/${id}`)).body.decisions as { summary: string }[];
      expect(decisions.map((d) => d.summary)).toContain(
        `retry of 1 failed site(s) (1 by their shadow run) by admin; superseded deploy order(s): ${old.deployId} (r1)`,
      );

      // A late result of the old order (it ran after all) does not revive it: the deploy stays void.
      const late = agent.sendDeployResult({
        deployId: old.deployId,
        outcome: 'deployed',
        reason: '',
        sha256Running: old.sha256After,
      });
      await agent.waitFor((m: Envelope) => m.type === 'deploy.result.ack' && m.replyTo === late);
      expect((await deployOf(old.deployId)).state).toBe('cancelled');

      // The new job's change is approved: its order is the only one on its way, issued after the old.
      const crs = await changes(id, 2);
      const fresh = crs.find((c) => c.jobId !== old.jobId)!;
      const next = agent.waitFor(
        (m) =>
          m.type === 'deploy.order' &&
          (m as MessageOf<'deploy.order'>).order.payload.deployId !== old.deployId,
      );
      expect((await operator.post(`/v1/change-requests/${fresh.id}/approve`, {})).status).toBe(200);
      const order = ((await next) as MessageOf<'deploy.order'>).order.payload;
      expect(Date.parse(order.issuedAt)).toBeGreaterThanOrEqual(Date.parse(old.issuedAt));
      const onTheirWay = (await h.admin.get(`/v1/deploys?rollout=${id}`)).body.deploys as {
        id: string;
        state: string;
      }[];
      expect(
        onTheirWay.filter((d) => d.state === 'ordered' || d.state === 'delivered').map((d) => d.id),
      ).toEqual([order.deployId]);
    });

    it('cancels an order not yet delivered without a rollback order (the agent never had it)', async () => {
      h = await startHarness(kind);
      await seedFleet(h, [{ name: 's1' }], 'non-safety');
      const agent = (await connectAgents(h.cp, ['s1'])).get('s1')!;
      open.push(agent);
      const started = await h.admin.post('/v1/rollouts', {
        migrationId: 'guard-upgrade',
        start: true,
        plan: planDoc([
          { name: 'canary', select: { rest: true }, shadow: { minDuration: '2h', maxDivergences: 0 } },
        ]),
      });
      const id = started.body.rollout.id as string;
      const [cr] = await changes(id, 1);
      const delivered = agent.waitFor((m) => m.type === 'deploy.order');
      expect((await h.admin.post(`/v1/change-requests/${cr!.id}/approve`, {})).status).toBe(200);
      const old = ((await delivered) as MessageOf<'deploy.order'>).order.payload;
      await runCutShort(agent, old);
      await eventually(async () =>
        (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout.state === 'halted' ? true : undefined,
      );
      // Its agent went away before the order reached it: still `ordered` (set back here as an offline site's would be).
      await agent.close();
      await h.cp.db.updateTable('deploys').set({ state: 'ordered' }).where('id', '=', old.deployId).execute();
      const retried = await h.admin.post(`/v1/rollouts/${id}/retry`, {});
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      expect((await deployOf(old.deployId)).state).toBe('cancelled');
      expect((await h.admin.get(`/v1/rollbacks?rollout=${id}`)).body.rollbacks).toEqual([]);
      const back = (await connectAgents(h.cp, ['s1'])).get('s1')!;
      open.push(back);
      await back.waitFor((m) => m.type === 'job.offer', 10_000, true);
      expect(
        back.received.filter((m: Envelope) => m.type === 'deploy.order' || m.type === 'rollback.order'),
      ).toEqual([]);
    });
  });
}

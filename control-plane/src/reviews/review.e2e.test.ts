/**
 * Review workflow, deploy orders and rollbacks over real sockets.
 */
import { DeployOrder, type Envelope, PROTOCOL_VERSION } from '@plcfleet/protocols';
import { checkSignature } from '@plcfleet/protocols/signing';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeAgent, makeVerdict } from '../testing/fake-agent';
import { client, eventually, migrationDoc } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

/** Runs a one-site rollout started by `starter` and returns its open change request. */
async function changeRequestFor(starter: ReturnType<typeof client>, site = 'r1') {
  const created = await starter.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: planDoc([{ name: 'one', select: { sites: [site] } }]),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.rollout.id;
  return eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests;
    return list.length ? list[0] : undefined;
  });
}

async function userClient(name: string, role: string) {
  const r = await h.admin.post('/v1/tokens', { name, role });
  expect(r.status).toBe(201);
  return client(h.cp.url, r.body.token);
}

describe('review workflow', () => {
  it('needs a safety engineer other than the requester for a safety-related change; viewers and operators cannot approve', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'safety-related');
    agents = await connectAgents(h.cp, ['r1']);
    const olga = await userClient('olga', 'operator');
    const sam = await userClient('sam', 'safety-engineer');
    const sue = await userClient('sue', 'safety-engineer');
    const vic = await userClient('vic', 'viewer');
    expect(
      (
        await vic.post('/v1/rollouts', {
          migrationId: 'guard-upgrade',
          plan: planDoc([{ name: 'x', select: { rest: true } }]),
        })
      ).status,
    ).toBe(403);
    const cr = await changeRequestFor(olga);
    expect(cr).toMatchObject({ state: 'open', requestedBy: 'olga', safetyClass: 'safety-related' });
    expect(cr.diff).toContain('+new r1');

    const byViewer = await vic.post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.error.code).toBe('FORBIDDEN');
    const byOperator = await olga.post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(byOperator.status).toBe(403);
    expect(byOperator.body.error.message).toMatch(/needs a decision by safety-engineer/);

    const approved = await sue.post(`/v1/change-requests/${cr.id}/approve`, {
      comment: 'checked the E-stop chain',
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.deploy.order.payload).toMatchObject({
      site: 'r1',
      jobId: cr.jobId,
      sha256After: cr.sha256After,
      approvedBy: ['sue'],
    });
    expect((await sam.post(`/v1/change-requests/${cr.id}/approve`, {})).status).toBe(409);
  });

  it('refuses the requester approving their own safety change (four-eyes)', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'safety-related');
    agents = await connectAgents(h.cp, ['r1']);
    const sam = await userClient('sam', 'safety-engineer');
    const sue = await userClient('sue', 'safety-engineer');
    const cr = await changeRequestFor(sam);
    expect(cr.requestedBy).toBe('sam');
    const own = await sam.post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({
      code: 'FOUR_EYES',
      message: 'sam requested this change and may not approve it',
    });
    expect((await h.admin.get(`/v1/change-requests/${cr.id}`)).body.changeRequest.state).toBe('open');
    expect((await sue.post(`/v1/change-requests/${cr.id}/approve`, {})).status).toBe(200);
  });

  it('refuses a safety engineer who wrote the migration, or created the rollout someone else started (four-eyes)', async () => {
    h = await startHarness();
    await h.admin.put('/v1/sites/r1', {
      tags: [],
      timeZone: 'UTC',
      maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
    });
    agents = await connectAgents(h.cp, ['r1']);
    const sam = await userClient('sam', 'safety-engineer');
    const sue = await userClient('sue', 'safety-engineer');
    const tom = await userClient('tom', 'safety-engineer');
    const olga = await userClient('olga', 'operator');
    // Sue writes the safety-related migration, Sam creates the rollout, Olga presses start.
    expect((await sue.post('/v1/migrations', migrationDoc('safety-related'))).status).toBe(200);
    const created = await sam.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      plan: planDoc([{ name: 'one', select: { sites: ['r1'] } }]),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.rollout.id;
    expect((await olga.post(`/v1/rollouts/${id}/start`, {})).status).toBe(200);
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests;
      return list.length ? list[0] : undefined;
    });
    expect(cr.requestedBy).toBe('olga');
    const byAuthor = await sue.post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(byAuthor.status).toBe(403);
    expect(byAuthor.body.error).toMatchObject({ code: 'FOUR_EYES' });
    expect(byAuthor.body.error.message).toMatch(/^sue wrote migration guard-upgrade/);
    const byCreator = await sam.post(`/v1/change-requests/${cr.id}/approve`, {});
    expect(byCreator.status).toBe(403);
    expect(byCreator.body.error.message).toMatch(/^sam created rollout /);
    expect((await h.admin.get(`/v1/change-requests/${cr.id}`)).body.changeRequest.state).toBe('open');
    // Someone uninvolved may.
    expect((await tom.post(`/v1/change-requests/${cr.id}/approve`, {})).status).toBe(200);
  });

  it('delivers a signed deploy order that fails verification once tampered, records the result, and rolls back', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['r1']);
    const agent = agents.get('r1')!;
    const cr = await changeRequestFor(h.admin);
    const olga = await userClient('olga', 'operator');
    const orderMsg = agent.waitFor((m) => m.type === 'deploy.order');
    expect((await olga.post(`/v1/change-requests/${cr.id}/approve`, {})).status).toBe(200);
    const msg = (await orderMsg) as Extract<Envelope, { type: 'deploy.order' }>;
    expect(checkSignature(msg.order, agent.signingKeys)).toBeNull();
    const order = DeployOrder.parse(msg.order.payload);
    expect(Date.parse(order.window.notAfter)).toBeGreaterThan(Date.parse(order.window.notBefore));
    const tampered = { ...msg.order, payload: { ...msg.order.payload, sha256After: 'f'.repeat(64) } };
    expect(checkSignature(tampered, agent.signingKeys)).toBe('bad-signature');
    const otherSite = { ...msg.order, payload: { ...msg.order.payload, site: 'r2' } };
    expect(checkSignature(otherSite, agent.signingKeys)).toBe('bad-signature');

    agent.send({
      v: PROTOCOL_VERSION,
      id: 'dr',
      type: 'deploy.result',
      deployId: order.deployId,
      site: 'r1',
      outcome: 'deployed',
      reason: '',
      sha256Running: order.sha256After,
    });
    await eventually(async () =>
      (await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state === 'deployed' ? true : undefined,
    );

    const rbMsg = agent.waitFor((m) => m.type === 'rollback.order');
    const rb = await h.admin.post('/v1/sites/r1/rollback', { reason: 'vibration alarm after deploy' });
    expect(rb.status).toBe(200);
    const rollback = (await rbMsg) as Extract<Envelope, { type: 'rollback.order' }>;
    expect(checkSignature(rollback.order, agent.signingKeys)).toBeNull();
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'rr',
      type: 'deploy.result',
      deployId: rollback.order.payload.rollbackId,
      site: 'r1',
      outcome: 'rolled-back',
      reason: '',
      sha256Running: order.sha256Before,
    });
    await eventually(async () =>
      (await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state === 'rolled-back' ? true : undefined,
    );
    const actions = ((await h.admin.get('/v1/audit?limit=1000')).body.entries as { action: string }[]).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'change-request.approved',
        'deploy.ordered',
        'deploy.deployed',
        'rollback.ordered',
        'rollback.rolled-back',
      ]),
    );
  });

  it('rejects with a reason', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['r1']);
    const cr = await changeRequestFor(h.admin);
    expect((await h.admin.post(`/v1/change-requests/${cr.id}/reject`, {})).status).toBe(400);
    const r = await h.admin.post(`/v1/change-requests/${cr.id}/reject`, {
      reason: 'diff touches the wrong POU',
    });
    expect(r.body.changeRequest).toMatchObject({ state: 'rejected', reason: 'diff touches the wrong POU' });
    expect((await h.admin.get(`/v1/deploys?site=r1`)).body.deploys).toHaveLength(0);
  });
});

describe('a change pushed to the site repository', () => {
  it('keeps the verdict’s branch and commit beside the change request', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'r1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['r1']);
    const agent = agents.get('r1')!;
    agent.behave = () => 'silent';
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([{ name: 'one', select: { sites: ['r1'] } }]),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const bundle = await eventually(async () => agent.offers[0]);
    const change = {
      repository: 'git+ssh://git@git.plant/press.git#main:plc',
      branch: `plcfleet/r1/${bundle.jobId}`,
      commit: 'c0ffee'.repeat(6).concat('c0ff'),
    };
    agent.sendVerdict({ ...makeVerdict(bundle, 'passed'), change });
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${created.body.rollout.id}`)).body;
      return list.changeRequests[0];
    });
    const job = (await h.admin.get(`/v1/jobs/${cr.jobId}`)).body;
    expect(job.verdict.verdict.change).toEqual(change);
    expect(cr.change).toEqual(change);
    const detail = (await h.admin.get(`/v1/change-requests/${cr.id}`)).body;
    expect(detail.changeRequest.change).toEqual(change);
  });
});

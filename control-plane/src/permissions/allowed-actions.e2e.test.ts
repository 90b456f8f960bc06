/**
 * Allowed actions over real sockets: what the server says a user may do is what
 * the action's own route then does (allowed ↔ 200; refused ↔ the same code and message).
 */
import { PROTOCOL_VERSION } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
/** Closes what a test opened: its agents first, then the control plane. */
afterEach(async () => {
  for (const closable of [...agents.values(), h]) await closable?.close();
  agents = new Map();
});

type Client = ReturnType<typeof client>;

/** A client signed in as a new user with `role`. */
const userClient = async (name: string, role: 'operator' | 'safety-engineer' | 'viewer'): Promise<Client> =>
  client(h.cp.url, (await h.cp.createApiToken({ name, role })).token);

/** Starts a rollout over `sites` as `starter` and returns it with its first open change request. */
async function openChange(starter: Client, sites: string[]) {
  const created = await starter.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: planDoc([{ name: 'all', select: { sites }, gates: { minSample: sites.length } }]),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const rolloutId: string = created.body.rollout.id;
  const cr = await eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${rolloutId}&state=open`)).body
      .changeRequests;
    return list.length ? list[0] : undefined;
  });
  return { rolloutId, cr };
}

/** Asks what `who` may do with a change, then does it: the answer must match the route's. */
async function decideAsAnswered(who: Client, crId: string, action: 'approve' | 'reject') {
  const asked = await who.get(`/v1/change-requests/${crId}/allowed-actions`);
  expect(asked.status).toBe(200);
  const allowance = asked.body.actions[action];
  const done = await who.post(
    `/v1/change-requests/${crId}/${action}`,
    action === 'approve' ? { comment: 'ok' } : { reason: 'no' },
  );
  if (allowance.allowed) expect(done.status, JSON.stringify(done.body)).toBe(200);
  else
    expect({ code: done.body.error.code, reason: done.body.error.message }).toEqual({
      code: allowance.code,
      reason: allowance.reason,
    });
  return allowance;
}

describe('allowed actions of a change request', () => {
  it('lets the requester of a non-safety change approve it, as the approve route does', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'n1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['n1']);
    const otto = await userClient('otto', 'operator');
    const vic = await userClient('vic', 'viewer');
    const { cr } = await openChange(otto, ['n1']);
    expect(cr).toMatchObject({ requestedBy: 'otto', safetyClass: 'non-safety' });

    const byViewer = await decideAsAnswered(vic, cr.id, 'approve');
    expect(byViewer).toEqual({
      allowed: false,
      offered: false,
      code: 'FORBIDDEN',
      reason:
        'POST /v1/change-requests/:id/approve needs role admin or safety-engineer or operator; you are viewer',
    });
    expect(await decideAsAnswered(otto, cr.id, 'approve')).toEqual({
      allowed: true,
      offered: true,
      reason: '',
    });
    // Decided: nobody may approve or reject it any more, with the route's CONFLICT.
    const after = (await h.admin.get(`/v1/change-requests/${cr.id}/allowed-actions`)).body.actions;
    expect(after.approve).toMatchObject({ allowed: false, code: 'CONFLICT' });
    expect(after.reject).toMatchObject({ allowed: false, code: 'CONFLICT' });
    expect(await decideAsAnswered(h.admin, cr.id, 'reject')).toMatchObject({ allowed: false });
  });

  it('does not offer approve before a before-approval shadow run passed, saying why', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'g1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['g1']);
    const otto = await userClient('otto', 'operator');
    const created = await otto.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([
        {
          name: 'all',
          select: { sites: ['g1'] },
          shadow: { minDuration: '300ms', maxDivergences: 0, when: 'before-approval' },
        },
      ]),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rolloutId: string = created.body.rollout.id;
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${rolloutId}&state=open`)).body
        .changeRequests;
      return list.length ? list[0] : undefined;
    });
    // No run reported yet: approve is refused as the route refuses it, with its reason.
    expect(await decideAsAnswered(otto, cr.id, 'approve')).toEqual({
      allowed: false,
      offered: true,
      code: 'CONFLICT',
      reason:
        "the change's shadow run at g1 has not been reported yet; its phase approves only after it passed",
    });
    // Reject stays allowed: a person may turn the change down without waiting for the run.
    expect(
      (await otto.get(`/v1/change-requests/${cr.id}/allowed-actions`)).body.actions.reject,
    ).toMatchObject({ allowed: true });

    const agent = agents.get('g1')!;
    const ack = agent.waitFor((m) => m.type === 'shadow.report.ack');
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'shd-g1',
      type: 'shadow.report',
      report: {
        shadowId: 'shd-g1-1',
        kind: 'candidate',
        site: 'g1',
        jobId: cr.jobId,
        rolloutId,
        state: 'passed',
        startedAt: new Date().toISOString(),
        durationMs: 300,
        seconds: 0.31,
        samples: 31,
        compared: 30,
        divergences: [],
        commLoss: null,
        fault: null,
        reason: '',
        coverage: null,
      },
    });
    await ack;
    expect(await decideAsAnswered(otto, cr.id, 'approve')).toEqual({
      allowed: true,
      offered: true,
      reason: '',
    });
  });

  it('refuses the requester of a safety change (four-eyes) but not another safety engineer', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 's1' }], 'safety-related');
    agents = await connectAgents(h.cp, ['s1']);
    const sam = await userClient('sam', 'safety-engineer');
    const sue = await userClient('sue', 'safety-engineer');
    const olga = await userClient('olga', 'operator');
    const { cr } = await openChange(sam, ['s1']);

    const own = await decideAsAnswered(sam, cr.id, 'approve');
    expect(own).toMatchObject({ allowed: false, offered: true, code: 'FOUR_EYES' });
    const byOperator = await decideAsAnswered(olga, cr.id, 'approve');
    expect(byOperator).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
    expect((await olga.get(`/v1/change-requests/${cr.id}/allowed-actions`)).body.actions.reject).toEqual({
      allowed: false,
      offered: true,
      code: 'FORBIDDEN',
      reason: 'a safety-related change is rejected by safety-engineer or an admin',
    });
    expect(await decideAsAnswered(sue, cr.id, 'approve')).toEqual({
      allowed: true,
      offered: true,
      reason: '',
    });
  });

  it('answers 404 for a change request that does not exist', async () => {
    h = await startHarness();
    const r = await h.admin.get('/v1/change-requests/cr_nope/allowed-actions');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
  });
});

describe('allowed actions and phase figures of a rollout', () => {
  it("answers each command as the command's route does, and the figures the gates judge", async () => {
    h = await startHarness();
    const sites = ['p1', 'p2', 'p3'];
    await seedFleet(
      h,
      sites.map((name) => ({ name })),
      'non-safety',
    );
    // Two sites report; the third holds its offer, so the phase stays open.
    agents = await connectAgents(h.cp, sites, (b) => (b.site === 'p3' ? 'silent' : 'passed'));
    const vic = await userClient('vic', 'viewer');
    const { rolloutId } = await openChange(h.admin, sites);

    const answer = await eventually(async () => {
      const r = (await h.admin.get(`/v1/rollouts/${rolloutId}/allowed-actions`)).body;
      return r.phases[0].figures.done === 2 ? r : undefined;
    });
    expect(answer.phases).toEqual([
      {
        index: 0,
        name: 'all',
        figures: { total: 3, done: 2, passed: 2, failed: 0, skipped: 0, safety: 0, inFlight: 1 },
        decision: { kind: 'continue' },
      },
    ]);
    expect(answer.actions.pause).toEqual({ allowed: true, offered: true, needsReason: true, reason: '' });
    expect(answer.actions.promote).toEqual({ allowed: true, offered: true, reason: '' });
    expect(answer.actions.resume).toEqual({
      allowed: false,
      offered: true,
      code: 'CONFLICT',
      reason: 'cannot resume a rollout that is running',
    });
    // The route refuses resume with the same answer.
    const resumed = await h.admin.post(`/v1/rollouts/${rolloutId}/resume`, {});
    expect({ code: resumed.body.error.code, reason: resumed.body.error.message }).toEqual({
      code: answer.actions.resume.code,
      reason: answer.actions.resume.reason,
    });

    const asViewer = (await vic.get(`/v1/rollouts/${rolloutId}/allowed-actions`)).body;
    for (const action of ['start', 'pause', 'resume', 'promote', 'abort', 'retry', 'rollback'])
      expect(asViewer.actions[action]).toMatchObject({ allowed: false, offered: false, code: 'FORBIDDEN' });
    expect(asViewer.phases).toEqual(answer.phases);
    expect((await vic.post(`/v1/rollouts/${rolloutId}/pause`, { reason: 'x' })).body.error.message).toBe(
      asViewer.actions.pause.reason,
    );

    expect((await h.admin.post(`/v1/rollouts/${rolloutId}/pause`, { reason: 'look' })).status).toBe(200);
    const paused = (await h.admin.get(`/v1/rollouts/${rolloutId}/allowed-actions`)).body.actions;
    expect(paused.resume).toEqual({ allowed: true, offered: true, reason: '' });
    expect(paused.pause).toMatchObject({ allowed: false, code: 'CONFLICT' });
  });
});

/**
 * The agent gateway over real sockets with real ws clients.
 */
import {
  DeployOrder,
  type Envelope,
  type MessageOf,
  PROTOCOL_VERSION,
  RollbackOrder,
} from '@plcfleet/protocols';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, makeVerdict } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';
import { TEST_PG_URL } from '../testing/test-stores';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

const onePhase = (extra: Record<string, unknown> = {}) =>
  planDoc([{ name: 'all', select: { rest: true }, concurrency: 10 }], extra);

async function startRollout(plan: unknown = onePhase()): Promise<string> {
  const r = await h.admin.post('/v1/rollouts', { migrationId: 'guard-upgrade', start: true, plan });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.rollout.id;
}

/** Runs a one-site rollout of a non-safety change, approves it, and returns the deploy order the agent got. */
async function deployOrderFor(agent: FakeAgent): Promise<DeployOrder> {
  const orderMsg = agent.waitFor((m) => m.type === 'deploy.order', 30_000);
  const id = await startRollout(planDoc([{ name: 'one', select: { sites: [agent.site] } }]));
  const cr = await eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests;
    return list.length ? list[0] : undefined;
  });
  const op = await h.admin.post('/v1/tokens', { name: 'olga', role: 'operator' });
  const approved = await client(h.cp.url, op.body.token).post(`/v1/change-requests/${cr.id}/approve`, {});
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  return DeployOrder.parse(((await orderMsg) as MessageOf<'deploy.order'>).order.payload);
}

const ackOf = (replyTo: string) => (m: Envelope) => m.type === 'deploy.result.ack' && m.replyTo === replyTo;

async function auditActions(subject: string): Promise<string[]> {
  const r = await h.admin.get(`/v1/audit?subject=${subject}&limit=1000`);
  return (r.body.entries as { action: string }[]).map((e) => e.action);
}

/** Resolves once the gateway has handled every frame the agent sent before (it answers heartbeats in turn). */
async function roundTrip(agent: FakeAgent, id: string): Promise<void> {
  const hb = agent.waitFor((m) => m.type === 'heartbeat');
  agent.send({ v: PROTOCOL_VERSION, id, type: 'heartbeat' });
  await hb;
}

describe('agent gateway: deploy results', () => {
  it('records a deploy or rollback result sent twice once and acks both; an unknown id gets NOT_FOUND and no ack', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'p1' }], 'non-safety');
    const agent = (await connectAgents(h.cp, ['p1'])).get('p1')!;
    open.push(agent);
    const order = await deployOrderFor(agent);
    const result = {
      deployId: order.deployId,
      outcome: 'deployed' as const,
      reason: '',
      sha256Running: order.sha256After,
    };
    const acks = Promise.all([agent.waitFor(ackOf('d1')), agent.waitFor(ackOf('d2'))]);
    agent.sendDeployResult(result, 'd1');
    agent.sendDeployResult(result, 'd1'); // a resend of the same message
    agent.sendDeployResult(result, 'd2'); // the same result in a new message
    expect((await acks).map((a) => (a as MessageOf<'deploy.result.ack'>).deployId)).toEqual([
      order.deployId,
      order.deployId,
    ]);
    await roundTrip(agent, 'hb1');
    expect(agent.received.filter(ackOf('d1'))).toHaveLength(2);
    expect((await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state).toBe('deployed');
    expect((await auditActions(order.deployId)).filter((a) => a === 'deploy.deployed')).toHaveLength(1);

    // A rollback result names the rollback; sent twice, it too is recorded once and acked twice.
    const rbMsg = agent.waitFor((m) => m.type === 'rollback.order');
    expect((await h.admin.post('/v1/sites/p1/rollback', { reason: 'drill' })).status).toBe(200);
    const rb = RollbackOrder.parse(((await rbMsg) as MessageOf<'rollback.order'>).order.payload);
    const rbResult = {
      deployId: rb.rollbackId,
      outcome: 'rolled-back' as const,
      reason: 'drill',
      sha256Running: order.sha256Before,
    };
    const rbAcks = Promise.all([agent.waitFor(ackOf('r1')), agent.waitFor(ackOf('r2'))]);
    agent.sendDeployResult(rbResult, 'r1');
    agent.sendDeployResult(rbResult, 'r2');
    await rbAcks;
    const rollbacks = (await h.admin.get('/v1/rollbacks?site=p1')).body.rollbacks;
    expect(rollbacks).toMatchObject([{ id: rb.rollbackId, state: 'rolled-back' }]);
    expect((await auditActions(rb.rollbackId)).filter((a) => a === 'rollback.rolled-back')).toHaveLength(1);
    // A late resend of the deploy result is acked and does not undo the rollback.
    const late = agent.waitFor(ackOf('d1'));
    agent.sendDeployResult(result, 'd1');
    await late;
    expect((await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state).toBe('rolled-back');
    expect((await auditActions(order.deployId)).filter((a) => a.startsWith('deploy.'))).toEqual([
      'deploy.ordered',
      'deploy.deployed',
    ]);

    const notFound = agent.waitFor((m) => m.type === 'error' && m.replyTo === 'x1');
    agent.sendDeployResult({ ...result, deployId: 'dep_nope' }, 'x1');
    expect(await notFound).toMatchObject({ code: 'NOT_FOUND' });
    await roundTrip(agent, 'hb2');
    expect(agent.received.filter(ackOf('x1'))).toEqual([]);
  });

  it('acks a deploy result only after it is committed (PostgreSQL, the deploy row held locked)', async () => {
    h = await startHarness('postgres');
    await seedFleet(h, [{ name: 'c1' }], 'non-safety');
    const agent = (await connectAgents(h.cp, ['c1'])).get('c1')!;
    open.push(agent);
    const order = await deployOrderFor(agent);
    const locker = new pg.Client({ connectionString: TEST_PG_URL });
    await locker.connect();
    try {
      const { rows } = await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await locker.query('BEGIN');
      await locker.query(`SELECT id FROM "${h.store.options.pgSchema}".deploys WHERE id = $1 FOR UPDATE`, [
        order.deployId,
      ]);
      agent.sendDeployResult(
        { deployId: order.deployId, outcome: 'deployed', reason: '', sha256Running: order.sha256After },
        'd1',
      );
      // The gateway's transaction now waits on our lock: nothing is committed, so nothing may be acked.
      await eventually(async () => {
        const blocked = await locker.query(
          'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [rows[0]!.pid],
        );
        return blocked.rowCount ? true : undefined;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(agent.received.filter((m) => m.type === 'deploy.result.ack' || m.type === 'error')).toEqual([]);
      expect((await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state).toBe('delivered');
      const ack = agent.waitFor(ackOf('d1'));
      await locker.query('COMMIT');
      await ack;
      // The ack came after the commit: the result and its audit entry are there for any reader.
      expect((await h.admin.get(`/v1/deploys/${order.deployId}`)).body.state).toBe('deployed');
      expect(await auditActions(order.deployId)).toContain('deploy.deployed');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });
});

describe('agent gateway', () => {
  it('applies a verdict sent twice once, and acks both', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'd1' }]);
    const agents = await connectAgents(h.cp, ['d1'], () => 'ignore');
    const agent = agents.get('d1')!;
    open.push(agent);
    const id = await startRollout();
    const offer = await eventually(async () => agent.offers[0]);
    agent.send({ v: PROTOCOL_VERSION, id: 'acc', type: 'job.accept', jobId: offer.jobId });
    const verdict = makeVerdict(offer, 'passed');
    const acks = [
      agent.waitFor((m) => m.type === 'verdict.ack' && m.replyTo === 'v1'),
      agent.waitFor((m) => m.type === 'verdict.ack' && m.replyTo === 'v2'),
    ];
    agent.send({ v: PROTOCOL_VERSION, id: 'v1', type: 'verdict', verdict });
    agent.send({ v: PROTOCOL_VERSION, id: 'v2', type: 'verdict', verdict });
    await Promise.all(acks);
    const audit = (await h.admin.get(`/v1/audit?subject=${offer.jobId}&limit=1000`)).body.entries as {
      action: string;
    }[];
    expect(audit.filter((e) => e.action === 'job.passed')).toHaveLength(1);
    expect((await h.admin.get(`/v1/verdicts?rollout=${id}`)).body.verdicts).toHaveLength(1);
    expect((await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests).toHaveLength(1);
  });

  it('re-offers a job whose agent went silent, up to the retry limit', async () => {
    h = await startHarness('sqlite', { heartbeatMs: 10_000 });
    await seedFleet(h, [{ name: 'l1' }, { name: 'l2' }]);
    const agents = await connectAgents(h.cp, ['l1', 'l2'], () => 'silent');
    open.push(...agents.values());
    // Long enough for l1's answer to attempt 2 to arrive inside its lease on a machine under heavy load.
    const id = await startRollout(onePhase({ lease: 1000, retries: 1 }));
    const l1 = agents.get('l1')!;
    // The first lease lapses; the same job comes again as attempt 2; this time the agent answers.
    const second = await eventually(async () => l1.offers.find((o) => o.attempt === 2), 10_000);
    expect(second.jobId).toBe(l1.offers[0]!.jobId);
    l1.sendVerdict(makeVerdict(second, 'passed'));
    // l2 stays silent: after 1 + 1 attempts its job fails with the reason.
    const jobs = await eventually(async () => {
      const list = (await h.admin.get(`/v1/jobs?rollout=${id}`)).body.jobs as {
        site: string;
        state: string;
        attempt: number;
        reason: string;
      }[];
      return list.every((j) => j.state === 'passed' || j.state === 'failed') ? list : undefined;
    });
    expect(jobs.find((j) => j.site === 'l1')).toMatchObject({ state: 'passed', attempt: 2 });
    expect(jobs.find((j) => j.site === 'l2')).toMatchObject({ state: 'failed', attempt: 2 });
    expect(jobs.find((j) => j.site === 'l2')!.reason).toMatch(
      /lease of agent .* expired after 2 attempt\(s\)/,
    );
    expect(agents.get('l2')!.offers.map((o) => o.attempt)).toEqual([1, 2]);
  });

  it('refuses an agent of another site: in hello, in accept and in verdicts', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'north' }, { name: 'south' }]);
    const { token: northToken } = await h.cp.createAgentToken({ site: 'north' });
    // Saying hello as another site is rejected and the connection closed.
    const impostor = await FakeAgent.open(h.cp.url, northToken, 'south');
    const reject = impostor.waitFor((m) => m.type === 'reject');
    impostor.hello('south');
    expect(await reject).toMatchObject({ code: 'WRONG_SITE' });
    expect((await impostor.closed).code).toBe(1008);

    const south = (await connectAgents(h.cp, ['south'], () => 'ignore')).get('south')!;
    const north = await FakeAgent.connect(h.cp.url, northToken, 'north', () => 'ignore');
    open.push(south, north);
    const id = await startRollout(planDoc([{ name: 'one', select: { sites: ['south'] } }]));
    const offer = await eventually(async () => south.offers[0]);
    expect(north.offers).toHaveLength(0);
    const e1 = north.waitFor((m) => m.type === 'error' && m.replyTo === 'steal');
    north.send({ v: PROTOCOL_VERSION, id: 'steal', type: 'job.accept', jobId: offer.jobId });
    expect(await e1).toMatchObject({ code: 'WRONG_SITE' });
    const e2 = north.waitFor((m) => m.type === 'error' && m.replyTo === 'forge');
    north.send({
      v: PROTOCOL_VERSION,
      id: 'forge',
      type: 'verdict',
      verdict: { ...makeVerdict(offer, 'passed'), site: 'north' },
    });
    expect(await e2).toMatchObject({ code: 'WRONG_SITE' });
    const job = (await h.admin.get(`/v1/jobs?rollout=${id}`)).body.jobs[0];
    expect(job).toMatchObject({ site: 'south', state: 'offered' });
  });

  it('answers malformed frames with error and keeps the connection, until garbage continues', async () => {
    h = await startHarness('sqlite', { maxBadFrames: 3 });
    await seedFleet(h, [{ name: 'g1' }]);
    const agent = (await connectAgents(h.cp, ['g1'])).get('g1')!;
    open.push(agent);
    const e1 = agent.waitFor((m) => m.type === 'error');
    agent.sendRaw('{not json');
    expect(await e1).toMatchObject({ code: 'BAD_FRAME' });
    const e2 = agent.waitFor((m) => m.type === 'error' && m.replyTo === 'x1');
    agent.sendRaw(JSON.stringify({ v: 1, id: 'x1', type: 'verdict', verdict: { jobId: 'j' } }));
    expect(((await e2) as { code: string; message: string }).message).toMatch(/^verdict: verdict\./);
    // Still usable: a heartbeat is answered.
    const hb = agent.waitFor((m) => m.type === 'heartbeat');
    agent.send({ v: PROTOCOL_VERSION, id: 'hb', type: 'heartbeat' });
    await hb;
    agent.sendRaw('garbage');
    agent.sendRaw('garbage');
    agent.sendRaw('garbage');
    expect((await agent.closed).code).toBe(1008);
  });

  it('refuses unknown tokens at the upgrade and rate-limits repeated failures, never a valid credential', async () => {
    h = await startHarness('sqlite', { authFailuresPerMinute: 3 });
    await seedFleet(h, [{ name: 'x' }]);
    await expect(FakeAgent.open(h.cp.url, null, 'x')).rejects.toThrow('HTTP 401');
    await expect(FakeAgent.open(h.cp.url, 'agt_wrong', 'x')).rejects.toThrow('HTTP 401');
    await expect(FakeAgent.open(h.cp.url, 'agt_wrong', 'x')).rejects.toThrow('HTTP 401');
    await expect(FakeAgent.open(h.cp.url, 'agt_wrong', 'x')).rejects.toThrow('HTTP 429');
    // The HTTP API shares the limit per address, for bad credentials only (issue #17 point 5:
    // 25 bad tokens used to lock the admin's good token out, and behind NAT everyone).
    expect((await client(h.cp.url, 'plc_wrong').get('/v1/sites')).status).toBe(429);
    expect((await client(h.cp.url, h.cp.bootstrapToken!).get('/v1/sites')).status).toBe(200);
    const { token } = await h.cp.createAgentToken({ site: 'x' });
    open.push(await FakeAgent.connect(h.cp.url, token, 'x'));
  });

  it('does not let a bad-token flood from one address lock out good tokens from it', async () => {
    h = await startHarness();
    const flood = await Promise.all(
      Array.from({ length: 25 }, (_, i) => client(h.cp.url, `plc_bad${i}`).get('/v1/sites')),
    );
    expect(flood.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect((await h.admin.get('/v1/sites')).status).toBe(200);
    const viewer = await h.cp.createApiToken({ name: 'vera', role: 'viewer' });
    expect((await client(h.cp.url, viewer.token).get('/v1/whoami')).status).toBe(200);
    // The same bad token from anywhere is limited by itself too.
    for (let i = 0; i < 25; i++) await client(h.cp.url, 'plc_replayed').get('/v1/sites');
    expect((await client(h.cp.url, 'plc_replayed').get('/v1/sites')).status).toBe(429);
  });

  it('enrolls an agent once with an enrollment token', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'e1' }]);
    const e = await h.admin.post('/v1/agents/enrollments', { site: 'e1', ttl: '1h' });
    expect(e.status).toBe(201);
    const anon = client(h.cp.url, '');
    const first = await anon.post('/v1/agents/enroll', {
      enrollmentToken: e.body.enrollmentToken,
      agentId: 'gw-e1',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ agentId: 'gw-e1', site: 'e1', publicKeyPem: h.cp.publicKeyPem });
    expect((await anon.post('/v1/agents/enroll', { enrollmentToken: e.body.enrollmentToken })).status).toBe(
      401,
    );
    const agent = await FakeAgent.connect(h.cp.url, first.body.token, 'e1');
    open.push(agent);
    expect(agent.signingKeys).toEqual([h.cp.publicKeyPem]);
    const listed = await h.admin.get('/v1/agents?site=e1');
    expect(listed.body.agents).toMatchObject([{ id: 'gw-e1', connected: true, protocolVersion: 1 }]);
    // Guessing enrollment tokens counts as failed authentication (20 a minute by default).
    for (let i = 0; i < 19; i++) await anon.post('/v1/agents/enroll', { enrollmentToken: `enr_guess${i}` });
    expect((await anon.post('/v1/agents/enroll', { enrollmentToken: 'enr_guess' })).status).toBe(429);
  });

  it('rejects an agent that speaks no common protocol version', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'v1' }]);
    const { token } = await h.cp.createAgentToken({ site: 'v1' });
    const agent = await FakeAgent.open(h.cp.url, token, 'v1');
    const reject = agent.waitFor((m) => m.type === 'reject');
    agent.hello('v1', [7, 8]);
    expect(await reject).toMatchObject({ code: 'PROTOCOL_VERSION' });
  });

  it('answers a flood with BACKPRESSURE, keeps the connection, and records stage reports', async () => {
    h = await startHarness('sqlite', { maxInflightPerAgent: 1 });
    await seedFleet(h, [{ name: 'b1' }]);
    const agent = (await connectAgents(h.cp, ['b1'])).get('b1')!;
    open.push(agent);
    const report = {
      v: PROTOCOL_VERSION,
      type: 'stage.report' as const,
      site: 'b1',
      stage: 'parallel' as const,
      figures: {
        tags: 4,
        polls: 100,
        divergences: 0,
        commErrors: 0,
        latencyMs: { p50: 2, p99: 9 },
        worst: [],
      },
      reason: '',
    };
    const pushedBack = agent.waitFor((m) => m.type === 'error' && m.code === 'BACKPRESSURE');
    for (let i = 0; i < 50; i++) agent.send({ ...report, id: `s${i}` });
    await pushedBack;
    const hb = agent.waitFor((m) => m.type === 'heartbeat');
    agent.send({ v: PROTOCOL_VERSION, id: 'hb', type: 'heartbeat' });
    await hb;
    const stored = (await h.admin.get('/v1/stage-reports?site=b1&limit=1000')).body.stageReports as unknown[];
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(50);
    expect(stored[0]).toMatchObject({ site: 'b1', stage: 'parallel', figures: { divergences: 0 } });
  });

  it('caps the fields of agent messages: a megabyte migrationId is refused and nothing is stored', async () => {
    h = await startHarness('sqlite', { stageReportsPerSite: 5 });
    await seedFleet(h, [{ name: 'c1' }]);
    const agent = (await connectAgents(h.cp, ['c1'])).get('c1')!;
    open.push(agent);
    const figures = {
      tags: 1,
      polls: 1,
      divergences: 0,
      commErrors: 0,
      latencyMs: { p50: 1, p99: 1 },
      worst: [],
    };
    const refused = agent.waitFor((m) => m.type === 'error' && m.replyTo === 'big');
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'big',
      type: 'stage.report',
      site: 'c1',
      migrationId: 'm'.repeat(1024 * 1024),
      stage: 'shadow',
      figures,
      reason: '',
    });
    expect(await refused).toMatchObject({ code: 'VALIDATION' });
    expect(((await refused) as MessageOf<'error'>).message).toMatch(/migrationId/);
    // Within the caps, a site keeps only its newest reports.
    for (let i = 0; i < 12; i++)
      agent.send({
        v: PROTOCOL_VERSION,
        id: `r${i}`,
        type: 'stage.report',
        site: 'c1',
        stage: 'shadow',
        figures,
        reason: `n${i}`,
      });
    await roundTrip(agent, 'hb');
    const stored = (await h.admin.get('/v1/stage-reports?site=c1&limit=1000')).body.stageReports as {
      reason: string;
    }[];
    expect(stored.length).toBeGreaterThanOrEqual(5);
    expect(stored.length).toBeLessThan(12);
    expect(stored[0]!.reason).toBe('n11');
  });
});

describe('agent gateway: mixed versions', () => {
  it('tells versions and capabilities only to agents that can read them', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'u1' }]);
    // An older agent: its strict schema refuses unknown welcome fields, so it gets none.
    const older = await FakeAgent.open(h.cp.url, (await h.cp.createAgentToken({ site: 'u1' })).token, 'u1');
    open.push(older);
    const plain = older.waitFor((m) => m.type === 'welcome');
    older.hello();
    expect(Object.keys(await plain).sort()).toEqual(
      ['heartbeatMs', 'id', 'protocolVersion', 'serverTime', 'signingKeys', 'type', 'v'].sort(),
    );
    // A newer agent names `welcome-versions` and learns that deploy results are acked.
    const newer = await FakeAgent.open(h.cp.url, (await h.cp.createAgentToken({ site: 'u1' })).token, 'u1');
    open.push(newer);
    const full = newer.waitFor((m) => m.type === 'welcome');
    newer.send({
      v: PROTOCOL_VERSION,
      id: 'hello-2',
      type: 'hello',
      agentId: 'newer',
      site: 'u1',
      versions: { agent: '0.2.0', protocols: [PROTOCOL_VERSION] },
      capabilities: ['welcome-versions', 'some-future-thing'],
    });
    expect(await full).toMatchObject({
      versions: { controlPlane: expect.any(String), protocols: [PROTOCOL_VERSION] },
      capabilities: expect.arrayContaining(['deploy-result-ack', 'drift-report']),
    });
  });
});

/**
 * The edge agent daemon against the real control plane, in-process, on real
 * sockets: enrollment, a rollout's job run by the migration executor, the
 * verdict committed, a safety engineer's approval, the signed deploy order
 * applied to the plant folder (its result acked, and recorded once although the
 * link drops as it is sent), and a rollback ordered through the API.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type AgentHandle, resolveAgentConfig, startAgent } from '../edge-agent/src/agent';

const FIXTURES = resolve(import.meta.dirname, '../edge-agent/fixtures/agent');
const SITE = 'press-line-9';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function api(cp: ControlPlaneHandle, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cp.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('edge agent daemon with the real control plane', () => {
  it('enrolls, runs a rollout job, deploys the approved change inside the window, and rolls back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-cp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cp = await startControlPlane({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'cp'),
      logLevel: 'silent',
      heartbeatMs: 1000,
      engineTickMs: 50,
      dispatchIntervalMs: 100,
      env: {},
    });
    cleanups.push(() => cp.close());
    const admin = api(cp, cp.bootstrapToken!);
    const site = await admin('PUT', `/v1/sites/${SITE}`, {
      name: SITE,
      timeZone: 'UTC',
      maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
    });
    expect(site.status, JSON.stringify(site.body)).toBe(200);
    const migration = YAML.parse(readFileSync(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));
    const applied = await admin('POST', '/v1/migrations', migration);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    const plant = join(dir, 'plant');
    cpSync(join(FIXTURES, 'plant'), plant, { recursive: true });
    const original = readFileSync(join(plant, 'Main.st'), 'utf8');
    const { token: enrollmentToken } = await cp.createEnrollmentToken({ site: SITE });
    const config = await resolveAgentConfig(
      {
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-e2e',
        site: SITE,
        controlPlane: { url: cp.url, enrollmentTokenEnv: 'ENROLL', signingKeys: [cp.publicKeyPem] },
        siteFacts: 'site.facts.yaml',
        policy: 'policy.yaml',
        program: plant,
        dataDir: join(dir, 'agent'),
        reconnect: { initialDelay: 50, maxDelay: 500 },
      },
      { baseDir: FIXTURES, env: { ENROLL: enrollmentToken } },
    );
    const agent: AgentHandle = await startAgent(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => agent.stop({ graceMs: 0 }));
    expect(agent.agentId).toBe('agt-e2e');
    await agent.connected();

    const created = await admin('POST', '/v1/rollouts', {
      migrationId: 'guard-assign',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'one', select: { sites: [SITE] } }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rolloutId = created.body.rollout.id as string;

    const verdict = await eventually('a committed verdict', async () => {
      const r = await admin('GET', `/v1/verdicts?rollout=${rolloutId}`);
      return r.body.verdicts?.[0];
    });
    expect(verdict).toMatchObject({ outcome: 'passed', site: SITE });
    await eventually('an empty outbox', async () =>
      (await agent.pending()).length === 0 ? true : undefined,
    );

    const cr = await eventually('a change request', async () => {
      const r = await admin('GET', `/v1/change-requests?rollout=${rolloutId}`);
      return r.body.changeRequests?.[0];
    });
    const sam = await cp.createApiToken({ name: 'sam', role: 'safety-engineer' });
    const approved = await api(cp, sam.token)('POST', `/v1/change-requests/${cr.id}/approve`, {
      comment: 'ok',
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const acked: string[] = [];
    agent.events.on('acked', (keys) => acked.push(...keys));
    // The link drops as the deploy result goes out: it is sent again after reconnecting
    // (and answers the order the control plane delivers again), until deploy.result.ack.
    const deployResult = new Promise<{ deployId: string }>((r) =>
      agent.events.once('deploy.result', (result) => {
        agent.dropLink('test: link lost with the deploy result in flight');
        r(result);
      }),
    );
    const { deployId } = await deployResult;
    expect(await deployResult).toMatchObject({ outcome: 'deployed' });
    expect(readFileSync(join(plant, 'Main.st'), 'utf8')).toMatch(/Safety_OK := Guard_Sensor;/);
    const deploy = await eventually('the deploy recorded as deployed', async () => {
      const r = await admin('GET', '/v1/deploys');
      const d = (r.body.deploys as { state: string; site: string }[] | undefined)?.find(
        (x) => x.site === SITE,
      );
      return d?.state === 'deployed' ? d : undefined;
    });
    expect(deploy).toBeDefined();
    await eventually('the deploy result acked', async () =>
      acked.includes(`deploy:${deployId}`) ? true : undefined,
    );
    expect(await agent.pending()).toEqual([]);

    const rolledBack = new Promise((r) => agent.events.once('deploy.result', r));
    const rb = await admin('POST', `/v1/sites/${SITE}/rollback`, { reason: 'drill' });
    expect(rb.status, JSON.stringify(rb.body)).toBeLessThan(300);
    const rollbackId = rb.body.rollbacks[0].id as string;
    expect(await rolledBack).toMatchObject({ deployId: rollbackId, outcome: 'rolled-back' });
    expect(readFileSync(join(plant, 'Main.st'), 'utf8')).toBe(original);
    await eventually('the rollback result acked', async () =>
      acked.includes(`rollback:${rollbackId}`) ? true : undefined,
    );
    expect(await agent.pending()).toEqual([]);
    // The rollback is settled (not left delivered, to be sent again on every reconnect), and so is the deploy.
    const rollbacks = await admin('GET', `/v1/rollbacks?site=${SITE}`);
    expect(rollbacks.body.rollbacks).toMatchObject([{ id: rollbackId, state: 'rolled-back' }]);
    expect((await admin('GET', `/v1/deploys/${deployId}`)).body.state).toBe('rolled-back');
    const audit = async (subject: string) =>
      (
        (await admin('GET', `/v1/audit?subject=${subject}&limit=1000`)).body.entries as { action: string }[]
      ).map((e) => e.action);
    expect((await audit(deployId)).filter((a) => a === 'deploy.deployed')).toHaveLength(1);
    expect((await audit(rollbackId)).filter((a) => a === 'rollback.rolled-back')).toHaveLength(1);
  }, 120_000);
});

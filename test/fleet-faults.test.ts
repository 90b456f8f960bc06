/**
 * Faults across the whole loop, on real sockets: real control plane (SQLite),
 * real edge agents running the migration executor on the press-line plant.
 * - the control plane restarts in the middle of phase 1: nothing lost, nothing run twice;
 * - an agent's link drops while its verdict is in flight: delivered once after reconnecting.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type AgentHandle, resolveAgentConfig, startAgent } from '../edge-agent/src/agent';

const EXAMPLES = resolve(import.meta.dirname, '../examples');
const SITES = ['plant-a', 'plant-b'];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('faults across control plane and agents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-faults-'));
  let cp: ControlPlaneHandle | undefined;
  const agents: AgentHandle[] = [];
  afterAll(async () => {
    for (const a of agents) await a.stop({ graceMs: 0 });
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a control plane restart in phase 1 and a link drop during a verdict lose nothing and apply nothing twice', async () => {
    const port = await freePort();
    const options = {
      port,
      host: '127.0.0.1',
      dataDir: join(dir, 'cp'),
      logLevel: 'silent' as const,
      heartbeatMs: 1000,
      engineTickMs: 50,
      dispatchIntervalMs: 100,
      env: {},
    };
    cp = await startControlPlane(options);
    const token = cp.bootstrapToken!;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the assertions below read what they need
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    for (const site of SITES) {
      const put = await call('PUT', `/v1/sites/${site}`, {
        name: site,
        timeZone: 'UTC',
        maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
      });
      expect(put.status).toBe(200);
      const siteDir = join(dir, site);
      cpSync(join(EXAMPLES, 'plants/press-line'), join(siteDir, 'program'), { recursive: true });
      const policy = YAML.parse(readFileSync(join(EXAMPLES, 'policies/press-line.yaml'), 'utf8'));
      writeFileSync(join(siteDir, 'policy.yaml'), YAML.stringify({ ...policy, site }));
      writeFileSync(
        join(siteDir, 'facts.yaml'),
        YAML.stringify({ apiVersion: 'plcfleet/v1', kind: 'SiteFacts', site, firmware: '3.4.1' }),
      );
      const { token: agentToken } = await cp.createAgentToken({ site, agentId: `agt-${site}` });
      const config = await resolveAgentConfig(
        {
          apiVersion: 'plcfleet/v1',
          kind: 'AgentConfig',
          agentId: `agt-${site}`,
          site,
          controlPlane: { url: cp.url, token: agentToken, signingKeys: [cp.publicKeyPem] },
          siteFacts: 'facts.yaml',
          policy: 'policy.yaml',
          program: 'program',
          dataDir: 'agent',
          reconnect: { initialDelay: 50, maxDelay: 500 },
          resendAfter: '2s',
        },
        { baseDir: siteDir, env: {} },
      );
      const agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
      agents.push(agent);
      await agent.connected();
    }

    // plant-b's link drops the moment its verdict is committed to the outbox, before the send is acked.
    let dropped = false;
    agents[1]!.events.on('verdict', () => {
      if (dropped) return;
      dropped = true;
      agents[1]!.dropLink('test: link lost with a verdict in flight');
    });

    const migration = readFileSync(join(EXAMPLES, 'migrations/safety-guard-monitor.yaml'), 'utf8');
    const applied = await fetch(`http://127.0.0.1:${port}/v1/migrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      body: migration,
    });
    expect(applied.status).toBe(200);
    const created = await call('POST', '/v1/rollouts', {
      migrationId: 'safety-guard-monitor',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'both', select: { sites: SITES }, concurrency: 2, gates: { minSample: 2 } }],
        lease: '60s',
      },
    });
    expect(created.status).toBe(201);
    const rolloutId = created.body.rollout.id as string;

    // Restart the control plane as soon as both jobs are running at the agents.
    await eventually('both jobs running', async () => {
      const r = await call('GET', `/v1/jobs?rollout=${rolloutId}`);
      const jobs = r.body.jobs as { state: string }[];
      return jobs.length === 2 && jobs.every((j) => j.state === 'running') ? true : undefined;
    });
    await cp.close();
    cp = undefined;
    await new Promise((r) => setTimeout(r, 500));
    cp = await startControlPlane(options);
    expect(cp.bootstrapToken).toBeNull(); // the same store: nothing was reset

    const jobs = await eventually('both verdicts committed', async () => {
      const r = await call('GET', `/v1/jobs?rollout=${rolloutId}`);
      const list = r.body.jobs as { state: string; attempt: number; site: string }[];
      return list.length === 2 && list.every((j) => j.state === 'passed') ? list : undefined;
    });
    // The agent emits `verdict` after its outbox commit returns, which on a loaded machine can be
    // after the control plane has already stored the verdict: wait for the drop, do not race it.
    await eventually('plant-b dropped its link with the verdict', async () => (dropped ? true : undefined));
    // Each site ran once: no job re-offered or run again because of the restart or the drop.
    expect(jobs.map((j) => j.attempt)).toEqual([1, 1]);
    const verdicts = await call('GET', `/v1/verdicts?rollout=${rolloutId}`);
    expect(verdicts.body.verdicts).toHaveLength(2);
    for (const a of agents)
      await eventually('an empty outbox', async () => ((await a.pending()).length === 0 ? true : undefined));
    const audit = await call('GET', '/v1/audit/verify');
    expect(audit.body.ok).toBe(true);
  }, 240_000);
});

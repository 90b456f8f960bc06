import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlaneHandle, startControlPlane } from './server';
import { FakeAgent } from './testing/fake-agent';
import { client, eventually, migrationDoc, siteDoc } from './testing/fixtures';

describe('smoke', () => {
  let cp: ControlPlaneHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-'));
    cp = await startControlPlane({
      port: 0,
      dataDir: dir,
      logLevel: 'silent',
      engineTickMs: 50,
      dispatchIntervalMs: 50,
    });
  });
  afterAll(async () => {
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  it('runs a one-phase rollout', async () => {
    const api = client(cp.url, cp.bootstrapToken!);
    expect((await api.get('/healthz')).status).toBe(200);
    for (const s of ['a', 'b']) expect((await api.put(`/v1/sites/${s}`, siteDoc(s))).status).toBe(200);
    expect((await api.post('/v1/migrations', migrationDoc())).status).toBe(200);
    const agents = await Promise.all(
      ['a', 'b'].map(async (s) =>
        FakeAgent.connect(cp.url, (await cp.createAgentToken({ site: s })).token, s),
      ),
    );
    const r = await api.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'all', select: { rest: true } }],
        until: 'verified',
      },
      start: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const done = await eventually(async () => {
      const d = await api.get(`/v1/rollouts/${r.body.rollout.id}`);
      return d.body.rollout.state === 'completed' ? d.body : undefined;
    });
    console.log(JSON.stringify(done.decisions.map((d: { summary: string }) => d.summary)));
    expect((await api.get('/v1/audit/verify')).body.ok).toBe(true);
    expect((await api.get('/v1/openapi.json')).status).toBe(200);
    await Promise.all(agents.map((a) => a.close()));
  });
});

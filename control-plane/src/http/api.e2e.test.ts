/**
 * The HTTP API's edges: auth and roles, readable 400s, YAML, OpenAPI, health, metrics, events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { FakeAgent } from '../testing/fake-agent';
import { client, migrationDoc } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

describe('HTTP API', () => {
  it('needs a token and the right role on every route', async () => {
    h = await startHarness();
    const anon = client(h.cp.url, '');
    const r = await anon.get('/v1/sites');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
    const viewer = client(h.cp.url, (await h.cp.createApiToken({ name: 'vera', role: 'viewer' })).token);
    expect((await viewer.get('/v1/sites')).status).toBe(200);
    const put = await viewer.put('/v1/sites/x', { tags: [] });
    expect(put.status).toBe(403);
    expect(put.body.error.message).toMatch(/needs role admin; you are viewer/);
    expect((await viewer.post('/v1/tokens', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await h.admin.get('/v1/whoami')).body).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('answers bad input with one readable line and the path', async () => {
    h = await startHarness();
    const bad = await h.admin.put('/v1/sites/s1', {
      maintenanceWindows: [{ start: '25:00', durationMinutes: 60 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'VALIDATION',
      message: 'body: maintenanceWindows[0].start: expected HH:MM (24 h)',
    });
    const notJson = await h.admin.put('/v1/sites/s1', '{', { 'content-type': 'application/json' });
    expect(notJson.body.error.message).toMatch(/^body: not JSON/);
    const plan = await h.admin.post('/v1/rollouts', {
      migrationId: 'x',
      plan: planDoc([{ name: 'p', select: {} }]),
    });
    expect(plan.body.error.message).toMatch(/^body: plan\.phases\[0\]\.select: a selector needs/);
    expect((await h.admin.get('/v1/nowhere')).status).toBe(404);
  });

  it('applies a migration from YAML, validates without storing, and keeps revisions immutable', async () => {
    h = await startHarness();
    const yaml = YAML.stringify(migrationDoc('non-safety', 'from-yaml'));
    const check = await h.admin.post('/v1/migrations?validateOnly=true', yaml, {
      'content-type': 'application/yaml',
    });
    expect(check.body).toEqual({ valid: true, validateOnly: true, created: false, migration: null });
    expect((await h.admin.get('/v1/migrations')).body.migrations).toHaveLength(0);
    const applied = await h.admin.post('/v1/migrations', yaml, { 'content-type': 'application/yaml' });
    expect(applied.body).toMatchObject({ created: true, migration: { id: 'from-yaml', revision: 1 } });
    const changed = await h.admin.post('/v1/migrations', {
      ...migrationDoc('non-safety', 'from-yaml'),
      title: 'other',
    });
    expect(changed.status).toBe(409);
    const badYaml = await h.admin.post('/v1/migrations', 'kind: [', { 'content-type': 'application/yaml' });
    expect(badYaml.body.error.message).toMatch(/^body: not YAML/);
  });

  it('serves OpenAPI generated from the schemas, health and metrics', async () => {
    h = await startHarness();
    const doc = (await client(h.cp.url, '').get('/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/rollouts/{id}/promote',
        '/v1/change-requests/{id}/approve',
        '/v1/audit/verify',
      ]),
    );
    const approve = doc.paths['/v1/change-requests/{id}/approve'].post;
    expect(approve['x-roles']).toEqual(['admin', 'safety-engineer', 'operator']);
    expect(approve.responses['200'].content['application/json'].schema.properties.deploy).toBeDefined();
    expect((await client(h.cp.url, '').get('/healthz')).body).toMatchObject({
      status: 'ok',
      store: 'sqlite',
    });
    await seedFleet(h, [{ name: 'm1' }]);
    agents = await connectAgents(h.cp, ['m1']);
    const metrics = await fetch(`${h.cp.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^plcfleet_agents_connected 1$/m);
    expect(metrics).toContain('plcfleet_verdict_latency_seconds_bucket');
  });

  it('streams a rollout’s events to watchers (SSE)', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'w1' }]);
    agents = await connectAgents(h.cp, ['w1']);
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      plan: planDoc([{ name: 'only', select: { rest: true } }], { until: 'verified' }),
    });
    const id = created.body.rollout.id;
    const controller = new AbortController();
    const res = await fetch(`${h.cp.url}/v1/events?rollout=${id}`, {
      headers: { authorization: `Bearer ${h.cp.bootstrapToken}` },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: ready');
    await h.admin.post(`/v1/rollouts/${id}/start`);
    await readUntil('→ completed');
    expect(text).toContain('event: verdict.committed');
    expect(text).toContain('event: rollout.decision');
    controller.abort();
  });
});

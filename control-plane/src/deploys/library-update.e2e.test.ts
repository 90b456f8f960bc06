/**
 * A site's library versions follow what runs there (issue #20): the registry
 * records a library-update's new version when its deploy is reported
 * `deployed` — not at the verdict, the approval or the order, and not for a
 * failed deploy — puts the old one back when that deploy is rolled back, and
 * the next rollout's offers carry it (the agent tests `onlyIf` against them).
 * Real ws clients act as agents; real SQLite and PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployOrder, Envelope, MessageOf } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually, siteDoc } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

/** The example library-update: PressLib `>=1.2 <2` → 2.0.0. */
const MIGRATION = parseYaml(
  readFileSync(join(import.meta.dirname, '../../../examples/migrations/library-update.yaml'), 'utf8'),
);

const librariesOf = async (site: string) => (await h.admin.get(`/v1/sites/${site}`)).body.libraries;

/** Approves as a second person (an operator) and returns the deploy order the site's agent got. */
async function approve(crId: string, agent: FakeAgent): Promise<DeployOrder> {
  const order = agent.waitFor((m) => m.type === 'deploy.order', 10_000);
  const op = await h.admin.post('/v1/tokens', { name: `op-${crId}`, role: 'operator' });
  const r = await client(h.cp.url, op.body.token).post(`/v1/change-requests/${crId}/approve`, {});
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return ((await order) as MessageOf<'deploy.order'>).order.payload;
}

/** Sends a deploy (or rollback) result and waits until the control plane committed it. */
async function report(
  agent: FakeAgent,
  deployId: string,
  outcome: 'deployed' | 'failed' | 'rolled-back',
): Promise<void> {
  const id = agent.sendDeployResult({ deployId, outcome, reason: outcome, sha256Running: null });
  await agent.waitFor((m: Envelope) => m.type === 'deploy.result.ack' && m.replyTo === id);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`site libraries after a library-update deploy (${kind})`, () => {
    it('records the new version on deploy only, offers it to the next rollout, keeps it on a failed deploy, restores it on rollback', async () => {
      h = await startHarness(kind);
      const before = [
        { name: 'Tc2_Standard', version: '3.3.3' },
        { name: 'PressLib', version: '1.2.0' },
      ];
      for (const site of ['lib-a', 'lib-b']) {
        const r = await h.admin.put(`/v1/sites/${site}`, { ...siteDoc(site), libraries: before });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      const m = await h.admin.post('/v1/migrations', MIGRATION);
      expect(m.status, JSON.stringify(m.body)).toBe(200);
      agents = await connectAgents(h.cp, ['lib-a', 'lib-b']);
      const started = await h.admin.post('/v1/rollouts', {
        migrationId: 'presslib-2',
        start: true,
        plan: planDoc([{ name: 'all', select: { rest: true } }]),
      });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const rolloutId = started.body.rollout.id;
      const crs = await eventually(async () => {
        const list = (await h.admin.get(`/v1/change-requests?rollout=${rolloutId}`)).body.changeRequests as {
          id: string;
          site: string;
        }[];
        return list.length === 2 ? list : undefined;
      });
      const cr = (site: string) => crs.find((c) => c.site === site)!;

      // Verified and approved, the order sent: the site still runs 1.2.0.
      const a = agents.get('lib-a')!;
      const orderA = await approve(cr('lib-a').id, a);
      expect(await librariesOf('lib-a')).toEqual(before);

      await report(a, orderA.deployId, 'deployed');
      expect(await librariesOf('lib-a')).toEqual([
        { name: 'Tc2_Standard', version: '3.3.3' },
        { name: 'PressLib', version: '2.0.0' },
      ]);
      // A resent result changes nothing more.
      await report(a, orderA.deployId, 'deployed');
      const audit = (await h.admin.get('/v1/audit?limit=1000')).body.entries as {
        action: string;
        subjectId: string;
        details: Record<string, unknown>;
      }[];
      const updated = audit.filter((e) => e.action === 'site.library.updated');
      expect(updated).toHaveLength(1);
      expect(updated[0]).toMatchObject({
        subjectId: orderA.deployId,
        details: { site: 'lib-a', library: 'PressLib', from: '1.2.0', to: '2.0.0' },
      });

      // The first rollout's offers carried the registry's versions then; the next rollout's carry 2.0.0,
      // which the agent tests `onlyIf` against (PressLib ">=1.2 <2": the site is skipped).
      expect(a.offers[0]!.libraries).toEqual(before);
      const next = await h.admin.post('/v1/rollouts', {
        migrationId: 'presslib-2',
        start: true,
        plan: planDoc([{ name: 'a', select: { sites: ['lib-a'] } }]),
      });
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      const offer = await eventually(async () => a.offers.find((o) => o.rolloutId === next.body.rollout.id));
      expect(offer.libraries).toEqual([
        { name: 'Tc2_Standard', version: '3.3.3' },
        { name: 'PressLib', version: '2.0.0' },
      ]);

      // A deploy that failed leaves the registry as it was.
      const b = agents.get('lib-b')!;
      const orderB = await approve(cr('lib-b').id, b);
      await report(b, orderB.deployId, 'failed');
      expect(await librariesOf('lib-b')).toEqual(before);

      // Rolled back: the site runs the old program, on the old library.
      const rollback = a.waitFor((m) => m.type === 'rollback.order');
      const ordered = await h.admin.post('/v1/sites/lib-a/rollback', { reason: 'valve chatter' });
      expect(ordered.status, JSON.stringify(ordered.body)).toBe(200);
      const rb = ((await rollback) as MessageOf<'rollback.order'>).order.payload;
      expect(rb.deployId).toBe(orderA.deployId);
      await report(a, rb.rollbackId, 'rolled-back');
      expect(await librariesOf('lib-a')).toEqual(before);
      const restored = (
        (await h.admin.get('/v1/audit?limit=1000')).body.entries as { action: string }[]
      ).filter((e) => e.action === 'site.library.restored');
      expect(restored).toHaveLength(1);
    });
  });
}

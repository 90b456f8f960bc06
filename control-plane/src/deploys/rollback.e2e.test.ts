/**
 * Rollback orders of a site (issue #17): asking again does not sign and queue
 * another order, and an order not carried out in time expires instead of being
 * delivered to an agent that comes back days later. Real sockets, real SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { eventually } from '../testing/fixtures';
import { connectAgents, type Harness, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
let agents = new Map<string, FakeAgent>();
afterEach(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents = new Map();
  await h?.close();
});

async function auditCount(action: string): Promise<number> {
  const r = await h.admin.get('/v1/audit?limit=1000');
  return (r.body.entries as { action: string }[]).filter((e) => e.action === action).length;
}

describe('site rollback orders', () => {
  it('gives the pending order again instead of signing and queueing one per call', async () => {
    h = await startHarness();
    await seedFleet(h, [{ name: 'rb1' }]);
    const first = await h.admin.post('/v1/sites/rb1/rollback', { reason: 'sensor drift' });
    const again = await h.admin.post('/v1/sites/rb1/rollback', { reason: 'sensor drift' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(again.body.rollbacks.map((r: { id: string }) => r.id)).toEqual(
      first.body.rollbacks.map((r: { id: string }) => r.id),
    );
    expect(first.body.rollbacks[0].order.payload.notAfter).toBeDefined();
    expect((await h.admin.get('/v1/rollbacks?site=rb1')).body.rollbacks).toHaveLength(1);
    expect(await auditCount('rollback.ordered')).toBe(1);
  });

  it('expires an order not delivered before its notAfter and never delivers it', async () => {
    h = await startHarness('sqlite', { rollbackOrderTtlMs: 1000 });
    await seedFleet(h, [{ name: 'rb2' }]);
    const ordered = await h.admin.post('/v1/sites/rb2/rollback', { reason: 'old request' });
    const id = ordered.body.rollbacks[0].id;
    await new Promise((r) => setTimeout(r, 1100));
    agents = await connectAgents(h.cp, ['rb2']);
    const agent = agents.get('rb2')!;
    const state = await eventually(async () => {
      const list = (await h.admin.get('/v1/rollbacks?site=rb2')).body.rollbacks as {
        id: string;
        state: string;
      }[];
      const rb = list.find((r) => r.id === id);
      return rb?.state === 'expired' ? rb.state : undefined;
    });
    expect(state).toBe('expired');
    expect(agent.received.some((m) => m.type === 'rollback.order')).toBe(false);
    expect(await auditCount('rollback.expired')).toBe(1);
    // A new request after the expiry is a new order, and it is delivered.
    const order = agent.waitFor((m) => m.type === 'rollback.order');
    const fresh = await h.admin.post('/v1/sites/rb2/rollback', { reason: 'asked again' });
    expect(fresh.body.rollbacks[0].id).not.toBe(id);
    await order;
  });
});

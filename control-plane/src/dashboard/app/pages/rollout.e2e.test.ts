/**
 * The dashboard's rollout and change pages in a real browser (issue #21): a phase whose
 * deploy the site put off says "deferred (line busy)" with its shadow gate's line, and a
 * change shows its candidate's shadow run and its deploy's watch — all as agents report
 * them over their websockets, without a reload.
 */
import { type DeployOrder, type MessageOf, PROTOCOL_VERSION, type ShadowRun } from '@plcfleet/protocols';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../../../testing/browser';
import type { FakeAgent } from '../../../testing/fake-agent';
import { client, eventually } from '../../../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../../../testing/harness';
import { PATIENCE_MS } from '../../../testing/test-fleet';

describe('rollout and change pages: shadow runs and deferral', { timeout: 4 * PATIENCE_MS }, () => {
  let h: Harness;
  let browser: Browser;
  let agents: Map<string, FakeAgent>;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedFleet(h, [{ name: 'dash-1' }], 'non-safety');
    agents = await connectAgents(h.cp, ['dash-1']);
    browser = await launchChromium();
  }, PATIENCE_MS);
  afterAll(async () => {
    await browser?.close();
    for (const a of agents?.values() ?? []) await a.close();
    await h?.close();
  });

  let n = 0;
  const report = (
    agent: FakeAgent,
    r: Omit<ShadowRun, 'site' | 'startedAt' | 'commLoss' | 'fault' | 'reason' | 'coverage'>,
  ) =>
    agent.send({
      v: PROTOCOL_VERSION,
      id: `dash-shadow-${++n}`,
      type: 'shadow.report',
      report: {
        ...r,
        site: agent.site,
        startedAt: new Date().toISOString(),
        commLoss: null,
        fault: null,
        reason: '',
        coverage: null,
      },
    });

  it('says deferred (line busy) and the shadow gate per phase, and shows the runs on the change', async () => {
    const agent = agents.get('dash-1')!;
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([
        {
          name: 'shadowed',
          select: { rest: true },
          shadow: { minDuration: '1s', maxDivergences: 0, when: 'before-approval' },
          watch: '10m',
        },
      ]),
    });
    const id = created.body.rollout.id as string;
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
        id: string;
        jobId: string;
      }[];
      return list[0];
    });
    const base = { kind: 'candidate' as const, jobId: cr.jobId, rolloutId: id, durationMs: 1000 };
    report(agent, {
      ...base,
      shadowId: 'dash-run',
      state: 'passed',
      seconds: 1,
      samples: 50,
      compared: 49,
      divergences: [],
    });
    const orderMsg = agent.waitFor((m) => m.type === 'deploy.order');
    const op = await h.admin.post('/v1/tokens', { name: 'dash-op', role: 'operator' });
    const approved = await eventually(async () => {
      const r = await client(h.cp.url, op.body.token).post(`/v1/change-requests/${cr.id}/approve`, {});
      return r.status === 200 ? r : undefined;
    });
    expect(approved.status).toBe(200);
    const order = ((await orderMsg) as MessageOf<'deploy.order'>).order.payload as DeployOrder;

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(PATIENCE_MS);
    await signIn(page, h.cp.url, h.cp.bootstrapToken!);
    await page.goto(`${h.cp.url}/#/rollouts/${id}`);
    const waits = page.getByLabel('waits for').first();
    await expect(waits.getByLabel('shadow gate').textContent()).resolves.toBe(
      'shadow: 1 of 1 site(s) passed; at most 0 divergence(s)',
    );
    // The line is busy: the agent says so, and the open page redraws from the event stream.
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'dash-deferred',
      type: 'deploy.deferred',
      deployId: order.deployId,
      site: 'dash-1',
      reason: 'Batch_Running is TRUE',
      recheckMs: 30_000,
    });
    await page.getByText('deferred (line busy): 1').waitFor();

    agent.sendDeployResult({
      deployId: order.deployId,
      outcome: 'deployed',
      reason: '',
      sha256Running: order.sha256After,
    });
    await page.getByLabel('waits for').first().getByText('watch', { exact: false }).waitFor();
    report(agent, {
      kind: 'watch',
      shadowId: 'dash-watch',
      jobId: cr.jobId,
      rolloutId: id,
      deployId: order.deployId,
      durationMs: 600_000,
      state: 'diverged',
      seconds: 4.2,
      samples: 210,
      compared: 209,
      divergences: [{ tag: 'Pump', first: new Date().toISOString(), count: 1, live: false, shadow: true }],
      rollback: 'divergence',
    });
    // a later watch of the change that could not verify it (ADR 0179): told apart by its tag
    report(agent, {
      kind: 'watch',
      shadowId: 'dash-watch-2',
      jobId: cr.jobId,
      rolloutId: id,
      deployId: order.deployId,
      durationMs: 600_000,
      state: 'failed',
      seconds: 601,
      samples: 300,
      compared: 0,
      divergences: [],
      rollback: 'inconclusive',
    });

    await page.goto(`${h.cp.url}/#/changes/${cr.id}`);
    const runs = page.getByLabel('live shadow');
    await runs.getByText(/candidate in shadow: 1 s of 1 s, 49 samples compared/).waitFor();
    await runs.getByText(/post-deploy watch: 4\.2 s of 600 s, 209 samples compared/).waitFor();
    await runs.getByText(/post-deploy watch: 601 s of 600 s, 0 samples compared/).waitFor();
    await expect(runs.getByText('rolled back (divergence)', { exact: true }).count()).resolves.toBe(1);
    await expect(runs.getByText('rolled back (inconclusive)', { exact: true }).count()).resolves.toBe(1);
    await expect(
      runs.getByText(/^Pump diverged 1× from .* \(live false, shadow true\)$/).count(),
    ).resolves.toBe(1);
    await page.close();
  });
});

/**
 * The dashboard's rollout page tells a rollback the post-deploy watch made because it could not
 * judge the change (ADR 0179, `rollback: inconclusive`) apart from other rollbacks, in the
 * phase's row and the halt reason, as the agent reports them over its websocket.
 */
import { PROTOCOL_VERSION } from '@plcfleet/protocols';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../../../testing/browser';
import type { FakeAgent } from '../../../testing/fake-agent';
import {
  connectAgents,
  deployedChange,
  type Harness,
  seedFleet,
  startHarness,
} from '../../../testing/harness';
import { PATIENCE_MS } from '../../../testing/test-fleet';

describe('rollout page: inconclusive rollbacks told apart', { timeout: 4 * PATIENCE_MS }, () => {
  let h: Harness;
  let browser: Browser;
  let agent: FakeAgent;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedFleet(h, [{ name: 'rb-1' }], 'non-safety');
    agent = (await connectAgents(h.cp, ['rb-1'])).get('rb-1')!;
    browser = await launchChromium();
  }, PATIENCE_MS);
  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await h?.close();
  });

  it('shows "(1 inconclusive)" beside the phase’s rollbacks and in the halt reason', async () => {
    const { id, changeRequest: cr, order } = await deployedChange(h, agent, { watch: '10m' });

    const why = 'post-deploy watch inconclusive: nothing compared: 19 sample(s), none judged, in 2.1 s';
    const reported = agent.waitFor((m) => m.type === 'shadow.report.ack' && m.replyTo === 'rb-watch');
    agent.send({
      v: PROTOCOL_VERSION,
      id: 'rb-watch',
      type: 'shadow.report',
      report: {
        shadowId: 'rb-watch',
        kind: 'watch',
        site: 'rb-1',
        jobId: cr.jobId,
        rolloutId: id,
        deployId: order.deployId,
        state: 'failed',
        startedAt: new Date().toISOString(),
        durationMs: 600_000,
        seconds: 2.1,
        samples: 19,
        compared: 0,
        divergences: [],
        commLoss: null,
        fault: null,
        reason: why,
        coverage: null,
        rollback: 'inconclusive',
      },
    });
    await reported;
    const rolledBack = agent.sendDeployResult({
      deployId: order.deployId,
      outcome: 'rolled-back',
      reason: why,
      sha256Running: order.sha256Before,
    });
    await agent.waitFor((m) => m.type === 'deploy.result.ack' && m.replyTo === rolledBack);

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(PATIENCE_MS);
    await signIn(page, h.cp.url, h.cp.bootstrapToken!);
    await page.goto(`${h.cp.url}/#/rollouts/${id}`);
    await expect(page.getByLabel('inconclusive rollbacks').textContent()).resolves.toBe(' (1 inconclusive)');
    await page
      .getByText(
        /1 deploy\(s\) rolled back, at most 0 allowed \(1 of them inconclusive: the watch could not show the change behaves\)/,
      )
      .first()
      .waitFor();
    await page.close();
  });
});

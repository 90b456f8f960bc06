/**
 * The dashboard's fleet page in a real browser: each site's drift (issue #22)
 * in the Drift column — drifted with its POU count, same, or not checked —
 * and a report arriving over an agent's websocket redraws the open page.
 */
import { type DriftReport, PROTOCOL_VERSION } from '@plcfleet/protocols';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftReport } from '../../../drift/drift-report-fixture';
import { recordDriftReport } from '../../../drift/site-drift.repository';
import { launchChromium, signIn } from '../../../testing/browser';
import { connectAgents, type Harness, seedFleet, startHarness } from '../../../testing/harness';
import { PATIENCE_MS } from '../../../testing/test-fleet';

/** A report checked now; drifted in two POUs unless `over` says otherwise. */
const report = (site: string, over: Partial<DriftReport> = {}) =>
  driftReport(site, {
    checkedAt: new Date().toISOString(),
    pous: ['Conveyor', 'PressControl'].map((pou) => ({
      pou,
      change: 'modified' as const,
      file: `${pou}.st`,
      diff: '-x := 1;\n+x := 5;\n',
    })),
    ...over,
  });

describe('fleet page: drift column', { timeout: 4 * PATIENCE_MS }, () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedFleet(h, [{ name: 'fd-drifted' }, { name: 'fd-same' }, { name: 'fd-unchecked' }]);
    await recordDriftReport(h.cp.db, 'agt-1', report('fd-drifted'));
    await recordDriftReport(h.cp.db, 'agt-2', report('fd-same', { status: 'same', pous: [] }));
    browser = await launchChromium();
  }, PATIENCE_MS);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** The text of the Drift cell (the table's last column) in the site's row. */
  const driftOf = (page: Page, site: string) =>
    page.locator('tbody tr', { hasText: site }).locator('td').last();

  it('shows each site as drifted with its POU count, same, or not checked', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(PATIENCE_MS);
    await signIn(page, h.cp.url, h.cp.bootstrapToken!);
    await expect(page.locator('thead th').last().textContent()).resolves.toBe('Drift');
    const drifted = driftOf(page, 'fd-drifted');
    await expect(drifted.textContent()).resolves.toMatch(/^drifted: 2 POUs/);
    await expect(drifted.getAttribute('title')).resolves.toBe('plcfleet sites drift fd-drifted');
    await expect(driftOf(page, 'fd-same').textContent()).resolves.toMatch(/^same/);
    await expect(driftOf(page, 'fd-unchecked').textContent()).resolves.toBe('not checked');

    // The plant puts the released program back; its agent reports over its websocket and the
    // open page, which follows the fleet's events, redraws the row without a reload.
    const agents = await connectAgents(h.cp, ['fd-drifted'], () => 'silent');
    agents.get('fd-drifted')!.send({
      v: PROTOCOL_VERSION,
      id: 'd-back',
      type: 'drift.report',
      report: report('fd-drifted', { status: 'same', pous: [] }),
    });
    await driftOf(page, 'fd-drifted').filter({ hasText: /^same/ }).waitFor();
    await expect(driftOf(page, 'fd-same').textContent()).resolves.toMatch(/^same/);
    for (const a of agents.values()) await a.close();
    await page.close();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobBundle } from '@plcfleet/protocols';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, makeVerdict } from '../testing/fake-agent';
import { eventually, siteDoc } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

// Debian's chromium (installed by .ci/run); playwright-core never downloads a browser.
const CHROMIUM = '/usr/bin/chromium';
// Screenshots land in docs/screenshots only when asked for (PLCFLEET_SCREENSHOTS=1 npx vitest run
// control-plane/src/dashboard), so a plain test run leaves the work tree clean.
const shots = process.env.PLCFLEET_SCREENSHOTS
  ? resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots')
  : mkdtempSync(join(tmpdir(), 'dashboard-shots-'));
const SITES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

describe('dashboard in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  let agents: Map<string, FakeAgent>;
  const offers = new Map<string, JobBundle>();
  let rolloutId = '';
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedFleet(
      h,
      SITES.map((name) => ({ name, tags: ['press'] })),
    );
    tokens.admin = h.cp.bootstrapToken!;
    tokens.safety = (await h.cp.createApiToken({ name: 'sam.safety', role: 'safety-engineer' })).token;
    tokens.viewer = (await h.cp.createApiToken({ name: 'vic.viewer', role: 'viewer' })).token;
    // Agents accept offers and stay silent: the test decides when each reports.
    agents = await connectAgents(h.cp, SITES, (b) => {
      offers.set(b.site, b);
      return 'silent';
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const a of agents?.values() ?? []) await a.close();
    await h?.close();
  });

  async function login(token: string, prepare?: (page: Page) => Promise<unknown>): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await prepare?.(page);
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.cp.url) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(h.cp.url);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Fleet —/ }).waitFor();
    expect(page.url()).not.toContain(token);
    expect(external).toEqual([]);
    return page;
  }

  function report(site: string, findings = false): void {
    const bundle = offers.get(site)!;
    const verdict = makeVerdict(bundle, 'passed');
    if (findings)
      verdict.evidence.safety.findings = [
        {
          rule: 'SAFETY-LOGIC-CHANGE',
          category: 'safety-logic',
          severity: 'warning',
          file: 'main.st',
          line: 1,
          message: 'changes the backward slice of Safety_OK (listed for the safety engineer)',
        },
      ];
    agents.get(site)!.sendVerdict(verdict);
  }

  it('refuses a wrong token with a clear message', async () => {
    const page = await browser.newPage();
    await page.goto(h.cp.url);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not valid/);
    await page.close();
  });

  it('shows a rollout progressing live while agents report', async () => {
    const page = await login(tokens.admin!);
    await page.screenshot({ path: join(shots, 'fleet.png') });
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      name: 'guards, three then the rest',
      start: true,
      plan: planDoc([
        { name: 'first', select: { count: 3 }, concurrency: 3, gates: { minSample: 3 } },
        { name: 'rest', select: { rest: true }, concurrency: 3, gates: { minSample: 3 } },
      ]),
    });
    expect(created.status).toBe(201);
    rolloutId = created.body.rollout.id;
    await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
    await page.getByRole('heading', { name: /guards, three then the rest/ }).waitFor();
    await eventually(async () => (offers.size >= 3 ? true : undefined));
    const first = [...offers.keys()];
    // No reload from here on: every change arrives over the event stream.
    report(first[0]!, true);
    await page.getByText('1/3', { exact: true }).waitFor({ timeout: 10_000 });
    report(first[1]!);
    report(first[2]!);
    await page.getByText('3/3', { exact: true }).waitFor({ timeout: 10_000 });
    await page
      .getByText(/promoted/)
      .first()
      .waitFor({ timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'pause' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(shots, 'rollout.png'), fullPage: true });
    await page.close();
  });

  it('a viewer sees the change but may not approve, nor steer the rollout', async () => {
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
    await page.getByRole('heading', { name: /guards/ }).waitFor();
    await expect(page.getByRole('button', { name: 'pause' }).count()).resolves.toBe(0);
    await page.goto(`${h.cp.url}/#/changes`);
    await page.getByRole('heading', { name: /Change requests — 3 open/ }).waitFor();
    await page.getByRole('link', { name: /^cr_/ }).first().click();
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await expect(page.getByRole('note').textContent()).resolves.toMatch(/role \(viewer\) may not decide/);
    await page.close();
  });

  it('the safety engineer sees the finding highlighted in the diff and approves with a reason', async () => {
    const page = await login(tokens.safety!);
    const list = await h.admin.get(`/v1/change-requests?rollout=${rolloutId}`);
    const withFinding = list.body.changeRequests.find(
      (c: { site: string }) => c.site === [...offers.keys()][0],
    );
    await page.goto(`${h.cp.url}/#/changes/${withFinding.id}`);
    const marked = page.locator('.diff .finding');
    await marked.first().waitFor();
    await expect(marked.first().getAttribute('title')).resolves.toMatch(/SAFETY-LOGIC-CHANGE/);
    await expect(page.getByText(/Four-eyes/).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Use the redundant guard sensor').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(shots, 'change-review.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/reason is required/);
    await page.getByLabel('reason').fill('reviewed: permissive tightened');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('approved', { exact: true }).first().waitFor();
    const after = await h.admin.get(`/v1/change-requests/${withFinding.id}`);
    expect(after.body.changeRequest.state).toBe('approved');
    expect(after.body.approvals[0].userName).toBe('sam.safety');
    await page.close();
  });

  it('the requester may not approve their own safety change (shown, not only enforced)', async () => {
    const page = await login(tokens.admin!);
    const list = await h.admin.get(`/v1/change-requests?rollout=${rolloutId}&state=open`);
    await page.goto(`${h.cp.url}/#/changes/${list.body.changeRequests[0].id}`);
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    await expect(page.getByRole('button', { name: 'Approve' }).isDisabled()).resolves.toBe(true);
    await page.close();
  });

  it('shows the audit log with its chain verified', async () => {
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/audit`);
    await expect(page.locator('#audit-verify').textContent()).resolves.toMatch(/chain verified: \d+ entries/);
    await page.screenshot({ path: join(shots, 'audit.png') });
    await page.close();
  });

  it('shows the cutover stage and its figures as charts, per site', async () => {
    const agent = agents.get('echo')!;
    const figures = (divergences: number, p99: number) => ({
      tags: 27,
      polls: 1200,
      divergences,
      commErrors: 0,
      latencyMs: { p50: 12, p99 },
      worst: [],
    });
    for (const [i, stage] of (['shadow', 'parallel', 'parallel'] as const).entries())
      agent.send({
        v: 1,
        id: `stage-${i}`,
        type: 'stage.report',
        site: 'echo',
        stage,
        figures: figures(i, 40 + i * 10),
        reason: i === 2 ? 'soak: 0 divergences' : '',
      });
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/cutover`);
    await page.getByRole('heading', { name: /echo/ }).waitFor({ timeout: 10_000 });
    await expect(page.getByRole('img', { name: /^divergences: latest 2$/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /^latency p99 ms: latest 60$/ }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(shots, 'cutover.png') });
    await page.close();
  });

  it('works from the keyboard and on a tablet', async () => {
    const page = await login(tokens.admin!);
    // Tab from the page start reaches the navigation; Enter follows a link.
    let reached = '';
    for (let i = 0; i < 8 && reached !== 'Rollouts'; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(reached).toBe('Rollouts');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rollouts' }).waitFor();
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
    await page.getByRole('heading', { name: /guards/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'rollout-tablet.png'), fullPage: true });
    await page.close();
  });

  it('resumes its event stream with Last-Event-ID and reloads the page when the server answers reset', async () => {
    const resetId = 'fedcba9876543210-7';
    const sent: (string | undefined)[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let holding = false;
    const sse = (body: string) => ({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const page = await login(tokens.admin!, (p) =>
      p.route('**/v1/events*', async (route) => {
        const id = route.request().headers()['last-event-id'];
        sent.push(id);
        // Streams without an id go to the server. The first resume is held, then answered
        // with a reset (as another replica would); after it, streams only open.
        if (id === resetId) return route.fulfill(sse('event: ready\ndata: {}\n\n')).catch(() => {});
        if (id === undefined || holding) return route.continue().catch(() => {});
        holding = true;
        await held;
        await route
          .fulfill(
            sse(`event: ready\ndata: {}\n\nevent: reset\nid: ${resetId}\ndata: {"reason":"too-old"}\n\n`),
          )
          .catch(() => {});
      }),
    );
    // The fleet page opened its stream without an id, redrew once (its data may have been
    // older than the stream) and followed again, resuming after the server's id.
    await eventually(async () => (holding ? true : undefined));
    expect(sent[0]).toBeUndefined();
    expect(sent.find((id) => id !== undefined)).toMatch(/^[0-9a-f]{16}-\d+$/);
    // A change the page can learn of only by reloading: no stream is open to tell it.
    expect((await h.admin.put('/v1/sites/golf', siteDoc('golf'))).status).toBe(200);
    release();
    await page.getByRole('cell', { name: 'golf', exact: true }).waitFor({ timeout: 10_000 });
    // The reload followed again from the reset's id.
    await eventually(async () => (sent.includes(resetId) ? true : undefined));
    await page.close();
  });

  it('keeps what is typed into the fleet filter, its caret and the focus across a live update', async () => {
    const page = await login(tokens.admin!);
    const filter = page.getByRole('searchbox', { name: 'filter sites' });
    await filter.click();
    await page.keyboard.type('echo');
    await page.keyboard.press('ArrowLeft');
    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    // Sites publish no event: the new one is drawn by the redraw that echo's stage report causes.
    expect((await h.admin.put('/v1/sites/echo-annex', siteDoc('echo-annex', ['press']))).status).toBe(200);
    agents.get('echo')!.send({
      v: 1,
      id: 'stage-cutover',
      type: 'stage.report',
      site: 'echo',
      stage: 'cutover',
      figures: {
        tags: 27,
        polls: 2400,
        divergences: 0,
        commErrors: 0,
        latencyMs: { p50: 11, p99: 38 },
        worst: [],
      },
      reason: 'soak passed',
    });
    await page.getByRole('cell', { name: 'echo-annex', exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('row', { name: /^echo .*cutover/ }).waitFor({ timeout: 10_000 });
    await expect(filter.inputValue()).resolves.toBe('echo');
    await expect(
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return { focused: el?.getAttribute('aria-label'), caret: el?.selectionStart };
      }),
    ).resolves.toEqual({ focused: 'filter sites', caret: 3 });
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['echo', 'echo-annex']);
    await page.close();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../testing/browser';
import { makeVerdict } from '../testing/fake-agent';
import { eventually, migrationDoc, siteDoc } from '../testing/fixtures';
import { type Harness, startHarness } from '../testing/harness';
import { changeRequestsOf, PATIENCE_MS, type TestFleet, testFleet } from '../testing/test-fleet';

// Screenshots land in docs/screenshots only when asked for (PLCFLEET_SCREENSHOTS=1 npx vitest run
// control-plane/src/dashboard), so a plain test run leaves the work tree clean.
const shots = process.env.PLCFLEET_SCREENSHOTS
  ? resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots')
  : mkdtempSync(join(tmpdir(), 'dashboard-shots-'));

// Every test makes its own sites, agents and rollout on the shared server (testing/test-fleet.ts),
// so each runs alone or in any order; waits are for what the page shows, with a generous limit
// (PATIENCE_MS), never for a fixed time, so a loaded machine makes them slower, not red.
describe('dashboard in a real browser', { timeout: 4 * PATIENCE_MS }, () => {
  let h: Harness;
  let browser: Browser;
  const fleets: TestFleet[] = [];
  const tokens: Record<string, string> = {};

  /** A fleet of this test's own (closed after the test). */
  async function fleet(size: number): Promise<TestFleet> {
    const f = await testFleet(h, size);
    fleets.push(f);
    return f;
  }

  /** A rollout over a fleet of `size` whose every site reported (the first with a safety finding): `size` open changes. */
  async function reviewedRollout(size = 3) {
    const f = await fleet(size);
    const name = `guards ${f.tag}`;
    const rolloutId = await f.startRollout(name, [{ name: 'all', minSample: size }]);
    const sites = await f.offered(size);
    for (const [i, site] of sites.entries()) f.report(site, i === 0);
    const changes = await changeRequestsOf(h, rolloutId, size);
    // Settled before a page is drawn: no live update of this rollout redraws it under the test.
    await eventually(async () => {
      const state = (await h.admin.get(`/v1/rollouts/${rolloutId}`)).body.rollout?.state;
      return state === 'completed' ? true : undefined;
    }, PATIENCE_MS);
    return { fleet: f, name, rolloutId, changes, withFinding: changes.find((c) => c.site === sites[0])! };
  }

  beforeAll(async () => {
    h = await startHarness('sqlite');
    const m = await h.admin.post('/v1/migrations', migrationDoc('safety-related'));
    if (m.status !== 200) throw new Error(`migration: ${JSON.stringify(m.body)}`);
    tokens.admin = h.cp.bootstrapToken!;
    tokens.safety = (await h.cp.createApiToken({ name: 'sam.safety', role: 'safety-engineer' })).token;
    tokens.viewer = (await h.cp.createApiToken({ name: 'vic.viewer', role: 'viewer' })).token;
    tokens.operator = (await h.cp.createApiToken({ name: 'otto.operator', role: 'operator' })).token;
    browser = await launchChromium();
  }, PATIENCE_MS);

  afterEach(async () => {
    for (const f of fleets.splice(0)) await f.close();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function login(token: string, prepare?: (page: Page) => Promise<unknown>): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(PATIENCE_MS);
    await prepare?.(page);
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.cp.url) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await signIn(page, h.cp.url, token);
    expect(page.url()).not.toContain(token);
    expect(external).toEqual([]);
    return page;
  }

  it('refuses a wrong token with a clear message', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(PATIENCE_MS);
    await page.goto(h.cp.url);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not valid/);
    await page.close();
  });

  it('shows a rollout progressing live while agents report', async () => {
    const f = await fleet(6);
    const page = await login(tokens.admin!);
    await page.screenshot({ path: join(shots, 'fleet.png') });
    const rolloutId = await f.startRollout('guards, three then the rest', [
      { name: 'first', count: 3, minSample: 3 },
      { name: 'rest', minSample: 3 },
    ]);
    await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
    await page.getByRole('heading', { name: /guards, three then the rest/ }).waitFor();
    const first = await f.offered(3);
    // No reload from here on: every change arrives over the event stream.
    f.report(first[0]!, true);
    await page.getByText('1/3', { exact: true }).waitFor();
    f.report(first[1]!);
    f.report(first[2]!);
    await page.getByText('3/3', { exact: true }).waitFor();
    await page
      .getByText(/promoted/)
      .first()
      .waitFor();
    await expect(page.getByRole('button', { name: 'pause' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(shots, 'rollout.png'), fullPage: true });
    await page.close();
  });

  it('a viewer sees the change but may not approve, nor steer the rollout', async () => {
    const r = await reviewedRollout();
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/rollouts/${r.rolloutId}`);
    await page.getByRole('heading', { name: r.name }).waitFor();
    await expect(page.getByRole('button', { name: 'pause' }).count()).resolves.toBe(0);
    await page.goto(`${h.cp.url}/#/changes`);
    // Other tests' changes may be open too: this rollout's three are among them.
    await page.getByRole('heading', { name: /Change requests — \d+ open/ }).waitFor();
    for (const c of r.changes) await page.getByRole('link', { name: new RegExp(`^${c.id}`) }).waitFor();
    await page.getByRole('link', { name: new RegExp(`^${r.changes[0]!.id}`) }).click();
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await expect(page.getByRole('note').textContent()).resolves.toMatch(/role \(viewer\) may not decide/);
    await page.close();
  });

  it("an operator asking to approve a safety change gets the server's 403 in the dialog; nothing is approved", async () => {
    const page = await login(tokens.operator!);
    const decisions: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST') decisions.push(r.status());
    });
    const open = (await reviewedRollout()).changes[0]!;
    await page.goto(`${h.cp.url}/#/changes/${open.id}`);
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve.isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('note').textContent()).resolves.toMatch(/role \(operator\) may not decide/);
    // The page's role check is a courtesy; the server decides. Enable the button as a page
    // drawn from stale or altered rules would have it, and ask.
    // In one step in the page: a live redraw between the two would draw the button disabled again.
    await approve.evaluate((b) => {
      b.removeAttribute('disabled');
      (b as HTMLButtonElement).click();
    });
    await page.getByLabel('reason').fill('looks fine to me');
    await page.getByRole('button', { name: 'Confirm' }).click();
    const refusal = page.getByRole('dialog').getByRole('alert');
    await refusal.filter({ hasText: /\S/ }).waitFor();
    await expect(refusal.textContent()).resolves.toBe(
      'FORBIDDEN a safety-related change needs a decision by safety-engineer, not operator',
    );
    // The dialog stays open with the answer; the one request made was refused.
    await expect(page.getByRole('dialog').isVisible()).resolves.toBe(true);
    expect(decisions).toEqual([403]);
    const after = await h.admin.get(`/v1/change-requests/${open.id}`);
    expect(after.body.changeRequest.state).toBe('open');
    expect(after.body.approvals).toEqual([]);
    const audit = await h.admin.get('/v1/audit?limit=1000');
    expect(
      audit.body.entries.filter(
        (e: { action: string; subjectId: string }) =>
          e.subjectId === open.id && e.action !== 'change-request.opened',
      ),
    ).toEqual([]);
    await page.close();
  });

  it('the safety engineer sees the finding highlighted in the diff and approves with a reason', async () => {
    const { withFinding } = await reviewedRollout();
    const page = await login(tokens.safety!);
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

  it('the requester may not approve their own safety change (shown, not only enforced), but may reject it', async () => {
    const { changes } = await reviewedRollout(1);
    const page = await login(tokens.admin!);
    await page.goto(`${h.cp.url}/#/changes/${changes[0]!.id}`);
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    await expect(page.getByRole('button', { name: 'Approve' }).isDisabled()).resolves.toBe(true);
    // Rejecting stays open to them, as on the server: an admin may reject any change.
    await expect(page.getByRole('button', { name: 'Reject' }).isDisabled()).resolves.toBe(false);
    await page.close();
  });

  it('draws a counterexample as a timing chart: which variable differs at which scan', async () => {
    // A site of this test's own takes a verdict with traces.
    const f = await fleet(1);
    await f.startRollout(`traces ${f.tag}`, [{ name: 'all' }]);
    const [site] = await f.offered(1);
    const verdict = makeVerdict(f.offers.get(site!)!, 'passed');
    // Guard_Closed T T F T and Reset F T T F: a scan that does not name an input keeps its last value.
    const inputs = [
      { Guard_Closed: true, Reset: false },
      { Reset: true },
      { Guard_Closed: false },
      { Guard_Closed: true, Reset: false },
    ];
    verdict.evidence.safety.proofs = [
      {
        kind: 'permissive',
        subject: 'Permit',
        result: 'refuted',
        method: 'exhaustive',
        runs: 1,
        scans: 4,
        counterexample: { scan: 3, variable: 'Permit', before: false, after: true, inputs },
      },
    ];
    verdict.evidence.equivalence = {
      equivalent: false,
      runs: 20,
      scans: 400,
      seed: 7,
      counterexample: {
        scan: 1,
        variable: 'Motor_On',
        before: true,
        after: false,
        inputs: [{ Start: true }, { Start: false }],
      },
    };
    f.agents.get(site!)!.sendVerdict(verdict);
    const cr = await eventually(
      async () => (await h.admin.get(`/v1/change-requests?site=${site}`)).body.changeRequests[0],
      PATIENCE_MS,
    );
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/changes/${cr.id}`);
    const proof = page.getByRole('img', { name: 'counterexample: Permit differs at scan 3', exact: true });
    await proof.waitFor();
    await expect(
      page
        .getByRole('listitem')
        .filter({ hasText: 'permissive of Permit by exhaustive (1 runs × 4 scans)' })
        .count(),
    ).resolves.toBe(1);
    // Read the drawing back: a lane per input with its level at each scan, and the scan the red marker stands at.
    const drawn = await proof.evaluate((svg) => {
      const lanes = Array.from(svg.querySelectorAll('path')).map((p) => {
        const points = [...(p.getAttribute('d') ?? '').matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => ({
          x: Number(m[1]),
          y: Number(m[2]),
        }));
        // Each scan is a pair of points: where it starts, then where it ends, at one level.
        const starts = points.filter((_, i) => i % 2 === 0);
        const high = Math.min(...starts.map((q) => q.y));
        return { xs: starts.map((q) => q.x), levels: starts.map((q) => q.y === high) };
      });
      const marker = Number(svg.querySelector('line')?.getAttribute('x1'));
      return {
        texts: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent),
        lanes: lanes.map((l) => l.levels),
        markerScan: lanes[0]?.xs.findIndex((x) => Math.abs(x - marker) < 0.01),
      };
    });
    expect(drawn).toEqual({
      texts: ['Guard_Closed', 'Reset', 'Permit: before false, after true at scan 3'],
      lanes: [
        [true, true, false, true],
        [false, true, true, false],
      ],
      markerScan: 3,
    });
    const equivalence = page.getByRole('img', {
      name: 'counterexample: Motor_On differs at scan 1',
      exact: true,
    });
    await expect(equivalence.locator('text').allTextContents()).resolves.toEqual([
      'Start',
      'Motor_On: before true, after false at scan 1',
    ]);
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
    const f = await fleet(1);
    const site = f.sites[0]!;
    const agent = f.agents.get(site)!;
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
        site,
        stage,
        figures: figures(i, 40 + i * 10),
        reason: i === 2 ? 'soak: 0 divergences' : '',
      });
    const page = await login(tokens.viewer!);
    await page.goto(`${h.cp.url}/#/cutover`);
    await page.getByRole('heading', { name: new RegExp(site) }).waitFor();
    await expect(page.getByRole('img', { name: /^divergences: latest 2$/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /^latency p99 ms: latest 60$/ }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(shots, 'cutover.png') });
    await page.close();
  });

  it('works from the keyboard and on a tablet', async () => {
    const f = await fleet(1);
    const rolloutId = await f.startRollout(`guards ${f.tag}`, [{ name: 'all' }]);
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
    await page.getByRole('heading', { name: `guards ${f.tag}` }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'rollout-tablet.png'), fullPage: true });
    await page.close();
  });

  it("shows the 403 page, still signed in, when the server refuses a page's read", async () => {
    // No page reads a route its viewer may not: the test stands one in by sending the change
    // page's read to the admin-only token list, so the server's own 403 answer reaches the page.
    const page = await login(tokens.viewer!, (p) =>
      p.route('**/v1/change-requests/cr_forbidden', (route) =>
        route.continue({ url: `${h.cp.url}/v1/tokens` }),
      ),
    );
    await page.goto(`${h.cp.url}/#/changes/cr_forbidden`);
    const view = page.getByRole('alert');
    await view.getByRole('heading', { name: '403 — not allowed' }).waitFor();
    await expect(view.getByRole('paragraph').first().textContent()).resolves.toBe(
      'Your role (viewer) may not see or do this. GET /v1/tokens needs role admin; you are viewer',
    );
    await view.getByRole('link', { name: 'Back to the fleet' }).click();
    await page.getByRole('heading', { name: /Fleet —/ }).waitFor();
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
    await eventually(async () => (holding ? true : undefined), PATIENCE_MS);
    expect(sent[0]).toBeUndefined();
    expect(sent.find((id) => id !== undefined)).toMatch(/^[0-9a-f]{16}-\d+$/);
    // A change the page can learn of only by reloading: no stream is open to tell it.
    const golf = `golf-${Date.now().toString(36)}`;
    expect((await h.admin.put(`/v1/sites/${golf}`, siteDoc(golf))).status).toBe(200);
    release();
    await page.getByRole('cell', { name: golf, exact: true }).waitFor();
    // The reload followed again from the reset's id.
    await eventually(async () => (sent.includes(resetId) ? true : undefined), PATIENCE_MS);
    await page.close();
  });

  it('keeps what is typed into the fleet filter, its caret and the focus across a live update', async () => {
    const f = await fleet(1);
    const echo = f.sites[0]!;
    const page = await login(tokens.admin!);
    const filter = page.getByRole('searchbox', { name: 'filter sites' });
    await filter.click();
    await page.keyboard.type(echo);
    await page.keyboard.press('ArrowLeft');
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: PATIENCE_MS }).toBe(1);
    // The new site is drawn by a live redraw (the site's own event, or the stage report's).
    expect((await h.admin.put(`/v1/sites/${echo}-annex`, siteDoc(`${echo}-annex`, ['press']))).status).toBe(
      200,
    );
    f.agents.get(echo)!.send({
      v: 1,
      id: 'stage-cutover',
      type: 'stage.report',
      site: echo,
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
    await page.getByRole('cell', { name: `${echo}-annex`, exact: true }).waitFor();
    await page.getByRole('row', { name: new RegExp(`^${echo} .*cutover`) }).waitFor();
    await expect(filter.inputValue()).resolves.toBe(echo);
    await expect(
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return { focused: el?.getAttribute('aria-label'), caret: el?.selectionStart };
      }),
    ).resolves.toEqual({ focused: 'filter sites', caret: echo.length - 1 });
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual([echo, `${echo}-annex`]);
    await page.close();
  });

  it('the rollout page comes back by itself after one of its live updates failed', async () => {
    const f = await fleet(1);
    const rolloutId = await f.startRollout('guards, three then the rest', [{ name: 'all' }]);
    // Settled before the page is drawn: the only live updates then are the ones this test makes.
    await eventually(async () => {
      const jobs = (await h.admin.get(`/v1/jobs?rollout=${rolloutId}`)).body.jobs as { state: string }[];
      return jobs.length === 1 && jobs[0]!.state === 'running' ? true : undefined;
    }, PATIENCE_MS);
    // The rollout's read fails once, on the first live update after the page was drawn.
    let reads = 0;
    const page = await login(tokens.admin!, (p) =>
      p.route(`**/v1/rollouts/${rolloutId}`, (route) =>
        ++reads === 2
          ? route.fulfill({
              status: 500,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'INTERNAL', message: 'store unavailable (test)' } }),
            })
          : route.continue(),
      ),
    );
    await page.goto(`${h.cp.url}/#/rollouts/${rolloutId}`);
    await page.getByRole('heading', { name: /guards, three then the rest/ }).waitFor();
    expect(
      (await h.admin.post(`/v1/rollouts/${rolloutId}/pause`, { reason: 'test: a failed update' })).status,
    ).toBe(200);
    await page.getByRole('alert').getByText('store unavailable (test)').waitFor();
    // The next update draws the whole page again, not into the frame the error page replaced.
    expect((await h.admin.post(`/v1/rollouts/${rolloutId}/resume`, {})).status).toBe(200);
    await page.getByRole('heading', { name: /guards, three then the rest/ }).waitFor();
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'pause' }).waitFor();
    await page.close();
  });
});

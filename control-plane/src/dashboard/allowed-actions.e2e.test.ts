/**
 * The dashboard draws what a user may do and the phase figures from the server's
 * answers (`allowed-actions`), in a real browser against a real control plane.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../testing/browser';
import type { FakeAgent } from '../testing/fake-agent';
import { client, eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

describe('dashboard: allowed actions and phase figures come from the server', () => {
  let h: Harness;
  let browser: Browser;
  let agents: Map<string, FakeAgent>;
  let operatorToken = '';

  beforeAll(async () => {
    h = await startHarness('sqlite');
    // A non-safety migration: its requester may approve it (four-eyes binds safety-related changes).
    await seedFleet(h, [{ name: 'n1' }, { name: 'q1' }, { name: 'q2' }, { name: 'q3' }], 'non-safety');
    // n1 reports at once; the q sites hold their offers.
    agents = await connectAgents(h.cp, ['n1', 'q1', 'q2', 'q3'], (b) =>
      b.site === 'n1' ? 'passed' : 'silent',
    );
    operatorToken = (await h.cp.createApiToken({ name: 'otto.operator', role: 'operator' })).token;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const a of agents?.values() ?? []) await a.close();
    await h?.close();
  });

  async function open(token: string, hash: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, h.cp.url, token);
    await page.goto(`${h.cp.url}/#${hash}`);
    return page;
  }

  it('the requester of a non-safety change may approve it on the server, and now in the dashboard', async () => {
    const otto = client(h.cp.url, operatorToken);
    const created = await otto.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      start: true,
      plan: planDoc([{ name: 'one', select: { sites: ['n1'] } }]),
    });
    expect(created.status).toBe(201);
    const cr = await eventually(async () => {
      const list = (await h.admin.get(`/v1/change-requests?rollout=${created.body.rollout.id}&state=open`))
        .body.changeRequests;
      return list.length ? list[0] : undefined;
    });
    expect(cr).toMatchObject({ requestedBy: 'otto.operator', safetyClass: 'non-safety' });
    // The server lets otto approve; the page says the same (the old page refused every requester).
    expect(
      (await otto.get(`/v1/change-requests/${cr.id}/allowed-actions`)).body.actions.approve.allowed,
    ).toBe(true);

    const page = await open(operatorToken, `/changes/${cr.id}`);
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve.isDisabled()).resolves.toBe(false);
    await expect(page.getByRole('note').count()).resolves.toBe(0);
    await approve.click();
    await page.getByLabel('reason').fill('my own non-safety change, reviewed');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('approved', { exact: true }).first().waitFor();
    const after = await h.admin.get(`/v1/change-requests/${cr.id}`);
    expect(after.body.changeRequest.state).toBe('approved');
    expect(after.body.approvals[0].userName).toBe('otto.operator');
    // Decided: both buttons are gone, and the page says why, in the server's terms.
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await expect(page.getByRole('note').textContent()).resolves.toBe('This change is approved.');
    await page.close();
  });

  it('shows the commands the server allows and the figures the gates judge; cancelled sites leave the phase', async () => {
    const created = await h.admin.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      name: 'queued then aborted',
      start: true,
      plan: planDoc([{ name: 'q', select: { sites: ['q1', 'q2', 'q3'] }, concurrency: 1 }]),
    });
    expect(created.status).toBe(201);
    const id: string = created.body.rollout.id;
    // One site holds its offer; two wait in the queue.
    await eventually(async () => {
      const a = (await h.admin.get(`/v1/rollouts/${id}/allowed-actions`)).body;
      return a.phases[0].figures.inFlight === 1 ? a : undefined;
    });
    const page = await open(h.cp.bootstrapToken!, `/rollouts/${id}`);
    await page.getByRole('heading', { name: /queued then aborted/ }).waitFor();
    const progress = page.locator('.progress');
    await expect(progress.getAttribute('aria-label')).resolves.toBe(
      '0 passed, 0 failed, 0 skipped, 1 running, 2 waiting of 3',
    );
    const controls = page.locator('[aria-label="rollout controls"] button');
    await expect(controls.allTextContents()).resolves.toEqual(['pause', 'promote', 'retry', 'abort']);
    const resumeAnswer = (await h.admin.get(`/v1/rollouts/${id}/allowed-actions`)).body.actions.resume;
    expect(resumeAnswer).toMatchObject({ allowed: false, code: 'CONFLICT' });

    // Abort from the page: the two queued jobs are cancelled and leave the phase (the old page
    // counted them as skipped sites of 3); the running one finishes and is recorded.
    await page.getByRole('button', { name: 'abort' }).click();
    // The server says abort needs a reason (needsReason): the dialog asks for one first.
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('dialog').getByRole('alert').textContent()).resolves.toBe(
      'A reason is required.',
    );
    await page.getByLabel('reason').fill('test: stop before the queue runs');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('aborted', { exact: true }).first().waitFor();
    const server = (await h.admin.get(`/v1/rollouts/${id}/allowed-actions`)).body;
    expect(server.phases[0].figures).toEqual({
      total: 1,
      done: 0,
      passed: 0,
      failed: 0,
      skipped: 0,
      safety: 0,
      inFlight: 1,
    });
    await expect(progress.getAttribute('aria-label')).resolves.toBe(
      '0 passed, 0 failed, 0 skipped, 1 running, 0 waiting of 1',
    );
    await expect(page.getByRole('cell', { name: '0/1', exact: true }).count()).resolves.toBe(1);
    // An aborted rollout takes no command: the toolbar is empty, as the server says.
    await expect(page.locator('[aria-label="rollout controls"] button').count()).resolves.toBe(0);
    for (const action of ['start', 'pause', 'resume', 'promote', 'abort', 'retry'])
      expect(server.actions[action].allowed).toBe(false);
    await page.close();
  });

  it('shows a viewer no rollout commands, as the server answers', async () => {
    const viewer = (await h.cp.createApiToken({ name: 'vic.viewer', role: 'viewer' })).token;
    const id: string = (await h.admin.get('/v1/rollouts')).body.rollouts[0].id;
    const answer = (await client(h.cp.url, viewer).get(`/v1/rollouts/${id}/allowed-actions`)).body;
    expect(Object.values(answer.actions).some((a) => (a as { offered: boolean }).offered)).toBe(false);
    const page = await open(viewer, `/rollouts/${id}`);
    await page.getByRole('heading', { name: 'Phases' }).waitFor();
    await expect(page.locator('[aria-label="rollout controls"] button').count()).resolves.toBe(0);
    await page.close();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { rolloutDetail } from '../testing/fixtures';
import { type LocalServer, sendJson, startLocalServer } from '../testing/local-server';
import { runCli } from './program';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(args: string[], opts: { tty?: boolean; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: server?.url ?? 'http://127.0.0.1:9', PLCFLEET_TOKEN: 'tok', ...opts.env },
    streams: {
      stdout: { write: (s: string) => (stdout += s), isTTY: !!opts.tty },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
    clientOptions: { backoffMs: 1 },
  });
  return { code, stdout, stderr };
}

/** A passed job as `GET /v1/jobs/:id` shows it. */
const job = (at: string) => ({
  id: 'job-1',
  rolloutId: 'ro-1',
  site: 's1',
  phaseIndex: 0,
  state: 'passed',
  attempt: 1,
  agentId: 'agt-1',
  offeredAt: at,
  startedAt: at,
  leaseExpiresAt: null,
  finishedAt: at,
  reason: '',
  safetyFailure: false,
  createdAt: at,
  updatedAt: at,
});

describe('runCli', () => {
  it('lists the commands with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['sites', 'agents', 'migrations', 'rollouts', 'changes', 'deploys', 'rollback', 'audit'])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
  });

  it('exits 2 with one line for a missing argument or option of a subcommand', async () => {
    for (const args of [
      ['rollouts', 'pause', 'r1'],
      ['changes', 'show'],
      ['migrations', 'apply'],
      ['rollback', '--site', 'a'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('prints an API error as one line, and as JSON on stdout with --json', async () => {
    server = await startLocalServer((_req, res) =>
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no change request cr_9' } }),
    );
    const human = await run(['changes', 'show', 'cr_9']);
    expect(human).toEqual({ code: 4, stdout: '', stderr: 'plcfleet: no change request cr_9 (NOT_FOUND)\n' });
    const json = await run(['--json', 'changes', 'show', 'cr_9']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'NOT_FOUND', message: 'no change request cr_9' },
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer tok');
  });

  it('shows why a watch rolled its deploy back: inconclusive apart from a divergence (ADR 0179)', async () => {
    const at = '2026-12-07T02:00:00.000Z';
    const watchRun = (deployId: string, over: Record<string, unknown>) => ({
      shadowId: `watch-${deployId}`,
      kind: 'watch',
      site: 's1',
      jobId: 'job-1',
      rolloutId: 'ro-1',
      deployId,
      startedAt: at,
      durationMs: 1000,
      seconds: 2.1,
      samples: 19,
      agentId: 'agt-1',
      receivedAt: at,
      ...over,
    });
    const detail = {
      changeRequest: {
        id: 'cr_1',
        jobId: 'job-1',
        rolloutId: 'ro-1',
        site: 's1',
        migrationId: 'm1',
        revision: 1,
        safetyClass: 'non-safety',
        state: 'approved',
        requestedBy: 'admin',
        sha256Before: null,
        sha256After: null,
        diff: '',
        evidenceHash: null,
        reason: '',
        createdAt: at,
        decidedAt: at,
      },
      approvals: [],
      // newest first, as the API lists them; an older agent's report names no cause
      shadowReports: [
        watchRun('dep-3', {
          state: 'failed',
          compared: 0,
          reason: 'post-deploy watch: no approved program kept',
        }),
        watchRun('dep-2', {
          state: 'diverged',
          compared: 12,
          divergences: [{ tag: 'Fan', first: at, count: 1, live: false, shadow: true }],
          rollback: 'divergence',
        }),
        watchRun('dep-1', {
          state: 'failed',
          compared: 0,
          reason:
            'post-deploy watch inconclusive: nothing compared: 19 sample(s), none judged, in 2.1 s; unjudged: torn 15, seed 4',
          rollback: 'inconclusive',
        }),
      ],
    };
    server = await startLocalServer((req, res) =>
      req.url === '/v1/change-requests/cr_1'
        ? sendJson(res, 200, detail)
        : req.url === '/v1/jobs/job-1'
          ? sendJson(res, 200, { job: job(at), verdict: null })
          : sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no ${req.url}` } }),
    );
    const r = await run(['changes', 'show', 'cr_1']);
    expect(r.stderr).toBe('');
    const watches = r.stdout.split('\n').filter((l) => l.startsWith('  watch'));
    expect(watches).toEqual([
      '  watch        failed, rolled back (inconclusive) 2.1 s, 0/19 judged — post-deploy watch inconclusive: nothing compared: 19 sample(s), none judged, in 2.1 s; unjudged: torn 15, seed 4',
      '  watch        diverged, rolled back (divergence) 2.1 s, 12/19 judged; Fan diverged 1× (live false, shadow true)',
      '  watch        failed 2.1 s, 0/19 judged — post-deploy watch: no approved program kept',
    ]);
    const json = await run(['--json', 'changes', 'show', 'cr_1']);
    expect(
      (JSON.parse(json.stdout) as { shadowReports: { rollback?: string }[] }).shadowReports.map(
        (x) => x.rollback,
      ),
    ).toEqual([undefined, 'divergence', 'inconclusive']);
  });

  it('redraws the watch view in place on a terminal until the rollout completes', async () => {
    const states = ['running', 'running', 'completed'];
    server = await startLocalServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ type: 'rollout.decision', rolloutId: 'r1', at: 'now' })}\n\n`);
        return;
      }
      if (url.pathname === '/v1/jobs') return sendJson(res, 200, { jobs: [] });
      const state = states.shift() ?? 'completed';
      sendJson(res, 200, rolloutDetail(state, state === 'completed' ? ['completed'] : []));
    });
    const r = await run(['rollouts', 'watch', 'r1'], { tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rollout r1 "guard"');
    // The second view replaces the first: cursor up over its lines, clear below.
    expect(r.stdout).toMatch(/\x1b\[\d+A\x1b\[J/);
    expect(r.stdout).toContain('completed');
  });

  it('says after resume that a phase held by its manual gate needs promote', async () => {
    server = await startLocalServer((_req, res) => {
      const d = rolloutDetail('running');
      d.rollout.phaseState = 'awaiting-approval';
      sendJson(res, 200, d);
    });
    const r = await run(['rollouts', 'resume', 'r1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'phase 1 (canary) waits for a person to promote it: plcfleet rollouts promote r1\n',
    );
  });

  it('exits 1 when the audit chain is broken', async () => {
    server = await startLocalServer((_req, res) =>
      sendJson(res, 200, {
        ok: false,
        checked: 5,
        firstBroken: { seq: 4, problem: 'hash does not match the row' },
      }),
    );
    const r = await run(['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('audit chain BROKEN at entry 4: hash does not match the row (5 checked)\n');
  });
});

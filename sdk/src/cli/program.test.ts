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

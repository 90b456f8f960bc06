/**
 * The `plcfleet` CLI and the SDK client against a real control plane running in
 * this process on SQLite (port 0), with scripted agents over real websockets.
 * The CLI runs from source in child processes, as users run it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import { PlcfleetClient, type RolloutWatchEvent } from '@plcfleet/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgent } from '../control-plane/src/testing/fake-agent';
import { runCli } from '../sdk/src/cli/program';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let cp: ControlPlaneHandle;
let dir: string;
let admin: string;
let safety: string;
let viewer: string;
const agents: FakeAgent[] = [];

/** Runs the CLI from source; async, so the in-process control plane keeps answering. */
function plcfleet(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'sdk/src/cli.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, PLCFLEET_SERVER: cp.url, PLCFLEET_TOKEN: admin, NO_COLOR: '1', ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * Runs the CLI in this process (the same program as the binary, minus process
 * start-up, which is slow on a loaded machine); `plcfleet()` covers the binary.
 */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: cp.url, PLCFLEET_TOKEN: admin, NO_COLOR: '1', ...env },
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Verdict-only: the fake agents report and nobody deploys, so complete on the verdicts. */
const plan = (phases: unknown[]) => ({
  apiVersion: 'plcfleet/v1',
  kind: 'RolloutPlan',
  phases,
  until: 'verified',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sdk-cli-'));
  cp = await startControlPlane({
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    engineTickMs: 50,
    dispatchIntervalMs: 50,
  });
  admin = cp.bootstrapToken!;
  safety = (await cp.createApiToken({ name: 'sam', role: 'safety-engineer' })).token;
  viewer = (await cp.createApiToken({ name: 'vic', role: 'viewer' })).token;
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await cp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plcfleet CLI on a real control plane', () => {
  let rolloutId: string;
  let changeId: string;

  it('registers sites and applies a migration (dry run first)', async () => {
    const add = await cli([
      'sites',
      'add',
      'press-1',
      '--tag',
      'press',
      '--firmware',
      '3.1',
      '--window',
      '00:00 1440',
    ]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('registered site press-1');
    const client = new PlcfleetClient({ server: cp.url, token: admin });
    await client.sites.put('press-2', {
      tags: ['press'],
      maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
    });

    const list = await cli(['sites', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name).sort()).toEqual([
      'press-1',
      'press-2',
    ]);

    const file = 'examples/migrations/safety-guard-monitor.yaml';
    const dry = await plcfleet(['migrations', 'apply', '-f', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('valid: safety-guard-monitor revision 1');
    expect(await client.migrations.list()).toEqual([]);

    const apply = await cli(['migrations', 'apply', '-f', file]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/^stored: safety-guard-monitor revision 1, safety-related/);
    const again = await cli(['migrations', 'apply', '-f', file]);
    expect(again.stdout).toMatch(/^unchanged/);
  }, 90_000);

  it('refuses an invalid plan file locally with one line and exit 2', async () => {
    const bad = join(dir, 'bad-plan.yaml');
    writeFileSync(
      bad,
      'apiVersion: plcfleet/v1\nkind: RolloutPlan\nphases:\n  - name: all\n    select: { rest: yes-please }\n',
    );
    const r = await cli(['rollouts', 'create', '--migration', 'safety-guard-monitor', '--plan', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad-plan.yaml: phases[0].select.rest');
  });

  it('creates, starts and watches a two-phase rollout to completion', async () => {
    for (const site of ['press-1', 'press-2'])
      agents.push(await FakeAgent.connect(cp.url, (await cp.createAgentToken({ site })).token, site));
    const planFile = join(dir, 'plan.yaml');
    writeFileSync(
      planFile,
      JSON.stringify(
        plan([
          { name: 'canary', select: { count: 1 }, concurrency: 1 },
          { name: 'rest', select: { rest: true } },
        ]),
      ),
    );
    const created = await cli([
      'rollouts',
      'create',
      '--migration',
      'safety-guard-monitor',
      '--plan',
      planFile,
      '--json',
    ]);
    expect(created.code).toBe(0);
    rolloutId = (JSON.parse(created.stdout) as { rollout: { id: string; state: string } }).rollout.id;

    const start = await cli(['rollouts', 'start', rolloutId]);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`rollout ${rolloutId}: running`);

    const watch = await cli(['rollouts', 'watch', rolloutId, '--json']);
    expect(watch.stderr).toBe('');
    expect(watch.code).toBe(0);
    const events = watch.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutWatchEvent);
    const last = events.at(-1)!;
    expect(last.type).toBe('snapshot');
    if (last.type !== 'snapshot') return;
    expect(last.final).toBe(true);
    expect(last.detail.rollout.state).toBe('completed');
    expect(last.detail.jobs.passed).toBe(2);

    const human = await cli(['rollouts', 'show', rolloutId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('1. canary');
    expect(human.stdout).toMatch(/2\. rest\s+█+\s+1\/1 done/);
    expect(human.stdout).toContain('last decisions:');

    // A second start is the operation's own failure: exit 1 with the server's reason.
    const again = await cli(['rollouts', 'start', rolloutId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot start a rollout that is completed \(CONFLICT\)/);
  });

  it('shows a change with its coloured diff, refuses a viewer (exit 3), approves as a safety engineer', async () => {
    const list = await cli(['changes', 'list', '--state', 'open', '--rollout', rolloutId, '--json']);
    const open = JSON.parse(list.stdout) as { id: string; site: string }[];
    expect(open.map((c) => c.site).sort()).toEqual(['press-1', 'press-2']);
    changeId = open.find((c) => c.site === 'press-1')!.id;

    const show = await cli(['changes', 'show', changeId, '--color']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('\x1b[32m+new press-1\x1b[0m');
    expect(show.stdout).toContain('\x1b[31m-old press-1\x1b[0m');
    const plain = await cli(['changes', 'show', changeId]);
    expect(plain.stdout).not.toContain('\x1b[');

    const noReason = await cli(['changes', 'approve', changeId], { PLCFLEET_TOKEN: safety });
    expect(noReason.code).toBe(2);

    const byViewer = await plcfleet(['changes', 'approve', changeId, '--reason', 'looks fine'], {
      PLCFLEET_TOKEN: viewer,
    });
    expect(byViewer.code).toBe(3);
    expect(byViewer.stderr.trim().split('\n')).toHaveLength(1);
    expect(byViewer.stderr).toContain('FORBIDDEN');

    const ok = await cli(['changes', 'approve', changeId, '--reason', 'redundant sensor checked on site'], {
      PLCFLEET_TOKEN: safety,
    });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`approved ${changeId} \\(press-1\\); deploy \\S+ ordered`));

    const deploys = await cli(['deploys', 'list', '--site', 'press-1', '--json']);
    const listed = JSON.parse(deploys.stdout) as { id: string; changeRequestId: string }[];
    expect(listed.map((d) => d.changeRequestId)).toEqual([changeId]);
    const one = await new PlcfleetClient({ server: cp.url, token: viewer }).deploys.get(listed[0]!.id);
    expect(one.order.payload).toMatchObject({ site: 'press-1', approvedBy: ['sam'] });
  }, 90_000);

  it('enrolls an agent: the one-time token the admin gets works once', async () => {
    const r = await cli(['agents', 'enroll', '--site', 'press-2', '--ttl', '10m', '--json']);
    expect(r.code).toBe(0);
    const { enrollmentToken, site } = JSON.parse(r.stdout) as { enrollmentToken: string; site: string };
    expect(site).toBe('press-2');
    const anonymous = new PlcfleetClient({ server: cp.url });
    const enrolled = await anonymous.agents.enroll({ enrollmentToken, agentId: 'press-2-gw' });
    expect(enrolled).toMatchObject({ agentId: 'press-2-gw', site: 'press-2', gatewayPath: '/v1/agents' });
    await expect(anonymous.agents.enroll({ enrollmentToken })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const bad = await cli(['agents', 'enroll', '--site', 'press-2', '--ttl', 'soon']);
    expect(bad.code).toBe(2);
  });

  it('writes the change record with migration, diff, approvals and the audit chain', async () => {
    const md = await cli(['changes', 'report', changeId]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`# Change record ${changeId}`);
    expect(md.stdout).toContain('| Migration | safety-guard-monitor revision 1 |');
    expect(md.stdout).toContain('+new press-1');
    expect(md.stdout).toMatch(
      /\| approve \| sam \| safety-engineer \| \S+ \| redundant sensor checked on site \|/,
    );
    expect(md.stdout).toMatch(/The audit chain verified intact over \d+ entries/);
    const html = await cli(['changes', 'report', changeId, '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<span class="add">+new press-1</span>');
  });

  it('exits 4 for a missing id, 3 without a token, 5 when the server is unreachable', async () => {
    const missing = await plcfleet(['changes', 'show', 'no-such-change']);
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);

    const anonymous = await cli(['sites', 'list'], { PLCFLEET_TOKEN: '' });
    expect(anonymous.code).toBe(3);

    const port = await closedPort();
    const away = await plcfleet(['--server', `http://127.0.0.1:${port}`, 'audit', 'verify']);
    expect(away.code).toBe(5);
    expect(away.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(UNREACHABLE\)/);
  }, 90_000);

  it('watches a rollout that halts on a safety failure: the view, the reason and exit 1', async () => {
    const client = new PlcfleetClient({ server: cp.url, token: admin });
    await client.sites.put('press-3', {
      tags: ['press'],
      maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
    });
    agents.push(
      await FakeAgent.connect(
        cp.url,
        (await cp.createAgentToken({ site: 'press-3' })).token,
        'press-3',
        () => 'safety',
      ),
    );
    const planFile = join(dir, 'press-3.yaml');
    writeFileSync(planFile, JSON.stringify(plan([{ name: 'only', select: { sites: ['press-3'] } }])));
    const created = await cli([
      'rollouts',
      'create',
      '--migration',
      'safety-guard-monitor',
      '--plan',
      planFile,
      '--start',
    ]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();

    const watch = await cli(['rollouts', 'watch', id]);
    expect(watch.code).toBe(1);
    expect(watch.stdout).toContain(`rollout ${id}`);
    expect(watch.stdout).toMatch(/1\. only\s+█+\s+1\/1 done, 1 failed/);
    expect(watch.stdout).toMatch(/safety 1 ≤ 0 ✗/);
    // The rejection's reason reaches the person: the engine's decision line and the halt.
    expect(watch.stderr).toMatch(new RegExp(`rollout ${id} halted: .*safety`));

    const retryWithoutReason = await cli(['rollouts', 'abort', id]);
    expect(retryWithoutReason.code).toBe(2);
    const abort = await cli(['rollouts', 'abort', id, '--reason', 'E-stop logic must not change']);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toContain(`rollout ${id}: aborted`);
  });

  it('orders a rollback of a site’s deploy of a rollout, and exits 4 when there is none', async () => {
    const none = await cli(['rollback', '--site', 'press-1', '--rollout', 'ro_nope', '--reason', 'test']);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('no deploy of rollout ro_nope at site press-1');
    const r = await cli([
      'rollback',
      '--site',
      'press-1',
      '--rollout',
      rolloutId,
      '--reason',
      'operator saw a stuck press',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^(rollback \S+ ordered for press-1 \(deploy \S+\)|deploy \S+ cancelled before delivery)$/m,
    );
  });

  it('verifies the audit chain, with an anchor from audit head', async () => {
    const r = await cli(['audit', 'verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit chain intact: \d+ entries/);
    const head = await cli(['audit', 'head']);
    expect(head.code).toBe(0);
    const anchor = head.stdout.trim();
    expect(anchor).toMatch(/^\d+:[0-9a-f]{64}$/);
    const anchored = await cli(['audit', 'verify', '--anchor', anchor]);
    expect(anchored.code).toBe(0);
    expect(anchored.stdout).toMatch(/, 1 anchor\(s\) in place/);
    // An anchor the chain does not hold (a hash that was never there) fails the verification.
    const forged = await cli(['audit', 'verify', '--anchor', `1:${'0'.repeat(64)}`]);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/BROKEN at entry 1: row does not match its anchor/);
  });
});

describe('PlcfleetClient on a real control plane', () => {
  it('watches a rollout through a phase that waits for a person, who promotes it', async () => {
    const client = new PlcfleetClient({ server: cp.url, token: admin });
    const { rollout } = await client.rollouts.create({
      migrationId: 'safety-guard-monitor',
      plan: plan([
        { name: 'canary', select: { sites: ['press-1'] }, gates: { requireApproval: true } },
        { name: 'rest', select: { sites: ['press-2'] } },
      ]) as never,
      start: true,
    });
    const seen: RolloutWatchEvent[] = [];
    let promoted = false;
    for await (const e of client.watchRollout(rollout.id)) {
      seen.push(e);
      if (e.type === 'snapshot' && e.detail.rollout.phaseState === 'awaiting-approval' && !promoted) {
        promoted = true;
        await client.rollouts.promote(rollout.id);
      }
    }
    expect(promoted).toBe(true);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      type: 'snapshot',
      final: true,
      detail: { rollout: { state: 'completed' } },
    });
    if (last.type === 'snapshot')
      expect(last.detail.decisions.map((d) => d.decision)).toEqual(
        expect.arrayContaining(['awaiting-approval', 'promoted', 'completed']),
      );
    // The end was seen through the stream: at least one event of this rollout led to it.
    const types = seen.flatMap((e) => (e.type === 'event' ? [e.event.type] : []));
    expect(types.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.type !== 'event' || e.event.rolloutId === rollout.id)).toBe(true);
  });
});

/** Every route the SDK calls, as `METHOD /path` with OpenAPI `{param}`s (kept by hand beside the client). */
const SDK_ROUTES = [
  'GET /v1/sites',
  'GET /v1/sites/{name}',
  'PUT /v1/sites/{name}',
  'DELETE /v1/sites/{name}',
  'POST /v1/sites/{name}/rollback',
  'GET /v1/sites/{name}/drift',
  'GET /v1/drift',
  'GET /v1/agents',
  'POST /v1/agents/enrollments',
  'POST /v1/agents/enroll',
  'DELETE /v1/agents/{id}',
  'GET /v1/stage-reports',
  'POST /v1/migrations',
  'GET /v1/migrations',
  'GET /v1/migrations/{id}',
  'POST /v1/rollouts',
  'GET /v1/rollouts',
  'GET /v1/rollouts/{id}',
  'GET /v1/rollouts/{id}/allowed-actions',
  'GET /v1/rollouts/{id}/progress',
  'GET /v1/rollouts/{id}/shadow-reports',
  ...['start', 'pause', 'resume', 'promote', 'abort', 'retry', 'close', 'rollback'].map(
    (c) => `POST /v1/rollouts/{id}/${c}`,
  ),
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
  'GET /v1/verdicts',
  'GET /v1/verdicts/{jobId}',
  'GET /v1/change-requests',
  'GET /v1/change-requests/{id}',
  'GET /v1/change-requests/{id}/allowed-actions',
  'POST /v1/change-requests/{id}/approve',
  'POST /v1/change-requests/{id}/reject',
  'GET /v1/deploys',
  'GET /v1/deploys/{id}',
  'GET /v1/rollbacks',
  'GET /v1/audit',
  'GET /v1/audit/verify',
  'GET /v1/audit/head',
  'GET /v1/events',
  'GET /v1/whoami',
  'POST /v1/tokens',
  'GET /v1/tokens',
  'DELETE /v1/tokens/{id}',
];

describe('the SDK covers the API', () => {
  it('has a method for every route of the control plane’s OpenAPI document', async () => {
    const res = await fetch(`${cp.url}/v1/openapi.json`, { headers: { authorization: `Bearer ${admin}` } });
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !SDK_ROUTES.includes(r))).toEqual([]);
  });
});

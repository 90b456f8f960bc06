/**
 * What a new fleet admin hit with `plcfleet` (issue #17 points 7, 11 and 12),
 * against a real control plane on SQLite in this process, the CLI run in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgent } from '../control-plane/src/testing/fake-agent';
import { eventually } from '../control-plane/src/testing/fixtures';
import { runCli } from '../sdk/src/cli/program';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let cp: ControlPlaneHandle;
let dir: string;
const agents: FakeAgent[] = [];

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: cp.url, PLCFLEET_TOKEN: cp.bootstrapToken!, NO_COLOR: '1', ...env },
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
  cp = await startControlPlane({
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    engineTickMs: 50,
    dispatchIntervalMs: 50,
    env: {},
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await cp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plcfleet for a new fleet admin', () => {
  it('whoami without a token names PLCFLEET_TOKEN and --token (exit 3)', async () => {
    const r = await cli(['whoami'], { PLCFLEET_TOKEN: undefined });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PLCFLEET_TOKEN/);
    expect(r.stderr).toMatch(/--token/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('creates, lists and revokes tokens from the admin CLI', async () => {
    const created = await cli(['tokens', 'create', '--name', 'sam', '--role', 'safety-engineer']);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^plc_/);
    expect((await cli(['whoami'], { PLCFLEET_TOKEN: token })).stdout).toBe('sam (safety-engineer)\n');
    const listed = await cli(['tokens', 'list', '--json']);
    const sam = (JSON.parse(listed.stdout) as { id: string; name: string }[]).find((t) => t.name === 'sam')!;
    expect(sam).toBeDefined();
    expect((await cli(['tokens', 'list'])).stdout).toMatch(/sam\s+safety-engineer/);
    expect((await cli(['tokens', 'revoke', sam.id])).code).toBe(0);
    expect((await cli(['whoami'], { PLCFLEET_TOKEN: token })).code).toBe(3);
    const badRole = await cli(['tokens', 'create', '--name', 'x', '--role', 'king']);
    expect(badRole.code).toBe(2);
  });

  it('refuses "Bad Site" and Mars/Olympus locally, stores nothing, and adds a site from its facts file', async () => {
    const bad = await cli(['sites', 'add', 'Bad Site']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/site name "Bad Site": use lower-case letters/);
    const mars = await cli(['sites', 'add', 'mars-base', '--time-zone', 'Mars/Olympus']);
    expect(mars.code).toBe(2);
    expect(mars.stderr).toMatch(/timeZone: not an IANA time zone/);
    const facts = await cli([
      'sites',
      'add',
      'press-line-2',
      '-f',
      join(root, 'examples/sites/press-line-2.facts.yaml'),
    ]);
    expect(facts.code, facts.stderr).toBe(0);
    const listed = await cli(['sites', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/press-line-2\s+press,europe,line-2\s+3\.4\.1/);
    expect(listed.stdout).not.toMatch(/Bad Site|mars-base/);
  });

  it('lists a bad row stored earlier apart, with the command that deletes it', async () => {
    const at = new Date().toISOString();
    await cp.db
      .insertInto('sites')
      .values({
        name: 'Old Bad',
        tags: '[]',
        firmware: null,
        time_zone: 'UTC',
        maintenance_windows: '[]',
        policy: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const listed = await cli(['sites', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toMatch(/plcfleet sites delete "Old Bad"/);
    expect((await cli(['sites', 'delete', 'Old Bad'])).code).toBe(0);
    expect((await cli(['sites', 'list'])).stderr).toBe('');
  });

  it('lists and shows jobs; the rollout view names a phase’s sites and a missing agent', async () => {
    for (const site of ['j1', 'j2'])
      expect(await cli(['sites', 'add', site, '--window', '00:00 1440'])).toMatchObject({ code: 0 });
    const migration = join(dir, 'm.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      migration,
      JSON.stringify({
        apiVersion: 'plcfleet/v1',
        kind: 'Migration',
        id: 'first-use',
        revision: 1,
        title: 't',
        type: 'code',
        safetyClass: 'non-safety',
        goal: 'g',
        scope: { pous: ['*'] },
      }),
    );
    expect((await cli(['migrations', 'apply', '-f', migration])).code).toBe(0);
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'both', select: { sites: ['j1', 'j2'] } }],
      }),
    );
    const { token } = await cp.createAgentToken({ site: 'j1' });
    agents.push(await FakeAgent.connect(cp.url, token, 'j1'));
    const created = await cli(['rollouts', 'create', '--migration', 'first-use', '--plan', plan, '--start']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    const jobs = await eventually(async () => {
      const r = await cli(['jobs', 'list', '--rollout', id, '--json']);
      const list = JSON.parse(r.stdout) as { id: string; site: string; state: string }[];
      return list.some((j) => j.site === 'j1' && j.state === 'passed') ? list : undefined;
    });
    expect(jobs.map((j) => j.site).sort()).toEqual(['j1', 'j2']);
    const table = await cli(['jobs', 'list', '--rollout', id]);
    expect(table.stdout).toMatch(/j1\s+1\s+passed/);
    const shown = await cli(['jobs', 'show', jobs.find((j) => j.site === 'j1')!.id]);
    expect(shown.stdout).toMatch(/verdict\s+passed/);
    const view = await cli(['rollouts', 'show', id]);
    expect(view.stdout).toMatch(/sites: j1, j2/);
    expect(view.stdout).toMatch(/waiting for an agent: j2 \(no agent enrolled\)/);
  });

  it('audit list --limit 5 shows the newest five, in chain order', async () => {
    const head = await cli(['audit', 'head']);
    const headSeq = Number(head.stdout.split(':')[0]);
    const r = await cli(['audit', 'list', '--limit', '5', '--json']);
    const seqs = (JSON.parse(r.stdout) as { seq: number }[]).map((e) => e.seq);
    expect(seqs).toEqual([headSeq - 4, headSeq - 3, headSeq - 2, headSeq - 1, headSeq]);
    const after = await cli(['audit', 'list', '--after', '0', '--limit', '2', '--json']);
    expect((JSON.parse(after.stdout) as { seq: number }[]).map((e) => e.seq)).toEqual([1, 2]);
  });
});

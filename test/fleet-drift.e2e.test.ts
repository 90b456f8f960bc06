/**
 * Fleet drift across the packages (issue #22): a real control plane (SQLite,
 * port 0), a real agent over a real websocket whose released program is in a
 * bare Git repository and whose live program (a folder) differs; the agent's
 * scheduled check reaches the control plane, `plcfleet sites list` shows the
 * drift column and `plcfleet sites drift SITE` the diff, and a rollout skips
 * the drifted site with reason `drift` — unless its plan sets `allowDrift`,
 * and after that change is approved and deployed the agent checks again.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import { type AgentHandle, resolveAgentConfig, startAgent } from '@plcfleet/edge-agent';
import type { JobView } from '@plcfleet/protocols';
import { PlcfleetClient } from '@plcfleet/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../sdk/src/cli/program';

const FIXTURES = resolve(import.meta.dirname, '../edge-agent/fixtures/agent');
const SITE = 'press-line-9';
const PATIENCE_MS = 60_000;

const git = (cwd: string, ...args: string[]) =>
  promisify(execFile)('git', ['-C', cwd, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Plant Engineer',
      GIT_AUTHOR_EMAIL: 'engineer@plant.test',
      GIT_COMMITTER_NAME: 'Plant Engineer',
      GIT_COMMITTER_EMAIL: 'engineer@plant.test',
    },
  });

/** `value()` once it is defined, polled; fails naming `what` after the patience runs out. */
async function until<T>(what: string, value: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const v = await value();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dir: string;
let controlPlane: ControlPlaneHandle;
let agent: AgentHandle | undefined;
let admin: PlcfleetClient;
/** The rollout whose plan allowed drift (its change is deployed by the last test). */
let allowedRollout: string | undefined;
/** The live program's folder (the agent's `program:`). */
let live: string;

/** The `plcfleet` CLI, in this process (the same program as the binary), as the admin. */
async function plcfleet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: controlPlane.url, PLCFLEET_TOKEN: controlPlane.bootstrapToken!, NO_COLOR: '1' },
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plcfleet-fleet-drift-'));
  // The release: the fixture plant, committed on main in a bare repository.
  const bare = join(dir, 'plant.git');
  const clone = join(dir, 'clone');
  await mkdir(clone);
  await git(dir, 'init', '--quiet', '--bare', bare);
  await git(clone, 'init', '--quiet');
  await cp(join(FIXTURES, 'plant'), join(clone, 'plc'), { recursive: true });
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '--quiet', '-m', 'release 1');
  await git(clone, 'push', '--quiet', bare, 'HEAD:refs/heads/main');
  // The live program: the same, but someone changed the interlock at the plant.
  live = join(dir, 'live');
  await cp(join(FIXTURES, 'plant'), live, { recursive: true });
  const main = await readFile(join(live, 'Main.st'), 'utf8');
  expect(main).toContain('Press_Enable := Safety_OK AND E_Stop_OK;');
  await writeFile(join(live, 'Main.st'), main.replace('Safety_OK AND E_Stop_OK', 'Safety_OK'));

  controlPlane = await startControlPlane({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir: join(dir, 'control-plane'),
    engineTickMs: 30,
    dispatchIntervalMs: 50,
    env: {},
  });
  admin = new PlcfleetClient({ server: controlPlane.url, token: controlPlane.bootstrapToken! });
  await admin.sites.put(SITE, {
    tags: ['press'],
    timeZone: 'UTC',
    maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
  });
  await admin.migrations.apply(await readFile(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));

  const { token } = await controlPlane.createAgentToken({ site: SITE });
  const config = await resolveAgentConfig(
    {
      apiVersion: 'plcfleet/v1',
      kind: 'AgentConfig',
      agentId: 'agt-press-line-9',
      site: SITE,
      controlPlane: { url: controlPlane.url, token, signingKeys: [controlPlane.publicKeyPem] },
      siteFacts: 'site.facts.yaml',
      policy: 'policy.yaml',
      program: live,
      drift: { released: `git+file://${bare}#main:plc`, interval: '1s' },
      transformer: { kind: 'recipe' },
      dataDir: join(dir, 'agent'),
      heartbeat: '500ms',
      reconnect: { initialDelay: 20, maxDelay: 500 },
    },
    { baseDir: FIXTURES, env: {} },
  );
  agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
}, PATIENCE_MS);

afterAll(async () => {
  await agent?.stop({ graceMs: 0 });
  await controlPlane?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fleet drift: agent, control plane and CLI', { timeout: 3 * PATIENCE_MS }, () => {
  it('a scheduled check reaches the control plane; the CLI lists the drift and prints the diff', async () => {
    const drift = await until('the drifted report', async () => {
      const d = await admin.sites.drift(SITE);
      return d.status === 'drifted' ? d : undefined;
    });
    expect(drift.report).toMatchObject({
      site: SITE,
      trigger: expect.stringMatching(/^(schedule|start)$/),
      releasedCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
      pous: [expect.objectContaining({ pou: 'Main', change: 'modified', file: 'Main.st' })],
    });
    // The site itself carries its drift (SiteView.drift), or the CLI takes the fleet's drift list.
    const list = await plcfleet('sites', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/\bDRIFT$/);
    expect(list.stdout.split('\n').find((l) => l.startsWith(SITE))).toMatch(/DRIFTED \(1 POU\)\s*$/);
    const asJson = JSON.parse((await plcfleet('sites', 'list', '--json')).stdout) as Array<{
      name: string;
      drift?: { status: string; pous: number };
    }>;
    expect(asJson.find((s) => s.name === SITE)?.drift).toMatchObject({ status: 'drifted', pous: 1 });

    const shown = await plcfleet('sites', 'drift', SITE);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^drift\s+DRIFTED \(checked /m);
    expect(shown.stdout).toMatch(/^released\s+git\+file:\/\/.*plant\.git#main:plc @ [0-9a-f]{12}$/m);
    expect(shown.stdout).toMatch(/^modified Main \(Main\.st\)$/m);
    expect(shown.stdout).toMatch(/^-.*Press_Enable := Safety_OK AND E_Stop_OK;/m);
    expect(shown.stdout).toMatch(/^\+.*Press_Enable := Safety_OK;/m);
    expect(shown.stdout).toMatch(/^history:/m);
  });

  /** The rollout's one job, once the engine made it (and, when `settled`, once it left the queue). */
  async function rolloutJob(allowDrift: boolean, settled: (j: JobView) => boolean): Promise<JobView> {
    const { rollout } = await admin.rollouts.create({
      migrationId: 'guard-assign',
      name: allowDrift ? 'drift allowed' : 'drift refused',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'all', select: { sites: [SITE] } }],
        jobTimeout: '2m',
        ...(allowDrift ? { allowDrift: true } : {}),
      },
    });
    return until(`the job of rollout ${rollout.id}`, async () => {
      const [job] = await admin.jobs.list({ rollout: rollout.id });
      return job && settled(job) ? job : undefined;
    });
  }

  it('a rollout skips the drifted site with reason drift; with allowDrift the agent gets the job', async () => {
    await until('the drifted report', async () =>
      (await admin.sites.drift(SITE)).status === 'drifted' ? true : undefined,
    );
    const refused = await rolloutJob(false, (j) => j.state !== 'queued');
    expect(refused).toMatchObject({ site: SITE, state: 'skipped', reason: 'drift' });

    // The plan allows drift: the job goes to the site's agent, which runs it and reports a verdict.
    const allowed = await rolloutJob(true, (j) => ['passed', 'failed', 'error', 'skipped'].includes(j.state));
    // The verdict is the agent's, on the live program: the recipe applies and the judges pass.
    expect(allowed).toMatchObject({ site: SITE, state: 'passed' });
    expect(allowed.reason).not.toMatch(/drift/);
    const verdicts = await admin.verdicts.list({ rollout: allowed.rolloutId });
    expect(verdicts.map((v) => v.site)).toEqual([SITE]);
    allowedRollout = allowed.rolloutId;
  });

  it('after the approved change is deployed, the agent checks drift again (trigger deploy)', async () => {
    expect(allowedRollout).toBeDefined();
    const safety = await controlPlane.createApiToken({ name: 'sam.safety', role: 'safety-engineer' });
    const engineer = new PlcfleetClient({ server: controlPlane.url, token: safety.token });
    const [change] = await until('the change request', async () => {
      const open = await engineer.changes.list({ state: 'open', rollout: allowedRollout });
      return open.length ? open : undefined;
    });
    await engineer.changes.approve(change!.id, 'reviewed: the guard follows its sensor');
    const deployed = await until('the deploy', async () => {
      const [d] = await admin.deploys.list({ rollout: allowedRollout });
      return d && !['ordered', 'delivered'].includes(d.state) ? d : undefined;
    });
    expect(deployed.state).toBe('deployed');
    expect(await readFile(join(live, 'Main.st'), 'utf8')).toMatch(/Safety_OK := Guard_Sensor;/);
    // The live program now holds the change (still not the release): a check after the deploy says so.
    const afterDeploy = await until('a check after the deploy', async () => {
      const d = await admin.sites.drift(SITE);
      return d.history.find((h) => h.trigger === 'deploy');
    });
    expect(afterDeploy.status).toBe('drifted');
  });
});

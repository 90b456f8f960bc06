/**
 * Fleet Git (issue #22) on real git: a site whose program is a Git repository
 * (a bare one in a temp folder) gets a passed verdict's change pushed on
 * `plcfleet/<site>/<jobId>` and named in the verdict, and the deployed commit
 * tagged `plcfleet/<site>/<deployId>`; a change branch someone pushed to after
 * review is not tagged. The control plane is the scripted one on a real socket.
 */
import { cp as copy, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeployOrder } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type AgentHandle, Deployer, resolveAgentConfig, startAgent } from '../agent';
import {
  type ScriptedControlPlane,
  startScriptedControlPlane,
  testBundle,
} from '../testing/scripted-control-plane';
import { createDirectorySource } from './directory-source';
import { createPlantRepo, type PlantRepo } from './git-fixture';
import { createGitSource } from './git-source';
import { hashProgram } from './program-source';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const SITE = 'press-line-9';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function order(jobId: string, deployId: string, sha256Before: string, sha256After: string): DeployOrder {
  return {
    deployId,
    jobId,
    rolloutId: 'ro-1',
    site: SITE,
    migrationId: 'guard-assign',
    revision: 1,
    sha256Before,
    sha256After,
    window: {
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
    },
    approvedBy: ['safety@example.com'],
    issuedAt: new Date().toISOString(),
  };
}

async function plantRepo(): Promise<{ repo: PlantRepo; main: string; base: string }> {
  const repo = await createPlantRepo();
  cleanups.push(() => repo.cleanup());
  const main = await readFile(join(FIXTURES, 'plant', 'Main.st'), 'utf8');
  const base = await repo.commit({ 'plc/Main.st': main, 'README.md': 'the press line' }, 'release 1');
  return { repo, main, base };
}

describe('fleet Git', () => {
  it('pushes a passed change, names its commit in the verdict, and tags the deployed commit', async () => {
    const { repo, base } = await plantRepo();
    const dir = await mkdtemp(join(tmpdir(), 'plcfleet-fleet-git-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const cp: ScriptedControlPlane = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const config = await resolveAgentConfig(
      {
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-git',
        site: SITE,
        controlPlane: { url: cp.url, token: 'agent-token' },
        siteFacts: 'site.facts.yaml',
        policy: 'policy.yaml',
        program: `${repo.fileUrl}#main:plc`,
        dataDir: join(dir, 'data'),
        heartbeat: '200ms',
        reconnect: { initialDelay: 20, maxDelay: 200 },
      },
      { baseDir: FIXTURES, env: {} },
    );
    const agent: AgentHandle = await startAgent(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => agent.stop({ graceMs: 0 }));
    await agent.connected();

    const migration = YAML.parse(await readFile(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));
    cp.offer(cp.sign({ ...testBundle('job-g', SITE), migration }));
    const verdict = await cp.waitFor('verdict', () => cp.committed.get('job-g'));
    expect(verdict.outcome).toBe('passed');
    const branch = `plcfleet/${SITE}/job-g`;
    expect(verdict.change).toEqual({
      repository: `${repo.fileUrl}#main:plc`,
      branch,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const commit = verdict.change!.commit!;
    expect(await repo.git('rev-parse', `refs/heads/${branch}`)).toBe(commit);
    expect(await repo.git('rev-parse', `${commit}^`)).toBe(base);
    expect(await repo.git('show', `${commit}:plc/Main.st`)).toContain('Safety_OK := Guard_Sensor;');
    const evidence = JSON.parse(await repo.git('show', `${commit}:plc/.plcfleet/evidence/job-g.json`));
    expect(evidence).toMatchObject({ jobId: 'job-g', outcome: 'passed' });
    // Only the change and its evidence differ from the release.
    expect((await repo.git('diff', '--name-only', base, commit)).split('\n').sort()).toEqual([
      'plc/.plcfleet/evidence/job-g.json',
      'plc/Main.st',
    ]);

    const { sha256Before, sha256After } = verdict.evidence;
    cp.deploy(cp.sign(order('job-g', 'dep-g', sha256Before!, sha256After!)));
    const [deployed] = await cp.waitFor('deploy', () => cp.deployResults.get('dep-g'));
    expect(deployed).toMatchObject({ outcome: 'deployed', sha256Running: sha256After });
    expect(deployed!.reason).toContain(`tagged plcfleet/${SITE}/dep-g at ${commit.slice(0, 12)}`);
    expect(await repo.git('rev-parse', `refs/tags/plcfleet/${SITE}/dep-g`)).toBe(commit);
  });

  it('with the program in a folder and drift.released in the repository: pushes the change branch and tags the deploy', async () => {
    const { repo, main } = await plantRepo();
    const dir = await mkdtemp(join(tmpdir(), 'plcfleet-fleet-git-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const live = join(dir, 'plant');
    await mkdir(live);
    await copy(join(FIXTURES, 'plant', 'Main.st'), join(live, 'Main.st'));
    const cp: ScriptedControlPlane = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const config = await resolveAgentConfig(
      {
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-beside',
        site: SITE,
        controlPlane: { url: cp.url, token: 'agent-token' },
        siteFacts: 'site.facts.yaml',
        policy: 'policy.yaml',
        program: live,
        drift: { released: `${repo.fileUrl}#main:plc`, interval: '1h', keep: 5 },
        dataDir: join(dir, 'data'),
        heartbeat: '200ms',
        reconnect: { initialDelay: 20, maxDelay: 200 },
      },
      { baseDir: FIXTURES, env: {} },
    );
    const agent: AgentHandle = await startAgent(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => agent.stop({ graceMs: 0 }));
    await agent.connected();

    const migration = YAML.parse(await readFile(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));
    cp.offer(cp.sign({ ...testBundle('job-b', SITE), migration }));
    const verdict = await cp.waitFor('verdict', () => cp.committed.get('job-b'));
    expect(verdict.outcome).toBe('passed');
    const branch = `plcfleet/${SITE}/job-b`;
    expect(verdict.change).toMatchObject({ repository: `${repo.fileUrl}#main:plc`, branch });
    const head = await repo.git('rev-parse', `refs/heads/${branch}`);
    expect(await repo.git('show', `${head}:plc/Main.st`)).toContain('Safety_OK := Guard_Sensor;');

    const { sha256Before, sha256After } = verdict.evidence;
    cp.deploy(cp.sign(order('job-b', 'dep-b', sha256Before!, sha256After!)));
    const [deployed] = await cp.waitFor('deploy', () => cp.deployResults.get('dep-b'));
    expect(deployed).toMatchObject({ outcome: 'deployed', sha256Running: sha256After });
    expect(await readFile(join(live, 'Main.st'), 'utf8')).not.toBe(main);
    expect(await repo.git('rev-parse', `refs/tags/plcfleet/${SITE}/dep-b`)).toBe(head);
  });

  it('deploys to a PLC beside the repository and tags only a branch that still holds the deployed program', async () => {
    const { repo, main } = await plantRepo();
    const dir = await mkdtemp(join(tmpdir(), 'plcfleet-fleet-git-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The PLC: a folder standing in for the live program; the release in Git beside it.
    const plc = join(dir, 'plc');
    await mkdir(plc);
    await copy(join(FIXTURES, 'plant', 'Main.st'), join(plc, 'Main.st'));
    const release = createGitSource(`${repo.fileUrl}#main:plc`);
    cleanups.push(() => release.close());
    const deployer = new Deployer({
      dataDir: join(dir, 'data'),
      site: SITE,
      source: createDirectorySource(plc),
      release,
      logger: pino({ level: 'silent' }),
    });
    const before = [{ path: 'Main.st', text: main }];
    const after = [{ path: 'Main.st', text: main.replace('Press_Enable :=', 'Press_Enable := FALSE AND') }];
    const [shaBefore, shaAfter] = [hashProgram(before), hashProgram(after)];

    // Reviewed change on its branch, then another commit pushed onto that branch.
    await repo.commit({ 'plc/Main.st': after[0]!.text }, 'the reviewed change', `plcfleet/${SITE}/job-x`);
    await repo.commit(
      { 'plc/Main.st': `${after[0]!.text}\n// later` },
      'pushed after review',
      `plcfleet/${SITE}/job-x`,
    );
    await deployer.keepApprovedProgram('job-x', after);
    const moved = await deployer.deploy(order('job-x', 'dep-x', shaBefore, shaAfter));
    expect(moved.outcome).toBe('deployed');
    expect(await readFile(join(plc, 'Main.st'), 'utf8')).toBe(after[0]!.text);
    expect(moved.reason).toMatch(
      /not tagged plcfleet\/press-line-9\/dep-x: .*holds sha256 [0-9a-f]{64}, not the deployed/,
    );
    await expect(repo.git('rev-parse', '--verify', `refs/tags/plcfleet/${SITE}/dep-x`)).rejects.toThrow();

    // A branch that holds the deployed program is tagged.
    const good = await repo.commit(
      { 'plc/Main.st': after[0]!.text },
      'the reviewed change',
      `plcfleet/${SITE}/job-y`,
    );
    await deployer.keepApprovedProgram('job-y', after);
    const again = await deployer.deploy(order('job-y', 'dep-y', shaBefore, shaAfter));
    expect(again.reason).toBe(
      `the approved program was already running; tagged plcfleet/${SITE}/dep-y at ${good.slice(0, 12)}`,
    );
    expect(await repo.git('rev-parse', `refs/tags/plcfleet/${SITE}/dep-y`)).toBe(good);
  });
});

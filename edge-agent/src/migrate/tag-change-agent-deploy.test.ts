/**
 * A tag change through the agent daemon's job path: a signed rename-tags job
 * on the press-hmi plant (a directory source) passes, its program — tag map and
 * HMI files included — is kept through `onPassedProgram`, and a signed deploy
 * order writes it through the same plant files wrapper the verdict hashed; a
 * rollback order puts every file back.
 */
import { cp as copyDir, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeployOrder } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveAgentConfig, startAgent } from '../agent';
import { REPO } from '../testing/migration-fixtures';
import { startScriptedControlPlane, testBundle } from '../testing/scripted-control-plane';
import { librariesOf, PRESS_HMI, pressHmiFacts } from './press-hmi-fixture';

const SITE = 'press-hmi';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const window = () => ({
  notBefore: new Date(Date.now() - 60_000).toISOString(),
  notAfter: new Date(Date.now() + 3_600_000).toISOString(),
});

describe('a tag change through the agent daemon', () => {
  it('verifies the rename, deploys program, tag map and HMI together, and rolls all of them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-tag-change-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const plant = join(dir, 'plant');
    await copyDir(PRESS_HMI, plant, { recursive: true });
    // The daemon passes no libraries folder to the executor yet (agent-daemon.ts), so this copy
    // carries PressLib's interface as a program file.
    await copyFile(join(librariesOf(plant), 'PressLib@1.2.0.st'), join(plant, 'PressLib.st'));
    const read = (f: string) => readFile(join(plant, f), 'utf8');
    const original = { tags: await read('tags.yaml'), screen: await read('hmi/press-screen.json') };

    const cp = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const config = await resolveAgentConfig(
      {
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-tags',
        site: SITE,
        controlPlane: { url: cp.url, token: 'agent-token' },
        siteFacts: pressHmiFacts(),
        policy: { apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: SITE },
        program: plant,
        dataDir: join(dir, 'agent'),
        reconnect: { initialDelay: 50, maxDelay: 500 },
      },
      { baseDir: dir, env: {} },
    );
    const agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => agent.stop({ graceMs: 0 }));
    await agent.connected();

    const migration = parseYaml(await readFile(join(REPO, 'examples/migrations/rename-tags.yaml'), 'utf8'));
    cp.offer(cp.sign({ ...testBundle('job-tags', SITE), migration }));
    const verdict = await cp.waitFor('verdict', () => cp.committed.get('job-tags'), 60_000);
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(verdict.evidence.transformer).toBe('none');
    // The verdict the control plane holds (what its change review shows) names every file changed,
    // program, tag map and HMI files alike: in the diff and in the scope judge's summary.
    const changed = [
      'FB_PressFaceplate.st',
      'GVL_IO.st',
      'Main.st',
      'hmi/alarms.csv',
      'hmi/press-screen.json',
      'tags.yaml',
    ];
    expect([...verdict.evidence.diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1])).toEqual(changed);
    const scope = verdict.evidence.judges.find((j) => j.judge === 'scope')!;
    const summary = scope.findings.find((f) => f.code === 'changed-lines')!.message;
    for (const f of changed) expect(summary).toContain(f);
    const refs = scope.findings.filter((f) => f.code === 'changed-reference').map((f) => f.file);
    expect(new Set(refs)).toEqual(new Set(changed));
    // Verifying wrote nothing.
    expect(await read('tags.yaml')).toBe(original.tags);

    const order: DeployOrder = {
      deployId: 'dep-tags',
      jobId: 'job-tags',
      rolloutId: 'ro-1',
      site: SITE,
      migrationId: 'rename-press-tags',
      revision: 1,
      sha256Before: verdict.evidence.sha256Before!,
      sha256After: verdict.evidence.sha256After!,
      window: window(),
      approvedBy: ['sam'],
      issuedAt: new Date().toISOString(),
    };
    cp.deploy(cp.sign(order));
    const [deployed] = await cp.waitFor('deploy result', () => cp.deployResults.get('dep-tags'), 60_000);
    expect(deployed, deployed?.reason).toMatchObject({
      outcome: 'deployed',
      sha256Running: verdict.evidence.sha256After,
    });
    expect(await read('GVL_IO.st')).toMatch(/^\s+PressEnable : BOOL;/m);
    expect(await read('tags.yaml')).toMatch(/name: HydPressureOk/);
    expect(await read('tags.yaml')).toMatch(/nodeId: "ns=1;s=Press\.HydPressureOk"/);
    expect(await read('tags.yaml')).not.toMatch(/name: Hyd_Pressure_OK/);
    expect(await read('hmi/press-screen.json')).toMatch(/Main\.Press1\.IsRunning/);

    cp.rollback(
      cp.sign({
        rollbackId: 'rb-tags',
        site: SITE,
        reason: 'operator asked',
        issuedAt: new Date().toISOString(),
      }),
    );
    const [back] = await cp.waitFor('rollback result', () => cp.deployResults.get('rb-tags'), 60_000);
    expect(back, back?.reason).toMatchObject({
      outcome: 'rolled-back',
      sha256Running: verdict.evidence.sha256Before,
    });
    expect(await read('tags.yaml')).toBe(original.tags);
    expect(await read('hmi/press-screen.json')).toBe(original.screen);
  }, 120_000);
});

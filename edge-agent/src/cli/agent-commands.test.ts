import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startScriptedControlPlane, testBundle } from '../testing/scripted-control-plane';

const MAIN = resolve(import.meta.dirname, '../testing/agent-cli-main.ts');
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, ['-C', 'source', '--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr?.on('data', (d) => {
    out.stderr += d;
  });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out, exit };
}

describe('plcfleet-agent run', () => {
  it('exits 2 with one line naming the bad field', async () => {
    const { out, exit } = run(['run', '--config', join(FIXTURES, 'bad-heartbeat.yaml')]);
    expect(await exit).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('heartbeat: expected a duration like "250ms"'),
    ]);
  }, 120_000);

  it('serves the control plane and exits 0 on SIGTERM; logs are JSON lines with job ids and no token', async () => {
    const cp = await startScriptedControlPlane({ tokens: ['cli-secret-token'] });
    cleanups.push(() => cp.close());
    const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of ['site.facts.yaml', 'policy.yaml']) cpSync(join(FIXTURES, f), join(dir, f));
    cpSync(join(FIXTURES, 'plant'), join(dir, 'plant'), { recursive: true });
    writeFileSync(
      join(dir, 'agent.yaml'),
      YAML.stringify({
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-cli',
        site: 'press-line-9',
        controlPlane: { url: cp.url, tokenEnv: 'AGENT_TOKEN' },
        siteFacts: 'site.facts.yaml',
        policy: 'policy.yaml',
        program: 'plant',
        dataDir: 'data',
      }),
    );
    const { child, out, exit } = run(['run', '--config', join(dir, 'agent.yaml')], {
      AGENT_TOKEN: 'cli-secret-token',
    });
    // a cold start compiles the whole agent with tsx: slow on a busy machine
    await cp.waitFor('a connected agent', () => cp.connections() > 0 || undefined, 100_000);
    cp.offer(cp.sign(testBundle('job-cli', 'press-line-9')));
    // This build's daemon has whatever runner the CLI wires; any verdict proves the loop.
    await cp.waitFor('verdict', () => cp.committed.get('job-cli'), 60_000);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === 'connected to the control plane')).toBe(true);
    expect(lines.filter((l) => l.msg === 'verdict committed').map((l) => l.jobId)).toEqual(['job-cli']);
    expect(lines.at(-1)?.msg).toBe('stopped');
    expect(out.stdout + out.stderr).not.toContain('cli-secret-token');
  }, 150_000);
});

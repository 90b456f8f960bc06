/**
 * Scheduled drift in the running agent (issue #22): the released program in a
 * Git repository (a bare one in a temp folder), the live one in a folder, the
 * reports reaching a control plane on a real socket — same, then drifted
 * with the POU after someone edits the live program.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { MessageOf } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentHandle, resolveAgentConfig, startAgent } from '../agent';
import { type ScriptedControlPlane, startScriptedControlPlane } from '../testing/scripted-control-plane';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const git = (cwd: string, ...args: string[]) =>
  promisify(execFile)('git', ['-C', cwd, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'r',
      GIT_AUTHOR_EMAIL: 'r@r',
      GIT_COMMITTER_NAME: 'r',
      GIT_COMMITTER_EMAIL: 'r@r',
    },
  });

let dir: string;
let cp0: ScriptedControlPlane | undefined;
let agent: AgentHandle | undefined;
afterEach(async () => {
  await agent?.stop({ graceMs: 0 });
  await cp0?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A live program in a folder, its release in a bare repository, and an agent watching both. */
async function startDriftAgent(older = false): Promise<{ live: string; bare: string }> {
  dir = await mkdtemp(join(tmpdir(), 'plcfleet-agent-drift-'));
  const live = join(dir, 'plant');
  await cp(join(FIXTURES, 'plant'), live, { recursive: true });
  // The release: the same program, committed and tagged in a bare repository.
  const bare = join(dir, 'plant.git');
  const clone = join(dir, 'clone');
  await mkdir(clone);
  await git(dir, 'init', '--quiet', '--bare', bare);
  await git(clone, 'init', '--quiet');
  await cp(live, join(clone, 'plc'), { recursive: true });
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '--quiet', '-m', 'release');
  await git(clone, 'push', '--quiet', bare, 'HEAD:refs/heads/main');

  cp0 = await startScriptedControlPlane({ older });
  const config = await resolveAgentConfig(
    {
      apiVersion: 'plcfleet/v1',
      kind: 'AgentConfig',
      agentId: 'agt-drift',
      site: 'press-line-9',
      controlPlane: { url: cp0.url, token: 'agent-token' },
      siteFacts: 'site.facts.yaml',
      policy: 'policy.yaml',
      program: live,
      drift: { released: `git+file://${bare}#main:plc`, interval: '300ms', keep: 5 },
      dataDir: join(dir, 'data'),
      heartbeat: '200ms',
      reconnect: { initialDelay: 20, maxDelay: 200 },
    },
    { baseDir: FIXTURES, env: {} },
  );
  agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
  return { live, bare };
}

describe('the agent reports drift', () => {
  it('on its schedule, from a Git release to the control plane', async () => {
    const { live, bare } = await startDriftAgent();
    const reports = () => cp0!.ofType('drift.report').map((m: MessageOf<'drift.report'>) => m.report);
    const same = await cp0!.waitFor('a drift report', () => reports()[0]);
    expect(same).toMatchObject({
      site: 'press-line-9',
      status: 'same',
      trigger: 'schedule',
      releasedCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
      live,
    });
    expect(same.released).toBe(`git+file://${bare}#main:plc`);

    // Someone changes the running program's logic at the plant.
    const main = join(live, 'Main.st');
    const text = await readFile(main, 'utf8');
    expect(text).toMatch(/:=\s*TRUE;/);
    await writeFile(main, text.replace(/:=\s*TRUE;/, ':= FALSE;'));
    const drifted = await cp0!.waitFor('a drifted report', () =>
      reports().find((r) => r.status === 'drifted'),
    );
    expect(drifted.pous.length).toBeGreaterThan(0);
    expect(drifted.history[0]!.sha256).toBe(drifted.liveSha256);
    expect(drifted.history.some((h) => h.sha256 === same.liveSha256)).toBe(true);
  });

  it('not to an older control plane, which did not name drift-report in its welcome', async () => {
    const { live } = await startDriftAgent(true);
    await cp0!.waitConnected();
    // The monitor still checks (its store fills), but nothing goes out.
    await writeFile(
      join(live, 'Main.st'),
      (await readFile(join(live, 'Main.st'), 'utf8')).replace(/:=\s*TRUE;/, ':= FALSE;'),
    );
    await cp0!.waitFor(
      'drift checks',
      () =>
        readdir(join(dir, 'data', 'drift'))
          .then((f) => f.length >= 2)
          .catch(() => false) || undefined,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(cp0!.ofType('drift.report')).toEqual([]);
    expect(cp0!.ofType('hello').length).toBeGreaterThan(0);
  });
});

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeployOrder, MessageOf, RollbackOrder } from '@plcfleet/protocols';
import { generateSigningKeyPair } from '@plcfleet/protocols/signing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createDirectorySource, hashProgram, type ProgramSource } from '../sources';
import {
  type ScriptedControlPlane,
  type ScriptedControlPlaneOptions,
  startScriptedControlPlane,
  testBundle,
} from '../testing/scripted-control-plane';
import { ScriptedRunner } from '../testing/scripted-runner';
import { type AgentOptions, resolveAgentConfig } from './agent-config';
import { type AgentHandle, startAgent } from './agent-daemon';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const SITE = 'press-line-9';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  cp: ScriptedControlPlane;
  dir: string;
  plant: string;
  source: ProgramSource;
  runner: ScriptedRunner;
  agent: AgentHandle;
  logs: string[];
  /** Stops the agent and starts a new one on the same data folder (a process restart). */
  restart(): Promise<AgentHandle>;
}

async function setup(
  opts: {
    cp?: ScriptedControlPlaneOptions;
    config?: (cp: ScriptedControlPlane) => Partial<AgentOptions>;
    source?: ProgramSource;
    /** Run jobs with the real migration executor instead of the scripted runner. */
    executor?: boolean;
  } = {},
): Promise<Setup> {
  const cp = await startScriptedControlPlane(opts.cp);
  cleanups.push(() => cp.close());
  const dir = mkdtempSync(join(tmpdir(), 'agent-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const plant = join(dir, 'plant');
  cpSync(join(FIXTURES, 'plant'), plant, { recursive: true });
  const source = opts.source ?? createDirectorySource(plant);
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
  const config = await resolveAgentConfig(
    {
      apiVersion: 'plcfleet/v1',
      kind: 'AgentConfig',
      agentId: 'agt-9',
      site: SITE,
      controlPlane: { url: cp.url, token: 'agent-token' },
      siteFacts: 'site.facts.yaml',
      policy: 'policy.yaml',
      program: plant,
      dataDir: join(dir, 'data'),
      heartbeat: '200ms',
      reconnect: { initialDelay: 20, maxDelay: 200 },
      resendAfter: '1s',
      ...opts.config?.(cp),
    },
    { baseDir: FIXTURES, env: {} },
  );
  const s = { cp, dir, plant, source, logs } as Setup;
  const start = async () => {
    s.runner = new ScriptedRunner(source);
    s.agent = await startAgent(config, { ...(opts.executor ? {} : { runner: s.runner }), source, logger });
    return s.agent;
  };
  await start();
  cleanups.push(() => s.agent.stop({ graceMs: 0 }));
  s.restart = async () => {
    await s.agent.stop({ graceMs: 0 });
    return start();
  };
  return s;
}

const signedBundle = (cp: ScriptedControlPlane, jobId: string, site = SITE) =>
  cp.sign(testBundle(jobId, site));

function order(s: Setup, jobId: string, over: Partial<DeployOrder> = {}): DeployOrder {
  const verdict = s.cp.committed.get(jobId);
  return {
    deployId: `dep-${jobId}`,
    jobId,
    rolloutId: 'ro-1',
    site: SITE,
    migrationId: 'guard-monitor',
    revision: 1,
    sha256Before: verdict?.evidence.sha256Before ?? '0'.repeat(64),
    sha256After: verdict?.evidence.sha256After ?? '0'.repeat(64),
    window: {
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
    },
    approvedBy: ['safety@example.com'],
    issuedAt: new Date().toISOString(),
    ...over,
  };
}

const readPlant = (s: Setup) => readFileSync(join(s.plant, 'Main.st'), 'utf8');

async function runPassedJob(s: Setup, jobId: string) {
  s.cp.offer(signedBundle(s.cp, jobId));
  await s.cp.waitFor(`verdict ${jobId}`, () => s.cp.committed.get(jobId));
}

describe('agent daemon: session', () => {
  it('removes the *.tmp files a crash left in <dataDir>/shadow-runs on start, and keeps the rest', async () => {
    const s = await setup();
    const runs = join(s.dir, 'data', 'shadow-runs');
    mkdirSync(runs, { recursive: true });
    writeFileSync(join(runs, 'shd-1.json.1a2b3c4d.tmp'), '{"half');
    writeFileSync(join(runs, 'shd-1.json'), '{}\n');
    await s.restart();
    expect(readdirSync(runs)).toEqual(['shd-1.json']);
    expect(s.logs.join('')).toContain('shd-1.json.1a2b3c4d.tmp');
  });

  it('connects with its bearer token and says hello with its versions', async () => {
    const s = await setup();
    const session = await s.agent.connected();
    expect(session.protocolVersion).toBe(1);
    const [hello] = s.cp.ofType('hello');
    expect(hello).toMatchObject({ agentId: 'agt-9', site: SITE, versions: { protocols: [1] } });
    expect(s.cp.state.authHeaders[0]).toBe('Bearer agent-token');
    expect(s.logs.join('')).not.toContain('agent-token');
  });

  it('keeps retrying with backoff when the token is refused, and never logs the token', async () => {
    const s = await setup({ cp: { tokens: ['another-token'] } });
    await s.cp.waitFor('three refused upgrades', () => s.cp.state.rejectedUpgrades >= 3);
    expect(s.agent.status().connected).toBe(false);
    expect(s.logs.join('')).toContain('HTTP 401');
    expect(s.logs.join('')).not.toContain('agent-token');
  });

  it('refuses a welcome naming a signing key the config does not pin', async () => {
    const pinned = generateSigningKeyPair();
    const s2 = await setup({
      config: (cp) => ({
        controlPlane: { url: cp.url, token: 'agent-token', signingKeys: [pinned.publicKeyPem] },
      }),
    });
    await s2.cp.waitFor('an error in reply to welcome', () =>
      s2.cp.ofType('error').find((e) => e.message.includes('does not pin')),
    );
    s2.cp.offer(signedBundle(s2.cp, 'job-unpinned'));
    expect(s2.agent.status().connected).toBe(false);
    expect(s2.runner.started).toEqual([]);
  });
});

describe('agent daemon: jobs', () => {
  it('verifies, accepts and runs an offer; commits and sends the verdict; the ack clears the outbox', async () => {
    const s = await setup();
    await s.agent.connected();
    s.cp.offer(signedBundle(s.cp, 'job-1'));
    const verdict = await s.cp.waitFor('verdict', () => s.cp.committed.get('job-1'));
    expect(verdict.outcome).toBe('passed');
    expect(s.cp.ofType('job.accept').map((m) => m.jobId)).toEqual(['job-1']);
    expect(s.cp.ofType('job.progress')[0]).toMatchObject({ jobId: 'job-1', phase: 'read' });
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    const jobLines = s.logs.filter((l) => l.includes('reading the program'));
    expect(jobLines.length).toBeGreaterThan(0);
    for (const l of jobLines) expect(JSON.parse(l)).toMatchObject({ jobId: 'job-1' });
  });

  it('refuses a bundle with a bad signature or for another site, and never runs it', async () => {
    const s = await setup();
    await s.agent.connected();
    const forged = generateSigningKeyPair();
    s.cp.offer(s.cp.sign(testBundle('job-forged', SITE), forged.privateKeyPem));
    const tampered = signedBundle(s.cp, 'job-tampered');
    (tampered.payload as { attempt: number }).attempt = 2;
    s.cp.offer(tampered);
    s.cp.offer(signedBundle(s.cp, 'job-elsewhere', 'press-line-1'));
    const errors = await s.cp.waitFor('three refusals', () => {
      const e = s.cp.ofType('error');
      return e.length >= 3 ? e : undefined;
    });
    expect(errors.map((e) => e.code).sort()).toEqual([
      'SIGNATURE_INVALID',
      'SIGNATURE_INVALID',
      'WRONG_SITE',
    ]);
    expect(errors.find((e) => e.code === 'WRONG_SITE')?.message).toContain('press-line-1');
    expect(s.runner.started).toEqual([]);
    expect(s.cp.ofType('job.accept')).toEqual([]);
  });

  it('turns a crashing executor into an error verdict', async () => {
    const s = await setup();
    await s.agent.connected();
    s.runner.throwFor.add('job-crash');
    s.cp.offer(signedBundle(s.cp, 'job-crash'));
    const v = await s.cp.waitFor('verdict', () => s.cp.committed.get('job-crash'));
    expect(v).toMatchObject({ outcome: 'error', reason: 'the executor crashed' });
  });

  it('runs one job at a time and stops a cancelled one cleanly without a verdict', async () => {
    const s = await setup();
    await s.agent.connected();
    s.runner.hold();
    s.cp.offer(signedBundle(s.cp, 'job-a'));
    await s.cp.waitFor('accept', () => s.cp.ofType('job.accept').length === 1);
    await s.cp.waitFor('heartbeat naming the job', () =>
      s.cp.ofType('heartbeat').find((h) => h.jobId === 'job-a'),
    );
    s.cp.offer(signedBundle(s.cp, 'job-b'));
    const busy = await s.cp.waitFor('busy', () =>
      s.cp.ofType('error').find((e) => e.code === 'BACKPRESSURE'),
    );
    expect(busy.message).toContain('job-a');
    const cancelled = new Promise((r) => s.agent.events.once('job.cancelled', r));
    s.cp.cancel('job-a', 'rollout aborted');
    await cancelled;
    expect(s.runner.aborted).toEqual(['job-a']);
    s.runner.release();
    s.cp.offer(signedBundle(s.cp, 'job-b'));
    await s.cp.waitFor('verdict b', () => s.cp.committed.get('job-b'));
    expect(s.cp.committed.has('job-a')).toBe(false);
    expect(s.cp.ofType('verdict').map((v) => v.verdict.jobId)).toEqual(['job-b']);
  });

  it('answers a re-offer of a finished job with the stored verdict, without running it again', async () => {
    const s = await setup();
    await s.agent.connected();
    s.cp.offer(signedBundle(s.cp, 'job-1'));
    await s.cp.waitFor('verdict', () => s.cp.committed.get('job-1'));
    s.cp.offer(signedBundle(s.cp, 'job-1'));
    await s.cp.waitFor('second verdict', () => s.cp.ofType('verdict').length === 2);
    const [a, b] = s.cp.ofType('verdict');
    expect(b?.id).toBe(a?.id);
    expect(s.runner.started).toEqual(['job-1']);
  });
});

describe('agent daemon: durable outbox', () => {
  it('loses nothing over a link drop: verdicts made while down are delivered once after reconnecting', async () => {
    const s = await setup({ config: () => ({ concurrency: 3 }) });
    await s.agent.connected();
    s.runner.hold();
    const ids = ['job-1', 'job-2', 'job-3'];
    for (const id of ids) s.cp.offer(signedBundle(s.cp, id));
    await s.cp.waitFor('accepts', () => s.cp.ofType('job.accept').length === 3);
    // every running job's lease is renewed by heartbeats
    await s.cp.waitFor('heartbeats for all three jobs', () =>
      ids.every((id) => s.cp.ofType('heartbeat').some((h) => h.jobId === id)),
    );
    const down = new Promise((r) => s.agent.events.once('disconnected', r));
    s.cp.down();
    await down;
    let made = 0;
    const verdicts = new Promise<void>((r) =>
      s.agent.events.on('verdict', () => {
        if (++made === 3) r();
      }),
    );
    s.runner.release();
    await verdicts;
    expect((await s.agent.pending()).map((i) => i.key).sort()).toEqual(ids.map((id) => `verdict:${id}`));
    await s.cp.waitFor('reconnect attempts while down', () => s.cp.state.rejectedUpgrades >= 2);
    s.cp.up();
    await s.cp.waitFor('verdict committed', () => s.cp.committed.get('job-1'));
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    expect([...s.cp.committed.keys()].sort()).toEqual(ids);
    // resends (if any) carry the same message: one message per job, committed once
    expect(new Set(s.cp.ofType('verdict').map((v) => v.id)).size).toBe(3);
  });

  it('resends a verdict whose ack was lost with the link, and an unacked one on a live link', async () => {
    const s = await setup({ cp: { ack: false } });
    await s.agent.connected();
    s.cp.offer(signedBundle(s.cp, 'job-f'));
    await s.cp.waitFor('verdict in flight', () => s.cp.ofType('verdict').length >= 1);
    // no ack on a live link: sent again after `resendAfter`
    await s.cp.waitFor('a resend on the live link', () => s.cp.ofType('verdict').length >= 2);
    expect((await s.agent.pending()).map((i) => i.key)).toEqual(['verdict:job-f']);
    const upgrades = s.cp.state.upgrades;
    s.agent.dropLink('the ack is lost with the link');
    s.cp.state.ack = true;
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    expect(s.cp.state.upgrades).toBeGreaterThan(upgrades);
    expect(new Set(s.cp.ofType('verdict').map((v) => v.id)).size).toBe(1);
    expect([...s.cp.committed.keys()]).toEqual(['job-f']);
    expect(s.runner.started).toEqual(['job-f']);
  });

  it('resends an unacked verdict after a process restart; the server commits it once', async () => {
    const s = await setup({ cp: { ack: false } });
    await s.agent.connected();
    s.cp.offer(signedBundle(s.cp, 'job-r'));
    await s.cp.waitFor('verdict received', () => s.cp.ofType('verdict').length >= 1);
    expect((await s.agent.pending()).map((i) => i.key)).toEqual(['verdict:job-r']);
    s.cp.state.ack = true;
    const agent2 = await s.restart();
    await agent2.connected();
    await expectEventually(async () => (await agent2.pending()).length === 0);
    const sent = s.cp.ofType('verdict');
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sent.map((v) => v.id)).size).toBe(1);
    expect([...s.cp.committed.keys()]).toEqual(['job-r']);
    expect(s.runner.started).toEqual([]);
  });

  it('parks a running job on shutdown and resumes it after the restart', async () => {
    const s = await setup();
    await s.agent.connected();
    s.runner.hold();
    s.cp.offer(signedBundle(s.cp, 'job-p'));
    await s.cp.waitFor('accept', () => s.cp.ofType('job.accept').length === 1);
    const first = s.runner;
    const agent2 = await s.restart();
    expect(first.aborted).toEqual(['job-p']);
    expect(s.cp.committed.has('job-p')).toBe(false);
    await agent2.connected();
    await s.cp.waitFor('verdict after resume', () => s.cp.committed.get('job-p'));
    expect(s.runner.started).toEqual(['job-p']);
  });

  it('forwards stage reports, buffering them while the link is down', async () => {
    const s = await setup();
    await s.agent.connected();
    const figures = {
      tags: 4,
      polls: 100,
      divergences: 0,
      commErrors: 0,
      latencyMs: { p50: 3, p99: 9 },
      worst: [],
    };
    s.agent.reportStage({ stage: 'shadow', figures, reason: '' });
    await s.cp.waitFor('stage report', () => s.cp.ofType('stage.report').length === 1);
    s.cp.down();
    await expectEventually(async () => !s.agent.status().connected);
    // the staging bridge hands over its whole message (`onReport: (r) => agent.reportStage(r)`)
    const fromBridge: MessageOf<'stage.report'> = {
      v: 1,
      id: 'bridge-1',
      type: 'stage.report',
      site: SITE,
      stage: 'parallel',
      figures: { ...figures, divergences: 2 },
      reason: '',
    };
    s.agent.reportStage(fromBridge);
    s.cp.up();
    const reports = await s.cp.waitFor('buffered report', () => {
      const r = s.cp.ofType('stage.report');
      return r.length === 2 ? r : undefined;
    });
    expect(reports.map((r) => [r.site, r.stage, r.figures.divergences])).toEqual([
      [SITE, 'shadow', 0],
      [SITE, 'parallel', 2],
    ]);
  });
});

describe('agent daemon: deploy and rollback', () => {
  it('deploys a verified order inside its window, reads back, and rolls back on order', async () => {
    const s = await setup();
    await s.agent.connected();
    const original = readPlant(s);
    await runPassedJob(s, 'job-d');
    expect(readPlant(s)).toBe(original);
    s.cp.deploy(s.cp.sign(order(s, 'job-d')));
    const [deployed] = await s.cp.waitFor('deploy result', () => s.cp.deployResults.get('dep-job-d'));
    expect(deployed).toMatchObject({
      outcome: 'deployed',
      sha256Running: s.cp.committed.get('job-d')?.evidence.sha256After,
    });
    expect(readPlant(s)).toContain('changed by guard-monitor');
    // the control plane's deploy.result.ack clears it from the outbox
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    expect(hashProgram(await s.source.read())).toBe(s.cp.committed.get('job-d')?.evidence.sha256After);

    const rb: RollbackOrder = {
      rollbackId: 'rb-1',
      site: SITE,
      reason: 'operator asked',
      issuedAt: new Date().toISOString(),
    };
    s.cp.rollback(s.cp.sign(rb));
    // a rollback's result names the rollback, not the deploy it undid
    const [rolledBack] = await s.cp.waitFor('rollback result', () => s.cp.deployResults.get('rb-1'));
    expect(rolledBack).toMatchObject({
      outcome: 'rolled-back',
      sha256Running: s.cp.committed.get('job-d')?.evidence.sha256Before,
    });
    expect(s.cp.deployResults.get('dep-job-d')).toHaveLength(1);
    expect(readPlant(s)).toBe(original);
    await expectEventually(async () => (await s.agent.pending()).length === 0);
  });

  it('refuses orders outside the window, for another site, with another program or a bad signature', async () => {
    const s = await setup();
    await s.agent.connected();
    const original = readPlant(s);
    await runPassedJob(s, 'job-x');
    const past = {
      notBefore: new Date(Date.now() - 7_200_000).toISOString(),
      notAfter: new Date(Date.now() - 3_600_000).toISOString(),
    };
    s.cp.deploy(s.cp.sign(order(s, 'job-x', { deployId: 'dep-late', window: past })));
    s.cp.deploy(s.cp.sign(order(s, 'job-x', { deployId: 'dep-site', site: 'press-line-1' })));
    s.cp.deploy(s.cp.sign(order(s, 'job-x', { deployId: 'dep-hash', sha256After: 'a'.repeat(64) })));
    s.cp.deploy(
      s.cp.sign(order(s, 'job-x', { deployId: 'dep-forged' }), generateSigningKeyPair().privateKeyPem),
    );
    const late = await s.cp.waitFor('late', () => s.cp.deployResults.get('dep-late')?.[0]);
    const site = await s.cp.waitFor('site', () => s.cp.deployResults.get('dep-site')?.[0]);
    const hash = await s.cp.waitFor('hash', () => s.cp.deployResults.get('dep-hash')?.[0]);
    const forged = await s.cp.waitFor('forged', () =>
      s.cp.ofType('error').find((e) => e.code === 'SIGNATURE_INVALID'),
    );
    expect(late).toMatchObject({ outcome: 'refused' });
    expect(late.reason).toContain('closed');
    expect(site).toMatchObject({ outcome: 'refused' });
    expect(site.reason).toContain('press-line-1');
    expect(hash).toMatchObject({ outcome: 'refused' });
    expect(hash.reason).toContain('a'.repeat(64));
    expect(forged.message).toContain('deploy.order');
    expect(s.cp.deployResults.has('dep-forged')).toBe(false);
    expect(readPlant(s)).toBe(original);
  });

  it('keeps an unacked deploy result: resent on the live link and after reconnecting, dropped on its ack', async () => {
    const s = await setup({ cp: { ackDeployResults: false } });
    await s.agent.connected();
    await runPassedJob(s, 'job-u');
    s.cp.deploy(s.cp.sign(order(s, 'job-u')));
    await s.cp.waitFor('the result', () => s.cp.deployResults.get('dep-job-u'));
    // heartbeat round trips after it prove nothing: only the ack does
    const beats = s.cp.ofType('heartbeat').length;
    await s.cp.waitFor('heartbeats after the result', () => s.cp.ofType('heartbeat').length >= beats + 3);
    expect((await s.agent.pending()).map((i) => i.key)).toEqual(['deploy:dep-job-u']);
    // unacked for `resendAfter` on a live link: sent again
    await s.cp.waitFor(
      'a resend on the live link',
      () => (s.cp.deployResults.get('dep-job-u')?.length ?? 0) >= 2,
    );
    const acked = new Promise<string[]>((r) => s.agent.events.once('acked', r));
    const upgrades = s.cp.state.upgrades;
    const sentBefore = s.cp.deployResults.get('dep-job-u')!.length;
    s.agent.dropLink('the ack is lost with the link');
    s.cp.state.ackDeployResults = true;
    expect(await acked).toEqual(['deploy:dep-job-u']);
    expect(s.cp.state.upgrades).toBeGreaterThan(upgrades);
    expect(s.cp.deployResults.get('dep-job-u')!.length).toBeGreaterThan(sentBefore);
    expect(await s.agent.pending()).toEqual([]);
    // every send is the one stored message: deployed once, reported as often as needed
    const results = s.cp.deployResults.get('dep-job-u')!;
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.every((r) => r.outcome === 'deployed')).toBe(true);
  });

  it('sends a deploy result once to an older control plane that never acks them, instead of for ever', async () => {
    const s = await setup({ cp: { older: true } });
    const session = await s.agent.connected();
    expect(session.controlPlaneCapabilities).toEqual([]);
    expect(s.cp.ofType('hello')[0]).toMatchObject({
      capabilities: expect.arrayContaining(['welcome-versions']),
    });
    await runPassedJob(s, 'job-o');
    s.cp.deploy(s.cp.sign(order(s, 'job-o')));
    await s.cp.waitFor('the result', () => s.cp.deployResults.get('dep-job-o'));
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    // resendAfter is 1 s: well past it, still the one send
    await new Promise((r) => setTimeout(r, 2500));
    expect(s.cp.deployResults.get('dep-job-o')).toHaveLength(1);
  });

  it('learns the control plane’s version and capabilities from a current welcome', async () => {
    const s = await setup();
    const session = await s.agent.connected();
    expect(session).toMatchObject({
      controlPlaneVersion: 'scripted',
      controlPlaneCapabilities: ['deploy-result-ack', 'drift-report'],
    });
  });

  it.each(['INTERNAL', 'BACKPRESSURE'])(
    'keeps a deploy result the control plane could not take (%s), and resends it until acked',
    async (code) => {
      const s = await setup({ cp: { deployResultError: code } });
      await s.agent.connected();
      await runPassedJob(s, 'job-k');
      s.cp.deploy(s.cp.sign(order(s, 'job-k')));
      await s.cp.waitFor(
        'a resend after the error',
        () => (s.cp.deployResults.get('dep-job-k')?.length ?? 0) >= 2,
      );
      expect((await s.agent.pending()).map((i) => i.key)).toEqual(['deploy:dep-job-k']);
      s.cp.state.deployResultError = undefined;
      s.agent.dropLink('test');
      await expectEventually(async () => (await s.agent.pending()).length === 0);
      const results = s.cp.deployResults.get('dep-job-k') ?? [];
      expect(results.length).toBeGreaterThanOrEqual(3);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results[0]?.outcome).toBe('deployed');
    },
  );

  it('stops resending a deploy result the control plane refuses for good (NOT_FOUND)', async () => {
    const s = await setup({ cp: { deployResultError: 'NOT_FOUND', ackDeployResults: false } });
    await s.agent.connected();
    await runPassedJob(s, 'job-n');
    s.cp.deploy(s.cp.sign(order(s, 'job-n')));
    await s.cp.waitFor('the result', () => s.cp.deployResults.get('dep-job-n'));
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    expect(s.logs.some((l) => l.includes('refused the deploy result; not resending it'))).toBe(true);
    s.agent.dropLink('test');
    await s.cp.waitFor('reconnected', () => s.cp.ofType('hello').length >= 2);
    // the outbox is flushed right after the welcome; heartbeats after that show nothing came
    const beats = s.cp.ofType('heartbeat').length;
    await s.cp.waitFor('heartbeats after reconnecting', () => s.cp.ofType('heartbeat').length >= beats + 2);
    expect(s.cp.deployResults.get('dep-job-n')).toHaveLength(1);
  });

  it('stops resending a verdict the control plane refuses for good (CONFLICT), and keeps retrying after INTERNAL', async () => {
    const s = await setup({ cp: { verdictError: 'CONFLICT' } });
    await s.agent.connected();
    s.cp.offer(signedBundle(s.cp, 'job-c'));
    await s.cp.waitFor('the verdict', () => s.cp.ofType('verdict').length >= 1);
    await expectEventually(async () => (await s.agent.pending()).length === 0);
    expect(s.logs.some((l) => l.includes('refused the verdict; not resending it'))).toBe(true);
    s.agent.dropLink('test');
    await s.cp.waitFor('reconnected', () => s.cp.ofType('hello').length >= 2);
    const beats = s.cp.ofType('heartbeat').length;
    await s.cp.waitFor('heartbeats after reconnecting', () => s.cp.ofType('heartbeat').length >= beats + 2);
    expect(s.cp.ofType('verdict')).toHaveLength(1);

    const r = await setup({ cp: { verdictError: 'INTERNAL' } });
    await r.agent.connected();
    r.cp.offer(signedBundle(r.cp, 'job-i'));
    await r.cp.waitFor('the verdict', () => r.cp.ofType('verdict').length >= 1);
    r.agent.dropLink('test');
    await r.cp.waitFor('the verdict again after reconnecting', () => r.cp.ofType('verdict').length >= 2);
    expect((await r.agent.pending()).length).toBe(1);
  });

  it('runs only the latest order of a rollout: a later one voids an earlier one waiting, an earlier one is refused (ADR 0105)', async () => {
    const s = await setup();
    await s.agent.connected();
    await runPassedJob(s, 'job-r');
    const t0 = Date.now();
    // The old order waits for its window (kept on disk) when a retry's new order comes.
    const old = order(s, 'job-r', {
      deployId: 'dep-old',
      issuedAt: new Date(t0 - 60_000).toISOString(),
      window: {
        notBefore: new Date(t0 + 60_000).toISOString(),
        notAfter: new Date(t0 + 3_600_000).toISOString(),
      },
    });
    s.cp.deploy(s.cp.sign(old));
    await expectEventually(() => s.logs.some((l) => l.includes('deploy waits for its window')));
    const fresh = order(s, 'job-r', { deployId: 'dep-new', issuedAt: new Date(t0).toISOString() });
    s.cp.deploy(s.cp.sign(fresh));
    const [voided] = await s.cp.waitFor('old result', () => s.cp.deployResults.get(old.deployId));
    expect(voided).toMatchObject({
      outcome: 'refused',
      reason: `superseded by deploy ${fresh.deployId} of rollout ro-1, ordered later (${fresh.issuedAt})`,
    });
    const [r] = await s.cp.waitFor('new result', () => s.cp.deployResults.get(fresh.deployId));
    expect(r?.outcome).toBe('deployed');
    // An order of the rollout issued before the one taken is refused, also after a restart.
    await s.restart();
    await s.agent.connected();
    const stale = order(s, 'job-r', { deployId: 'dep-stale', issuedAt: new Date(t0 - 1000).toISOString() });
    s.cp.deploy(s.cp.sign(stale));
    const [refused] = await s.cp.waitFor('stale result', () => s.cp.deployResults.get('dep-stale'));
    expect(refused).toMatchObject({
      outcome: 'refused',
      reason: `superseded: deploy ${fresh.deployId} of rollout ro-1 was ordered later (${fresh.issuedAt}) than this one (${stale.issuedAt}); an agent runs only the latest order of a rollout`,
    });
    // Nothing of the voided order is left waiting on disk.
    expect(readdirSync(join(s.dir, 'data', 'pending-deploys'))).toEqual([]);
  });

  it('waits for a window that has not opened yet, then deploys', async () => {
    const s = await setup();
    await s.agent.connected();
    await runPassedJob(s, 'job-w');
    const soon = {
      notBefore: new Date(Date.now() + 400).toISOString(),
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const o = order(s, 'job-w', { window: soon });
    s.cp.deploy(s.cp.sign(o));
    const [r] = await s.cp.waitFor('deploy result', () => s.cp.deployResults.get(o.deployId));
    expect(r?.outcome).toBe('deployed');
    const appliedAt = Date.parse(r?.ts ?? '');
    expect(appliedAt).toBeGreaterThanOrEqual(Date.parse(soon.notBefore));
  });

  it('rolls back by itself when the program read back is not the approved one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-src-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // A PLC that mangles what it is given once: the read-back check must catch it.
    let mangle = true;
    let inner: ProgramSource | undefined;
    const flaky: ProgramSource = {
      kind: 'directory',
      location: 'flaky',
      read: () => inner!.read(),
      write: (files, opts) => {
        const out = mangle ? files.map((f) => ({ ...f, text: f.text.replace('TRUE', 'FALSE') })) : files;
        mangle = false;
        return inner!.write(out, opts);
      },
      close: async () => undefined,
    };
    const s = await setup({ source: flaky });
    inner = createDirectorySource(s.plant);
    await s.agent.connected();
    const original = readPlant(s);
    mangle = false;
    await runPassedJob(s, 'job-m');
    mangle = true;
    s.cp.deploy(s.cp.sign(order(s, 'job-m')));
    const [r] = await s.cp.waitFor('deploy result', () => s.cp.deployResults.get('dep-job-m'));
    expect(r?.outcome).toBe('rolled-back');
    expect(r?.reason).toContain('post-deploy check');
    expect(readPlant(s)).toBe(original);
  });
});

async function expectEventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('agent daemon with the migration executor', () => {
  it('runs a signed migration to a passed verdict, deploys exactly the verified program, and rolls back', async () => {
    const s = await setup({ executor: true });
    await s.agent.connected();
    const original = readPlant(s);
    // The migration as the control plane stores it: the file's YAML, without zod defaults.
    const migration = YAML.parse(readFileSync(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));
    s.cp.offer(s.cp.sign({ ...testBundle('job-e', SITE), migration }));
    const verdict = await s.cp.waitFor('verdict', () => s.cp.committed.get('job-e'));
    expect(verdict).toMatchObject({ outcome: 'passed', migrationId: 'guard-assign' });
    expect(verdict.evidence.diff).toMatch(/^\+\s*Safety_OK := Guard_Sensor;/m);
    expect(verdict.evidence.sha256Before).toBe(hashProgram(await s.source.read()));
    expect(s.cp.ofType('job.progress').map((p) => p.phase)).toContain('transform');
    expect(readPlant(s)).toBe(original);

    s.cp.deploy(s.cp.sign(order(s, 'job-e')));
    const [deployed] = await s.cp.waitFor('deploy', () => s.cp.deployResults.get('dep-job-e'));
    expect(deployed).toMatchObject({ outcome: 'deployed', sha256Running: verdict.evidence.sha256After });
    expect(readPlant(s)).toContain('Safety_OK := Guard_Sensor;');
    expect(readPlant(s)).not.toContain('IF Guard_Sensor = TRUE THEN');

    s.cp.rollback(
      s.cp.sign({
        rollbackId: 'rb-e',
        site: SITE,
        deployId: 'dep-job-e',
        reason: 'drill',
        issuedAt: new Date().toISOString(),
      }),
    );
    const [rolledBack] = await s.cp.waitFor('rollback', () => s.cp.deployResults.get('rb-e'));
    expect(rolledBack?.outcome).toBe('rolled-back');
    expect(readPlant(s)).toBe(original);
  });
});

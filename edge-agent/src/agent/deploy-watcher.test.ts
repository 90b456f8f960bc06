/**
 * The agent's post-deploy watch, end to end: a scripted control plane (real ws) orders a
 * deploy, the agent deploys to the plant folder, then shadows the live PLC (a served virtual
 * PLC on a real Modbus TCP socket) with the approved program. The PLC misbehaves, so the
 * agent rolls back by itself and reports it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeployOrder, TagMap } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlcServer, VirtualPlcRuntime } from '../plant-io';
import { createDirectorySource } from '../sources';
import { fanProgram as fan, FAN_TAGS as TAGS } from '../testing/fan-plant';
import { startScriptedControlPlane, testBundle } from '../testing/scripted-control-plane';
import { ScriptedRunner } from '../testing/scripted-runner';
import { resolveAgentConfig } from './agent-config';
import { startAgent } from './agent-daemon';

const SITE = 'press-line-9';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A TCP relay to a served PLC whose answers come late: answer chunk n (from 0) waits `delayMs(n)`
 * behind the ones before it (their order kept) — a slow read path, the PLC itself answering.
 */
async function slowRelay(port: number, delayMs: (n: number) => number): Promise<number> {
  const sockets: Socket[] = [];
  let n = 0;
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    let due = 0;
    upstream.on('data', (chunk) => {
      due = Math.max(due, Date.now() + delayMs(n++));
      setTimeout(() => client.write(chunk), due - Date.now());
    });
    for (const s of [client, upstream])
      s.on('error', () => {}).on('close', () => {
        client.destroy();
        upstream.destroy();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as { port: number }).port;
}

/**
 * A plant folder running `fan(60)`, a served PLC running `live`, an agent watching it (through
 * `via`'s relay when given), a passed job.
 */
async function setup(
  live: string,
  tags: TagMap,
  watch: Record<string, unknown> = {},
  via?: (plcPort: number) => Promise<number>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'watch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const plant = join(dir, 'plant');
  mkdirSync(plant);
  writeFileSync(join(plant, 'Main.st'), fan(60));
  writeFileSync(join(dir, 'tags.json'), JSON.stringify(tags));
  const plc = await startPlcServer({
    runtime: new VirtualPlcRuntime([{ name: 'Main.st', text: live }]),
    tags,
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: false,
  });
  let t = 0;
  const field = setInterval(() => plc.loop.write('Temp', 40 + (t++ % 40)), 20);
  cleanups.push(async () => {
    clearInterval(field);
    await plc.close();
  });

  const cp = await startScriptedControlPlane();
  cleanups.push(() => cp.close());
  const config = await resolveAgentConfig(
    {
      apiVersion: 'plcfleet/v1',
      kind: 'AgentConfig',
      agentId: 'agt-w',
      site: SITE,
      controlPlane: { url: cp.url, token: 'agent-token' },
      siteFacts: join(import.meta.dirname, '../../fixtures/agent/site.facts.yaml'),
      policy: join(import.meta.dirname, '../../fixtures/agent/policy.yaml'),
      program: plant,
      dataDir: join(dir, 'data'),
      heartbeat: '200ms',
      reconnect: { initialDelay: 20, maxDelay: 200 },
      watch: {
        tags: join(dir, 'tags.json'),
        plc: `modbus://127.0.0.1:${via ? await via(plc.modbus!.port) : plc.modbus!.port}`,
        poll: '20ms',
        ...watch,
      },
    },
    { baseDir: dir, env: {} },
  );
  const source = createDirectorySource(plant);
  /** Starts an agent on the data folder (again: the agent after a restart). */
  const logs: Record<string, unknown>[] = [];
  const start = async () => {
    const started = await startAgent(config, {
      runner: new ScriptedRunner(source),
      source,
      logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
    });
    cleanups.push(() => started.stop({ graceMs: 0 }));
    await started.connected();
    return started;
  };
  const agent = await start();

  cp.offer(cp.sign(testBundle('job-w', SITE)));
  const verdict = await cp.waitFor('verdict', () => cp.committed.get('job-w'));
  const order: DeployOrder = {
    deployId: 'dep-w',
    jobId: 'job-w',
    rolloutId: 'ro-1',
    site: SITE,
    migrationId: 'guard-monitor',
    revision: 1,
    sha256Before: verdict.evidence.sha256Before!,
    sha256After: verdict.evidence.sha256After!,
    window: {
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
    },
    approvedBy: ['safety@example.com'],
    issuedAt: new Date().toISOString(),
    watchMs: 60_000,
  };
  return { dir, plc, plant, cp, agent, config, order, start, logs };
}

describe('post-deploy watch', () => {
  it('rolls a deploy back by itself when the live PLC diverges from the approved program', async () => {
    // The live PLC does not do what was approved: its fan limit is 70, not 60.
    const { plant, cp, config, order, logs } = await setup(fan(70), TAGS);
    expect(config.watch).toMatchObject({ periodMs: 1_800_000, cycleMs: 10, plc: { kind: 'modbus' } });
    cp.deploy(cp.sign(order));
    const results = await cp.waitFor('deployed, then rolled back', () => {
      const r = cp.deployResults.get('dep-w');
      return r && r.length >= 2 ? r : undefined;
    });
    expect(results[0]).toMatchObject({ outcome: 'deployed', sha256Running: order.sha256After });
    expect(results[1]).toMatchObject({ outcome: 'rolled-back', sha256Running: order.sha256Before });
    expect(results[1]!.reason).toMatch(
      /^post-deploy watch: Fan diverged from the approved program at .* \(live false, expected true\)$/,
    );
    expect(readFileSync(join(plant, 'Main.st'), 'utf8')).toBe(fan(60));
    // the watch's report says it was a divergence (ADR 0179), not an inconclusive watch
    expect(await watchEnd(logs)).toMatchObject({ kind: 'watch', state: 'diverged', rollback: 'divergence' });
  }, 30_000);

  it('rolls back, tagged inconclusive, a watch that compared nothing: every read of the PLC torn (ADR 0179)', async () => {
    // The PLC runs what was approved and answers every read, each answer 60 ms late: a read of its
    // two tables spans more than the window (40 ms), so no sample is whole and none is judged.
    const { plant, cp, order, logs } = await setup(fan(60), TAGS, {}, (port) => slowRelay(port, () => 60));
    cp.deploy(cp.sign({ ...order, watchMs: 1000 }));
    const results = await cp.waitFor('deployed, then rolled back', () => {
      const r = cp.deployResults.get('dep-w');
      return r && r.length >= 2 ? r : undefined;
    });
    expect(results.map((r) => r.outcome)).toEqual(['deployed', 'rolled-back']);
    expect(results[1]).toMatchObject({ sha256Running: order.sha256Before });
    expect(results[1]!.reason).toMatch(
      /^post-deploy watch inconclusive: nothing compared: \d+ sample\(s\), none judged, in \d+(\.\d+)? s; unjudged: torn \d+/,
    );
    expect(readFileSync(join(plant, 'Main.st'), 'utf8')).toBe(fan(60));
    const end = await watchEnd(logs);
    expect(end).toMatchObject({ kind: 'watch', state: 'failed', rollback: 'inconclusive', divergences: 0 });
    expect(end.reason).toBe(results[1]!.reason);
    expect(logs.some((l) => l.msg === 'post-deploy watch inconclusive; rolling back')).toBe(true);
  }, 30_000);

  it('rolls back, tagged inconclusive, a watch that judged too little: four reads in five torn', async () => {
    // Answers 100 ms late but for every fifth read's (two answers a read, the tables read in turn).
    const { cp, order, logs } = await setup(fan(60), TAGS, {}, (port) =>
      slowRelay(port, (n) => (Math.floor(n / 2) % 5 === 0 ? 0 : 100)),
    );
    cp.deploy(cp.sign({ ...order, watchMs: 1000 }));
    const results = await cp.waitFor('deployed, then rolled back', () => {
      const r = cp.deployResults.get('dep-w');
      return r && r.length >= 2 ? r : undefined;
    });
    expect(results.map((r) => r.outcome)).toEqual(['deployed', 'rolled-back']);
    expect(results[1]!.reason).toMatch(
      /^post-deploy watch inconclusive: (judged \d+(\.\d+)? s \(\d+ of \d+ sample\(s\)\) in \d+(\.\d+)? s, 1\.0 s required|\d+ disagreement\(s\) with the approved program not confirmed \(judged .*); unjudged: /,
    );
    expect(await watchEnd(logs)).toMatchObject({ kind: 'watch', state: 'failed', rollback: 'inconclusive' });
  }, 30_000);

  it('defers a deploy while the line says it is busy, and says so', async () => {
    const busyTags = TagMap.parse({
      ...TAGS,
      tags: [
        ...TAGS.tags,
        {
          name: 'Busy',
          modbus: { table: 'coil', address: 0, type: 'BOOL' },
          opcua: { nodeId: 'ns=1;s=Main.Busy', browseName: 'Busy' },
          access: 'readwrite',
        },
      ],
    });
    const live = fan(60).replace('VAR_INPUT Temp : INT;', 'VAR_INPUT Temp : INT; Busy : BOOL := TRUE;');
    const { plc, cp, agent, order } = await setup(live, busyTags, {
      deferWhile: 'Busy',
      deferRecheck: '100ms',
    });
    const deferred: string[] = [];
    agent.events.on('deploy.deferred', (d) => deferred.push(d.reason));
    cp.deploy(cp.sign(order));
    await new Promise((r) => setTimeout(r, 800));
    expect(cp.deployResults.get('dep-w')).toBeUndefined();
    expect(deferred[0]).toBe('Busy is TRUE');
    expect(deferred.length).toBeGreaterThan(1);
    plc.loop.write('Busy', false);
    const [done] = await cp.waitFor('deployed once the line is free', () => cp.deployResults.get('dep-w'));
    expect(done).toMatchObject({ outcome: 'deployed' });
  }, 30_000);

  /** How the watch's shadow run ended, as the agent logged it (this control plane takes no shadow reports). */
  async function watchEnd(logs: Record<string, unknown>[]) {
    for (let i = 0; i < 300; i++) {
      const end = logs.find((l) => l.msg === 'shadow run ended' && l.shadowId === 'watch-dep-w');
      if (end) return end;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no watch end logged');
  }

  it('resumes a watch an agent restart interrupted, for the time it has left, and passes it', async () => {
    const { cp, agent, order, start, logs } = await setup(fan(60), TAGS);
    cp.deploy(cp.sign({ ...order, watchMs: 3000 }));
    await cp.waitFor('deployed', () => cp.deployResults.get('dep-w'));
    await new Promise((r) => setTimeout(r, 1200));
    await agent.stop({ graceMs: 0 });
    await new Promise((r) => setTimeout(r, 700)); // down: not watched, not counted
    expect(logs.filter((l) => l.msg === 'shadow run ended')).toEqual([]);
    await start();
    const end = await watchEnd(logs);
    expect(end).toMatchObject({ kind: 'watch', state: 'passed', resumed: 1 });
    expect(end.seconds).toBeGreaterThanOrEqual(3);
    // It watched what was left, not the whole 3 s again: the time before the restart counted.
    const resumed = logs.find((l) => l.msg === 'post-deploy watch resumed after a restart');
    expect(resumed?.seconds).toBeGreaterThan(0.5);
    const started = logs.filter((l) => l.msg === 'post-deploy watch started');
    expect(started.map((l) => l.leftMs)).toEqual([3000, Math.max(0, 3000 - Number(resumed?.seconds) * 1000)]);
    expect(cp.deployResults.get('dep-w')!.map((r) => r.outcome)).toEqual(['deployed']);
  }, 30_000);

  it('rolls back a watch that cannot resume (its approved program is gone): it never counts as watched', async () => {
    const { dir, cp, agent, order, plant, start } = await setup(fan(60), TAGS);
    cp.deploy(cp.sign({ ...order, watchMs: 3000 }));
    await cp.waitFor('deployed', () => cp.deployResults.get('dep-w'));
    await new Promise((r) => setTimeout(r, 800));
    await agent.stop({ graceMs: 0 });
    rmSync(join(dir, 'data', 'jobs', 'job-w', 'approved-program.json'));
    await start();
    const results = await cp.waitFor('rolled back', () => {
      const r = cp.deployResults.get('dep-w');
      return r && r.length >= 2 ? r : undefined;
    });
    expect(results[1]).toMatchObject({
      outcome: 'rolled-back',
      reason: 'post-deploy watch: no approved program kept for job job-w',
      sha256Running: order.sha256Before,
    });
    expect(readFileSync(join(plant, 'Main.st'), 'utf8')).toBe(fan(60));
  }, 30_000);
});

/**
 * Fleet shadow at the agent (issue #21 point 2): the candidate a job kept runs against a
 * served virtual PLC on a real Modbus TCP socket whose inputs a field script drives. The
 * link is down here, so every end is committed to the outbox, as it is before it is sent.
 */

import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentLink } from '../link';
import { Outbox } from '../outbox';
import { startPlcServer, VirtualPlcRuntime } from '../plant-io';
import { createDirectorySource } from '../sources';
import { fanProgram as fan, FAN_TAGS as TAGS } from '../testing/fan-plant';
import type { AgentConfig } from './agent-config';
import type { AgentEvents } from './agent-events';
import { Deployer } from './deployer';
import { OutboxSender } from './outbox-sender';
import { CandidateShadows, programLoad } from './shadow-runs';

/** `fan(limit)` as a TwinCAT project keeps it: a .TcPOU, the ST in CDATA, an IF to cover. */
const fanTcPou = (limit: number) => `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="Main" Id="{3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM Main
VAR_INPUT
    Temp : INT;
END_VAR
VAR_OUTPUT
    Fan : BOOL;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[IF Temp > ${limit} THEN
    Fan := TRUE;
ELSE
    Fan := FALSE;
END_IF;]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A live PLC running `fan(60)` with its temperature sweeping 40..79, and an agent's shadow runner for it. */
async function setup(
  options: {
    watch?: boolean;
    port?: number;
    libraries?: string;
    models?: string;
    defines?: string[];
    /** Keep runs' progress (resumable) in `<dir>/data/shadow-runs`. */
    keep?: boolean;
    checkpointMs?: number;
    /** Serve the PLC on OPC UA too and shadow it over OPC UA (`watch.opcuaMode`, default subscription). */
    opcua?: { opcuaMode?: 'subscription' | 'poll' };
    /** No field sweeping the temperature: the test sets it. */
    still?: boolean;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'shadow-runs-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'plant'));
  writeFileSync(join(dir, 'tags.json'), JSON.stringify(TAGS));
  const plc = await startPlcServer({
    runtime: new VirtualPlcRuntime([{ name: 'Main.st', text: fan(60) }]),
    tags: TAGS,
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: options.opcua
      ? { dataDir: join(dir, 'plc-pki'), port: 0, security: 'none', allowAnonymous: true }
      : false,
  });
  let t = 0;
  const field = setInterval(() => options.still || plc.loop.write('Temp', 40 + (t++ % 40)), 10);
  cleanups.push(async () => {
    clearInterval(field);
    await plc.close();
  });
  const logs: string[] = [];
  const logger = options.opcua
    ? pino({ level: 'info' }, { write: (line: string) => void logs.push(line) })
    : pino({ level: 'silent' });
  const outbox = await Outbox.open(join(dir, 'data'));
  cleanups.push(() => outbox.close());
  // A link never started: the control plane is out of reach, as it may be at any time.
  const link = new AgentLink(
    {
      url: 'ws://127.0.0.1:9/v1/agents',
      token: 't',
      agentId: 'agt-s',
      site: 'site-s',
      agentVersion: '0.1.0',
      protocolVersions: [1],
      pinnedKeys: [],
      heartbeatMs: 1000,
      reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 },
      logger,
    },
    { onUp: () => {}, onDown: () => {}, onMessage: () => {} },
  );
  const sender = new OutboxSender({
    outbox,
    link,
    logger,
    events: new EventEmitter<AgentEvents>(),
    resendAfterMs: 1000,
    stageBufferSize: 10,
  });
  const deployer = new Deployer({
    dataDir: join(dir, 'data'),
    site: 'site-s',
    source: createDirectorySource(join(dir, 'plant')),
    logger,
  });
  const watch: NonNullable<AgentConfig['watch']> = {
    tags: join(dir, 'tags.json'),
    plc: options.opcua
      ? { kind: 'opcua', endpoint: plc.opcua!.endpointUrl, security: 'none', trustUnknownServer: true }
      : { kind: 'modbus', host: '127.0.0.1', port: options.port ?? plc.modbus!.port },
    ...(options.opcua?.opcuaMode ? { opcuaMode: options.opcua.opcuaMode } : {}),
    periodMs: 60_000,
    cycleMs: 10,
    pollMs: 20,
    deferRecheckMs: 30_000,
  };
  const stateDir = join(dir, 'data', 'shadow-runs');
  /** An agent's runner; a second one on the same data folder is the agent after a restart. */
  const make = () => {
    const made = new CandidateShadows({
      site: 'site-s',
      ...(options.watch === false ? {} : { watch }),
      pkiDir: join(dir, 'pki'),
      ...programLoad(options),
      ...(options.keep ? { stateDir } : {}),
      ...(options.checkpointMs ? { checkpointMs: options.checkpointMs } : {}),
      deployer,
      sender,
      logger,
    });
    cleanups.push(() => made.cancel());
    return made;
  };
  const shadows = make();
  const keep = (jobId: string, limit: number, files = [{ path: 'Main.st', text: fan(limit) }]) =>
    deployer.keepApprovedProgram(jobId, files);
  return { shadows, outbox, keep, make, stateDir, logs, plc };
}

describe('candidate shadow runs of the agent', () => {
  it('passes an equivalent candidate and catches a divergent one, naming the tag; each end is kept to send', async () => {
    const { shadows, outbox, keep } = await setup();
    await keep('job-same', 60);
    await keep('job-other', 70);
    const [same, other] = await Promise.all([
      shadows.run({ jobId: 'job-same', rolloutId: 'ro-1' }, { minDurationMs: 1500, maxDivergences: 0 }),
      shadows.run({ jobId: 'job-other', rolloutId: 'ro-1' }, { minDurationMs: 3000, maxDivergences: 0 }),
    ]);
    expect(same).toMatchObject({ kind: 'candidate', state: 'passed', site: 'site-s', divergences: [] });
    expect(same.seconds).toBeGreaterThanOrEqual(1.5);
    expect(same.compared).toBeGreaterThan(10);
    // What it could not judge is reported (its first sample seeds the candidate), and it ran on
    // until its judged time made the duration (ADR 0159).
    expect(same.unjudged?.samples).toBeGreaterThanOrEqual(1);
    expect(same.unjudged?.disagreed).toBe(0);
    expect(same.compared + same.unjudged!.samples).toBeLessThanOrEqual(same.samples);
    expect((same.seconds * same.compared) / same.samples).toBeGreaterThanOrEqual(1.5);
    expect(same.coverage?.inputs).toEqual({ total: 1, hit: 1 });
    // Limit 70 against a live 60: Fan differs between 61 and 70; the run stops at the first.
    expect(other.state).toBe('diverged');
    expect(other.divergences[0]).toMatchObject({ tag: 'Fan', live: true, shadow: false });
    expect(other.reason).toMatch(
      /^Fan diverged from the live PLC \(\d+ diverging sample\(s\), at most 0 allowed\)$/,
    );
    expect(other.seconds).toBeLessThan(3);
    const kept = (await outbox.pending()).filter((i) => i.kind === 'shadow.report').map((i) => i.key);
    expect(kept.sort()).toEqual(['shadow:shadow-job-other', 'shadow:shadow-job-same']);
  }, 30_000);

  it('over OPC UA compares every PLC cycle by subscription (as the CLI does), and catches a divergent candidate', async () => {
    const { shadows, keep, logs } = await setup({ opcua: {} });
    await keep('job-same', 60);
    await keep('job-other', 70);
    const same = await shadows.run(
      { jobId: 'job-same', rolloutId: 'ro-1' },
      { minDurationMs: 1500, maxDivergences: 0 },
    );
    expect(same).toMatchObject({ state: 'passed', divergences: [], mode: 'subscription' });
    expect(same.compared).toBeGreaterThan(10);
    expect(same.comparisonsPerSecond).toBeGreaterThan(0);
    const other = await shadows.run(
      { jobId: 'job-other', rolloutId: 'ro-1' },
      { minDurationMs: 5000, maxDivergences: 0 },
    );
    expect(other.state).toBe('diverged');
    expect(other.divergences[0]).toMatchObject({ tag: 'Fan', live: true, shadow: false });
    const ends = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'candidate shadow segment ended');
    // Each run as long as it takes to judge its duration (ADR 0159): maybe more than one segment.
    expect(new Set(ends.map((l) => l.mode))).toEqual(new Set(['subscription']));
    expect(logs.join('')).toContain('(subscription)');
  }, 30_000);

  it('over OPC UA polls when watch.opcuaMode is poll', async () => {
    const { shadows, keep, logs } = await setup({ opcua: { opcuaMode: 'poll' } });
    await keep('job-same', 60);
    const same = await shadows.run(
      { jobId: 'job-same', rolloutId: 'ro-1' },
      { minDurationMs: 1000, maxDivergences: 0 },
    );
    expect(same).toMatchObject({ state: 'passed', mode: 'poll' });
    const ends = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'candidate shadow segment ended');
    expect(new Set(ends.map((l) => l.mode))).toEqual(new Set(['poll']));
  }, 30_000);

  it('runs a TwinCAT candidate (.TcPOU) as compile loads it, with its branches covered', async () => {
    const { shadows, keep } = await setup();
    await keep('job-tc', 60, [{ path: 'PLC/POUs/Main.TcPOU', text: fanTcPou(60) }]);
    await keep('job-tc-other', 70, [{ path: 'PLC/POUs/Main.TcPOU', text: fanTcPou(70) }]);
    const [same, other] = await Promise.all([
      shadows.run({ jobId: 'job-tc', rolloutId: 'ro-1' }, { minDurationMs: 1500, maxDivergences: 0 }),
      shadows.run({ jobId: 'job-tc-other', rolloutId: 'ro-1' }, { minDurationMs: 3000, maxDivergences: 0 }),
    ]);
    expect(same.reason).toBe('');
    expect(same).toMatchObject({ state: 'passed', divergences: [] });
    expect(same.compared).toBeGreaterThan(10);
    // The IF's two branches, marked in the .TcPOU's ST: both taken by the live sweep 40..79.
    expect(same.coverage?.branches).toEqual({ total: 2, hit: 2 });
    // Read as TwinCAT, not as text: the divergent one is caught on its logic.
    expect(other).toMatchObject({
      state: 'diverged',
      divergences: [{ tag: 'Fan', live: true, shadow: false }],
    });
  }, 30_000);

  it("loads the candidate with agent.yaml's libraries: a library FB is known, then needs a model", async () => {
    // Tc2_System's GETCURTASKINDEX: an interface in the toolchain's library folder, no body.
    const text = fan(60).replace(
      'END_VAR\nFan',
      'END_VAR\nVAR fbTask : GETCURTASKINDEX; END_VAR\nfbTask();\nFan',
    );
    const req = { minDurationMs: 500, maxDivergences: 0 };
    const without = await setup();
    await without.keep('job-lib', 60, [{ path: 'Main.st', text }]);
    const unknown = await without.shadows.run({ jobId: 'job-lib', rolloutId: 'ro-1' }, req);
    expect(unknown.state).toBe('failed');
    expect(unknown.reason).toMatch(/^the candidate cannot run in shadow: .*GETCURTASKINDEX/);
    expect(unknown.reason).not.toMatch(/has no body/);
    const withLibs = await setup({ libraries: join(import.meta.dirname, '../../toolchain/libraries') });
    await withLibs.keep('job-lib', 60, [{ path: 'Main.st', text }]);
    const known = await withLibs.shadows.run({ jobId: 'job-lib', rolloutId: 'ro-1' }, req);
    expect(known.state).toBe('failed');
    expect(known.reason).toMatch(/library function block 'GETCURTASKINDEX' .* has no body .*--models/);
    // agent.yaml `models`: the FB runs with its behaviour model, and the candidate passes.
    const models = mkdtempSync(join(tmpdir(), 'shadow-runs-models-'));
    cleanups.push(() => rmSync(models, { recursive: true, force: true }));
    writeFileSync(
      join(models, 'GETCURTASKINDEX.st'),
      'FUNCTION_BLOCK GETCURTASKINDEX\nVAR_OUTPUT index : BYTE; END_VAR\nindex := 1;\nEND_FUNCTION_BLOCK\n',
    );
    const modelled = await setup({
      libraries: join(import.meta.dirname, '../../toolchain/libraries'),
      models,
    });
    await modelled.keep('job-lib', 60, [{ path: 'Main.st', text }]);
    const ran = await modelled.shadows.run({ jobId: 'job-lib', rolloutId: 'ro-1' }, req);
    expect(ran.reason).toBe('');
    expect(ran.state).toBe('passed');
  }, 30_000);

  it("loads the candidate with agent.yaml's defines: absent is refused, a set picks the branches", async () => {
    // Before decision 0178 an absent set compiled every branch: Fan := Temp > 60 then
    // Fan := Temp > 70 (the last wins), a program no build has.
    const text = fan(60).replace(
      'Fan := Temp > 60;',
      '{IF defined(COLD)}\nFan := Temp > 60;\n{ELSE}\nFan := Temp > 70;\n{END_IF}',
    );
    const req = { minDurationMs: 1500, maxDivergences: 0 };
    const all = await setup();
    await all.keep('job-def', 60, [{ path: 'Main.st', text }]);
    expect(await all.shadows.run({ jobId: 'job-def', rolloutId: 'ro-1' }, req)).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/\{IF defined\(COLD\)\} selects code .*agent\.yaml's defines/),
    });
    const none = await setup({ defines: [] });
    await none.keep('job-def', 60, [{ path: 'Main.st', text }]);
    expect(await none.shadows.run({ jobId: 'job-def', rolloutId: 'ro-1' }, req)).toMatchObject({
      state: 'diverged',
      divergences: [{ tag: 'Fan' }],
    });
    const cold = await setup({ defines: ['COLD'] });
    await cold.keep('job-def', 60, [{ path: 'Main.st', text }]);
    expect(await cold.shadows.run({ jobId: 'job-def', rolloutId: 'ro-1' }, req)).toMatchObject({
      state: 'passed',
      divergences: [],
    });
  }, 30_000);

  it('fails closed: no live PLC configured, a PLC that does not answer, a candidate that was not kept', async () => {
    const none = await setup({ watch: false });
    await none.keep('job-1', 60);
    expect(
      await none.shadows.run(
        { jobId: 'job-1', rolloutId: 'ro-1' },
        { minDurationMs: 500, maxDivergences: 0 },
      ),
    ).toMatchObject({ state: 'failed', reason: expect.stringMatching(/no `watch` section in agent\.yaml/) });

    const dead = await setup({ port: 9 });
    await dead.keep('job-2', 60);
    const unreachable = await dead.shadows.run(
      { jobId: 'job-2', rolloutId: 'ro-1', deployId: 'dep-2' },
      { minDurationMs: 500, maxDivergences: 0 },
    );
    expect(unreachable).toMatchObject({ state: 'failed', shadowId: 'shadow-dep-2', deployId: 'dep-2' });
    expect(unreachable.reason).toMatch(/^PLC unreachable: /);
    expect(
      await dead.shadows.run(
        { jobId: 'job-none', rolloutId: 'ro-1' },
        { minDurationMs: 500, maxDivergences: 0 },
      ),
    ).toMatchObject({ state: 'failed', reason: 'no passed program kept for job job-none' });
  }, 30_000);

  it('fails a run that compared nothing: no evidence is not a pass (ADR 0125)', async () => {
    const s = await setup();
    await s.keep('job-empty', 60);
    // over before a second sample: the PLC answered, nothing was judged
    const r = await s.shadows.run(
      { jobId: 'job-empty', rolloutId: 'ro-1' },
      { minDurationMs: 0.001, maxDivergences: 0 },
    );
    expect(r).toMatchObject({ state: 'failed', compared: 0 });
    expect(r.reason).toMatch(/^nothing compared: \d+ sample\(s\) in [\d.]+ s, none judged/);
  }, 30_000);

  it('a run cut short (a rollback order, a stop) is failed: it proves nothing', async () => {
    const { shadows, keep } = await setup();
    await keep('job-cut', 60);
    const running = shadows.run(
      { jobId: 'job-cut', rolloutId: 'ro-1', deployId: 'dep-cut' },
      { minDurationMs: 20_000, maxDivergences: 0 },
    );
    await new Promise((r) => setTimeout(r, 500));
    await shadows.cancel('dep-cut');
    const run = await running;
    expect(run.state).toBe('failed');
    expect(run.reason).toMatch(
      /^a rollback order came at \d{4}-\d\d-\d\dT[\d:.]+Z: cut short after [\d.]+ of 20 s; a run with a gap proves nothing, so `plcfleet rollouts retry ro-1` runs the site again$/,
    );
    // An agent that stops says so, with when.
    await keep('job-stop', 60);
    const stopped = shadows.run(
      { jobId: 'job-stop', rolloutId: 'ro-2' },
      { minDurationMs: 20_000, maxDivergences: 0 },
    );
    await new Promise((r) => setTimeout(r, 500));
    await shadows.cancel();
    expect((await stopped).reason).toMatch(
      /^agent stopped at \d{4}-[\d\-T:.]+Z: cut short after [\d.]+ of 20 s; .*retry ro-2/,
    );
  }, 30_000);

  it('resumes a run an agent stop cut short: the time it ran counts, the gap does not, and the report says resumed', async () => {
    const { shadows, outbox, keep, make, stateDir } = await setup({ keep: true });
    await keep('job-r', 60);
    const req = { minDurationMs: 3000, maxDivergences: 0 };
    const first = shadows.run({ jobId: 'job-r', rolloutId: 'ro-1' }, req);
    await new Promise((r) => setTimeout(r, 1200));
    await shadows.cancel();
    // Paused, not failed: nothing ends the run at the control plane, and its progress is kept.
    const paused = await first;
    expect(paused).toMatchObject({ state: 'running', resumed: 0 });
    expect((await outbox.pending()).filter((i) => i.kind === 'shadow.report')).toEqual([]);
    expect(readdirSync(stateDir)).toEqual(['candidate-shadow-job-r.json']);
    const kept = JSON.parse(readFileSync(join(stateDir, 'candidate-shadow-job-r.json'), 'utf8'));
    expect(kept).toMatchObject({ version: 1, resumed: 0, run: { meta: { shadowId: 'shadow-job-r' } } });
    expect(kept.progress.seconds).toBe(paused.seconds);
    await new Promise((r) => setTimeout(r, 700)); // the agent is down: not counted

    // The agent after its restart resumes the job's run by itself, for the time it has left …
    const again = make();
    await again.resumeKept();
    await new Promise((r) => setTimeout(r, 400));
    // … and stops again (an upgrade that went wrong, say): resumed once, kept again.
    await again.cancel();
    expect(JSON.parse(readFileSync(join(stateDir, 'candidate-shadow-job-r.json'), 'utf8'))).toMatchObject({
      resumed: 1,
    });
    const third = make();
    await third.resumeKept();
    const ended = await third.run({ jobId: 'job-r', rolloutId: 'ro-1' }, req);
    expect(ended).toMatchObject({
      state: 'passed',
      resumed: 2,
      startedAt: paused.startedAt,
      divergences: [],
    });
    expect(ended.seconds).toBeGreaterThanOrEqual(3);
    // 3 s compared, and the 0.7 s the agent was down on top: the gap was not counted as run.
    expect(Date.now() - Date.parse(ended.startedAt)).toBeGreaterThanOrEqual(3000 + 700);
    expect(ended.samples).toBeGreaterThan(paused.samples);
    expect(ended.coverage?.inputs).toEqual({ total: 1, hit: 1 });
    expect(readdirSync(stateDir)).toEqual([]);
    const sent = (await outbox.pending()).filter((i) => i.kind === 'shadow.report');
    expect(
      sent.map((i) => (i.message as { report: { state: string; resumed: number } }).report),
    ).toMatchObject([{ state: 'passed', resumed: 2 }]);
    // Asked again (a deploy order's run when the order comes again at hello): its end stands.
    expect(await make().run({ jobId: 'job-r', rolloutId: 'ro-1' }, req)).toEqual(ended);
  }, 30_000);

  it('counts an input that took one value before a restart and another after as varied (ADR 0126)', async () => {
    const { shadows, keep, make, plc } = await setup({ keep: true, still: true });
    plc.loop.write('Temp', 50);
    await keep('job-gap', 60);
    const req = { minDurationMs: 1500, maxDivergences: 0 };
    const first = shadows.run({ jobId: 'job-gap', rolloutId: 'ro-1' }, req);
    await new Promise((r) => setTimeout(r, 700));
    await shadows.cancel();
    // each segment sees one temperature (and one Fan value): only across the gap do they change
    expect((await first).coverage).toMatchObject({ inputs: { hit: 0 }, boolOutputs: { hit: 0 } });
    plc.loop.write('Temp', 70);
    const again = make();
    await again.resumeKept();
    const ended = await again.run({ jobId: 'job-gap', rolloutId: 'ro-1' }, req);
    expect(ended).toMatchObject({ state: 'passed', resumed: 1, divergences: [] });
    expect(ended.coverage?.inputs).toEqual({ total: 1, hit: 1 });
    expect(ended.coverage?.boolOutputs).toEqual({ total: 1, hit: 1 });
  }, 30_000);

  it('starts a kept run over when the candidate changed, and fails it when a rollback order stops it', async () => {
    const { shadows, keep, make, stateDir } = await setup({ keep: true });
    await keep('job-c', 60);
    const req = { minDurationMs: 1500, maxDivergences: 0 };
    const first = shadows.run({ jobId: 'job-c', rolloutId: 'ro-1', deployId: 'dep-c' }, req);
    await new Promise((r) => setTimeout(r, 800));
    await shadows.cancel();
    const paused = await first;
    expect(paused.state).toBe('running');
    // Another candidate kept for the job (equivalent, one comment more): nothing of the old run counts.
    await keep('job-c', 60, [{ path: 'Main.st', text: `${fan(60)}(* v2 *)\n` }]);
    const again = make();
    const t0 = Date.now();
    const over = await again.run({ jobId: 'job-c', rolloutId: 'ro-1', deployId: 'dep-c' }, req);
    expect(over).toMatchObject({ state: 'passed', resumed: 0 });
    expect(over.startedAt).not.toBe(paused.startedAt);
    // The whole 1.5 s again (a resumed run would have had about 0.7 s left).
    expect(over.seconds).toBeGreaterThanOrEqual(1.5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    // A rollback order is not a restart: the run fails, and nothing is kept to resume.
    const third = make();
    const cut = third.run(
      { jobId: 'job-c', rolloutId: 'ro-1', deployId: 'dep-d' },
      { ...req, minDurationMs: 20_000 },
    );
    await new Promise((r) => setTimeout(r, 500));
    await third.cancel('dep-d');
    expect((await cut).state).toBe('failed');
    expect(readdirSync(stateDir)).toEqual([]);
  }, 30_000);

  it('resumes after a crash from the progress kept while it ran (the time since the last checkpoint is lost, not counted)', async () => {
    const a = await setup({ keep: true, checkpointMs: 200 });
    await a.keep('job-k', 60);
    const req = { minDurationMs: 2500, maxDivergences: 0 };
    const running = a.shadows.run({ jobId: 'job-k', rolloutId: 'ro-1', deployId: 'dep-k' }, req);
    const file = join(a.stateDir, 'candidate-shadow-dep-k.json');
    // What a crash leaves on disk: the last checkpoint of the running run.
    let crashed: { progress: { seconds: number; samples: number } | null } | undefined;
    for (let i = 0; i < 200 && !crashed?.progress; i++) {
      await new Promise((r) => setTimeout(r, 50));
      crashed = JSON.parse(readFileSync(file, 'utf8'));
    }
    expect(crashed?.progress?.samples).toBeGreaterThan(0);
    expect(crashed?.progress?.seconds).toBeGreaterThan(0);
    await a.shadows.cancel();
    await running;
    // The agent restarted on another host's copy of that state (same candidate, same tag map).
    const b = await setup({ keep: true });
    await b.keep('job-k', 60);
    mkdirSync(b.stateDir, { recursive: true });
    writeFileSync(join(b.stateDir, 'candidate-shadow-dep-k.json'), JSON.stringify(crashed));
    const ended = await b.shadows.run({ jobId: 'job-k', rolloutId: 'ro-1', deployId: 'dep-k' }, req);
    expect(ended).toMatchObject({ state: 'passed', resumed: 1, divergences: [] });
    expect(ended.seconds).toBeGreaterThanOrEqual(2.5);
    expect(ended.samples).toBeGreaterThan(crashed!.progress!.samples);
  }, 30_000);
});

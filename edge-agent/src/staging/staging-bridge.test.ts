import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StageReportMessage, type TagMap } from '@plcfleet/protocols';
import { AttributeIds, DataType, StatusCodes } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTagMap, withOpcuaSession } from '../plant-io';
import { type StageReport, StagingBridge } from './staging-bridge';

const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));
// the plant-io commands alone (src/cli.ts registers the same function with every other concern's)
const cli = `${fixtures}plant-io-cli.ts`;

/** `plcfleet-agent serve-plc` on the real virtual PLC running demo.st, as its own process. */
async function servePlc(
  dataDir: string,
): Promise<{ child: ChildProcess; modbusPort: number; opcua: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'serve-plc',
      '--program',
      `${fixtures}demo.st`,
      '--tags',
      `${fixtures}demo-tags.yaml`,
      '--modbus-port',
      '0',
      '--opcua-port',
      '0',
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line) {
        const j = JSON.parse(line);
        resolve({ child, modbusPort: j.modbusPort, opcua: j.opcuaEndpoint });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve-plc exited ${code}: ${err}`)));
  });
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stage command line', () => {
  it('refuses security none without --insecure (exit 2, before anything starts)', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        'stage',
        '--tags',
        `${fixtures}demo-tags.yaml`,
        '--modbus',
        '127.0.0.1:1',
        '--opcua-port',
        '0',
        '--mode',
        'shadow',
        '--security',
        'none',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/INSECURE.*--insecure/);
  }, 60_000);
});

describe('staged cutover against serve-plc running demo.st', () => {
  let dir: string;
  let plc: Awaited<ReturnType<typeof servePlc>>;
  let map: TagMap;
  const bridges: StagingBridge[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'staging-'));
    map = await loadTagMap(`${fixtures}demo-tags.yaml`);
    plc = await servePlc(path.join(dir, 'plc'));
  }, 90_000);
  afterAll(async () => {
    plc?.child.kill('SIGKILL');
    for (const b of bridges) await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (tags: TagMap, name: string, reports: StageReport[]) => {
    const b = await StagingBridge.start({
      tags,
      modbus: { host: '127.0.0.1', port: plc.modbusPort, timeoutMs: 3000 },
      opcua: { dataDir: path.join(dir, name), port: 0, security: 'none', allowAnonymous: true },
      mode: 'parallel',
      plcOpcua: { endpointUrl: plc.opcua, client: { dataDir: path.join(dir, `${name}-client`) } },
      site: 'test-site',
      // this machine is shared and loaded: allow OPC UA notifications to lag by up to 1.5 s
      compare: { delayMs: 1500 },
      migrationId: 'cutover-1',
      onReport: (r) => reports.push(r),
    });
    bridges.push(b);
    return b;
  };

  it('parallel soak on values that change every scan: zero divergences', async () => {
    const reports: StageReport[] = [];
    const bridge = await start(map, 'bridge-a', reports);
    await until(() => bridge.pollCycles >= 40 && bridge.comparisons >= 200, 'a soak of 40 poll cycles').catch(
      (e) => {
        throw new Error(
          `${e.message}: ${JSON.stringify({ cycles: bridge.pollCycles, comparisons: bridge.comparisons, stage: bridge.stage, f: bridge.figures() })}`,
        );
      },
    );
    const f = bridge.figures();
    expect(f.divergences).toBe(0);
    expect(f.commErrors).toBe(0);
    expect(f.polls).toBeGreaterThan(0);
    expect(f.tags).toBe(map.tags.length);
    expect(bridge.stage).toBe('parallel');
    expect(reports[0]!.stage).toBe('parallel');
    expect(StageReportMessage.safeParse(reports[0]).success).toBe(true);
    // the counter really moved during the soak, and the bridge serves it Good
    const counter = map.tags.find((t) => t.name === 'Counter')!;
    expect(bridge.space.status(counter)).toBe(StatusCodes.Good);

    // parallel: consumers still on Modbus, OPC UA writes refused; cutover: they go to the PLC
    const trim = map.tags.find((t) => t.name === 'Trim')!;
    const write = (value: number) =>
      withOpcuaSession(bridge.server.endpointUrl, { dataDir: path.join(dir, 'writer') }, (s) =>
        s.write({
          nodeId: trim.opcua.nodeId,
          attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.Int16, value } },
        }),
      );
    expect((await write(3)).name).toBe('BadNotWritable');
    bridge.setStage('cutover', 'soak passed');
    expect((await write(4)).name).toBe('Good');
    // the PLC has its own OPC UA server: the write took that path, not Modbus
    expect(bridge.writesVia).toEqual({ opcua: 1, modbus: 0 });
    // the PLC has it: the next Modbus poll brings 4 back, and Ramp follows Trim in demo.st
    await until(() => {
      const v = bridge.space.variable(trim)!.readValue().value.value;
      return v === 4;
    }, 'the written value read back over Modbus');
    expect(reports.map((r) => r.stage)).toEqual(['parallel', 'cutover']);
    expect(reports[1]!.reason).toBe('soak passed');

    const last = bridges.indexOf(bridge);
    await bridge.close();
    bridges.splice(last, 1);
  }, 90_000);

  it('a mis-mapped tag (wrong word order) is caught as a divergence and rolls back; then comm loss shows Bad', async () => {
    const ghost = {
      name: 'Ghost',
      modbus: { table: 'holding' as const, address: 900, type: 'INT' as const, wordOrder: 'big' as const },
      opcua: { nodeId: 'ns=1;s=Main.Ghost', browseName: 'Ghost' },
      access: 'read' as const,
    };
    const wrong: TagMap = {
      ...map,
      tags: [
        ...map.tags.map((t) =>
          t.name === 'Counter' ? { ...t, modbus: { ...t.modbus, wordOrder: 'little' as const } } : t,
        ),
        // not mapped on the PLC: exception 02 on every poll, so it never has a value
        ghost,
      ],
    };
    const reports: StageReport[] = [];
    const bridge = await start(wrong, 'bridge-b', reports);
    await until(() => bridge.stage === 'rolled-back', 'the roll-back');
    const rb = reports.at(-1)!;
    expect(StageReportMessage.parse(rb).stage).toBe('rolled-back');
    expect(rb.figures.divergences).toBeGreaterThan(0);
    expect(rb.figures.worst[0]!.tag).toBe('Counter');
    expect(rb.reason).toMatch(/divergence/);
    expect(reports.map((r) => r.stage)).toEqual(['parallel', 'rolled-back']);
    const ghostTag = wrong.tags.find((t) => t.name === 'Ghost')!;
    await until(
      () => bridge.space.status(ghostTag) !== StatusCodes.BadWaitingForInitialData,
      'a first poll of Ghost',
    );
    expect(bridge.space.status(ghostTag)).toBe(StatusCodes.BadNoCommunication);

    // kill the Modbus side: the bridge must show Bad within two poll periods, never a stale Good
    const counter = wrong.tags.find((t) => t.name === 'Counter')!;
    await until(() => bridge.space.status(counter) === StatusCodes.Good, 'a Good value first');
    const cyclesAtKill = bridge.cyclesOf(counter);
    plc.child.kill('SIGKILL');
    await until(() => bridge.space.status(counter) !== StatusCodes.Good, 'a Bad status');
    expect(bridge.space.status(counter)).toBe(StatusCodes.BadCommunicationError);
    expect(bridge.cyclesOf(counter) - cyclesAtKill).toBeLessThanOrEqual(2);
    const dv = await withOpcuaSession(bridge.server.endpointUrl, { dataDir: path.join(dir, 'reader') }, (s) =>
      s.read({ nodeId: counter.opcua.nodeId, attributeId: AttributeIds.Value }),
    );
    expect(dv.statusCode.name).toBe('BadCommunicationError');
    expect(typeof dv.value.value).toBe('number');
    expect(bridge.figures().commErrors).toBeGreaterThan(0);
  }, 120_000);
});

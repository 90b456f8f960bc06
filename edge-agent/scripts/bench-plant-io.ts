/**
 * Benchmark of the staging bridge: N tags polled over Modbus TCP from a PLC
 * process, served over OPC UA, M of them subscribed by a client process.
 * Measures the bridge's CPU (% of one core) and memory (RSS), and the
 * change-to-notification latency (PLC changes a value → client notified).
 *
 * The PLC process writes the wall-clock time (ms mod 1e9) into the M watched
 * UDINT tags at every change, so the client (same host, same clock) computes
 * latency = arrival − value. The other tags are INT counters that also change.
 *
 *   node --import tsx edge-agent/scripts/bench-plant-io.ts [--tags 10000] [--watched 1000]
 *     [--poll-ms 100] [--change-ms 100] [--seconds 30] [--connections 1]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TagMap } from '@plcfleet/protocols';
import type { ModbusDataModel } from '../src/plant-io/modbus-data-model';
import { MODBUS_EXCEPTION, ModbusException } from '../src/plant-io/modbus-exception';
import { startModbusServer } from '../src/plant-io/modbus-tcp-server';
import { StagingBridge } from '../src/staging/staging-bridge';

const { values: a } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    tags: { type: 'string', default: '10000' },
    watched: { type: 'string', default: '1000' },
    'poll-ms': { type: 'string', default: '100' },
    'change-ms': { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '1' },
    endpoint: { type: 'string' },
  },
});
const TAGS = Number(a.tags);
const WATCHED = Math.min(Number(a.watched), TAGS);
const REGISTERS = WATCHED * 2 + (TAGS - WATCHED);
const nowMod = () => Date.now() % 1_000_000_000;

/** The PLC: a register image that changes every change-ms, served over Modbus TCP. */
async function plc(): Promise<void> {
  const regs = new Uint16Array(REGISTERS);
  const model: ModbusDataModel = {
    readBits: () => {
      throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'no bits');
    },
    readRegisters: (_t, address, count) => {
      if (address + count > REGISTERS)
        throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'out');
      return Array.from(regs.subarray(address, address + count));
    },
    writeCoils: () => {},
    writeRegisters: () => {},
  };
  let counter = 0;
  setInterval(() => {
    const t = nowMod();
    for (let i = 0; i < WATCHED; i++) {
      regs[i * 2] = t >>> 16;
      regs[i * 2 + 1] = t & 0xffff;
    }
    counter = (counter + 1) & 0x7fff;
    for (let r = WATCHED * 2; r < REGISTERS; r++) regs[r] = counter;
  }, Number(a['change-ms']));
  const server = await startModbusServer({ model, port: 0 });
  process.send?.({ port: server.port });
}

/** The OPC UA client: subscribes to the watched tags and reports latency percentiles. */
async function client(): Promise<void> {
  const { AttributeIds, ClientMonitoredItemGroup, ClientSubscription, OPCUAClient, TimestampsToReturn } =
    await import('node-opcua');
  const c = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
  await c.connect(a.endpoint!);
  const session = await c.createSession();
  const sub = ClientSubscription.create(session, {
    requestedPublishingInterval: 50,
    requestedMaxKeepAliveCount: 20,
    requestedLifetimeCount: 600,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
  });
  const items = Array.from({ length: WATCHED }, (_, i) => ({
    nodeId: `ns=1;s=W${i}`,
    attributeId: AttributeIds.Value,
  }));
  const group = ClientMonitoredItemGroup.create(
    sub,
    items,
    { samplingInterval: 0, queueSize: 1, discardOldest: true },
    TimestampsToReturn.Neither,
  );
  const lat: number[] = [];
  let warm = true;
  setTimeout(() => {
    warm = false;
  }, 3000);
  group.on('changed', (_item, dv) => {
    if (warm || !dv.statusCode.isGood()) return;
    let d = nowMod() - Number(dv.value.value);
    if (d < -500_000_000) d += 1_000_000_000;
    lat.push(d);
  });
  process.on('message', async () => {
    await sub.terminate().catch(() => {});
    await session.close().catch(() => {});
    await c.disconnect().catch(() => {});
    lat.sort((x, y) => x - y);
    const p = (q: number) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(q * lat.length) - 1))] ?? NaN;
    process.send?.({ notifications: lat.length, p50: p(0.5), p99: p(0.99), max: lat.at(-1) });
    process.exit(0);
  });
  process.send?.({ ready: true, publishingInterval: sub.publishingInterval });
}

function child(args: string[]): { proc: ChildProcess; next: () => Promise<Record<string, unknown>> } {
  const proc = fork(process.argv[1]!, args, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  proc.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m as Record<string, unknown>);
    else queue.push(m as Record<string, unknown>);
  });
  return {
    proc,
    next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiters.push(r))),
  };
}

async function main(): Promise<void> {
  const common = ['--tags', String(TAGS), '--watched', String(WATCHED), '--change-ms', a['change-ms']!];
  const p = child(['--role', 'plc', ...common]);
  const { port } = (await p.next()) as { port: number };
  const tags = [];
  for (let i = 0; i < WATCHED; i++)
    tags.push({
      name: `W${i}`,
      modbus: { table: 'holding', address: i * 2, type: 'UDINT' },
      opcua: { nodeId: `ns=1;s=W${i}`, browseName: `W${i}` },
    });
  for (let i = WATCHED; i < TAGS; i++)
    tags.push({
      name: `T${i}`,
      modbus: { table: 'holding', address: WATCHED + i, type: 'INT' },
      opcua: { nodeId: `ns=1;s=T${i}`, browseName: `T${i}` },
    });
  const map = TagMap.parse({ apiVersion: 'plcfleet/v1', kind: 'TagMap', tags });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-plant-io-'));
  const bridge = await StagingBridge.start({
    tags: map,
    modbus: { host: '127.0.0.1', port, connections: Number(a.connections) },
    opcua: { dataDir: dir, port: 0, security: 'none', allowAnonymous: true },
    mode: 'shadow',
    plan: { defaultIntervalMs: Number(a['poll-ms']) },
  });
  const cl = child(['--role', 'client', '--endpoint', bridge.server.endpointUrl, ...common]);
  const hello = await cl.next();
  // measure the bridge (this process) after a warm-up
  await new Promise((r) => setTimeout(r, 3000));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cycles0 = bridge.pollCycles;
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 500);
  await new Promise((r) => setTimeout(r, Number(a.seconds) * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  clearInterval(sampler);
  cl.proc.send('stop');
  const latency = await cl.next();
  const f = bridge.figures();
  const result = {
    tags: TAGS,
    watched: WATCHED,
    pollMs: Number(a['poll-ms']),
    changeMs: Number(a['change-ms']),
    connections: Number(a.connections),
    requestsPerCycle: Math.ceil(REGISTERS / 125),
    seconds: Number(a.seconds),
    pollCyclesPerSecond: Math.round(((bridge.pollCycles - cycles0) / wall) * 1000 * 10) / 10,
    bridgeCpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    bridgeRssMB: Math.round(rssMax / 1024 / 1024),
    modbusRequestMs: f.latencyMs,
    commErrors: f.commErrors,
    publishingIntervalMs: hello.publishingInterval,
    changeToNotificationMs: latency,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
  console.log(JSON.stringify(result, null, 2));
  await bridge.close();
  p.proc.kill();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}

if (a.role === 'plc') await plc();
else if (a.role === 'client') await client();
else await main();

/**
 * Benchmark of the staging bridge as it ships: `plcfleet-agent stage` (the
 * built CLI, its own process) polls N tags over Modbus TCP from a PLC process
 * and serves them over OPC UA; a client process subscribes to M of them.
 * Measures the bridge process's CPU (% of one core, from /proc), memory (RSS,
 * peak) and poll rate, and the change-to-notification latency (PLC changes a
 * value → client notified).
 *
 * The PLC process writes the wall-clock time (ms mod 1e9) into the M watched
 * UDINT tags at every change, so the client (same host, same clock) computes
 * latency = arrival − value. The other tags are INT counters that also change.
 *
 * Build first (`npm run build -w @plcfleet/edge-agent`; `npm ci` does it), then
 *   node --import tsx edge-agent/scripts/bench-plant-io.ts [--tags 10000] [--watched 1000]
 *     [--poll-ms 100] [--change-ms 100] [--seconds 30] [--connections 1] [--publishing-ms 10]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TagMap } from '@plcfleet/protocols';
import { freePort } from '../src/plant-io/free-port';
import type { ModbusDataModel } from '../src/plant-io/modbus-data-model';
import { MODBUS_EXCEPTION, ModbusException } from '../src/plant-io/modbus-exception';
import { startModbusServer } from '../src/plant-io/modbus-tcp-server';

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
    'publishing-ms': { type: 'string', default: '10' },
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
    requestedPublishingInterval: Number(a['publishing-ms']),
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

const CLK_TCK = 100;
/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** The bridge: `plcfleet-agent stage`, answering `report` on stdin with a stage.report line. */
function startBridge(args: string[]) {
  const cli = path.join(import.meta.dirname, '..', 'bin', 'plcfleet-agent.js');
  if (!existsSync(path.join(import.meta.dirname, '..', 'dist', 'cli.js')))
    throw new Error('build the edge agent first: npm run build -w @plcfleet/edge-agent');
  const nodeArgs = process.env.BENCH_BRIDGE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, cli, 'stage', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiters: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      process.stderr.write(`bridge: ${line}\n`);
      return;
    }
    if (
      msg.msg === 'ready' ||
      (msg.msg === 'stage.report' && (msg.report as { reason?: string }).reason === 'on request')
    )
      waiters.shift()?.(msg);
    else if (Number(msg.level) >= 40) process.stderr.write(`${line}\n`);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push(resolve);
      proc.once('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
    });
  const figures = async () => {
    const r = next();
    proc.stdin!.write('report\n');
    return ((await r).report as { figures: { polls: number; commErrors: number; latencyMs: unknown } })
      .figures;
  };
  return { proc, next, figures };
}

async function main(): Promise<void> {
  const common = ['--tags', String(TAGS), '--watched', String(WATCHED), '--change-ms', a['change-ms']!];
  const p = child(['--role', 'plc', ...common]);
  const { port } = (await p.next()) as { port: number };
  const tags = [];
  for (let i = 0; i < WATCHED; i++)
    tags.push({
      name: `W${i}`,
      pollGroup: 'bench',
      modbus: { table: 'holding', address: i * 2, type: 'UDINT' },
      opcua: { nodeId: `ns=1;s=W${i}`, browseName: `W${i}` },
    });
  for (let i = WATCHED; i < TAGS; i++)
    tags.push({
      name: `T${i}`,
      pollGroup: 'bench',
      modbus: { table: 'holding', address: WATCHED + i, type: 'INT' },
      opcua: { nodeId: `ns=1;s=T${i}`, browseName: `T${i}` },
    });
  const map = TagMap.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'TagMap',
    pollGroups: [{ name: 'bench', interval: Number(a['poll-ms']) }],
    tags,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-plant-io-'));
  const mapFile = path.join(dir, 'tags.json');
  await writeFile(mapFile, JSON.stringify(map));
  const bridge = startBridge([
    '--tags',
    mapFile,
    '--modbus',
    `127.0.0.1:${port}`,
    '--opcua-port',
    String(await freePort()),
    '--mode',
    'shadow',
    '--security',
    'none',
    '--insecure',
    '--allow-anonymous',
    '--data-dir',
    dir,
    '--modbus-connections',
    a.connections!,
  ]);
  const ready = await bridge.next();
  const pid = bridge.proc.pid!;
  const cl = child([
    '--role',
    'client',
    '--endpoint',
    String(ready.opcuaEndpoint),
    '--publishing-ms',
    a['publishing-ms']!,
    ...common,
  ]);
  const hello = await cl.next();
  // measure the bridge after a warm-up
  await new Promise((r) => setTimeout(r, 3000));
  const polls0 = (await bridge.figures()).polls;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssBytes(pid));
  }, 250);
  await new Promise((r) => setTimeout(r, Number(a.seconds) * 1000));
  const cpu = cpuSeconds(pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const f = await bridge.figures();
  cl.proc.send('stop');
  const latency = await cl.next();
  const requestsPerCycle = Math.ceil(REGISTERS / 125);
  const result = {
    tags: TAGS,
    watched: WATCHED,
    pollMs: Number(a['poll-ms']),
    changeMs: Number(a['change-ms']),
    connections: Number(a.connections),
    requestsPerCycle,
    seconds: Number(a.seconds),
    pollCyclesPerSecond: Math.round(((f.polls - polls0) / requestsPerCycle / wall) * 10) / 10,
    bridgeCpuPercentOfOneCore: Math.round((cpu / wall) * 1000) / 10,
    bridgeRssMB: Math.round(rssMax / 1024 / 1024),
    modbusRequestMs: f.latencyMs,
    commErrors: f.commErrors,
    publishingIntervalMs: hello.publishingInterval,
    changeToNotificationMs: latency,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
  console.log(JSON.stringify(result, null, 2));
  bridge.proc.kill('SIGINT');
  await new Promise((r) => bridge.proc.once('exit', r));
  p.proc.kill();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}

if (a.role === 'plc') await plc();
else if (a.role === 'client') await client();
else await main();

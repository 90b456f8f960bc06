/**
 * Benchmark of live shadow execution (issue #21, docs/shadow.md) on real sockets: a
 * served virtual PLC (its own process, Modbus TCP on loopback) runs the 1,000-tag
 * program of src/shadow/fixtures while a field changes its inputs; this process runs the
 * shadow (`runShadow`, what `plcfleet-agent shadow` runs) against it and prints:
 *
 *  0. what the coverage marks cost a branch-heavy candidate, µs a scan, plain and marked;
 *  1. steady state — an equivalent candidate for --seconds: samples, poll period reached,
 *     candidate scans, CPU of the shadow process as a share of one core, divergences;
 *  2. divergence latency — a candidate that differs only when I0 = 12345; the PLC process
 *     writes 12345 at a random moment and says when (wall clock, same host); the time until
 *     the shadow reports the divergence, in ms, PLC cycles and polls (--trials times);
 *  3. comm-loss latency — the PLC process closes its sockets (a reset), or stops answering
 *     without closing (SIGSTOP: a pulled cable; detected when a poll's answer is overdue:
 *     two polls after three times the slowest answer of the last 30 s, or --comm-loss-ms; 3 trials); the time until the shadow reports the comm loss, in ms and
 *     polls. The steady run's comm losses are false ones (the PLC never stopped).
 *
 *   node --import tsx --conditions=source edge-agent/scripts/bench-shadow.ts \
 *     [--seconds 20] [--cycle-ms 10] [--poll-ms 10] [--timeout-ms 1000] [--latency-ms 2×poll]
 *     [--comm-loss-ms 2×poll]
 *     [--change-ms 100] [--trials 5] [--transport modbus|opcua] [--mode poll|subscription]
 *     [--messages-per-period 2] (subscription: the publishing interval is the poll over it)
 *     [--steady-only] (1 alone: a profile's or an A/B comparison's run)
 *
 * BENCH_SHADOW_PROF=FILE: a CPU profile of this process over the steady run only (the shadow;
 * the served PLC is another process, BENCH_PLC_PROF), its positions those of the TypeScript
 * sources (tsx's code is one line a file), for Chrome DevTools or `speedscope`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { TagMap } from '@plcfleet/protocols';
import { parseSource } from '@plcfleet/toolchain/iec';
import { compileProgram } from '@plcfleet/toolchain/sim';
import { routeNodeOpcuaLogsToStderr } from '../src/cli/node-opcua-logs';
import { loadTagMap, startPlcServer, VirtualPlcRuntime } from '../src/plant-io';
import {
  bindTags,
  compileInstrumented,
  ModbusLivePlc,
  OpcuaLiveFeed,
  OpcuaLivePlc,
  runShadow,
  type ShadowReport,
} from '../src/shadow';
import type { LivePlc, LiveSample } from '../src/shadow/live-plc';
import type { LiveFeed } from '../src/shadow/live-subscription';

const { values: a } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    seconds: { type: 'string', default: '20' },
    'cycle-ms': { type: 'string', default: '10' },
    'poll-ms': { type: 'string' },
    'timeout-ms': { type: 'string', default: '1000' },
    'latency-ms': { type: 'string' },
    'comm-loss-ms': { type: 'string' },
    'change-ms': { type: 'string', default: '100' },
    trials: { type: 'string', default: '5' },
    transport: { type: 'string', default: 'modbus' },
    mode: { type: 'string', default: 'poll' },
    security: { type: 'string', default: 'none' },
    'messages-per-period': { type: 'string', default: '2' },
    'steady-only': { type: 'boolean', default: false },
  },
});
const FIXTURES = path.join(import.meta.dirname, '../src/shadow/fixtures');
const PROGRAM = path.join(FIXTURES, 'bench-1000.st');
const TAGS = path.join(FIXTURES, 'bench-1000-tags.yaml');
const CYCLE = Number(a['cycle-ms']);
const POLL = Number(a['poll-ms'] ?? CYCLE);
const TIMEOUT = Number(a['timeout-ms']);
const LATENCY = a['latency-ms'] === undefined ? undefined : Number(a['latency-ms']);
const COMM_LOSS = a['comm-loss-ms'] === undefined ? undefined : Number(a['comm-loss-ms']);
/** The value of I0 at which the divergent candidate differs. */
const TRIGGER = 12345;
/** How the shadow reads the PLC: Modbus TCP, or the PLC's own OPC UA server (security none, loopback). */
const OPCUA = a.transport === 'opcua';
if (!OPCUA && a.transport !== 'modbus') throw new Error(`--transport is modbus or opcua, not ${a.transport}`);
/** Over OPC UA: a Read every poll, or a subscription (a comparison every PLC cycle; ADR 0100). */
const SUBSCRIPTION = a.mode === 'subscription';
if (!SUBSCRIPTION && a.mode !== 'poll') throw new Error(`--mode is poll or subscription, not ${a.mode}`);
if (SUBSCRIPTION && !OPCUA) throw new Error('--mode subscription needs --transport opcua');
const SECURITY = a.security as 'none' | 'sign' | 'sign-and-encrypt';

/** The PLC process: the program served over Modbus, a field changing 10 % of its inputs every change-ms. */
async function plc(): Promise<void> {
  const text = readFileSync(PROGRAM, 'utf8');
  const pki = OPCUA ? await mkdtemp(path.join(os.tmpdir(), 'bench-shadow-plc-')) : undefined;
  const server = await startPlcServer({
    runtime: new VirtualPlcRuntime([{ name: 'bench-1000.st', text }]),
    tags: await loadTagMap(TAGS),
    cycleMs: CYCLE,
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: pki
      ? {
          dataDir: pki,
          port: 0,
          security: SECURITY,
          allowAnonymous: true,
          trustUnknownClients: true,
        }
      : false,
  });
  let k = 0;
  let triggered = false;
  const field = setInterval(() => {
    k++;
    for (let i = k % 10; i < 200; i += 10) server.loop.write(`B${i}`, Math.random() < 0.5);
    for (let i = k % 10; i < 300; i += 10)
      if (i !== 0) server.loop.write(`I${i}`, Math.floor(Math.random() * 2000) - 1000);
    // not while a trial holds I0 at the trigger: an overwrite within a scan of it made no divergence
    if (k % 10 === 0 && !triggered) server.loop.write('I0', Math.floor(Math.random() * 2000) - 1000);
  }, Number(a['change-ms']));
  // how busy the served PLC is: its CPU share and how late its event loop runs (scan timers,
  // the OPC UA server's publishing timer and sockets all wait on it)
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let cpuFrom = process.cpuUsage();
  let wallFrom = performance.now();
  let scansFrom = 0;
  process.on('message', (m: { kind: string }) => {
    if (m.kind === 'stats-start') {
      loopDelay.reset();
      cpuFrom = process.cpuUsage();
      wallFrom = performance.now();
      scansFrom = server.loop.scanCount;
    } else if (m.kind === 'stats') {
      const cpu = process.cpuUsage(cpuFrom);
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      process.send?.({
        stats: `served PLC: CPU ${(((cpu.user + cpu.system) / 1000 / (performance.now() - wallFrom)) * 100).toFixed(1)} % of one core, ${server.loop.scanCount - scansFrom} scans in ${((performance.now() - wallFrom) / 1000).toFixed(1)} s, event loop late by p50 ${ms(loopDelay.percentile(50))} / p99 ${ms(loopDelay.percentile(99))} / max ${ms(loopDelay.max)} ms`,
      });
    } else if (m.kind === 'trigger') {
      const written = Date.now();
      triggered = true;
      server.loop.write('I0', TRIGGER);
      // the divergence occurs when the PLC's next scan writes the output
      const off = server.loop.onScan(() => {
        off();
        process.send?.({ at: written, scanned: Date.now() });
      });
    } else if (m.kind === 'calm') {
      triggered = false;
      server.loop.write('I0', 0);
    } else if (m.kind === 'close') {
      clearInterval(field);
      const at = Date.now();
      void server.close().then(() => process.send?.({ at }));
    }
  });
  // the bench ended (or died): so does the PLC (an exit, so that --cpu-prof writes its profile)
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => {
    if (pki) rmSync(pki, { recursive: true, force: true });
    process.exit(0);
  });
  process.send?.({ port: server.modbus!.port, endpoint: server.opcua?.endpointUrl });
}

/** A child process and its next message. */
/** What the PLC process says: its ports, or when it did what it was asked. */
interface Msg {
  stats?: string;
  port?: number;
  endpoint?: string;
  at?: number;
  scanned?: number;
}

function child(): { proc: ChildProcess; next: () => Promise<Msg> } {
  const proc = fork(
    process.argv[1]!,
    [
      '--role',
      'plc',
      '--cycle-ms',
      String(CYCLE),
      '--change-ms',
      a['change-ms']!,
      '--transport',
      a.transport!,
      '--security',
      SECURITY,
    ],
    {
      // BENCH_PLC_PROF=DIR: a CPU profile of the served PLC (node --cpu-prof) in DIR
      execArgv: [
        '--import',
        'tsx',
        '--conditions=source',
        ...(process.env.BENCH_PLC_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PLC_PROF}`] : []),
      ],
      stdio: 'inherit',
    },
  );
  const queue: Msg[] = [];
  const waiters: ((m: Msg) => void)[] = [];
  proc.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m as Msg);
    else queue.push(m as Msg);
  });
  return {
    proc,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

/** BENCH_SHADOW_DEBUG, subscription: the last run's messages. */
let msgTrace: string[] = [];
/** When the last run's report was out (before its link was closed), epoch ms. */
let reportedAt = 0;
/** How long each read took, ms (answered or failed; late ones too): reset before the steady run. */
let answerMs: number[] = [];
/** This process's CPU and the wall clock at the first read of the steady run (user and system time apart). */
let firstRead: FirstRead | undefined;
interface FirstRead {
  cpu: NodeJS.CpuUsage;
  at: number;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const mean = s.reduce((x, y) => x + y, 0) / Math.max(1, s.length);
  return `mean ${mean.toFixed(1)}, min ${s[0]?.toFixed(1)}, max ${s.at(-1)?.toFixed(1)}`;
};

/** What the coverage marks cost the candidate: 1,000 IF/CASE statements (3,000 branches), plain and marked. */
function marksCost(): string {
  const n = 500;
  const decl = Array.from({ length: n }, (_, i) => `I${i} : INT; Q${i} : INT;`).join('\n');
  const body = Array.from(
    { length: n },
    (_, i) =>
      `IF I${i} > 10 THEN Q${i} := I${i} - 1; ELSIF I${i} < -10 THEN Q${i} := I${i} + 1; ELSE Q${i} := 0; END_IF;\n` +
      `CASE I${i} MOD 4 OF 0: Q${i} := Q${i} + 1; 1, 2: Q${i} := Q${i} + 2; END_CASE;`,
  ).join('\n');
  const text = `PROGRAM Main\nVAR\n${decl}\nEND_VAR\n${body}\nEND_PROGRAM\n`;
  const plain = compileProgram([parseSource(text, 'branches.st').unit]);
  const marked = compileInstrumented([{ name: 'branches.st', text }]).plc;
  for (const p of [plain, marked]) for (let i = 0; i < n; i++) p.set(`I${i}`, ((i * 7) % 41) - 20);
  const perScan = (p: typeof plain) => {
    const t = performance.now();
    p.scan(5000);
    return ((performance.now() - t) / 5000) * 1000;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < 10; r++) {
    a.push(perScan(plain));
    b.push(perScan(marked));
  }
  return `coverage marks, 1,000 IF/CASE statements: plain best ${Math.min(...a).toFixed(1)} µs a scan, marked best ${Math.min(...b).toFixed(1)} µs (of 10 runs of 5,000 scans)`;
}

/** Moves a profile's call frame to its place in the TypeScript source (tsx's source maps). */
function toSource(cf: { url: string; lineNumber: number; columnNumber: number }): void {
  const map = cf.url.startsWith('file:') ? findSourceMap(cf.url) : undefined;
  const at = map?.findEntry(cf.lineNumber, cf.columnNumber);
  if (at && 'originalLine' in at) {
    cf.lineNumber = at.originalLine;
    cf.columnNumber = at.originalColumn;
  }
}

/**
 * `f`, profiled into `file` when given (BENCH_SHADOW_PROF): every call frame moved to its place in
 * the TypeScript source, through the source maps tsx leaves.
 */
async function profiled<T>(file: string | undefined, f: () => Promise<T>): Promise<T> {
  const heap = process.env.BENCH_SHADOW_HEAP;
  if (heap) return heapProfiled(heap, f);
  if (!file) return f();
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 250 });
  await s.post('Profiler.start');
  try {
    return await f();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    for (const n of profile.nodes) {
      toSource(n.callFrame);
      delete n.positionTicks;
    }
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  }
}

/**
 * BENCH_SHADOW_HEAP=FILE: what the steady run allocates, sampled (`HeapProfiler.startSampling`,
 * objects collected meanwhile kept): bytes by function, TypeScript positions as above.
 */
async function heapProfiled<T>(file: string, f: () => Promise<T>): Promise<T> {
  const s = new Session();
  s.connect();
  await s.post('HeapProfiler.enable');
  await s.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    return await f();
  } finally {
    const { profile } = await s.post('HeapProfiler.stopSampling');
    type Node = (typeof profile)['head'];
    const moved = (n: Node) => {
      toSource(n.callFrame);
      for (const c of n.children) moved(c);
    };
    moved(profile.head);
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  }
}

async function main(): Promise<void> {
  const map: TagMap = await loadTagMap(TAGS);
  const text = readFileSync(PROGRAM, 'utf8');
  const divergentText = text.replace(
    'Q0 := I0 * 2 + 1;',
    `IF I0 = ${TRIGGER} THEN Q0 := 0; ELSE Q0 := I0 * 2 + 1; END_IF;`,
  );
  const candidate = (t: string) => {
    const c = compileInstrumented([{ name: 'bench-1000.st', text: t }], { cycleMs: CYCLE });
    const b = bindTags(map, c.plc);
    return { c, b };
  };
  const run = async (
    port: number,
    t: string,
    ms: number,
    extra: Partial<Parameters<typeof runShadow>[0]> = {},
    onOpen?: () => void,
  ): Promise<ShadowReport> => {
    const { c, b } = candidate(t);
    const tags = b.tags.map((x) => x.tag);
    const client = { security: SECURITY, dataDir: clientPki, timeoutMs: TIMEOUT, trustUnknownServer: true };
    const trace: LiveSample[] = [];
    const dbg = process.env.BENCH_SHADOW_DEBUG;
    let live: LivePlc | LiveFeed;
    if (SUBSCRIPTION) {
      const feed = new OpcuaLiveFeed(endpoint!, tags, client, {
        publishingMs: POLL,
        messagesPerPeriod: Number(a['messages-per-period']),
      });
      const open = feed.open.bind(feed);
      // trials time their trigger from when the shadow runs, not from the subscription's setup
      feed.open = async () => {
        const o = await open();
        if (o.ok) firstRead ??= { cpu: process.cpuUsage(), at: performance.now() };
        if (o.ok) onOpen?.();
        return o;
      };
      if (dbg) {
        // BENCH_SHADOW_DEBUG: the messages as they came (PLC times relative to the arrival)
        const next = feed.next.bind(feed);
        const q0 = tags.find((t) => t.name === 'Q0');
        feed.next = async (ms) => {
          const m = await next(ms);
          if (m?.ok)
            msgTrace.push(
              `${m.receivedAt} pub ${m.publishTime - m.receivedAt} n ${m.changes.length} ${m.changes
                .filter((c) => c.tag === q0)
                .map((c) => `Q0=${c.raw}@${c.at - m.receivedAt}`)
                .join(' ')}`,
            );
          else msgTrace.push(`${Date.now()} ${m ? m.error : 'none'}`);
          return m;
        };
      }
      live = feed;
    } else {
      const polled = OPCUA
        ? new OpcuaLivePlc(endpoint!, tags, client)
        : new ModbusLivePlc(map, tags, '127.0.0.1', port, TIMEOUT);
      const read = polled.read.bind(polled);
      polled.read = async () => {
        const r = await read();
        answerMs.push(r.tResp - r.tReq);
        firstRead ??= { cpu: process.cpuUsage(), at: performance.now() };
        if (dbg) trace.push(r);
        return r;
      };
      live = polled;
    }
    try {
      const report = await runShadow({
        plc: c.plc,
        branches: c.coverage,
        live,
        tags: b.tags,
        unbound: b.unbound,
        durationMs: ms,
        cycleMs: CYCLE,
        pollMs: POLL,
        ...(LATENCY === undefined ? {} : { latencyMs: LATENCY }),
        ...(COMM_LOSS === undefined ? {} : { commLossMs: COMM_LOSS }),
        ...extra,
      });
      // the report is out here; closing the link (an OPC UA session's round trips) comes after it
      reportedAt = Date.now();
      const d = report.divergences[0];
      if (dbg && (d || extra.stopAtFirst)) {
        const tag = d?.tag ?? 'Q0';
        const q = map.tags.find((t) => t.name === tag)!;
        const i = map.tags.find((t) => t.name === tag.replace('Q', 'I'))!;
        // not caught: the reads from the one after the last with I0 not 12345
        const k = d
          ? trace.findIndex((x) => x.tReq === Date.parse(d.first))
          : trace.findIndex((x) => x.ok && x.values.get(i) === TRIGGER);
        if (!d)
          console.log(
            `  not caught: ${JSON.stringify(report.commLoss)} short ${JSON.stringify(report.shortCommLosses)}`,
          );
        for (const x of trace.slice(Math.max(0, k - 6), k + 4))
          console.log(
            `  ${new Date(x.tReq).toISOString()} +${x.tResp - x.tReq} ms ${x.ok ? `${i.name}=${x.values.get(i)} ${q.name}=${x.values.get(q)}` : 'failed'}`,
          );
      }
      return report;
    } finally {
      await live.close();
    }
  };
  console.log(
    `bench-shadow: ${map.tags.length} tags over ${a.transport}${OPCUA ? ` (${a.mode}, security ${SECURITY})` : ''}, PLC cycle ${CYCLE} ms, poll ${POLL} ms, timeout ${TIMEOUT} ms, latency allowance ${LATENCY ?? 'default'}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );

  console.log(marksCost());

  // 1. Steady state.
  const p = child();
  const hello = await p.next();
  const port = hello.port!;
  const endpoint = hello.endpoint;
  const clientPki = await mkdtemp(path.join(os.tmpdir(), 'bench-shadow-client-'));
  answerMs = [];
  firstRead = undefined;
  p.proc.send({ kind: 'stats-start' });
  // comm-loss episodes of the steady run (the PLC never stopped: each is a late answer) and how long each lasted
  const episodes: number[] = [];
  let lostSince = 0;
  const steady = await profiled(process.env.BENCH_SHADOW_PROF, () =>
    run(port, text, Number(a.seconds) * 1000, {
      onCommChange: (lost) => {
        if (lost) lostSince = Date.now();
        else if (lostSince) {
          episodes.push(Date.now() - lostSince);
          lostSince = 0;
        }
      },
    }),
  );
  if (lostSince) episodes.push(Date.now() - lostSince);
  // (set by the run's first read: read through a function, which the flow does not narrow)
  const from = (() => firstRead)() as FirstRead | undefined;
  const used = from ? process.cpuUsage(from.cpu) : { user: 0, system: 0 };
  const share = (us: number) => (from ? ((us / 1000 / (performance.now() - from.at)) * 100).toFixed(1) : '?');
  p.proc.send({ kind: 'stats' });
  const plcStats = (await p.next()).stats;
  const byTime = [...answerMs].sort((x, y) => x - y);
  const pct = (q: number) => byTime[Math.min(byTime.length - 1, Math.floor(q * byTime.length))] ?? 0;
  if (SUBSCRIPTION)
    console.log(
      `steady subscription: publishing ${steady.subscription?.publishingMs} ms, keep-alive ${steady.subscription?.keepAliveMs} ms, ${steady.subscription?.messages} messages (a message every ${steady.pollMs.mean} ms mean, ${steady.pollMs.max} ms max), ${steady.subscription?.overflows} overflow(s); ${steady.comparisonsPerSecond} comparisons a second`,
    );
  else
    console.log(
      `steady answers (${byTime.length} reads, ms from request to answer): p50 ${pct(0.5)}, p90 ${pct(0.9)}, p99 ${pct(0.99)}, p99.9 ${pct(0.999)}, max ${byTime.at(-1)}; ${steady.comparisonsPerSecond} comparisons a second`,
    );
  console.log(
    `steady: ${steady.seconds} s, ${steady.samples} samples (${steady.compared} compared), poll mean ${steady.pollMs.mean} ms / max ${steady.pollMs.max} ms, ${steady.scans} candidate scans (${Math.round((steady.seconds * 1000) / CYCLE)} cycles of real time), CPU ${(steady.cpuShare * 100).toFixed(1)} % of one core, ${steady.divergences.length} diverging tag(s), false comm loss: ${steady.commLoss ? `${steady.commLoss.count} failed poll(s) from ${steady.commLoss.first}: ${steady.commLoss.error}` : 'none'} (comm loss after ${steady.commLossMs.least}–${steady.commLossMs.longest} ms without answer; ${steady.late} late answer(s) dropped)`,
  );
  console.log(
    `shadow process alone (the served PLC is another process): user ${share(used.user)} % + system ${share(used.system)} % of one core (first read to the report)`,
  );
  console.log(`${plcStats} (the steady run)`);
  console.log(
    `steady comm-loss episodes (the PLC never stopped): ${episodes.length}${episodes.length ? `, lasting ${fmt(episodes)} ms; ${episodes.filter((x) => x >= 2000).length} past a watch's 2 s grace (ADR 0120)` : ''}`,
  );
  if (steady.divergences.length)
    console.log(`  diverging: ${JSON.stringify(steady.divergences.slice(0, 5))}`);
  // what this host left unjudged (ADR 0148): none on a quiet host but the seed
  const u = steady.unjudged;
  console.log(
    `  unjudged: ${u.samples} sample(s), ${u.disagreed} disagreeing (${Object.entries(u.why)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
  );

  if (a['steady-only']) {
    p.proc.kill();
    await rm(clientPki, { recursive: true, force: true });
    return;
  }

  // 2. Divergence latency.
  const divMs: number[] = [];
  const divPolls: number[] = [];
  const writeMs: number[] = [];
  for (let i = 0; i < Number(a.trials); i++) {
    p.proc.send({ kind: 'calm' });
    await sleep(100);
    let at = 0;
    let scanned = 0;
    let opened: () => void = () => {};
    const running = SUBSCRIPTION ? new Promise<void>((r) => (opened = r)) : Promise.resolve();
    const trigger = running
      .then(() => sleep(500 + Math.random() * 500))
      .then(async () => {
        p.proc.send({ kind: 'trigger' });
        const m = await p.next();
        at = m.at!;
        scanned = m.scanned!;
      });
    // stops at the divergence; a short comm loss (a late answer, ADR 0120) is waited out, as a watch does
    const r = await run(port, divergentText, 5000, { stopAtFirst: true, commLossGraceMs: 60_000 }, () =>
      opened(),
    );
    const done = reportedAt;
    await trigger;
    const d = r.divergences.find((x) => x.tag === 'Q0');
    if (!d) {
      console.log(`  divergence trial ${i}: not caught (${JSON.stringify(r.divergences.slice(0, 3))})`);
      continue;
    }
    if (process.env.BENCH_SHADOW_DEBUG && done - scanned > 3 * CYCLE)
      console.log(
        `  slow trial: scanned ${scanned}, reported ${done}\n    ${msgTrace.slice(-12).join('\n    ')}`,
      );
    msgTrace = [];
    divMs.push(done - scanned);
    writeMs.push(done - at);
    divPolls.push((done - scanned) / steady.pollMs.mean);
  }
  console.log(
    `divergence reported after the PLC's scan that made it (ms): ${fmt(divMs)}; in PLC cycles: ${fmt(divMs.map((x) => x / CYCLE))}; in polls (of the steady run's mean): ${fmt(divPolls)} (${divMs.length}/${a.trials} caught)`,
  );
  console.log(`  per trial, PLC cycles: ${divMs.map((x) => (x / CYCLE).toFixed(1)).join(' ')}`);
  console.log(`  after the input was written (the PLC's own scan delay included, ms): ${fmt(writeMs)}`);
  p.proc.send({ kind: 'calm' });

  // 3. Comm loss: sockets closed (reset), then a PLC that stops answering (SIGSTOP).
  const loss = async (how: 'close' | 'stop'): Promise<{ ms: number; polls: number } | null> => {
    let lostAt = 0;
    let at = 0;
    /** The PLC is being cut: comm losses before are a loaded host's late answers (ADR 0120), not this one. */
    let cutting = false;
    // after 100 answers (the lasting deadline is learnt from them; the stale one from the first)
    let opened: () => void = () => {};
    const running = SUBSCRIPTION ? new Promise<void>((r) => (opened = r)) : Promise.resolve();
    const cut = running
      .then(() => sleep(1500 + 120 * POLL))
      .then(async () => {
        cutting = true;
        if (how === 'close') {
          p.proc.send({ kind: 'close' });
          at = (await p.next()).at!;
        } else {
          at = Date.now();
          p.proc.kill('SIGSTOP');
        }
      });
    const stop = new AbortController();
    await run(
      port,
      text,
      5000 + 120 * POLL + TIMEOUT,
      {
        signal: stop.signal,
        onCommChange: (lost) => {
          if (lost && !lostAt && cutting) {
            lostAt = Date.now();
            stop.abort();
          }
        },
      },
      () => opened(),
    );
    await cut;
    if (how === 'stop') p.proc.kill('SIGCONT');
    if (!lostAt) return null;
    return { ms: lostAt - at, polls: (lostAt - at) / steady.pollMs.mean };
  };
  const stops: { ms: number; polls: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const stopped = await loss('stop');
    if (stopped) stops.push(stopped);
    await sleep(TIMEOUT);
  }
  console.log(
    `comm loss (PLC stops answering, comm loss after ${COMM_LOSS ?? (SUBSCRIPTION ? 'one keep-alive period and a publishing interval after the usual lateness (p90)' : `one poll (${POLL} ms) after the usual answer (p90 of the last 101)`)}, timeout ${TIMEOUT} ms) reported after (ms) ${fmt(stops.map((x) => x.ms))} = polls ${fmt(stops.map((x) => x.polls))} (${stops.length}/3 reported)`,
  );
  const closed = await loss('close');
  console.log(
    closed
      ? `comm loss (PLC closes its sockets) reported after ${closed.ms} ms = ${closed.polls.toFixed(1)} polls`
      : 'comm loss (PLC closes its sockets): not reported',
  );
  p.proc.kill();
  await rm(clientPki, { recursive: true, force: true });
  console.log(
    `load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

// node-opcua's notices as the CLI has them: on stderr, without those that name nothing the user did
await routeNodeOpcuaLogsToStderr();
if (a.role === 'plc') await plc();
else await main();

/**
 * Benchmark of the control plane's cost for fleet drift (issue #22 goal: 1,000
 * sites reporting hourly cost < 1 % of a core). Agents connect over real
 * websockets to a control plane in a child process (SQLite, as shipped); each
 * sends drift reports of realistic size (a drifted report: 3 POUs with short
 * diffs, 48 hashes of history). The child's CPU time (from /proc) over the
 * reports, divided by their number, is the cost of one report; the hourly
 * cost of a fleet is that × sites / 3600 s.
 *
 *   node --import tsx --conditions=source control-plane/scripts/bench-drift-reports.ts [--agents 50] [--reports 20]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DriftReport, PROTOCOL_VERSION } from '@plcfleet/protocols';
import { FakeAgent } from '../src/testing/fake-agent';

const { values: a } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    agents: { type: 'string', default: '50' },
    reports: { type: 'string', default: '20' },
    dir: { type: 'string' },
  },
});

const TICKS = 100; // clock ticks per second (getconf CLK_TCK on Linux)

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The control plane, in its own process so its CPU is measured alone. */
async function server(): Promise<void> {
  const { startControlPlane } = await import('../src/server');
  const cp = await startControlPlane({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir: a.dir!,
    env: {},
  });
  const sites = Number(a.agents);
  const tokens: string[] = [];
  for (let i = 0; i < sites; i++) {
    const site = `site-${i}`;
    await cp.db
      .insertInto('sites')
      .values({
        name: site,
        tags: '[]',
        firmware: null,
        time_zone: 'UTC',
        maintenance_windows: '[]',
        policy: null,
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      })
      .execute();
    tokens.push((await cp.createAgentToken({ site })).token);
  }
  process.send!({ url: cp.url, tokens });
}

function report(site: string, n: number): DriftReport {
  const diff = Array.from({ length: 12 }, (_, i) =>
    i % 2 ? `+    x${i} := ${n};` : `-    x${i} := 0;`,
  ).join('\n');
  return {
    site,
    status: 'drifted',
    checkedAt: new Date(Date.UTC(2026, 11, 6, 10, 0, n)).toISOString(),
    trigger: 'schedule',
    released: 'git+ssh://git@git.plant/press.git#main:plc',
    releasedCommit: 'c'.repeat(40),
    live: 'opc.tcp://10.0.0.5:4840',
    releasedSha256: 'a'.repeat(64),
    liveSha256: n.toString(16).padStart(64, '0'),
    pous: ['Conveyor', 'PressControl', 'FB_Valve'].map((pou) => ({
      pou,
      change: 'modified' as const,
      file: `${pou}.st`,
      diff,
    })),
    globals: [],
    types: [],
    configuration: false,
    unparsed: [],
    history: Array.from({ length: 48 }, (_, i) => ({
      sha256: i.toString(16).padStart(64, 'f'),
      at: new Date(Date.UTC(2026, 11, 6, 10 - (i % 10), 0, 0)).toISOString(),
    })),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(os.tmpdir(), 'plcfleet-bench-drift-cp-'));
  const child = fork(
    new URL(import.meta.url).pathname,
    ['--role', 'server', '--agents', a.agents!, '--dir', dir],
    {
      execArgv: ['--import', 'tsx', '--conditions=source'],
    },
  );
  try {
    const { url, tokens } = await new Promise<{ url: string; tokens: string[] }>((resolve) =>
      child.once('message', resolve as never),
    );
    const agents = await Promise.all(
      tokens.map((t, i) => FakeAgent.connect(url, t, `site-${i}`, () => 'ignore')),
    );
    const perAgent = Number(a.reports);
    await new Promise((r) => setTimeout(r, 1000));
    const cpu0 = cpuSecondsOf(child.pid!);
    const t0 = performance.now();
    let sent = 0;
    for (let n = 0; n < perAgent; n++)
      for (const [i, agent] of agents.entries()) {
        agent.send({
          v: PROTOCOL_VERSION,
          id: `d${n}-${i}`,
          type: 'drift.report',
          report: report(`site-${i}`, n),
        });
        sent++;
      }
    // Every report is stored once it is handled: wait for the last history rows.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'plcfleet.db'), { readonly: true });
    const deadline = Date.now() + 120_000;
    while ((db.prepare('select count(*) as n from site_drift_history').get() as { n: number }).n < sent) {
      if (Date.now() > deadline) throw new Error('reports were not all stored in 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    db.close();
    const cpu = cpuSecondsOf(child.pid!) - cpu0;
    const wall = (performance.now() - t0) / 1000;
    const perReportMs = (cpu * 1000) / sent;
    const fleetPercent = (perReportMs * 1000) / 3600 / 10; // 1,000 sites per hour, % of one core
    console.log(
      JSON.stringify({
        agents: agents.length,
        reports: sent,
        serverCpuSeconds: Math.round(cpu * 100) / 100,
        wallSeconds: Math.round(wall * 10) / 10,
        cpuPerReportMs: Math.round(perReportMs * 100) / 100,
        fleet1000HourlyPercentOfCore: Math.round(fleetPercent * 1000) / 1000,
        loadAverage: os.loadavg()[0],
        cpus: os.cpus().length,
      }),
    );
    await Promise.all(agents.map((x) => x.close()));
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (a.role === 'server') await server();
else await main();

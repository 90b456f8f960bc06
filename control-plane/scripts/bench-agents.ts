/**
 * Benchmark: N simulated agents (real ws clients in this process) against one
 * `plcfleet-server` process on SQLite (a child process, so its memory is its own).
 *
 *   node --conditions=source --import tsx control-plane/scripts/bench-agents.ts [agents=10000]
 *
 * Measures: connect time of all agents, server memory per connected agent,
 * a one-phase rollout's dispatch to all of them (offer latency p50/p99), and
 * the time until every verdict is committed (acked). Prints JSON.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Envelope, type JobBundle, PROTOCOL_VERSION } from '@plcfleet/protocols';
import WebSocket from 'ws';
import { createAgent } from '../src/agents/agent.repository';
import { resolveConfig } from '../src/config';
import { upsertSite } from '../src/sites/site.repository';
import { openStore, transaction } from '../src/store/database';
import { makeVerdict } from '../src/testing/fake-agent';
import { client, migrationDoc } from '../src/testing/fixtures';

const N = Number(process.argv[2] ?? 10_000);
const CONNECT_BATCH = 500;

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
// utime + stime of a process in ms (clock ticks of 10 ms on Linux).
const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'plcfleet-bench-'));
  // Fleet set-up straight into the store (not measured).
  const store = await openStore(resolveConfig({ dataDir, env: {} }));
  const tokens: { site: string; token: string }[] = [];
  await transaction(store.db, async (trx) => {
    for (let i = 0; i < N; i++) {
      const site = `site-${String(i).padStart(5, '0')}`;
      await upsertSite(trx, { name: site, tags: [], timeZone: 'UTC', maintenanceWindows: [] });
      const a = await createAgent(trx, { site, createdBy: 'bench' });
      tokens.push({ site, token: a.token });
    }
  });
  await store.close();

  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []),
      '--conditions=source',
      '--import',
      'tsx',
      'control-plane/src/cli.ts',
      'serve',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, PLCFLEET_BOOTSTRAP_TOKEN: 'bench-bootstrap-token-0123456789' },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /control plane on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${buf}`)));
  });
  const api = client(url, 'bench-bootstrap-token-0123456789');
  await api.post('/v1/migrations', migrationDoc('non-safety'));
  await new Promise((r) => setTimeout(r, 1000));
  const rssIdle = rssKb(child.pid!);

  const offersAt = new Map<string, number>();
  const offerLatency: number[] = [];
  const ackAt: number[] = [];
  let rolloutStart = 0;
  const sockets: WebSocket[] = [];
  const closes = new Map<number, number>();
  const connect = (site: string, token: string) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agents`, {
        headers: { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
      });
      sockets.push(ws);
      ws.once('error', reject);
      ws.on('close', (code) => closes.set(code, (closes.get(code) ?? 0) + 1));
      ws.on('open', () =>
        ws.send(
          JSON.stringify({
            v: PROTOCOL_VERSION,
            id: 'h',
            type: 'hello',
            agentId: site,
            site,
            versions: { agent: 'bench', protocols: [1] },
            capabilities: [],
          }),
        ),
      );
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Envelope;
        if (msg.type === 'welcome') {
          // Heartbeats as a real agent sends them: the server drops an agent silent for 3 of them.
          const beat = setInterval(() => {
            if (ws.readyState === WebSocket.OPEN)
              ws.send(
                JSON.stringify({
                  v: PROTOCOL_VERSION,
                  id: 'hb',
                  type: 'heartbeat',
                  ts: new Date().toISOString(),
                }),
              );
          }, msg.heartbeatMs);
          ws.once('close', () => clearInterval(beat));
          resolve();
        } else if (msg.type === 'job.offer') {
          const now = Date.now();
          const bundle = msg.bundle.payload as JobBundle;
          offersAt.set(bundle.jobId, now);
          offerLatency.push(now - Date.parse(bundle.issuedAt));
          ws.send(
            JSON.stringify({
              v: PROTOCOL_VERSION,
              id: `a-${bundle.jobId}`,
              type: 'job.accept',
              jobId: bundle.jobId,
            }),
          );
          ws.send(
            JSON.stringify({
              v: PROTOCOL_VERSION,
              id: `v-${bundle.jobId}`,
              type: 'verdict',
              verdict: makeVerdict(bundle, 'passed'),
            }),
          );
        } else if (msg.type === 'verdict.ack') ackAt.push(Date.now());
      });
    });

  const loadBefore = loadAvg();
  const cpuBeforeConnect = cpuMs(child.pid!);
  const t0 = Date.now();
  for (let i = 0; i < tokens.length; i += CONNECT_BATCH)
    await Promise.all(tokens.slice(i, i + CONNECT_BATCH).map((t) => connect(t.site, t.token)));
  const connectMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const rssConnected = rssKb(child.pid!);

  const cpuBeforeRollout = cpuMs(child.pid!);
  rolloutStart = Date.now();
  const created = await api.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: {
      apiVersion: 'plcfleet/v1',
      kind: 'RolloutPlan',
      phases: [{ name: 'all', select: { rest: true }, concurrency: N }],
    },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  while (ackAt.length < N) {
    await new Promise((r) => setTimeout(r, 50));
    if (Date.now() - rolloutStart > 300_000) break;
  }
  const cpuAfterRollout = cpuMs(child.pid!);
  const lastOffer = Math.max(...offersAt.values());
  const result = {
    agents: N,
    connectAllMs: connectMs,
    serverRssIdleMiB: Math.round(rssIdle / 1024),
    serverRssConnectedMiB: Math.round(rssConnected / 1024),
    memoryPerAgentKiB: Math.round(((rssConnected - rssIdle) / N) * 10) / 10,
    offers: offersAt.size,
    allOfferedMs: lastOffer - rolloutStart,
    offerLatencyMs: { p50: pct(offerLatency, 50), p99: pct(offerLatency, 99), max: pct(offerLatency, 100) },
    offerSinceStartMs: {
      p50: pct(
        [...offersAt.values()].map((t) => t - rolloutStart),
        50,
      ),
      p99: pct(
        [...offersAt.values()].map((t) => t - rolloutStart),
        99,
      ),
    },
    verdictsCommitted: ackAt.length,
    socketsClosedByServer: Object.fromEntries(closes),
    allCommittedMs: Math.max(...ackAt) - rolloutStart,
    // CPU time of the server process, less sensitive to other load than wall time.
    serverCpuMs: {
      connect: cpuBeforeRollout - cpuBeforeConnect,
      rollout: cpuAfterRollout - cpuBeforeRollout,
    },
    loadAverage: { before: loadBefore, after: loadAvg() },
  };
  console.log(JSON.stringify(result, null, 2));
  for (const ws of sockets) ws.terminate();
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}

await main();

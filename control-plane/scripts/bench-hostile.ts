/**
 * Benchmark (not a test): the hostile inputs of issue #17 fired at one
 * `plcfleet-server` process on SQLite (a child process, so its memory is its
 * own), while a well-behaved client keeps asking `GET /v1/sites` with a valid
 * token. Prints, per input, the answer and how long it took, then the server's
 * peak RSS (VmHWM) over the whole run and the slowest answer the good client got.
 *
 *   node --conditions=source --import tsx control-plane/scripts/bench-hostile.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@plcfleet/protocols';
import WebSocket from 'ws';
import { client, migrationDoc, siteDoc } from '../src/testing/fixtures';

const TOKEN = 'bench-bootstrap-token-0123456789';
const MiB = 1024 * 1024;

const status = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

interface Row {
  input: string;
  answer: string;
  ms: number;
}
const rows: Row[] = [];

async function timed(input: string, run: () => Promise<string>): Promise<void> {
  const t = performance.now();
  let answer: string;
  try {
    answer = await run();
  } catch (err) {
    answer = `error: ${(err as Error).message}`;
  }
  rows.push({ input, answer, ms: Math.round(performance.now() - t) });
}

async function post(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<string> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
  return `${res.status}${code ? ` ${code}` : ''}`;
}

/**
 * A body of `total` bytes (chunked, or with a declared length), streamed until
 * the server answers; the answer is read even when the server closes while the
 * body is still being written.
 */
function chunked(
  url: string,
  path: string,
  total: number,
  declared?: number,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  fill = 0x20,
): Promise<string> {
  const u = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        headers: { ...headers, ...(declared !== undefined ? { 'content-length': String(declared) } : {}) },
      },
      (res) => {
        answered = true;
        res.resume();
        resolve(`${res.statusCode} after ${Math.round(written / MiB)} MiB sent`);
        req.destroy();
      },
    );
    // The server may answer and close while this side still writes: the answer counts, not the EPIPE.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      const closedAfter = Math.round(performance.now() - started);
      // No answer read, but the server closed the connection: that is a refusal too
      // (the 500 ms waited here for a late answer are not the server's; its close time is given).
      setTimeout(() => {
        if (answered) return;
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET')
          resolve(`closed (${err.code}) at ${closedAfter} ms`);
        else reject(err);
      }, 500);
    });
    const chunk = Buffer.alloc(Math.min(256 * 1024, total), fill);
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'plcfleet-hostile-'));
  const child = spawn(
    process.execPath,
    [
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
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PLCFLEET_BOOTSTRAP_TOKEN: TOKEN } },
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
  const pid = child.pid!;
  const admin = client(url, TOKEN);
  await admin.put('/v1/sites/s1', siteDoc('s1'));
  await admin.post('/v1/migrations', migrationDoc('non-safety'));
  const operator = (await admin.post('/v1/tokens', { name: 'otto', role: 'operator' })).body.token as string;
  const agentToken = (await admin.post('/v1/agents/enrollments', { site: 's1' })).body
    .enrollmentToken as string;
  const enrolled = await fetch(`${url}/v1/agents/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: agentToken }),
  }).then((r) => r.json() as Promise<{ token: string }>);
  const rssIdleKb = status(pid, 'VmRSS');

  // The fleet keeps serving: a good client asks every 100 ms and keeps its slowest answer.
  let goodSlowest = 0;
  let goodFailures = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      const r = await fetch(`${url}/v1/sites`, { headers: { authorization: `Bearer ${TOKEN}` } }).catch(
        () => null,
      );
      if (r?.status !== 200) goodFailures++;
      await r?.text();
      goodSlowest = Math.max(goodSlowest, performance.now() - t);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();

  const yamlHeaders = { authorization: `Bearer ${operator}`, 'content-type': 'application/yaml' };
  const jsonHeaders = { authorization: `Bearer ${operator}`, 'content-type': 'application/json' };
  const nested = () => chunked(url, '/v1/migrations', 4 * MiB, 4 * MiB, yamlHeaders, 0x5b);
  await timed('YAML 4 MB nested [ (operator)', nested);
  await timed('YAML 4 MB nested [ ×3 at once', async () =>
    (await Promise.all([1, 2, 3].map(nested))).join(', '),
  );
  await timed('YAML 0.9 MB nested [ (under the size cap)', () =>
    post(url, '/v1/migrations', `kind: ${'['.repeat(900_000)}`, yamlHeaders),
  );
  await timed('YAML 0.8 MB "- - - …"', () =>
    post(url, '/v1/migrations', `${'- '.repeat(400_000)}x`, yamlHeaders),
  );
  await timed('YAML aliases (billion laughs)', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    return post(url, '/v1/migrations', lines.join('\n'), yamlHeaders);
  });
  await timed('JSON 4 MB nested [', () =>
    chunked(url, '/v1/migrations', 4 * MiB - 100, 4 * MiB - 100, jsonHeaders, 0x5b),
  );
  await timed('JSON as text/plain', () =>
    post(url, '/v1/migrations', JSON.stringify(migrationDoc('non-safety', 'x')), {
      ...jsonHeaders,
      'content-type': 'text/plain',
    }),
  );
  await timed('unauthenticated chunked 300 MiB → enroll', () => chunked(url, '/v1/agents/enroll', 300 * MiB));
  await timed('unauthenticated chunked 700 MiB → enroll', () => chunked(url, '/v1/agents/enroll', 700 * MiB));
  await timed('Content-Length 700 MiB declared → enroll', () =>
    chunked(url, '/v1/agents/enroll', 8 * MiB, 700 * MiB),
  );
  await timed('25 bad tokens, one address', async () => {
    const codes = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        fetch(`${url}/v1/sites`, { headers: { authorization: `Bearer plc_bad${i}` } }).then((r) => r.status),
      ),
    );
    return `${codes.filter((c) => c === 401).length}×401, ${codes.filter((c) => c === 429).length}×429`;
  });
  await timed('… then the admin’s good token', async () =>
    String((await fetch(`${url}/v1/sites`, { headers: { authorization: `Bearer ${TOKEN}` } })).status),
  );
  await timed('PUT /v1/sites/Bad%20Site', async () => {
    const r = await admin.put('/v1/sites/Bad%20Site', { tags: [] });
    return `${r.status} ${r.body.error?.code ?? ''}`;
  });
  await timed('700 stage.reports with a 1 MiB migrationId', async () => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agents`, {
      headers: { authorization: `Bearer ${enrolled.token}` },
    });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    let errors = 0;
    let closed = '';
    let welcomed: () => void = () => {};
    const welcome = new Promise<void>((r) => (welcomed = r));
    const done = new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; code?: string };
        if (m.type === 'welcome') welcomed();
        if (m.type === 'error' && m.code === 'VALIDATION' && ++errors === 700) resolve();
      });
      ws.on('close', (code, reason) => {
        closed = `, then closed ${code} ${reason.toString()}`;
        resolve();
      });
    });
    ws.send(
      JSON.stringify({
        v: PROTOCOL_VERSION,
        id: 'h',
        type: 'hello',
        agentId: 'x',
        site: 's1',
        versions: { agent: 'bench', protocols: [PROTOCOL_VERSION] },
        capabilities: [],
      }),
    );
    await welcome;
    const big = 'm'.repeat(MiB);
    const figures = {
      tags: 1,
      polls: 1,
      divergences: 0,
      commErrors: 0,
      latencyMs: { p50: 1, p99: 1 },
      worst: [],
    };
    for (let i = 0; i < 700 && ws.readyState === WebSocket.OPEN; i++) {
      ws.send(
        JSON.stringify({
          v: PROTOCOL_VERSION,
          id: `r${i}`,
          type: 'stage.report',
          site: 's1',
          migrationId: big,
          stage: 'shadow',
          figures,
          reason: '',
        }),
      );
      // Keep under the per-agent in-flight limit, as a patient attacker would.
      if (i % 16 === 15) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
    ws.close();
    return `${errors}×VALIDATION${closed}`;
  });

  probing = false;
  await probe;
  const peakKb = status(pid, 'VmHWM');
  const endKb = status(pid, 'VmRSS');
  const stored = (await admin.get('/v1/stage-reports?site=s1&limit=1000')).body.stageReports.length as number;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });

  const w = Math.max(...rows.map((r) => r.input.length));
  const a = Math.max(...rows.map((r) => r.answer.length));
  process.stdout.write(`${'input'.padEnd(w)}  ${'answer'.padEnd(a)}  ms\n`);
  for (const r of rows) process.stdout.write(`${r.input.padEnd(w)}  ${r.answer.padEnd(a)}  ${r.ms}\n`);
  process.stdout.write(
    `\nserver RSS: idle ${Math.round(rssIdleKb / 1024)} MB, peak ${Math.round(peakKb / 1024)} MB, end ${Math.round(endKb / 1024)} MB\n` +
      `good client during the run: slowest ${Math.round(goodSlowest)} ms, ${goodFailures} failed\n` +
      `stage reports stored: ${stored}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `plcfleet sites list` (the drift column) and `plcfleet sites drift SITE`,
 * against a local HTTP server answering as the control plane does (the
 * responses are checked with the control plane's own schemas).
 */
import { type SiteDriftDetail, SiteDriftList, SiteList } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalServer, sendJson, startLocalServer } from '../../testing/local-server';
import { runCli } from '../program';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: server!.url, PLCFLEET_TOKEN: 'tok' },
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
    clientOptions: { backoffMs: 1 },
  });
  return { code, stdout, stderr };
}

const at = '2026-12-06T10:00:00.000Z';
const site = (name: string) => ({
  name,
  tags: ['press'],
  firmware: '3.4.1',
  timeZone: 'UTC',
  maintenanceWindows: [],
  createdAt: at,
  updatedAt: at,
});
const sites = SiteList.parse({ sites: [site('press-1'), site('press-2'), site('press-3')] });
const drift = SiteDriftList.parse({
  items: [
    { site: 'press-1', status: 'drifted', checkedAt: at, liveSha256: 'b'.repeat(64), pous: 2 },
    { site: 'press-2', status: 'same', checkedAt: at, liveSha256: 'c'.repeat(64), pous: 0 },
    { site: 'press-3', status: 'unknown', checkedAt: null, liveSha256: null, pous: 0 },
  ],
});
const detail: SiteDriftDetail = {
  site: 'press-1',
  status: 'drifted',
  report: {
    site: 'press-1',
    status: 'drifted',
    checkedAt: at,
    trigger: 'schedule',
    released: 'git+file:///srv/plant.git#main',
    releasedCommit: 'd'.repeat(40),
    live: 'opc.tcp://plc:4840',
    releasedSha256: 'a'.repeat(64),
    liveSha256: 'b'.repeat(64),
    pous: [
      { pou: 'Conveyor', change: 'modified', file: 'Conveyor.st', diff: '@@ -1 +1 @@\n-x := 1;\n+x := 5;\n' },
    ],
    globals: ['Speed'],
    types: [],
    configuration: false,
    unparsed: [],
    history: [],
  },
  history: [{ sha256: 'b'.repeat(64), status: 'drifted', checkedAt: at, trigger: 'schedule' }],
};

describe('plcfleet sites and drift', () => {
  it('lists each site with its drift', async () => {
    server = await startLocalServer((req, res) =>
      sendJson(res, 200, req.url === '/v1/drift' ? drift : sites),
    );
    const r = await run(['sites', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/press-1 .*DRIFTED \(2 POUs\)/);
    expect(r.stdout).toMatch(/press-2 .*same/);
    expect(r.stdout).toMatch(/press-3 .* -\n/);
    const json = JSON.parse((await run(['--json', 'sites', 'list'])).stdout);
    expect(json[0].drift).toEqual({ status: 'drifted', checkedAt: at, pous: 2 });
  });

  it("takes the drift the sites come with, without asking for the fleet's drift list", async () => {
    const withDrift = SiteList.parse({
      sites: [
        { ...site('press-1'), drift: { status: 'drifted', checkedAt: at, pous: 3 } },
        { ...site('press-2'), drift: { status: 'unknown', checkedAt: null, pous: 0 } },
      ],
    });
    server = await startLocalServer((_req, res) => sendJson(res, 200, withDrift));
    const r = await run(['sites', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/press-1 .*DRIFTED \(3 POUs\)/);
    expect(r.stdout).toMatch(/press-2 .* -\n/);
    expect(server.requests.map((q) => q.url)).toEqual(['/v1/sites']);
  });

  it('still lists sites when the control plane serves no drift (older than issue #22)', async () => {
    server = await startLocalServer((req, res) =>
      req.url === '/v1/drift'
        ? sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no route' } })
        : sendJson(res, 200, sites),
    );
    const r = await run(['sites', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/press-1 .* \?\n/);
  });

  it('shows a site’s drift with the diff and the hash history', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, detail));
    const r = await run(['sites', 'drift', 'press-1']);
    expect(r.code).toBe(0);
    expect(server.requests[0]!.url).toBe('/v1/sites/press-1/drift');
    expect(r.stdout).toContain('DRIFTED (checked');
    expect(r.stdout).toContain(`@ ${'d'.repeat(12)}`);
    expect(r.stdout).toContain('modified Conveyor (Conveyor.st)\n@@ -1 +1 @@\n-x := 1;\n+x := 5;\n');
    expect(r.stdout).toContain('globals     Speed');
    expect(r.stdout).toMatch(/history:\n.*\n.*drifted\s+schedule\s+bbbbbbbbbbbb/);
    const json = await run(['--json', 'sites', 'drift', 'press-1']);
    expect(JSON.parse(json.stdout)).toEqual(detail);
  });

  it('says when a site has no drift check yet, and exits 4 for an unknown site', async () => {
    server = await startLocalServer((req, res) =>
      req.url === '/v1/sites/new/drift'
        ? sendJson(res, 200, { site: 'new', status: 'unknown', report: null, history: [] })
        : sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no site nope' } }),
    );
    expect((await run(['sites', 'drift', 'new'])).stdout).toMatch(/no drift check reported yet/);
    expect((await run(['sites', 'drift', 'nope'])).code).toBe(4);
  });
});

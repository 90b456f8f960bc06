import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsFile, resolveCredentials } from './enroll';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A control plane's enrollment route: each token works once. */
async function enrollServer(site: string) {
  const unused = new Set(['enr_good']);
  const requests: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { enrollmentToken: string; agentId?: string };
      requests.push({ url: req.url, method: req.method, body: parsed });
      res.setHeader('content-type', 'application/json');
      if (req.url !== '/v1/agents/enroll' || !unused.delete(parsed.enrollmentToken)) {
        res.statusCode = 401;
        res.end(
          JSON.stringify({
            error: { code: 'UNAUTHORIZED', message: 'enrollment token is unknown, used or expired' },
          }),
        );
        return;
      }
      res.statusCode = 201;
      res.end(
        JSON.stringify({
          agentId: parsed.agentId ?? 'agt-generated',
          site,
          token: 'agt_own-token',
          publicKeyPem: 'PEM',
          gatewayPath: '/v1/agents',
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { httpBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'enroll-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('enrollment', () => {
  it('exchanges the enrollment token once and keeps the credentials (mode 0600) for later starts', async () => {
    const s = await enrollServer('press-line-9');
    const dir = dataDir();
    const config = {
      site: 'press-line-9',
      dataDir: dir,
      controlPlane: { httpBase: s.httpBase, enrollmentToken: 'enr_good' },
    };
    expect(await resolveCredentials(config)).toEqual({ agentId: 'agt-generated', token: 'agt_own-token' });
    expect(statSync(credentialsFile(dir)).mode & 0o777).toBe(0o600);
    // a restart: the enrollment token is spent, the kept credentials are used
    expect(await resolveCredentials(config)).toEqual({ agentId: 'agt-generated', token: 'agt_own-token' });
    expect(s.requests).toEqual([
      { url: '/v1/agents/enroll', method: 'POST', body: { enrollmentToken: 'enr_good' } },
    ]);
  });

  it('says why an exchange fails: a spent token, another site, no token at all', async () => {
    const s = await enrollServer('press-line-1');
    const base = { site: 'press-line-9', dataDir: dataDir() };
    await expect(
      resolveCredentials({ ...base, controlPlane: { httpBase: s.httpBase, enrollmentToken: 'enr_spent' } }),
    ).rejects.toThrow('enrollment refused: HTTP 401 enrollment token is unknown, used or expired');
    await expect(
      resolveCredentials({
        ...base,
        agentId: 'a9',
        controlPlane: { httpBase: s.httpBase, enrollmentToken: 'enr_good' },
      }),
    ).rejects.toThrow('the token enrolls site "press-line-1", this agent serves "press-line-9"');
    await expect(resolveCredentials({ ...base, controlPlane: { httpBase: s.httpBase } })).rejects.toThrow(
      'no token',
    );
  });

  it('prefers a configured token and needs an agent id with it', async () => {
    const base = {
      site: 's',
      dataDir: dataDir(),
      controlPlane: { httpBase: 'http://127.0.0.1:9', token: 't' },
    };
    expect(await resolveCredentials({ ...base, agentId: 'a1' })).toEqual({ agentId: 'a1', token: 't' });
    await expect(resolveCredentials(base)).rejects.toThrow('agentId: required');
  });
});

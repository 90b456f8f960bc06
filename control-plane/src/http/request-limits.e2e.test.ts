/**
 * Hostile request bodies (issue #17, points 1 and 2): each is answered with a
 * 4xx before it is buffered or parsed, and the server keeps serving. Real sockets,
 * real SQLite. What shows it was not parsed is which check answered (the size limit,
 * the depth scan's message) and how many bytes went in before the answer, not the
 * time it took: times are a machine's, and a loaded CI machine is not a slow server.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { client } from '../testing/fixtures';
import { type Harness, startHarness } from '../testing/harness';
import { jsonNestingDepth, yamlNestingDepth } from './request-body';

let h: Harness;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
});

/** Sends `body` raw; the status and the error it got. */
async function post(url: string, path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  return { status: res.status, error: json?.error };
}

/**
 * Streams a chunked body of up to `total` bytes until the server answers; returns
 * the status and how many bytes were written before the answer came.
 */
function streamChunked(
  url: string,
  path: string,
  total: number,
): Promise<{ status: number; written: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, written });
        req.destroy();
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
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

describe('request body limits', () => {
  it('answers a 4 MB YAML body of nested `[` with a 4xx from the size limit, also three at once', async () => {
    h = await startHarness();
    const operator = (await h.cp.createApiToken({ name: 'otto', role: 'operator' })).token;
    const headers = { authorization: `Bearer ${operator}`, 'content-type': 'application/yaml' };
    const big = '['.repeat(4 * 1024 * 1024);
    const answers = await Promise.all([1, 2, 3].map(() => post(h.cp.url, '/v1/migrations', big, headers)));
    for (const a of answers) {
      expect(a.status).toBe(413);
    }
    // Under the YAML size limit the depth check answers, before the parser sees it.
    const deep = await post(h.cp.url, '/v1/migrations', `kind: ${'['.repeat(900_000)}`, headers);
    expect(deep).toMatchObject({ status: 400, error: { code: 'VALIDATION' } });
    expect(deep.error!.message).toMatch(/nested deeper than 64 levels/);
    const compact = await post(h.cp.url, '/v1/migrations', `${'- '.repeat(400_000)}x`, headers);
    expect(compact).toMatchObject({ status: 400, error: { code: 'VALIDATION' } });
    expect((await h.admin.get('/v1/sites')).status).toBe(200);
  });

  it('answers a 4 MB deeply nested JSON body with a 400 at once, without parsing it', async () => {
    h = await startHarness();
    const headers = { authorization: `Bearer ${h.cp.bootstrapToken}`, 'content-type': 'application/json' };
    const body = '['.repeat(4 * 1024 * 1024 - 100);
    const r = await post(h.cp.url, '/v1/migrations', body, headers);
    expect(r).toMatchObject({ status: 400, error: { code: 'VALIDATION' } });
    // The public enrollment exchange is bounded the same way, before any credential is looked at.
    const anon = await post(h.cp.url, '/v1/agents/enroll', `{"a":${'{"a":'.repeat(100_000)}`, {
      'content-type': 'application/json',
    });
    expect(anon.status).toBe(400);
  });

  it('refuses an unauthenticated chunked body when it passes the limit, without buffering it', async () => {
    h = await startHarness('sqlite', { maxBodyBytes: 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const r = await streamChunked(h.cp.url, '/v1/agents/enroll', 300 * 1024 * 1024);
    expect(r.status).toBe(413);
    // The answer came after about the limit, not after the 300 MiB.
    expect(r.written).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    // A declared length over the limit is refused before a byte of the body is read.
    const declared = await post(h.cp.url, '/v1/agents/enroll', 'x'.repeat(2 * 1024 * 1024), {
      'content-type': 'application/json',
    });
    expect(declared.status).toBe(413);
    expect((await h.admin.get('/v1/sites')).status).toBe(200);
  });

  it('counts hostile bodies to the public enrollment exchange as failed attempts of their address', async () => {
    h = await startHarness('sqlite', { authFailuresPerMinute: 3 });
    const deep = `{"a":${'['.repeat(10_000)}`;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await post(h.cp.url, '/v1/agents/enroll', deep, { 'content-type': 'application/json' })).status,
      );
    expect(codes).toEqual([400, 400, 400, 429, 429]);
    // The admin's valid token from the same address is not refused.
    expect((await h.admin.get('/v1/sites')).status).toBe(200);
  });

  it('refuses JSON sent as text/plain (a cross-site form can send that) and keeps YAML warnings out of the log', async () => {
    h = await startHarness();
    const asText = await h.admin.put('/v1/sites/s1', '{"tags":[]}', { 'content-type': 'text/plain' });
    expect(asText.status).toBe(400);
    expect(asText.body.error.message).toMatch(/Content-Type: application\/json/);
    expect((await client(h.cp.url, h.cp.bootstrapToken!).put('/v1/sites/s1', { tags: [] })).status).toBe(200);
    const warn = vi.spyOn(process, 'emitWarning');
    const r = await h.admin.put('/v1/sites/s1', 'tags: !secret-tag [a]\ntimeZone: UTC\n', {
      'content-type': 'application/yaml',
    });
    expect(r.status).toBe(200);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('nesting depth scans', () => {
  it('measures JSON nesting with strings skipped', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonNestingDepth('[]')).toBe(1);
  });
  it('estimates YAML nesting from indentation, compact indicators and flow collections', () => {
    expect(yamlNestingDepth('a:\n  b:\n    c: 1\n')).toBeLessThanOrEqual(6);
    expect(
      yamlNestingDepth('goal: "[[[[[[[[[["\nbody: |\n  [[[[[[[[[[[[[[[[\n  - - - - - - - -\n'),
    ).toBeLessThan(5);
    expect(yamlNestingDepth(`${'- '.repeat(100)}x`)).toBeGreaterThanOrEqual(100);
    expect(yamlNestingDepth(`a: ${'{'.repeat(100)}`)).toBeGreaterThanOrEqual(100);
  });
});

import { SiteView } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { PlcfleetError } from '../errors';
import { type LocalServer, sendJson, startLocalServer } from '../testing/local-server';
import { HttpClient } from './http';

const site = {
  name: 'press-1',
  tags: ['press'],
  timeZone: 'UTC',
  maintenanceWindows: [],
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
};

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string, token?: string) =>
  new HttpClient({ server: url, token, retries: 3, backoffMs: 1 });

async function caught(p: Promise<unknown>): Promise<PlcfleetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlcfleetError);
  return err as PlcfleetError;
}

describe('HttpClient', () => {
  it('sends the bearer token and the query, and validates the answer', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, site));
    const got = await client(server.url, 'tok-1').request('GET', '/v1/sites/press-1', SiteView, {
      query: { revision: 2, skip: undefined, q: 'a b' },
    });
    expect(got.name).toBe('press-1');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(server.requests[0]!.url).toBe('/v1/sites/press-1?revision=2&q=a+b');
  });

  it('retries an idempotent call on 503 and succeeds', async () => {
    let n = 0;
    server = await startLocalServer((_req, res) =>
      ++n < 3
        ? sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'db down' } })
        : sendJson(res, 200, site),
    );
    const got = await client(server.url).request('GET', '/v1/sites/press-1', SiteView);
    expect(got.name).toBe('press-1');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after the configured attempts with the last error', async () => {
    server = await startLocalServer((_req, res) =>
      sendJson(res, 502, { error: { code: 'UNAVAILABLE', message: 'bad gateway' } }),
    );
    const err = await caught(client(server.url).request('PUT', '/v1/sites/x', SiteView, { body: {} }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.status).toBe(502);
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a POST, on 503 or on a dropped connection', async () => {
    server = await startLocalServer((_req, res) =>
      sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'busy' } }),
    );
    const err = await caught(client(server.url).request('POST', '/v1/rollouts', SiteView, { body: {} }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(server.requests).toHaveLength(1);
    await server.close();

    server = await startLocalServer((_req, res) => void res.socket?.destroy());
    const dropped = await caught(client(server.url).request('POST', '/v1/rollouts', SiteView, { body: {} }));
    expect(dropped.code).toBe('UNREACHABLE');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a GET whose connection dropped', async () => {
    let n = 0;
    server = await startLocalServer((_req, res) =>
      ++n === 1 ? void res.socket?.destroy() : sendJson(res, 200, site),
    );
    const got = await client(server.url).request('GET', '/v1/sites/press-1', SiteView);
    expect(got.name).toBe('press-1');
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry 4xx answers and maps the API error body', async () => {
    server = await startLocalServer((_req, res) =>
      sendJson(res, 403, {
        error: {
          code: 'FOUR_EYES',
          message: 'approver must not be the requester',
          details: { requester: 'ann' },
        },
      }),
    );
    const err = await caught(client(server.url).request('GET', '/v1/sites/x', SiteView));
    expect(err).toMatchObject({
      code: 'FOUR_EYES',
      status: 403,
      message: 'approver must not be the requester',
    });
    expect(err.details).toEqual({ requester: 'ann' });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a status without an API body to a code', async () => {
    server = await startLocalServer((req, res) => {
      res.writeHead(req.url === '/a' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end('nope');
    });
    expect((await caught(client(server.url).request('GET', '/a', SiteView))).code).toBe('NOT_FOUND');
    const internal = await caught(client(server.url).request('GET', '/b', SiteView));
    expect(internal).toMatchObject({ code: 'INTERNAL', status: 500 });
  });

  it('rejects an answer that does not match the schema, naming the field', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, { ...site, tags: 'press' }));
    const err = await caught(client(server.url).request('GET', '/v1/sites/press-1', SiteView));
    expect(err.code).toBe('BAD_RESPONSE');
    expect(err.message).toMatch(/tags: expected array/);
  });

  it('reports an unreachable server as UNREACHABLE with the reason', async () => {
    server = await startLocalServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const err = await caught(client(url).request('GET', '/healthz', SiteView));
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('times out a server that never answers', async () => {
    server = await startLocalServer(() => new Promise(() => {}));
    const http = new HttpClient({ server: server.url, retries: 1, timeoutMs: 100 });
    const err = await caught(http.request('GET', '/slow', SiteView));
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(/no answer within 100 ms/);
  });

  it('stops when the caller aborts', async () => {
    server = await startLocalServer(() => new Promise(() => {}));
    const ac = new AbortController();
    const p = client(server.url).request('GET', '/slow', SiteView, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await caught(p)).code).toBe('ABORTED');
  });

  it('sends a text body with its content type', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, site));
    await client(server.url).request('POST', '/v1/migrations', SiteView, {
      text: 'a: 1\n',
      contentType: 'application/yaml',
    });
    expect(server.requests[0]!.headers['content-type']).toBe('application/yaml');
    expect(server.requests[0]!.body).toBe('a: 1\n');
  });
});

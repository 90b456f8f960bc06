import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { rolloutDetail } from '../testing/fixtures';
import { type LocalServer, sendJson, startLocalServer } from '../testing/local-server';
import { PlcfleetClient } from './plcfleet-client';
import type { RolloutWatchEvent } from './watch-rollout';

function sse(res: ServerResponse, id: number, type: string): void {
  res.write(
    `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, rolloutId: 'r1', at: new Date().toISOString() })}\n\n`,
  );
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('watchRollout', () => {
  it('follows the stream, reconnects with Last-Event-ID when it ends, and stops at the final state', async () => {
    let state = 'running';
    let streams = 0;
    const open: ServerResponse[] = [];
    server = await startLocalServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/v1/rollouts/r1') {
        sendJson(res, 200, rolloutDetail(state));
        // The client reads the stream once it has its snapshot: now the stream may go on.
        const stream = open.shift();
        if (stream && streams === 1) {
          // An event of another rollout (filtered out), one of ours, then the server ends the stream.
          stream.write(
            `id: 1\ndata: ${JSON.stringify({ type: 'job.updated', rolloutId: 'other', at: 'x' })}\n\n`,
          );
          sse(stream, 2, 'job.progress');
          stream.end();
        } else if (stream) {
          state = 'completed';
          sse(stream, 3, 'rollout.updated');
        }
        return;
      }
      if (url.pathname !== '/v1/events')
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no' } });
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ready\ndata: {}\n\n');
      open.push(res);
    });
    const client = new PlcfleetClient({ server: server.url, token: 't' });
    const seen: RolloutWatchEvent[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(e);

    const label = (e: RolloutWatchEvent) =>
      e.type === 'snapshot'
        ? `snapshot:${e.detail.rollout.state}`
        : e.type === 'event'
          ? e.event.type
          : e.type;
    expect(seen.map(label)).toEqual([
      'snapshot:running',
      'snapshot:running',
      'job.progress',
      'reconnecting',
      'snapshot:running',
      'rollout.updated',
      'snapshot:completed',
    ]);
    expect(seen.at(-1)).toMatchObject({ type: 'snapshot', final: true });
    const eventRequests = server.requests.filter((r) => r.url.startsWith('/v1/events'));
    expect(eventRequests).toHaveLength(2);
    expect(eventRequests[0]!.url).toBe('/v1/events?rollout=r1');
    expect(eventRequests[0]!.headers['last-event-id']).toBeUndefined();
    expect(eventRequests[1]!.headers['last-event-id']).toBe('2');
    expect(eventRequests[1]!.headers.accept).toBe('text/event-stream');
  });

  it('reconnects when the connection drops abruptly', async () => {
    let streams = 0;
    let stream: ServerResponse | undefined;
    server = await startLocalServer((req, res) => {
      if (req.url?.startsWith('/v1/events')) {
        streams++;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ready\ndata: {}\n\n');
        stream = res;
        return;
      }
      sendJson(res, 200, rolloutDetail(streams >= 2 ? 'halted' : 'running'));
      // Once the client has read the first stream's snapshot, that connection breaks.
      if (streams === 1) stream?.socket?.destroy();
    });
    const client = new PlcfleetClient({ server: server.url });
    const seen: string[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 }))
      seen.push(e.type === 'snapshot' ? `snapshot:${e.detail.rollout.state}` : e.type);
    expect(seen).toEqual(['snapshot:running', 'snapshot:running', 'reconnecting', 'snapshot:halted']);
  });

  it('ends at once for a rollout already over, without opening the stream', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, rolloutDetail('aborted')));
    const client = new PlcfleetClient({ server: server.url });
    const seen: RolloutWatchEvent[] = [];
    for await (const e of client.watchRollout('r1')) seen.push(e);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'snapshot', final: true });
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/rollouts/r1']);
  });

  it('fails with NOT_FOUND for an unknown rollout and with the last error when the stream stays away', async () => {
    server = await startLocalServer((req, res) =>
      req.url === '/v1/rollouts/nope'
        ? sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no rollout nope' } })
        : req.url?.startsWith('/v1/events')
          ? sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'draining' } })
          : sendJson(res, 200, rolloutDetail('running')),
    );
    const client = new PlcfleetClient({ server: server.url });
    await expect(client.watchRollout('nope').next()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const it = client.watchRollout('r1', { maxReconnects: 2, reconnectDelayMs: 1 });
    const kinds: string[] = [];
    await expect(
      (async () => {
        for await (const e of it) kinds.push(e.type);
      })(),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(kinds).toEqual(['snapshot', 'reconnecting', 'reconnecting']);
  });

  it('stops cleanly when the signal aborts', async () => {
    server = await startLocalServer((req, res) => {
      if (req.url?.startsWith('/v1/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ready\ndata: {}\n\n');
        return;
      }
      sendJson(res, 200, rolloutDetail('running'));
    });
    const ac = new AbortController();
    const client = new PlcfleetClient({ server: server.url });
    const kinds: string[] = [];
    for await (const e of client.watchRollout('r1', { signal: ac.signal })) {
      kinds.push(e.type);
      ac.abort();
    }
    expect(kinds).toEqual(['snapshot']);
  });
});

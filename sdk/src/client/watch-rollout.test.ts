import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { rolloutDetail } from '../testing/fixtures';
import { type LocalServer, sendJson, startLocalServer } from '../testing/local-server';
import { PlcfleetClient } from './plcfleet-client';
import type { RolloutWatchEvent } from './watch-rollout';

/** One event of rollout r1 as the server frames it. */
const frame = (id: string, type: string) =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, rolloutId: 'r1', at: new Date().toISOString() })}\n\n`;

function sse(res: ServerResponse, id: string, type: string): void {
  res.write(frame(id, type));
}

const label = (e: RolloutWatchEvent) =>
  e.type === 'snapshot' ? `snapshot:${e.detail.rollout.state}` : e.type === 'event' ? e.event.type : e.type;

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('watchRollout', () => {
  it('resumes with Last-Event-ID after the stream ends: the missed events come, no new snapshot', async () => {
    let state = 'running';
    let streams = 0;
    server = await startLocalServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/v1/rollouts/r1') return sendJson(res, 200, rolloutDetail(state));
      if (url.pathname !== '/v1/events')
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no' } });
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (streams === 1) {
        // A fresh stream: `ready` carries where it starts. An event of another rollout
        // (filtered out), one of ours, then the server ends the stream.
        res.write('event: ready\nid: e-0\ndata: {}\n\n');
        res.write(
          `id: e-1\ndata: ${JSON.stringify({ type: 'job.updated', rolloutId: 'other', at: 'x' })}\n\n`,
        );
        sse(res, 'e-2', 'job.progress');
        res.end();
      } else {
        // The resumed stream: `ready` without an id, the missed event, then live ones.
        res.write('event: ready\ndata: {}\n\n');
        sse(res, 'e-3', 'job.progress');
        state = 'completed';
        sse(res, 'e-4', 'rollout.updated');
      }
    });
    const client = new PlcfleetClient({ server: server.url, token: 't' });
    const seen: RolloutWatchEvent[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(e);

    expect(seen.map(label)).toEqual([
      'snapshot:running',
      'snapshot:running',
      'job.progress',
      'reconnecting',
      'job.progress',
      'rollout.updated',
      'snapshot:completed',
    ]);
    expect(seen.at(-1)).toMatchObject({ type: 'snapshot', final: true });
    expect(seen.filter((e) => e.type === 'event').map((e) => e.type === 'event' && e.id)).toEqual([
      'e-2',
      'e-3',
      'e-4',
    ]);
    const eventRequests = server.requests.filter((r) => r.url.startsWith('/v1/events'));
    expect(eventRequests).toHaveLength(2);
    expect(eventRequests[0]!.url).toBe('/v1/events?rollout=r1');
    expect(eventRequests[0]!.headers['last-event-id']).toBeUndefined();
    expect(eventRequests[1]!.headers['last-event-id']).toBe('e-2');
    expect(eventRequests[1]!.headers.accept).toBe('text/event-stream');
    expect(server.requests.filter((r) => r.url === '/v1/rollouts/r1')).toHaveLength(3);
  });

  it('reads a fresh snapshot when the server answers reset, and resumes from the reset’s id', async () => {
    let state = 'running';
    let streams = 0;
    let stream: ServerResponse | undefined;
    server = await startLocalServer((req, res) => {
      if (req.url === '/v1/rollouts/r1') {
        sendJson(res, 200, rolloutDetail(state));
        // The snapshot after the reset is in: this stream ends too.
        if (streams === 2) stream!.end();
        return;
      }
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (streams === 1) {
        res.write('event: ready\nid: e-0\ndata: {}\n\n');
        sse(res, 'e-1', 'job.progress');
        res.end();
      } else if (streams === 2) {
        // Another replica (or a restarted server) cannot replay after e-1.
        res.write(
          'event: ready\ndata: {}\n\n' +
            'event: reset\nid: f-7\ndata: {"reason":"unknown-epoch"}\n\n' +
            frame('f-8', 'job.progress'),
        );
        stream = res;
      } else {
        res.write('event: ready\ndata: {}\n\n');
        state = 'halted';
        sse(res, 'f-9', 'rollout.updated');
      }
    });
    const client = new PlcfleetClient({ server: server.url });
    const seen: RolloutWatchEvent[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(e);
    expect(seen.map(label)).toEqual([
      'snapshot:running',
      'snapshot:running',
      'job.progress',
      'reconnecting',
      'job.progress',
      'snapshot:running', // after the reset (and the event that came with it)
      'reconnecting',
      'rollout.updated',
      'snapshot:halted',
    ]);
    const sent = server.requests
      .filter((r) => r.url.startsWith('/v1/events'))
      .map((r) => r.headers['last-event-id']);
    expect(sent).toEqual([undefined, 'e-1', 'f-8']);
  });

  it('reads one snapshot after a replay of rollout-changing events, and it shows the last one', async () => {
    // Each event adds a decision to the rollout; the last one completes it.
    const N = 8;
    const decisions: string[] = [];
    let state = 'running';
    let streams = 0;
    server = await startLocalServer((req, res) => {
      if (req.url === '/v1/rollouts/r1') return sendJson(res, 200, rolloutDetail(state, [...decisions]));
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (streams === 1) {
        res.end(`event: ready\nid: e-0\ndata: {}\n\n${frame('e-1', 'job.progress')}`);
        return;
      }
      // The resumed stream: the N events missed since e-1, replayed together.
      const types = ['job.updated', 'verdict.committed', 'change-request.updated', 'rollout.decision'];
      let replay = 'event: ready\ndata: {}\n\n';
      for (let i = 0; i < N; i++) {
        const last = i === N - 1;
        decisions.push(last ? 'completed' : `step-${i}`);
        if (last) state = 'completed';
        replay += frame(`e-${i + 2}`, last ? 'rollout.updated' : types[i % types.length]!);
      }
      res.write(replay);
    });
    const client = new PlcfleetClient({ server: server.url });
    const seen: RolloutWatchEvent[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(e);

    const replayed = seen.filter((e) => e.type === 'event' && e.id !== 'e-1');
    expect(replayed.map((e) => e.type === 'event' && e.id)).toEqual(
      Array.from({ length: N }, (_, i) => `e-${i + 2}`),
    );
    const resumedAt = server.requests.findIndex((r) => r.headers['last-event-id'] === 'e-1');
    const snapshotsAfter = server.requests.slice(resumedAt).filter((r) => r.url === '/v1/rollouts/r1');
    expect(snapshotsAfter.length).toBeGreaterThan(0);
    expect(snapshotsAfter.length).toBeLessThan(N);
    // On loopback a replay written at once arrives at once: one snapshot covers it.
    expect(snapshotsAfter).toHaveLength(1);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      type: 'snapshot',
      final: true,
      detail: { rollout: { state: 'completed' } },
    });
    expect(last.type === 'snapshot' && last.detail.decisions.at(-1)?.decision).toBe('completed');
    // Every snapshot comes after the events it covers: none between the replayed ones.
    expect(seen.slice(seen.indexOf(replayed[0]!)).map((e) => e.type)).toEqual([
      ...Array(N).fill('event'),
      'snapshot',
    ]);
  });

  it('reads one more snapshot for the changes that arrive while it reads one, and ends on the final state', async () => {
    let state = 'running';
    let snapshots = 0;
    let stream: ServerResponse | undefined;
    server = await startLocalServer(async (req, res) => {
      if (req.url?.startsWith('/v1/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ready\nid: e-0\ndata: {}\n\n');
        stream = res;
        return;
      }
      const asRead = state;
      if (++snapshots === 2) {
        // While the snapshot after the opening is read, the rollout moves on and completes;
        // the snapshot answered is the one read before.
        state = 'completed';
        stream!.write(
          frame('e-1', 'job.updated') + frame('e-2', 'verdict.committed') + frame('e-3', 'rollout.updated'),
        );
        await new Promise((r) => setTimeout(r, 30));
      }
      sendJson(res, 200, rolloutDetail(asRead));
    });
    const client = new PlcfleetClient({ server: server.url });
    const seen: string[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(label(e));
    expect(seen).toEqual([
      'snapshot:running',
      'snapshot:running',
      'job.updated',
      'verdict.committed',
      'rollout.updated',
      'snapshot:completed',
    ]);
    expect(snapshots).toBe(3);
  });

  it('reads a fresh snapshot when a live stream is reset (the watcher fell behind)', async () => {
    let snapshots = 0;
    let stream: ServerResponse | undefined;
    server = await startLocalServer((req, res) => {
      if (req.url?.startsWith('/v1/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ready\nid: e-0\ndata: {}\n\n');
        stream = res;
        return;
      }
      snapshots++;
      sendJson(res, 200, rolloutDetail(snapshots < 3 ? 'running' : 'completed'));
      // After the snapshot that follows the stream's opening, the server drops this
      // watcher's queue; the one after the reset already sees the rollout completed.
      if (snapshots === 2) stream!.write('event: reset\nid: e-40\ndata: {"reason":"overflow"}\n\n');
    });
    const client = new PlcfleetClient({ server: server.url });
    const seen: string[] = [];
    for await (const e of client.watchRollout('r1', { reconnectDelayMs: 1 })) seen.push(label(e));
    expect(seen).toEqual(['snapshot:running', 'snapshot:running', 'snapshot:completed']);
    expect(server.requests.filter((r) => r.url.startsWith('/v1/events'))).toHaveLength(1);
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

  it('closes its stream at once when the consumer leaves after a snapshot', async () => {
    let closed: Promise<void> | undefined;
    server = await startLocalServer((req, res) => {
      if (req.url?.startsWith('/v1/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: ready\nid: e-0\ndata: {}\n\n${frame('e-1', 'job.updated')}`);
        closed = new Promise((r) => res.once('close', () => r()));
        return;
      }
      sendJson(res, 200, rolloutDetail('running'));
    });
    const client = new PlcfleetClient({ server: server.url });
    let snapshots = 0;
    // The watcher reads the snapshot after the event once the stream is quiet, with a read
    // of the stream pending; leaving must not wait for the server's next event (or
    // keep-alive, 15 s away).
    for await (const e of client.watchRollout('r1')) if (e.type === 'snapshot' && ++snapshots === 3) break;
    expect(snapshots).toBe(3);
    await closed;
  }, 2_000);

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

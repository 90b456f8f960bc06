import { afterEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../testing/local-server';
import { type EventStreamItem, eventStream } from './event-stream';
import { HttpClient } from './http';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const event = (id: string) =>
  `id: ${id}\nevent: job.updated\ndata: ${JSON.stringify({ type: 'job.updated', at: '2026-01-01T00:00:00.000Z' })}\n\n`;

describe('eventStream', () => {
  it('says which id each opening resumes after, passes resets on with their reason, and follows their ids', async () => {
    let streams = 0;
    server = await startLocalServer((_req, res) => {
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (streams === 1) res.end(`event: ready\nid: a-0\ndata: {}\n\n${event('a-1')}`);
      else if (streams === 2)
        res.end(`event: ready\ndata: {}\n\nevent: reset\nid: b-5\ndata: {"reason":"unknown-epoch"}\n\n`);
      else res.write('event: ready\ndata: {}\n\nevent: reset\ndata: garbled\n\n');
    });
    const ac = new AbortController();
    const items: EventStreamItem[] = [];
    const http = new HttpClient({ server: server.url });
    for await (const item of eventStream(http, { signal: ac.signal, reconnectDelayMs: 1 })) {
      items.push(item);
      if (items.filter((i) => i.kind === 'reset').length === 2) ac.abort();
    }
    expect(
      items.map((i) =>
        i.kind === 'open'
          ? `open:${i.lastEventId}`
          : i.kind === 'event'
            ? `event:${i.id}`
            : i.kind === 'reset'
              ? `reset:${i.reason}`
              : i.kind,
      ),
    ).toEqual([
      'open:undefined',
      'event:a-1',
      'reconnecting',
      'open:a-1',
      'reset:unknown-epoch',
      'reconnecting',
      'open:b-5',
      'reset:unknown',
    ]);
  });
});

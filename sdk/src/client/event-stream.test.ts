import { afterEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../testing/local-server';
import { type EventStreamItem, eventStream } from './event-stream';
import { HttpClient } from './http';
import { PlcfleetClient } from './plcfleet-client';

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

describe('PlcfleetClient.eventStream and events', () => {
  it('shows a reset in its place among the events, where events() shows only the events', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `event: ready\nid: a-0\ndata: {}\n\n${event('a-1')}` +
          `event: reset\nid: a-9\ndata: {"reason":"overflow"}\n\n${event('a-10')}`,
      );
    });
    const client = new PlcfleetClient({ server: server.url });

    let ac = new AbortController();
    const items: string[] = [];
    for await (const item of client.eventStream({ signal: ac.signal })) {
      items.push(
        item.kind === 'event'
          ? `event:${item.id}:${item.event.type}`
          : item.kind === 'reset'
            ? `reset:${item.reason}`
            : item.kind,
      );
      if (items.length === 4) ac.abort();
    }
    expect(items).toEqual(['open', 'event:a-1:job.updated', 'reset:overflow', 'event:a-10:job.updated']);

    ac = new AbortController();
    const events: string[] = [];
    for await (const e of client.events({ signal: ac.signal })) {
      events.push(e.type);
      if (events.length === 2) ac.abort();
    }
    expect(events).toEqual(['job.updated', 'job.updated']);
  }, 5_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../testing/local-server';
import { type EventStreamItem, eventStream } from './event-stream';
import { HttpClient } from './http';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('eventStream positions', () => {
  it("says where the stream stands at its opening and after a reset, for a later stream's Last-Event-ID", async () => {
    let streams = 0;
    server = await startLocalServer((_req, res) => {
      streams++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // A fresh stream's ready carries the server's head; a resumed one's does not.
      if (streams === 1) res.end('event: ready\nid: h-3\ndata: {}\n\n');
      else res.write('event: ready\ndata: {}\n\nevent: reset\nid: h-9\ndata: {"reason":"too-old"}\n\n');
    });
    const ac = new AbortController();
    const items: EventStreamItem[] = [];
    for await (const item of eventStream(new HttpClient({ server: server.url }), {
      signal: ac.signal,
      reconnectDelayMs: 1,
    })) {
      items.push(item);
      if (item.kind === 'reset') ac.abort();
    }
    expect(items.filter((i) => i.kind !== 'reconnecting')).toEqual([
      { kind: 'open', reconnected: false, lastEventId: undefined, at: 'h-3' },
      { kind: 'open', reconnected: true, lastEventId: 'h-3', at: 'h-3' },
      { kind: 'reset', reason: 'too-old', at: 'h-9' },
    ]);
  });
});

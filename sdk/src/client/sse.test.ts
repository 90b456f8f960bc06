import { describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from './sse';

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(typeof ch === 'string' ? enc.encode(ch) : ch);
      c.close();
    },
  });
}

async function all(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of parseSse(streamOf(chunks))) out.push(e);
  return out;
}

describe('parseSse', () => {
  it('reads events with their type, id and multi-line data; skips comments', async () => {
    const events = await all([
      ': keep-alive\n\nevent: job.updated\nid: 7\ndata: {"a":1}\n\ndata: one\ndata: two\n\n',
    ]);
    expect(events).toEqual([
      { event: 'job.updated', id: '7', data: '{"a":1}' },
      { event: 'message', id: '7', data: 'one\ntwo' },
    ]);
  });

  it('joins lines split across chunks, including a CRLF split between its CR and LF', async () => {
    const events = await all([
      'ev',
      'ent: x\r',
      '\nda',
      'ta: hel',
      'lo\r',
      '\n\r',
      '\n',
      'data: next\r\n\r\n',
    ]);
    expect(events).toEqual([
      { event: 'x', id: undefined, data: 'hello' },
      { event: 'message', id: undefined, data: 'next' },
    ]);
  });

  it('decodes a UTF-8 character split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: Ölpumpe → an\n\n');
    const events = await all([bytes.slice(0, 7), bytes.slice(7, 16), bytes.slice(16)]);
    expect(events[0]!.data).toBe('Ölpumpe → an');
  });

  it('accepts bare CR line ends and a field without a colon; drops an unfinished event', async () => {
    const events = await all(['data: a\r\rdata\n\ndata: cut off']);
    expect(events).toEqual([
      { event: 'message', id: undefined, data: 'a' },
      { event: 'message', id: undefined, data: '' },
    ]);
  });
});

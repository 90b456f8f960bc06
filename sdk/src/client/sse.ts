/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Parses a `text/event-stream` body into events (WHATWG HTML §9.2 "server-sent
 * events": fields `event`, `data` (joined by newlines), `id`; blank line ends
 * an event; lines starting with `:` are comments, used as keep-alives).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl = lineEnd(buffer);
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? nl + 2 : nl + 1);
        if (line === '') {
          if (data.length) yield { event, data: data.join('\n'), id };
          event = 'message';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
          else if (field === 'id') id = val;
        }
        nl = lineEnd(buffer);
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

/**
 * Where the first line of `buffer` ends, or -1. A `\r` as the last character may
 * be the first half of a `\r\n` split across chunks: wait for the next chunk.
 */
function lineEnd(buffer: string): number {
  const i = buffer.search(/\r\n|\n|\r/);
  return i >= 0 && buffer[i] === '\r' && i === buffer.length - 1 ? -1 : i;
}

import { ControlPlaneEvent } from '@plcfleet/protocols';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { defineRoute } from '../http/route';
import type { ControlPlaneEvent as Event } from './event-bus';
import { EventStreamQueue } from './event-stream-queue';

/** How long a stream may stay silent before a comment keeps proxies from closing it. */
const KEEP_ALIVE_MS = 15_000;

/** The event stream for watchers (SSE). */
export const eventRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/events',
    summary:
      'Server-sent events: rollout decisions, job and verdict updates, reviews, deploys (filter by rollout or site). ' +
      'Every event has an `id:`; reconnect with `Last-Event-ID` (or `?lastEventId=`) to get the events missed since, ' +
      'through the same filters. When they cannot be replayed (the server restarted or another replica answers: ' +
      '`unknown-epoch`; older than the replay buffer: `too-old`; the reader fell too far behind: `overflow`) the ' +
      'stream sends `event: reset` with `{"reason"}` and goes on live: read a fresh snapshot then',
    roles: ANY_ROLE,
    query: z.object({
      rollout: z.string().optional(),
      site: z.string().optional(),
      lastEventId: z.string().optional(),
    }),
    response: ControlPlaneEvent,
    stream: true,
    handler: async ({ ctx, c, query }) => {
      // The header wins: EventSource sends it on reconnecting while its URL keeps the first `?lastEventId=`.
      // An empty id means none (WHATWG HTML §9.2.6: an empty `id:` clears the last event ID).
      const lastEventId = c.req.header('last-event-id') || query.lastEventId || undefined;
      const wanted = (e: Event) =>
        e.type !== 'job.cancel' &&
        (!query.rollout || e.rolloutId === query.rollout) &&
        (!query.site || e.site === query.site);
      return streamSSE(c, async (stream) => {
        const queue = new EventStreamQueue(ctx.config.eventStreamMaxQueue);
        const end = () => queue.close();
        ctx.streams.add(end);
        stream.onAbort(end);
        const log = ctx.bus.replayLog;
        // Subscribe and read the log in one synchronous step: every event is then
        // either in the replay or live, none in both and none in neither.
        const unsubscribe = ctx.bus.subscribe((event, id) => {
          if (wanted(event)) queue.push({ kind: 'event', id, event });
        });
        const head = ctx.bus.lastId;
        const replay = lastEventId === undefined ? undefined : log.after(lastEventId);
        if (replay && 'reset' in replay) queue.push({ kind: 'reset', id: head, reason: replay.reset });
        else
          for (const { id, event } of replay?.events ?? [])
            if (wanted(event)) queue.push({ kind: 'event', id, event });
        try {
          // Only a fresh stream's `ready` has an id (where it starts). A resuming
          // reader keeps its own until a replayed event or the reset moves it on,
          // so a drop right after `ready` cannot make it skip those.
          await stream.writeSSE({ event: 'ready', data: '{}', ...(lastEventId ? {} : { id: head }) });
          while (!queue.closed) {
            const m = queue.shift();
            if (m?.kind === 'event')
              await stream.writeSSE({ event: m.event.type, id: m.id, data: JSON.stringify(m.event) });
            else if (m)
              await stream.writeSSE({ event: 'reset', id: m.id, data: JSON.stringify({ reason: m.reason }) });
            else if (!(await queue.wait(KEEP_ALIVE_MS))) await stream.write(': keep-alive\n\n');
          }
        } finally {
          unsubscribe();
          ctx.streams.delete(end);
        }
      });
    },
  }),
];

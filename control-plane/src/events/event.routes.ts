import { ControlPlaneEvent } from '@plcfleet/protocols';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { defineRoute } from '../http/route';
import type { ControlPlaneEvent as Event } from './event-bus';

/** The event stream for watchers (SSE). */
export const eventRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/events',
    summary:
      'Server-sent events: rollout decisions, job and verdict updates, reviews, deploys (filter by rollout or site)',
    roles: ANY_ROLE,
    query: z.object({ rollout: z.string().optional(), site: z.string().optional() }),
    response: ControlPlaneEvent,
    stream: true,
    handler: async ({ ctx, c, query }) =>
      streamSSE(c, async (stream) => {
        const queue: Event[] = [];
        let wake: (() => void) | null = null;
        let done = false;
        const end = () => {
          done = true;
          wake?.();
        };
        ctx.streams.add(end);
        const unsubscribe = ctx.bus.subscribe((e) => {
          if (query.rollout && e.rolloutId !== query.rollout) return;
          if (query.site && e.site !== query.site) return;
          if (e.type === 'job.cancel') return;
          queue.push(e);
          wake?.();
        });
        stream.onAbort(end);
        await stream.writeSSE({ event: 'ready', data: '{}' });
        try {
          while (!done) {
            const e = queue.shift();
            if (e) {
              await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 15_000).unref();
            });
            wake = null;
            if (!done && queue.length === 0) await stream.write(': keep-alive\n\n');
          }
        } finally {
          unsubscribe();
          ctx.streams.delete(end);
        }
      }),
  }),
];

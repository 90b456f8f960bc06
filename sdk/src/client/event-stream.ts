import { ControlPlaneEvent } from '@plcfleet/protocols';
import { PlcfleetError } from '../errors';
import { type HttpClient, sleep } from './http';
import { parseSse } from './sse';

/** Options of the event stream (`GET /v1/events`). */
export interface EventStreamOptions {
  /** Only events of this rollout (sent as `?rollout=` and checked on every event). */
  rollout?: string | undefined;
  /** Stops the stream; the iterator then ends without an error. */
  signal?: AbortSignal | undefined;
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string | undefined;
  /** Failed (re)connections in a row before the stream gives up with the last error. @default 10 */
  maxReconnects?: number;
  /** First delay before reconnecting, doubled each failure up to 10 s, with jitter. @default 250 */
  reconnectDelayMs?: number;
}

/** One item of {@link eventStream}. */
export type EventStreamItem =
  /**
   * The stream is (again) open: the server's first event arrived; changes from here on will be sent.
   * `lastEventId` is the id it was opened after (sent as `Last-Event-ID`): the server replays the
   * events since, or answers `reset`. Without one nothing missed is replayed: read a snapshot.
   */
  | {
      kind: 'open';
      reconnected: boolean;
      lastEventId: string | undefined;
      /** Where the stream stands now: the id to send as `lastEventId` to a later stream to resume here. */
      at: string | undefined;
    }
  /** An event of the control plane, with its SSE id. */
  | { kind: 'event'; id: string | undefined; event: ControlPlaneEvent }
  /**
   * The server could not send every event since the last id (`unknown-epoch`: it restarted or is
   * another replica; `too-old`: beyond its replay buffer; `overflow`: this reader fell too far
   * behind). Events were lost: read a fresh snapshot. The stream goes on.
   */
  | {
      kind: 'reset';
      reason: string;
      /** Where the stream stands after the reset: the id to resume a later stream after. */
      at: string | undefined;
    }
  /** The stream dropped or could not be opened; it is opened again after a delay. */
  | { kind: 'reconnecting'; attempt: number; error: PlcfleetError };

/** Codes after which reconnecting cannot help. */
const FATAL = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION', 'RATE_LIMITED']);

/**
 * Follows `GET /v1/events` (server-sent events), reconnecting with `Last-Event-ID`
 * when the stream drops, until `signal` aborts: the server then replays what was
 * missed, or says `reset`. Events whose data is not a {@link ControlPlaneEvent}
 * (and SSE comments, used as keep-alives) are skipped.
 */
export async function* eventStream(
  http: HttpClient,
  opts: EventStreamOptions = {},
): AsyncGenerator<EventStreamItem> {
  const maxReconnects = opts.maxReconnects ?? 10;
  const baseDelay = opts.reconnectDelayMs ?? 250;
  let lastEventId = opts.lastEventId;
  let failures = 0;
  let opened = false;
  while (!opts.signal?.aborted) {
    let body: ReadableStream<Uint8Array> | null = null;
    let error: PlcfleetError | undefined;
    const resumeAfter = lastEventId;
    try {
      const res = await http.raw('GET', '/v1/events', {
        query: { rollout: opts.rollout },
        accept: 'text/event-stream',
        headers: resumeAfter === undefined ? {} : { 'last-event-id': resumeAfter },
        stream: true,
        retries: 1,
        signal: opts.signal,
      });
      body = res.body;
      if (!body) throw new PlcfleetError('BAD_RESPONSE', 'GET /v1/events: response has no body');
      let announced = false;
      for await (const sse of parseSse(body)) {
        // The response headers can arrive before the server has subscribed to its
        // bus; its first event (`ready`, or any other) says it has. Only then is
        // the stream "open": what changes after this moment will be sent.
        if (sse.id !== undefined) lastEventId = sse.id;
        if (!announced) {
          announced = true;
          yield { kind: 'open', reconnected: opened, lastEventId: resumeAfter, at: lastEventId };
          opened = true;
          failures = 0;
        }
        if (sse.event === 'ready') continue;
        if (sse.event === 'reset') {
          yield { kind: 'reset', reason: resetReason(sse.data), at: lastEventId };
          continue;
        }
        const event = decode(sse.data);
        if (!event) continue;
        if (opts.rollout !== undefined && event.rolloutId !== opts.rollout) continue;
        yield { kind: 'event', id: sse.id, event };
      }
      error = new PlcfleetError('UNREACHABLE', 'the event stream ended');
    } catch (err) {
      if (opts.signal?.aborted) return;
      error =
        err instanceof PlcfleetError
          ? err
          : new PlcfleetError('UNREACHABLE', `the event stream dropped: ${(err as Error).message}`, {
              cause: err,
            });
      if (FATAL.has(error.code)) throw error;
    }
    failures++;
    if (failures > maxReconnects) throw error;
    yield { kind: 'reconnecting', attempt: failures, error };
    await sleep(Math.min(10_000, baseDelay * 2 ** (failures - 1)) * (0.5 + Math.random()), opts.signal);
  }
}

/** The `reason` of a `reset` event; a reset is a reset whatever its data says. */
function resetReason(data: string): string {
  try {
    const reason = (JSON.parse(data) as { reason?: unknown }).reason;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON: still a reset
  }
  return 'unknown';
}

function decode(data: string): ControlPlaneEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const r = ControlPlaneEvent.safeParse(json);
  return r.success ? r.data : undefined;
}

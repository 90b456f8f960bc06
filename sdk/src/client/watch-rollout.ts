import type { ControlPlaneEvent, RolloutDetail, RolloutState } from '@plcfleet/protocols';
import type { PlcfleetError } from '../errors';
import type { RolloutsApi } from './api/rollouts-api';
import { type EventStreamItem, type EventStreamOptions, eventStream } from './event-stream';
import type { HttpClient } from './http';

/** States in which a rollout needs nothing more from the engine (a halted one waits for a person). */
export const FINAL_ROLLOUT_STATES: readonly RolloutState[] = ['completed', 'aborted', 'halted'];

/** Options of {@link watchRollout}. */
export interface WatchRolloutOptions
  extends Pick<EventStreamOptions, 'signal' | 'maxReconnects' | 'reconnectDelayMs'> {
  /** States that end the watch. @default FINAL_ROLLOUT_STATES */
  until?: readonly RolloutState[];
}

/** One item of {@link watchRollout}. */
export type RolloutWatchEvent =
  /**
   * The rollout as the server has it now: at the start, when the stream opens, when it reopens
   * and the server could not replay what was missed, and after the events that change it (one
   * snapshot after events that arrive together, so it always follows the last change).
   * `final` is true on the last item, when the rollout reached a state in `until`.
   */
  | { type: 'snapshot'; detail: RolloutDetail; final: boolean }
  /** An event of the rollout (job, verdict, decision, change request, deploy, …). */
  | { type: 'event'; id: string | undefined; event: ControlPlaneEvent }
  /** The stream dropped; it reconnects with `Last-Event-ID` after a delay (the server replays what was missed). */
  | { type: 'reconnecting'; attempt: number; error: PlcfleetError };

/** Events after which the counts or the state may differ: the watcher fetches a fresh snapshot. */
const CHANGES_ROLLOUT = /^(rollout\.|job\.updated|verdict\.|change-request\.|deploy\.|shadow\.)/;

/**
 * Follows a rollout live until it reaches a final state, or `signal` aborts.
 * The stream is opened before each snapshot is read, so no change falls between.
 * A stream that reopens with `Last-Event-ID` gets the missed events replayed and
 * needs no new snapshot; only when the server answers `reset` (it restarted,
 * another replica answers, the id is too old, the watcher fell behind) or gave
 * no id is a fresh snapshot read. Events that arrive together (a replay, a burst
 * of live ones) are all yielded first, then one snapshot covers them.
 *
 * @example
 * for await (const e of client.watchRollout(id, { signal })) {
 *   if (e.type === 'snapshot') console.log(e.detail.rollout.state, e.detail.jobs);
 * }
 */
export async function* watchRollout(
  http: HttpClient,
  rollouts: RolloutsApi,
  id: string,
  opts: WatchRolloutOptions = {},
): AsyncGenerator<RolloutWatchEvent> {
  const until = opts.until ?? FINAL_ROLLOUT_STATES;
  const snapshot = async (): Promise<RolloutWatchEvent & { type: 'snapshot' }> => {
    const detail = await rollouts.get(id, { signal: opts.signal });
    return { type: 'snapshot', detail, final: until.includes(detail.rollout.state) };
  };
  // The watcher may end with a read of the stream pending (taken while a snapshot was
  // read): it stops the stream itself rather than wait for the server's next event.
  const stop = new AbortController();
  const abort = () => stop.abort();
  opts.signal?.addEventListener('abort', abort, { once: true });
  if (opts.signal?.aborted) abort();
  const stream = eventStream(http, { ...opts, rollout: id, signal: stop.signal });
  let next: Promise<IteratorResult<EventStreamItem>> | undefined;
  try {
    // Fails early with NOT_FOUND (and auth errors) before any stream is opened, and
    // gives the watcher a view at once; the snapshot after the stream opens closes
    // the gap between the two.
    const first = await snapshot();
    yield first;
    if (first.final) return;
    let open = false;
    /** Something since the last snapshot may have changed the rollout. */
    let stale = false;
    for (;;) {
      next ??= stream.next();
      // A snapshot is owed: first take what has already arrived, so a burst costs one
      // snapshot, read once the stream is quiet. While the stream is down it waits for
      // the stream to reopen (the server may be away; what changes meanwhile is replayed).
      const r = stale && open ? await arrived(next) : await next;
      let read = r === undefined;
      if (r !== undefined) {
        next = undefined;
        if (r.done) return;
        const item = r.value;
        if (item.kind === 'reconnecting') {
          open = false;
          yield { type: 'reconnecting', attempt: item.attempt, error: item.error };
        } else if (item.kind === 'open') {
          open = true;
          // Without an id to resume after, nothing missed is replayed: a snapshot read
          // now closes the gap.
          read = item.lastEventId === undefined;
        } else if (item.kind === 'reset') {
          stale = true;
        } else {
          yield { type: 'event', id: item.id, event: item.event };
          if (CHANGES_ROLLOUT.test(item.event.type)) stale = true;
        }
      }
      if (read) {
        const last = await snapshot();
        yield last;
        if (last.final) return;
        stale = false;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted && (err as PlcfleetError).code === 'ABORTED') return;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    stop.abort();
    await next?.catch(() => undefined);
    await stream.return(undefined);
  }
}

/**
 * `next` if it settles by the next turn of the event loop (its item had already
 * arrived: the rest of a chunk, or data waiting on the socket), else `undefined`.
 */
async function arrived<T>(next: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 0);
  });
  try {
    return await Promise.race([next, quiet]);
  } finally {
    clearTimeout(timer);
  }
}

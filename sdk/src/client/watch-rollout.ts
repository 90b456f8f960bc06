import type { ControlPlaneEvent, RolloutDetail, RolloutState } from '@plcfleet/protocols';
import type { PlcfleetError } from '../errors';
import type { RolloutsApi } from './api/rollouts-api';
import { type EventStreamOptions, eventStream } from './event-stream';
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
   * and the server could not replay what was missed, and after each event that changes it.
   * `final` is true on the last item, when the rollout reached a state in `until`.
   */
  | { type: 'snapshot'; detail: RolloutDetail; final: boolean }
  /** An event of the rollout (job, verdict, decision, change request, deploy, …). */
  | { type: 'event'; id: string | undefined; event: ControlPlaneEvent }
  /** The stream dropped; it reconnects with `Last-Event-ID` after a delay (the server replays what was missed). */
  | { type: 'reconnecting'; attempt: number; error: PlcfleetError };

/** Events after which the counts or the state may differ: the watcher fetches a fresh snapshot. */
const CHANGES_ROLLOUT = /^(rollout\.|job\.updated|verdict\.|change-request\.|deploy\.)/;

/**
 * Follows a rollout live until it reaches a final state, or `signal` aborts.
 * The stream is opened before each snapshot is read, so no change falls between.
 * A stream that reopens with `Last-Event-ID` gets the missed events replayed and
 * needs no new snapshot; only when the server answers `reset` (it restarted,
 * another replica answers, the id is too old, the watcher fell behind) or gave
 * no id is a fresh snapshot read.
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
  try {
    // Fails early with NOT_FOUND (and auth errors) before any stream is opened, and
    // gives the watcher a view at once; the snapshot after the stream opens closes
    // the gap between the two.
    const first = await snapshot();
    yield first;
    if (first.final) return;
    for await (const item of eventStream(http, { ...opts, rollout: id })) {
      if (item.kind === 'reconnecting') {
        yield { type: 'reconnecting', attempt: item.attempt, error: item.error };
        continue;
      }
      if (item.kind === 'event') yield { type: 'event', id: item.id, event: item.event };
      const stale =
        item.kind === 'open'
          ? item.lastEventId === undefined
          : item.kind === 'reset' || CHANGES_ROLLOUT.test(item.event.type);
      if (stale) {
        const last = await snapshot();
        yield last;
        if (last.final) return;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted && (err as PlcfleetError).code === 'ABORTED') return;
    throw err;
  }
}

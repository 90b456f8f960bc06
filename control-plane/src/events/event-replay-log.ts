import type { ControlPlaneEvent } from './event-bus';

/** An event as one bus delivered it: its number on that bus and its SSE id (`<epoch>-<seq>`). */
export interface DeliveredEvent {
  id: string;
  seq: number;
  event: ControlPlaneEvent;
}

/**
 * Why a stream cannot be resumed and its reader must read a fresh snapshot:
 * - `unknown-epoch`: the id was not given by this bus (the server restarted, another replica gave it, or it is malformed);
 * - `too-old`: events after it have already left the replay log;
 * - `overflow`: the reader fell so far behind that its stream's queue was dropped.
 */
export type ResetReason = 'unknown-epoch' | 'too-old' | 'overflow';

/** What {@link EventReplayLog.after} found: the events after the id, oldest first, or why there are none. */
export type Replay = { events: DeliveredEvent[] } | { reset: Exclude<ResetReason, 'overflow'> };

/** `<epoch>-<seq>`, the SSE id of an event. */
export function eventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/**
 * The last `capacity` events a bus delivered, for streams that reconnect with
 * `Last-Event-ID`. Seqs are consecutive, so the event of seq `s` lives in slot
 * `s % capacity` and the log needs no shifting.
 */
export class EventReplayLog {
  private readonly slots: (DeliveredEvent | undefined)[];
  /** Seq of the newest event added. */
  private last: number;

  /** @param startSeq the seq of the newest event delivered before the log began (it holds what comes after). */
  constructor(
    readonly epoch: string,
    readonly capacity: number,
    private readonly startSeq: number,
  ) {
    this.slots = new Array(capacity);
    this.last = startSeq;
  }

  /** Adds the next event (its seq is one more than the last one's). */
  add(e: DeliveredEvent): void {
    this.slots[e.seq % this.capacity] = e;
    this.last = e.seq;
  }

  /** The events delivered after `id`, oldest first, or why they cannot be given. */
  after(id: string): Replay {
    const m = /^([0-9a-f]+)-(\d{1,15})$/.exec(id);
    if (!m || m[1] !== this.epoch) return { reset: 'unknown-epoch' };
    const seq = Number(m[2]);
    // A seq this bus has not reached was not given by it (a restart can reuse an epoch only by chance).
    if (seq > this.last) return { reset: 'unknown-epoch' };
    const oldest = Math.max(this.startSeq + 1, this.last - this.capacity + 1);
    if (seq + 1 < oldest) return { reset: 'too-old' };
    const events: DeliveredEvent[] = [];
    for (let s = seq + 1; s <= this.last; s++) events.push(this.slots[s % this.capacity]!);
    return { events };
  }
}

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
 * The last `capacity` events a bus delivered, and no more than `maxBytes` of
 * them (as JSON), for streams that reconnect with `Last-Event-ID`. Seqs are
 * consecutive, so the event of seq `s` lives in slot `s % capacity` and the log
 * needs no shifting; the byte bound moves the oldest kept seq forward.
 */
export class EventReplayLog {
  private readonly slots: (DeliveredEvent | undefined)[];
  private readonly sizes: Float64Array;
  /** Seq of the newest event added. */
  private last: number;
  /** Seq of the oldest event still kept (`last + 1` when none is). */
  private first: number;
  private bytes = 0;

  /**
   * @param startSeq the seq of the newest event delivered before the log began (it holds what comes after).
   * @param maxBytes most bytes of events (as JSON) kept; older ones leave first.
   */
  constructor(
    readonly epoch: string,
    readonly capacity: number,
    private readonly startSeq: number,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.slots = new Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.last = startSeq;
    this.first = startSeq + 1;
  }

  /** Bytes of the events kept (as JSON). */
  get size(): number {
    return this.bytes;
  }

  /** Adds the next event (its seq is one more than the last one's). */
  add(e: DeliveredEvent): void {
    const slot = e.seq % this.capacity;
    // The slot's previous occupant (capacity events ago) leaves now.
    if (e.seq - this.capacity >= this.first) {
      this.bytes -= this.sizes[slot]!;
      this.first = e.seq - this.capacity + 1;
    }
    const size = JSON.stringify(e.event).length;
    this.slots[slot] = e;
    this.sizes[slot] = size;
    this.bytes += size;
    this.last = e.seq;
    while (this.bytes > this.maxBytes && this.first <= this.last) {
      const old = this.first % this.capacity;
      this.bytes -= this.sizes[old]!;
      this.slots[old] = undefined;
      this.sizes[old] = 0;
      this.first++;
    }
  }

  /** The events delivered after `id`, oldest first, or why they cannot be given. */
  after(id: string): Replay {
    const m = /^([0-9a-f]+)-(\d{1,15})$/.exec(id);
    if (!m || m[1] !== this.epoch) return { reset: 'unknown-epoch' };
    const seq = Number(m[2]);
    // A seq this bus has not reached was not given by it (a restart can reuse an epoch only by chance).
    if (seq > this.last) return { reset: 'unknown-epoch' };
    const oldest = Math.max(this.startSeq + 1, this.first);
    if (seq + 1 < oldest) return { reset: 'too-old' };
    const events: DeliveredEvent[] = [];
    for (let s = seq + 1; s <= this.last; s++) events.push(this.slots[s % this.capacity]!);
    return { events };
  }
}

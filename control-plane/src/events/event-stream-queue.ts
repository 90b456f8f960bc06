import type { ControlPlaneEvent } from './event-bus';
import type { ResetReason } from './event-replay-log';

/** One message waiting to be written to an event stream, with its SSE id. */
export type StreamMessage =
  | { kind: 'event'; id: string; event: ControlPlaneEvent }
  /** The reader must read a fresh snapshot: events it should have had are gone. */
  | { kind: 'reset'; id: string; reason: ResetReason };

/**
 * The messages waiting to be written to one event stream, at most `max` of them.
 * One more drops them all and leaves a `reset` (reason `overflow`) with the id
 * of the newest dropped event: the reader reads a fresh snapshot and goes on from
 * there, and a reader that cannot keep up cannot make the server hold events
 * without bound.
 */
export class EventStreamQueue {
  private items: (StreamMessage | undefined)[] = [];
  private head = 0;
  private wake: ((woken: boolean) => void) | null = null;
  private closed_ = false;

  constructor(private readonly max: number) {}

  /** Messages waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once {@link close} was called: the stream ends. */
  get closed(): boolean {
    return this.closed_;
  }

  /** Adds a message at the end (or, when the queue is full, drops all for a `reset`). */
  push(m: StreamMessage): void {
    if (this.size >= this.max) {
      this.items = [];
      this.head = 0;
      m = { kind: 'reset', id: m.id, reason: 'overflow' };
    }
    this.items.push(m);
    this.settle(true);
  }

  /** Takes the oldest message, or `undefined` when none waits. */
  shift(): StreamMessage | undefined {
    if (this.head === this.items.length) return undefined;
    const m = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front once it is half the array: amortised O(1), no O(n) `Array#shift`.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /** Resolves with true when a message arrives or the queue closes, with false after `ms` without either. */
  wait(ms: number): Promise<boolean> {
    if (this.size > 0 || this.closed_) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(false), ms);
      timer.unref();
      this.wake = (woken) => {
        clearTimeout(timer);
        resolve(woken);
      };
    });
  }

  /** Ends the stream: {@link closed} turns true and a pending {@link wait} resolves. */
  close(): void {
    this.closed_ = true;
    this.settle(true);
  }

  private settle(woken: boolean): void {
    const wake = this.wake;
    this.wake = null;
    wake?.(woken);
  }
}

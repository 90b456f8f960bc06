import { describe, expect, it } from 'vitest';
import { EventStreamQueue, type StreamMessage } from './event-stream-queue';

const ev = (n: number): StreamMessage => ({
  kind: 'event',
  id: `e-${n}`,
  event: { type: 'job.updated', at: '2026-01-01T00:00:00.000Z' },
});

function drain(q: EventStreamQueue): string[] {
  const out: string[] = [];
  for (let m = q.shift(); m; m = q.shift()) out.push(m.kind === 'event' ? m.id : `reset:${m.reason}:${m.id}`);
  return out;
}

describe('EventStreamQueue', () => {
  it('hands out messages in order', () => {
    const q = new EventStreamQueue(10);
    for (let n = 1; n <= 3; n++) q.push(ev(n));
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual(['e-1', 'e-2', 'e-3']);
    expect(q.shift()).toBeUndefined();
  });

  it('drops everything for a reset with the newest id when one more than `max` arrives, and goes on', () => {
    const q = new EventStreamQueue(3);
    for (let n = 1; n <= 4; n++) q.push(ev(n));
    expect(drain(q)).toEqual(['reset:overflow:e-4']);
    for (let n = 5; n <= 10; n++) q.push(ev(n));
    // 5, 6, 7 fill it; 8 overflows; 9, 10 follow the reset.
    expect(drain(q)).toEqual(['reset:overflow:e-8', 'e-9', 'e-10']);
  });

  it('stays in order across many pushes and shifts (the consumed front is compacted)', () => {
    const q = new EventStreamQueue(100_000);
    const seen: string[] = [];
    // Three in, two out: the queue grows while its front is consumed.
    for (let n = 1; n <= 20_000; n++) {
      q.push(ev(n));
      if (n % 3 !== 0) seen.push((q.shift() as { id: string }).id);
    }
    seen.push(...drain(q));
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => `e-${i + 1}`));
  });

  it('wakes a waiter on a message or on close, and reports a quiet wait', async () => {
    const q = new EventStreamQueue(10);
    expect(await q.wait(1)).toBe(false);
    const woken = q.wait(60_000);
    q.push(ev(1));
    expect(await woken).toBe(true);
    expect(await q.wait(60_000)).toBe(true); // a message waits: at once
    q.shift();
    const closed = q.wait(60_000);
    q.close();
    expect(await closed).toBe(true);
    expect(q.closed).toBe(true);
  });
});

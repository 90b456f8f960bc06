import { describe, expect, it } from 'vitest';
import { EventReplayLog, eventId } from './event-replay-log';

const EPOCH = 'abc123';

function logWith(capacity: number, seqs: number[], startSeq = 0): EventReplayLog {
  const log = new EventReplayLog(EPOCH, capacity, startSeq);
  for (const seq of seqs)
    log.add({ id: eventId(EPOCH, seq), seq, event: { type: `e${seq}`, at: '2026-01-01T00:00:00.000Z' } });
  return log;
}

const ids = (r: ReturnType<EventReplayLog['after']>) => ('events' in r ? r.events.map((e) => e.id) : r);

describe('EventReplayLog', () => {
  it('gives the events after an id, oldest first; none after the newest', () => {
    const log = logWith(5, [1, 2, 3, 4]);
    expect(ids(log.after('abc123-1'))).toEqual(['abc123-2', 'abc123-3', 'abc123-4']);
    expect(ids(log.after('abc123-0'))).toEqual(['abc123-1', 'abc123-2', 'abc123-3', 'abc123-4']);
    expect(ids(log.after('abc123-4'))).toEqual([]);
  });

  it('keeps the last `capacity` events: an id just before them still resumes, an older one is too old', () => {
    const log = logWith(3, [1, 2, 3, 4, 5, 6, 7]);
    expect(ids(log.after('abc123-4'))).toEqual(['abc123-5', 'abc123-6', 'abc123-7']);
    expect(log.after('abc123-3')).toEqual({ reset: 'too-old' });
    expect(log.after('abc123-0')).toEqual({ reset: 'too-old' });
  });

  it('holds nothing from before it began', () => {
    const log = logWith(10, [8, 9], 7);
    expect(ids(log.after('abc123-7'))).toEqual(['abc123-8', 'abc123-9']);
    expect(log.after('abc123-6')).toEqual({ reset: 'too-old' });
  });

  it('does not know ids of another epoch, malformed ids, or seqs it has not reached', () => {
    const log = logWith(5, [1, 2]);
    expect(log.after('def456-1')).toEqual({ reset: 'unknown-epoch' });
    expect(log.after('abc123-3')).toEqual({ reset: 'unknown-epoch' });
    for (const bad of [
      '',
      'abc123',
      'abc123-',
      '-1',
      'abc123-1x',
      'abc123-1-2',
      'ABC123-1',
      'abc123-99999999999999999',
    ])
      expect(log.after(bad)).toEqual({ reset: 'unknown-epoch' });
  });
});

describe('EventReplayLog bounded by bytes', () => {
  it('keeps no more than maxBytes of events: big events push the oldest out whatever the count', () => {
    const log = new EventReplayLog(EPOCH, 5000, 0, 10_000);
    const big = 'x'.repeat(3000);
    for (let seq = 1; seq <= 700; seq++)
      log.add({
        id: eventId(EPOCH, seq),
        seq,
        event: { type: 'stage.report', at: '2026-01-01T00:00:00.000Z', data: { migrationId: big } },
      });
    expect(log.size).toBeLessThanOrEqual(10_000);
    expect(ids(log.after('abc123-697'))).toEqual(['abc123-698', 'abc123-699', 'abc123-700']);
    expect(log.after('abc123-690')).toEqual({ reset: 'too-old' });
  });

  it('counts the bytes of events that leave by count, too', () => {
    const log = logWith(3, [1, 2, 3, 4, 5, 6, 7]);
    const one = JSON.stringify({ type: 'e1', at: '2026-01-01T00:00:00.000Z' }).length;
    expect(log.size).toBe(3 * one);
  });
});

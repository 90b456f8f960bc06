import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { openStore, type Store } from '../store/database';
import { eventually } from '../testing/fixtures';
import { testStore } from '../testing/test-stores';
import { EventBus } from './event-bus';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Two replicas' buses on one fresh PostgreSQL schema. */
async function twoReplicas(): Promise<[EventBus, EventBus]> {
  const location = testStore('postgres');
  closers.push(() => location.cleanup());
  const config = resolveConfig({ ...location.options, env: {} });
  const open = async () => {
    const store: Store = await openStore(config);
    const bus = await EventBus.open(store, pino({ level: 'silent' }), 10);
    closers.push(async () => {
      await bus.close();
      await store.close();
    });
    return bus;
  };
  return [await open(), await open()];
}

describe('EventBus ids', () => {
  it('numbers what each replica delivers, its own and the other’s events, under its own epoch', async () => {
    const [a, b] = await twoReplicas();
    expect(a.epoch).not.toBe(b.epoch);
    const heard = new Map<EventBus, [string, string][]>([
      [a, []],
      [b, []],
    ]);
    for (const bus of [a, b]) {
      bus.subscribe((e, id) => heard.get(bus)!.push([e.type, id]));
    }
    a.publish({ type: 'from-a' });
    b.publish({ type: 'from-b' });
    a.publish({ type: 'from-a' });
    await eventually(async () =>
      heard.get(a)!.length === 3 && heard.get(b)!.length === 3 ? true : undefined,
    );
    for (const bus of [a, b]) {
      const got = heard.get(bus)!;
      expect(got.map(([, id]) => id)).toEqual([1, 2, 3].map((n) => `${bus.epoch}-${n}`));
      expect(got.map(([type]) => type).sort()).toEqual(['from-a', 'from-a', 'from-b']);
      expect(bus.lastId).toBe(`${bus.epoch}-3`);
      // The replay log holds the same, in the same order.
      const replay = bus.replayLog.after(`${bus.epoch}-0`);
      expect('events' in replay && replay.events.map((e) => [e.event.type, e.id])).toEqual(got);
    }
  });
});

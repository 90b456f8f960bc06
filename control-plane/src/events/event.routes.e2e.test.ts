/**
 * The event stream's ids, resume after `Last-Event-ID`, `reset` and the per-stream
 * queue cap, over real HTTP: first with a bus the test drives (so bursts and
 * buffer edges are exact), then on a real control plane on SQLite and PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlPlaneOptions, resolveConfig } from '../config';
import type { Context } from '../context';
import { mountRoutes } from '../http/route';
import { openStore } from '../store/database';
import type { FakeAgent } from '../testing/fake-agent';
import { client } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';
import { STORE_KINDS, testStore } from '../testing/test-stores';
import { eventRoutes } from './event.routes';
import { EventBus } from './event-bus';

/** One server-sent message as the test reads it (`data` parsed as JSON). */
interface Message {
  event: string;
  id: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads, checked field by field
  data: any;
}

/** An open `GET /v1/events`: `next()` waits for the next message (comments skipped). */
interface Stream {
  next(): Promise<Message>;
  /** Reads until `stop` holds for a message; returns the messages read, that one included. */
  until(stop: (m: Message) => boolean): Promise<Message[]>;
  close(): void;
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function openStream(url: string, token: string, headers: Record<string, string> = {}): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<Message> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          block.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? undefined;
        const data = field('data');
        if (data === undefined) continue; // a keep-alive comment
        return { event: field('event') ?? 'message', id: field('id'), data: JSON.parse(data) };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const close = () => controller.abort();
  closers.push(close);
  return {
    next,
    until: async (stop) => {
      const seen: Message[] = [];
      for (;;) {
        const m = await next();
        seen.push(m);
        if (stop(m)) return seen;
      }
    },
    close,
  };
}

const epochOf = (id: string | undefined) => id?.split('-')[0];
const seqOf = (id: string | undefined) => Number(id?.split('-')[1]);

/** The event route alone, on a real HTTP server, with a bus the test publishes to. */
async function startEventServer(options: ControlPlaneOptions = {}) {
  const store = testStore('sqlite');
  const config = resolveConfig({ ...store.options, logLevel: 'silent', env: {}, ...options });
  const db = await openStore(config);
  const log = pino({ level: 'silent' });
  const bus = await EventBus.open(db, log, config.eventReplayBuffer);
  const streams = new Set<() => void>();
  // Only what the event route reads of the context.
  const ctx = { config, store: db, db: db.db, log, bus, streams } as unknown as Context;
  const app = new Hono();
  mountRoutes(app, eventRoutes, {
    ctx,
    engine: undefined as never,
    gateway: undefined as never,
    authenticate: async () => ({ userId: 'u', name: 'vera', role: 'viewer', tokenId: 't' }),
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  closers.push(async () => {
    for (const end of streams) end();
    await new Promise((r) => setImmediate(r));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await bus.close();
    await db.close();
    await store.cleanup();
  });
  const open = (query = '', headers: Record<string, string> = {}) =>
    openStream(`${url}${query}`, 't', headers);
  return { bus, open };
}

describe('GET /v1/events, with a bus the test drives', () => {
  it('resumes after Last-Event-ID with exactly the missed events of its filter, in order, then goes live', async () => {
    const { bus, open } = await startEventServer();
    const publish = (rolloutId: string, step: string, site = 's1') =>
      bus.publish({ type: 'job.updated', rolloutId, site, data: { step } });

    const first = await open('?rollout=r1');
    const ready = await first.next();
    expect(ready).toEqual({ event: 'ready', id: `${bus.epoch}-0`, data: {} });
    expect(bus.epoch).toMatch(/^[0-9a-f]{16}$/);
    publish('r1', 'a');
    publish('r2', 'x');
    publish('r1', 'b');
    const a = await first.next();
    expect(a).toMatchObject({ event: 'job.updated', id: `${bus.epoch}-1`, data: { rolloutId: 'r1' } });
    first.close();
    publish('r1', 'c', 's2');
    publish('r2', 'y');
    publish('r1', 'd');

    const resumed = await open('?rollout=r1', { 'last-event-id': a.id! });
    // No id on a resumed stream's `ready`: the reader keeps its own until the replay moves it.
    expect(await resumed.next()).toEqual({ event: 'ready', id: undefined, data: {} });
    const replayed = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(replayed.map((m) => [m.id, m.data.data.step])).toEqual([
      [`${bus.epoch}-3`, 'b'],
      [`${bus.epoch}-4`, 'c'],
      [`${bus.epoch}-6`, 'd'],
    ]);
    publish('r2', 'z');
    publish('r1', 'e');
    expect(await resumed.next()).toMatchObject({ id: `${bus.epoch}-8`, data: { data: { step: 'e' } } });

    // `?lastEventId=` for readers that cannot set headers; the header wins over it.
    const byQuery = await open(`?rollout=r1&site=s1&lastEventId=${bus.epoch}-1`);
    await byQuery.next();
    expect((await byQuery.until((m) => m.id === `${bus.epoch}-8`)).map((m) => m.data.data.step)).toEqual([
      'b',
      'd',
      'e',
    ]);
    const both = await open(`?lastEventId=${bus.epoch}-1`, { 'last-event-id': `${bus.epoch}-6` });
    await both.next();
    expect((await both.next()).data.data.step).toBe('z');
  });

  it('answers an id it did not give, or one whose successors left the buffer, with reset, then goes live', async () => {
    const { bus, open } = await startEventServer({ eventReplayBuffer: 3 });
    const publish = (n: number) => bus.publish({ type: 'rollout.updated', rolloutId: 'r', data: { n } });
    await (await open()).next(); // the first stream starts the replay log
    for (let n = 1; n <= 5; n++) publish(n); // the buffer keeps 3, 4, 5

    for (const [lastEventId, reason] of [
      ['0123456789abcdef-1', 'unknown-epoch'],
      ['not-an-id', 'unknown-epoch'],
      [`${bus.epoch}-9`, 'unknown-epoch'],
      [`${bus.epoch}-1`, 'too-old'],
    ]) {
      const s = await open('', { 'last-event-id': lastEventId! });
      expect(await s.next()).toEqual({ event: 'ready', id: undefined, data: {} });
      // The reset carries the id to go on from: nothing before it will come.
      expect(await s.next()).toEqual({ event: 'reset', id: `${bus.epoch}-5`, data: { reason } });
      s.close();
    }
    // The oldest id that still resumes: its successors 3, 4, 5 are all kept.
    const edge = await open('', { 'last-event-id': `${bus.epoch}-2` });
    await edge.next();
    expect([await edge.next(), await edge.next(), await edge.next()].map((m) => m.data.data.n)).toEqual([
      3, 4, 5,
    ]);

    const live = await open('', { 'last-event-id': `${bus.epoch}-1` });
    await live.next();
    expect((await live.next()).event).toBe('reset');
    publish(6);
    expect(await live.next()).toMatchObject({ event: 'rollout.updated', id: `${bus.epoch}-6` });
  });

  it('resets a stream whose queue overflows, and carries on with the events after it', async () => {
    const { bus, open } = await startEventServer({ eventStreamMaxQueue: 3 });
    const s = await open();
    await s.next();
    // One synchronous burst: the stream cannot write any of it before the burst ends.
    // 1-3 fill the queue, 4 overflows it; 5, 6 follow; 7 overflows; 8, 9; 10 overflows.
    for (let n = 1; n <= 10; n++) bus.publish({ type: 'job.updated', data: { n } });
    expect(await s.next()).toEqual({ event: 'reset', id: `${bus.epoch}-10`, data: { reason: 'overflow' } });
    bus.publish({ type: 'job.updated', data: { n: 11 } });
    bus.publish({ type: 'job.updated', data: { n: 12 } });
    expect([await s.next(), await s.next()].map((m) => [m.id, m.data.data.n])).toEqual([
      [`${bus.epoch}-11`, 11],
      [`${bus.epoch}-12`, 12],
    ]);
  });

  it('tells of Last-Event-ID and reset in the OpenAPI summary', () => {
    expect(eventRoutes[0]!.summary).toMatch(/Last-Event-ID/);
    expect(eventRoutes[0]!.summary).toMatch(/reset/);
  });
});

describe.each(STORE_KINDS)('GET /v1/events on a real control plane (%s)', (kind) => {
  let h: Harness | undefined;
  let agents = new Map<string, FakeAgent>();
  afterEach(async () => {
    await Promise.all([...agents.values()].map((a) => a.close()));
    agents = new Map();
    await h?.close();
    h = undefined;
  });

  it('replays exactly the missed events of its rollout after a reconnect, none of another rollout', async () => {
    h = await startHarness(kind);
    const token = h.cp.bootstrapToken!;
    await seedFleet(h, [{ name: 'a1' }, { name: 'b1' }]);
    agents = await connectAgents(h.cp, ['a1', 'b1']);
    const create = async (site: string, requireApproval: boolean) =>
      (
        await h!.admin.post('/v1/rollouts', {
          migrationId: 'guard-upgrade',
          plan: planDoc([{ name: 'only', select: { sites: [site] }, gates: { requireApproval } }], {
            until: 'verified',
          }),
        })
      ).body.rollout.id as string;
    // A waits for a person after its verdict, so all of B happens inside A's missed stretch.
    const a = await create('a1', true);
    const b = await create('b1', false);
    const url = `${h.cp.url}/v1/events`;
    const reference = await openStream(`${url}?rollout=${a}`, token);
    const everything = await openStream(url, token);
    const watcher = await openStream(`${url}?rollout=${a}`, token);
    for (const s of [reference, everything, watcher]) expect((await s.next()).event).toBe('ready');

    expect((await h.admin.post(`/v1/rollouts/${a}/start`)).status).toBe(200);
    const last = await watcher.next();
    watcher.close();
    expect((await h.admin.post(`/v1/rollouts/${b}/start`)).status).toBe(200);
    const all = await everything.until((m) => m.data.rolloutId === b && m.data.data?.state === 'completed');
    const seen = await reference.until((m) => m.event === 'verdict.committed');
    expect((await h.admin.post(`/v1/rollouts/${a}/promote`)).status).toBe(200);
    seen.push(
      ...(await reference.until((m) => m.event === 'rollout.updated' && m.data.data?.state === 'completed')),
    );
    const before = seen.findIndex((m) => m.id === last.id);
    expect(before).toBe(0); // the reference saw the watcher's last event, with the same id
    const missed = seen.slice(before + 1);
    expect(missed.length).toBeGreaterThan(3);

    const resumed = await openStream(`${url}?rollout=${a}`, token, { 'last-event-id': last.id! });
    expect((await resumed.next()).event).toBe('ready');
    const replayed = await resumed.until((m) => m.id === seen.at(-1)!.id);
    expect(replayed).toEqual(missed);
    // B ran entirely inside the missed stretch; the filter kept its events out.
    const ofB = all.filter((m) => m.data.rolloutId === b);
    expect(ofB.length).toBeGreaterThan(2);
    for (const m of ofB) expect(seqOf(m.id)).toBeGreaterThan(seqOf(last.id));
    expect(seqOf(ofB.at(-1)!.id)).toBeLessThan(seqOf(seen.at(-1)!.id));
    expect(replayed.every((m) => m.data.rolloutId === a)).toBe(true);
  });

  it(`answers an id of ${kind === 'sqlite' ? 'the server before a restart' : 'another replica'} with reset, then goes on live`, async () => {
    h = await startHarness(kind);
    const token = h.cp.bootstrapToken!;
    await seedFleet(h, [{ name: 'c1' }]);
    const before = await openStream(`${h.cp.url}/v1/events`, token);
    const given = (await before.next()).id!;
    before.close();
    // SQLite: the server restarts on its store. PostgreSQL: a second replica serves the same store.
    if (kind === 'sqlite') await h.cp.close();
    const other = await h.startReplica();
    const s = await openStream(`${other.url}/v1/events`, token, { 'last-event-id': given });
    expect((await s.next()).event).toBe('ready');
    const reset = await s.next();
    expect(reset).toMatchObject({ event: 'reset', data: { reason: 'unknown-epoch' } });
    expect(epochOf(reset.id)).not.toBe(epochOf(given));

    // Live after the reset, numbered by this replica; on PostgreSQL the rollout is made
    // through the first replica, so its events reach this one through NOTIFY.
    const via = kind === 'sqlite' ? client(other.url, token) : h.admin;
    const created = await via.post('/v1/rollouts', {
      migrationId: 'guard-upgrade',
      plan: planDoc([{ name: 'only', select: { rest: true } }]),
    });
    expect(created.status).toBe(201);
    expect((await via.post(`/v1/rollouts/${created.body.rollout.id}/start`)).status).toBe(200);
    const live = await s.next();
    expect(live.data.rolloutId).toBe(created.body.rollout.id);
    expect(epochOf(live.id)).toBe(epochOf(reset.id));
    expect(seqOf(live.id)).toBeGreaterThan(seqOf(reset.id));
  });
});

describe('fleet events for watchers', () => {
  it('tells of a site created or changed, and of an agent connecting and going away', async () => {
    const h = await startHarness('sqlite');
    closers.push(() => h.close());
    const stream = await openStream(`${h.cp.url}/v1/events`, h.cp.bootstrapToken!);
    closers.push(() => stream.close());
    await stream.next(); // ready
    const put = await h.admin.put('/v1/sites/north-1', {
      tags: ['north'],
      timeZone: 'UTC',
      maintenanceWindows: [],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const [site] = (await stream.until((m) => m.event === 'site.updated')).slice(-1);
    expect(site!.data).toMatchObject({ type: 'site.updated', site: 'north-1', data: { created: true } });

    const agents = await connectAgents(h.cp, ['north-1']);
    const [up] = (await stream.until((m) => m.event === 'agent.updated')).slice(-1);
    expect(up!.data).toMatchObject({ site: 'north-1', data: { connected: true } });
    await agents.get('north-1')!.close();
    const [down] = (await stream.until((m) => m.event === 'agent.updated')).slice(-1);
    expect(down!.data).toMatchObject({ site: 'north-1', data: { connected: false } });
    expect(down!.data.data.agentId).toBe(up!.data.data.agentId);
  });
});

/**
 * Reading a running PLC for shadow execution over an OPC UA subscription (ADR 0100): one
 * monitored item on every bound tag (sampling interval 0 — every change, as fast as the
 * server allows; a queue so that no change between two publishes is lost; source and
 * server timestamps), on one session held for the run. The server sends what changed,
 * each change with the time it happened (its source timestamp), in a message every
 * publishing interval, or an empty keep-alive after `keepAliveCount` intervals without a
 * change. A message says: every change up to its publish time is here, so a tag that did
 * not change still has its last value up to then — and only up to then: without a
 * message, nothing is known to be current (comm loss, decided by the runner).
 */
import type { Tag } from '@plcfleet/protocols';
import type { ClientSession, DataValue, NotificationMessage } from 'node-opcua';
import { fromEngineering, type OpcuaClientOptions, type RawValue, withOpcuaSession } from '../plant-io';

/** One tag's change: its new raw value and when it happened (the server's source timestamp, ms). */
export interface LiveChange {
  tag: Tag;
  raw: RawValue;
  at: number;
}

/** What the subscription said, in order. */
export type LiveMessage =
  | {
      ok: true;
      /**
       * The server's publish time of the message (its clock), ms; NaN when the server leaves it
       * out (node-opcua 2.182's server sends the DateTime minimum).
       */
      publishTime: number;
      /** When it came (this host's clock), ms. */
      receivedAt: number;
      /** The changes in it, as the server queued them (per tag in order). */
      changes: LiveChange[];
      /**
       * Every change up to `publishTime` is in this message or an earlier one. False when it
       * may have been cut at the server's notifications-per-publish limit: then only up to its
       * latest change.
       */
      complete: boolean;
      /** A tag's queue overflowed at the server: some change between two publishes is missing. */
      overflow: boolean;
    }
  | { ok: false; error: string; at: number };

/** The subscription as opened: the intervals the server granted and every tag's first value. */
export interface LiveOpened {
  publishingMs: number;
  /** The longest the server may stay silent: a keep-alive after this many ms without a change. */
  keepAliveMs: number;
  values: Map<Tag, RawValue>;
  /**
   * The server's time of the message that completed the first values, ms: its publish time,
   * or (without one) the latest source timestamp among the values — they held since then.
   */
  at: number;
  /**
   * The latest source timestamp among the first values, ms: a PLC running late may not have
   * scanned since, whatever `at` covers (ADR 0161: the cycles between are scans it may owe).
   * @default at
   */
  latestChange?: number;
  receivedAt: number;
  /**
   * From asking for the subscription to its first values, ms: the runner's first measure of
   * how late messages may come (as a poll's first answer, which carries the connection). It
   * includes the server's work on every item, which says how loaded the server is: with the
   * CreateSubscription round trip alone, the bench (load 23, messages up to 1.4 s apart)
   * had a false comm loss in the first seconds of every run.
   */
  setupMs: number;
}

/** A running PLC the shadow follows by subscription. */
export interface LiveFeed {
  readonly kind: 'subscription';
  /** Where, for people. */
  readonly where: string;
  /** Opens the session and the subscription; resolves once every tag has a first value. Never throws. */
  open(): Promise<({ ok: true } & LiveOpened) | { ok: false; error: string }>;
  /** The next message, or undefined when none came within `ms`. */
  next(ms: number): Promise<LiveMessage | undefined>;
  /** Closes the subscription and the session (does not wait on a server that stopped answering). */
  close(): Promise<void>;
}

/** Options of {@link OpcuaLiveFeed}. */
export interface OpcuaLiveFeedOptions {
  /**
   * How soon a live scan must be heard of, ms (the PLC's cycle, or `--poll-ms`): the publishing
   * interval asked for is this over `messagesPerPeriod`.
   */
  publishingMs: number;
  /**
   * Messages asked for per `publishingMs`. A sample that disagrees waits for the next message
   * (ADR 0100), a keep-alive when nothing changes: at two a period (a keep-alive every period
   * at the keep-alive count of 2) a divergence is reported within about a cycle of the message
   * that shows it, not two (ADR 0144). @default 2
   */
  messagesPerPeriod?: number;
  /** Intervals without a change before a keep-alive. @default 2 (the least the standard allows) */
  keepAliveCount?: number;
  /** Changes kept per tag between two publishes. @default 32 */
  queueSize?: number;
}

/** node-opcua's server limit on notifications in one publish (Subscription.maxNotificationPerPublishHighLimit). */
const NOTIFICATIONS_PER_PUBLISH = 1000;

/**
 * One OPC UA session and subscription for a shadow run. A lost session is not repaired in
 * place: the runner closes the feed at a comm loss and opens it again, so the first values
 * after it are whole (a resumed subscription may have lost messages).
 */
export class OpcuaLiveFeed implements LiveFeed {
  readonly kind = 'subscription' as const;
  readonly where: string;
  private queue: LiveMessage[] = [];
  private waiter: ((m: LiveMessage | undefined) => void) | undefined;
  private release: (() => void) | undefined;
  private ended: Promise<unknown> | undefined;
  /** Bumped at every open and close: events of an older session are ignored. */
  private generation = 0;

  constructor(
    private readonly endpoint: string,
    private readonly tags: readonly Tag[],
    private readonly client: OpcuaClientOptions,
    private readonly options: OpcuaLiveFeedOptions,
  ) {
    this.where = `${endpoint} (subscription)`;
  }

  private push(gen: number, m: LiveMessage): void {
    if (gen !== this.generation) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(m);
    } else this.queue.push(m);
  }

  next(ms: number): Promise<LiveMessage | undefined> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      const t = setTimeout(
        () =>
          // after pending I/O: a stall of this process is not taken for a silent server
          setImmediate(() => {
            if (this.waiter !== settle) return;
            this.waiter = undefined;
            resolve(this.queue.shift());
          }),
        Math.max(0, ms),
      );
      const settle = (v: LiveMessage | undefined) => {
        clearTimeout(t);
        resolve(v);
      };
      this.waiter = settle;
    });
  }

  open(): Promise<({ ok: true } & LiveOpened) | { ok: false; error: string }> {
    const gen = ++this.generation;
    this.queue = [];
    // the session's requests time out at timeoutMs; opening also makes the client's certificate
    // the first time (seconds): bounded, but not by one request's time
    const timeoutMs = (this.client.timeoutMs ?? 10_000) + 10_000;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ({ ok: true } & LiveOpened) | { ok: false; error: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(
        () => done({ ok: false, error: `no subscription within ${timeoutMs} ms` }),
        timeoutMs,
      );
      this.ended = withOpcuaSession(this.endpoint, this.client, async (session) => {
        const held = new Promise<void>((r) => {
          this.release = r;
        });
        if (gen !== this.generation) return;
        await this.subscribe(session, gen, (opened) => done({ ok: true, ...opened }));
        await held;
      }).then(
        () => done({ ok: false, error: 'the session closed' }),
        (err: unknown) => {
          const error = (err as Error).message;
          done({ ok: false, error });
          this.push(gen, { ok: false, error, at: Date.now() });
        },
      );
    });
  }

  /** Creates the subscription and its items; `opened` once every tag has a first value. */
  private async subscribe(
    session: ClientSession,
    gen: number,
    opened: (o: LiveOpened) => void,
  ): Promise<void> {
    const { ClientSubscription, TimestampsToReturn } = await import('node-opcua');
    const lost = (error: string) => this.push(gen, { ok: false, error, at: Date.now() });
    session.on('session_closed', () => lost('the PLC closed the session'));
    // the connection itself (a closed socket is said at once, not at the next keep-alive)
    const client = (session as unknown as { _client?: NodeJS.EventEmitter })._client;
    client?.on('connection_lost', () => lost('connection lost'));
    client?.on('close', () => lost('connection closed'));
    const keepAliveCount = this.options.keepAliveCount ?? 2;
    const asked = Date.now();
    const subscription = ClientSubscription.create(session, {
      requestedPublishingInterval: this.options.publishingMs / (this.options.messagesPerPeriod ?? 2),
      requestedMaxKeepAliveCount: keepAliveCount,
      // the server drops the subscription after this many silent intervals of the client's own
      requestedLifetimeCount: Math.max(3 * keepAliveCount, Math.ceil(10_000 / this.options.publishingMs)),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    await new Promise<void>((ok, fail) => {
      subscription.once('started', () => ok());
      subscription.once('internal_error', fail);
    });
    // node-opcua's client raises a keep-alive count below 3 to 3 before asking (its
    // minimumMaxKeepAliveCount); the standard lets the server decide and node-opcua's server
    // grants 2. Asked again as a modify, which the client passes as is: a silent server is
    // then noticed a publishing interval sooner (20 ms, not 30, at a 10 ms interval).
    if (subscription.maxKeepAliveCount > keepAliveCount)
      await subscription.modify({ requestedMaxKeepAliveCount: keepAliveCount }).catch(() => {});
    subscription.on('status_changed', (status) => {
      if (!status.isGood()) lost(`subscription ${status.name}`);
    });
    subscription.on('terminated', () => lost('subscription terminated'));
    const handles = new Map<number, Tag>();
    const early: NotificationMessage[] = [];
    let first: Map<Tag, RawValue> | undefined = new Map();
    let firstAt = Number.NEGATIVE_INFINITY;
    const onMessage = (msg: NotificationMessage) => {
      const receivedAt = Date.now();
      const stamped = msg.publishTime?.getTime() ?? Number.NaN;
      // a publish time before 2000 is no time (the DateTime minimum of a server that leaves it out)
      const publishTime = stamped > 946_684_800_000 ? stamped : Number.NaN;
      let latest = Number.NEGATIVE_INFINITY;
      const changes: LiveChange[] = [];
      let overflow = false;
      let count = 0;
      for (const n of msg.notificationData ?? []) {
        const items = (n as { monitoredItems?: { clientHandle: number; value: DataValue }[] }).monitoredItems;
        if (!items) continue;
        count += items.length;
        for (const { clientHandle, value } of items) {
          const tag = handles.get(clientHandle);
          if (!tag) continue;
          const status = value.statusCode;
          // a server shows lost I/O as Bad, never as a stale Good
          if (!status.isGood()) {
            if (first) continue; // not yet: the PLC's first values may still come
            return lost(`${tag.name}: ${status.name}`);
          }
          if (status.hasOverflowBit) overflow = true;
          const raw = fromEngineering(tag, value.value.value);
          if (!raw.ok) return lost(`${tag.name}: ${raw.reason}`);
          const at = value.sourceTimestamp?.getTime() ?? value.serverTimestamp?.getTime() ?? publishTime;
          if (at > latest) latest = at;
          changes.push({ tag, raw: raw.value, at });
        }
      }
      if (first) {
        for (const c of changes) first.set(c.tag, c.raw);
        if (latest > firstAt) firstAt = latest;
        if (first.size < this.tags.length) return;
        const values = first;
        first = undefined;
        return opened({
          publishingMs: subscription.publishingInterval,
          keepAliveMs: subscription.publishingInterval * subscription.maxKeepAliveCount,
          values,
          at: Number.isNaN(publishTime) ? firstAt : publishTime,
          latestChange: firstAt,
          receivedAt,
          setupMs: receivedAt - asked,
        });
      }
      this.push(gen, {
        ok: true,
        publishTime,
        receivedAt,
        changes,
        complete: count < NOTIFICATIONS_PER_PUBLISH,
        overflow,
      });
    };
    subscription.on('raw_notification', (msg: NotificationMessage) => {
      if (handles.size === 0) early.push(msg);
      else onMessage(msg);
    });
    const group = await subscription.monitorItems(
      this.tags.map((t) => ({ nodeId: t.opcua.nodeId, attributeId: 13 })),
      { samplingInterval: 0, queueSize: this.options.queueSize ?? 32, discardOldest: true },
      TimestampsToReturn.Both,
    );
    group.monitoredItems.forEach((item, i) => {
      handles.set(item.monitoringParameters.clientHandle, this.tags[i]!);
    });
    for (const m of early.splice(0)) onMessage(m);
  }

  async close(): Promise<void> {
    this.generation++;
    this.queue = [];
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.release?.();
    this.release = undefined;
    const ended = this.ended;
    this.ended = undefined;
    // closing with a server that stopped answering takes the stack's own timeouts: not waited for
    await Promise.race([ended?.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

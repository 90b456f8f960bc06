import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ControlPlaneEvent as ControlPlaneEventView } from '@plcfleet/protocols';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Store } from '../store/database';
import { EventReplayLog, eventId } from './event-replay-log';

/**
 * Something that changed, for watchers (SSE) and for the dispatchers of every
 * replica: the `ControlPlaneEvent` of protocols (`type` e.g. `rollout.updated`,
 * `job.updated`, `verdict.committed`, `work.available`; `data` kept small, under
 * PostgreSQL's 8000-byte NOTIFY limit).
 */
export type ControlPlaneEvent = ControlPlaneEventView;

/**
 * Publishes events after their changes commit. On SQLite (one process) it is an
 * in-process emitter; on PostgreSQL every event goes through NOTIFY on a channel
 * per schema, and every replica (this one too) hears it through LISTEN, so an
 * agent on replica A learns of a job that replica B made ready.
 *
 * Every event the bus delivers gets an id `<epoch>-<seq>`: `epoch` is random per
 * bus (per process start), `seq` counts the events this bus delivered, those
 * heard from other replicas included. Ids are local to a replica: another
 * replica numbers the same events its own way.
 */
export class EventBus {
  /** Random per bus: an id of another bus (a restarted server, another replica) is recognised as foreign. */
  readonly epoch = randomBytes(8).toString('hex');
  private readonly emitter = new EventEmitter();
  private listener: pg.Client | null = null;
  private readonly channel: string;
  private seq = 0;
  /** The last events, for streams that resume after `Last-Event-ID`. */
  readonly replayLog: EventReplayLog;

  private constructor(
    private readonly store: Store,
    private readonly log: Logger,
    replayBuffer: number,
    replayBytes: number,
  ) {
    this.emitter.setMaxListeners(0);
    this.channel = `plcfleet_${store.schema}`.slice(0, 63);
    this.replayLog = new EventReplayLog(this.epoch, replayBuffer, this.seq, replayBytes);
  }

  /**
   * Opens the bus (and, on PostgreSQL, its LISTEN connection), keeping the last
   * `replayBuffer` events, and at most `replayBytes` of them, for streams that
   * resume (`eventReplayBuffer`, `eventReplayBytes`).
   */
  static async open(
    store: Store,
    log: Logger,
    replayBuffer = 5000,
    replayBytes = 16 * 1024 * 1024,
  ): Promise<EventBus> {
    const bus = new EventBus(store, log, replayBuffer, replayBytes);
    if (store.pgClient) {
      const client = store.pgClient();
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel !== bus.channel || !n.payload) return;
        let event: ControlPlaneEvent;
        try {
          event = JSON.parse(n.payload) as ControlPlaneEvent;
        } catch (err) {
          bus.log.warn({ err }, 'unreadable notification');
          return;
        }
        bus.deliver(event);
      });
      client.on('error', (err) => bus.log.error({ err }, 'LISTEN connection failed'));
      await client.query(`LISTEN "${bus.channel}"`);
      bus.listener = client;
    }
    return bus;
  }

  /** Publishes an event (after the change it reports has committed). */
  publish(event: Omit<ControlPlaneEvent, 'at'>): void {
    const full: ControlPlaneEvent = { ...event, at: new Date().toISOString() };
    if (!this.listener) {
      this.deliver(full);
      return;
    }
    this.store.db
      .selectNoFrom((eb) => eb.fn('pg_notify', [eb.val(this.channel), eb.val(JSON.stringify(full))]).as('n'))
      .execute()
      .catch((err) => {
        this.log.warn({ err }, 'NOTIFY failed; delivering locally');
        this.deliver(full);
      });
  }

  /** Calls `fn` for every event, with its id on this bus; returns the unsubscribe function. */
  subscribe(fn: (event: ControlPlaneEvent, id: string) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  /** The id of the last event this bus delivered (`<epoch>-0` before the first). */
  get lastId(): string {
    return eventId(this.epoch, this.seq);
  }

  /** Numbers the event, keeps it in the replay log and hands it to the subscribers, all at once. */
  private deliver(event: ControlPlaneEvent): void {
    const seq = ++this.seq;
    const id = eventId(this.epoch, seq);
    this.replayLog.add({ id, seq, event });
    this.emitter.emit('event', event, id);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.listener) await this.listener.end().catch(() => {});
    this.listener = null;
  }
}

import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Store } from '../store/database';

/** Something that changed, for watchers (SSE) and for the dispatchers of every replica. */
export interface ControlPlaneEvent {
  /** e.g. `rollout.updated`, `rollout.decision`, `job.updated`, `verdict.committed`, `change-request.updated`, `deploy.updated`, `work.available`. */
  type: string;
  rolloutId?: string;
  jobId?: string;
  site?: string;
  /** Small payload (kept under PostgreSQL's 8000-byte NOTIFY limit). */
  data?: Record<string, unknown>;
  at: string;
}

/**
 * Publishes events after their changes commit. On SQLite (one process) it is an
 * in-process emitter; on PostgreSQL every event goes through NOTIFY on a channel
 * per schema, and every replica (this one too) hears it through LISTEN, so an
 * agent on replica A learns of a job that replica B made ready.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private listener: pg.Client | null = null;
  private readonly channel: string;

  private constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.emitter.setMaxListeners(0);
    this.channel = `plcfleet_${store.schema}`.slice(0, 63);
  }

  /** Opens the bus (and, on PostgreSQL, its LISTEN connection). */
  static async open(store: Store, log: Logger): Promise<EventBus> {
    const bus = new EventBus(store, log);
    if (store.pgClient) {
      const client = store.pgClient();
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel !== bus.channel || !n.payload) return;
        try {
          bus.emitter.emit('event', JSON.parse(n.payload) as ControlPlaneEvent);
        } catch (err) {
          bus.log.warn({ err }, 'unreadable notification');
        }
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
      this.emitter.emit('event', full);
      return;
    }
    this.store.db
      .selectNoFrom((eb) => eb.fn('pg_notify', [eb.val(this.channel), eb.val(JSON.stringify(full))]).as('n'))
      .execute()
      .catch((err) => {
        this.log.warn({ err }, 'NOTIFY failed; delivering locally');
        this.emitter.emit('event', full);
      });
  }

  /** Calls `fn` for every event; returns the unsubscribe function. */
  subscribe(fn: (event: ControlPlaneEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.listener) await this.listener.end().catch(() => {});
    this.listener = null;
  }
}

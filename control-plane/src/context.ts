import type { Logger } from 'pino';
import type { ControlPlaneConfig } from './config';
import type { ControlPlaneEvent, EventBus } from './events/event-bus';
import type { Metrics } from './metrics/metrics';
import type { Signer } from './signing/signer';
import type { SigningKey } from './signing/signing-key.repository';
import type { Db, Store } from './store/database';
import type { GroupCommit } from './store/group-commit';

/** What the parts of a running control plane share. */
export interface Context {
  config: ControlPlaneConfig;
  store: Store;
  db: Db;
  log: Logger;
  bus: EventBus;
  key: SigningKey;
  /** Signs bundles and orders with `key`. */
  signer: Signer;
  metrics: Metrics;
  /** Shared transactions for the gateway's small, frequent writes (verdicts, claims, accepts). */
  writes: GroupCommit;
  /** Open event streams; each entry ends one (called on close). */
  streams: Set<() => void>;
}

/** Events gathered during a transaction and published after it commits. */
export type PendingEvents = Omit<ControlPlaneEvent, 'at'>[];

/** Publishes gathered events. */
export function publishAll(ctx: Pick<Context, 'bus'>, events: PendingEvents): void {
  for (const e of events) ctx.bus.publish(e);
}

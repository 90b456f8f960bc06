/**
 * The agent's durable outbox: messages committed to SQLite (WAL) before they
 * are sent, kept until the control plane acks them.
 */
export { Outbox, type OutboxEntry, type OutboxItem } from './outbox';

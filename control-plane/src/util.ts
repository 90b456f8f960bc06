import { randomUUID } from 'node:crypto';

/** Current time as an ISO-8601 UTC string (the store's timestamp format). */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString();
}

/** A timestamp `ms` milliseconds from now. */
export function isoIn(ms: number, now: number = Date.now()): string {
  return new Date(now + ms).toISOString();
}

/** A new identifier with a readable prefix (`ro_…`, `job_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** Parses a JSON column. */
export function fromJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

let counter = 0;
/** An identifier that sorts by creation time (within one process also by order). */
export function sortableId(prefix: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomUUID().slice(0, 8)}`;
}

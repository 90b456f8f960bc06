/** Documents and helpers shared by the control plane's tests. */
import type { MigrationInput } from '@plcfleet/protocols';

/** A minimal migration. */
export function migrationDoc(
  safetyClass: 'non-safety' | 'safety-related' = 'safety-related',
  id = 'guard-upgrade',
): MigrationInput {
  return {
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id,
    revision: 1,
    title: 'Replace the guard FB',
    type: 'code',
    safetyClass,
    goal: 'Use the redundant guard sensor',
    scope: { pous: ['*'] },
  };
}

/** A site that is always inside its maintenance window. */
export function siteDoc(name: string, tags: string[] = []) {
  return {
    name,
    tags,
    timeZone: 'UTC',
    maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
  };
}

/** A tiny HTTP client with a bearer token. */
export function client(url: string, token: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: test client
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown = {}, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => call('PUT', path, body, headers),
    del: (path: string) => call('DELETE', path),
  };
}

/** Polls `check` until it returns a value that is not undefined. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

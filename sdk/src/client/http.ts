import { formatZodError } from '@plcfleet/protocols';
import type { z } from 'zod';
import { PlcfleetError } from '../errors';

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:7400`. */
  server: string;
  /** Bearer API token. */
  token?: string | undefined;
  /** Attempts for idempotent calls (GET, PUT, DELETE) on network errors and 502/503/504. @default 3 */
  retries?: number;
  /** First backoff delay in ms; doubles each attempt, with jitter. @default 200 */
  backoffMs?: number;
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** HTTP methods of the API. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What {@link HttpClient.request} sends. */
export interface RequestBodyOptions {
  /** A JSON body. */
  body?: unknown;
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal | undefined;
  /** A text body instead of JSON (e.g. YAML), sent with `contentType`. */
  text?: string;
  /** @default 'text/plain' */
  contentType?: string;
}

/** What {@link HttpClient.raw} sends. */
export interface RawRequestOptions extends RequestBodyOptions {
  /** @default 'application/json' */
  accept?: string;
  /** Extra headers (e.g. `last-event-id`). */
  headers?: Record<string, string>;
  /** A streaming response: the timeout covers only the wait for the response headers. */
  stream?: boolean;
  /** Attempts for this call, overriding the client's (idempotent calls only). */
  retries?: number;
}
const IDEMPOTENT = new Set<Method>(['GET', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([502, 503, 504]);

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** fetch-based transport: auth header, JSON, retries with backoff on idempotent calls, typed errors. */
export class HttpClient {
  readonly server: string;
  readonly #token: string | undefined;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(opts: HttpClientOptions) {
    this.server = opts.server.replace(/\/+$/, '');
    this.#token = opts.token;
    this.#retries = opts.retries ?? 3;
    this.#backoffMs = opts.backoffMs ?? 200;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends a request and validates the JSON response with `schema`. */
  async request<S extends z.ZodType>(
    method: Method,
    path: string,
    schema: S,
    opts: RequestBodyOptions = {},
  ): Promise<z.output<S>> {
    const { res, done } = await this.#send(method, path, opts);
    let data: unknown;
    try {
      data = res.status === 204 ? null : await res.json().catch(() => undefined);
    } finally {
      done();
    }
    const parsed = schema.safeParse(data, { reportInput: true });
    if (!parsed.success)
      throw new PlcfleetError(
        'BAD_RESPONSE',
        `${method} ${path}: unexpected response: ${formatZodError(parsed.error)}`,
        {
          status: res.status,
        },
      );
    return parsed.data;
  }

  /** Sends a request; returns the response when 2xx, throws {@link PlcfleetError} otherwise. */
  async raw(method: Method, path: string, opts: RawRequestOptions = {}): Promise<Response> {
    return (await this.#send(method, path, opts)).res;
  }

  async #send(
    method: Method,
    path: string,
    opts: RawRequestOptions,
  ): Promise<{ res: Response; done: () => void }> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...opts.headers, accept: opts.accept ?? 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let body: string | undefined;
    if (opts.text !== undefined) {
      body = opts.text;
      headers['content-type'] = opts.contentType ?? 'text/plain';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    // Only idempotent calls are retried: a POST that timed out may have been applied.
    const attempts = IDEMPOTENT.has(method) ? Math.max(1, opts.retries ?? this.#retries) : 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.#backoffMs * 2 ** (attempt - 2) * (0.5 + Math.random()), opts.signal);
      if (opts.signal?.aborted) throw new PlcfleetError('ABORTED', `${method} ${path}: aborted`);
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new PlcfleetError('UNREACHABLE', `no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
      let res: Response;
      try {
        res = await this.#fetch(url, { method, headers, body, signal });
      } catch (err) {
        clearTimeout(timer);
        if (opts.signal?.aborted)
          throw new PlcfleetError('ABORTED', `${method} ${path}: aborted`, { cause: err });
        const why = timeout.signal.aborted ? `no answer within ${this.#timeoutMs} ms` : describe(err);
        lastError = new PlcfleetError('UNREACHABLE', `cannot reach ${this.server}: ${why}`, { cause: err });
        continue;
      }
      // A stream lives as long as the caller reads it; other bodies are read within the timeout
      // (the timer must not keep a CLI process alive once the answer is in: unref where there is one).
      if (opts.stream) clearTimeout(timer);
      else (timer as { unref?: () => void }).unref?.();
      if (res.ok) return { res, done: () => clearTimeout(timer) };
      clearTimeout(timer);
      const err = await toError(method, path, res);
      if (!RETRY_STATUS.has(res.status)) throw err;
      lastError = err;
    }
    throw lastError;
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  // undici reports "fetch failed" and puts the reason (ECONNREFUSED, bad port, …) in `cause`.
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

async function toError(method: string, path: string, res: Response): Promise<PlcfleetError> {
  const text = await res.text().catch(() => '');
  let payload: {
    error?: { code?: string; message?: string; details?: unknown };
    code?: string;
    message?: string;
  } = {};
  try {
    payload = JSON.parse(text);
  } catch {
    /* not JSON: use the status line */
  }
  const e = payload.error ?? payload;
  const code = typeof e.code === 'string' ? e.code : statusCode(res.status);
  const message = typeof e.message === 'string' ? e.message : `${method} ${path}: HTTP ${res.status}`;
  return new PlcfleetError(code, message, {
    status: res.status,
    details: (e as { details?: unknown }).details,
  });
}

function statusCode(status: number): string {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 400 || status === 422) return 'VALIDATION';
  if (status === 502 || status === 503 || status === 504) return 'UNAVAILABLE';
  return 'INTERNAL';
}

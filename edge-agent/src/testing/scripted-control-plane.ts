import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CAPABILITIES,
  type DeployOrder,
  decodeFrame,
  type Envelope,
  type JobBundle,
  type MessageOf,
  PROTOCOL_VERSION,
  type RollbackOrder,
  type Verdict,
} from '@plcfleet/protocols';
import { generateSigningKeyPair, type Signed, signPayload } from '@plcfleet/protocols/signing';
import WebSocket, { WebSocketServer } from 'ws';

type Body = Record<string, unknown> & { type: string };

/** Settings of {@link startScriptedControlPlane}. */
export interface ScriptedControlPlaneOptions {
  /** Tokens accepted (bearer). @default ['agent-token'] */
  tokens?: string[];
  /** Heartbeat interval the welcome announces. @default 1000 */
  heartbeatMs?: number;
  /** Keys announced in welcome. @default the server's own public key */
  welcomeKeys?: string[];
  /** Ack verdicts after "committing" them. @default true */
  ack?: boolean;
  /**
   * Speak like a control plane from before `welcome.capabilities`: a plain welcome
   * and never a `deploy.result.ack`. @default false
   */
  older?: boolean;
  /** Ack deploy and rollback results (`deploy.result.ack`), as the real gateway does after committing them. @default true */
  ackDeployResults?: boolean;
  /** Answer deploy results with this error code instead of an ack (e.g. `INTERNAL`). */
  deployResultError?: string;
  /** Answer verdicts with this error code instead of committing and acking them (e.g. `CONFLICT`). */
  verdictError?: string;
}

/**
 * A control plane for tests, on a real socket: authenticates bearer tokens,
 * answers `hello` with `welcome`, signs bundles and orders with its own key,
 * records every message, and commits verdicts idempotently by job id (as the
 * real one must), so a test can tell "received" from "committed". Deploy
 * results are recorded as received, every send (`deployResults`).
 */
export async function startScriptedControlPlane(options: ScriptedControlPlaneOptions = {}) {
  const keys = generateSigningKeyPair();
  const tokens = new Set(options.tokens ?? ['agent-token']);
  const received: Envelope[] = [];
  const committed = new Map<string, Verdict>();
  const deployResults = new Map<string, MessageOf<'deploy.result'>[]>();
  const listeners = new Set<() => void>();
  const sockets = new Set<WebSocket>();
  const state = {
    ack: options.ack ?? true,
    ackDeployResults: options.older ? false : (options.ackDeployResults ?? true),
    deployResultError: options.deployResultError,
    down: false,
    upgrades: 0,
    rejectedUpgrades: 0,
    authHeaders: [] as string[],
  };
  const notify = () => {
    for (const l of [...listeners]) l();
  };

  const http: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    state.upgrades++;
    socket.on('error', () => undefined);
    const auth = req.headers.authorization ?? '';
    state.authHeaders.push(auth);
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    const refuse = (status: string) => {
      state.rejectedUpgrades++;
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      notify();
    };
    if (state.down) return refuse('503 Service Unavailable');
    if (req.url !== '/v1/agents') return refuse('404 Not Found');
    if (!token || !tokens.has(token)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  const send = (ws: WebSocket, body: Body) =>
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id: randomUUID(), ts: new Date().toISOString(), ...body }));

  function onConnection(ws: WebSocket) {
    sockets.add(ws);
    ws.on('close', () => {
      sockets.delete(ws);
      notify();
    });
    ws.on('message', (data) => {
      const decoded = decodeFrame(data.toString());
      if (!decoded.ok) return;
      const msg = decoded.message;
      received.push(msg);
      if (msg.type === 'hello')
        send(ws, {
          type: 'welcome',
          protocolVersion: PROTOCOL_VERSION,
          heartbeatMs: options.heartbeatMs ?? 1000,
          signingKeys: options.welcomeKeys ?? [keys.publicKeyPem],
          serverTime: new Date().toISOString(),
          // As the real gateway: versions and capabilities only to an agent that reads them.
          ...(!options.older && msg.capabilities.includes(CAPABILITIES.welcomeVersions)
            ? {
                versions: { controlPlane: 'scripted', protocols: [PROTOCOL_VERSION] },
                capabilities: [CAPABILITIES.deployResultAck, CAPABILITIES.driftReport],
              }
            : {}),
        });
      if (msg.type === 'heartbeat') send(ws, { type: 'heartbeat' });
      if (msg.type === 'verdict' && options.verdictError)
        send(ws, { type: 'error', code: options.verdictError, message: 'scripted', replyTo: msg.id });
      else if (msg.type === 'verdict') {
        if (!committed.has(msg.verdict.jobId)) committed.set(msg.verdict.jobId, msg.verdict);
        if (state.ack) send(ws, { type: 'verdict.ack', jobId: msg.verdict.jobId, replyTo: msg.id });
      }
      if (msg.type === 'deploy.result') {
        const list = deployResults.get(msg.deployId) ?? [];
        list.push(msg);
        deployResults.set(msg.deployId, list);
        // like the real gateway, a frame dropped under backpressure gets an error naming no message
        if (state.deployResultError)
          send(ws, {
            type: 'error',
            code: state.deployResultError,
            message: 'scripted',
            ...(state.deployResultError === 'BACKPRESSURE' ? {} : { replyTo: msg.id }),
          });
        else if (state.ackDeployResults)
          send(ws, { type: 'deploy.result.ack', deployId: msg.deployId, replyTo: msg.id });
      }
      notify();
    });
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;

  /** Resolves when `predicate` holds (checked on every event), or rejects after `timeoutMs`. */
  function waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = predicate();
        if (v !== undefined && v !== false) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  }

  const broadcast = (body: Body) => {
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) send(ws, body);
  };

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    keys,
    received,
    committed,
    deployResults,
    state,
    waitFor,
    /** Messages of one type received so far. */
    ofType<T extends Envelope['type']>(type: T): MessageOf<T>[] {
      return received.filter((m): m is MessageOf<T> => m.type === type);
    },
    /** Resolves when an agent is connected (its hello answered). */
    waitConnected: () => waitFor('a connected agent', () => sockets.size > 0 || undefined),
    sign: <T>(payload: T, privateKeyPem = keys.privateKeyPem): Signed<T> =>
      signPayload(payload, privateKeyPem),
    offer(bundle: Signed<unknown> | Record<string, unknown>, leaseMs = 60_000) {
      broadcast({ type: 'job.offer', bundle, leaseMs });
    },
    deploy(order: Signed<DeployOrder> | Record<string, unknown>) {
      broadcast({ type: 'deploy.order', order });
    },
    rollback(order: Signed<RollbackOrder>) {
      broadcast({ type: 'rollback.order', order });
    },
    cancel(jobId: string, reason = 'test') {
      broadcast({ type: 'cancel', jobId, reason });
    },
    sendRaw(body: Body) {
      broadcast(body);
    },
    /** Kills every connection and refuses new ones until {@link up}. */
    down() {
      state.down = true;
      for (const ws of sockets) ws.terminate();
    },
    up() {
      state.down = false;
    },
    connections: () => sockets.size,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The scripted control plane's handle. */
export type ScriptedControlPlane = Awaited<ReturnType<typeof startScriptedControlPlane>>;

/** A job bundle as the control plane sends it: the migration as written, without defaults. */
export function testBundle(
  jobId: string,
  site: string,
  extra: Partial<JobBundle> = {},
): Record<string, unknown> {
  return {
    jobId,
    rolloutId: 'ro-1',
    site,
    attempt: 1,
    migration: {
      apiVersion: 'plcfleet/v1',
      kind: 'Migration',
      id: 'guard-monitor',
      title: 'Guard monitor',
      type: 'code',
      safetyClass: 'safety-related',
      goal: 'Monitor guards with two sensors.',
      scope: {},
    },
    issuedAt: new Date().toISOString(),
    ...extra,
  };
}

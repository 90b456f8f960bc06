import { randomUUID } from 'node:crypto';
import {
  CAPABILITIES,
  decodeFrame,
  type Envelope,
  encodeFrame,
  MAX_FRAME_BYTES,
  type MessageOf,
  PROTOCOL_VERSION,
} from '@plcfleet/protocols';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { type BackoffOptions, backoffDelay } from './backoff';
import { chooseTrustedKeys } from './signed-payload';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message to send, without the envelope fields the link fills in (`v`, `id`, `ts`). */
export type Outgoing = DistributiveOmit<Envelope, 'v' | 'id' | 'ts'>;

/** Builds a full envelope (protocol version, a fresh id, the time). */
export function envelope<T extends Outgoing>(body: T, id: string = randomUUID()): Envelope {
  return { ...body, v: PROTOCOL_VERSION, id, ts: new Date().toISOString() } as Envelope;
}

/** What the link learned from `welcome`. */
export interface LinkSession {
  protocolVersion: number;
  /** Heartbeat interval in use (ms). */
  heartbeatMs: number;
  /** Keys to verify bundles and orders with (PEM). */
  trustedKeys: string[];
  serverTime: string;
  /** The control plane's version, when it told it (`welcome.versions`). */
  controlPlaneVersion: string | null;
  /**
   * The control plane's capabilities (`welcome.capabilities`, see `CAPABILITIES`);
   * empty from an older control plane that names none: use none of them then.
   */
  controlPlaneCapabilities: readonly string[];
}

/** Callbacks of {@link AgentLink}. */
export interface LinkHandlers {
  /** After a `welcome` was accepted. */
  onUp(session: LinkSession): void;
  /** A message after the welcome; `raw` is the frame's JSON as received (for signature checks). */
  onMessage(message: Envelope, raw: Record<string, unknown>): void;
  /** The connection ended (the link will reconnect unless closed). */
  onDown(reason: string): void;
}

/** Settings of {@link AgentLink}. */
export interface AgentLinkOptions {
  /** Gateway URL, `ws(s)://host/v1/agents`. */
  url: string;
  /** Bearer token (never logged). */
  token: string;
  agentId: string;
  site: string;
  agentVersion: string;
  protocolVersions: readonly number[];
  capabilities?: readonly string[];
  /** Pinned signing keys; empty to trust the welcome's. */
  pinnedKeys: readonly string[];
  /** Our heartbeat interval; the shorter of this and the control plane's is used. */
  heartbeatMs: number;
  reconnect: BackoffOptions;
  logger: Logger;
  /** How long to wait for `welcome` after connecting. @default 10000 */
  helloTimeoutMs?: number;
  /** The jobs whose leases heartbeats renew (one heartbeat per job; one without a job when none run). */
  runningJobIds?: () => readonly string[];
  /** For tests: the jitter source. @default Math.random */
  random?: () => number;
}

/**
 * The agent's websocket link to the control plane: connects with its bearer
 * token, says `hello`, accepts a `welcome` (protocol version, signing keys),
 * heartbeats both ways (a silent peer for three intervals is a dead link), and
 * reconnects with jittered exponential backoff until closed. Incoming frames
 * are validated; a bad one gets an `error` reply and the link stays up.
 */
export class AgentLink {
  private ws: WebSocket | undefined;
  private session: LinkSession | undefined;
  private attempt = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;

  constructor(
    private readonly options: AgentLinkOptions,
    private readonly handlers: LinkHandlers,
  ) {}

  /** True between an accepted welcome and the next drop. */
  get connected(): boolean {
    return this.session !== undefined && this.ws?.readyState === WebSocket.OPEN;
  }

  /** The current session, when connected. */
  get currentSession(): LinkSession | undefined {
    return this.connected ? this.session : undefined;
  }

  /** Starts connecting (and keeps reconnecting until {@link close}). */
  start(): void {
    this.closed = false;
    this.connect();
  }

  /** Sends a message when connected; returns false (and sends nothing) otherwise. */
  send(body: Outgoing | Envelope): boolean {
    const msg = 'v' in body && 'id' in body ? (body as Envelope) : envelope(body as Outgoing);
    const ws = this.ws;
    if (!this.session || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeFrame(msg));
    return true;
  }

  private sendHeartbeat(): void {
    const jobIds = this.options.runningJobIds?.() ?? [];
    for (const jobId of jobIds.length ? jobIds : [undefined])
      this.send({ type: 'heartbeat', ...(jobId ? { jobId } : {}) });
  }

  /** Drops the current connection (it will reconnect); for a dead link and for tests. */
  drop(reason: string): void {
    this.options.logger.warn({ reason }, 'dropping the link');
    this.ws?.terminate();
  }

  /** Stops reconnecting and closes the connection cleanly. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopTimers();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent shutting down');
    });
  }

  private connect(): void {
    if (this.closed) return;
    const { logger } = this.options;
    const ws = new WebSocket(this.options.url, {
      headers: { Authorization: `Bearer ${this.options.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.options.helloTimeoutMs ?? 10_000,
    });
    this.ws = ws;
    let downReason = 'connection closed';
    let httpRefusal = false;
    ws.on('unexpected-response', (_req, res) => {
      httpRefusal = true;
      downReason = `control plane answered HTTP ${res.statusCode} to the upgrade`;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!httpRefusal) downReason = err.message;
    });
    ws.on('open', () => {
      this.lastHeard = Date.now();
      ws.send(
        encodeFrame(
          envelope({
            type: 'hello',
            agentId: this.options.agentId,
            site: this.options.site,
            versions: { agent: this.options.agentVersion, protocols: [...this.options.protocolVersions] },
            // welcome-versions: this link reads welcome.versions and welcome.capabilities.
            capabilities: [...new Set([...(this.options.capabilities ?? []), CAPABILITIES.welcomeVersions])],
          }),
        ),
      );
      this.helloTimer = setTimeout(() => {
        downReason = 'no welcome in time';
        ws.terminate();
      }, this.options.helloTimeoutMs ?? 10_000);
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      const text = isBinary ? null : data.toString();
      if (text === null) {
        this.reply({
          type: 'error',
          code: 'BAD_FRAME',
          message: 'binary frames are not part of the protocol',
        });
        return;
      }
      const decoded = decodeFrame(text);
      if (!decoded.ok) {
        logger.warn({ code: decoded.code, error: decoded.error }, 'bad frame from the control plane');
        this.reply({
          type: 'error',
          code: decoded.code,
          message: decoded.error,
          ...(decoded.id ? { replyTo: decoded.id } : {}),
        });
        return;
      }
      const raw = JSON.parse(text) as Record<string, unknown>;
      this.onFrame(ws, decoded.message, raw, (r) => {
        downReason = r;
      });
    });
    ws.on('close', (code) => {
      if (ws !== this.ws) return;
      this.stopTimers();
      const wasUp = this.session !== undefined;
      this.session = undefined;
      this.ws = undefined;
      const reason = code === 1000 || code === 1005 ? downReason : `${downReason} (close code ${code})`;
      if (wasUp) this.handlers.onDown(reason);
      if (this.closed) return;
      const delay = backoffDelay(this.attempt++, this.options.reconnect, this.options.random);
      logger.info({ reason, attempt: this.attempt, delayMs: delay }, 'link down; reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private onFrame(
    ws: WebSocket,
    msg: Envelope,
    raw: Record<string, unknown>,
    setReason: (r: string) => void,
  ) {
    const { logger } = this.options;
    if (!this.session) {
      if (msg.type === 'welcome') return this.onWelcome(ws, msg, setReason);
      if (msg.type === 'reject') {
        setReason(`rejected by the control plane: ${msg.code}: ${msg.reason}`);
        logger.error({ code: msg.code, reason: msg.reason }, 'control plane rejected the agent');
        ws.close(1000);
        return;
      }
      if (msg.type === 'error') {
        logger.warn({ code: msg.code, error: msg.message }, 'error from the control plane before welcome');
        return;
      }
      logger.warn({ type: msg.type }, 'message before welcome ignored');
      return;
    }
    if (msg.type === 'heartbeat') return; // liveness only: any frame updated lastHeard
    this.handlers.onMessage(msg, raw);
  }

  private onWelcome(ws: WebSocket, msg: MessageOf<'welcome'>, setReason: (r: string) => void): void {
    const { logger } = this.options;
    clearTimeout(this.helloTimer);
    const refuse = (reason: string) => {
      setReason(reason);
      logger.error({ reason }, 'welcome refused');
      ws.send(encodeFrame(envelope({ type: 'error', code: 'VALIDATION', message: reason, replyTo: msg.id })));
      ws.close(1000);
    };
    if (!this.options.protocolVersions.includes(msg.protocolVersion)) {
      refuse(`welcome chose protocol version ${msg.protocolVersion}, which this agent does not speak`);
      return;
    }
    const trust = chooseTrustedKeys(this.options.pinnedKeys, msg.signingKeys);
    if (!trust.ok) {
      refuse(trust.reason);
      return;
    }
    const heartbeatMs = Math.max(100, Math.min(this.options.heartbeatMs, msg.heartbeatMs));
    this.session = {
      protocolVersion: msg.protocolVersion,
      heartbeatMs,
      trustedKeys: trust.keys,
      serverTime: msg.serverTime,
      controlPlaneVersion: msg.versions?.controlPlane ?? null,
      controlPlaneCapabilities: msg.capabilities ?? [],
    };
    this.attempt = 0;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 3 * heartbeatMs) {
        setReason(`no word from the control plane for ${3 * heartbeatMs} ms`);
        ws.terminate();
        return;
      }
      this.sendHeartbeat();
    }, heartbeatMs);
    logger.info(
      {
        protocolVersion: msg.protocolVersion,
        heartbeatMs,
        keys: trust.keys.length,
        controlPlane: msg.versions?.controlPlane ?? 'older (no versions in welcome)',
      },
      'connected to the control plane',
    );
    this.handlers.onUp(this.session);
  }

  private reply(body: Outgoing): void {
    const ws = this.ws;
    if (ws?.readyState === WebSocket.OPEN) ws.send(encodeFrame(envelope(body)));
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.helloTimer);
    this.heartbeatTimer = undefined;
    this.helloTimer = undefined;
  }
}

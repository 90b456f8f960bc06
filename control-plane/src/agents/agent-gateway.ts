import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CAPABILITIES,
  decodeFrame,
  type Envelope,
  type ErrorCode,
  MAX_FRAME_BYTES,
  type MessageOf,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@plcfleet/protocols';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AuthFailureLimiter } from '../auth/rate-limiter';
import { bearerToken } from '../auth/token';
import type { Context } from '../context';
import { getDeploy } from '../deploys/deploy.repository';
import { recordDeployResult } from '../deploys/deploy.service';
import { handleDriftReport } from '../drift/drift-report-handler';
import { ControlPlaneError } from '../errors';
import type { ControlPlaneEvent } from '../events/event-bus';
import { acceptJob, getJob, renewLease, unclaimJobs } from '../jobs/job.repository';
import type { RolloutEngine } from '../rollouts/rollout-engine';
import { nowIso } from '../util';
import { commitVerdict } from '../verdicts/verdict.service';
import { findAgentByToken, recordHello, touchAgents } from './agent.repository';
import { agentMessage } from './agent-message';
import { type AgentSession, AgentSessions, newSession, reject, send, sendError } from './agent-session';
import { JobDispatcher } from './job-dispatcher';
import { OrderDelivery } from './order-delivery';
import { recordDeferral, upsertShadowReport } from './shadow-report.repository';
import { insertStageReport } from './stage-report.repository';

/** Path of the agent gateway. */
export const AGENT_GATEWAY_PATH = '/v1/agents';

/** Time an agent has to say hello after connecting. */
const HELLO_TIMEOUT_MS = 10_000;
/** Version of this control plane, told to agents that can read it (`welcome.versions`). */
const CONTROL_PLANE_VERSION = '0.1.0';
/** What this control plane does beyond the protocol's base (see `CAPABILITIES`). */
const CONTROL_PLANE_CAPABILITIES: readonly string[] = [
  CAPABILITIES.deployResultAck,
  CAPABILITIES.driftReport,
  CAPABILITIES.shadowReport,
];

/**
 * The websocket gateway agents connect to (`/v1/agents`, same port as the API).
 * Authenticates each agent by its own token at the upgrade, negotiates the
 * protocol in `hello`, offers ready jobs under leases, commits verdicts and
 * deploy results before acking them, and delivers signed deploy and rollback orders. All job state is
 * in the store. This class is the session's protocol (hello, messages, liveness); who is
 * connected is `AgentSessions`, offers are `JobDispatcher`, orders are `OrderDelivery`.
 */
export class AgentGateway {
  private readonly wss: WebSocketServer;
  private readonly sessions = new AgentSessions();
  private readonly orders: OrderDelivery;
  private readonly dispatcher: JobDispatcher;
  private readonly seen = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly ctx: Context,
    private readonly engine: RolloutEngine,
    private readonly limiter: AuthFailureLimiter,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    this.orders = new OrderDelivery(ctx, this.sessions);
    this.dispatcher = new JobDispatcher(ctx, this.sessions, this.orders);
  }

  /** Starts the timers (dispatch fallback poll, liveness, last-seen) and listens to events. */
  start(): void {
    const { config } = this.ctx;
    this.unsubscribe = this.ctx.bus.subscribe((e) => this.onEvent(e));
    this.timers.push(setInterval(() => this.dispatch(), config.dispatchIntervalMs));
    this.timers.push(
      setInterval(() => this.checkLiveness(), Math.max(100, Math.floor(config.heartbeatMs / 2))),
    );
    this.timers.push(setInterval(() => void this.flushSeen(), Math.max(1000, config.heartbeatMs)));
  }

  /** Agents connected to this replica. */
  get connectedCount(): number {
    return this.sessions.connectedCount;
  }

  /** True when the agent is connected here. */
  isConnected(agentId: string): boolean {
    return this.sessions.isConnected(agentId);
  }

  /** Handles an HTTP upgrade request for the gateway path; other paths get 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENT_GATEWAY_PATH || this.closed) {
      refuse(socket, 404, 'NOT_FOUND', 'no websocket here');
      return;
    }
    const remote = req.socket.remoteAddress ?? 'unknown';
    const token = bearerToken(req.headers.authorization);
    this.limiter
      .attempt(remote, token, (t) => findAgentByToken(this.ctx.db, t))
      .then(
        (r) => {
          if (!r.ok) {
            this.ctx.metrics.authFailures.inc({ surface: 'agent' });
            if (r.limited) refuse(socket, 429, 'RATE_LIMITED', 'too many failed attempts; slow down');
            else refuse(socket, 401, 'UNAUTHORIZED', 'missing or invalid agent token');
            return;
          }
          if (this.closed) {
            refuse(socket, 503, 'UNAVAILABLE', 'shutting down');
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, r.principal, remote));
        },
        (err) => {
          this.ctx.log.error({ err }, 'agent authentication failed');
          refuse(socket, 503, 'UNAVAILABLE', 'store unavailable');
        },
      );
  }

  private onConnection(ws: WebSocket, agent: { id: string; site: string }, remote: string): void {
    const conn = newSession(ws, agent, remote);
    this.sessions.add(conn);
    const helloTimer = setTimeout(() => {
      if (!conn.welcomed) reject(conn, 'VALIDATION', 'no hello within 10 s');
    }, HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      conn.lastHeard = Date.now();
      if (conn.inflight >= this.ctx.config.maxInflightPerAgent) {
        send(
          conn,
          agentMessage('error', {
            code: 'BACKPRESSURE',
            message: `more than ${this.ctx.config.maxInflightPerAgent} messages in flight; this one was dropped, send it again later`,
          }),
        );
        return;
      }
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString('utf8');
      conn.inflight++;
      conn.queue = conn.queue
        .then(() => this.onFrame(conn, frame))
        .catch((err) => this.ctx.log.error({ err, agent: conn.agentId }, 'agent message failed'))
        .finally(() => {
          conn.inflight--;
        });
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (this.sessions.remove(conn)) {
        if (conn.welcomed) {
          this.ctx.metrics.agentsConnected.dec();
          if (!this.closed)
            this.ctx.bus.publish({
              type: 'agent.updated',
              site: conn.site,
              data: { agentId: conn.agentId, connected: false },
            });
        }
        // An offer never accepted goes back to the pool without using an attempt.
        if (!this.closed)
          void unclaimJobs(this.ctx.db, conn.agentId)
            .then((n) => n > 0 && this.ctx.bus.publish({ type: 'work.available', site: conn.site }))
            .catch(() => {});
      }
    });
    ws.on('error', (err) => this.ctx.log.debug({ err, agent: conn.agentId }, 'agent socket error'));
  }

  private async onFrame(conn: AgentSession, frame: string | Uint8Array): Promise<void> {
    const decoded = decodeFrame(frame);
    if (!decoded.ok) {
      conn.badFrames++;
      sendError(conn, decoded.code, decoded.error, decoded.id);
      if (conn.badFrames >= this.ctx.config.maxBadFrames) {
        this.ctx.log.warn({ agent: conn.agentId }, 'agent keeps sending garbage; disconnecting');
        conn.ws.close(1008, 'too many malformed frames');
      }
      return;
    }
    conn.badFrames = 0;
    const msg = decoded.message;
    if (!conn.welcomed && msg.type !== 'hello') {
      sendError(conn, 'VALIDATION', `say hello first (got ${msg.type})`, msg.id);
      return;
    }
    try {
      await this.handle(conn, msg);
    } catch (err) {
      if (err instanceof ControlPlaneError) sendError(conn, err.code, err.message, msg.id);
      else {
        this.ctx.log.error({ err, agent: conn.agentId, type: msg.type }, 'agent message failed');
        sendError(conn, 'INTERNAL', 'internal error; see the control plane log', msg.id);
      }
    }
  }

  private async handle(conn: AgentSession, msg: Envelope): Promise<void> {
    const { db } = this.ctx;
    switch (msg.type) {
      case 'hello':
        return this.onHello(conn, msg);
      case 'heartbeat':
        this.seen.add(conn.agentId);
        if (msg.jobId) await renewLease(db, msg.jobId, conn.agentId, conn.leaseMs);
        send(
          conn,
          agentMessage('heartbeat', {
            ts: nowIso(),
            ...(msg.jobId ? { jobId: msg.jobId } : {}),
          }),
        );
        return;
      case 'job.accept': {
        const accepted = await this.ctx.writes.run((trx) =>
          acceptJob(trx, msg.jobId, conn.agentId, conn.leaseMs),
        );
        if (accepted) {
          conn.jobId = msg.jobId;
          this.ctx.bus.publish({
            type: 'job.updated',
            jobId: msg.jobId,
            rolloutId: accepted.rolloutId,
            site: conn.site,
            data: { state: 'running' },
          });
          return;
        }
        const job = await getJob(db, msg.jobId);
        if (!job) return sendError(conn, 'NOT_FOUND', `no job ${msg.jobId}`, msg.id);
        if (job.site !== conn.site)
          return sendError(
            conn,
            'WRONG_SITE',
            `job ${job.id} is for site ${job.site}, not ${conn.site}`,
            msg.id,
          );
        if (job.agentId === conn.agentId && job.state === 'running') return; // accepted twice
        return sendError(
          conn,
          'LEASE_EXPIRED',
          `job ${job.id} is not offered to this agent (it is ${job.state})`,
          msg.id,
        );
      }
      case 'job.progress': {
        const held = await renewLease(db, msg.jobId, conn.agentId, conn.leaseMs);
        if (!held)
          return sendError(conn, 'LEASE_EXPIRED', `this agent holds no lease on job ${msg.jobId}`, msg.id);
        this.ctx.bus.publish({
          type: 'job.progress',
          jobId: msg.jobId,
          site: conn.site,
          data: { phase: msg.phase, message: msg.message },
        });
        return;
      }
      case 'verdict': {
        const { status } = await commitVerdict(
          this.ctx,
          this.engine,
          { id: conn.agentId, site: conn.site },
          msg.verdict,
        );
        // Acked only now, after the commit: the agent's outbox may drop it.
        send(
          conn,
          agentMessage('verdict.ack', {
            jobId: msg.verdict.jobId,
            replyTo: msg.id,
          }),
        );
        if (status !== 'duplicate' || conn.jobId === msg.verdict.jobId) {
          if (conn.jobId === msg.verdict.jobId) conn.jobId = null;
          this.dispatch();
        }
        return;
      }
      case 'deploy.result': {
        const status = await recordDeployResult(this.ctx, { id: conn.agentId, site: conn.site }, msg);
        if (status === 'unknown')
          return sendError(conn, 'NOT_FOUND', `no deploy or rollback ${msg.deployId}`, msg.id);
        if (status === 'stale')
          this.ctx.log.warn(
            { agent: conn.agentId, deployId: msg.deployId, outcome: msg.outcome },
            'deploy result for a deploy or rollback settled otherwise before; kept as it was',
          );
        // Acked only now, after the commit: the agent's outbox may drop it.
        send(
          conn,
          agentMessage('deploy.result.ack', {
            deployId: msg.deployId,
            replyTo: msg.id,
          }),
        );
        return;
      }
      case 'stage.report': {
        if (msg.site !== conn.site)
          return sendError(conn, 'WRONG_SITE', `this agent serves ${conn.site}, not ${msg.site}`, msg.id);
        await insertStageReport(db, conn.agentId, msg, this.ctx.config.stageReportsPerSite);
        this.ctx.bus.publish({
          type: 'stage.report',
          site: conn.site,
          data: { stage: msg.stage, divergences: msg.figures.divergences, migrationId: msg.migrationId },
        });
        return;
      }
      case 'shadow.report':
        return this.onShadowReport(conn, msg);
      case 'deploy.deferred': {
        if (msg.site !== conn.site)
          return sendError(conn, 'WRONG_SITE', `this agent serves ${conn.site}, not ${msg.site}`, msg.id);
        const deploy = await getDeploy(db, msg.deployId);
        if (!deploy) return sendError(conn, 'NOT_FOUND', `no deploy ${msg.deployId}`, msg.id);
        if (deploy.site !== conn.site)
          return sendError(conn, 'WRONG_SITE', `deploy ${deploy.id} is for ${deploy.site}`, msg.id);
        await recordDeferral(db, conn.agentId, msg);
        this.ctx.bus.publish({
          type: 'deploy.deferred',
          rolloutId: deploy.rolloutId,
          site: conn.site,
          data: { deployId: deploy.id, reason: msg.reason },
        });
        return;
      }
      case 'drift.report': {
        const refused = await handleDriftReport(this.ctx, conn, msg);
        if (refused) return sendError(conn, refused.refused, refused.reason, msg.id);
        return;
      }
      case 'error':
        this.ctx.log.warn(
          { agent: conn.agentId, code: msg.code, message: msg.message },
          'agent reported an error',
        );
        return;
      default:
        return sendError(conn, 'UNKNOWN_TYPE', `${msg.type} is not sent by agents`, msg.id);
    }
  }

  /**
   * Stores a shadow run's report (its job must be the site's), then acks it; a resend of
   * a settled run is acked again and changes nothing. The engine looks at the gate at once.
   */
  private async onShadowReport(conn: AgentSession, msg: MessageOf<'shadow.report'>): Promise<void> {
    const r = msg.report;
    if (r.site !== conn.site)
      return sendError(conn, 'WRONG_SITE', `this agent serves ${conn.site}, not ${r.site}`, msg.id);
    const job = await getJob(this.ctx.db, r.jobId);
    if (!job || job.rolloutId !== r.rolloutId)
      return sendError(conn, 'NOT_FOUND', `no job ${r.jobId} in rollout ${r.rolloutId}`, msg.id);
    if (job.site !== conn.site)
      return sendError(conn, 'WRONG_SITE', `job ${job.id} is for site ${job.site}, not ${conn.site}`, msg.id);
    const status = await upsertShadowReport(this.ctx.db, conn.agentId, r);
    send(conn, agentMessage('shadow.report.ack', { shadowId: r.shadowId, replyTo: msg.id }));
    if (status !== 'stored') return;
    this.ctx.bus.publish({
      type: 'shadow.report',
      rolloutId: r.rolloutId,
      jobId: r.jobId,
      site: conn.site,
      data: { shadowId: r.shadowId, kind: r.kind, state: r.state, divergences: r.divergences.length },
    });
    this.engine.nudge();
  }

  private async onHello(conn: AgentSession, msg: MessageOf<'hello'>): Promise<void> {
    if (conn.welcomed) return sendError(conn, 'CONFLICT', 'hello was already said', msg.id);
    if (msg.site !== conn.site)
      return reject(conn, 'WRONG_SITE', `this token belongs to an agent of ${conn.site}, not ${msg.site}`);
    const common = msg.versions.protocols.filter((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v));
    if (common.length === 0)
      return reject(
        conn,
        'PROTOCOL_VERSION',
        `no common protocol version: agent speaks ${msg.versions.protocols.join(', ')}, we speak ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
      );
    const version = Math.max(...common);
    const previous = this.sessions.ofAgent(conn.agentId);
    if (previous && previous !== conn) {
      // The agent reconnected before its old socket died: the new one wins.
      this.sessions.forgetAgent(conn.agentId);
      if (previous.welcomed) this.ctx.metrics.agentsConnected.dec();
      previous.ws.close(4000, 'replaced by a newer connection');
    }
    await recordHello(this.ctx.db, conn.agentId, {
      agentVersion: msg.versions.agent,
      protocolVersion: version,
      capabilities: msg.capabilities,
    });
    conn.capabilities = msg.capabilities;
    this.sessions.welcome(conn);
    this.ctx.metrics.agentsConnected.inc();
    this.ctx.bus.publish({
      type: 'agent.updated',
      site: conn.site,
      data: { agentId: conn.agentId, connected: true },
    });
    send(
      conn,
      agentMessage('welcome', {
        protocolVersion: version,
        heartbeatMs: this.ctx.config.heartbeatMs,
        signingKeys: [this.ctx.key.publicKeyPem],
        serverTime: nowIso(),
        // An agent older than these fields refuses a welcome that has them (strict schema): only to those that read them.
        ...(msg.capabilities.includes(CAPABILITIES.welcomeVersions)
          ? {
              versions: { controlPlane: CONTROL_PLANE_VERSION, protocols: [...SUPPORTED_PROTOCOL_VERSIONS] },
              capabilities: [...CONTROL_PLANE_CAPABILITIES],
            }
          : {}),
      }),
    );
    // Work this agent held before (a restart of either side): offers are sent again; running jobs go on.
    await this.dispatcher.offerHeld(conn);
    await this.orders.deliver(conn.site, true);
    this.dispatch();
  }

  private onEvent(e: ControlPlaneEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'work.available':
      case 'deploy.ordered':
      case 'rollback.ordered':
        this.dispatch();
        return;
      case 'job.cancel': {
        for (const conn of this.sessions.all)
          if (conn.jobId === e.jobId) {
            send(
              conn,
              agentMessage('cancel', {
                jobId: e.jobId!,
                reason: String(e.data?.reason ?? ''),
              }),
            );
            conn.jobId = null;
          }
        this.dispatch();
        return;
      }
    }
  }

  /**
   * Offers ready jobs to idle agents and delivers pending orders. Calls within a
   * few milliseconds share one pass (a burst of verdicts frees many agents at
   * once), and one pass runs at a time.
   */
  dispatch(): void {
    this.dispatcher.dispatch();
  }

  private checkLiveness(): void {
    const limit = Date.now() - 3 * this.ctx.config.heartbeatMs;
    for (const conn of this.sessions.all)
      if (conn.lastHeard < limit) {
        this.ctx.log.info({ agent: conn.agentId }, 'agent silent for 3 heartbeats; disconnecting');
        conn.ws.terminate();
      }
  }

  private async flushSeen(): Promise<void> {
    if (this.seen.size === 0) return;
    const ids = [...this.seen];
    this.seen.clear();
    for (let i = 0; i < ids.length; i += 500)
      await touchAgents(this.ctx.db, ids.slice(i, i + 500)).catch(() => {});
  }

  /** Closes every agent connection and stops the timers. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const dispatching = this.dispatcher.close();
    for (const conn of this.sessions.all) conn.ws.terminate();
    await dispatching;
    await Promise.allSettled([...this.sessions.all].map((c) => c.queue));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function refuse(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason =
    { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ??
    'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

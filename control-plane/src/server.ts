import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import pino from 'pino';
import { createAgent, createEnrollment } from './agents/agent.repository';
import { AgentGateway } from './agents/agent-gateway';
import { appendAudit, auditHead } from './audit/audit.repository';
import { AuthFailureLimiter } from './auth/rate-limiter';
import type { Role } from './auth/roles';
import { createUserWithToken } from './auth/user.repository';
import { type ControlPlaneOptions, resolveConfig } from './config';
import type { Context } from './context';
import { EventBus } from './events/event-bus';
import { createApp } from './http/app';
import { graceLeases } from './jobs/job.repository';
import { createMetrics } from './metrics/metrics';
import { listRollouts } from './rollouts/rollout.repository';
import { RolloutEngine } from './rollouts/rollout-engine';
import { Signer } from './signing/signer';
import { claimSetting, loadOrCreateSigningKey } from './signing/signing-key.repository';
import { type Db, openStore, transaction } from './store/database';
import { GroupCommit } from './store/group-commit';
import { nowIso } from './util';

/** How often the audit head is written to the log when it moved. */
const AUDIT_HEAD_LOG_MS = 5 * 60_000;

/** A running control plane (see {@link startControlPlane}). */
export interface ControlPlaneHandle {
  /** Base URL, e.g. `http://127.0.0.1:8480`. */
  url: string;
  /** The port it listens on (useful with port 0). */
  port: number;
  /** The bootstrap admin token when this start created it (first start on an empty store), else null. */
  bootstrapToken: string | null;
  /** Public key (PEM) that signs job bundles and deploy/rollback orders; agents get it in `welcome`. */
  publicKeyPem: string;
  /** Key id of that key. */
  keyId: string;
  /** This replica's id (driver leases). */
  replicaId: string;
  /** The store's query builder, for tools and tests. Not a stable API. */
  db: Db;
  /** Creates a user with a role (or another token of an existing user); returns the token once. */
  createApiToken(input: { name: string; role: Role }): Promise<{ token: string; userId: string }>;
  /** Creates an agent of a site with its own token (what enrollment does, without the exchange). */
  createAgentToken(input: {
    site: string;
    agentId?: string;
  }): Promise<{ agentId: string; site: string; token: string }>;
  /** Creates a one-time enrollment token for a site. */
  createEnrollmentToken(input: {
    site: string;
    ttlMs?: number;
  }): Promise<{ token: string; expiresAt: string }>;
  /** Stops accepting, closes agent sockets and event streams, stops the engine, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts a control plane in this process: HTTP API and agent gateway on one
 * port, rollout engine, store. Resolves when it listens.
 *
 * @example
 * const cp = await startControlPlane({ port: 0, dataDir: tmp, logLevel: 'silent' });
 * // cp.url, cp.bootstrapToken …
 * await cp.close();
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlaneHandle> {
  const config = resolveConfig(options);
  const log = pino({ level: config.logLevel, base: { replica: config.replicaId } });
  const store = await openStore(config);
  try {
    const key = await loadOrCreateSigningKey(store.db, config.keyPassphrase);
    if (key.encryptedNow)
      log.info({ keyId: key.keyId }, 'signing key encrypted in the store with the passphrase');
    if (!key.encryptedAtRest)
      log.warn(
        { keyId: key.keyId },
        'signing key stored unencrypted: anyone with a copy of the database can sign deploy orders; set PLCFLEET_KEY_PASSPHRASE',
      );
    const bootstrapToken = await transaction(store.db, async (trx) => {
      if (!(await claimSetting(trx, 'bootstrap', nowIso()))) return null;
      const created = await createUserWithToken(trx, {
        name: 'admin',
        role: 'admin',
        createdBy: null,
        ...(config.bootstrapToken ? { token: config.bootstrapToken } : {}),
      });
      await appendAudit(trx, {
        actor: 'system',
        action: 'token.bootstrap',
        subjectType: 'user',
        subjectId: created.user.id,
        details: { name: 'admin', role: 'admin', fromEnvironment: !!config.bootstrapToken },
      });
      return created.token;
    });
    // Agents could not renew leases while no replica ran; a restart must not re-run their jobs.
    for (const r of await listRollouts(store.db, ['running', 'paused', 'halted', 'aborted']))
      await graceLeases(store.db, r.id, r.plan.lease);

    const bus = await EventBus.open(store, log, config.eventReplayBuffer, config.eventReplayBytes);
    const metrics = createMetrics(() => store.db);
    const ctx: Context = {
      config,
      store,
      db: store.db,
      log,
      bus,
      key,
      signer: new Signer(key),
      metrics,
      writes: new GroupCommit(store.db),
      streams: new Set(),
    };
    const engine = new RolloutEngine(ctx);
    const limiter = new AuthFailureLimiter(config.authFailuresPerMinute);
    const gateway = new AgentGateway(ctx, engine, limiter);
    const app = createApp({ ctx, engine, gateway, limiter });
    const server = createAdaptorServer({ fetch: app.fetch });
    server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    engine.start();
    gateway.start();
    engine.nudge();
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    log.info({ port, store: store.dialect, keyId: key.keyId }, 'control plane listening');
    // The audit head goes into the log (shipped off the machine, it anchors the chain: see docs).
    let loggedHead = -1;
    const logAuditHead = async () => {
      const head = await auditHead(store.db).catch(() => null);
      if (!head || head.seq === loggedHead) return;
      loggedHead = head.seq;
      log.info({ auditHead: `${head.seq}:${head.hash}` }, 'audit head');
    };
    await logAuditHead();
    const headTimer = setInterval(() => void logAuditHead(), AUDIT_HEAD_LOG_MS);
    headTimer.unref();

    let closing: Promise<void> | null = null;
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      port,
      bootstrapToken,
      publicKeyPem: key.publicKeyPem,
      keyId: key.keyId,
      replicaId: config.replicaId,
      db: store.db,
      createApiToken: async ({ name, role }) =>
        transaction(store.db, async (trx) => {
          const r = await createUserWithToken(trx, { name, role, createdBy: 'system' });
          await appendAudit(trx, {
            actor: 'system',
            action: 'token.created',
            subjectType: 'user',
            subjectId: r.user.id,
            details: { name, role: r.user.role },
          });
          return { token: r.token, userId: r.user.id };
        }),
      createAgentToken: async ({ site, agentId }) =>
        transaction(store.db, async (trx) => {
          const r = await createAgent(trx, { site, createdBy: 'system', ...(agentId ? { agentId } : {}) });
          await appendAudit(trx, {
            actor: 'system',
            action: 'agent.created',
            subjectType: 'agent',
            subjectId: r.agentId,
            details: { site },
          });
          return r;
        }),
      createEnrollmentToken: async ({ site, ttlMs }) =>
        transaction(store.db, async (trx) => {
          const e = await createEnrollment(trx, { site, createdBy: 'system', ttlMs: ttlMs ?? 86_400_000 });
          await appendAudit(trx, {
            actor: 'system',
            action: 'enrollment.created',
            subjectType: 'enrollment',
            subjectId: e.id,
            details: { site },
          });
          return { token: e.token, expiresAt: e.expiresAt };
        }),
      close: () => {
        closing ??= (async () => {
          clearInterval(headTimer);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          await gateway.close();
          for (const end of ctx.streams) end();
          await engine.stop();
          await ctx.writes.idle();
          // Let the event streams finish their last write, then drop idle keep-alive sockets.
          await new Promise((r) => setImmediate(r));
          if ('closeAllConnections' in server) server.closeAllConnections();
          await closed;
          await bus.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

import { getConnInfo } from '@hono/node-server/conninfo';
import { ApiErrorBody, type ErrorCode, type HealthResponse } from '@plcfleet/protocols';
import { Hono, type Context as HonoContext } from 'hono';
import { agentRoutes } from '../agents/agent.routes';
import type { AgentGateway } from '../agents/agent-gateway';
import { auditRoutes } from '../audit/audit.routes';
import type { AuthFailureLimiter } from '../auth/rate-limiter';
import type { Principal } from '../auth/roles';
import { bearerToken } from '../auth/token';
import { tokenRoutes } from '../auth/token.routes';
import { findPrincipalByToken } from '../auth/user.repository';
import type { Context } from '../context';
import { mountDashboard } from '../dashboard/dashboard.routes';
import { deployRoutes } from '../deploys/deploy.routes';
import { ControlPlaneError, fail } from '../errors';
import { eventRoutes } from '../events/event.routes';
import { jobRoutes } from '../jobs/job.routes';
import { migrationRoutes } from '../migrations/migration.routes';
import { reviewRoutes } from '../reviews/review.routes';
import { rolloutRoutes } from '../rollouts/rollout.routes';
import type { RolloutEngine } from '../rollouts/rollout-engine';
import { siteRoutes } from '../sites/site.routes';
import { errorBody, HTTP_STATUS } from './error-response';
import { mountRoutes, openApiDocument, type RouteSpec } from './route';

/** Every API route, by feature. */
export const ROUTES: readonly RouteSpec[] = [
  ...tokenRoutes,
  ...siteRoutes,
  ...agentRoutes,
  ...migrationRoutes,
  ...rolloutRoutes,
  ...jobRoutes,
  ...reviewRoutes,
  ...deployRoutes,
  ...auditRoutes,
  ...eventRoutes,
];

/** Builds the hono app of the HTTP API. */
export function createApp(deps: {
  ctx: Context;
  engine: RolloutEngine;
  gateway: AgentGateway;
  limiter: AuthFailureLimiter;
}): Hono {
  const { ctx, limiter } = deps;
  const app = new Hono();
  const remoteOf = (c: HonoContext) => {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const authenticate = async (c: HonoContext): Promise<Principal> => {
    const token = bearerToken(c.req.header('authorization'));
    const r = await limiter.attempt(remoteOf(c), token, (t) => findPrincipalByToken(ctx.db, t));
    if (r.ok) return r.principal;
    ctx.metrics.authFailures.inc({ surface: 'api' });
    if (r.limited) fail('RATE_LIMITED', 'too many failed authentications; wait a minute');
    fail(
      'UNAUTHORIZED',
      token
        ? 'unknown or revoked token'
        : 'no token: send Authorization: Bearer <token> (plcfleet and the SDK read PLCFLEET_TOKEN)',
    );
  };

  app.onError((err, c) => {
    if (err instanceof ControlPlaneError)
      return c.json(errorBody(err.code, err.message, err.details), HTTP_STATUS[err.code]);
    ctx.log.error({ err, path: c.req.path }, 'request failed');
    return c.json(errorBody('INTERNAL', 'internal error; see the control plane log'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', async (c) => {
    try {
      await ctx.db.selectFrom('settings').select('key').limit(1).execute();
    } catch {
      return c.json(errorBody('UNAVAILABLE' satisfies ErrorCode, 'store unavailable'), 503);
    }
    const body: HealthResponse = {
      status: 'ok',
      replicaId: ctx.config.replicaId,
      store: ctx.store.dialect,
      agentsConnected: deps.gateway.connectedCount,
    };
    return c.json(body);
  });
  app.get('/metrics', async (c) => {
    const text = await ctx.metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': ctx.metrics.registry.contentType });
  });
  // The enrollment exchange authenticates with the enrollment token in its body: count its failures
  // too, and bodies refused before the token could be read (too large, too deep, not JSON), since
  // anyone may send those. The handler still checks every attempt, so a valid token is not refused
  // for others' failures.
  app.use('/v1/agents/enroll', async (c, next) => {
    await next();
    if (c.res.status !== 401 && c.res.status !== 413 && c.res.status !== 400) return;
    ctx.metrics.authFailures.inc({ surface: 'enroll' });
    if (limiter.failed(remoteOf(c)))
      c.res = c.json(errorBody('RATE_LIMITED', 'too many failed authentications; wait a minute'), 429);
  });
  const doc = openApiDocument(ROUTES, ApiErrorBody);
  app.get('/v1/openapi.json', (c) => c.json(doc));
  mountRoutes(app, ROUTES, { ...deps, authenticate });
  mountDashboard(app);
  return app;
}

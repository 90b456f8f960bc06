import { formatZodError, parseWith } from '@plcfleet/protocols';
import type { Hono, Context as HonoContext } from 'hono';
import { z } from 'zod';
import type { AgentGateway } from '../agents/agent-gateway';
import type { Principal, Role } from '../auth/roles';
import type { Context } from '../context';
import { ControlPlaneError, fail } from '../errors';
import type { RolloutEngine } from '../rollouts/rollout-engine';
import { readRequestBody } from './request-body';

/** What a route handler gets. */
export interface RouteInput<B, Q> {
  ctx: Context;
  engine: RolloutEngine;
  gateway: AgentGateway;
  /** The caller (null on public routes). */
  principal: Principal;
  body: B;
  query: Q;
  params: Record<string, string>;
  /** The raw hono context, for headers and streaming. */
  c: HonoContext;
}

/** One HTTP route: its contract (for validation and the OpenAPI document) and its handler. */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** hono path, e.g. `/v1/sites/:name`. */
  path: string;
  summary: string;
  /** Roles allowed; `public` for routes without a bearer token. */
  roles: readonly Role[] | 'public';
  body?: B;
  /** Also accept YAML bodies (`Content-Type: application/yaml`). */
  yaml?: boolean;
  query?: Q;
  /** Schema of the success response (validated before it is sent). */
  response: z.ZodType;
  status?: 200 | 201;
  /** A streaming route (SSE) that writes its own response. */
  stream?: true;
  handler: (input: RouteInput<z.output<B>, z.output<Q>>) => Promise<unknown>;
}

/** Declares a route with typed body and query. */
export function defineRoute<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodObject>(
  spec: RouteSpec<B, Q>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Everything `mountRoutes` needs besides the routes. */
export interface MountDeps {
  ctx: Context;
  engine: RolloutEngine;
  gateway: AgentGateway;
  authenticate: (c: HonoContext) => Promise<Principal>;
}

/** Registers routes on the app: authentication, role check, validation, response check. */
export function mountRoutes(app: Hono, routes: readonly RouteSpec[], deps: MountDeps): void {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      const principal: Principal =
        route.roles === 'public'
          ? { userId: '', name: 'anonymous', role: 'viewer', tokenId: '' }
          : await deps.authenticate(c);
      if (route.roles !== 'public' && !route.roles.includes(principal.role))
        fail(
          'FORBIDDEN',
          `${route.method.toUpperCase()} ${route.path} needs role ${route.roles.join(' or ')}; you are ${principal.role}`,
        );
      const query = route.query ? validate(route.query, c.req.query(), 'query') : {};
      const body = route.body
        ? validate(route.body, await readRequestBody(c, deps.ctx.config, !!route.yaml), 'body')
        : undefined;
      const result = await route.handler({
        ctx: deps.ctx,
        engine: deps.engine,
        gateway: deps.gateway,
        principal,
        body,
        query,
        params: c.req.param() as Record<string, string>,
        c,
      });
      if (route.stream) return result as Response;
      const checked = route.response.safeParse(result);
      if (!checked.success) {
        deps.ctx.log.error(
          { route: route.path, error: formatZodError(checked.error) },
          'response does not match its schema',
        );
        fail('INTERNAL', 'response does not match its schema; see the control plane log');
      }
      return c.json(checked.data as object, route.status ?? 200);
    });
  }
}

function validate<S extends z.ZodType>(schema: S, data: unknown, where: string): z.output<S> {
  const r = parseWith(schema, data, where);
  if (!r.ok) throw new ControlPlaneError('VALIDATION', r.error, { issues: r.issues });
  return r.value;
}

/** The OpenAPI 3.1 document of the routes, generated from their zod schemas. */
export function openApiDocument(
  routes: readonly RouteSpec[],
  errorSchema: z.ZodType,
): Record<string, unknown> {
  const json = (schema: z.ZodType, io: 'input' | 'output') =>
    z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const params = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams: unknown[] = [];
    if (r.query) {
      const schema = json(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {}))
        queryParams.push({
          name,
          in: 'query',
          required: schema.required?.includes(name) ?? false,
          schema: s,
        });
    }
    const errorResponse = {
      description: 'error',
      content: { 'application/json': { schema: json(errorSchema, 'output') } },
    };
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      ...(r.roles === 'public' ? { security: [] } : { 'x-roles': r.roles }),
      parameters: [...params, ...queryParams],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: json(r.body, 'input') },
                ...(r.yaml ? { 'application/yaml': { schema: json(r.body, 'input') } } : {}),
              },
            },
          }
        : {}),
      responses: {
        [String(r.status ?? 200)]: {
          description: 'success',
          content: r.stream
            ? { 'text/event-stream': { schema: json(r.response, 'output') } }
            : { 'application/json': { schema: json(r.response, 'output') } },
        },
        default: errorResponse,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'plcfleet control plane', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

import {
  AgentList,
  CreateEnrollmentRequest,
  EnrollmentResponse,
  EnrollRequest,
  EnrollResponse,
  RevokeAgentResponse,
  StageReportList,
} from '@plcfleet/protocols';
import { z } from 'zod';
import { appendAudit } from '../audit/audit.repository';
import { ADMIN, ANY_ROLE } from '../auth/roles';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { getSite } from '../sites/site.repository';
import { transaction } from '../store/database';
import {
  consumeEnrollment,
  createAgent,
  createEnrollment,
  listAgents,
  markEnrollmentAgent,
  revokeAgent,
} from './agent.repository';
import { AGENT_GATEWAY_PATH } from './agent-gateway';
import { listStageReports } from './stage-report.repository';

/** Agents and their enrollment. */
export const agentRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/agents',
    summary: 'List enrolled agents',
    roles: ANY_ROLE,
    query: z.object({ site: z.string().optional() }),
    response: AgentList,
    handler: async ({ ctx, gateway, query }) => ({
      agents: (await listAgents(ctx.db, query.site)).map((a) => ({
        ...a,
        connected: gateway.isConnected(a.id),
      })),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/agents/enrollments',
    summary: 'Create a one-time enrollment token for a site (shown once)',
    roles: ADMIN,
    body: CreateEnrollmentRequest,
    response: EnrollmentResponse,
    status: 201,
    handler: async ({ ctx, principal, body }) => {
      if (!(await getSite(ctx.db, body.site))) fail('NOT_FOUND', `no site ${body.site}; register it first`);
      return transaction(ctx.db, async (trx) => {
        const e = await createEnrollment(trx, {
          site: body.site,
          createdBy: principal.name,
          ttlMs: body.ttl,
        });
        await appendAudit(trx, {
          actor: principal.name,
          action: 'enrollment.created',
          subjectType: 'enrollment',
          subjectId: e.id,
          details: { site: body.site, expiresAt: e.expiresAt },
        });
        return { id: e.id, site: e.site, enrollmentToken: e.token, expiresAt: e.expiresAt };
      });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/agents/enroll',
    summary: 'Exchange an enrollment token (once) for the agent’s own token',
    roles: 'public',
    body: EnrollRequest,
    response: EnrollResponse,
    status: 201,
    handler: async ({ ctx, body }) =>
      transaction(ctx.db, async (trx) => {
        const enrollment = await consumeEnrollment(trx, body.enrollmentToken);
        if (!enrollment) fail('UNAUTHORIZED', 'enrollment token is unknown, used or expired');
        const agent = await createAgent(trx, {
          site: enrollment.site,
          createdBy: `enrollment:${enrollment.id}`,
          ...(body.agentId ? { agentId: body.agentId } : {}),
        }).catch((err) => {
          if (/unique|constraint/i.test(String(err))) fail('CONFLICT', `agent id ${body.agentId} is taken`);
          throw err;
        });
        await markEnrollmentAgent(trx, enrollment.id, agent.agentId);
        await appendAudit(trx, {
          actor: `enrollment:${enrollment.id}`,
          action: 'agent.enrolled',
          subjectType: 'agent',
          subjectId: agent.agentId,
          details: { site: agent.site },
        });
        return { ...agent, publicKeyPem: ctx.key.publicKeyPem, gatewayPath: AGENT_GATEWAY_PATH };
      }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/agents/:id',
    summary: 'Revoke an agent’s token',
    roles: ADMIN,
    response: RevokeAgentResponse,
    handler: async ({ ctx, principal, params }) =>
      transaction(ctx.db, async (trx) => {
        if (!(await revokeAgent(trx, params.id!))) fail('NOT_FOUND', `no live agent ${params.id}`);
        await appendAudit(trx, {
          actor: principal.name,
          action: 'agent.revoked',
          subjectType: 'agent',
          subjectId: params.id!,
        });
        return { revoked: true };
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/stage-reports',
    summary: 'Protocol cutover stage reports of the agents, newest first',
    roles: ANY_ROLE,
    query: z.object({
      site: z.string().optional(),
      migration: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: StageReportList,
    handler: async ({ ctx, query }) => ({
      stageReports: await listStageReports(ctx.db, {
        ...(query.site ? { site: query.site } : {}),
        ...(query.migration ? { migrationId: query.migration } : {}),
        limit: query.limit,
      }),
    }),
  }),
];

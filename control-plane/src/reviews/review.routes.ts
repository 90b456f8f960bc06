import {
  ApproveRequest,
  ApproveResponse,
  ChangeRequestAllowedActions,
  ChangeRequestDetail,
  ChangeRequestList,
  RejectRequest,
  RejectResponse,
} from '@plcfleet/protocols';
import { z } from 'zod';
import { listShadowReports } from '../agents/shadow-report.repository';
import { ANY_ROLE } from '../auth/roles';
import { getDeploy } from '../deploys/deploy.repository';
import { fail } from '../errors';
import { defineRoute, type RouteSpec } from '../http/route';
import { changeRequestActions } from '../permissions/allowed-actions';
import { getChangeRequest, listApprovals, listChangeRequests } from './change-request.repository';
import { approveChangeRequest, rejectChangeRequest } from './review.service';

/** Change requests and their review. */
export const reviewRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/v1/change-requests',
    summary: 'List change requests',
    roles: ANY_ROLE,
    query: z.object({
      state: z.enum(['open', 'approved', 'rejected']).optional(),
      rollout: z.string().optional(),
      site: z.string().optional(),
    }),
    response: ChangeRequestList,
    handler: async ({ ctx, query }) => ({
      changeRequests: await listChangeRequests(ctx.db, {
        ...(query.state ? { state: query.state } : {}),
        ...(query.rollout ? { rolloutId: query.rollout } : {}),
        ...(query.site ? { site: query.site } : {}),
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/change-requests/:id',
    summary: 'A change request with its diff, evidence hash, decisions and shadow runs',
    roles: ANY_ROLE,
    response: ChangeRequestDetail,
    handler: async ({ ctx, params }) => {
      const cr =
        (await getChangeRequest(ctx.db, params.id!)) ?? fail('NOT_FOUND', `no change request ${params.id}`);
      return {
        changeRequest: cr,
        approvals: await listApprovals(ctx.db, cr.id),
        shadowReports: await listShadowReports(ctx.db, { jobId: cr.jobId }),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/change-requests/:id/allowed-actions',
    summary: 'What the caller may do with a change request (approve, reject), by the checks those routes run',
    roles: ANY_ROLE,
    response: ChangeRequestAllowedActions,
    handler: ({ ctx, principal, params }) =>
      changeRequestActions(ctx.db, principal, params.id!, reviewRoutes),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/change-requests/:id/approve',
    summary:
      'Approve: safety-related needs a safety-engineer who is not the requester; non-safety an admin or operator. Issues the signed deploy order',
    roles: ['admin', 'safety-engineer', 'operator'],
    body: ApproveRequest,
    response: ApproveResponse,
    handler: async ({ ctx, principal, params, body }) => {
      const r = await approveChangeRequest(ctx, principal, params.id!, body.comment);
      return {
        changeRequest: r.changeRequest,
        approval: r.approval,
        deploy: (await getDeploy(ctx.db, r.deployId))!,
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/change-requests/:id/reject',
    summary: 'Reject with a reason',
    roles: ['admin', 'safety-engineer', 'operator'],
    body: RejectRequest,
    response: RejectResponse,
    handler: async ({ ctx, principal, params, body }) =>
      rejectChangeRequest(ctx, principal, params.id!, body.reason),
  }),
];

import {
  CreateTokenRequest,
  CreateTokenResponse,
  RevokeTokenResponse,
  TokenList,
  WhoAmIResponse,
} from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { transaction } from '../store/database';
import { ADMIN, ANY_ROLE } from './roles';
import { createUserWithToken, listTokens, revokeToken } from './user.repository';

/** Users and API tokens. */
export const tokenRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/whoami',
    summary: 'The caller: user, role and token id',
    roles: ANY_ROLE,
    response: WhoAmIResponse,
    handler: async ({ principal }) => principal,
  }),
  defineRoute({
    method: 'post',
    path: '/v1/tokens',
    summary: 'Create a user with a role (or a further token of an existing user); the token is shown once',
    roles: ADMIN,
    body: CreateTokenRequest,
    response: CreateTokenResponse,
    status: 201,
    handler: async ({ ctx, principal, body }) =>
      transaction(ctx.db, async (trx) => {
        const created = await createUserWithToken(trx, {
          name: body.name,
          role: body.role,
          createdBy: principal.name,
        });
        if (created.user.role !== body.role)
          fail(
            'CONFLICT',
            `user ${body.name} exists with role ${created.user.role}; roles do not change through tokens`,
          );
        await appendAudit(trx, {
          actor: principal.name,
          action: 'token.created',
          subjectType: 'user',
          subjectId: created.user.id,
          details: { name: body.name, role: body.role, tokenId: created.tokenId },
        });
        return created;
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/tokens',
    summary: 'List API tokens (never their secrets)',
    roles: ADMIN,
    response: TokenList,
    handler: async ({ ctx }) => ({ tokens: await listTokens(ctx.db) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/tokens/:id',
    summary: 'Revoke an API token',
    roles: ADMIN,
    response: RevokeTokenResponse,
    handler: async ({ ctx, principal, params }) =>
      transaction(ctx.db, async (trx) => {
        const revoked = await revokeToken(trx, params.id!);
        if (!revoked) fail('NOT_FOUND', `no live token ${params.id}`);
        await appendAudit(trx, {
          actor: principal.name,
          action: 'token.revoked',
          subjectType: 'token',
          subjectId: params.id!,
        });
        return { revoked };
      }),
  }),
];

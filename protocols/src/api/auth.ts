import { z } from 'zod';
import { ApiRole, ApiTime } from './common';

/** `POST /v1/tokens`: a new user (or another token of an existing one) with a role. */
export const CreateTokenRequest = z.strictObject({
  name: z.string().min(1).max(100),
  role: ApiRole,
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

/** A user. */
export const UserView = z.object({ id: z.string(), name: z.string(), role: ApiRole, createdAt: ApiTime });
export type UserView = z.infer<typeof UserView>;

/** The new token, in clear, shown once. */
export const CreateTokenResponse = z.object({ user: UserView, token: z.string(), tokenId: z.string() });
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;

/** A token as listed (never the secret or its hash). */
export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  role: ApiRole,
  createdAt: ApiTime,
  revokedAt: ApiTime.nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

/** `GET /v1/tokens`. */
export const TokenList = z.object({ tokens: z.array(TokenView) });

/** `GET /v1/whoami`. */
export const WhoAmIResponse = z.object({
  userId: z.string(),
  name: z.string(),
  role: ApiRole,
  tokenId: z.string(),
});
export type WhoAmIResponse = z.infer<typeof WhoAmIResponse>;

/** `DELETE /v1/tokens/:id`. */
export const RevokeTokenResponse = z.object({ revoked: z.boolean() });

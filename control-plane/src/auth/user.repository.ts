import type { Db } from '../store/database';
import { newId, nowIso } from '../util';
import type { Principal, Role } from './roles';
import { generateToken, hashesEqual, hashToken } from './token';

/** A user as the API shows it. */
export interface User {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** Creates a user with one API token; returns the token in clear (shown once). */
export async function createUserWithToken(
  trx: Db,
  input: { name: string; role: Role; createdBy: string | null; token?: string },
): Promise<{ user: User; token: string; tokenId: string }> {
  const at = nowIso();
  const existing = await trx
    .selectFrom('users')
    .selectAll()
    .where('name', '=', input.name)
    .executeTakeFirst();
  const user: User = existing
    ? { id: existing.id, name: existing.name, role: existing.role, createdAt: existing.created_at }
    : { id: newId('usr'), name: input.name, role: input.role, createdAt: at };
  if (!existing)
    await trx
      .insertInto('users')
      .values({ id: user.id, name: user.name, role: user.role, created_at: at, created_by: input.createdBy })
      .execute();
  const token = input.token ?? generateToken('plc');
  const tokenId = newId('tok');
  await trx
    .insertInto('api_tokens')
    .values({ id: tokenId, user_id: user.id, token_hash: hashToken(token), name: input.name, created_at: at })
    .execute();
  return { user, token, tokenId };
}

/** The principal a token belongs to, or null when it matches no live token. */
export async function findPrincipalByToken(db: Db, token: string): Promise<Principal | null> {
  const hash = hashToken(token);
  // Looked up by its hash (indexed); the hash of a 256-bit secret tells a timing
  // observer nothing useful. The explicit constant-time compare guards the match itself.
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as tokenId',
      'api_tokens.token_hash',
      'users.id as userId',
      'users.name',
      'users.role',
    ])
    .where('api_tokens.token_hash', '=', hash)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !hashesEqual(row.token_hash, hash)) return null;
  return { userId: row.userId, name: row.name, role: row.role, tokenId: row.tokenId };
}

/** Users and their live tokens (no hashes). */
export async function listTokens(
  db: Db,
): Promise<
  { id: string; name: string; userId: string; role: Role; createdAt: string; revokedAt: string | null }[]
> {
  const rows = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'users.id as userId',
      'users.role',
      'api_tokens.created_at',
      'api_tokens.revoked_at',
    ])
    .orderBy('api_tokens.created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    userId: r.userId,
    role: r.role,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes a token; false when there was no live token with that id. */
export async function revokeToken(trx: Db, tokenId: string): Promise<boolean> {
  const r = await trx
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** True when no user exists yet (first start). */
export async function hasNoUsers(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return !row;
}

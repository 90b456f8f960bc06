import type { AgentView } from '@plcfleet/protocols';
import { generateToken, hashesEqual, hashToken } from '../auth/token';
import type { Db } from '../store/database';
import type { AgentsTable } from '../store/tables';
import { fromJson, isoIn, newId, nowIso } from '../util';

/** An enrolled agent as the API shows it (without `connected`, which the gateway knows). */
export type AgentRecord = Omit<AgentView, 'connected'>;

function toAgent(r: AgentsTable): AgentRecord {
  return {
    id: r.id,
    site: r.site,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    agentVersion: r.agent_version,
    protocolVersion: r.protocol_version === null ? null : Number(r.protocol_version),
    capabilities: fromJson(r.capabilities),
    revoked: r.revoked_at !== null,
  };
}

/** Creates an agent of `site` with its own token; the token is returned in clear once. */
export async function createAgent(
  trx: Db,
  input: { site: string; createdBy: string; agentId?: string },
): Promise<{ agentId: string; site: string; token: string }> {
  const token = generateToken('agt');
  const agentId = input.agentId ?? newId('agt');
  await trx
    .insertInto('agents')
    .values({
      id: agentId,
      site: input.site,
      token_hash: hashToken(token),
      created_at: nowIso(),
      created_by: input.createdBy,
      capabilities: '[]',
    })
    .execute();
  return { agentId, site: input.site, token };
}

/** Creates a one-time enrollment token for `site`. */
export async function createEnrollment(
  trx: Db,
  input: { site: string; createdBy: string; ttlMs: number },
): Promise<{ id: string; site: string; token: string; expiresAt: string }> {
  const token = generateToken('enr');
  const id = newId('enr');
  const expiresAt = isoIn(input.ttlMs);
  await trx
    .insertInto('enrollments')
    .values({
      id,
      site: input.site,
      token_hash: hashToken(token),
      created_by: input.createdBy,
      created_at: nowIso(),
      expires_at: expiresAt,
    })
    .execute();
  return { id, site: input.site, token, expiresAt };
}

/**
 * Uses an enrollment token (once): marks it used and returns its row, or null
 * when it is unknown, used or expired. The conditional update makes the
 * exchange single-use even with two replicas racing.
 */
export async function consumeEnrollment(
  trx: Db,
  token: string,
): Promise<{ id: string; site: string } | null> {
  const hash = hashToken(token);
  const row = await trx
    .selectFrom('enrollments')
    .select(['id', 'site', 'token_hash'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row || !hashesEqual(row.token_hash, hash)) return null;
  const at = nowIso();
  const r = await trx
    .updateTable('enrollments')
    .set({ used_at: at })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? { id: row.id, site: row.site } : null;
}

/** Records which agent an enrollment produced. */
export async function markEnrollmentAgent(trx: Db, enrollmentId: string, agentId: string): Promise<void> {
  await trx.updateTable('enrollments').set({ agent_id: agentId }).where('id', '=', enrollmentId).execute();
}

/** The agent a token belongs to, or null. */
export async function findAgentByToken(db: Db, token: string): Promise<{ id: string; site: string } | null> {
  const hash = hashToken(token);
  const row = await db
    .selectFrom('agents')
    .select(['id', 'site', 'token_hash'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !hashesEqual(row.token_hash, hash)) return null;
  return { id: row.id, site: row.site };
}

/** Records what an agent said in `hello`. */
export async function recordHello(
  db: Db,
  agentId: string,
  hello: { agentVersion: string; protocolVersion: number; capabilities: string[] },
): Promise<void> {
  await db
    .updateTable('agents')
    .set({
      last_seen_at: nowIso(),
      agent_version: hello.agentVersion,
      protocol_version: hello.protocolVersion,
      capabilities: JSON.stringify(hello.capabilities),
    })
    .where('id', '=', agentId)
    .execute();
}

/** Marks agents as seen now. */
export async function touchAgents(db: Db, agentIds: readonly string[]): Promise<void> {
  if (agentIds.length === 0) return;
  await db.updateTable('agents').set({ last_seen_at: nowIso() }).where('id', 'in', agentIds).execute();
}

/** Every agent, or the agents of one site. */
export async function listAgents(db: Db, site?: string): Promise<AgentRecord[]> {
  let q = db.selectFrom('agents').selectAll().orderBy('site').orderBy('id');
  if (site !== undefined) q = q.where('site', '=', site);
  return (await q.execute()).map(toAgent);
}

/** Revokes an agent's token. */
export async function revokeAgent(trx: Db, agentId: string): Promise<boolean> {
  const r = await trx
    .updateTable('agents')
    .set({ revoked_at: nowIso() })
    .where('id', '=', agentId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

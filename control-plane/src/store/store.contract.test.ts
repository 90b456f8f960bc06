/**
 * The repository contract: one suite, run against SQLite and PostgreSQL. Each
 * run gets its own store (a temporary folder or a schema of its own).
 */

import { Migration, PROTOCOL_VERSION, RolloutPlan } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumeEnrollment,
  createAgent,
  createEnrollment,
  findAgentByToken,
} from '../agents/agent.repository';
import { listShadowReports, recordDeferral, upsertShadowReport } from '../agents/shadow-report.repository';
import { appendAudit, verifyAudit } from '../audit/audit.repository';
import { createUserWithToken, findPrincipalByToken, revokeToken } from '../auth/user.repository';
import { claimJob, getJob, insertJobs, releaseQueued } from '../jobs/job.repository';
import { insertMigration } from '../migrations/migration.repository';
import { claimDriver, insertRollout } from '../rollouts/rollout.repository';
import { makeVerdict } from '../testing/fake-agent';
import { migrationDoc } from '../testing/fixtures';
import { openTestStore, STORE_KINDS } from '../testing/test-stores';
import { insertVerdict } from '../verdicts/verdict.repository';
import { migrateDown, migrateToLatest, type Store, sql, transaction } from './database';
import { GroupCommit } from './group-commit';
import { SCHEMA_MIGRATIONS } from './schema';

const plan = RolloutPlan.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'RolloutPlan',
  phases: [{ name: 'all', select: { rest: true } }],
});

describe.each(STORE_KINDS)('store contract on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close());

  it('migrates down and up again', async () => {
    // Every schema migration down, newest first, then all of them up.
    for (const _ of Object.keys(SCHEMA_MIGRATIONS)) await migrateDown(store);
    await expect(store.db.selectFrom('jobs').select('id').execute()).rejects.toThrow();
    await migrateToLatest(store);
    expect(await store.db.selectFrom('jobs').select('id').execute()).toEqual([]);
  });

  it('finds a principal by token, and not after revocation', async () => {
    const { token, tokenId } = await transaction(store.db, (trx) =>
      createUserWithToken(trx, { name: 'olga', role: 'operator', createdBy: null }),
    );
    expect((await findPrincipalByToken(store.db, token))?.role).toBe('operator');
    expect(await findPrincipalByToken(store.db, `${token}x`)).toBeNull();
    const stored = await store.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', tokenId)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    await revokeToken(store.db, tokenId);
    expect(await findPrincipalByToken(store.db, token)).toBeNull();
  });

  it('exchanges an enrollment token once', async () => {
    const e = await createEnrollment(store.db, { site: 's1', createdBy: 'admin', ttlMs: 60_000 });
    const results = await Promise.all(
      [0, 1, 2].map(() => transaction(store.db, (trx) => consumeEnrollment(trx, e.token))),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const expired = await createEnrollment(store.db, { site: 's1', createdBy: 'admin', ttlMs: -1 });
    expect(await consumeEnrollment(store.db, expired.token)).toBeNull();
    const agent = await createAgent(store.db, { site: 's1', createdBy: 'test' });
    expect(await findAgentByToken(store.db, agent.token)).toEqual({ id: agent.agentId, site: 's1' });
  });

  it('keeps the first end of a shadow run, and counts the deferrals of a deploy', async () => {
    const run = {
      shadowId: `shd-${kind}`,
      kind: 'candidate' as const,
      site: 's1',
      jobId: 'job-shadow',
      rolloutId: 'ro-shadow',
      startedAt: '2026-12-06T08:00:00.000Z',
      durationMs: 1000,
      seconds: 0.2,
      samples: 10,
      compared: 9,
      divergences: [],
      commLoss: null,
      fault: null,
      reason: '',
      coverage: null,
    };
    expect(await upsertShadowReport(store.db, 'agt-1', { ...run, state: 'running' })).toBe('stored');
    expect(await upsertShadowReport(store.db, 'agt-1', { ...run, state: 'running', seconds: 0.5 })).toBe(
      'stored',
    );
    const diverged = {
      ...run,
      state: 'diverged' as const,
      seconds: 0.6,
      divergences: [{ tag: 'Pump', first: '2026-12-06T08:00:00.500Z', count: 3, live: true, shadow: false }],
    };
    expect(await upsertShadowReport(store.db, 'agt-1', diverged)).toBe('stored');
    expect(await upsertShadowReport(store.db, 'agt-1', diverged)).toBe('duplicate');
    expect(await upsertShadowReport(store.db, 'agt-1', { ...run, state: 'passed', seconds: 1 })).toBe(
      'stale',
    );
    expect(await upsertShadowReport(store.db, 'agt-1', { ...run, state: 'running', seconds: 0.9 })).toBe(
      'stale',
    );
    const [stored, ...more] = await listShadowReports(store.db, { jobIds: ['job-shadow'] });
    expect(more).toEqual([]);
    expect(stored).toMatchObject({ state: 'diverged', seconds: 0.6, agentId: 'agt-1' });
    expect(stored!.divergences[0]).toMatchObject({ tag: 'Pump', count: 3 });
    expect(
      (await store.db.selectFrom('shadow_reports').select('divergences').executeTakeFirstOrThrow())
        .divergences,
    ).toBe(3);

    const deferred = {
      v: PROTOCOL_VERSION,
      id: 'm',
      type: 'deploy.deferred' as const,
      deployId: 'dep-1',
      site: 's1',
      recheckMs: 500,
    };
    await recordDeferral(store.db, 'agt-1', { ...deferred, reason: 'Busy is TRUE' });
    await recordDeferral(store.db, 'agt-1', { ...deferred, reason: 'Busy cannot be read (timeout)' });
    const row = await store.db.selectFrom('deploy_deferrals').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ deploy_id: 'dep-1', times: 2, reason: 'Busy cannot be read (timeout)' });
  });

  it('keeps migration revisions immutable', async () => {
    const m = Migration.parse(migrationDoc('non-safety', 'immutable'));
    expect(await insertMigration(store.db, m, 'a')).toMatchObject({ created: true });
    expect(await insertMigration(store.db, m, 'a')).toMatchObject({ created: false });
    expect(await insertMigration(store.db, { ...m, title: 'other' }, 'a')).toHaveProperty('conflict');
  });

  it('lets exactly one of several claimants take a ready job', async () => {
    const r = await insertRollout(store.db, {
      name: 'r',
      migrationId: 'm',
      revision: 1,
      plan,
      createdBy: 'a',
    });
    await store.db.updateTable('rollouts').set({ state: 'running' }).where('id', '=', r.id).execute();
    const [jobId] = await insertJobs(store.db, r.id, 0, ['s1']);
    expect(await releaseQueued(store.db, r.id, 0, 5)).toBe(1);
    const claims = await Promise.all(['x', 'y', 'z'].map((agent) => claimJob(store.db, jobId!, agent, 1000)));
    expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    expect((await getJob(store.db, jobId!))?.state).toBe('offered');
  });

  it('group commit: units share a transaction, a failing unit is rolled back alone', async () => {
    const writes = new GroupCommit(store.db);
    const put = (key: string, fail = false) =>
      writes.run(async (trx) => {
        await trx.insertInto('settings').values({ key, value: 'v' }).execute();
        if (fail) throw new Error(`unit ${key} failed`);
        return key;
      });
    const results = await Promise.allSettled([put('gc-1'), put('gc-2', true), put('gc-3'), put('gc-1')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('unit gc-2 failed');
    // The duplicate key violated the primary key: that unit alone is rolled back.
    const keys = await store.db.selectFrom('settings').select('key').where('key', 'like', 'gc-%').execute();
    expect(keys.map((k) => k.key).sort()).toEqual(['gc-1', 'gc-3']);
    // A unit on its own (no savepoint) that fails leaves nothing behind either.
    await expect(put('gc-4', true)).rejects.toThrow('unit gc-4 failed');
    expect(await store.db.selectFrom('settings').select('key').where('key', '=', 'gc-4').execute()).toEqual(
      [],
    );
    await writes.idle();
  });

  it('stores a verdict once per job', async () => {
    const v = makeVerdict(
      {
        jobId: 'job-v',
        rolloutId: 'r',
        site: 's1',
        attempt: 1,
        migration: Migration.parse(migrationDoc()),
        issuedAt: new Date().toISOString(),
      },
      'passed',
    );
    expect(await insertVerdict(store.db, v, { rolloutId: 'r', agentId: 'a' })).toBe(true);
    expect(await insertVerdict(store.db, v, { rolloutId: 'r', agentId: 'a' })).toBe(false);
  });

  it('grants a rollout driver lease to one replica, and to another once it lapses', async () => {
    const r = await insertRollout(store.db, {
      name: 'd',
      migrationId: 'm',
      revision: 1,
      plan,
      createdBy: 'a',
    });
    expect(await claimDriver(store.db, r.id, 'A', 60_000)).toBe(true);
    expect(await claimDriver(store.db, r.id, 'B', 60_000)).toBe(false);
    expect(await claimDriver(store.db, r.id, 'A', -1)).toBe(true); // A renews with a lease already lapsed
    expect(await claimDriver(store.db, r.id, 'B', 60_000)).toBe(true);
  });

  it('chains audit rows and finds the first edited one', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        transaction(store.db, (trx) =>
          appendAudit(trx, { actor: 'a', action: 'x', subjectType: 't', subjectId: String(i) }),
        ),
      ),
    );
    const ok = await verifyAudit(store.db);
    expect(ok).toMatchObject({ ok: true, firstBroken: null });
    const rows = await store.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    const victim = Number(rows[3]!.seq);
    await sql`update audit_log set actor = 'mallory' where seq = ${victim}`.execute(store.db);
    const bad = await verifyAudit(store.db);
    expect(bad.ok).toBe(false);
    expect(bad.firstBroken?.seq).toBe(victim);
  });
});

describe('schema migrations on a PostgreSQL shared with other stores', () => {
  it("are not fooled by another schema's migration tables", async () => {
    // Another store (a replica of another fleet, a parallel test run) already migrated its schema.
    const other = await openTestStore('postgres');
    try {
      const mine = await openTestStore('postgres');
      expect(await mine.store.db.selectFrom('jobs').select('id').execute()).toEqual([]);
      await mine.close();
    } finally {
      await other.close();
    }
  });
});

/**
 * A phase's shadow gate on what a loaded host could not judge (ADR 0159): a run whose live
 * outputs disagreed on samples it could not judge holds the phase as inconclusive (never a
 * pass; `retry` runs the site again), `minDuration` counts judged time, and a report from an
 * agent before `unjudged` is judged as before. Real ws clients act as agents; real SQLite
 * and PostgreSQL.
 */
import { PROTOCOL_VERSION, RolloutProgress, type ShadowRun } from '@plcfleet/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../testing/fake-agent';
import { eventually } from '../testing/fixtures';
import { connectAgents, type Harness, planDoc, seedFleet, startHarness } from '../testing/harness';

let h: Harness;
const open: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await h?.close();
});

interface Change {
  id: string;
  jobId: string;
  state: string;
}

/** A rollout of one site `site` gated by a 300 ms shadow run before approval; its open change. */
async function gated(kind: 'sqlite' | 'postgres', site: string) {
  h = await startHarness(kind);
  await seedFleet(h, [{ name: site }], 'non-safety');
  const agent = (await connectAgents(h.cp, [site])).get(site)!;
  open.push(agent);
  const created = await h.admin.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: planDoc([
      {
        name: 'canary',
        select: { rest: true },
        shadow: { minDuration: '300ms', maxDivergences: 0, when: 'before-approval' },
      },
    ]),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.rollout.id as string;
  const cr = await eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${id}&state=open`)).body
      .changeRequests as Change[];
    return list[0];
  });
  return { agent, id, cr };
}

/** `agent` reports the end of the candidate run of `cr` with `figures`. */
async function report(
  agent: FakeAgent,
  id: string,
  cr: Change,
  site: string,
  figures: Partial<ShadowRun> & Pick<ShadowRun, 'state' | 'seconds' | 'samples' | 'compared'>,
) {
  const ack = agent.waitFor((m) => m.type === 'shadow.report.ack');
  agent.send({
    v: PROTOCOL_VERSION,
    id: `shd-${cr.jobId}`,
    type: 'shadow.report',
    report: {
      shadowId: `shadow-${cr.jobId}`,
      kind: 'candidate',
      site,
      jobId: cr.jobId,
      rolloutId: id,
      startedAt: new Date().toISOString(),
      durationMs: 300,
      divergences: [],
      commLoss: null,
      fault: null,
      reason: '',
      coverage: null,
      ...figures,
    },
  });
  await ack;
}

const approveAllowed = async (crId: string) =>
  (await h.admin.get(`/v1/change-requests/${crId}/allowed-actions`)).body.actions.approve as {
    allowed: boolean;
    reason: string;
  };

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the shadow gate on unjudged samples (${kind})`, () => {
    it('holds on disagreements the run could not confirm, says what it waits for, and retry runs the site again', async () => {
      const { agent, id, cr } = await gated(kind, 'u1');
      // As the agent ends it (ADR 0159): `failed` (nothing deploys on it), the figures say why.
      await report(agent, id, cr, 'u1', {
        state: 'failed',
        seconds: 0.4,
        samples: 40,
        compared: 38,
        unjudged: { samples: 2, disagreed: 2 },
        reason:
          'inconclusive: 2 disagreement(s) not confirmed (live outputs differed on samples the run could not judge; at most 0 divergence(s) allowed)',
      });
      const p = await eventually(async () => {
        const r = RolloutProgress.parse((await h.admin.get(`/v1/rollouts/${id}/progress`)).body);
        return r.phases[0]!.status === 'awaiting-shadow' ? r : undefined;
      });
      const line =
        'shadow: 0 of 1 site(s) passed, 1 inconclusive: u1 (2 disagreement(s) not confirmed); ' +
        `\`plcfleet rollouts retry ${id}\` runs them again; at most 0 divergence(s)`;
      expect(p.phases[0]!.waitsFor).toEqual(['shadow']);
      expect(p.phases[0]!.shadow).toBe(line);
      // Held, not halted: the rollout runs, its reason names what it waits for.
      const reason = await eventually(async () => {
        const r = (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout;
        return r.stateReason.includes('inconclusive') ? r : undefined;
      });
      expect(reason.state).toBe('running');
      expect(reason.stateReason).toContain(`→ waiting for ${line}`);
      // Never a pass: approval is refused, saying why.
      const approve = await approveAllowed(cr.id);
      expect(approve.allowed).toBe(false);
      expect(approve.reason).toContain('is inconclusive: 2 disagreement(s) not confirmed');
      expect(approve.reason).toContain('runs it again');
      expect(approve.reason).not.toContain('failed');

      const retried = await h.admin.post(`/v1/rollouts/${id}/retry`, {});
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      const decisions = (await h.admin.get(`/v1/rollouts/${id}`)).body.decisions as { summary: string }[];
      expect(decisions.map((d) => d.summary)).toContain(
        'retry of 1 failed site(s) (1 by their shadow run) by admin',
      );
      const withdrawn = (await h.admin.get(`/v1/change-requests/${cr.id}`)).body.changeRequest as Change;
      expect(withdrawn.state).toBe('rejected');
    });

    it('fails a run that judged less than minDuration: its unjudged time is not clean shadow time', async () => {
      const { agent, id, cr } = await gated(kind, 'j1');
      // The host judged half its samples: 0.2 s of evidence in 0.4 s, 0.3 s required.
      await report(agent, id, cr, 'j1', {
        state: 'passed',
        seconds: 0.4,
        samples: 40,
        compared: 20,
        unjudged: { samples: 20, disagreed: 0 },
      });
      const halted = await eventually(async () => {
        const r = (await h.admin.get(`/v1/rollouts/${id}`)).body.rollout;
        return r.state === 'halted' ? r : undefined;
      });
      expect(halted.stateReason).toContain(
        'shadow at j1: judged 0.2 s (20 of 40 sample(s)) in 0.4 s, 0.3 s required',
      );
      expect(await approveAllowed(cr.id)).toMatchObject({ allowed: false });
    });

    it("accepts an older agent's report without `unjudged`: its seconds count, as before", async () => {
      const { agent, id, cr } = await gated(kind, 'o1');
      await report(agent, id, cr, 'o1', { state: 'passed', seconds: 0.31, samples: 31, compared: 30 });
      expect(await approveAllowed(cr.id)).toEqual({ allowed: true, offered: true, reason: '' });
      const p = RolloutProgress.parse((await h.admin.get(`/v1/rollouts/${id}/progress`)).body);
      expect(p.phases[0]!.shadow).toBe('shadow: 1 of 1 site(s) passed; at most 0 divergence(s)');
    });
  });
}

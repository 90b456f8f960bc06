import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlcfleetClient } from '@plcfleet/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { type FleetDemoResult, runFleetDemo } from '../examples/demo/fleet';
import { runShadowFleetDemo, type ShadowDemoResult } from '../examples/demo/shadow-fleet';

// The demo flow as a test: real control plane (SQLite), real virtual PLCs on
// Modbus TCP and OPC UA sockets, real agents over ws, the SDK over HTTP.
describe('fleet demo', () => {
  let result: FleetDemoResult | undefined;
  afterAll(async () => {
    await result?.stop();
  });

  it('rolls the guard migration out: two sites deploy, the certified site is refused and halts the rollout', async () => {
    result = await runFleetDemo({ timeoutMs: 150_000 });
    const bySite = Object.fromEntries(result.rows.map((r) => [r.site, r]));
    expect(bySite['press-line-1']).toMatchObject({ verdict: 'passed', safety: 'none', deploy: 'deployed' });
    expect(bySite['press-line-2']).toMatchObject({ verdict: 'passed', safety: 'none', deploy: 'deployed' });
    expect(bySite['press-line-3']?.verdict).toBe('failed');
    expect(bySite['press-line-3']?.safety).toMatch(/certified/);
    // The demo's permissive search is random: it is not refuted, never "proven" (issue 14, point 5).
    expect(bySite['press-line-1']?.proofs).toBe('permissive not refuted');
    expect(result.rolloutState).toBe('halted');
    expect(result.rolloutReason).toMatch(/safety/);
    expect(result.asExpected).toBe(true);

    // The evidence lies where the summary says: a job folder per site with the verdict and the diff.
    const jobs = join(result.evidence['press-line-1']!, 'jobs');
    const [job] = readdirSync(jobs);
    const diff = readFileSync(join(jobs, job!, 'diff.patch'), 'utf8');
    expect(diff).toMatch(/\+Front_Guard_Closed_Monitor\(/);
    expect(diff).toMatch(/-IF Front_Guard_Closed = TRUE THEN/);
    expect(diff).not.toMatch(/SafetyCore/);
    expect(existsSync(join(jobs, job!, 'verdict.json'))).toBe(true);
  }, 200_000);
});

// `npm start -- --scenario shadow` as a test (issue #21 point 6): real PLCs on Modbus TCP and
// OPC UA driven by their tank plant models, real agents shadowing them, the real control plane.
describe('fleet demo, shadow scenario', () => {
  let result: ShadowDemoResult | undefined;
  afterAll(async () => {
    await result?.stop();
  });

  it('defers a deploy while the line is busy, halts on a divergent candidate before deploy, and a watch rolls a misbehaving change back', async () => {
    result = await runShadowFleetDemo({ timeoutMs: 150_000 });
    expect(result.rows).toEqual([
      { site: 'tank-1', verdict: 'passed', shadow: 'passed', deploy: 'deployed', watch: 'passed' },
      { site: 'tank-2', verdict: 'passed', shadow: 'diverged (Pump)', deploy: 'not deployed', watch: '—' },
      {
        site: 'tank-3',
        verdict: 'passed',
        shadow: 'passed',
        deploy: 'rolled-back',
        watch: 'diverged (Pump)',
      },
    ]);
    expect(result.sawDeferred).toBe(true);
    expect(result.rolloutState).toBe('halted');
    expect(result.rolloutReason).toMatch(
      /→ halted: shadow at tank-2: Pump diverged in \d+ sample\(s\) from .* \(live true, shadow false\), at most 0 allowed$/,
    );
    expect(result.asExpected).toBe(true);

    // The evidence is in the control plane: the watch's run beside tank-3's change, and the rollback's reason.
    const admin = new PlcfleetClient({ server: result.url, token: result.adminToken });
    const [deploy] = await admin.deploys.list({ rollout: result.rolloutId, site: 'tank-3' });
    expect(deploy?.reason).toMatch(/^post-deploy watch: Pump diverged from the approved program at /);
    const change = await admin.changes.get(deploy!.changeRequestId);
    const kinds = change.shadowReports.map((r) => `${r.kind}:${r.state}`).sort();
    expect(kinds).toEqual(['candidate:passed', 'watch:diverged']);
    const watch = change.shadowReports.find((r) => r.kind === 'watch')!;
    expect(watch).toMatchObject({ deployId: deploy!.id, site: 'tank-3', durationMs: 3000 });
    expect(watch.divergences[0]).toMatchObject({ tag: 'Pump', live: false, shadow: true });
    // What the live inputs exercised of the candidate: its IF/ELSIF branches, as counts.
    const candidate = change.shadowReports.find((r) => r.kind === 'candidate')!;
    expect(candidate.coverage?.branches?.total).toBeGreaterThan(0);
    expect(candidate.coverage?.inputs).toMatchObject({ hit: expect.any(Number) });
  }, 200_000);
});

describe('fleet demo, shadow scenario with the shadow after approval', () => {
  let result: ShadowDemoResult | undefined;
  afterAll(async () => {
    await result?.stop();
  });

  it('the agent shadows an approved change before deploying it and refuses the divergent one', async () => {
    result = await runShadowFleetDemo({ timeoutMs: 150_000, shadowWhen: 'after-approval' });
    expect(result.rows).toEqual([
      { site: 'tank-1', verdict: 'passed', shadow: 'passed', deploy: 'deployed', watch: 'passed' },
      { site: 'tank-2', verdict: 'passed', shadow: 'diverged (Pump)', deploy: 'refused', watch: '—' },
      {
        site: 'tank-3',
        verdict: 'passed',
        shadow: 'passed',
        deploy: 'rolled-back',
        watch: 'diverged (Pump)',
      },
    ]);
    const admin = new PlcfleetClient({ server: result.url, token: result.adminToken });
    const [refused] = await admin.deploys.list({ rollout: result.rolloutId, site: 'tank-2' });
    expect(refused?.order.payload.shadow).toEqual({ minDurationMs: 2000, maxDivergences: 0 });
    expect(refused?.reason).toMatch(/^shadow before deploy diverged: Pump diverged from the live PLC/);
    expect(result.rolloutReason).toMatch(/→ halted: shadow at tank-2: Pump diverged/);
    expect(result.asExpected).toBe(true);
  }, 200_000);
});

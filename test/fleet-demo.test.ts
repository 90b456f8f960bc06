import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FleetDemoResult, runFleetDemo } from '../examples/demo/fleet';

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

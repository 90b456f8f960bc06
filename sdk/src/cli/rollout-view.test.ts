import type { JobView, RolloutProgress } from '@plcfleet/protocols';
import { RolloutDetail } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { rolloutDetail } from '../testing/fixtures';
import { Output } from './output';
import { renderRolloutView } from './rollout-view';

const plain = new Output({ stdout: { write: () => true }, stderr: { write: () => true } }, false, false);

function job(site: string, phaseIndex: number, state: JobView['state'], safetyFailure = false): JobView {
  const at = '2026-11-26T10:00:00.000Z';
  return {
    id: `j-${site}`,
    rolloutId: 'r1',
    site,
    phaseIndex,
    state,
    attempt: 1,
    agentId: null,
    offeredAt: null,
    startedAt: null,
    leaseExpiresAt: null,
    finishedAt: null,
    reason: '',
    safetyFailure,
    createdAt: at,
    updatedAt: at,
  };
}

function twoPhases() {
  const raw = rolloutDetail('running', ['phase-started', 'promoted', 'phase-started']);
  raw.rollout.plan.phases.push({
    ...raw.rollout.plan.phases[0]!,
    name: 'fleet',
    select: { rest: true },
    gates: {
      ...raw.rollout.plan.phases[0]!.gates,
      minSample: 3,
      maxFailurePercent: 10,
      requireApproval: true,
    },
  });
  raw.rollout.phaseIndex = 1;
  raw.jobs = { passed: 3, failed: 1, running: 1 };
  return RolloutDetail.parse(raw);
}

describe('renderRolloutView', () => {
  it('draws a bar per phase, counts by state, the gates where they stand and the decisions', () => {
    const jobs = [
      job('a', 0, 'passed'),
      job('b', 1, 'passed'),
      job('c', 1, 'passed'),
      job('d', 1, 'failed', true),
      job('e', 1, 'running'),
      job('d-old', 1, 'retried'),
    ];
    const lines = renderRolloutView(twoPhases(), jobs, plain, 8);
    expect(lines).toContain('  1. canary  ████████  1/1 done');
    expect(lines).toContain('▶ 2. fleet   ██████░░  3/4 done, 1 failed · dispatching');
    expect(lines).toContain('jobs: passed 3 · failed 1 · running 1');
    expect(lines).toContain(
      'gates (phase 2): sample 3/3 ✓ · failures 33.3% ≤ 10% ✗ · safety 1 ≤ 0 ✗ · soak 0s · promotion by a person',
    );
    expect(lines.at(-1)).toBe('  10:00:00 phase 1: phase-started');
    expect(lines).toContain('last decisions:');
  });

  it('shows phases not started yet without a bar', () => {
    const detail = twoPhases();
    detail.rollout.phaseIndex = 0;
    const lines = renderRolloutView(detail, [job('a', 0, 'running')], plain, 4);
    expect(lines).toContain('▶ 1. canary  ░░░░  0/1 done · dispatching');
    expect(lines).toContain('  2. fleet   ····  not started');
  });

  it('colours states when colours are on', () => {
    const colour = new Output(plain.streams, false, true);
    const lines = renderRolloutView(twoPhases(), [], colour);
    expect(lines[0]).toContain('\x1b[34mrunning\x1b[0m');
  });

  it('names the sites of each phase and the sites whose jobs wait for a missing agent (issue #17 point 11)', () => {
    const detail = twoPhases();
    const agent = (site: string, connected: boolean) => ({
      id: `agt-${site}`,
      site,
      createdAt: '2026-11-26T10:00:00.000Z',
      lastSeenAt: null,
      agentVersion: null,
      protocolVersion: null,
      capabilities: [],
      revoked: false,
      connected,
    });
    const jobs = [
      job('a', 0, 'passed'),
      job('b', 1, 'running'),
      job('c', 1, 'queued'),
      job('d', 1, 'ready'),
      ...Array.from({ length: 9 }, (_, i) => job(`x${i}`, 1, 'passed')),
    ];
    const lines = renderRolloutView(detail, jobs, plain, 4, [agent('b', true), agent('c', false)]);
    expect(lines).toContain('             sites: a');
    expect(lines).toContain('             sites: b, c, d, x0, x1, x2, x3, x4 +4 more');
    expect(lines).toContain('waiting for an agent: c (agent not connected), d (no agent enrolled)');
    // Without the agents the view says nothing about them.
    expect(renderRolloutView(detail, jobs, plain, 4).some((l) => l.startsWith('waiting'))).toBe(false);
  });

  it('shows a paused rollout as paused, not dispatching (issue #21)', () => {
    const detail = twoPhases();
    detail.rollout.state = 'paused';
    const lines = renderRolloutView(detail, [job('b', 1, 'running')], plain, 4);
    expect(lines).toContain('▶ 2. fleet   ░░░░  0/1 done · paused');
  });

  it('counts verified, approved, deployed, watched and rolled back (inconclusive apart) per phase and says what it waits for', () => {
    const counts = (c: Partial<RolloutProgress['phases'][number]['counts']>) => ({
      sites: 0,
      verified: 0,
      approved: 0,
      deployed: 0,
      watched: 0,
      rolledBack: 0,
      rolledBackInconclusive: 0,
      deployFailed: 0,
      skipped: 0,
      deferred: 0,
      ...c,
    });
    const progress: RolloutProgress = {
      rolloutId: 'r1',
      settled: false,
      phases: [
        {
          index: 0,
          name: 'canary',
          status: 'watching',
          waitsFor: ['watch'],
          summary: '',
          counts: counts({ sites: 1, verified: 1, approved: 1, deployed: 1 }),
          shadow: 'shadow: 1 of 1 site(s) passed; at most 0 divergence(s)',
        },
        {
          index: 1,
          name: 'fleet',
          status: 'awaiting-deploy',
          waitsFor: ['approval', 'line-busy', 'retry-or-close'],
          summary: '',
          counts: counts({ sites: 2, verified: 1, rolledBack: 1, rolledBackInconclusive: 1, deferred: 1 }),
          shadow: null,
        },
      ],
    };
    const jobs = [job('a', 0, 'passed'), job('b', 1, 'passed'), job('c', 1, 'passed')];
    const lines = renderRolloutView(twoPhases(), jobs, plain, 4, undefined, progress);
    expect(lines).toContain('  1. canary  ████  1/1 done · watching');
    expect(lines).toContain(
      '             verified 1 · approved 1 · deployed 1 · watched 0 · rolled back 0 · waits for watch',
    );
    expect(lines).toContain('             shadow: 1 of 1 site(s) passed; at most 0 divergence(s)');
    expect(lines).toContain('▶ 2. fleet   ████  2/2 done · awaiting-deploy');
    expect(lines).toContain(
      '             verified 1 · approved 0 · deployed 0 · watched 0 · rolled back 1 (1 inconclusive) · deferred 1 (line busy) · waits for approval, line-busy, retry-or-close',
    );
  });
});

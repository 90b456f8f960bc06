/** Documents as the API sends them, for the SDK's tests. */
import { type RolloutDetail, RolloutPlan } from '@plcfleet/protocols';

/** A rollout detail as the API sends it (raw input to the schema). */
export function rolloutDetail(state: string, decisions: string[] = []): RolloutDetail {
  const at = '2026-11-26T10:00:00.000Z';
  return {
    rollout: {
      id: 'r1',
      name: 'guard',
      migrationId: 'safety-guard-monitor',
      revision: 1,
      // Parsed, so the defaults the API fills in are the schema's own.
      plan: RolloutPlan.parse({
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'canary', select: { count: 1 }, concurrency: 1 }],
      }),
      state: state as RolloutDetail['rollout']['state'],
      stateReason: `it is ${state}`,
      phaseIndex: 0,
      phaseState: 'dispatching',
      phaseStartedAt: at,
      createdBy: 'admin',
      startedBy: 'admin',
      createdAt: at,
      updatedAt: at,
    },
    jobs: { passed: decisions.length },
    decisions: decisions.map((d, i) => ({
      id: `d${i}`,
      rolloutId: 'r1',
      phaseIndex: 0,
      decision: d,
      summary: `phase 1: ${d}`,
      figures: {},
      at,
    })),
  };
}

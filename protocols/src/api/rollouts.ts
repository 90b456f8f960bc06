import { z } from 'zod';
import { RolloutPlan } from '../rollout-plan';
import { Verdict } from '../verdict';
import { ApiTime } from './common';

/** Rollout states. */
export const RolloutState = z.enum(['pending', 'running', 'paused', 'halted', 'completed', 'aborted']);
export type RolloutState = z.infer<typeof RolloutState>;
/** Where the current phase stands. */
export const PhaseState = z.enum(['not-started', 'dispatching', 'soaking', 'awaiting-approval', 'done']);

/** A rollout. */
export const RolloutView = z.object({
  id: z.string(),
  name: z.string(),
  migrationId: z.string(),
  revision: z.number().int(),
  plan: RolloutPlan,
  state: RolloutState,
  /** Why it is in this state (the decision's line). */
  stateReason: z.string(),
  phaseIndex: z.number().int(),
  phaseState: PhaseState,
  phaseStartedAt: ApiTime.nullable(),
  createdBy: z.string(),
  startedBy: z.string().nullable(),
  createdAt: ApiTime,
  updatedAt: ApiTime,
});
export type RolloutView = z.infer<typeof RolloutView>;

/** A decision of the engine or a person, with the numbers that led to it. */
export const DecisionView = z.object({
  id: z.string(),
  rolloutId: z.string(),
  phaseIndex: z.number().int(),
  /** e.g. `phase-started`, `promoted`, `halted`, `paused`, `soaking`, `awaiting-approval`, `completed`, `aborted`. */
  decision: z.string(),
  /** e.g. `phase 1 (canary): 5/5 done, 0 failed, 0 safety → promoted`. */
  summary: z.string(),
  figures: z.record(z.string(), z.unknown()),
  at: ApiTime,
});
export type DecisionView = z.infer<typeof DecisionView>;

/** `POST /v1/rollouts`: a rollout of a migration revision (latest when absent) along a plan. */
export const CreateRolloutRequest = z.strictObject({
  migrationId: z.string().min(1).max(200),
  revision: z.number().int().min(1).optional(),
  name: z.string().min(1).max(200).optional(),
  plan: RolloutPlan,
  /** Start at once. @default false */
  start: z.boolean().default(false),
});
export type CreateRolloutRequest = z.input<typeof CreateRolloutRequest>;

/** `POST /v1/rollouts/:id/{start|pause|resume|promote|abort|retry}`; `pause` and `abort` need a reason. */
export const RolloutCommandRequest = z.strictObject({ reason: z.string().max(2000).optional() });

/** `GET /v1/rollouts/:id`: the rollout, its jobs by state and its decisions. */
export const RolloutDetail = z.object({
  rollout: RolloutView,
  jobs: z.record(z.string(), z.number().int()),
  decisions: z.array(DecisionView),
});
export type RolloutDetail = z.infer<typeof RolloutDetail>;

/** `GET /v1/rollouts`. */
export const RolloutList = z.object({ rollouts: z.array(RolloutView) });

/** Job states. */
export const JobState = z.enum([
  'queued',
  'ready',
  'offered',
  'running',
  'passed',
  'failed',
  'skipped',
  'error',
  'cancelled',
  'retried',
]);

/** One site's job in a rollout. */
export const JobView = z.object({
  id: z.string(),
  rolloutId: z.string(),
  site: z.string(),
  phaseIndex: z.number().int(),
  state: JobState,
  attempt: z.number().int(),
  agentId: z.string().nullable(),
  offeredAt: ApiTime.nullable(),
  startedAt: ApiTime.nullable(),
  leaseExpiresAt: ApiTime.nullable(),
  finishedAt: ApiTime.nullable(),
  reason: z.string(),
  safetyFailure: z.boolean(),
  createdAt: ApiTime,
  updatedAt: ApiTime,
});
export type JobView = z.infer<typeof JobView>;

/** `GET /v1/jobs`. */
export const JobList = z.object({ jobs: z.array(JobView) });

/** A committed verdict. */
export const VerdictView = z.object({
  jobId: z.string(),
  rolloutId: z.string(),
  site: z.string(),
  agentId: z.string(),
  outcome: z.enum(['passed', 'failed', 'skipped', 'error']),
  safetyFailure: z.boolean(),
  reason: z.string(),
  evidenceHash: z.string().nullable(),
  receivedAt: ApiTime,
  verdict: Verdict,
});
export type VerdictView = z.infer<typeof VerdictView>;

/** `GET /v1/jobs/:id`. */
export const JobDetail = z.object({ job: JobView, verdict: VerdictView.nullable() });

/** `GET /v1/verdicts?rollout=&site=`. */
export const VerdictList = z.object({ verdicts: z.array(VerdictView) });

import { z } from 'zod';
import { ApiVersion, Duration, Slug } from './common';

/** Which sites a phase takes, from the sites not yet in an earlier phase. */
export const SiteSelector = z
  .strictObject({
    /** Sites carrying all of these tags. */
    tags: z.array(z.string().min(1)).optional(),
    /** Exactly these sites. */
    sites: z.array(Slug).optional(),
    /** At most this many sites of the remainder. */
    count: z.number().int().min(1).optional(),
    /** This percentage of the remainder (rounded up). */
    percent: z.number().gt(0).max(100).optional(),
    /** Everything that remains. */
    rest: z.literal(true).optional(),
  })
  .refine((s) => Object.keys(s).length > 0, 'a selector needs tags, sites, count, percent or rest');

/** The gates judged before a phase may be promoted. */
export const Gates = z.strictObject({
  /** Completed sites needed before judging. */
  minSample: z.number().int().min(0).default(1),
  /** Failed verdicts (of completed) above this percentage halt the rollout. */
  maxFailurePercent: z.number().min(0).max(100).default(0),
  /** Safety failures allowed: 0 halts at the first. */
  maxSafetyFailures: z.number().int().min(0).default(0),
  /** Wait after the last verdict before promoting. */
  soak: Duration.default(0),
  /** A person promotes this phase. */
  requireApproval: z.boolean().default(false),
  /** The phase pauses when not complete by then (duration from its start). */
  deadline: Duration.optional(),
  /**
   * The phase promotes only once every site that passed is deployed and watched
   * (the last phase always waits for that, unless the plan's `until` is `verified`).
   */
  requireDeployed: z.boolean().default(false),
  /** Deploys rolled back (by a person or by a post-deploy watch) allowed: 0 halts at the first. */
  maxRollbacks: z.number().int().min(0).default(0),
  /**
   * Protocol cutover: divergences the sites' stage reports may count (over all sites, each
   * site's highest since the phase started). The phase also waits until every site has
   * reported after `soak` from the phase's start. Not judged when absent.
   */
  maxStageDivergences: z.number().int().min(0).optional(),
});

/** The shadow time a phase requires of its candidates (`shadow: { minDuration: 2h, maxDivergences: 0 }`). */
const ShadowGate = z.strictObject({
  /** Live shadow time needed before the report counts. */
  minDuration: Duration,
  /** Divergences the report may show; more fails the site. */
  maxDivergences: z.number().int().min(0).default(0),
  /** Run the shadow before a person approves the change, or after. @default 'after-approval' */
  when: z.enum(['before-approval', 'after-approval']).default('after-approval'),
});

/**
 * Sites started per minute: constant (`incrementFactor: 1`), or exponential — the rate is
 * multiplied by `incrementFactor` after every `increaseEvery` sites that passed, so the ramp
 * is gated on successes (AWS IoT Jobs' exponential rollout).
 */
const StartRate = z.strictObject({
  perMinute: z.number().int().min(1).max(10_000),
  incrementFactor: z.number().min(1).max(5).default(1),
  increaseEvery: z.number().int().min(1).default(1),
  maxPerMinute: z.number().int().min(1).max(100_000).optional(),
});

/** One phase of a rollout. */
export const Phase = z.strictObject({
  name: z.string().min(1),
  select: SiteSelector,
  /** Sites in flight at once. */
  concurrency: z.number().int().min(1).default(5),
  gates: Gates.default({
    minSample: 1,
    maxFailurePercent: 0,
    maxSafetyFailures: 0,
    soak: 0,
    requireApproval: false,
    requireDeployed: false,
    maxRollbacks: 0,
  }),
  /** Offer jobs only inside the site's maintenance windows. */
  respectMaintenanceWindows: z.boolean().default(false),
  /**
   * Post-deploy watch: a deploy counts as `watched` once it has stayed deployed this long
   * (the agent shadows the new live program with the old one meanwhile and rolls back on
   * an unexplained divergence, a comm loss or a PLC fault). Absent or 0: deployed is watched.
   */
  watch: Duration.optional(),
  /** Shadow time the candidate must run against the site's live PLC before it may be deployed. */
  shadow: ShadowGate.optional(),
  /** How fast sites start (AWS IoT Jobs' rollout rate); only `concurrency` limits them when absent. */
  startRate: StartRate.optional(),
});

/** A rollout plan: ordered phases, timeouts and retries (YAML or JSON). */
export const RolloutPlan = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('RolloutPlan'),
  name: z.string().min(1).optional(),
  phases: z.array(Phase).min(1),
  /** A job not finished in this time is failed (and retried if attempts remain). */
  jobTimeout: Duration.default(900_000),
  /** Attempts per site after the first (expired leases, errors). */
  retries: z.number().int().min(0).max(10).default(2),
  /** Lease an agent holds between heartbeats. */
  lease: Duration.default(60_000),
  /** Migrate sites whose live program drifted from the released one (default: skip them, reason `drift`). */
  allowDrift: z.boolean().default(false),
  /**
   * When the rollout is `completed`: `watched` (when absent) once every selected site is
   * deployed and watched (skipped sites need nothing), or closed by a person; `verified`
   * once the verdicts are in, for a rollout that only verifies and deploys nothing.
   */
  until: z.enum(['watched', 'verified']).optional(),
});
export type RolloutPlan = z.infer<typeof RolloutPlan>;
export type Phase = z.infer<typeof Phase>;

/*
 * Deploy outcomes of a rollout's phases (`GET /v1/rollouts/:id/progress`). Kept here beside
 * the plan they judge; the figures the verdict gates read are in `api/allowed-actions`.
 */

/** Sites of a phase by how far their change went. */
export const PhaseOutcomeCounts = z.object({
  /** Sites in the phase (cancelled and retried jobs are not). */
  sites: z.number().int(),
  /** Passed verification (verdict `passed`). */
  verified: z.number().int(),
  /** Change request approved. */
  approved: z.number().int(),
  /** Running the change (deploy `deployed`, watched or not yet). */
  deployed: z.number().int(),
  /** Deployed and through the phase's watch period. */
  watched: z.number().int(),
  /** Deploy rolled back. */
  rolledBack: z.number().int(),
  /**
   * Of `rolledBack`, those the agent's post-deploy watch rolled back because it could not show
   * the program behaves as approved (its report's `rollback` is `inconclusive`, ADR 0179) rather
   * than because it saw it misbehave: the change may be sound and the watch needs a look. An
   * older agent's untagged report is not counted here.
   */
  rolledBackInconclusive: z.number().int().default(0),
  /** Deploy refused or failed at the site. */
  deployFailed: z.number().int(),
  /** Skipped (preconditions not met): nothing to deploy. */
  skipped: z.number().int(),
  /** Approved deploys the site's agent put off because the line said it was busy (`watch.deferWhile`). */
  deferred: z.number().int().default(0),
});
export type PhaseOutcomeCounts = z.infer<typeof PhaseOutcomeCounts>;

/** What a phase waits for now. */
export const PhaseWait = z.enum([
  /** Verdicts of sites still queued or running. */
  'verdicts',
  /** A maintenance window before jobs are offered or a deploy runs. */
  'window',
  /** Shadow time of candidates at their sites. */
  'shadow',
  /** A person to approve change requests, or to promote the phase. */
  'approval',
  /** Approved changes to be deployed by their agents. */
  'deploy',
  /** Deploys the site put off: the line says it is busy (a batch running). */
  'line-busy',
  /** Deployed changes to finish their watch period. */
  'watch',
  /** The soak time after the last result. */
  'soak',
  /** Failed, rejected or rolled-back sites: retry them or close the rollout. */
  'retry-or-close',
  /** A person to resume the paused rollout. */
  'resume',
  /** A site's agent to be upgraded: it lacks a capability the phase needs (`shadow` for a shadow gate). */
  'agent-upgrade',
]);
export type PhaseWait = z.infer<typeof PhaseWait>;

/** Where a phase stands, for people: the rollout state where it overrides (paused, halted). */
export const PhaseStatus = z.enum([
  'not-started',
  'dispatching',
  'soaking',
  'awaiting-approval',
  'awaiting-shadow',
  'awaiting-deploy',
  'watching',
  'paused',
  'halted',
  'aborted',
  'done',
]);
export type PhaseStatus = z.infer<typeof PhaseStatus>;

/** One phase's deploy outcomes and what it waits for. */
export const PhaseOutcomeView = z.object({
  index: z.number().int(),
  name: z.string(),
  status: PhaseStatus,
  waitsFor: z.array(PhaseWait),
  /** One line: `2 verified, 1 approved, 1 deployed, 0 watched, 0 rolled back; waits for approval, watch`. */
  summary: z.string(),
  counts: PhaseOutcomeCounts,
  /** What the phase's shadow gate says (`shadow: 1 of 2 site(s) passed, 1 running (40 of 120 s)`); null without one. */
  shadow: z.string().nullable().default(null),
  /** Sites whose work is held, with why (`s1: agent agt-1 (0.9.0) does not declare capability shadow …`); absent from older control planes. */
  held: z.array(z.string()).optional(),
});
export type PhaseOutcomeView = z.infer<typeof PhaseOutcomeView>;

/** `GET /v1/rollouts/:id/progress`: every phase with its deploy outcomes and what it waits for. */
export const RolloutProgress = z.object({
  rolloutId: z.string(),
  /** Every selected site is deployed and watched (or skipped). */
  settled: z.boolean(),
  phases: z.array(PhaseOutcomeView),
});
export type RolloutProgress = z.infer<typeof RolloutProgress>;

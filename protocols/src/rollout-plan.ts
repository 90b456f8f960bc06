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
  }),
  /** Offer jobs only inside the site's maintenance windows. */
  respectMaintenanceWindows: z.boolean().default(false),
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
});
export type RolloutPlan = z.infer<typeof RolloutPlan>;
export type Phase = z.infer<typeof Phase>;

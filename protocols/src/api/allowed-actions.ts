import { z } from 'zod';

/**
 * Whether the signed-in user may do one action now, and if not why: the code and
 * message the server would answer the action with (`FORBIDDEN`, `FOUR_EYES`,
 * `CONFLICT`, `SAFETY_REJECTED`). Computed by the same checks the action's route runs.
 */
export const ActionAllowance = z.object({
  allowed: z.boolean(),
  /**
   * Whether the action's route takes the caller's role at all: a page hides an action
   * never offered to the role, and shows one refused for now (four-eyes, state) disabled.
   */
  offered: z.boolean(),
  /** The action's route refuses it without a reason (rollout `pause` and `abort`); absent otherwise. */
  needsReason: z.boolean().optional(),
  /** The refusal's error code; absent when allowed. */
  code: z.string().optional(),
  /** The refusal's message; empty when allowed. */
  reason: z.string(),
});
export type ActionAllowance = z.infer<typeof ActionAllowance>;

/** `GET /v1/change-requests/:id/allowed-actions`: what the caller may do with a change request. */
export const ChangeRequestAllowedActions = z.object({
  changeRequestId: z.string(),
  actions: z.object({ approve: ActionAllowance, reject: ActionAllowance }),
});
export type ChangeRequestAllowedActions = z.infer<typeof ChangeRequestAllowedActions>;

/** The numbers of one phase that its gates are judged on, as the rollout engine counts them. */
export const PhaseFiguresView = z.object({
  /** Sites in the phase (cancelled and retried jobs are not). */
  total: z.number().int(),
  /** Sites with a final result (passed, failed, skipped, error). */
  done: z.number().int(),
  passed: z.number().int(),
  /** Failed or error. */
  failed: z.number().int(),
  skipped: z.number().int(),
  /** Verdicts with a safety failure. */
  safety: z.number().int(),
  /** Offered or running. */
  inFlight: z.number().int(),
});
export type PhaseFiguresView = z.infer<typeof PhaseFiguresView>;

/** What the gates say of a phase now (the engine acts on it only while the rollout runs). */
export const GateDecisionView = z.object({
  kind: z.enum(['continue', 'halt', 'pause', 'soak', 'await-approval', 'promote']),
  /** Why, for `halt` and `pause`. */
  why: z.string().optional(),
  /** End of the soak, for `soak`. */
  until: z.string().optional(),
});
export type GateDecisionView = z.infer<typeof GateDecisionView>;

/** One phase of a rollout with its figures; the current phase also with what its gates say. */
export const PhaseProgressView = z.object({
  index: z.number().int(),
  name: z.string(),
  figures: PhaseFiguresView,
  /** Only for the rollout's current phase. */
  decision: GateDecisionView.optional(),
});
export type PhaseProgressView = z.infer<typeof PhaseProgressView>;

/**
 * `GET /v1/rollouts/:id/allowed-actions`: what the caller may do with a rollout (its
 * commands and a rollback), and the figures its gates judge per phase, so a page
 * draws controls and progress from the server's rules and numbers.
 */
export const RolloutAllowedActions = z.object({
  rolloutId: z.string(),
  actions: z.object({
    start: ActionAllowance,
    pause: ActionAllowance,
    resume: ActionAllowance,
    promote: ActionAllowance,
    abort: ActionAllowance,
    retry: ActionAllowance,
    close: ActionAllowance,
    rollback: ActionAllowance,
  }),
  phases: z.array(PhaseProgressView),
});
export type RolloutAllowedActions = z.infer<typeof RolloutAllowedActions>;

import { z } from 'zod';
import { Sha256 } from './common';

/** A compile diagnostic (ST front end). */
export const Diagnostic = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string(),
  message: z.string(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

/** The fixed safety finding categories. */
export const SafetyCategory = z.enum([
  'estop',
  'safety-logic',
  'permissive',
  'timing',
  'certified',
  'forcing',
  'scope',
  'quality',
]);
export type SafetyCategory = z.infer<typeof SafetyCategory>;

/** One finding of the safety verifier. */
export const SafetyFinding = z.object({
  rule: z.string(),
  category: SafetyCategory,
  severity: z.enum(['error', 'warning', 'info']),
  file: z.string(),
  line: z.number().int(),
  message: z.string(),
  evidence: z.unknown().optional(),
});
export type SafetyFinding = z.infer<typeof SafetyFinding>;

/** A counterexample of a differential simulation. */
export const Counterexample = z.object({
  scan: z.number().int(),
  variable: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  inputs: z.array(z.record(z.string(), z.unknown())),
});

/** A property the verifier proved or refuted by simulation. */
export const SafetyProof = z.object({
  kind: z.enum(['permissive', 'equivalence', 'estop']),
  subject: z.string(),
  result: z.enum(['proven', 'refuted', 'inconclusive']),
  method: z.enum(['exhaustive', 'random', 'scenario', 'static']),
  runs: z.number().int(),
  scans: z.number().int(),
  counterexample: Counterexample.nullable().default(null),
});

/** Scenario outcome. */
export const ScenarioResult = z.object({
  name: z.string(),
  passed: z.boolean(),
  failures: z
    .array(z.object({ expectation: z.string(), scan: z.number().int(), message: z.string() }))
    .default([]),
});

/** Differential equivalence outcome (same shape as `plcfleet-agent equiv --json`). */
export const EquivalenceResult = z.object({
  equivalent: z.boolean(),
  runs: z.number().int(),
  scans: z.number().int(),
  seed: z.number().int(),
  counterexample: Counterexample.nullable(),
});

/** A judge's decision. */
export const JudgeResult = z.object({
  judge: z.enum(['scope', 'llm']),
  verdict: z.enum(['pass', 'veto']),
  findings: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      file: z.string().optional(),
      line: z.number().int().optional(),
    }),
  ),
});

/** Everything behind a verdict, for people and for the rollout gates. */
export const Evidence = z.object({
  diagnostics: z.array(Diagnostic).default([]),
  safety: z
    .object({
      verdict: z.enum(['pass', 'fail', 'not-run']),
      findings: z.array(SafetyFinding),
      proofs: z.array(SafetyProof),
    })
    .default({ verdict: 'not-run', findings: [], proofs: [] }),
  scenarios: z.array(ScenarioResult).default([]),
  equivalence: EquivalenceResult.nullable().default(null),
  judges: z.array(JudgeResult).default([]),
  /** Unified diff of the change (empty when nothing changed). */
  diff: z.string().default(''),
  sha256Before: Sha256.nullable().default(null),
  sha256After: Sha256.nullable().default(null),
  transformer: z.enum(['recipe', 'claude', 'none']).default('none'),
  turns: z.number().int().default(0),
  tokens: z.object({ input: z.number().int(), output: z.number().int() }).default({ input: 0, output: 0 }),
  /** Milliseconds per phase; excluded from the evidence hash (not deterministic). */
  timings: z.record(z.string(), z.number()).default({}),
  /** SHA-256 of the canonical evidence without `timings` and this field: same inputs and seed → same hash. */
  evidenceHash: Sha256.nullable().default(null),
});
export type Evidence = z.infer<typeof Evidence>;

/** The outcome of one job at one site. */
export const VerdictOutcome = z.enum(['passed', 'failed', 'skipped', 'error']);
export type VerdictOutcome = z.infer<typeof VerdictOutcome>;

/** The verdict an agent reports for a job. */
export const Verdict = z.object({
  jobId: z.string().min(1),
  site: z.string().min(1),
  migrationId: z.string().min(1),
  revision: z.number().int().min(1),
  outcome: VerdictOutcome,
  /** One line: why (the first failing check, the skip reason, the error). */
  reason: z.string().default(''),
  /** True when the safety verifier rejected the change (a safety failure for the rollout gates). */
  safetyFailure: z.boolean().default(false),
  evidence: Evidence,
});
export type Verdict = z.infer<typeof Verdict>;

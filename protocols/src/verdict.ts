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

/** A front-end diagnostic as verdicts and `compile --json` carry it: these fields only (no file offsets). */
export function diagnosticView(d: Diagnostic): Diagnostic {
  return {
    file: d.file,
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

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
  /** The relation that judged `variable` when it inherits one from a signal it is computed from (`Safety_OK: new -> old`). */
  relatedSignal: z.string().optional(),
});

/**
 * What a claim rests on. `proved`: the search was exhaustive over the inputs
 * and states that matter; `not-refuted`: a finite (random) search found no
 * counterexample, which is evidence, not proof; `refuted`: a counterexample
 * exists; `undecided`: the check could not be run to an answer.
 */
export const ProofClaim = z.enum(['proved', 'not-refuted', 'refuted', 'undecided']);
export type ProofClaim = z.infer<typeof ProofClaim>;

/** A property the verifier proved or refuted by simulation. */
export const SafetyProof = z.object({
  kind: z.enum(['permissive', 'equivalence', 'estop']),
  subject: z.string(),
  /** Kept for older readers: `proven` only means no counterexample was found; read `claim`. */
  result: z.enum(['proven', 'refuted', 'inconclusive']),
  method: z.enum(['exhaustive', 'random', 'scenario', 'static']),
  runs: z.number().int(),
  scans: z.number().int(),
  counterexample: Counterexample.nullable().default(null),
  /** What the result rests on; absent in verdicts of older agents ({@link proofClaim} derives it). */
  claim: ProofClaim.optional(),
  /** Seed of the simulated inputs (absent in older verdicts). */
  seed: z.number().int().optional(),
  /** One line: the ground of the claim, read after the claim (`not refuted` + ` in 32 runs × 200 scans (seed 42)`). */
  basis: z.string().optional(),
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
  /** What `equivalent` rests on: seeded random runs give `not-refuted`, never `proved` (absent in older verdicts). */
  claim: ProofClaim.optional(),
  /**
   * The ground of the claim when it is not the runs (read after the claim): a tag-change whose
   * renames, undone, give the program as read is `proved` `by identity: …` with 0 runs.
   */
  basis: z.string().max(500).optional(),
});

/**
 * The claim of a proof or an equivalence result, for verdicts that carry
 * `claim` and for older ones that do not: only an exhaustive search proves.
 *
 * @example proofClaim({ result: 'proven', method: 'random' }) // 'not-refuted'
 */
export function proofClaim(p: {
  claim?: ProofClaim | undefined;
  result?: 'proven' | 'refuted' | 'inconclusive';
  method?: string;
  equivalent?: boolean;
  counterexample?: unknown;
}): ProofClaim {
  if (p.claim) return p.claim;
  if (p.equivalent !== undefined)
    return p.equivalent ? 'not-refuted' : p.counterexample ? 'refuted' : 'undecided';
  if (p.result === 'refuted') return 'refuted';
  if (p.result === 'inconclusive') return 'undecided';
  return p.method === 'exhaustive' ? 'proved' : 'not-refuted';
}

/** How each claim reads in the CLI, the change review and the compliance report. */
export const CLAIM_LABELS = {
  proved: 'proved',
  'not-refuted': 'not refuted',
  refuted: 'refuted',
  undecided: 'undecided',
} as const satisfies Record<ProofClaim, string>;

/**
 * One line saying what a claim rests on, the same in the CLI, the change
 * review and the compliance report: the claim, then its basis (the verifier's
 * own line when the proof carries one, else the runs, scans and seed).
 *
 * @example claimText({ claim: 'not-refuted', runs: 32, scans: 200, seed: 42 })
 * // 'not refuted in 32 runs × 200 scans (seed 42)'
 */
export function claimText(p: {
  claim?: ProofClaim | undefined;
  result?: 'proven' | 'refuted' | 'inconclusive';
  method?: string;
  runs: number;
  scans: number;
  seed?: number | undefined;
  basis?: string | undefined;
  equivalent?: boolean;
  counterexample?: { scan: number; variable: string } | null | undefined;
}): string {
  const claim = proofClaim(p);
  if (p.basis) return `${CLAIM_LABELS[claim]} ${p.basis}`;
  const seed = p.seed !== undefined ? ` (seed ${p.seed})` : '';
  const runs = `${p.runs} run${p.runs === 1 ? '' : 's'}`;
  // An equivalence result counts scans per run; a proof counts every scan of every run.
  const search =
    p.equivalent !== undefined
      ? `in ${runs} × ${p.scans} scans${seed}`
      : `in ${runs}, ${p.scans} scans in all${seed}`;
  if (claim === 'refuted' && p.counterexample)
    return `refuted at scan ${p.counterexample.scan} (${p.counterexample.variable}) ${search}`;
  if (claim === 'proved') return `proved by ${p.method ?? 'exhaustive'} search (${p.runs} steps)`;
  return `${CLAIM_LABELS[claim]} ${search}`;
}

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
  /**
   * Ladder-to-ST migrations: each routine converted or refused, the shape of
   * `plcfleet-agent ladder-to-st --json` (issue 18). Absent for other kinds, so
   * evidence written before it hashes as it did.
   */
  routines: z
    .array(
      z.object({
        /** `PROGRAM/ROUTINE` (a PLCopen POU `N` is `N/body`). */
        name: z.string(),
        converted: z.boolean(),
        equivalent: z.boolean(),
        runs: z.number().int().nonnegative(),
        scans: z.number().int().nonnegative(),
        /** Shrunk inputs that tell the ladder and the ST apart, or null. */
        counterexample: z.unknown().nullable(),
        /** Why the routine stays ladder, or null. */
        reason: z.string().nullable(),
      }),
    )
    .optional(),
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

/**
 * Where an agent put a passed verdict's change in the site's Git repository (issue #22):
 * the branch it pushed and its commit, or why the push failed. Not part of the evidence
 * (the evidence file is committed on that branch, so it cannot name the commit).
 */
const VerdictChange = z.object({
  /** The repository as shown to people (credentials replaced by `***`). */
  repository: z.string().max(2000),
  branch: z.string().min(1).max(255),
  /** The pushed commit; absent when the push failed. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
    .optional(),
  /** Why the push failed; the verdict stands. */
  error: z.string().max(2000).optional(),
});

/** The verdict an agent reports for a job. */
export const Verdict = z.object({
  jobId: z.string().min(1).max(200),
  site: z.string().min(1).max(200),
  migrationId: z.string().min(1).max(200),
  revision: z.number().int().min(1),
  outcome: VerdictOutcome,
  /** One line: why (the first failing check, the skip reason, the error). */
  reason: z.string().default(''),
  /** True when the safety verifier rejected the change (a safety failure for the rollout gates). */
  safetyFailure: z.boolean().default(false),
  evidence: Evidence,
  /** The change branch and commit in the site's Git repository (absent for other sources and older agents). */
  change: VerdictChange.optional(),
});
export type Verdict = z.infer<typeof Verdict>;

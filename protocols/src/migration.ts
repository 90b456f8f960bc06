import { z } from 'zod';
import { ApiVersion, Duration, PlcName, Slug, VersionRange } from './common';
import { TagMap } from './tag-map';

/** A code pattern matched on the AST: a POU/FB type that is instantiated or called, or an ST pattern with `$metavariables`. */
export const CodePattern = z.union([
  z.strictObject({ pou: z.string().min(1) }),
  z.strictObject({ st: z.string().min(1) }),
]);
export type CodePattern = z.infer<typeof CodePattern>;

const note = { note: z.string().max(2000).optional() };

/** One machine-checkable precondition, with an optional free-text note for people. */
export const Condition = z.union([
  z.strictObject({ firmware: VersionRange, ...note }),
  z.strictObject({ uses: CodePattern, ...note }),
  z.strictObject({ notUses: CodePattern, ...note }),
  z.strictObject({ siteTag: z.string().min(1), ...note }),
  z.strictObject({ certifiedSafetyPlc: z.boolean(), ...note }),
]);
export type Condition = z.infer<typeof Condition>;

/** A declaration a recipe adds where its template needs it. */
export const RecipeDeclaration = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  section: z.enum(['VAR', 'VAR_INPUT', 'VAR_OUTPUT', 'VAR_GLOBAL']).default('VAR'),
  init: z.string().optional(),
});

/** A deterministic AST rewrite: an ST pattern with `$metavariables` and its replacement template. */
export const RecipeRule = z.strictObject({
  name: z.string().min(1),
  match: z.string().min(1),
  replace: z.string(),
  /** Declarations added to the POU where the rule applied (`$`-names are expanded). */
  declare: z.array(RecipeDeclaration).default([]),
  /** Variables whose declared type changes where the rule applied (e.g. an FB instance swapped for another block). */
  retype: z.array(z.strictObject({ name: z.string().min(1), type: z.string().min(1) })).default([]),
});

/** A scenario: inline (a scenario YAML document) or a path relative to the migration file. */
export const ScenarioRef = z.union([
  z.strictObject({ file: z.string().min(1) }),
  z.record(z.string(), z.unknown()),
]);

/** How the old and new programs must compare under differential simulation. */
export const EquivalenceCriteria = z.strictObject({
  /** PROGRAM to compare; every PROGRAM touched by the change when absent. */
  program: z.string().optional(),
  /** Inputs restricted by these ST boolean expressions, e.g. `Guard_Sensor_Redundant = Guard_Sensor`. */
  assumptions: z.array(z.string().min(1)).default([]),
  /** Outputs excluded from the comparison. */
  allowedDifferences: z.array(PlcName).default([]),
  /** A relation replacing equality for an output: `Safety_OK: new -> old`. */
  relations: z
    .array(
      z
        .string()
        .regex(/^\s*[A-Za-z_][\w.]*\s*:\s*new\s*(->|<-|=)\s*old\s*$/, 'expected "Output: new -> old"'),
    )
    .default([]),
  seed: z.number().int().default(1),
  runs: z.number().int().min(1).max(100_000).default(200),
  scans: z.number().int().min(1).max(1_000_000).default(500),
});

/** What a change must pass to be `passed`. */
export const SuccessCriteria = z.strictObject({
  compile: z.boolean().default(true),
  safety: z.boolean().default(true),
  scenarios: z.array(ScenarioRef).default([]),
  equivalence: EquivalenceCriteria.optional(),
  judge: z
    .strictObject({ scope: z.literal(true).default(true), llm: z.boolean().default(false) })
    .default({ scope: true, llm: false }),
});

/** Protocol cutover settings (type `protocol-cutover`). */
export const CutoverSpec = z.strictObject({
  tagMap: z.union([TagMap, z.strictObject({ file: z.string().min(1) })]),
  /** Soak time in `parallel` before cutover is allowed. */
  soak: Duration.default(600_000),
  /** Divergences over the soak that roll the stage back. */
  maxDivergences: z.number().int().min(0).default(0),
});

/** A migration definition: the immutable unit the control plane distributes (a new version is a new revision). */
export const Migration = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('Migration'),
    id: Slug,
    revision: z.number().int().min(1).default(1),
    title: z.string().min(1).max(300),
    type: z.enum(['code', 'protocol-cutover']),
    safetyClass: z.enum(['non-safety', 'safety-related']),
    /** The natural-language end state. */
    goal: z.string().min(1).max(20_000),
    preconditions: z
      .strictObject({ onlyIf: z.array(Condition).default([]), skipIf: z.array(Condition).default([]) })
      .default({ onlyIf: [], skipIf: [] }),
    examples: z
      .array(z.strictObject({ name: z.string().optional(), before: z.string(), after: z.string() }))
      .default([]),
    recipe: z.strictObject({ rules: z.array(RecipeRule).min(1) }).optional(),
    successCriteria: SuccessCriteria.default({
      compile: true,
      safety: true,
      scenarios: [],
      judge: { scope: true, llm: false },
    }),
    scope: z.strictObject({
      /** POU name globs (case-insensitive) the change may touch. */
      pous: z.array(z.string().min(1)).default(['*']),
      /** File globs relative to the project root. */
      files: z.array(z.string().min(1)).default(['**']),
      maxChangedLines: z.number().int().min(1).default(200),
    }),
    limits: z
      .strictObject({
        maxTurns: z.number().int().min(1).max(100).default(10),
        tokenBudget: z.number().int().min(1000).default(200_000),
        wallClock: Duration.default(600_000),
        sessions: z.number().int().min(1).max(10).default(3),
      })
      .default({ maxTurns: 10, tokenBudget: 200_000, wallClock: 600_000, sessions: 3 }),
    cutover: CutoverSpec.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'protocol-cutover' && !m.cutover)
      ctx.addIssue({
        code: 'custom',
        path: ['cutover'],
        message: 'a protocol-cutover migration needs a cutover section with its tag map',
      });
    if (m.type === 'code' && m.cutover)
      ctx.addIssue({
        code: 'custom',
        path: ['cutover'],
        message: 'only protocol-cutover migrations carry a cutover section',
      });
  });
export type Migration = z.infer<typeof Migration>;
/** A migration as written in a file, before defaults are applied. */
export type MigrationInput = z.input<typeof Migration>;

import { z } from 'zod';
import { ApiVersion, Duration, PlcName, Slug, VersionRange, VersionString } from './common';
import { ModbusTable, TagMap } from './tag-map';

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
  /** The site's installed version of a library (site facts `libraries`) is in the range. */
  z.strictObject({ library: z.strictObject({ name: z.string().min(1), version: VersionRange }), ...note }),
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

/** The kinds of migration; the executor refuses a type it has no module for. */
export const MigrationType = z.enum([
  'code',
  'protocol-cutover',
  'ladder-to-st',
  'tag-change',
  'library-update',
]);
export type MigrationType = z.infer<typeof MigrationType>;

/**
 * One tag change of a `tag-change` migration: a rename (`from` → `to`), optionally
 * a retype and a new address in the tag map. `from` may be qualified
 * (`GVL_IO.Press_Enable`, `Main.Counter`); `to` is the new name, bare or with the same qualifier.
 */
export const TagChange = z
  .strictObject({
    from: PlcName,
    to: PlcName,
    /** New declared type (an IEC elementary type name, e.g. `BOOL`, `DINT`). */
    type: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a type name such as BOOL or DINT')
      .optional(),
    /** New Modbus address in the tag maps (the type stays the tag map's, or `type`). */
    modbus: z.strictObject({ table: ModbusTable, address: z.number().int().min(0).max(65535) }).optional(),
    /** New OPC UA node in the tag maps. */
    opcua: z.strictObject({ nodeId: z.string().min(1), browseName: z.string().min(1).optional() }).optional(),
  })
  .superRefine((c, ctx) => {
    const qualifier = (n: string) => n.split('.').slice(0, -1).join('.').toLowerCase();
    if (c.to.includes('.') && qualifier(c.to) !== qualifier(c.from))
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `"${c.to}" moves the tag to another scope; a rename keeps the qualifier of "${c.from}" (write the new name bare)`,
      });
  });
export type TagChange = z.infer<typeof TagChange>;

/** The library a `library-update` migration moves from one version to another. */
export const LibraryUpdate = z.strictObject({
  name: z.string().min(1).max(200),
  /** Versions the site may have now (e.g. `>=3.3 <3.4`). */
  from: VersionRange,
  /** The version it gets. */
  to: VersionString,
});
export type LibraryUpdate = z.infer<typeof LibraryUpdate>;

/** A migration definition: the immutable unit the control plane distributes (a new version is a new revision). */
export const Migration = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('Migration'),
    id: Slug,
    revision: z.number().int().min(1).default(1),
    title: z.string().min(1).max(300),
    type: MigrationType,
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
      /** `ladder-to-st` only: the ladder routines to convert, as `PROGRAM/ROUTINE` globs (`MainProgram/*`). */
      routines: z
        .array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected "PROGRAM/ROUTINE" (globs allowed)'))
        .optional(),
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
    /** `tag-change` only: the renames, retypes and re-addresses, applied in order. */
    tagChanges: z.array(TagChange).min(1).optional(),
    /** `library-update` only: the library and its versions. */
    library: LibraryUpdate.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'protocol-cutover' && !m.cutover)
      ctx.addIssue({
        code: 'custom',
        path: ['cutover'],
        message: 'a protocol-cutover migration needs a cutover section with its tag map',
      });
    if (m.type !== 'protocol-cutover' && m.cutover)
      ctx.addIssue({
        code: 'custom',
        path: ['cutover'],
        message: 'only protocol-cutover migrations carry a cutover section',
      });
    const only = (field: 'tagChanges' | 'library' | 'routines', type: MigrationType, what: string) => {
      const present = field === 'routines' ? m.scope.routines !== undefined : m[field] !== undefined;
      const path = field === 'routines' ? ['scope', 'routines'] : [field];
      if (m.type === type && !present)
        ctx.addIssue({ code: 'custom', path, message: `a ${type} migration needs ${what}` });
      if (m.type !== type && present)
        ctx.addIssue({ code: 'custom', path, message: `only ${type} migrations carry ${field}` });
    };
    only('tagChanges', 'tag-change', 'tagChanges (at least one { from, to })');
    only('library', 'library-update', 'a library section { name, from, to }');
    only('routines', 'ladder-to-st', 'scope.routines (PROGRAM/ROUTINE globs)');
    // Two changes of one name, or two names onto one, cannot both be applied.
    const seen = new Map<string, number>();
    m.tagChanges?.forEach((c, i) => {
      for (const [key, field] of [
        [`from:${c.from.toLowerCase()}`, 'from'],
        [`to:${c.to.toLowerCase()}`, 'to'],
      ] as const) {
        const j = seen.get(key);
        if (j !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['tagChanges', i, field],
            message: `"${c[field]}" is also tagChanges[${j}].${field}`,
          });
        seen.set(key, i);
      }
    });
    m.tagChanges?.forEach((c, i) => {
      const j = m.tagChanges!.findIndex((o) => o.from.toLowerCase() === c.to.toLowerCase());
      if (j >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['tagChanges', i, 'to'],
          message: `"${c.to}" is renamed itself by tagChanges[${j}]; chained renames are written as one change`,
        });
    });
  });
export type Migration = z.infer<typeof Migration>;
/** A migration as written in a file, before defaults are applied. */
export type MigrationInput = z.input<typeof Migration>;

/**
 * The migration executor: read → preconditions → transform (inner loop:
 * edit → compile → quick safety) → outer loop (compile, full safety, scenarios,
 * equivalence, judges) → a verdict with its evidence, written to a job folder.
 *
 * Deterministic: the same program, migration and seed give the same verdict and
 * evidence hash (timings are excluded from the hash; model-made changes are as
 * deterministic as the model).
 */
import { type Evidence, type Migration, type SiteFacts, type SitePolicy, Verdict } from '@plcfleet/protocols';
import { computeEvidenceHash } from '@plcfleet/protocols/signing';
import type { ScenarioFile } from '@plcfleet/toolchain/sim';
import { type JudgeResult, type LlmJudgeOptions, runLlmJudge } from '../judge';
import { hashProgram, type ProgramFile, type ProgramSource } from '../sources';
import {
  ModelServiceError,
  type ProgressEvent,
  type TraceEvent,
  type Transformer,
  type TransformResult,
  unifiedDiff,
} from '../transform';
import { writeJobFolder } from './job-folder';
import { type KindJob, migrationKind } from './kinds';
import { isLibraryFile, prepareLibraries, withLibraries } from './library-files';
import { plantFileGlobs, withPlantFiles } from './plant-files-source';
import { evaluatePreconditions } from './preconditions';
import { type CompileReport, createVerifiers, type Verifiers } from './verifiers';

/** Options of {@link runMigration}. */
export interface RunMigrationOptions {
  migration: Migration;
  /**
   * Where the program is read from (never written by this function). For a kind
   * that edits plant files (tag-change) a directory source is read with
   * `withPlantFiles(source, migration.scope.files)`; deploy through the same wrapper.
   */
  source: ProgramSource;
  /** The site's safety policy; nothing is protected without one. */
  policy?: SitePolicy | null;
  /** Facts for firmware / site-tag / certified-PLC preconditions; needed only when the migration has such conditions. */
  siteFacts?: SiteFacts | null;
  transformer: Transformer;
  /** The job folder; nothing is written when absent. */
  outDir?: string;
  /** Seed of every simulation. @default the migration's equivalence seed, else 1 */
  seed?: number;
  signal?: AbortSignal;
  /** Progress for a person (phase, turn, verifier). */
  onProgress?: (event: ProgressEvent) => void;
  /** @default `${migration.id}-r${revision}` */
  jobId?: string;
  /** @default siteFacts.site, else policy.site, else 'local' */
  site?: string;
  /** Resolved scenario files of `successCriteria.scenarios` (see `loadScenarioRefs`). @default [] */
  scenarios?: readonly ScenarioFile[];
  /** The LLM judge's model; required when the migration asks for `judge.llm`, used whenever the transformer is Claude. */
  llmJudge?: LlmJudgeOptions | null;
  /**
   * Library interfaces, `<Name>@<version>.st` (`--libraries DIR`): the program compiles with
   * the versions the site facts list; a `library-update` needs it (the new version's interface).
   */
  libraries?: string;
  /**
   * The build's define set (`--define`, agent.yaml's `defines`): the `{IF defined(...)}`
   * branches the simulations and proofs run; absent, a program with such branches fails closed
   * there (decision 0178).
   */
  defines?: readonly string[];
  /**
   * Receives the whole changed program (every file, plant files included; its hash is
   * `sha256After`) and the program as read (`sha256Before`) when the verdict is `passed` —
   * what a deploy writes and what a Git push compares it with, for every kind, including
   * those that use no transformer.
   */
  onPassedProgram?: (files: readonly ProgramFile[], before: readonly ProgramFile[]) => void;
  /** Verifiers (tests inject their own). @default createVerifiers({ migration, policy, seed }) */
  verifiers?: Verifiers;
}

/** Builds the verdict and evidence hash; the one place both are finished. */
function finishVerdict(
  base: { jobId: string; site: string; migration: Migration },
  outcome: Verdict['outcome'],
  reason: string,
  safetyFailure: boolean,
  evidence: Partial<Evidence>,
): Verdict {
  const v = Verdict.parse({
    jobId: base.jobId,
    site: base.site,
    migrationId: base.migration.id,
    revision: base.migration.revision,
    outcome,
    reason,
    safetyFailure,
    evidence,
  });
  v.evidence.evidenceHash = computeEvidenceHash(v.evidence);
  return v;
}

/**
 * Runs one migration on one program and returns the verdict (it never throws
 * for a bad program or a failed check; an unexpected failure is an `error`
 * verdict). The source is only read: writing back is the deployer's job, after
 * approval, checking `evidence.sha256After`.
 *
 * @example
 * const verdict = await runMigration({ migration, source: createDirectorySource('plant/'),
 *   policy, siteFacts, transformer: createRecipeTransformer(), outDir: 'jobs/42' });
 */
export async function runMigration(options: RunMigrationOptions): Promise<Verdict> {
  const { migration } = options;
  const base = {
    jobId: options.jobId ?? `${migration.id}-r${migration.revision}`,
    site: options.site ?? options.siteFacts?.site ?? options.policy?.site ?? 'local',
    migration,
  };
  const seed = options.seed ?? migration.successCriteria.equivalence?.seed ?? 1;
  const trace: TraceEvent[] = [];
  const timings: Record<string, number> = {};
  const progress = (phase: string, message: string, turn?: number) =>
    options.onProgress?.({ phase, message, ...(turn !== undefined ? { turn } : {}) });
  const t0 = performance.now();
  let mark = t0;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - mark) * 10) / 10;
    mark = now;
  };
  const kind = migrationKind(migration.type);
  const evidence: Partial<Evidence> = {
    transformer: 'refused' in kind ? 'none' : kind.transformerName(options),
    timings,
  };
  let changed: ProgramFile[] = [];

  const done = async (
    outcome: Verdict['outcome'],
    reason: string,
    safetyFailure = false,
  ): Promise<Verdict> => {
    timings.total = Math.round((performance.now() - t0) * 10) / 10;
    const verdict = finishVerdict(base, outcome, reason, safetyFailure, evidence);
    trace.push({ type: 'verdict', outcome, reason, evidenceHash: verdict.evidence.evidenceHash });
    progress('verdict', `${outcome}: ${reason}`);
    if (options.outDir) await writeJobFolder(options.outDir, { verdict, trace, changedFiles: changed });
    return verdict;
  };

  // A kind this agent does not know is never run as another kind.
  if ('refused' in kind) return await done('failed', kind.refused);
  try {
    let verifiers =
      options.verifiers ??
      createVerifiers({
        migration,
        seed,
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.scenarios?.length ? { scenarios: options.scenarios } : {}),
        ...(options.defines ? { defines: options.defines } : {}),
      });
    progress('read', `reading ${options.source.location}`);
    let files: ProgramFile[];
    try {
      const plantFiles = plantFileGlobs(migration);
      const source = plantFiles ? await withPlantFiles(options.source, plantFiles) : options.source;
      files = await source.read();
    } catch (err) {
      return await done('error', `cannot read the program: ${(err as Error).message}`);
    }
    evidence.sha256Before = hashProgram(files);
    trace.push({ type: 'read', files: files.length, sha256: evidence.sha256Before });
    const libraries = await prepareLibraries(migration, options.siteFacts?.libraries, options.libraries);
    if ('outcome' in libraries) return await done(libraries.outcome, libraries.reason);
    verifiers = withLibraries(verifiers, files, libraries.before, libraries.after);
    lap('read');

    progress('preconditions', 'checking preconditions');
    const before = verifiers.compile(files);
    const programParsed = before.parsed.filter((p) => !isLibraryFile(p.file.path));
    const pre = evaluatePreconditions(migration, programParsed, options.siteFacts ?? null);
    trace.push({ type: 'preconditions', result: pre });
    lap('preconditions');
    if (!pre.proceed) {
      if ('needsFacts' in pre) return await done('error', `${pre.reason}; none were given`);
      return await done('skipped', pre.reason);
    }
    if (!before.ok) {
      evidence.diagnostics = before.diagnostics;
      return await done('failed', `the program as read does not compile: ${firstError(before)}`);
    }

    const job: KindJob = {
      migration,
      files,
      before,
      verifiers,
      transformer: options.transformer,
      policy: options.policy ?? null,
      siteFacts: options.siteFacts ?? null,
      trace: (e) => trace.push(e),
      progress: (e) => options.onProgress?.(e),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    progress(
      'transform',
      evidence.transformer === 'none'
        ? `${migration.type} (deterministic)`
        : `transformer ${options.transformer.name}`,
    );
    let result: TransformResult;
    try {
      result = await kind.change(job);
    } catch (err) {
      if (err instanceof ModelServiceError) return await done('error', err.message);
      throw err;
    }
    evidence.turns = result.turns;
    evidence.tokens = { ...result.tokens };
    // Fields only this kind fills (ladder-to-st: the per-routine list), covered by the evidence hash.
    Object.assign(evidence, kind.evidence?.(result) ?? {});
    lap('transform');
    const original = new Map(files.map((f) => [f.path, f.text]));
    changed = result.files.filter((f) => original.get(f.path) !== f.text);
    if (changed.length === 0) return await done('failed', result.reason);
    evidence.diff = unifiedDiff(files, result.files);
    evidence.sha256After = hashProgram(result.files);

    // Outer loop: every check runs (when the program compiles) so the evidence is complete.
    const failures: string[] = result.outcome === 'changed' ? [] : [result.reason];
    progress('compile', 'compiling the changed program');
    const after = verifiers.compile(result.files);
    evidence.diagnostics = after.diagnostics;
    lap('compile');
    if (!after.ok)
      return await done(
        'failed',
        failures[0] ?? `the changed program does not compile: ${firstError(after)}`,
      );

    let safetyFailure = false;
    if (migration.successCriteria.safety) {
      progress('safety', 'full safety verification');
      const s = await verifiers.safety(before, after, 'full');
      evidence.safety = s;
      safetyFailure = s.verdict === 'fail';
      if (safetyFailure) {
        const f = s.findings.find((x) => x.severity === 'error');
        failures.push(`safety: ${f ? `${f.category}: ${f.message}` : 'rejected'}`);
      }
    }
    lap('safety');

    if (options.scenarios?.length) {
      progress('scenarios', `${options.scenarios.length} scenario file(s)`);
      evidence.scenarios = verifiers.scenarios(after, options.scenarios);
      const bad = evidence.scenarios.find((s) => !s.passed);
      if (bad) failures.push(`scenario ${bad.name} failed: ${bad.failures[0]?.message ?? ''}`);
    } else if (migration.successCriteria.scenarios.length)
      failures.push('the migration lists scenarios but none were loaded');
    lap('scenarios');

    progress('equivalence', 'differential simulation');
    const eq = await kind.equivalence(job, after, result);
    if (eq) {
      evidence.equivalence = eq;
      if (!eq.equivalent)
        failures.push(
          eq.counterexample
            ? `not equivalent: ${eq.counterexample.variable} differs at scan ${eq.counterexample.scan}`
            : 'equivalence could not be shown',
        );
    }
    lap('equivalence');

    progress('judge', 'scope judge');
    const judges: JudgeResult[] = [kind.scopeJudge(job, after, result)];
    const wantLlm = migration.successCriteria.judge.llm || options.transformer.name === 'claude';
    if (wantLlm && options.llmJudge) {
      progress('judge', 'LLM judge');
      try {
        const j = await runLlmJudge({
          migration,
          diff: evidence.diff,
          options: options.llmJudge,
          trace: (e) => trace.push(e),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        judges.push(j.result);
        evidence.tokens = {
          input: evidence.tokens.input + j.tokens.input,
          output: evidence.tokens.output + j.tokens.output,
        };
      } catch (err) {
        evidence.judges = judges;
        return await done('error', `LLM judge request failed: ${(err as Error).message}`, safetyFailure);
      }
    } else if (migration.successCriteria.judge.llm)
      judges.push({
        judge: 'llm',
        verdict: 'veto',
        findings: [
          {
            code: 'llm-not-configured',
            message: 'the migration asks for an LLM judge and no model is configured',
          },
        ],
      });
    evidence.judges = judges;
    for (const j of judges)
      if (j.verdict === 'veto') failures.push(`${j.judge} judge vetoed: ${j.findings[0]?.message ?? ''}`);
    lap('judges');

    if (failures.length) return await done('failed', failures[0]!, safetyFailure);
    options.onPassedProgram?.(result.files, files);
    return await done(
      'passed',
      `${result.reason}; compile, safety, ${evidence.scenarios?.length ?? 0} scenario(s), ${eq ? 'equivalence, ' : ''}judges passed`,
    );
  } catch (err) {
    return await done('error', `internal error: ${(err as Error).message}`);
  }
}

function firstError(r: CompileReport): string {
  const d = r.diagnostics.find((x) => x.severity === 'error');
  return d ? `${d.file}:${d.line}: ${d.code} ${d.message}` : 'unknown error';
}

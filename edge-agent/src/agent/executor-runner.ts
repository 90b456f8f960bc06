import type { Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import {
  hashProgram,
  loadScenarioRefs,
  type ProgramFile,
  type ProgramSource,
  plantFileGlobs,
  runMigration,
} from '../migrate';
import { changeBranchName, type GitProgramSource, isGitSource, pushVerdict } from '../sources';
import { createClaudeTransformer, createRecipeTransformer, type Transformer } from '../transform';
import type { ResolvedTransformer } from './agent-config';
import { keepPlantScope } from './deployer';
import type { JobRunner } from './job-runner';

/** Settings of {@link createExecutorRunner}. */
export interface ExecutorRunnerOptions {
  site: string;
  source: ProgramSource;
  policy: SitePolicy;
  siteFacts: SiteFacts;
  /** Library interfaces `<Name>@<version>.st` (a `library-update` needs them). */
  libraries?: string;
  /** agent.yaml's `defines`: the `{IF}` branches the verifiers simulate (decision 0178). */
  defines?: readonly string[];
  transformer: ResolvedTransformer;
  /**
   * The site's Git repository (issue #22): a passed verdict's change and its evidence are
   * pushed on the new branch `plcfleet/<site>/<jobId>` from the commit holding the verified
   * program, and the verdict names the commit. @default `source` when it is a Git source
   */
  release?: GitProgramSource;
}

function makeTransformer(t: ResolvedTransformer): Transformer {
  if (t.kind === 'recipe') return createRecipeTransformer();
  return createClaudeTransformer({
    apiKey: t.apiKey,
    model: t.model,
    ...(t.baseUrl ? { baseURL: t.baseUrl } : {}),
  });
}

/**
 * The production {@link JobRunner}: the migration executor (`runMigration`)
 * with the site's policy, facts and configured transformer. It keeps the
 * whole passed program, so that an approved deploy writes exactly what was
 * verified (checked against `sha256After`), and pushes the change of every
 * kind — deterministic ones (tag-change) call no transformer — to the site's
 * Git repository.
 */
export function createExecutorRunner(options: ExecutorRunnerOptions): JobRunner {
  return {
    async run(bundle, ctx) {
      const migration: Migration = bundle.migration;
      // The program as read and the whole changed one, from the executor itself: every kind hands them over.
      let before: readonly ProgramFile[] | undefined;
      let produced: ProgramFile[] | undefined;
      const transformer = makeTransformer(options.transformer);
      // Scenario files named by path cannot travel in a bundle; inline ones can.
      const scenarios = await loadScenarioRefs(migration).catch((err: unknown) => {
        ctx.logger.warn({ err: (err as Error).message }, 'scenarios could not be loaded');
        return [];
      });
      // The fleet registry's libraries (updated after each library-update deploy) over the local facts file.
      const siteFacts = bundle.libraries
        ? { ...options.siteFacts, libraries: bundle.libraries }
        : options.siteFacts;
      const verdict = await runMigration({
        migration,
        source: options.source,
        policy: options.policy,
        siteFacts,
        transformer,
        outDir: ctx.outDir,
        signal: ctx.signal,
        onProgress: (e) => ctx.onProgress(e),
        jobId: bundle.jobId,
        site: options.site,
        scenarios,
        ...(options.libraries ? { libraries: options.libraries } : {}),
        ...(options.defines ? { defines: options.defines } : {}),
        onPassedProgram: (files, read) => {
          produced = [...files];
          before = read;
        },
        llmJudge:
          options.transformer.kind === 'claude'
            ? {
                apiKey: options.transformer.apiKey,
                model: options.transformer.model,
                ...(options.transformer.baseUrl ? { baseURL: options.transformer.baseUrl } : {}),
              }
            : null,
      });
      const program =
        verdict.outcome === 'passed' && produced && hashProgram(produced) === verdict.evidence.sha256After
          ? produced
          : undefined;
      // A change of plant files (tag maps, HMI) is deployed through the same wrapper it was verified with.
      const plantFiles = plantFileGlobs(migration);
      if (program && plantFiles) await keepPlantScope(ctx.outDir, plantFiles);
      if (verdict.outcome === 'passed' && !program)
        ctx.logger.error('the passed program could not be kept; a deploy order for it will be refused');
      const repository = options.release ?? (isGitSource(options.source) ? options.source : undefined);
      // The change of a kind that edits plant files is pushed with them (tag maps, HMI), as it was hashed.
      const release = repository && plantFiles ? repository.withPlantFiles(plantFiles) : repository;
      if (!program || !before || !release) return { verdict, ...(program ? { program } : {}) };
      const change = await pushVerdict(release, {
        migration,
        verdict,
        before,
        after: program,
        branch: changeBranchName(options.site, bundle.jobId),
        // The commit the verdict was reached on; for a release beside the PLC, the release ref now.
        base:
          repository === options.source
            ? release.lastRead()?.commit
            : (await release.readRef(release.url.ref).catch(() => undefined))?.commit,
      });
      if (change.error) ctx.logger.warn({ branch: change.branch, err: change.error }, 'change not pushed');
      else ctx.logger.info({ branch: change.branch, commit: change.commit }, 'change pushed');
      return { verdict: { ...verdict, change }, program };
    },
  };
}

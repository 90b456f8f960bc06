/**
 * `code` migrations: the configured transformer (recipe or Claude) makes the
 * change; equivalence uses the migration's own criteria instantiated for each
 * rule application; the scope judge checks every change against them. When
 * the migration's `scope.files` names HMI files (`namesHmiFiles`), those are
 * read too and carried along as a library-update carries them
 * (`followingFaceplates`): faceplate pins renamed follow into them, and
 * references left dangling fail the verdict.
 */
import type { Migration } from '@plcfleet/protocols';
import { runScopeJudge } from '../../judge';
import { findRuleApplications } from '../../transform';
import { isLibraryFile } from '../library-files';
import type { CompileReport } from '../verifiers';
import { followingFaceplates, namesHmiFiles } from './faceplate-hmi';
import type { MigrationKind } from './migration-kind';

/** The files of a version the scope judge reads: IEC sources and L5X models, library interfaces left out. */
const judged = (r: CompileReport) =>
  [...r.parsed, ...(r.models ?? [])].filter((p) => !isLibraryFile(p.file.path));

/** The transformer's change of the program and the checks of it, without plant files. */
export const codeProgram: Omit<MigrationKind, 'plantFiles'> = {
  transformerName: (job) => job.transformer.name,
  change: (job) =>
    job.transformer.transform({
      migration: job.migration,
      files: job.files,
      verify: job.verifiers.inner(job.files),
      trace: job.trace,
      progress: job.progress,
      ...(job.signal ? { signal: job.signal } : {}),
    }),
  equivalence(job, after, result) {
    const applications = result.applications.length
      ? result.applications
      : findRuleApplications(job.migration, job.before.parsed);
    return job.verifiers.equivalence(job.before, after, applications, job.trace);
  },
  // Library interfaces are compiled with the program but are not part of it; L5X models are.
  scopeJudge: (job, after, result) =>
    runScopeJudge({
      migration: job.migration,
      before: judged(job.before),
      after: judged(after),
      applications: result.applications,
    }),
};

const readsHmi = (m: Migration) => namesHmiFiles(m.scope.files);

/** The `code` kind. */
export const codeKind: MigrationKind = {
  ...codeProgram,
  plantFiles: readsHmi,
  ...followingFaceplates(codeProgram, readsHmi),
};

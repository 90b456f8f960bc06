/**
 * `library-update` migrations: a library moves from the versions in
 * `library.from` to `library.to`. The API changes (renamed blocks, changed
 * parameters, removed functions) are recipe rules or the Claude transformer's
 * work, as in a `code` migration; what differs is what the program is checked
 * against — the executor compiles the changed program with the new version's
 * interface from the libraries directory (and the program as read with the
 * installed one), and equivalence runs where the library's behaviour is
 * modelled in those files. The HMI files in scope are read too: a faceplate
 * pin the update renamed or removed and the HMI still names is a dangling
 * reference, and the scope judge vetoes it. The site's library version in its
 * facts changes only after deploy, never here.
 */
import { sortFiles } from '../../sources';
import { isCompiledSource } from '../verifiers';
import { codeKind } from './code';
import { danglingHmiReferences, HMI_TEXT_FORMATS } from './hmi-edits';
import type { MigrationKind } from './migration-kind';
import { modelOf } from './tag-change';

/** The `library-update` kind: a code change checked against the new library (see `prepareLibraries`). */
export const libraryUpdateKind: MigrationKind = {
  plantFiles: true,
  transformerName: codeKind.transformerName,
  async change(job) {
    // The transformer edits the program; the plant files around it are carried through unchanged.
    const program = job.files.filter(isCompiledSource);
    const plant = job.files.filter((f) => !isCompiledSource(f));
    const result = await codeKind.change({ ...job, files: program });
    return { ...result, files: sortFiles([...result.files, ...plant]) };
  },
  equivalence: codeKind.equivalence,
  scopeJudge(job, after, result) {
    const judge = codeKind.scopeJudge(job, after, result);
    const dangling = after.ok
      ? danglingHmiReferences(
          job.files.filter((f) => !isCompiledSource(f) && HMI_TEXT_FORMATS.test(f.path)),
          modelOf(job.before),
          modelOf(after),
        )
      : [];
    if (dangling.length === 0) return judge;
    return {
      ...judge,
      verdict: 'veto',
      findings: [
        ...dangling.map((d) => ({
          code: 'dangling-reference',
          message: `${d} names a member that no longer exists`,
        })),
        ...judge.findings,
      ],
    };
  },
};

/**
 * `library-update` migrations: a library moves from the versions in
 * `library.from` to `library.to`. The API changes (renamed blocks, changed
 * parameters, removed functions) are recipe rules or the Claude transformer's
 * work, as in a `code` migration; what differs is what the program is checked
 * against — the executor compiles the changed program with the new version's
 * interface from the libraries directory (and the program as read with the
 * installed one), and equivalence runs where the library's behaviour is
 * modelled in those files. The site's library version in its facts changes
 * only after deploy, never here.
 */
import { codeKind } from './code';
import type { MigrationKind } from './migration-kind';

/** The `library-update` kind: a code change checked against the new library (see `prepareLibraries`). */
export const libraryUpdateKind: MigrationKind = codeKind;

/**
 * `library-update` migrations: a library moves from the versions in
 * `library.from` to `library.to`. The API changes (renamed blocks, changed
 * parameters, removed functions) are recipe rules or the Claude transformer's
 * work, as in a `code` migration; what differs is what the program is checked
 * against — the executor compiles the changed program with the new version's
 * interface from the libraries directory (and the program as read with the
 * installed one), and equivalence runs where the library's behaviour is
 * modelled in those files. The HMI files in scope are read too: a faceplate
 * pin the update clearly renamed (`faceplatePinRenames`) is renamed in them as
 * a tag-change would, each edit listed in the evidence; one it removed, or
 * renamed where the pairing is not clear, and the HMI still names is a
 * dangling reference, and the scope judge vetoes it. The site's library
 * version in its facts changes only after deploy (the control plane records it).
 */
import { codeProgram } from './code';
import { followingFaceplates } from './faceplate-hmi';
import type { MigrationKind } from './migration-kind';

/** The `library-update` kind: a code change checked against the new library (see `prepareLibraries`). */
export const libraryUpdateKind: MigrationKind = {
  ...codeProgram,
  plantFiles: true,
  // The transformer edits the program; the HMI files in scope are carried along.
  ...followingFaceplates(codeProgram, () => true),
};

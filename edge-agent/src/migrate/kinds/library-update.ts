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
import type { JudgeFinding } from '../../judge';
import { type ProgramFile, sortFiles } from '../../sources';
import type { TransformResult } from '../../transform';
import { isCompiledSource } from '../verifiers';
import { codeKind } from './code';
import { danglingHmiReferences, faceplatePinRenames, HMI_TEXT_FORMATS, hmiPinEdits } from './hmi-edits';
import type { MigrationKind } from './migration-kind';
import { modelOf } from './tag-change';
import { applyTextEdits, type TextEdit } from './text-edits';

/** The HMI edits each change made (by result), for the scope judge and the evidence. */
const hmiMade = new WeakMap<TransformResult, TextEdit[]>();

const isHmiFile = (f: ProgramFile) => !isCompiledSource(f) && HMI_TEXT_FORMATS.test(f.path);

/** The `library-update` kind: a code change checked against the new library (see `prepareLibraries`). */
export const libraryUpdateKind: MigrationKind = {
  plantFiles: true,
  transformerName: codeKind.transformerName,
  async change(job) {
    // The transformer edits the program; the plant files around it are carried through, and
    // HMI references to faceplate pins the new library renamed follow the rename.
    const program = job.files.filter(isCompiledSource);
    const plant = job.files.filter((f) => !isCompiledSource(f));
    const result = await codeKind.change({ ...job, files: program });
    const files = sortFiles([...result.files, ...plant]);
    if (result.outcome !== 'changed') return { ...result, files };
    const after = job.verifiers.compile(files);
    if (!after.ok) return { ...result, files };
    const renames = faceplatePinRenames(modelOf(job.before), modelOf(after));
    const edits = plant.filter(isHmiFile).flatMap((f) => hmiPinEdits(f, renames));
    const changed = { ...result, files: applyTextEdits(files, edits) };
    if (edits.length)
      job.trace({
        type: 'hmi-pins',
        edits: edits.map((e) => ({ file: e.file, line: e.line, what: e.what })),
      });
    hmiMade.set(changed, edits);
    return changed;
  },
  equivalence: codeKind.equivalence,
  scopeJudge(job, after, result) {
    const judge = codeKind.scopeJudge(job, after, result);
    const dangling = after.ok
      ? danglingHmiReferences(result.files.filter(isHmiFile), modelOf(job.before), modelOf(after))
      : [];
    // Every HMI reference changed is listed, as a tag-change lists its edits.
    const listed: JudgeFinding[] = (hmiMade.get(result) ?? []).map((e) => ({
      code: 'changed-reference',
      message: `${e.file}:${e.line}: ${e.what}`,
      file: e.file,
      line: e.line,
    }));
    const vetoes = dangling.map((d) => ({
      code: 'dangling-reference',
      message: `${d} names a member that no longer exists`,
    }));
    return {
      ...judge,
      verdict: vetoes.length ? 'veto' : judge.verdict,
      findings: [...vetoes, ...judge.findings, ...listed],
    };
  },
};

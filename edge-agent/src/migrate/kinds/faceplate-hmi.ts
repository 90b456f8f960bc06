/**
 * A program change that carries the HMI files in scope along: the transformer
 * edits the program only; a faceplate pin the change clearly renamed
 * (`faceplatePinRenames`) is renamed in the HMI files as a tag-change would,
 * each edit listed in the evidence, and an HMI reference to a member the change
 * removed (or renamed less clearly) is a dangling reference the scope judge
 * vetoes. `library-update` always reads the HMI files in scope; `code` does
 * when its `scope.files` names HMI files (`namesHmiFiles`).
 */
import type { Migration } from '@plcfleet/protocols';
import type { JudgeFinding } from '../../judge';
import { type ProgramFile, sortFiles } from '../../sources';
import { isL5xFile, type TransformResult } from '../../transform';
import { isCompiledSource } from '../verifiers';
import { danglingHmiReferences, faceplatePinRenames, HMI_TEXT_FORMATS, hmiPinEdits } from './hmi-edits';
import type { MigrationKind } from './migration-kind';
import { modelOf } from './tag-change';
import { applyTextEdits, type TextEdit } from './text-edits';

/** The HMI edits each change made (by result), for the scope judge and the evidence. */
const hmiMade = new WeakMap<TransformResult, TextEdit[]>();

/** What the transformer edits: the compiled sources and L5X exports (their ST routines, 0088). */
const isProgramFile = (f: ProgramFile) => isCompiledSource(f) || isL5xFile(f);
const isHmiFile = (f: ProgramFile) => !isProgramFile(f) && HMI_TEXT_FORMATS.test(f.path);

/**
 * True when one of `globs` names HMI files: it ends in an HMI text format
 * (`hmi/*.json`, `**\/*.xml`, `screens/press.yaml`). A catch-all (`**`,
 * `**\/*`) or a folder (`hmi/**`) does not, so the default scope reads no
 * plant files and the program hashes stay those of the program alone.
 */
export const namesHmiFiles = (globs: readonly string[]): boolean =>
  globs.some((g) => HMI_TEXT_FORMATS.test(g));

type ProgramParts = Pick<MigrationKind, 'change' | 'scopeJudge'>;

/**
 * `program`'s change and scope judge, carrying the HMI files along for the
 * migrations `when` selects (the others run `program` as it is).
 */
export function followingFaceplates(program: ProgramParts, when: (m: Migration) => boolean): ProgramParts {
  return {
    async change(job) {
      if (!when(job.migration)) return program.change(job);
      const plant = job.files.filter((f) => !isProgramFile(f));
      const result = await program.change({ ...job, files: job.files.filter(isProgramFile) });
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
    scopeJudge(job, after, result) {
      const judge = program.scopeJudge(job, after, result);
      if (!when(job.migration)) return judge;
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
}

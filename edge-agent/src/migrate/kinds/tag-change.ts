/**
 * `tag-change` migrations (issue 20): renames, retypes and re-addresses of PLC
 * tags across the program sources, the tag maps and the HMI/SCADA files in
 * scope — deterministic, no transformer. The change is refused (verdict
 * failed, nothing written) when a rename lands on an existing name, a
 * reference cannot be rewritten safely (a name built from strings, an
 * ambiguous match, a format not handled), a retype no longer fits its
 * register, or a tag map is left with overlapping addresses. Equivalence takes
 * each rename as a relation (old.from = new.to): the new program, with the
 * renames undone through its own bound model, must behave as the old one, a
 * retyped input driven over the old type's range.
 */
import type { Migration, SitePolicy } from '@plcfleet/protocols';
import { type CheckedProject, checkProject, intInfo, sourceFormat } from '@plcfleet/toolchain/iec';
import { L5xRenameRefused, readL5x, renameL5xTag } from '@plcfleet/toolchain/l5x';
import { ProjectIndex } from '@plcfleet/toolchain/safety';
import { checkEquivalence } from '@plcfleet/toolchain/sim';
import { runTagChangeJudge } from '../../judge';
import type { ProgramFile } from '../../sources';
import { matchesAnyGlob, type TransformResult } from '../../transform';
import { isLibraryFile, LIBRARY_PATH_PREFIX } from '../library-files';
import type { CompileReport, EquivalenceOutcome } from '../verifiers';
import { danglingHmiReferences, HMI_TEXT_FORMATS, hmiEdits, scopeNames, tokenOccurrences } from './hmi-edits';
import type { KindJob, MigrationKind } from './migration-kind';
import { readTagMapFile, tagMapEdits } from './tag-map-edits';
import { programEdits } from './tag-program-edits';
import {
  refuseCollisions,
  refusePolicySignalRenames,
  resolveTagTargets,
  type TagTarget,
} from './tag-targets';
import { applyTextEdits, lineAt, TagChangeRefused, type TextEdit } from './text-edits';

/** Equivalence settings when the migration gives none: a rename is cheap to compare. */
const DEFAULT_EQUIVALENCE = { runs: 50, scans: 100 } as const;

/** What the change made, kept for the judge (by result). */
const made = new WeakMap<TransformResult, { edits: TextEdit[]; dangling: string[] }>();

/** The bound model of a compile report. */
export function modelOf(report: CompileReport): CheckedProject {
  return checkProject(report.parsed.map((p) => p.unit)).checked;
}

/** The whole change: every edit of every target, in program sources, tag maps and HMI files. */
function planEdits(
  migration: Migration,
  changes: NonNullable<Migration['tagChanges']>,
  files: readonly ProgramFile[],
  compiled: CompileReport,
  inScopeOnly: boolean,
  policy: SitePolicy | null = null,
): { edits: TextEdit[]; targets: TagTarget[] } {
  const checked = modelOf(compiled);
  const compiledPaths = new Set(compiled.parsed.map((p) => p.file.path));
  const inScope = (path: string) => matchesAnyGlob(path, migration.scope.files);
  // a tag an L5X in scope declares is renamed inside that file (decision 0132)
  const inL5x = l5xRenames(changes, files, (path) => !inScopeOnly || inScope(path), policy);
  for (const i of inL5x.handled) refuseAlsoInSources(changes, i, checked, inL5x.edits);
  const rest = changes.map((c, i) => [c, i] as const).filter(([, i]) => !inL5x.handled.has(i));
  const targets =
    rest.length === 0
      ? []
      : withIndices(
          rest.map(([, i]) => i),
          () =>
            resolveUnlessUnrewritten(
              rest.map(([c]) => c),
              checked,
              () =>
                files.filter(
                  (f) => !compiledPaths.has(f.path) && inScope(f.path) && 'unsupported' in formatOf(f),
                ),
            ),
        );
  if (policy)
    refusePolicySignalRenames(
      targets,
      policy,
      new ProjectIndex(
        compiled.parsed.map((p) => p.unit),
        checked,
      ),
    );
  const program = programEdits(targets, compiled.parsed, checked);
  refuseCollisions(targets, checked, (t) => program.usedIn.get(t) ?? new Set());
  const edits = [...program.edits, ...inL5x.edits];
  const inLibrary = edits.find((e) => isLibraryFile(e.file));
  if (inLibrary)
    throw new TagChangeRefused(
      `${inLibrary.what}: ${inLibrary.file.slice(LIBRARY_PATH_PREFIX.length)}:${inLibrary.line} is a library's interface; a library's names change with a library-update`,
    );
  if (inScopeOnly)
    for (const e of edits)
      if (!inScope(e.file))
        throw new TagChangeRefused(
          `${e.what}: ${e.file}:${e.line} is outside scope.files; the rename would be partial`,
        );
  const scopes = scopeNames(checked);
  for (const f of files) {
    if (compiledPaths.has(f.path) || !inScope(f.path) || !inScopeOnly) continue;
    const map = readTagMapFile(f);
    if (map) {
      edits.push(...tagMapEdits(f, map, targets));
      continue;
    }
    if (HMI_TEXT_FORMATS.test(f.path) && !('unsupported' in formatOf(f))) {
      edits.push(...hmiEdits(f, targets, scopes));
      continue;
    }
    // an L5X renamed its own tags above; it must not name a tag renamed elsewhere
    if (inL5x.files.has(f.path)) {
      for (const t of targets) refuseUnrewritten(f, t.index, t.change.from, t.name);
      continue;
    }
    // A format whose references this kind does not rewrite: refuse by name rather than guess.
    for (const t of targets) refuseUnrewritten(f, t.index, t.change.from, t.name);
  }
  return { edits, targets };
}

const formatOf = (f: ProgramFile) => sourceFormat(f.path, f.text.slice(0, 4096));

/** Refuses when `f`, of a format tag-change does not rewrite, names `name`. */
function refuseUnrewritten(f: ProgramFile, index: number, from: string, name: string): void {
  const o = tokenOccurrences(f.text, name)[0];
  if (!o) return;
  const format = formatOf(f);
  throw new TagChangeRefused(
    `tagChanges[${index}] ${from}: ${f.path}:${lineAt(f.text, o.offset)}: ${'unsupported' in format ? format.unsupported : 'this file format'} is not rewritten by tag-change, and it names ${name}`,
  );
}

/**
 * The targets of `changes`; when one names no variable of the program sources but a
 * file in scope of a format tag-change does not rewrite (an L5X) names it, that file
 * is the refusal, so the user learns the tag was found and why it is not renamed.
 */
function resolveUnlessUnrewritten(
  changes: NonNullable<Migration['tagChanges']>,
  checked: CheckedProject,
  unrewritten: () => ProgramFile[],
): TagTarget[] {
  try {
    return resolveTagTargets(changes, checked);
  } catch (e) {
    if (!(e instanceof TagChangeRefused)) throw e;
    for (const f of unrewritten())
      changes.forEach((c, i) => {
        refuseUnrewritten(f, i, c.from, c.from.split('.').at(-1)!);
      });
    throw e;
  }
}

/** Runs `resolve` on a subset of the changes; its targets and refusals name each change by its index in all. */
function withIndices(indices: readonly number[], resolve: () => TagTarget[]): TagTarget[] {
  const renumber = (m: string) =>
    m.replace(/^tagChanges\[(\d+)\]/, (_, k) => `tagChanges[${indices[Number(k)]}]`);
  try {
    return resolve().map((t) => ({ ...t, index: indices[t.index]! }));
  } catch (e) {
    if (e instanceof TagChangeRefused) throw new TagChangeRefused(renumber(e.message));
    throw e;
  }
}

/** Refuses a change whose tag an L5X declares and the program sources declare too: which one is meant? */
function refuseAlsoInSources(
  changes: NonNullable<Migration['tagChanges']>,
  i: number,
  checked: CheckedProject,
  l5xEdits: readonly TextEdit[],
): void {
  let inSources: TagTarget | undefined;
  try {
    inSources = resolveTagTargets([changes[i]!], checked)[0];
  } catch {
    return;
  }
  const decl = l5xEdits.find((e) => e.what.startsWith(`tagChanges[${i}] `));
  throw new TagChangeRefused(
    `tagChanges[${i}] ${changes[i]!.from}: declared in ${decl?.file}:${decl?.line} and at ${inSources?.where}; rename the tag of one program at a time`,
  );
}

/** A Rockwell L5X export, by extension or by its root element. */
function isL5x(f: ProgramFile): boolean {
  const format = formatOf(f);
  return /\.l5x$/i.test(f.path) || ('unsupported' in format && /\bL5X\b/.test(format.unsupported));
}

/**
 * The renames of the changes whose tag an L5X in scope declares (a controller tag `Tag`, or a
 * program's `Program.Tag`), made inside that file by `renameL5xTag`: its `<Tag>`, aliases, rungs
 * and ST lines. `handled` are the indices of those changes, `files` the L5X files edited. A
 * retype, a rename the L5X cannot take, or one of a signal the site policy lists is refused.
 */
function l5xRenames(
  changes: NonNullable<Migration['tagChanges']>,
  files: readonly ProgramFile[],
  inScope: (path: string) => boolean,
  policy: SitePolicy | null,
): { edits: TextEdit[]; handled: Set<number>; files: Set<string> } {
  const out = { edits: [] as TextEdit[], handled: new Set<number>(), files: new Set<string>() };
  for (const f of files) {
    if (!inScope(f.path) || !isL5x(f)) continue;
    let project: ReturnType<typeof readL5x>;
    try {
      project = readL5x(f.text);
    } catch {
      continue; // the compile verifier names an unreadable L5X
    }
    changes.forEach((c, i) => {
      const dot = c.from.indexOf('.');
      const owner =
        dot > 0
          ? project.programs.find((p) => p.name.toLowerCase() === c.from.slice(0, dot).toLowerCase())
          : undefined;
      const from = owner ? c.from.slice(dot + 1) : c.from;
      const tags = owner ? owner.tags : dot > 0 ? [] : project.tags;
      if (!tags.some((t) => t.name.toLowerCase() === from.toLowerCase())) return;
      const label = `tagChanges[${i}] ${c.from}`;
      if (c.type || c.modbus)
        throw new TagChangeRefused(
          `${label}: ${f.path}: an L5X tag is renamed only; its type and address are not changed`,
        );
      const to = c.to.split('.').at(-1)!;
      if (policy) refuseL5xPolicySignal(policy, label, f.path, owner?.name, from, to);
      try {
        const r = renameL5xTag(project, from, to, owner?.name);
        r.edits.forEach((e, k) => {
          out.edits.push({
            file: f.path,
            offset: e.start,
            end: e.end,
            expect: f.text.slice(e.start, e.end),
            text: e.text,
            line: r.places[k]!.line,
            what: `${label} → ${c.to} (${r.places[k]!.what})`,
          });
        });
      } catch (e) {
        if (e instanceof L5xRenameRefused) throw new TagChangeRefused(`${label}: ${f.path}: ${e.message}`);
        throw e;
      }
      out.handled.add(i);
      out.files.add(f.path);
    });
  }
  return out;
}

/** Refuses renaming an L5X tag the site policy lists (bare or `Program.Tag`) unless it lists the new name too. */
function refuseL5xPolicySignal(
  policy: SitePolicy,
  label: string,
  file: string,
  program: string | undefined,
  from: string,
  to: string,
): void {
  const lists = ['emergencyStops', 'safetySignals', 'permissives'] as const;
  const names = (n: string) => [n, ...(program ? [`${program}.${n}`] : [])].map((x) => x.toLowerCase());
  const listed = new Set(lists.flatMap((l) => policy[l].map((x) => x.toLowerCase())));
  for (const list of lists)
    policy[list].forEach((name, i) => {
      if (!names(from).includes(name.toLowerCase())) return;
      const renamed = [...name.split('.').slice(0, -1), to].join('.');
      if (listed.has(renamed.toLowerCase())) return;
      throw new TagChangeRefused(
        `${label} (${file}): the site policy ${policy.site} lists it as ${list}[${i}] "${name}"; renaming a safety signal would leave the policy naming a tag that no longer exists — list "${renamed}" in the policy too, then run the change`,
      );
    });
}

/** The compiled program files of `report` (libraries left out) have exactly the texts of `files`. */
function sameProgram(report: CompileReport, files: readonly ProgramFile[]): boolean {
  const text = new Map(files.map((f) => [f.path, f.text]));
  // an L5X is compiled as its model, but it is a program file of its own
  const own = [...report.parsed, ...(report.models ?? [])].filter((p) => !isLibraryFile(p.file.path));
  return own.length === text.size && own.every((p) => text.get(p.file.path) === p.file.text);
}

/** The `tag-change` kind. */
export const tagChangeKind: MigrationKind = {
  plantFiles: true,
  transformerName: () => 'none',

  async change(job: KindJob): Promise<TransformResult> {
    const unchanged = (reason: string): TransformResult => ({
      outcome: 'failed',
      files: [...job.files],
      reason,
      turns: 0,
      tokens: { input: 0, output: 0 },
      applications: [],
    });
    const changes = job.migration.tagChanges ?? [];
    let files: ProgramFile[];
    let edits: TextEdit[];
    try {
      ({ edits } = planEdits(job.migration, changes, job.files, job.before, true, job.policy));
      files = applyTextEdits(job.files, edits);
    } catch (err) {
      if (err instanceof TagChangeRefused) return unchanged(`tag-change refused: ${err.message}`);
      throw err;
    }
    const after = job.verifiers.compile(files);
    const dangling = after.ok
      ? danglingHmiReferences(
          files.filter((f) => HMI_TEXT_FORMATS.test(f.path)),
          modelOf(job.before),
          modelOf(after),
        )
      : [];
    job.trace({
      type: 'tag-change',
      edits: edits.map((e) => ({ file: e.file, line: e.line, what: e.what })),
    });
    const changedFiles = new Set(edits.map((e) => e.file));
    const result: TransformResult = {
      outcome: 'changed',
      files,
      reason: `tag-change: ${changes.length} change(s), ${edits.length} edit(s) in ${changedFiles.size} file(s)`,
      turns: 0,
      tokens: { input: 0, output: 0 },
      applications: [],
    };
    made.set(result, { edits, dangling });
    return result;
  },

  async equivalence(job, after): Promise<EquivalenceOutcome | null> {
    const criteria = job.migration.successCriteria.equivalence;
    const seed = criteria?.seed ?? 1;
    const runs = criteria?.runs ?? DEFAULT_EQUIVALENCE.runs;
    const scans = criteria?.scans ?? DEFAULT_EQUIVALENCE.scans;
    const undecided: EquivalenceOutcome = {
      equivalent: false,
      runs: 0,
      scans,
      seed,
      counterexample: null,
      claim: 'undecided',
    };
    // Undo the renames through the new program's own model (to → from), then compare with the old program.
    const inverse = (job.migration.tagChanges ?? []).map((c) => {
      const q = c.from.split('.').slice(0, -1);
      return { from: [...q, c.to.split('.').at(-1)!].join('.'), to: c.from.split('.').at(-1)! };
    });
    let backFiles: ProgramFile[];
    try {
      const compiledFiles = [...after.parsed, ...(after.models ?? [])]
        .map((p) => p.file)
        .filter((f) => !isLibraryFile(f.path));
      const { edits } = planEdits(job.migration, inverse, compiledFiles, after, false);
      backFiles = applyTextEdits(compiledFiles, edits);
    } catch (err) {
      job.trace({ type: 'equivalence', error: (err as Error).message });
      return undecided;
    }
    // Renames undone give the program as read, byte for byte: old and new are the same program
    // under other names, for every input and state — simulating two identical texts shows nothing
    // more. Anything else (a retype, a reference bound differently) is simulated below.
    if (sameProgram(job.before, backFiles)) {
      job.trace({ type: 'equivalence', identical: backFiles.length });
      return {
        equivalent: true,
        runs: 0,
        scans: 0,
        seed,
        counterexample: null,
        claim: 'proved',
        basis: 'by identity: the renamed program with its renames undone is the program as read',
      };
    }
    const back = job.verifiers.compile(backFiles);
    if (!back.ok) return undecided;
    const beforeModel = modelOf(job.before);
    // A retyped input is driven over the old type's range: the values the old program could see.
    const ranges: Record<string, [number, number]> = {};
    for (const c of job.migration.tagChanges ?? []) {
      if (!c.type) continue;
      const name = c.from.split('.').at(-1)!;
      const v = beforeModel.globals.get(name.toLowerCase());
      const info = v ? intInfo(v.type) : undefined;
      if (info && !info.bit && info.bits <= 32)
        ranges[name] = info.signed
          ? [-(2 ** (info.bits - 1)), 2 ** (info.bits - 1) - 1]
          : [0, 2 ** info.bits - 1];
    }
    const programs = [...beforeModel.pous.values()]
      .filter((p) => p.kind === 'program' && !p.builtin)
      .map((p) => p.name);
    let total = 0;
    for (const program of programs.sort()) {
      try {
        const r = checkEquivalence({
          before: { units: job.before.parsed.map((p) => p.unit) },
          after: { units: back.parsed.map((p) => p.unit) },
          program,
          seed,
          runs,
          scans,
          ranges,
        });
        total += r.runs;
        if (!r.equivalent)
          return {
            equivalent: false,
            runs: total,
            scans,
            seed,
            claim: r.counterexample ? 'refuted' : 'undecided',
            counterexample: r.counterexample
              ? (JSON.parse(
                  JSON.stringify(
                    { ...r.counterexample, variable: `${program}.${r.counterexample.variable}` },
                    (_k, x) => (typeof x === 'bigint' ? x.toString() : x),
                  ),
                ) as EquivalenceOutcome['counterexample'])
              : null,
          };
      } catch (err) {
        job.trace({ type: 'equivalence', program, error: (err as Error).message });
        return { ...undecided, runs: total };
      }
    }
    return { equivalent: true, runs: total, scans, seed, counterexample: null, claim: 'not-refuted' };
  },

  scopeJudge(job, _after, result) {
    const m = made.get(result) ?? { edits: [], dangling: [] };
    return runTagChangeJudge({
      migration: job.migration,
      before: job.files,
      after: result.files,
      edits: m.edits,
      dangling: m.dangling,
    });
  },
};

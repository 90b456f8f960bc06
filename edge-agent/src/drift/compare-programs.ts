/**
 * The semantic comparison of a released and a live program: the safety
 * verifier's program diff (toolchain `diffPrograms`, on the syntax tree), so
 * layout, comments, pragmas, letter case, literal spelling and vendor metadata
 * (TwinCAT GUIDs, PLCopen timestamps — not in the tree) never count, while
 * changed POUs, declarations, initial values, types and tasks do. A local
 * variable renamed consistently counts too: tags and HMIs see the name.
 */
import { DRIFT_LIMITS, type DriftComparison, type DriftPou } from '@plcfleet/protocols';
import { printNode, readSource } from '@plcfleet/toolchain/iec';
import {
  canonical,
  diffPrograms,
  ProjectIndex,
  projectFromSources,
  type SafetyProject,
} from '@plcfleet/toolchain/safety';
import { hashProgram, type ProgramFile } from '../sources';
import { unifiedDiff } from '../transform';

type Side = 'released' | 'live';

/** Files whose text does not parse (the front end's error diagnostics, before any checking). */
function parseErrors(project: SafetyProject): Map<string, string> {
  const out = new Map<string, string>();
  // projectFromSources checks only what parsed: errors without a bound model are parse errors.
  if (project.checked) return out;
  for (const d of project.diagnostics)
    if (d.severity === 'error' && !out.has(d.file)) out.set(d.file, `line ${d.line}: ${d.message}`);
  return out;
}

/**
 * The program's top-level declarations (POUs, GVLs, types, configurations) in
 * canonical text, in a fixed order — equal for two programs that differ only in
 * layout, comments, case or the file a declaration sits in — or undefined when a
 * file does not parse. Parsing only: the checker is not needed to see equality.
 */
function canonicalDeclarations(files: readonly ProgramFile[]): string[] | undefined {
  const out: string[] = [];
  for (const f of files) {
    // As projectFromSources: `.xml` that is not PLCopen (a tag map, an IDE file) is not a source.
    if (/\.xml$/i.test(f.path) && !/plcopen\.org\/xml\/tc6/i.test(f.text.slice(0, 4096))) continue;
    const r = readSource(f.text, f.path);
    if (r.diagnostics.some((d) => d.severity === 'error')) return undefined;
    for (const d of r.unit.declarations) out.push(canonical(d));
  }
  return out.sort();
}

/** The comparison of two programs found the same. */
function sameProgram(released: readonly ProgramFile[], live: readonly ProgramFile[]): DriftComparison {
  return {
    status: 'same',
    releasedSha256: hashProgram(released),
    liveSha256: hashProgram(live),
    pous: [],
    globals: [],
    types: [],
    configuration: false,
    unparsed: [],
  };
}

function toMap(files: readonly ProgramFile[], skip: ReadonlySet<string> = new Set()): Map<string, string> {
  return new Map(files.filter((f) => !skip.has(f.path)).map((f) => [f.path, f.text]));
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n… (diff cut)\n`;
}

/**
 * Compares two programs semantically.
 *
 * @example
 * const c = comparePrograms(await released.read(), await live.read());
 * if (c.status === 'drifted') console.log(c.pous.map((p) => `${p.change} ${p.pou}`));
 */
export function comparePrograms(
  released: readonly ProgramFile[],
  live: readonly ProgramFile[],
): DriftComparison {
  // The usual hourly answer: nothing changed. Equal canonical declarations mean the
  // program diff would find nothing, so neither the checker nor the diff runs.
  const a = canonicalDeclarations(released);
  const b = a && canonicalDeclarations(live);
  if (a && b && a.length === b.length && a.every((x, i) => x === b[i])) return sameProgram(released, live);
  let oldProject = projectFromSources(toMap(released));
  let newProject = projectFromSources(toMap(live));
  const unparsed: DriftComparison['unparsed'] = [];
  const broken = new Set<string>();
  for (const [side, project] of [
    ['released', oldProject],
    ['live', newProject],
  ] as const) {
    for (const [file, message] of parseErrors(project)) {
      unparsed.push({ side: side as Side, file, message });
      broken.add(file);
    }
  }
  let unparsedDiffer = false;
  if (broken.size > 0) {
    // A file that does not parse on either side is compared byte for byte; the rest semantically.
    const a = toMap(released);
    const b = toMap(live);
    unparsedDiffer = [...broken].some((f) => a.get(f) !== b.get(f));
    oldProject = projectFromSources(toMap(released, broken));
    newProject = projectFromSources(toMap(live, broken));
  }
  const oldIx = new ProjectIndex(oldProject.units, oldProject.checked);
  const newIx = new ProjectIndex(newProject.units, newProject.checked);
  const diff = diffPrograms(oldIx, newIx);

  const pous: DriftPou[] = [];
  const listed = new Set<string>();
  for (const p of diff.pous) {
    listed.add(p.id);
    const before = oldIx.pous.get(p.id);
    const after = newIx.pous.get(p.id);
    const text = unifiedDiff(
      before ? [{ path: p.name, text: `${printNode(before.decl)}\n` }] : [],
      after ? [{ path: p.name, text: `${printNode(after.decl)}\n` }] : [],
    );
    pous.push({
      pou: p.name,
      change: p.kind,
      ...((p.newFile ?? p.oldFile) ? { file: p.newFile ?? p.oldFile } : {}),
      diff: cut(text, DRIFT_LIMITS.diff),
    });
  }
  for (const [id, renames] of diff.renames) {
    if (listed.has(id)) continue;
    const pou = newIx.pous.get(id);
    pous.push({
      pou: pou?.name ?? id,
      change: 'modified',
      ...(pou ? { file: pou.file } : {}),
      diff: cut([...renames].map(([o, n]) => `-VAR ${o}\n+VAR ${n}\n`).join(''), DRIFT_LIMITS.diff),
    });
  }
  const globals = [...new Set(diff.decls.filter((d) => d.scope === 'global').map((d) => d.name))];
  const drifted =
    pous.length > 0 || globals.length > 0 || diff.types.length > 0 || diff.configuration || unparsedDiffer;
  return {
    status: drifted ? 'drifted' : 'same',
    releasedSha256: hashProgram(released),
    liveSha256: hashProgram(live),
    pous: pous.slice(0, DRIFT_LIMITS.pous),
    globals: globals.slice(0, DRIFT_LIMITS.names),
    types: diff.types.slice(0, DRIFT_LIMITS.names),
    configuration: diff.configuration,
    unparsed: unparsed.slice(0, DRIFT_LIMITS.unparsed),
  };
}

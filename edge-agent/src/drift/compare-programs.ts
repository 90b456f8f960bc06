/**
 * The semantic comparison of a released and a live program: the safety
 * verifier's program diff (toolchain `diffPrograms`, on the syntax tree), so
 * layout, comments, pragmas, letter case, literal spelling and vendor metadata
 * (TwinCAT GUIDs, PLCopen timestamps — not in the tree) never count, while
 * changed POUs, declarations, initial values, types and tasks do. A local
 * variable renamed consistently counts too: tags and HMIs see the name.
 */
import { DRIFT_LIMITS, type DriftComparison, type DriftPou } from '@plcfleet/protocols';
import { type CompilationUnit, checkProject, printNode, readSource } from '@plcfleet/toolchain/iec';
import { canonical, diffPrograms, ProjectIndex } from '@plcfleet/toolchain/safety';
import { hashProgram, type ProgramFile } from '../sources';
import { unifiedDiff } from '../transform';

type Side = 'released' | 'live';

/** One program file read by the front end: its unit, its first parse error, its declarations in canonical text. */
interface ParsedFile {
  path: string;
  unit?: CompilationUnit;
  error?: string;
  canonical?: string[];
}

/** As projectFromSources: `.xml` that is not PLCopen (a tag map, an IDE file) is not a source. */
const isSource = (f: ProgramFile) =>
  !/\.xml$/i.test(f.path) || /plcopen\.org\/xml\/tc6/i.test(f.text.slice(0, 4096));

function parse(f: ProgramFile): ParsedFile {
  const r = readSource(f.text, f.path);
  const e = r.diagnostics.find((d) => d.severity === 'error');
  if (e) return { path: f.path, unit: r.unit, error: `line ${e.line}: ${e.message}` };
  return { path: f.path, unit: r.unit, canonical: r.unit.declarations.map((d) => canonical(d)) };
}

const byPath = (files: readonly ProgramFile[]) =>
  files.filter(isSource).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

/**
 * The released side of the last comparison, by its {@link hashProgram}: its
 * files parsed and, once a comparison needed it, its bound model. A release
 * changes rarely while the live side is read every check, so the agent's next
 * check parses only the live program. Only read: the program diff never
 * changes an index.
 */
let releasedCache:
  | { sha256: string; parsed: ParsedFile[]; index?: { broken: string; ix: ProjectIndex } }
  | undefined;

function parseReleased(files: readonly ProgramFile[], sha256: string): ParsedFile[] {
  if (releasedCache?.sha256 !== sha256) releasedCache = { sha256, parsed: byPath(files).map(parse) };
  return releasedCache.parsed;
}

function releasedIndex(parsed: readonly ParsedFile[], broken: ReadonlySet<string>): ProjectIndex {
  const key = [...broken].sort().join('\0');
  const kept = releasedCache?.parsed === parsed ? releasedCache : undefined;
  if (kept?.index?.broken === key) return kept.index.ix;
  const ix = indexOf(
    parsed,
    parsed.map((p) => p.unit!),
    broken,
  );
  if (kept) kept.index = { broken: key, ix };
  return ix;
}

/**
 * Both programs' files, each parsed once (the released ones once per release):
 * a live file byte-equal to its released one is not parsed again but shares
 * the released file's unit and canonical text. Sharing is safe: the checker and
 * the index keep what they learn in maps of their own project, never on the
 * syntax tree, and the canonical text of a node is the same in any project.
 */
function parseBoth(
  releasedFiles: readonly ProgramFile[],
  releasedSha256: string,
  live: readonly ProgramFile[],
) {
  const a = parseReleased(releasedFiles, releasedSha256);
  const oldText = new Map(releasedFiles.map((f) => [f.path, f.text]));
  const oldParsed = new Map(a.map((p) => [p.path, p]));
  const liveFiles = byPath(live);
  const b = liveFiles.map((f): ParsedFile => {
    const twin = oldText.get(f.path) === f.text ? oldParsed.get(f.path) : undefined;
    return twin?.canonical ? { ...twin, path: f.path } : parse(f);
  });
  return { a, b, liveUnits: b.map((p) => p.unit!) };
}

/** Declarations in canonical text in a fixed order, or undefined when a file does not parse. */
function canonicalDeclarations(files: readonly ParsedFile[]): string[] | undefined {
  if (files.some((f) => !f.canonical)) return undefined;
  return files.flatMap((f) => f.canonical!).sort();
}

/** The bound model of the files that parsed, for the program diff. */
function indexOf(
  files: readonly ParsedFile[],
  units: readonly CompilationUnit[],
  broken: ReadonlySet<string>,
) {
  const kept = units.filter((_, i) => !broken.has(files[i]!.path));
  return new ProjectIndex(kept, checkProject(kept).checked);
}

/** The comparison of two programs found the same. */
function sameProgram(releasedSha256: string, live: readonly ProgramFile[]): DriftComparison {
  return {
    status: 'same',
    releasedSha256,
    liveSha256: hashProgram(live),
    pous: [],
    globals: [],
    types: [],
    configuration: false,
    unparsed: [],
  };
}

function toMap(files: readonly ProgramFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.path, f.text]));
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
  const releasedSha256 = hashProgram(released);
  const parsed = parseBoth(released, releasedSha256, live);
  const a = canonicalDeclarations(parsed.a);
  const b = a && canonicalDeclarations(parsed.b);
  if (a && b && a.length === b.length && a.every((x, i) => x === b[i]))
    return sameProgram(releasedSha256, live);
  const { liveUnits } = parsed;
  const unparsed: DriftComparison['unparsed'] = [];
  const broken = new Set<string>();
  for (const [side, files] of [
    ['released', parsed.a],
    ['live', parsed.b],
  ] as const) {
    for (const f of files) {
      if (f.error === undefined) continue;
      unparsed.push({ side: side as Side, file: f.path, message: f.error });
      broken.add(f.path);
    }
  }
  // A file that does not parse on either side is compared byte for byte; the rest semantically.
  const oldText = toMap(released);
  const newText = toMap(live);
  const unparsedDiffer = [...broken].some((f) => oldText.get(f) !== newText.get(f));
  const oldIx = releasedIndex(parsed.a, broken);
  const newIx = indexOf(parsed.b, liveUnits, broken);
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
    releasedSha256,
    liveSha256: hashProgram(live),
    pous: pous.slice(0, DRIFT_LIMITS.pous),
    globals: globals.slice(0, DRIFT_LIMITS.names),
    types: diff.types.slice(0, DRIFT_LIMITS.names),
    configuration: diff.configuration,
    unparsed: unparsed.slice(0, DRIFT_LIMITS.unparsed),
  };
}

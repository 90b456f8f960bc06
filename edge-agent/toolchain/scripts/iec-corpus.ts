/**
 * Measures the IEC front end against corpora of real code (never committed):
 * per project (each argument is one project directory), the TwinCAT / ST
 * files read without an error, the PLCopen XML files read with every body
 * converted, the files whose `fmt` round trip holds (the printed text
 * re-parses without an error to the same tree — comments aside, since
 * several `//` comments inside one multi-line statement are printed on one
 * line — and printing it again gives the same text), and the top failure causes.
 *
 * With `--check`, each project is also checked whole with the shipped
 * library interfaces (`edge-agent/toolchain/libraries`): the errors are
 * counted as ST2017 per library not shipped, and the rest by cause. A
 * `.plcproj` project is checked with the shipped libraries it references and
 * its library references, so a name found nowhere is ST2017 naming the
 * referenced libraries not shipped.
 *
 * An ST2017 naming only libraries that are shipped (a project using a
 * shipped library it does not reference) counts as any other error.
 * `--errors N` prints the first N such errors of each project with their
 * positions (to read the code they point at).
 *
 *   npx tsx edge-agent/toolchain/scripts/iec-corpus.ts /tmp/corpus/* [--show 10] [--check] [--errors 20]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import {
  astEqual,
  type Diagnostic,
  type LibraryReference,
  libraryFilesFor,
  loadProject,
  parseSource,
  printUnit,
  readPlcopenLibraries,
  readPlcProj,
  readSource,
  TWINCAT_EXTENSIONS as TWINCAT,
} from '../src/iec';

const LIBRARIES = join(import.meta.dirname, '../libraries');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const show = arg('--show', 8);
const printErrors = arg('--errors', 0);
const roots = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--show' && all[i - 1] !== '--errors');
const check = process.argv.includes('--check');
const libraryFiles = readdirSync(LIBRARIES)
  .filter((f) => f.endsWith('.st'))
  .map((f) => join(LIBRARIES, f));
const shipped = new Set(libraryFiles.map((f) => basename(f, '.st').toLowerCase()));

/** The libraries an ST2017 names ('A', or 'one of A, B') when one is not shipped, else undefined. */
function notShippedLibrary(d: Diagnostic): string | undefined {
  if (d.code !== 'ST2017') return undefined;
  const lib = /vendor library (.+?), which/.exec(d.message)?.[1];
  if (!lib) return undefined;
  const names = lib.replace(/^one of /, '').split(', ');
  // `__SYSTEM` is the compiler's own namespace, not a library
  if (names.some((n) => n.toUpperCase() === '__SYSTEM')) return undefined;
  return names.some((n) => !shipped.has(n.toLowerCase())) ? lib : undefined;
}
/** Check errors over all projects: ST2017 by library, other errors by cause. */
const missingLibraries = new Map<string, number>();
const otherCheckErrors = new Map<string, number>();
let checkedProjects = 0;
let projectsWithOnlyLibraryErrors = 0;
/** The same for the `.plcproj` (TwinCAT) projects. */
let plcprojProjects = 0;
let plcprojWithOnlyLibraryErrors = 0;

/** Library names the ST2017 errors asked for, per library (to choose what to ship next). */
const missingNames = new Map<string, Map<string, number>>();

/**
 * The projects in a repository: the sources of each `.plcproj`'s build
 * (TwinCAT, with the libraries it references), each PLCopen or plain ST file
 * alone, and the other (TwinCAT) sources together.
 */
function projectsOf(
  all: string[],
  sources: string[],
): { files: string[]; references: LibraryReference[]; plcproj?: string }[] {
  const projects = all.filter((f) => extname(f).toLowerCase() === '.plcproj');
  const out = new Map<string, string[]>();
  for (const f of sources) {
    const proj = projects
      .filter((p) => f.startsWith(`${dirname(p)}/`))
      .sort((a, b) => b.length - a.length)[0];
    // a PLCopen file is one project; so is a plain .st file (MATIEC writes each build as one
    // whole program: OSCAT_OpenPLC's build folders hold each library with its dependencies)
    const key = proj ?? (['.xml', '.st'].includes(extname(f).toLowerCase()) ? f : '');
    out.set(key, [...(out.get(key) ?? []), f]);
  }
  return [...out.entries()].map(([key, files]) => {
    // a CODESYS PLCopen export names its libraries in addData; other files have none
    if (key.toLowerCase().endsWith('.xml'))
      return { files, references: readPlcopenLibraries(readFileSync(key, 'utf8')) };
    if (!key.toLowerCase().endsWith('.plcproj')) return { files, references: [] };
    // only the files of the build: a copy left in the folder (L2SIVacuum's Serial/ST_TD20Status
    // beside DUTs/Oerlikon/ST_TD20Status) is not compiled by TwinCAT, so not checked here
    const proj = readPlcProj(readFileSync(key, 'utf8'), key);
    const build = new Set(proj.sources.map((f) => f.toLowerCase()));
    return {
      files: files.filter((f) => build.has(f.toLowerCase())),
      references: proj.libraries,
      plcproj: key,
    };
  });
}

/** Checks one project with the shipped libraries; prints and tallies its errors. */
async function checkWithLibraries(
  files: string[],
  libraryReferences: LibraryReference[],
  plcproj: string | undefined,
): Promise<void> {
  // the shipped libraries it references and every Beckhoff one (libraryFilesFor, decision 0030)
  const externalsFiles = libraryFilesFor(libraryFiles, libraryReferences);
  const { diagnostics } = await loadProject(files, { externalsFiles, libraryReferences });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const libs = new Map<string, number>();
  let other = 0;
  const shown: string[] = [];
  for (const d of errors) {
    const lib = notShippedLibrary(d);
    if (lib) {
      const names = missingNames.get(lib) ?? new Map<string, number>();
      const name = /^'([^']*)'/.exec(d.message)?.[1] ?? '?';
      names.set(name, (names.get(name) ?? 0) + 1);
      missingNames.set(lib, names);
      libs.set(lib, (libs.get(lib) ?? 0) + 1);
      missingLibraries.set(lib, (missingLibraries.get(lib) ?? 0) + 1);
    } else {
      if (other < printErrors) shown.push(`    ${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
      other++;
      const c = cause(d);
      otherCheckErrors.set(c, (otherCheckErrors.get(c) ?? 0) + 1);
    }
  }
  checkedProjects++;
  if (other === 0) projectsWithOnlyLibraryErrors++;
  if (plcproj) {
    plcprojProjects++;
    if (other === 0) plcprojWithOnlyLibraryErrors++;
  }
  const byLib = [...libs.entries()].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`);
  console.log(
    `  check ${plcproj ? `${basename(plcproj)}, ` : ''}${files.length} files with shipped libraries: ${errors.length} errors; ST2017 by library: ${byLib.join(', ') || 'none'}; other: ${other}`,
  );
  for (const line of shown) console.log(line);
}

/** The tree without comments (their grouping may change when a multi-line statement is printed on one line). */
function withoutComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutComments);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'leadingComments' || k === 'trailingComments' || k === 'comments') continue;
    out[k] = withoutComments(x);
  }
  return out;
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else out.push(full);
  }
}

/** One failure cause: the diagnostic message with names and positions blurred, so equal causes group. */
function cause(d: Diagnostic): string {
  return `${d.code} ${d.message.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N')}`;
}

interface Figures {
  files: number;
  read: number;
  roundTrip: number;
  lines: number;
}
const zero = (): Figures => ({ files: 0, read: 0, roundTrip: 0, lines: 0 });
const total = { tc: zero(), st: zero(), xml: zero() };
const allCauses = new Map<string, number>();

for (const root of roots) {
  if (!statSync(root).isDirectory()) continue;
  const files: string[] = [];
  walk(root, files);
  const figs: Record<'tc' | 'st' | 'xml', Figures> = { tc: zero(), st: zero(), xml: zero() };
  const causes = new Map<string, { n: number; example: string }>();
  const notes: string[] = [];
  const sources: string[] = [];
  for (const f of files.sort()) {
    const ext = extname(f).toLowerCase();
    let kind: 'tc' | 'st' | 'xml';
    if (TWINCAT.has(ext)) kind = 'tc';
    else if (ext === '.st') kind = 'st';
    else if (ext === '.xml') kind = 'xml';
    else continue;
    const text = readFileSync(f, 'utf8');
    if (kind === 'xml' && !/plcopen\.org\/xml\/tc6/i.test(text.slice(0, 4096))) continue;
    const fig = figs[kind];
    sources.push(f);
    fig.files++;
    fig.lines += text.split('\n').length;
    const r = readSource(text, f);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const seen = new Set<string>();
      for (const d of errors) {
        const c = cause(d);
        if (seen.has(c)) continue;
        seen.add(c);
        const entry = causes.get(c) ?? { n: 0, example: `${d.file}:${d.line}:${d.column} ${d.message}` };
        entry.n++;
        causes.set(c, entry);
        allCauses.set(c, (allCauses.get(c) ?? 0) + 1);
      }
      continue;
    }
    fig.read++;
    const printed = printUnit(r.unit);
    const again = parseSource(printed, f);
    const reprinted = printUnit(again.unit);
    if (
      again.diagnostics.every((d) => d.severity !== 'error') &&
      astEqual(withoutComments(r.unit), withoutComments(again.unit)) &&
      reprinted === printed
    )
      fig.roundTrip++;
    else notes.push(`round trip: ${f}${again.diagnostics[0] ? ` (${again.diagnostics[0].message})` : ''}`);
  }
  for (const k of ['tc', 'st', 'xml'] as const) {
    const t = total[k];
    t.files += figs[k].files;
    t.read += figs[k].read;
    t.roundTrip += figs[k].roundTrip;
    t.lines += figs[k].lines;
  }
  const parts: string[] = [];
  if (figs.tc.files > 0)
    parts.push(
      `TwinCAT ${figs.tc.read}/${figs.tc.files} read, ${figs.tc.roundTrip}/${figs.tc.read} round trip (${figs.tc.lines} lines)`,
    );
  if (figs.st.files > 0)
    parts.push(
      `ST ${figs.st.read}/${figs.st.files} read, ${figs.st.roundTrip}/${figs.st.read} round trip (${figs.st.lines} lines)`,
    );
  if (figs.xml.files > 0)
    parts.push(
      `PLCopen ${figs.xml.read}/${figs.xml.files} read with all bodies, ${figs.xml.roundTrip}/${figs.xml.read} round trip (${figs.xml.lines} lines)`,
    );
  console.log(`${root}: ${parts.join('; ') || 'no sources'}`);
  const top = [...causes.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, show);
  for (const [c, e] of top) console.log(`  ${e.n}× ${c}\n      e.g. ${e.example}`);
  for (const n of notes.slice(0, show)) console.log(`  ${n}`);
  if (check) {
    for (const p of projectsOf(files, sources)) await checkWithLibraries(p.files, p.references, p.plcproj);
  }
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
console.log(
  `\nTOTAL TwinCAT ${total.tc.read}/${total.tc.files} read (${pct(total.tc.read, total.tc.files)}), round trip ${total.tc.roundTrip}/${total.tc.read}; ST ${total.st.read}/${total.st.files} (${pct(total.st.read, total.st.files)}), round trip ${total.st.roundTrip}/${total.st.read}; PLCopen ${total.xml.read}/${total.xml.files} (${pct(total.xml.read, total.xml.files)}), round trip ${total.xml.roundTrip}/${total.xml.read}`,
);
for (const [c, n] of [...allCauses.entries()].sort((a, b) => b[1] - a[1]).slice(0, show))
  console.log(`  ${n}× ${c}`);
if (check) {
  console.log(
    `\nCHECK with shipped libraries: ${projectsWithOnlyLibraryErrors}/${checkedProjects} projects (${plcprojWithOnlyLibraryErrors}/${plcprojProjects} .plcproj) with no error but ST2017 for a library not shipped`,
  );
  for (const [l, n] of [...missingLibraries.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3 * show)) {
    const names = [...(missingNames.get(l) ?? new Map<string, number>()).entries()].sort(
      (a, b) => b[1] - a[1],
    );
    console.log(`  ST2017 ${l}: ${n} (${names.map(([x, k]) => `${x} ${k}`).join(', ')})`);
  }
  for (const [c, n] of [...otherCheckErrors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3 * show))
    console.log(`  ${n}× ${c}`);
}

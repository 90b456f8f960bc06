/**
 * Project-level entry points: read source files of any supported format,
 * parse them, check them together.
 */
import { closeSync, type Dirent, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
// SCL lowers to this tree through the IEC parser (decision 0023); only the reading is routed here
import {
  axLibraryBinding,
  callSclInstanceDbs,
  isAxText,
  isSclFile,
  isTagTableXml,
  nameSclStartValues,
  readAx,
  readScl,
  readTagTable,
  siemensLibrary,
} from '../scl';
import type { CompilationUnit } from './ast';
import { type CheckedProject, type CheckOptions, checkProject } from './checker';
import { configureTree } from './conditional-compilation';
import { type Diagnostic, diagnostic, sortDiagnostics } from './diagnostics';
import { applyBehaviourModels } from './library-models';
import { type ParseOptions, type ParseResult, parseSource } from './parser';
import { readPlcopen } from './plcopen-reader';
import { type LibraryReference, missingBuildFilesWarnings } from './plcproj-reader';
import { readTsProj, readTwinCat } from './twincat-reader';
import { mergeTaskConfigurations, readTcTto, TWINCAT_TASK_EXTENSION } from './twincat-tasks';
import { decodeSource, fileHead, isSiemensDataBlock, TWINCAT_EXTENSIONS } from './vendor-format';
import { LineMap } from './xml';

/**
 * File extensions read as sources (case-insensitive). `.xml` files are read when they are PLCopen
 * projects, `.db` files found in a directory when they are Siemens data block sources.
 */
export const SOURCE_EXTENSIONS = [
  '.st',
  '.tcpou',
  '.tcdut',
  '.tcgvl',
  '.tcio',
  '.tctleo',
  // a task object: the programs its task runs (twincat-tasks.ts)
  '.tctto',
  '.xml',
  '.scl',
  '.db',
  '.udt',
] as const;

/** Largest source file read (bytes); bigger files are rejected with ST1012. @default 32 MiB */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

/** Options of {@link loadProject}. */
export interface LoadOptions extends CheckOptions {
  /** Stop after parsing (no checker). @default false */
  syntaxOnly?: boolean;
  /** Files with externals: `.st` stubs (declarations) or a list of names, one per line (`#` comments). */
  externalsFiles?: string[];
  /**
   * The define set of the configuration to compile (`{IF defined(X)}`;
   * `pou:`/`variable:`/`type:` tests look their name up here too). Given, the
   * checker and `units` see only the branches it selects; absent, every branch.
   */
  defines?: readonly string[];
  /**
   * ST or TwinCAT files whose POUs (with bodies) give library POUs of the
   * same name their behaviour: each replaces the library declaration, must
   * keep its interface (ST2031), and is checked and compiled with the program.
   */
  behaviourModels?: string[];
  /**
   * With `syntaxOnly`: each file's unit, as `units` would hold it, is handed to this function
   * as soon as the file is read and is not kept (`units` and `sourceUnits` come back empty),
   * unless the project has SCL sources (their units are completed across files first). For a
   * caller that looks at each tree once, as `compile --syntax-only` counts POUs: the trees then
   * die young instead of being copied by every scavenge of the load (decision 0166).
   * Ignored without `syntaxOnly`.
   */
  eachUnit?: (unit: CompilationUnit) => void;
  /**
   * `false`: the project's files (and the externals and behaviour models) are read without
   * `Comment` nodes ({@link ParseOptions.comments}):
   * for a caller that reads no comment (`compile`); the printer, edits and the safety rules do.
   * Pragmas are read either way. @default true
   */
  comments?: boolean;
}

/** What {@link loadProject} returns. */
export interface LoadedProject {
  /** Source files read, in sorted order. */
  files: string[];
  /** What is compiled: with `defines`, only the selected `{IF}` branches. */
  units: CompilationUnit[];
  /** The trees as read, every `{IF}` branch kept (what printing and edits use). */
  sourceUnits: CompilationUnit[];
  /**
   * The library interface units the check used (`externals`, `externalsFiles`),
   * minus the POUs a behaviour model replaced: declarations only. A simulator
   * declares their types and refuses a call of one of their body-less POUs by name.
   */
  libraryUnits: CompilationUnit[];
  /** Total source lines. */
  lines: number;
  /** Absent with `syntaxOnly`. */
  checked?: CheckedProject;
}

/**
 * Parses one source text, choosing the reader by file name: TwinCAT
 * (`.TcPOU`/`.TcDUT`/`.TcGVL`/`.TcIO`/`.TcTLEO`), a TIA Portal tag table or PLCopen XML
 * (`.xml`), else plain ST. A
 * Rockwell `.L5X` gives an empty unit: ladder-to-st reads it (toolchain/l5x).
 * `options.comments` is honoured by the ST, TwinCAT and PLCopen readers (the others make
 * comments as always). Never throws.
 */
export function readSource(
  text: string,
  fileName: string,
  lines?: LineMap,
  options: ParseOptions = {},
): ParseResult {
  const ext = extname(fileName).toLowerCase();
  try {
    if (TWINCAT_EXTENSIONS.has(ext)) return readTwinCat(text, fileName, lines, options);
    // a task object: the programs the task runs, as a CONFIGURATION
    if (ext === TWINCAT_TASK_EXTENSION) return readTcTto(text, fileName, lines);
    if (ext === '.tsproj') return readTsProj(text, fileName, options);
    // a TIA Portal PLC tag table (SimaticML): the tags and user constants SCL blocks name
    if (ext === '.xml' && isTagTableXml(text)) return readTagTable(text, fileName);
    if (ext === '.xml') return readPlcopen(text, fileName, options);
    // a Rockwell L5X is read by the ladder-to-st path (toolchain/l5x), which imports this
    // module: here it is an empty unit, never a flood of ST syntax errors
    if (ext === '.l5x') return { unit: emptyUnit(fileName), diagnostics: [] };
    if (isSclFile(fileName)) return readScl(text, fileName);
    // SIMATIC AX `.st`: NAMESPACE/USING around IEC declarations
    if (maybeAx(text) && isAxText(text)) return readAx(text, fileName);
    return parseSource(text, fileName, options.comments === false ? { comments: false } : {});
  } catch (err) {
    // a reader bug must not crash the agent: report it on the file
    const unit = emptyUnit(fileName);
    return {
      unit,
      diagnostics: [diagnostic('ST1012', unit.span, fileName, `internal reader error: ${String(err)}`)],
    };
  }
}

function emptyUnit(fileName: string): CompilationUnit {
  return {
    kind: 'CompilationUnit',
    file: fileName,
    format: 'st',
    declarations: [],
    comments: [],
    span: { file: fileName, line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 },
  };
}

const AX_HINT = /^[ \t]*(NAMESPACE|USING)\b/im;
const AX_USING = /USING\s+[A-Za-z_][\w.]*\s*;/i;
const AX_END_NAMESPACE = /END_NAMESPACE/i;

/**
 * Can this `.st` text be SIMATIC AX? Cheap necessary conditions of `isAxText`, which walks the
 * text outside comments: a USING/NAMESPACE word at a line start, and a `USING a.b;` or an
 * `END_NAMESPACE` somewhere (OSCAT's comments say "using math constants" at line starts).
 */
function maybeAx(text: string): boolean {
  return AX_HINT.test(text) && (AX_USING.test(text) || AX_END_NAMESPACE.test(text));
}

/** A `.db` found in a directory is a source only when it is a Siemens data block (not a database file). */
async function isDataBlockFile(path: string): Promise<boolean> {
  return isSiemensDataBlock(await fileHead(path));
}

/** Is this path a source file by its extension? */
export function isSourceFile(path: string): boolean {
  return (SOURCE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

/**
 * Expands files and directories (recursively) into sorted source file paths.
 * Directories are listed synchronously with their entry types, so a tree of
 * hundreds of files costs no stat per file (the parse that follows blocks longer).
 */
export async function collectSourceFiles(paths: string[]): Promise<string[]> {
  const out = new Set<string>();
  const dataBlocks: string[] = [];
  const visitDirectory = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) visitDirectory(full);
      // a TwinCAT system project: its <DataTypes> are the project's types too (decision 0130)
      else if (isTsProj(full)) out.add(full);
      else if (!isSourceFile(full)) continue;
      else if (extname(full).toLowerCase() === '.db') dataBlocks.push(full);
      else out.add(full);
    }
  };
  const listings = new Map<string, Map<string, Dirent>>();
  for (const p of paths) {
    // synchronously: a .plcproj names each of its files, and an awaited stat per file
    // (a thread-pool round trip each) cost lcls-twincat-motion's 199 files ~15 ms of wall time
    if (paths.length > 1 ? isDirectory(p, listings) : statSync(p).isDirectory()) visitDirectory(p);
    else out.add(p);
  }
  for (const f of dataBlocks) if (await isDataBlockFile(f)) out.add(f);
  return [...out].sort();
}

/**
 * Is `p` a directory? Told by the entry of its parent's listing (one listing per directory,
 * read once): a `.plcproj` names each of its files, and a `statSync` each (a `Stats` with four
 * `Date`s) cost a cold `compile` of lcls-twincat-motion's 199 files several ms. A symbolic
 * link, or a name the listing does not hold as given (`.`, `..`, another case), is asked of
 * `statSync` as before, which also reports a missing path as before.
 */
function isDirectory(p: string, listings: Map<string, Map<string, Dirent>>): boolean {
  const parent = dirname(p);
  let listing = listings.get(parent);
  if (listing === undefined) {
    listing = new Map();
    try {
      for (const e of readdirSync(parent, { withFileTypes: true })) listing.set(e.name, e);
    } catch {
      // an unreadable parent: every path in it is asked of statSync
    }
    listings.set(parent, listing);
  }
  const entry = /[\\/]$/.test(p) ? undefined : listing.get(basename(p));
  if (entry === undefined || entry.isSymbolicLink()) return statSync(p).isDirectory();
  return entry.isDirectory();
}

/**
 * Reads files/directories, parses every source and (unless `syntaxOnly`)
 * checks them together. Unreadable files become ST1012 diagnostics; a path
 * that does not exist rejects (bad usage). `.xml` files that are neither PLCopen
 * projects nor TIA Portal tag tables are skipped when found in a directory.
 */
export async function loadProject(
  paths: string[],
  options: LoadOptions = {},
): Promise<{ project: LoadedProject; diagnostics: Diagnostic[] }> {
  const files = await collectSourceFiles(paths);
  const explicit = new Set(paths);
  const defines = options.defines === undefined ? undefined : new Set(options.defines);
  // SCL units are completed across files (nameSclStartValues, callSclInstanceDbs): kept then
  const each = options.syntaxOnly && !files.some((f) => isSclFile(f)) ? options.eachUnit : undefined;
  const parse: ParseOptions = options.comments === false ? { comments: false } : {};
  let units: CompilationUnit[] = [];
  // the build's files that are not on disk: said once per project, left out
  const diagnostics: Diagnostic[] = missingBuildFilesWarnings(options.missingBuildFiles ?? []);
  const used: string[] = [];
  let lines = 0;
  for (const f of files) {
    const text = readText(f, diagnostics);
    if (text === undefined) continue;
    // in a directory an .xml counts when it is a PLCopen project or a TIA Portal tag table
    if (
      extname(f).toLowerCase() === '.xml' &&
      !explicit.has(f) &&
      !/plcopen\.org\/xml\/tc6/i.test(text.slice(0, 4096)) &&
      !isTagTableXml(text)
    )
      continue;
    used.push(f);
    // a TwinCAT file's line map is made here and given to its reader: one pass over the text
    // for both, instead of one to count its lines and two more to map them
    const map = TWINCAT_EXTENSIONS.has(extname(f).toLowerCase()) ? new LineMap(text) : undefined;
    // a task object is configuration, not lines of code
    if (extname(f).toLowerCase() !== TWINCAT_TASK_EXTENSION)
      lines += isTsProj(f) ? dataTypeLines(text) : countLines(text, map && map.lineCount - 1);
    const r = readSource(text, f, map, parse);
    diagnostics.push(...r.diagnostics);
    if (each) each(defines ? configureTree(r.unit, defines) : r.unit);
    else units.push(r.unit);
  }
  // a TwinCAT project's tasks are one configuration: its runtime runs them all
  units = mergeTaskConfigurations(units);
  // SCL start values given by position whose structure type is in another file get their names
  nameSclStartValues(units);
  // S7-300 `"FB"."DB"(...)`: the call of FB with its instance DB, wherever the FB is declared
  callSclInstanceDbs(units);
  const compiled = defines ? units.map((u) => configureTree(u, defines)) : units;
  if (options.syntaxOnly && options.eachUnit && !each) for (const u of compiled) options.eachUnit(u);
  const project: LoadedProject = {
    files: used,
    units: compiled,
    sourceUnits: units,
    libraryUnits: [],
    lines,
  };
  if (!options.syntaxOnly) {
    const externals: CompilationUnit[] = [...(options.externals ?? [])];
    const externalNames: string[] = [...(options.externalNames ?? [])];
    // a Siemens program checks its calls into system instructions against their interfaces
    // an interface file named twice (the Siemens library also given by --libraries) is read once
    const readExternals = new Set<string>();
    if (used.some((f) => isSclFile(f))) {
      const lib = await siemensLibrary();
      externals.push(...lib.units);
      diagnostics.push(...lib.diagnostics);
      for (const u of lib.units) readExternals.add(resolve(u.file));
    }
    for (const f of options.externalsFiles ?? []) {
      if (readExternals.has(resolve(f))) continue;
      readExternals.add(resolve(f));
      const text = readText(f, diagnostics);
      if (text === undefined) continue;
      const ext = extname(f).toLowerCase();
      if (isSourceFile(f) && ext !== '.xml') {
        const r = readSource(text, f, undefined, parse);
        externals.push(r.unit);
        diagnostics.push(...r.diagnostics);
      } else {
        for (const line of text.split(/\r?\n/)) {
          const name = line.replace(/#.*$/, '').trim();
          if (name) externalNames.push(name.split(/[\s:]/)[0]!);
        }
      }
    }
    const models: CompilationUnit[] = [];
    for (const f of options.behaviourModels ?? []) {
      const text = readText(f, diagnostics);
      if (text === undefined) continue;
      const r = readSource(text, f, undefined, parse);
      models.push(r.unit);
      diagnostics.push(...r.diagnostics);
      project.files.push(f);
      project.lines += countLines(text);
    }
    // SIMATIC AX code names its libraries by namespace: Beckhoff's never stand in for them
    const ax = axLibraryBinding(compiled, externals);
    const replaced = applyBehaviourModels(ax?.externals ?? externals, models);
    dropMirroredTypes(units, compiled, [...compiled, ...models, ...replaced.libraries]);
    diagnostics.push(...replaced.diagnostics);
    project.libraryUnits = replaced.libraries;
    project.units = [...compiled, ...models];
    const references = [...(options.libraryReferences ?? []), ...(ax?.references ?? [])];
    const { checked, diagnostics: checkDiags } = checkProject(project.units, {
      ...options,
      externals: replaced.libraries,
      externalNames,
      ...(references.length > 0 ? { libraryReferences: references } : {}),
    });
    project.checked = checked;
    // no cascade: in a file with syntax errors, names that fail to resolve are most
    // likely declarations the parser had to skip, so only the syntax errors are shown
    const broken = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
    for (const d of checkDiags) {
      if (broken.has(d.file) && (d.code === 'ST2001' || d.code === 'ST2002' || d.code === 'ST2015')) continue;
      diagnostics.push(d);
    }
  }
  return { project, diagnostics: sortDiagnostics(diagnostics) };
}

/**
 * One source file's text, or undefined with an ST1012 diagnostic. Synchronous
 * inside: a project's files are read one after the other and parsed at once,
 * and an asynchronous stat + read per file cost more than the reading.
 */
function readText(f: string, diagnostics: Diagnostic[]): string | undefined {
  const span = { file: f, line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
  try {
    const bytes = readBytes(f);
    if (bytes === undefined) {
      diagnostics.push(diagnostic('ST1012', span, f, `file is larger than ${MAX_SOURCE_BYTES} bytes`));
      return undefined;
    }
    // TwinCAT and CODESYS write UTF-8 with a BOM; older exports and TIA Portal Windows-1252
    return decodeSource(bytes);
  } catch (err) {
    diagnostics.push(diagnostic('ST1012', span, f, (err as Error).message));
    return undefined;
  }
}

/** Where {@link readBytes} reads a file of up to its size: reused, since the text decoded from it is a copy. */
const scratch = Buffer.allocUnsafe(1 << 18);

/**
 * The bytes of file `f` (a view into {@link scratch} for a file that fits, valid until the next
 * call), or undefined when it holds more than {@link MAX_SOURCE_BYTES}: read to its end without
 * a `statSync` for its size first (a `Stats` with four `Date`s per file was most of what reading
 * a cold project's files cost). Errors are those the stat and read gave before: a missing file
 * reports as `statSync` does, a directory as reading one does (EISDIR).
 */
function readBytes(f: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(f, 'r');
  } catch (err) {
    statSync(f);
    throw err;
  }
  try {
    let buf = scratch;
    let n = 0;
    while (true) {
      if (n === buf.length) {
        // one byte more than the limit tells a file over it
        if (n > MAX_SOURCE_BYTES) return undefined;
        // a file larger than the buffer: its size once (one stat for a large file), else doubling
        const size = buf === scratch ? fstatSync(fd).size + 1 : buf.length * 2;
        const grown = Buffer.allocUnsafe(Math.min(Math.max(size, n + 1), MAX_SOURCE_BYTES + 1));
        buf.copy(grown, 0, 0, n);
        buf = grown;
      }
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return n > MAX_SOURCE_BYTES ? undefined : buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const isTsProj = (f: string): boolean => extname(f).toLowerCase() === '.tsproj';

/** The lines of a `.tsproj`'s `<DataTypes>`, the code it holds (its I/O tree is no source). */
function dataTypeLines(text: string): number {
  const at = text.indexOf('<DataTypes>');
  const end = at < 0 ? -1 : text.indexOf('</DataTypes>', at);
  return end < 0 ? 0 : countLines(text.slice(at, end + '</DataTypes>'.length));
}

/**
 * A `.tsproj` keeps a copy of every type it maps I/O to, a DUT of the PLC project or a library
 * type among them: such a type is declared where the PLC project or the library declares it,
 * and its copy is dropped from the system project's units (`units`, `compiled`) so it is
 * neither a duplicate nor a second definition. Only the types declared nowhere else stay.
 */
function dropMirroredTypes(
  units: CompilationUnit[],
  compiled: CompilationUnit[],
  all: readonly CompilationUnit[],
): void {
  const systemUnits = new Set([...units, ...compiled].filter((u) => isTsProj(u.file)));
  if (systemUnits.size === 0) return;
  const declared = new Set<string>();
  for (const u of all) {
    if (systemUnits.has(u)) continue;
    for (const d of u.declarations) {
      if (d.kind === 'TypeBlock') for (const t of d.types) declared.add(t.name.toUpperCase());
      else if (d.kind !== 'GlobalVarList' && d.kind !== 'Configuration') declared.add(d.name.toUpperCase());
    }
  }
  for (const u of systemUnits)
    u.declarations = u.declarations.filter(
      (d) => d.kind !== 'TypeBlock' || !d.types.every((t) => declared.has(t.name.toUpperCase())),
    );
}

/** The lines of `text` as the scanner reads them; `lineFeeds`: its count of `\n`, if known. */
function countLines(text: string, lineFeeds?: number): number {
  if (text.length === 0) return 0;
  let n = 1;
  if (lineFeeds !== undefined) n += lineFeeds;
  else for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  // a file with classic Mac line endings (CR alone) counts its lines as the scanner reads them
  if (n === 1 && text.indexOf('\r') >= 0) return countLines(text.replace(/\r/g, '\n'));
  return text.endsWith('\n') ? n - 1 : n;
}

export { countLines };

/**
 * The library interface files (`<dir>/<Library>.st`) a project with these
 * library references (`.plcproj`, CODESYS PLCopen) is checked with: the files of the libraries
 * it references, and every Beckhoff library (`Tc2_*`, `Tc3_*`), whose names a
 * TwinCAT project (one referencing a Tc2_/Tc3_ library) sees through the
 * libraries that reference them (Tc2_Utilities' declarations use Tc2_System's
 * T_MaxString). A third-party library it does
 * not reference stays out, so its names do not stand in for another's
 * (TcUnit's FB_TestSuite in a project using Tc3_UnitTest). Without references
 * every file is used. Decision 0030.
 */
export function libraryFilesFor(files: readonly string[], references: readonly LibraryReference[]): string[] {
  if (references.length === 0) return [...files];
  // Beckhoff's libraries come with a TwinCAT project (one referencing any Tc2_/Tc3_ library)
  const twincat = references.some((l) => /^tc[23]_/i.test(l.name));
  const referenced = new Set(
    references.flatMap((l) => [l.name, l.namespace ?? l.name]).map((n) => n.toLowerCase()),
  );
  return files.filter((f) => {
    const lib = basename(f).replace(/\.st$/i, '').toLowerCase();
    return referenced.has(lib) || (twincat && /^tc[23]_/.test(lib));
  });
}

/**
 * Which source format a file is in, by name (and, for XML and `.db`, by its first
 * bytes): the formats plcfleet reads, and the PLC code formats it knows but
 * does not read, so such a file is refused with a line naming its format
 * instead of being parsed as ST or skipped in silence.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { attr, childrenNamed, localName, parseXml, type XmlElement } from './xml';
import { isTwinCatEncrypted, TWINCAT_ENCRYPTED } from './xml-source';

/** A format plcfleet reads. */
export type ReadableFormat = 'st' | 'twincat' | 'plcopen' | 'plcproj' | 'scl';

/** What {@link sourceFormat} says of one file. */
export type FormatVerdict =
  | { readable: ReadableFormat }
  /** PLC code in a format plcfleet does not read; `format` names it. */
  | { unsupported: string }
  /**
   * A library a project carries in compiled (binary) form, found in a directory walk (TwinCAT
   * keeps them under `_Libraries/`): not read, and not refused either; `library` names the form.
   * Its interface is what `--libraries` gives, as for a project that does not carry it.
   */
  | { library: string }
  /** Not PLC source at all (documentation, IDE settings, other XML). */
  | { unrelated: true };

/** PLC code formats plcfleet recognises but does not read, by extension (lower case). */
export const UNSUPPORTED_FORMATS: Readonly<Record<string, string>> = {
  '.awl': 'Siemens STL (AWL) source',
  '.stl': 'Siemens STL source',
  '.s7p': 'Siemens STEP 7 project',
  '.ap15': 'Siemens TIA Portal project',
  '.ap16': 'Siemens TIA Portal project',
  '.ap17': 'Siemens TIA Portal project',
  '.ap18': 'Siemens TIA Portal project',
  '.ap19': 'Siemens TIA Portal project',
  '.zap16': 'Siemens TIA Portal archive',
  '.zap17': 'Siemens TIA Portal archive',
  // `plcfleet-agent ladder-to-st` reads L5X (toolchain/l5x); compile reads IEC sources only
  '.l5x': 'Rockwell Logix L5X export (read by ladder-to-st)',
  '.l5k': 'Rockwell Logix L5K export',
  '.acd': 'Rockwell Studio 5000 project',
  '.rss': 'Rockwell RSLogix 500 project',
  '.cfc': 'CODESYS CFC export',
  '.exp': 'CODESYS V2 export',
  '.pro': 'CODESYS V2 project',
  '.project': 'CODESYS project archive',
  '.projectarchive': 'CODESYS project archive',
  '.library': 'CODESYS library',
  '.compiled-library': 'CODESYS compiled library',
  '.compiled-library-v3': 'CODESYS compiled library',
  '.tnzip': 'TwinCAT project archive',
  '.gxw': 'Mitsubishi GX Works project',
  '.smc2': 'Omron Sysmac Studio project',
};

/**
 * Libraries in binary form (CODESYS/TwinCAT). Their declarations are in a proprietary
 * serialisation inside a ZIP (`.compiled-library-v3`: not even a ZIP): what can be read is the
 * names, not the parameters and types an interface needs, so they are not read (decision 0108).
 */
const COMPILED_LIBRARIES: ReadonlySet<string> = new Set([
  '.library',
  '.compiled-library',
  '.compiled-library-v3',
]);

/** TwinCAT 3 objects read as code (`.TcTLEO`: an enumeration with a text list declares its enum like a DUT). */
export const TWINCAT_EXTENSIONS: ReadonlySet<string> = new Set([
  '.tcpou',
  '.tcdut',
  '.tcgvl',
  '.tcio',
  '.tctleo',
]);
/**
 * TwinCAT objects that hold no code of their own: text lists, visualisations. (A task object,
 * `.TcTTO`, is read: the programs its task runs, see twincat-tasks.ts.)
 */
const TWINCAT_NON_CODE = new Set(['.tctlo', '.tcgtlo', '.tcvis', '.tcvmo', '.tcipo']);

/** The first 4 KB of a file as text (a `.db` may be a large database file: never read whole). */
export async function fileHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LATIN1 = new TextDecoder('latin1');
/**
 * Windows-1252's characters for the bytes 0x80-0x9F (Latin-1's C1 controls; the five bytes
 * the code page leaves undefined stay as they are). Node's `windows-1252` decoder without
 * full ICU decodes these as Latin-1, hence the table.
 */
const CP1252_HIGH =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

function windows1252(bytes: Uint8Array): string {
  return LATIN1.decode(bytes).replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

/**
 * A source file's text from its bytes, decided once per file: UTF-8 when the bytes are valid
 * UTF-8, else Windows-1252, the code page TIA Portal and older TwinCAT/CODESYS exports write
 * (a degree sign 0xB0 or an umlaut in a comment). A UTF-8 byte order mark is dropped in both
 * cases, so a file that starts with one but holds a stray Windows-1252 byte does not begin
 * with `ï»¿` glued to its first keyword, and offsets are the same whichever way it decodes.
 *
 * @example
 * decodeSource(readFileSync('DB_Line.db')); // 'DATA_BLOCK "DB_Line" // 20°C ...'
 */
export function decodeSource(bytes: Uint8Array): string {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return UTF8_STRICT.decode(body);
  } catch {
    return windows1252(body);
  }
}

/** Does the start of a `.db` file read as a Siemens data block source (not a database file)? */
export function isSiemensDataBlock(head: string): boolean {
  return !head.includes('\u0000') && /\bDATA_BLOCK\b/i.test(head.slice(0, 4096));
}

/** Does the start of an XML file say it is a PLCopen TC6 project? */
export function isPlcopenXml(head: string): boolean {
  return /plcopen\.org\/xml\/tc6/i.test(head.slice(0, 4096));
}

/**
 * The format of a file. `head` is the beginning of the file (only needed
 * for `.xml`). With `explicit` (named on the command line) a file that is
 * neither readable nor a known PLC format is unsupported rather than
 * unrelated: the user asked for it.
 */
export function sourceFormat(path: string, head = '', explicit = false): FormatVerdict {
  const ext = extname(path).toLowerCase();
  if (ext === '.st') return { readable: 'st' };
  // given the head: an encrypted TwinCAT file is refused by name (the readers say so too)
  if ((TWINCAT_EXTENSIONS.has(ext) || ext === '.plcproj' || ext === '.tsproj') && isTwinCatEncrypted(head))
    return { unsupported: TWINCAT_ENCRYPTED };
  if (TWINCAT_EXTENSIONS.has(ext) || ext === '.tctto') return { readable: 'twincat' };
  if (TWINCAT_NON_CODE.has(ext)) return { unrelated: true };
  if (ext === '.plcproj') return { readable: 'plcproj' };
  // a TwinCAT system project, read for its <DataTypes> (decision 0130): by `compile` (through
  // classifyPaths) and `loadProject`, whose loader drops its copies of the project's own types;
  // other readers of a folder leave it, as they would see those copies twice
  if (ext === '.tsproj') return explicit ? { readable: 'twincat' } : { unrelated: true };
  // TIA Portal external sources (read by src/scl)
  if (ext === '.scl' || ext === '.udt') return { readable: 'scl' };
  if (ext === '.db') {
    if (isSiemensDataBlock(head)) return { readable: 'scl' };
    return explicit
      ? { unsupported: 'a .db file that is not a Siemens data block source' }
      : { unrelated: true };
  }
  if (ext === '.xml') {
    if (isPlcopenXml(head)) return { readable: 'plcopen' };
    if (/<RSLogix5000Content/i.test(head.slice(0, 4096)))
      return { unsupported: 'Rockwell Logix L5X export (read by ladder-to-st)' };
    return explicit ? { unsupported: 'XML that is not a PLCopen TC6 project' } : { unrelated: true };
  }
  const known = UNSUPPORTED_FORMATS[ext];
  // a project's library cache (TwinCAT's `_Libraries/`): named on the command line it is refused
  if (known && COMPILED_LIBRARIES.has(ext) && !explicit) return { library: known };
  if (known) return { unsupported: known };
  return explicit
    ? { unsupported: ext ? `an unknown format (${ext})` : 'a file without an extension' }
    : { unrelated: true };
}

/** The note for a library skipped in compiled form (see {@link PathClassification.compiledLibraries}). */
export function compiledLibraryNote(file: string, format: string): string {
  return `${file}: library present in compiled form (${format}), interface not read; give its interface with --libraries DIR`;
}

/** What {@link classifyPaths} found under the given files and directories. */
export interface PathClassification {
  /** Readable sources (ST, TwinCAT, PLCopen XML, Siemens SCL), sorted. */
  sources: string[];
  /** TwinCAT/CODESYS project files found. */
  projects: string[];
  /** Files in formats plcfleet does not read, with the format's name. */
  refused: { file: string; format: string }[];
  /**
   * Libraries the project carries in compiled form (a TwinCAT `_Libraries/…/*.compiled-library`
   * cache), skipped rather than refused; `note` is the line to show for each.
   */
  compiledLibraries: { file: string; note: string }[];
}

/**
 * Walks files and directories (recursively, skipping dot folders and
 * node_modules) and sorts every file into readable sources, project files
 * and refusals. Never parses anything.
 */
export async function classifyPaths(paths: string[]): Promise<PathClassification> {
  const out: PathClassification = { sources: [], projects: [], refused: [], compiledLibraries: [] };
  const visit = async (p: string, explicit: boolean): Promise<void> => {
    const st = await stat(p);
    if (st.isDirectory()) {
      const entries = await readdir(p, { withFileTypes: true });
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        await visit(join(p, e.name), false);
      }
      return;
    }
    const ext = extname(p).toLowerCase();
    // a TwinCAT file named on the command line: its head, to refuse an encrypted one by name (in
    // a folder the reader says so, without a read more per file)
    const twincat = TWINCAT_EXTENSIONS.has(ext) || ext === '.plcproj' || ext === '.tsproj';
    const head =
      ext === '.xml'
        ? (await readFile(p, 'utf8')).slice(0, 4096)
        : ext === '.db' || (explicit && twincat)
          ? await fileHead(p)
          : '';
    const v = ext === '.tsproj' ? sourceFormat(p, head, true) : sourceFormat(p, head, explicit);
    if ('readable' in v) (v.readable === 'plcproj' ? out.projects : out.sources).push(p);
    // a system project named on its own: the PLC projects it builds are the code (decision 0157)
    if (ext === '.tsproj' && explicit && 'readable' in v)
      for (const proj of await plcProjectsOf(p)) out.projects.push(proj);
    else if ('unsupported' in v) out.refused.push({ file: p, format: v.unsupported });
    else if ('library' in v) out.compiledLibraries.push({ file: p, note: compiledLibraryNote(p, v.library) });
  };
  for (const p of paths) await visit(p, true);
  out.projects = [...new Set(out.projects)];
  for (const f of await systemProjectsOf(out.projects)) if (!out.sources.includes(f)) out.sources.push(f);
  out.sources.sort();
  return out;
}

/**
 * A TwinCAT system project that cannot give the PLC code it names: a verifier that read
 * nothing must not say the code is fine (fail closed).
 */
export class ProjectFileError extends Error {
  constructor(
    /** The project file that was read. */
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProjectFileError';
  }
}

/**
 * The PLC projects (`.plcproj`) a TwinCAT system project (`.tsproj`) builds. Under `<Plc>`,
 * each `<Project>` either holds `PrjFilePath` (relative to the `.tsproj`; older files) or names
 * an independent file, `<Project File="X.xti"/>`, kept in `_Config/PLC/` beside the `.tsproj`,
 * whose own `<Project>` holds `PrjFilePath` relative to that `.xti`. Paths are Windows paths,
 * matched without regard to case as Windows does. A disabled project is not built by TwinCAT,
 * so not read. Throws {@link ProjectFileError} naming the file looked for when one is missing,
 * and when the system project names no PLC project at all.
 */
export async function plcProjectsOf(tsproj: string): Promise<string[]> {
  const plc = firstElement(await xmlOf(tsproj, tsproj), 'Plc');
  const out: string[] = [];
  for (const project of childrenNamed(plc, 'Project')) {
    if (attr(project, 'Disabled') === 'true') continue;
    let from = dirname(tsproj);
    let prj = attr(project, 'PrjFilePath');
    const xtiName = attr(project, 'File');
    if (prj === undefined && xtiName !== undefined) {
      const xti = await existingPath(join(from, '_Config', 'PLC', ...windowsPath(xtiName)));
      if (!xti)
        throw new ProjectFileError(
          tsproj,
          `${tsproj} names the PLC project file ${xtiName}, but ${join(from, '_Config', 'PLC', ...windowsPath(xtiName))} does not exist`,
        );
      const own = firstElement(await xmlOf(xti, tsproj), 'Project');
      if (attr(own, 'Disabled') === 'true') continue;
      prj = attr(own, 'PrjFilePath');
      if (prj === undefined)
        throw new ProjectFileError(
          tsproj,
          `${xti} (named by ${tsproj}) gives no PrjFilePath for its PLC project`,
        );
      from = dirname(xti);
    }
    if (prj === undefined) continue;
    const wanted = join(from, ...windowsPath(prj));
    const found = await existingPath(wanted);
    if (!found)
      throw new ProjectFileError(tsproj, `${tsproj} names the PLC project ${wanted}, which does not exist`);
    if (!out.includes(found)) out.push(found);
  }
  if (out.length === 0)
    throw new ProjectFileError(
      tsproj,
      `${tsproj} names no PLC project (no enabled <Project> under <Plc>), so there is no code to read`,
    );
  return out;
}

/** The XML tree of `file`, read for the system project `tsproj`: malformed, it cannot name its code. */
async function xmlOf(file: string, tsproj: string): Promise<XmlElement> {
  const text = await readFile(file, 'utf8');
  try {
    return parseXml(text);
  } catch (err) {
    throw new ProjectFileError(tsproj, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The first element named `name` at or under `el`, in document order. */
function firstElement(el: XmlElement, name: string): XmlElement | undefined {
  const stack = [el];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (localName(e) === name) return e;
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return undefined;
}

/** The parts of a relative Windows path (`..\\..\\Plc\\Plc.plcproj`). */
function windowsPath(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

/**
 * The path as it is on disk: each part as given, else the one entry of its folder equal to it
 * without regard to case (Windows wrote the name); undefined when there is none.
 */
async function existingPath(path: string): Promise<string | undefined> {
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  const parent = dirname(path);
  if (parent === path) return undefined;
  const dir = await existingPath(parent);
  if (!dir) return undefined;
  const name = basename(path);
  if (name === '..') return join(dir, '..');
  const entries = await readdir(dir).catch(() => [] as string[]);
  const same = entries.filter((e) => e.toLowerCase() === name.toLowerCase());
  return same.length === 1 ? join(dir, same[0]!) : undefined;
}

/**
 * The TwinCAT system projects (`.tsproj`) of these PLC projects when only the PLC project's
 * folder was named: a TwinCAT solution keeps `<System>/<System>.tsproj` one folder above
 * `<System>/<Plc>/<Plc>.plcproj`, and names the PLC project (its `.plcproj`, or the `.xti` of
 * the PLC folder). Its `<DataTypes>` are types the PLC code uses (decision 0130).
 */
async function systemProjectsOf(plcProjects: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const proj of plcProjects) {
    const folder = dirname(proj);
    const parent = dirname(folder);
    let entries: string[];
    try {
      entries = await readdir(parent);
    } catch {
      continue;
    }
    const names = [basename(proj), `${basename(folder)}.xti`].map((n) => n.toLowerCase());
    for (const e of entries) {
      if (extname(e).toLowerCase() !== '.tsproj') continue;
      const f = join(parent, e);
      const text = (await readFile(f, 'utf8')).toLowerCase();
      if (names.some((n) => text.includes(n)) && !out.includes(f)) out.push(f);
    }
  }
  return out;
}

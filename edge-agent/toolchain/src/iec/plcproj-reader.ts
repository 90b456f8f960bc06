/**
 * Reads a TwinCAT 3 / CODESYS `.plcproj` (MSBuild XML): which source files
 * are in the build (`<Compile Include>` without `<ExcludeFromBuild>true`),
 * the folders, and the library references with their versions
 * (`PlaceholderReference` / `PlaceholderResolution` / `LibraryReference`).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Span } from './ast';
import { type Diagnostic, diagnostic } from './diagnostics';
import { sourceFormat } from './vendor-format';
import { attr, child, LineMap, localName, parseXml, textOf, type XmlElement } from './xml';
import { openXmlRoot, type XmlSourceContext, xmlSpan } from './xml-source';

/** A library the project references. */
export interface LibraryReference {
  /** The placeholder or library name, e.g. `Tc2_Standard`. */
  name: string;
  /** The resolved version, `*` for "newest installed", absent when not written. */
  version?: string;
  /** The vendor as written, e.g. `Beckhoff Automation GmbH`. */
  vendor?: string;
  /** The namespace code uses to qualify the library's names (`Tc2_Standard.TON`). */
  namespace?: string;
  /**
   * A CODESYS system library (IecSfc, IoStandard, VisuElems, ...: `SystemLibrary="true"`): its
   * namespace qualifies names, but a name found nowhere is not attributed to it.
   */
  system?: boolean;
}

/** A `<Compile Include>` of the build: the path as the project writes it, and where. */
export interface BuildItem {
  include: string;
  span: Span;
}

/** A file the build lists that is not on disk (see {@link filesOfBuild}). */
export interface MissingBuildFile extends BuildItem {
  /** The path joined to the project's folder. */
  file: string;
}

/** What {@link readPlcProj} returns. */
export interface PlcProject {
  file: string;
  /** Source files in the build, as paths joined to the project's folder, in project order. */
  sources: string[];
  /** For each of `sources` (same index): its `Include` as written and the span of its item. */
  sourceItems: BuildItem[];
  /** Files listed but excluded from the build. */
  excluded: string[];
  /** Folders of the project tree. */
  folders: string[];
  libraries: LibraryReference[];
  diagnostics: Diagnostic[];
}

/** `Tc2_Standard, 3.3.3.0 (Beckhoff Automation GmbH)` or `Tc3_JsonXml,newest,Beckhoff Automation GmbH` → name, version, vendor. */
export function parseLibraryResolution(text: string): Omit<LibraryReference, 'namespace'> {
  const m =
    /^\s*([^,(]+?)\s*(?:,\s*([^\s(]+))?\s*(?:\(([^)]*)\))?\s*$/.exec(text) ??
    // TwinCAT also writes `Tc3_JsonXml,newest,Beckhoff Automation GmbH`
    /^\s*([^,(]+?)\s*,\s*([^,\s]+)\s*,\s*([^,]+?)\s*$/.exec(text);
  if (!m) return { name: text.trim() };
  const out: LibraryReference = { name: m[1]! };
  if (m[2]) out.version = m[2];
  if (m[3]) out.vendor = m[3];
  return out;
}

/** Reads one `.plcproj`. Never throws; broken XML is an ST1012 diagnostic. */
export function readPlcProj(text: string, file: string): PlcProject {
  const ctx: XmlSourceContext = { text, file, lines: new LineMap(text), diagnostics: [] };
  const out: PlcProject = {
    file,
    sources: [],
    sourceItems: [],
    excluded: [],
    folders: [],
    libraries: [],
    diagnostics: ctx.diagnostics,
  };
  const root = openXmlRoot(ctx, 'Project', 'no MSBuild <Project> element');
  if (!root) return out;
  const dir = dirname(file);
  const path = (include: string): string => join(dir, ...include.split(/[\\/]/));
  const byName = new Map<string, LibraryReference>();
  const library = (name: string): LibraryReference => {
    const key = name.toUpperCase();
    let lib = byName.get(key);
    if (!lib) {
      lib = { name };
      byName.set(key, lib);
      out.libraries.push(lib);
    }
    return lib;
  };
  const value = (el: XmlElement, name: string): string | undefined => {
    const c = child(el, name);
    return c ? textOf(text, c).trim() : undefined;
  };
  for (const group of root.children) {
    if (localName(group) !== 'ItemGroup') continue;
    for (const item of group.children) {
      const include = attr(item, 'Include');
      if (include === undefined) continue;
      switch (localName(item)) {
        case 'Compile':
          if (value(item, 'ExcludeFromBuild')?.toLowerCase() === 'true') out.excluded.push(path(include));
          else {
            out.sources.push(path(include));
            out.sourceItems.push({ include, span: xmlSpan(ctx, item.start, item.end) });
          }
          break;
        case 'Folder':
          out.folders.push(include.replace(/\\/g, '/'));
          break;
        case 'PlaceholderReference': {
          const lib = library(include);
          const ns = value(item, 'Namespace');
          if (ns) lib.namespace = ns;
          const def = value(item, 'DefaultResolution');
          if (def) {
            const r = parseLibraryResolution(def);
            lib.version ??= r.version;
            lib.vendor ??= r.vendor;
          }
          break;
        }
        case 'PlaceholderResolution': {
          const res = value(item, 'Resolution');
          if (!res) break;
          const r = parseLibraryResolution(res);
          const lib = library(include);
          // an explicit resolution pins the version the default left open
          if (r.version) lib.version = r.version;
          if (r.vendor) lib.vendor = r.vendor;
          break;
        }
        case 'LibraryReference': {
          const r = parseLibraryResolution(include);
          const lib = library(r.name);
          if (r.version) lib.version = r.version;
          if (r.vendor) lib.vendor = r.vendor;
          const ns = value(item, 'Namespace');
          if (ns) lib.namespace = ns;
          break;
        }
      }
    }
  }
  return out;
}

/**
 * What a run reads when it meets PLC project `proj` among `files` (the sources found under the
 * paths given): under the project's folder only the files of its build count (a stale copy or
 * a backup beside the build is no code), files outside that folder stay, and the build's files
 * in a readable format that exist are added, in project order. A listed file that is not there
 * is left out (its names are then unknown to the check, which refuses what uses them).
 * `built` is the build's own readable, existing files: the project's set. One rule for
 * `compile` and for the simulator's and the safety verifier's loaders. Existence is asked
 * of an asynchronous `stat`, as `compile` asked it before this was shared: measured, a
 * synchronous check made the whole command faster but moved the background compiling its
 * waits had hidden into `compile`'s `ms` (docs/performance-frontend.md, session 11).
 */
export async function filesOfBuild(
  files: readonly string[],
  proj: Pick<PlcProject, 'file' | 'sources'> & Partial<Pick<PlcProject, 'sourceItems'>>,
): Promise<{ files: string[]; built: string[]; missing: MissingBuildFile[] }> {
  const dir = dirname(proj.file);
  const inBuild = new Set(proj.sources);
  const out = files.filter((f) => relative(dir, f).startsWith('..') || inBuild.has(f));
  const built: string[] = [];
  const missing: MissingBuildFile[] = [];
  for (const [i, f] of proj.sources.entries()) {
    if (!('readable' in sourceFormat(f, '', true))) continue;
    if (!(await exists(f))) {
      const item = proj.sourceItems?.[i];
      const at = { file: proj.file, line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
      missing.push({ file: f, include: item?.include ?? relative(dir, f), span: item?.span ?? at });
      continue;
    }
    if (!out.includes(f)) out.push(f);
    built.push(f);
  }
  return { files: out, built, missing };
}

/**
 * One warning (ST3012) per project for the files its build lists that are not on disk, at the
 * first one's `<Compile>` item: `26 files listed in the build are not on disk, e.g. a, b, c`.
 * Request h2-3: a folder renamed without its project left ten POUs out in silence, and the
 * names they declare were then blamed on the project's libraries.
 */
export function missingBuildFilesWarnings(missing: readonly MissingBuildFile[]): Diagnostic[] {
  const byProject = new Map<string, MissingBuildFile[]>();
  for (const m of missing) {
    const list = byProject.get(m.span.file);
    if (list) list.push(m);
    else byProject.set(m.span.file, [m]);
  }
  return [...byProject.values()].map((list) => {
    const shown = list.slice(0, 3).map((m) => m.include);
    const more = list.length > shown.length ? `, … (${list.length - shown.length} more)` : '';
    return list.length === 1
      ? diagnostic('ST3012', list[0]!.span, '1 file', 'is', `: ${shown[0]}`)
      : diagnostic(
          'ST3012',
          list[0]!.span,
          `${list.length} files`,
          'are',
          `, e.g. ${shown.join(', ')}${more}`,
        );
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The libraries a CODESYS PLCopen export references (its applications'
 * `addData` ".../plcopenxml/libraries": `<Library Name="#MQTT" Namespace="MQTT"
 * DefaultResolution="MQTT, * (Stefan Dreyer)">`), each once; none for a file
 * without that data or that is not XML.
 */
export function readPlcopenLibraries(text: string): LibraryReference[] {
  if (!text.includes('<Libraries>')) return [];
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch {
    return [];
  }
  const out = new Map<string, LibraryReference>();
  const visit = (el: XmlElement): void => {
    for (const c of el.children) {
      if (localName(c) === 'Library' && localName(el) === 'Libraries') {
        const written = attr(c, 'Name') ?? '';
        // `#Name` is a placeholder resolved by DefaultResolution; else the name is the resolution
        const r = parseLibraryResolution(
          written.startsWith('#') ? (attr(c, 'DefaultResolution') ?? '') : written,
        );
        const lib: LibraryReference = { name: written.startsWith('#') ? written.slice(1) : r.name };
        if (r.version) lib.version = r.version;
        if (r.vendor) lib.vendor = r.vendor;
        const ns = attr(c, 'Namespace');
        if (ns) lib.namespace = ns;
        if (attr(c, 'SystemLibrary') === 'true') lib.system = true;
        if (lib.name && !out.has(lib.name.toUpperCase())) out.set(lib.name.toUpperCase(), lib);
      } else visit(c);
    }
  };
  visit(root);
  return [...out.values()];
}

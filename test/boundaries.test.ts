/**
 * Boundaries of the code, checked over the import graph of every package's sources
 * (tests included):
 *
 * - a folder with an `index.ts` is entered through it: from outside the folder, an
 *   import of any other file in it (`../plant-io/modbus-client`) goes past its surface;
 * - a package is entered only through the entry points of its `package.json#exports`,
 *   never by a relative path into its folder or a deep `@plcfleet/x/src/...`;
 * - layers point one way: protocols ← toolchain ← edge-agent; protocols ← control-plane;
 *   protocols ← sdk. The control plane and the SDK never import the edge agent or the
 *   toolchain; the dashboard's browser code (control-plane/src/dashboard/app) is a
 *   client of the API and alone in the control plane may import the SDK;
 * - the SDK (and protocols, which it pulls) never imports an industrial protocol
 *   library or a database driver; the toolchain never imports any I/O library.
 *
 * Violations that exist are listed in KNOWN with the reason they are not fixed yet;
 * a new one fails the test. Remove an entry when it is fixed (the test says which are).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Pkg {
  /** npm name. */
  name: string;
  /** Short name used in the layer table. */
  id: 'protocols' | 'toolchain' | 'edge-agent' | 'control-plane' | 'sdk';
  /** The package folder, relative to the root. */
  dir: string;
}

const PACKAGES: readonly Pkg[] = [
  { id: 'protocols', name: '@plcfleet/protocols', dir: 'protocols' },
  { id: 'toolchain', name: '@plcfleet/toolchain', dir: 'edge-agent/toolchain' },
  { id: 'edge-agent', name: '@plcfleet/edge-agent', dir: 'edge-agent' },
  { id: 'control-plane', name: '@plcfleet/control-plane', dir: 'control-plane' },
  { id: 'sdk', name: '@plcfleet/sdk', dir: 'sdk' },
];

/** Which of our packages each package may import. */
const MAY_IMPORT: Record<Pkg['id'], readonly Pkg['id'][]> = {
  protocols: [],
  toolchain: ['protocols'],
  'edge-agent': ['protocols', 'toolchain'],
  'control-plane': ['protocols'],
  sdk: ['protocols'],
};

/** The one place in the control plane that is a client of the API (browser code). */
const DASHBOARD_APP = 'control-plane/src/dashboard/app/';

/** Libraries an admin's install of the SDK must not pull (the README's parts and folders). */
const NOT_IN_SDK = [
  'node-opcua',
  'modbus-serial',
  'better-sqlite3',
  'pg',
  'kysely',
  'node:sqlite',
  'sqlite3',
];
/** I/O libraries the toolchain (no I/O) must not import. */
const NOT_IN_TOOLCHAIN = [
  ...NOT_IN_SDK,
  'ws',
  '@anthropic-ai/sdk',
  '@modelcontextprotocol/sdk',
  'node:net',
  'node:http',
  'node:child_process',
];

/**
 * Violations that exist, each with why it stays for now. The test fails on any other.
 * Key: `importer -> specifier`.
 */
const KNOWN: Record<string, string> = {};

/** The package a root-relative path belongs to (the innermost package folder). */
function packageOf(path: string): Pkg | undefined {
  return [...PACKAGES]
    .sort((a, b) => b.dir.length - a.dir.length)
    .find((p) => path === p.dir || path.startsWith(`${p.dir}/`));
}

function listTs(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) listTs(full, out);
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The source files of every package (its src/ only; a nested package's files are its own). */
function sourceFiles(): string[] {
  return PACKAGES.flatMap((p) =>
    listTs(join(ROOT, p.dir, 'src')).map((f) => relative(ROOT, f).split(sep).join('/')),
  );
}

/** Every module specifier a file imports or re-exports, static or dynamic, types included. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The root-relative file a relative specifier resolves to, or undefined. */
function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(ROOT, dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    `${base}.ts`,
    join(base, 'index.ts'),
    base, // .json and other files
  ];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit && relative(ROOT, hit).split(sep).join('/');
}

/** The entry points a package names in `package.json#exports`, as specifiers. */
function entryPoints(pkg: Pkg): Set<string> {
  const json = JSON.parse(readFileSync(join(ROOT, pkg.dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
  };
  return new Set(
    Object.keys(json.exports ?? { '.': null }).map((k) =>
      k === '.' ? pkg.name : `${pkg.name}${k.slice(1)}`,
    ),
  );
}

/** The bare package name of a specifier (`@scope/name/sub` → `@scope/name`). */
function bareName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * For an import of `target` from `importer` (same package), the outermost folder with an
 * `index.ts` that `target` lies in, the importer does not, and `target` is not the index of.
 */
function folderPassed(importer: string, target: string, srcRoot: string): string | undefined {
  const rel = target.slice(srcRoot.length + 1).split('/');
  for (let depth = 1; depth < rel.length; depth++) {
    const folder = `${srcRoot}/${rel.slice(0, depth).join('/')}`;
    if (importer.startsWith(`${folder}/`)) continue;
    if (!existsSync(join(ROOT, folder, 'index.ts'))) continue;
    if (target === `${folder}/index.ts`) return undefined;
    return folder;
  }
  return undefined;
}

/** Every boundary violation, `importer -> specifier: why`. */
function violations(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (file: string, spec: string, why: string) => found.set(`${file} -> ${spec}`, why);
  const entries = new Map(PACKAGES.map((p) => [p.name, entryPoints(p)]));
  for (const file of sourceFiles()) {
    const own = packageOf(file)!;
    const srcRoot = `${own.dir}/src`;
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (!target) continue; // not a source file (the type checker reports it)
        const theirs = packageOf(target);
        if (theirs !== own) {
          add(file, spec, `reaches into ${theirs?.name ?? target} by a relative path`);
          continue;
        }
        const passed = target.startsWith(`${srcRoot}/`) ? folderPassed(file, target, srcRoot) : undefined;
        if (passed) add(file, spec, `goes past ${passed}/index.ts`);
        continue;
      }
      const name = bareName(spec);
      const pkg = PACKAGES.find((p) => p.name === name);
      if (pkg) {
        if (pkg === own) add(file, spec, 'imports its own package by name');
        else if (!entries.get(name)!.has(spec)) add(file, spec, `is not an entry point of ${name}`);
        const mayImport =
          MAY_IMPORT[own.id].includes(pkg.id) || (pkg.id === 'sdk' && file.startsWith(DASHBOARD_APP));
        if (pkg !== own && !mayImport) add(file, spec, `${own.id} may not import ${pkg.id}`);
        continue;
      }
      if ((own.id === 'sdk' || own.id === 'protocols') && NOT_IN_SDK.includes(name))
        add(file, spec, `the SDK (and protocols, which it pulls) must not import ${name}`);
      if (own.id === 'toolchain' && NOT_IN_TOOLCHAIN.includes(name))
        add(file, spec, `the toolchain has no I/O: it must not import ${name}`);
    }
  }
  return found;
}

describe('boundaries of the import graph', () => {
  const found = violations();

  it('finds the imports it checks (the graph is not empty)', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(importsOf).filter((s) => s.startsWith('@plcfleet/')).length).toBeGreaterThan(50);
  });

  it('reports a folder entered past its index.ts and a layer crossed (the checks can fail)', () => {
    expect(
      folderPassed('edge-agent/src/staging/x.ts', 'edge-agent/src/plant-io/modbus/y.ts', 'edge-agent/src'),
    ).toBe('edge-agent/src/plant-io');
    expect(
      folderPassed('edge-agent/src/staging/x.ts', 'edge-agent/src/plant-io/index.ts', 'edge-agent/src'),
    ).toBe(undefined);
    expect(
      folderPassed('edge-agent/src/plant-io/a.ts', 'edge-agent/src/plant-io/b.ts', 'edge-agent/src'),
    ).toBe(undefined);
    expect(MAY_IMPORT['control-plane']).not.toContain('edge-agent');
    expect(MAY_IMPORT.sdk).not.toContain('toolchain');
  });

  it('has no violation besides the known ones', () => {
    const fresh = [...found].filter(([key]) => !(key in KNOWN)).map(([key, why]) => `${key}: ${why}`);
    expect(fresh).toEqual([]);
    // Not a failure: several people fix these at once. Each fixed entry is named, to be taken out.
    const fixed = Object.keys(KNOWN).filter((key) => !found.has(key));
    if (fixed.length) console.warn(`boundaries: fixed, remove from KNOWN:\n  ${fixed.join('\n  ')}`);
  });
});

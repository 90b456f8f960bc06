/**
 * The SDK must install without PLC or database drivers (DESIGN: "The SDK must
 * not pull node-opcua, modbus-serial or a database driver into an admin's
 * install"), and its client entry must run in a browser (no Node-only imports).
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  link?: boolean;
  resolved?: string;
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** Where npm finds `name` for the package installed at `from` (node_modules lookup, walking up). */
function locate(name: string, from: string): string | undefined {
  for (
    let dir = from;
    ;
    dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : ''
  ) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
  }
}

/** Every package an install of `pkg` (a lockfile key) pulls in at run time, by name. */
function installClosure(pkg: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = lock.packages[key];
    if (!entry) throw new Error(`lockfile has no ${key}`);
    if (entry.link && entry.resolved) return visit(entry.resolved);
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) {
      names.add(name);
      const at = locate(name, key);
      if (at) visit(at);
    }
  };
  visit(pkg);
  return names;
}

const FORBIDDEN = [
  /^node-opcua/,
  /^modbus-serial$/,
  /^pg$/,
  /^better-sqlite3$/,
  /^kysely$/,
  /^serialport$/,
  /^@serialport\//,
];

describe('the SDK install closure', () => {
  const closure = installClosure('sdk');

  it('holds the SDK’s runtime dependencies and what they pull in', () => {
    // The walk itself must work: the declared dependencies are in it.
    expect([...closure]).toEqual(expect.arrayContaining(['commander', 'yaml', 'zod']));
    // …and the same walk from the control plane does find the drivers.
    const cp = installClosure('control-plane');
    expect([...cp]).toEqual(expect.arrayContaining(['better-sqlite3', 'pg', 'kysely']));
  });

  it('has no PLC driver, database driver or query builder', () => {
    const bad = [...closure].filter((n) => FORBIDDEN.some((re) => re.test(n)));
    expect(bad).toEqual([]);
  });

  it('does not depend on workspace packages at run time (protocols is bundled in)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'sdk/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@plcfleet/'))).toEqual([]);
  });
});

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Source files reachable from `entry` through imports, and the bare modules they import. */
function reachable(entry: string): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2])!;
      const from = relative(root, file);
      if (spec.startsWith('.')) visit(resolveTs(resolve(dirname(file), spec)));
      else if (spec === '@plcfleet/protocols') visit(join(root, 'protocols/src/index.ts'));
      else bare.set(spec, from);
    }
  };
  visit(join(root, entry));
  return { files, bare };
}

function resolveTs(base: string): string {
  for (const c of [`${base}.ts`, join(base, 'index.ts'), base])
    if (existsSync(c) && c.endsWith('.ts')) return c;
  throw new Error(`cannot resolve ${base}`);
}

describe('the SDK client entry', () => {
  const { files, bare } = reachable('sdk/src/index.ts');

  it('reaches the client and the protocols it bundles', () => {
    const rel = [...files].map((f) => relative(root, f));
    expect(rel).toEqual(
      expect.arrayContaining(['sdk/src/client/watch-rollout.ts', 'protocols/src/index.ts']),
    );
    expect(rel.filter((f) => f.startsWith('sdk/src/cli/') || f === 'sdk/src/cli.ts')).toEqual([]);
  });

  it('imports no Node built-in module, no signing entry and nothing but zod', () => {
    const imports = [...bare.entries()].map(([spec, from]) => `${spec} (from ${from})`);
    expect(imports.filter((i) => BUILTINS.has(i.split(' ')[0]!))).toEqual([]);
    expect([...bare.keys()].filter((s) => s !== 'zod')).toEqual([]);
  });

  it('is checked by a walk that does see Node imports where there are some (the CLI entry)', () => {
    const cli = reachable('sdk/src/cli.ts');
    expect([...cli.bare.keys()].filter((s) => BUILTINS.has(s))).toEqual(
      expect.arrayContaining(['node:fs/promises']),
    );
  });
});

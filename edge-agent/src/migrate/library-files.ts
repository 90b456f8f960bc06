/**
 * Library interfaces for the compiler: declaration-only ST (or ST with
 * behaviour models) per library version, `<Name>@<version>.st` in a libraries
 * directory (`--libraries DIR`). The program is compiled with the versions the
 * site facts list; a `library-update` compiles the changed program with the
 * new version. Library files are added for compile, safety and simulation only:
 * they are never part of the program's files, diff or hash.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Migration, type SiteLibrary, satisfiesRange } from '@plcfleet/protocols';
import { hashProgram, type ProgramFile } from '../sources';
import type { Verifiers } from './verifiers';

/** Path prefix of library files in compile reports (never a program file's path). */
export const LIBRARY_PATH_PREFIX = '@libraries/';

/** True for a library interface file added for compile. */
export const isLibraryFile = (path: string): boolean => path.startsWith(LIBRARY_PATH_PREFIX);

/** Reads `<Name>@<version>.st` of each library from `dir`; refuses one that is missing, naming the file. */
async function loadLibraryFiles(dir: string, libraries: readonly SiteLibrary[]): Promise<ProgramFile[]> {
  const out: ProgramFile[] = [];
  for (const l of libraries) {
    const file = `${l.name}@${l.version}.st`;
    let text: string;
    try {
      text = await readFile(join(dir, file), 'utf8');
    } catch {
      throw new Error(`no interface of library ${l.name} ${l.version}: ${join(dir, file)} is missing`);
    }
    out.push({ path: `${LIBRARY_PATH_PREFIX}${file}`, text });
  }
  return out;
}

/**
 * Verifiers that compile a program with its libraries: the program as read
 * with `before`, any other state of it (a transformer's edit, the result) with
 * `after` — the new library's interface for a library update.
 */
export function withLibraries(
  base: Verifiers,
  original: readonly ProgramFile[],
  before: readonly ProgramFile[],
  after: readonly ProgramFile[],
): Verifiers {
  if (before.length === 0 && after.length === 0) return base;
  const originalHash = hashProgram(original);
  const v: Verifiers = {
    ...base,
    compile: (files) => base.compile([...files, ...(hashProgram(files) === originalHash ? before : after)]),
    inner(files) {
      const check = base.inner([...files, ...before]);
      return (next) => check([...next, ...(hashProgram(next) === originalHash ? before : after)]);
    },
  };
  return v;
}

/** What the executor compiles with: library files before and after, or why it cannot run. */
export type LibrarySetup =
  | { before: ProgramFile[]; after: ProgramFile[] }
  | { outcome: 'skipped' | 'error'; reason: string };

/**
 * The library files of a job: the versions the site facts list, and for a
 * `library-update` the new version of its library instead of the installed one.
 */
export async function prepareLibraries(
  migration: Migration,
  installed: readonly SiteLibrary[] | undefined,
  dir: string | undefined,
): Promise<LibrarySetup> {
  const update = migration.type === 'library-update' ? migration.library : undefined;
  if (!dir) {
    if (update)
      return {
        outcome: 'error',
        reason: `a library-update needs the library interfaces (--libraries DIR) to check the program against ${update.name} ${update.to}`,
      };
    return { before: [], after: [] };
  }
  const libs = installed ?? [];
  let next = libs;
  if (update) {
    const have = libs.find((l) => l.name.toLowerCase() === update.name.toLowerCase());
    if (!have)
      return {
        outcome: 'error',
        reason: `the site facts list no library ${update.name}; a library-update needs its installed version`,
      };
    if (!satisfiesRange(have.version, update.from))
      return {
        outcome: 'skipped',
        reason: `the site has ${have.name} ${have.version}, outside ${update.from}`,
      };
    next = libs.map((l) => (l === have ? { name: l.name, version: update.to } : l));
  }
  try {
    return { before: await loadLibraryFiles(dir, libs), after: await loadLibraryFiles(dir, next) };
  } catch (err) {
    return { outcome: 'error', reason: (err as Error).message };
  }
}

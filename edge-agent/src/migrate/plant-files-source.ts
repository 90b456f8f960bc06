/**
 * A directory program source that also carries the plant files a tag change
 * edits beside the program: tag maps and HMI/SCADA files (and vendor exports
 * the compiler does not read) that match the migration's `scope.files`. The
 * program hash, the verdict's `sha256Before`/`sha256After` and a deploy then
 * cover them too, and a write puts program and plant files in place together.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Migration } from '@plcfleet/protocols';
import {
  hashProgram,
  isGitSource,
  type ProgramFile,
  type ProgramSource,
  SourceError,
  sortFiles,
  type WriteOptions,
} from '../sources';
import { matchesAnyGlob } from '../transform';
import { migrationKind } from './kinds';

/** Largest plant file read, in bytes. */
const MAX_PLANT_FILE_BYTES = 8 * 1024 * 1024;
/** Most plant files read beside the program. */
const MAX_PLANT_FILES = 5000;

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(root, full, out);
    else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/**
 * Wraps a directory source so that it also reads and writes the text files
 * under its folder that match `globs` (the migration's `scope.files`); a Git
 * source gives its own view with them (`GitProgramSource.withPlantFiles`).
 * Other sources (OPC UA, a single file) are returned as they are.
 *
 * @example
 * const source = await withPlantFiles(createDirectorySource('plant/'), migration.scope.files);
 */
export async function withPlantFiles(inner: ProgramSource, globs: readonly string[]): Promise<ProgramSource> {
  if (isGitSource(inner)) return inner.withPlantFiles(globs);
  if (inner.kind !== 'directory') return inner;
  const root = inner.location;
  const isDir = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return inner;

  async function readAll(): Promise<ProgramFile[]> {
    const program = await inner.read();
    const have = new Set(program.map((f) => f.path));
    const paths: string[] = [];
    await walk(root, root, paths);
    const extra: ProgramFile[] = [];
    for (const p of paths.sort()) {
      if (have.has(p) || !matchesAnyGlob(p, globs)) continue;
      if (extra.length >= MAX_PLANT_FILES)
        throw new SourceError('io', `${root}: more than ${MAX_PLANT_FILES} plant files in scope`);
      const full = join(root, p);
      const size = (await stat(full)).size;
      if (size > MAX_PLANT_FILE_BYTES)
        throw new SourceError('io', `${p}: ${size} bytes is over the ${MAX_PLANT_FILE_BYTES}-byte limit`);
      const text = await readFile(full, 'utf8');
      if (text.includes('\u0000')) continue; // binary (images, archives): not a text file to edit
      extra.push({ path: p, text });
    }
    return sortFiles([...program, ...extra]);
  }

  return {
    kind: inner.kind,
    location: root,
    read: readAll,
    async write(files: readonly ProgramFile[], opts: WriteOptions = {}): Promise<void> {
      if (opts.expectSha256Before !== undefined) {
        const now = hashProgram(await readAll());
        if (now !== opts.expectSha256Before)
          throw new SourceError(
            'changed-since-read',
            `${root} changed since it was read (sha256 ${now.slice(0, 12)}…)`,
          );
      }
      // The directory source writes any files under its folder all or nothing (temporaries, then renames).
      await inner.write(files);
    },
    close: () => inner.close(),
  };
}

/**
 * The plant file globs a change of `migration` is read, hashed and deployed with
 * (its `scope.files`), or `undefined` for a kind that edits only the program (and a
 * `code` migration whose scope names no HMI files, `namesHmiFiles`). A
 * deploy must wrap its source with {@link withPlantFiles} and these globs, or the
 * hashes of the verdict do not match what it reads.
 */
export function plantFileGlobs(migration: Migration): readonly string[] | undefined {
  const kind = migrationKind(migration.type);
  if ('refused' in kind || !kind.plantFiles) return undefined;
  const reads = kind.plantFiles === true || kind.plantFiles(migration);
  return reads ? migration.scope.files : undefined;
}

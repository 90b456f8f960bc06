import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import {
  hashProgram,
  isProgramFile,
  type ProgramFile,
  type ProgramSource,
  SKIPPED_DIRS,
  SourceError,
  safeRelativePath,
  sortFiles,
  type WriteOptions,
} from './program-source';

/** Options of {@link createDirectorySource}. */
export interface DirectorySourceOptions {
  /** Largest file read, in bytes. @default 8 MiB */
  maxFileBytes?: number;
  /** Most files read. @default 5000 */
  maxFiles?: number;
}

/**
 * A project on disk: a directory read recursively (`.st`, `.TcPOU`, `.TcDUT`,
 * `.TcGVL`, PLCopen `.xml`), or one file. Files are read and written as text
 * byte for byte (BOM and line endings kept), so a file comes back in the format
 * it came in and untouched outside the change. Writes go to temporary files
 * first and are renamed into place only when all of them were written.
 */
export function createDirectorySource(path: string, options: DirectorySourceOptions = {}): ProgramSource {
  const maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 5000;
  const target = resolve(path);

  async function layout(): Promise<{ root: string; single?: string }> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(target);
    } catch (err) {
      throw new SourceError('not-found', `${path}: no such file or directory`, { cause: err });
    }
    if (st.isDirectory()) return { root: target };
    return { root: dirname(target), single: basename(target) };
  }

  async function walk(root: string, dir: string, out: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') && e.isDirectory()) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(root, full, out);
      } else if (e.isFile() && isProgramFile(e.name)) {
        out.push(relative(root, full).split(sep).join('/'));
        if (out.length > maxFiles)
          throw new SourceError(
            'io',
            `${path}: more than ${maxFiles} program files; is this the project root?`,
          );
      }
    }
  }

  async function readAll(): Promise<ProgramFile[]> {
    const { root, single } = await layout();
    const paths: string[] = [];
    if (single) paths.push(single);
    else await walk(root, root, paths);
    if (paths.length === 0)
      throw new SourceError('not-found', `${path}: no program files (.st, .TcPOU, .TcDUT, .TcGVL, .xml)`);
    const files: ProgramFile[] = [];
    for (const p of paths) {
      const full = join(root, p);
      const size = (await stat(full)).size;
      if (size > maxFileBytes)
        throw new SourceError('io', `${p}: ${size} bytes is over the ${maxFileBytes}-byte limit`);
      files.push({ path: p, text: await readFile(full, 'utf8') });
    }
    return sortFiles(files);
  }

  return {
    kind: 'directory',
    location: target,
    read: readAll,
    async write(files: readonly ProgramFile[], opts: WriteOptions = {}): Promise<void> {
      const { root, single } = await layout();
      const rels = files.map((f) => safeRelativePath(f.path));
      if (single && rels.some((r) => r !== single))
        throw new SourceError(
          'bad-path',
          `${path} is one file; cannot write ${rels.find((r) => r !== single)}`,
        );
      if (opts.expectSha256Before !== undefined) {
        const now = hashProgram(await readAll());
        if (now !== opts.expectSha256Before)
          throw new SourceError(
            'changed-since-read',
            `${path} changed since it was read (sha256 ${now.slice(0, 12)}…)`,
          );
      }
      const temps: Array<{ tmp: string; dest: string }> = [];
      try {
        for (const [i, f] of files.entries()) {
          const dest = join(root, rels[i]!);
          await mkdir(dirname(dest), { recursive: true });
          const tmp = `${dest}.plcfleet-${randomBytes(6).toString('hex')}.tmp`;
          temps.push({ tmp, dest });
          await writeFile(tmp, f.text, 'utf8');
        }
      } catch (err) {
        await Promise.all(temps.map((t) => rm(t.tmp, { force: true })));
        throw new SourceError('io', `writing ${path} failed; nothing was changed`, { cause: err });
      }
      for (const t of temps) await rename(t.tmp, t.dest);
    },
    async close(): Promise<void> {},
  };
}

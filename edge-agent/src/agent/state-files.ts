import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes JSON so that a crash leaves the old file or the new one, never half
 * of one: a temporary file beside it, flushed, then renamed over it.
 */
export async function writeJsonAtomic(file: string, value: unknown, mode = 0o644): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode, flush: true });
  await rename(tmp, file);
}

/** Reads a JSON file, or `undefined` when it does not exist. */
export async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes a file if it is there. */
export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * Removes the `*.tmp` files a crash during {@link writeJsonAtomic} left in `dir` (none is in
 * use when the agent starts). Returns their names; a missing directory has none.
 */
export async function removeStrayTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stray = names.filter((n) => n.endsWith('.tmp'));
  await Promise.all(stray.map((n) => rm(join(dir, n), { force: true })));
  return stray;
}

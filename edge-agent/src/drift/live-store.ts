/**
 * The agent's record of live reads: each program read from the PLC is kept
 * once under its hash (`<dir>/programs/<sha256>.json`, content-addressed, so
 * an unchanged program costs nothing more), and `<dir>/history.json` lists
 * the reads newest first. The oldest reads beyond the retention limit are
 * dropped, and a program no kept read names is deleted.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LiveRead } from '@plcfleet/protocols';
import { z } from 'zod';
import { hashProgram, type ProgramFile } from '../sources';

const History = z.array(LiveRead);

/** Options of {@link LiveStore}. */
export interface LiveStoreOptions {
  /** Reads kept in the history (their programs with them). @default 48 */
  keep?: number;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/** Live reads kept content-addressed by their {@link hashProgram}, with a retention limit. */
export class LiveStore {
  private readonly keep: number;

  constructor(
    /** The store's folder (created on first use). */
    readonly dir: string,
    options: LiveStoreOptions = {},
  ) {
    this.keep = Math.max(1, options.keep ?? 48);
  }

  /** The reads kept, newest first. */
  async history(): Promise<LiveRead[]> {
    try {
      return History.parse(JSON.parse(await readFile(join(this.dir, 'history.json'), 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      // A damaged history is started afresh rather than stopping drift checks.
      return [];
    }
  }

  /** The program a kept read has, or undefined when it is no longer kept. */
  async program(sha256: string): Promise<ProgramFile[] | undefined> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    try {
      return JSON.parse(
        await readFile(join(this.dir, 'programs', `${sha256}.json`), 'utf8'),
      ) as ProgramFile[];
    } catch {
      return undefined;
    }
  }

  /** Keeps a live read taken at `at`; returns its hash and the history after it (newest first). */
  async add(files: readonly ProgramFile[], at: Date): Promise<{ sha256: string; history: LiveRead[] }> {
    const sha256 = hashProgram(files);
    const programs = join(this.dir, 'programs');
    await mkdir(programs, { recursive: true });
    const path = join(programs, `${sha256}.json`);
    // Content-addressed: the same program is written once.
    if (!(await this.program(sha256))) await writeAtomic(path, JSON.stringify(files));
    const history = [{ sha256, at: at.toISOString() }, ...(await this.history())].slice(0, this.keep);
    await writeAtomic(join(this.dir, 'history.json'), `${JSON.stringify(history)}\n`);
    const kept = new Set(history.map((h) => `${h.sha256}.json`));
    for (const name of await readdir(programs))
      if (name.endsWith('.json') && !kept.has(name)) await rm(join(programs, name), { force: true });
    return { sha256, history };
  }
}

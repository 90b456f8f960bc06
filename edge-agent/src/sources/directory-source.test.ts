import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectorySource } from './directory-source';
import { hashProgram, SourceError } from './program-source';
import { runSourceContract } from './source-contract';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plcfleet-src-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

runSourceContract('directory', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plcfleet-contract-'));
  await mkdir(join(root, 'POUs'));
  await writeFile(join(root, 'POUs', 'Main.st'), 'PROGRAM Main\nx := 1;\nEND_PROGRAM\r\n');
  await writeFile(join(root, 'GVL.TcGVL'), '\uFEFF<?xml version="1.0"?>\n<TcPlcObject/>\n');
  return { source: createDirectorySource(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('directory source', () => {
  it('skips non-program files and hidden or build folders', async () => {
    await writeFile(join(dir, 'a.st'), 'x');
    await writeFile(join(dir, 'notes.txt'), 'x');
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'b.st'), 'x');
    await mkdir(join(dir, 'node_modules'));
    await writeFile(join(dir, 'node_modules', 'c.st'), 'x');
    expect((await createDirectorySource(dir).read()).map((f) => f.path)).toEqual(['a.st']);
  });

  it('reads one file as a project and refuses to write another path next to it', async () => {
    await writeFile(join(dir, 'one.st'), 'PROGRAM P END_PROGRAM');
    const src = createDirectorySource(join(dir, 'one.st'));
    expect(await src.read()).toEqual([{ path: 'one.st', text: 'PROGRAM P END_PROGRAM' }]);
    await expect(src.write([{ path: 'two.st', text: '' }])).rejects.toBeInstanceOf(SourceError);
  });

  it('refuses a path that leaves the project and writes nothing', async () => {
    await writeFile(join(dir, 'a.st'), 'x');
    const src = createDirectorySource(dir);
    await expect(
      src.write([
        { path: 'a.st', text: 'y' },
        { path: '../evil.st', text: 'z' },
      ]),
    ).rejects.toMatchObject({ code: 'bad-path' });
    expect(await readFile(join(dir, 'a.st'), 'utf8')).toBe('x');
  });

  it('refuses to write when the program changed since it was verified', async () => {
    await writeFile(join(dir, 'a.st'), 'x');
    const src = createDirectorySource(dir);
    const before = hashProgram(await src.read());
    await writeFile(join(dir, 'a.st'), 'changed by someone at the PLC');
    await expect(
      src.write([{ path: 'a.st', text: 'y' }], { expectSha256Before: before }),
    ).rejects.toMatchObject({
      code: 'changed-since-read',
    });
    expect(await readFile(join(dir, 'a.st'), 'utf8')).toBe('changed by someone at the PLC');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a missing project and an empty one', async () => {
    await expect(createDirectorySource(join(dir, 'nope')).read()).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(createDirectorySource(dir).read()).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('hashProgram', () => {
  it('depends on paths and contents, not on order', () => {
    const a = { path: 'a.st', text: '1' };
    const b = { path: 'b.st', text: '2' };
    expect(hashProgram([a, b])).toBe(hashProgram([b, a]));
    expect(hashProgram([a, b])).not.toBe(hashProgram([a, { ...b, text: '3' }]));
    expect(hashProgram([a, b])).not.toBe(hashProgram([a, { ...b, path: 'c.st' }]));
    expect(hashProgram([a])).toMatch(/^[0-9a-f]{64}$/);
  });
});

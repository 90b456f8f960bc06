import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyPaths, compiledLibraryNote, sourceFormat } from './vendor-format';

/** The first bytes of a compiled library (a ZIP's local file header), enough to be no text. */
const ZIP_HEAD = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);

describe('a TwinCAT project that commits its _Libraries cache', () => {
  it('skips the compiled libraries with a note, refuses none, and reads the sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vendor-format-'));
    try {
      const lib = join(dir, 'PLC1/_Libraries/beckhoff automation gmbh/tc2_standard/3.3.3.0');
      await mkdir(lib, { recursive: true });
      await writeFile(join(lib, 'tc2_standard.compiled-library'), ZIP_HEAD);
      await writeFile(join(lib, 'tc2_standard.compiled-library-v3'), ZIP_HEAD);
      await writeFile(join(dir, 'PLC1/Main.st'), 'PROGRAM Main\nEND_PROGRAM\n');
      const found = await classifyPaths([dir]);
      expect(found.sources).toEqual([join(dir, 'PLC1/Main.st')]);
      expect(found.refused).toEqual([]);
      const file = join(lib, 'tc2_standard.compiled-library');
      expect(found.compiledLibraries).toEqual([
        { file, note: compiledLibraryNote(file, 'CODESYS compiled library') },
        { file: `${file}-v3`, note: compiledLibraryNote(`${file}-v3`, 'CODESYS compiled library') },
      ]);
      expect(found.compiledLibraries[0]?.note).toBe(
        `${file}: library present in compiled form (CODESYS compiled library), interface not read; give its interface with --libraries DIR`,
      );
      // named on the command line, it is what the user asked to compile: refused by name
      expect((await classifyPaths([file])).refused).toEqual([{ file, format: 'CODESYS compiled library' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says what a library file is, found or named', () => {
    expect(sourceFormat('x/_Libraries/a.library')).toEqual({ library: 'CODESYS library' });
    expect(sourceFormat('a.compiled-library', '', true)).toEqual({ unsupported: 'CODESYS compiled library' });
  });
});

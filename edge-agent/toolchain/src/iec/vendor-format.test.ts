import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyPaths, compiledLibraryNote, ProjectFileError, sourceFormat } from './vendor-format';

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

/**
 * A system project (`.tsproj`) named on its own read no PLC code and compiled "0 errors": it
 * names its PLC project through an independent `_Config/PLC/<Name>.xti` (TwinCAT 3.1.4022 and
 * later) or an inline `PrjFilePath` (older files), in Windows paths (decision 0157).
 */
describe('a TwinCAT system project named on its own', () => {
  const tsproj = (plc: string) =>
    `<?xml version="1.0"?>\n<TcSmProject>\n<Project ProjectGUID="{1}"><System/>\n<Plc>${plc}</Plc>\n</Project>\n</TcSmProject>\n`;
  const withDir = async (body: (dir: string) => Promise<void>) => {
    const dir = await mkdtemp(join(tmpdir(), 'vendor-format-'));
    try {
      await body(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('reads the PLC project its .xti names, the path matched as Windows does', async () =>
    withDir(async (dir) => {
      await mkdir(join(dir, 'Cell/_Config/PLC'), { recursive: true });
      await mkdir(join(dir, 'Cell/CellPlc'), { recursive: true });
      await writeFile(join(dir, 'Cell/Cell.tsproj'), tsproj('<Project File="CellPlc.xti"/>'));
      await writeFile(
        join(dir, 'Cell/_Config/PLC/CellPlc.xti'),
        '<TcSmItem><Project GUID="{2}" Name="CellPlc" PrjFilePath="..\\..\\CellPlc\\CellPlc.plcProj" AmsPort="851"/></TcSmItem>',
      );
      await writeFile(join(dir, 'Cell/CellPlc/CellPlc.plcproj'), '<Project/>');
      const found = await classifyPaths([join(dir, 'Cell/Cell.tsproj')]);
      expect(found.projects).toEqual([join(dir, 'Cell/CellPlc/CellPlc.plcproj')]);
      expect(found.sources).toEqual([join(dir, 'Cell/Cell.tsproj')]);
    }));

  it('reads an inline PrjFilePath and leaves a disabled project out', async () =>
    withDir(async (dir) => {
      await mkdir(join(dir, 'Run'), { recursive: true });
      await writeFile(
        join(dir, 'Line.tsproj'),
        tsproj(
          '<Project GUID="{3}" Name="Run" PrjFilePath="Run\\Run.plcproj"><Instance/></Project>' +
            '<Project Disabled="true" GUID="{4}" Name="Sim" PrjFilePath="Sim\\Sim.plcproj"></Project>',
        ),
      );
      await writeFile(join(dir, 'Run/Run.plcproj'), '<Project/>');
      expect((await classifyPaths([join(dir, 'Line.tsproj')])).projects).toEqual([
        join(dir, 'Run/Run.plcproj'),
      ]);
    }));

  it('fails naming the file it looked for when the PLC project is not there', async () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'A.tsproj'), tsproj('<Project File="Gone.xti"/>'));
      await expect(classifyPaths([join(dir, 'A.tsproj')])).rejects.toThrow(
        `${join(dir, 'A.tsproj')} names the PLC project file Gone.xti, but ${join(dir, '_Config/PLC/Gone.xti')} does not exist`,
      );
      await writeFile(join(dir, 'B.tsproj'), tsproj('<Project Name="P" PrjFilePath="P\\P.plcproj"/>'));
      await expect(classifyPaths([join(dir, 'B.tsproj')])).rejects.toThrow(
        `names the PLC project ${join(dir, 'P/P.plcproj')}, which does not exist`,
      );
      await writeFile(join(dir, 'C.tsproj'), tsproj(''));
      await expect(classifyPaths([join(dir, 'C.tsproj')])).rejects.toBeInstanceOf(ProjectFileError);
    }));

  it('reads the system project with the XML reader: entities decoded, malformed XML refused', async () =>
    withDir(async (dir) => {
      await mkdir(join(dir, 'R&D'), { recursive: true });
      await writeFile(join(dir, 'E.tsproj'), tsproj('<Project Name="P" PrjFilePath="R&amp;D\\P.plcproj"/>'));
      await writeFile(join(dir, 'R&D/P.plcproj'), '<Project/>');
      expect((await classifyPaths([join(dir, 'E.tsproj')])).projects).toEqual([join(dir, 'R&D/P.plcproj')]);
      await writeFile(join(dir, 'M.tsproj'), '<TcSmProject><Project><Plc><Project PrjFilePath="x"></Plc>');
      await expect(classifyPaths([join(dir, 'M.tsproj')])).rejects.toThrow(
        `cannot read ${join(dir, 'M.tsproj')}:`,
      );
    }));

  it('is not asked for its PLC projects in a folder walk, which finds them itself', async () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'A.tsproj'), tsproj('<Project File="Gone.xti"/>'));
      expect((await classifyPaths([dir])).sources).toEqual([join(dir, 'A.tsproj')]);
    }));
});

describe('TwinCAT encrypted files (request iec-04)', () => {
  const ENCRYPTED = Buffer.concat([
    Buffer.from('TcEncryptedFile~'),
    Buffer.from([1, 2, 0x3c, 3, 0x3d, 0xbf]),
  ]);
  it('refuses one named on the command line by its format, and reads the folder for the reader to say it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-encrypted-'));
    try {
      await writeFile(join(dir, 'X.TcPOU'), ENCRYPTED);
      await writeFile(join(dir, 'PLC.plcproj'), ENCRYPTED);
      const named = await classifyPaths([join(dir, 'X.TcPOU'), join(dir, 'PLC.plcproj')]);
      expect(named.refused.map((r) => r.format)).toEqual([
        "a TwinCAT encrypted file (TcEncryptedFile, readable only with TwinCAT's key)",
        "a TwinCAT encrypted file (TcEncryptedFile, readable only with TwinCAT's key)",
      ]);
      expect(named.sources).toEqual([]);
      expect(named.projects).toEqual([]);
      // in a folder no head is read: the readers report it (readers.test.ts)
      const folder = await classifyPaths([dir]);
      expect(folder.sources).toEqual([join(dir, 'X.TcPOU')]);
      expect(sourceFormat('X.TcGVL', '\ufeffTcEncryptedFile~')).toEqual({
        unsupported: "a TwinCAT encrypted file (TcEncryptedFile, readable only with TwinCAT's key)",
      });
      expect(sourceFormat('X.TcGVL', '<?xml version="1.0"?>')).toEqual({ readable: 'twincat' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

/**
 * Files a `.plcproj` lists in its build that are not on disk (request h2-3, sweep 13): a folder
 * renamed without its project left them out in silence, and the names they declare were then
 * blamed on the project's libraries (ST2017). Now one warning per project says so, and an
 * unknown name that is a missing file's base name is an unknown name naming that file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plcProjFile } from '../testing/twincat-fixtures';
import { filesOfBuild, missingBuildFilesWarnings, readPlcProj } from './plcproj-reader';
import { loadProject } from './project';

const MAIN = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="MAIN">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
  recipe : ST_Recipe;
  n : INT;
END_VAR]]></Declaration>
    <Implementation><ST><![CDATA[Helper();
n := Stranger(1);]]></ST></Implementation>
  </POU>
</TcPlcObject>
`;

const project = (compiles: string[]): string => plcProjFile(compiles, ['Tc2_Standard']);

/** A project folder holding only POUs\MAIN.TcPOU, with a .plcproj listing `compiles`. */
function fixture(compiles: string[]): { dir: string; projFile: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iec-missing-'));
  mkdirSync(join(dir, 'POUs'));
  writeFileSync(join(dir, 'POUs', 'MAIN.TcPOU'), MAIN);
  const text = project(compiles);
  const projFile = join(dir, 'Plc.plcproj');
  writeFileSync(projFile, text);
  return { dir, projFile, text };
}

const lineOf = (text: string, needle: string): number =>
  text.slice(0, text.indexOf(needle)).split('\n').length;

describe('build files missing from disk', () => {
  it('lists them with the Include as written and the line of its item, and leaves them out', async () => {
    const { dir, projFile, text } = fixture([
      'POUs\\MAIN.TcPOU',
      'Lib\\Helper.TcPOU',
      'DUTs\\ST_Recipe.TcDUT',
    ]);
    const proj = readPlcProj(text, projFile);
    const build = await filesOfBuild([join(dir, 'POUs', 'MAIN.TcPOU')], proj);
    expect(build.built).toEqual([join(dir, 'POUs', 'MAIN.TcPOU')]);
    expect(build.missing.map((m) => [m.include, m.file, m.span.file, m.span.line])).toEqual([
      ['Lib\\Helper.TcPOU', join(dir, 'Lib', 'Helper.TcPOU'), projFile, lineOf(text, 'Lib\\Helper')],
      [
        'DUTs\\ST_Recipe.TcDUT',
        join(dir, 'DUTs', 'ST_Recipe.TcDUT'),
        projFile,
        lineOf(text, 'DUTs\\ST_Recipe'),
      ],
    ]);
  });

  it('says so in one warning per project, naming a few', async () => {
    const one = fixture(['POUs\\MAIN.TcPOU', 'Lib\\Helper.TcPOU']);
    const b1 = await filesOfBuild([], readPlcProj(one.text, one.projFile));
    expect(missingBuildFilesWarnings(b1.missing).map((d) => [d.code, d.severity, d.file, d.message])).toEqual(
      [['ST3012', 'warning', one.projFile, '1 file listed in the build is not on disk: Lib\\Helper.TcPOU']],
    );
    const names = ['A', 'B', 'C', 'D', 'E'].map((n) => `Automation Library\\${n}.TcPOU`);
    const many = fixture(['POUs\\MAIN.TcPOU', ...names]);
    const b5 = await filesOfBuild([], readPlcProj(many.text, many.projFile));
    expect(
      missingBuildFilesWarnings([...b5.missing, ...b1.missing]).map((d) => [d.file, d.line, d.message]),
    ).toEqual([
      [
        many.projFile,
        lineOf(many.text, 'Automation Library\\A'),
        '5 files listed in the build are not on disk, e.g. Automation Library\\A.TcPOU, Automation Library\\B.TcPOU, Automation Library\\C.TcPOU, … (2 more)',
      ],
      [
        one.projFile,
        lineOf(one.text, 'Lib\\Helper'),
        '1 file listed in the build is not on disk: Lib\\Helper.TcPOU',
      ],
    ]);
  });

  it("reports a name of a missing file as unknown naming the file, not as the libraries' (ST2017)", async () => {
    const { dir, projFile, text } = fixture([
      'POUs\\MAIN.TcPOU',
      'Lib\\Helper.TcPOU',
      'DUTs\\ST_Recipe.TcDUT',
    ]);
    const proj = readPlcProj(text, projFile);
    const build = await filesOfBuild([join(dir, 'POUs', 'MAIN.TcPOU')], proj);
    const { diagnostics } = await loadProject(build.files, {
      libraryReferences: proj.libraries,
      missingBuildFiles: build.missing,
    });
    // sorted by file: MAIN's diagnostics, then the project's warning
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['ST2002', "unknown type 'ST_Recipe': the build lists DUTs\\ST_Recipe.TcDUT, which is not on disk"],
      ['ST2001', "unknown name 'Helper': the build lists Lib\\Helper.TcPOU, which is not on disk"],
      // a name that is no missing file's still goes to the libraries not given
      [
        'ST2017',
        "'Stranger' comes from vendor library Tc2_Standard, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST3012',
        '2 files listed in the build are not on disk, e.g. Lib\\Helper.TcPOU, DUTs\\ST_Recipe.TcDUT',
      ],
    ]);
    // without the missing files, as before: every unknown name is the library's
    const before = await loadProject(build.files, { libraryReferences: proj.libraries });
    expect(before.diagnostics.map((d) => d.code)).toEqual(['ST2017', 'ST2017', 'ST2017']);
  });
});

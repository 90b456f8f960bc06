import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { siemensLibraryDir } from '../scl';
import { loadSafetyProject } from './index';

/** A folder with these files (name → text). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'safety-project-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const errors = (p: { diagnostics: { severity: string; code: string; message: string }[] }) =>
  p.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.message]);

describe('the safety loader checks a version as compile does', () => {
  it('checks a Siemens program against the shipped system instructions (RDREC), read once', async () => {
    const dir = folder({
      'Record.scl': [
        'FUNCTION_BLOCK "ReadRecord"',
        'VERSION : 0.1',
        '   VAR',
        '      rd : RDREC;',
        '      buf : Array[0..15] of Byte;',
        '      busy : Bool;',
        '   END_VAR',
        'BEGIN',
        '   #rd(REQ := TRUE, ID := 16#100, INDEX := 2, MLEN := 16, RECORD := #buf);',
        '   #busy := #rd.BUSY;',
        'END_FUNCTION_BLOCK',
        '',
      ].join('\n'),
    });
    expect(errors(await loadSafetyProject(dir))).toEqual([]);
    // the same interface also named by --libraries is not declared twice
    const siemens = join(siemensLibraryDir()!, 'Siemens_System.st');
    expect(errors(await loadSafetyProject(dir, { libraries: [siemens] }))).toEqual([]);
  });

  it("binds a SIMATIC AX namespace only to its own interface, never to Beckhoff's Tc2_MC2", async () => {
    const dir = folder({
      'axis.st': [
        'NAMESPACE Plant.Axes',
        '    USING Siemens.Simatic.MotionControl.Native;',
        '    FUNCTION_BLOCK AxisControl',
        '        VAR',
        '            power : MC_Power;',
        '        END_VAR',
        '        power(Enable := TRUE, StartMode := 1);',
        '    END_FUNCTION_BLOCK',
        'END_NAMESPACE',
        '',
      ].join('\n'),
    });
    const libs = folder({
      'Tc2_MC2.st':
        '@EXTERNAL FUNCTION_BLOCK MC_Power\nVAR_INPUT\n    Enable : BOOL;\nEND_VAR\nEND_FUNCTION_BLOCK\n',
    });
    expect(errors(await loadSafetyProject(dir, { libraries: [join(libs, 'Tc2_MC2.st')] }))).toEqual([
      [
        'ST2017',
        "'MC_Power' comes from vendor library Siemens.Simatic.MotionControl.Native, which this project does not contain (give its interface with --libraries DIR)",
      ],
    ]);
  });

  it('reads a named .plcproj as its build and refuses a .tsproj that builds two (was: XML parsed as ST)', async () => {
    // public-code sweep 10: `safety --before X.plcproj` failed every version as "does not
    // compile" (ST1010 at `<`), so no change in a TwinCAT project named this way was judged
    const dir = mkdtempSync(join(tmpdir(), 'safety-plcproj-'));
    const put = (rel: string, text: string) => {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
      return join(dir, rel);
    };
    const pou = (body: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<TcPlcObject Version="1.1.0.1"><POU Name="MAIN" Id="{00000000-0000-0000-0000-000000000002}" SpecialFunc="None"><Declaration><![CDATA[PROGRAM MAIN\nVAR_INPUT bStop : BOOL; END_VAR\nVAR_OUTPUT bRun : BOOL; END_VAR]]></Declaration><Implementation><ST><![CDATA[${body}]]></ST></Implementation></POU></TcPlcObject>\n`;
    const plcproj = (file: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003"><ItemGroup><Compile Include="${file}"><SubType>Code</SubType></Compile></ItemGroup></Project>\n`;
    put('A/POUs/MAIN.TcPOU', pou('bRun := NOT bStop;'));
    put('A/Old/MAIN.TcPOU', pou('bRun := TRUE;')); // a stale copy outside the build
    const a = put('A/A.plcproj', plcproj('POUs\\MAIN.TcPOU'));
    const p = await loadSafetyProject(a);
    expect(errors(p)).toEqual([]);
    expect(p.units.flatMap((u) => u.declarations.map((d) => d.kind))).toEqual(['Program']);
    put('B/POUs/MAIN.TcPOU', pou('bRun := FALSE;'));
    put('B/B.plcproj', plcproj('POUs\\MAIN.TcPOU'));
    const both = put(
      'Two.tsproj',
      '<?xml version="1.0"?>\n<TcSmProject><Project><Plc><Project PrjFilePath="A\\A.plcproj"/><Project PrjFilePath="B\\B.plcproj"/></Plc></Project></TcSmProject>\n',
    );
    await expect(loadSafetyProject(both)).rejects.toThrow(
      /2 PLC projects.*name the \.plcproj of the one to verify/s,
    );
  });

  it('reads a folder holding a .plcproj as its build, refusing what it cannot tell (was: stale copies read)', async () => {
    // a folder given to `safety` read every POU under it, the build's and an old copy beside
    // it: the same program twice, or the stale one judged; `compile` reads the build only
    const dir = mkdtempSync(join(tmpdir(), 'safety-plcdir-'));
    const put = (rel: string, text: string) => {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    const pou = (name: string, body: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<TcPlcObject Version="1.1.0.1"><POU Name="${name}" Id="{00000000-0000-0000-0000-000000000002}" SpecialFunc="None"><Declaration><![CDATA[PROGRAM ${name}\nVAR_INPUT bStop : BOOL; END_VAR\nVAR_OUTPUT bRun : BOOL; END_VAR]]></Declaration><Implementation><ST><![CDATA[${body}]]></ST></Implementation></POU></TcPlcObject>\n`;
    put('Plc/POUs/MAIN.TcPOU', pou('MAIN', 'bRun := NOT bStop;'));
    put('Plc/Backup/MAIN.TcPOU', pou('MAIN', 'bRun := TRUE;'));
    put('Plc/Backup/MAIN_old.TcPOU', pou('MAIN_old', 'bRun := TRUE;'));
    put(
      'Plc/Plc.plcproj',
      '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003"><ItemGroup><Compile Include="POUs\\MAIN.TcPOU"><SubType>Code</SubType></Compile></ItemGroup></Project>\n',
    );
    const p = await loadSafetyProject(dir);
    expect(errors(p)).toEqual([]);
    expect([...p.sources.keys()]).toEqual([join('Plc', 'POUs', 'MAIN.TcPOU')]);
    // two builds in one folder: which one is meant is not guessed
    put('Other/Other.plcproj', readFileSync(join(dir, 'Plc/Plc.plcproj'), 'utf8'));
    await expect(loadSafetyProject(dir)).rejects.toThrow(
      /holds 2 PLC projects .*Other\.plcproj.*Plc\.plcproj.*; name the \.plcproj of the one to verify/,
    );
    rmSync(join(dir, 'Other'), { recursive: true });
    // a project file that cannot be read does not say what is built: refused, not guessed
    put('Plc/Plc.plcproj', '<?xml version="1.0"?>\n<Project><ItemGroup>\n');
    await expect(loadSafetyProject(dir)).rejects.toThrow(/cannot tell which files .*Plc\.plcproj builds/);
  });
});

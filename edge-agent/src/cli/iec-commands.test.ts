import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURES = join(import.meta.dirname, '../../toolchain/fixtures/iec');

import { registerIecCommands } from './iec-commands';

async function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  const program = new Command('plcfleet-agent').exitOverride();
  registerIecCommands(program);
  let out = '';
  let err = '';
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'plcfleet-agent', ...args]);
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('plcfleet-agent compile', () => {
  it('prints the JSON summary of the issue contract and exits 0 for a clean project', async () => {
    const { out, code } = await run('compile', FIXTURES, '--json');
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['files', 'lines', 'pous', 'errors', 'warnings', 'diagnostics', 'ms']);
    expect(j).toMatchObject({ errors: 0, warnings: 0, diagnostics: [] });
    expect(j.files).toBeGreaterThanOrEqual(13);
    expect(j.pous).toBeGreaterThanOrEqual(10);
    expect(code).toBe(0);
  });
  it('exits 1 with positioned diagnostics when there are errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'bad.st');
    writeFileSync(f, 'PROGRAM P\nVAR x : INT; END_VAR\nx := y;\nEND_PROGRAM\n');
    const { out, code } = await run('compile', f, '--json');
    const j = JSON.parse(out);
    expect(j.errors).toBe(1);
    expect(j.diagnostics[0]).toEqual({
      file: f,
      line: 3,
      column: 6,
      endLine: 3,
      endColumn: 7,
      severity: 'error',
      code: 'ST2001',
      message: "unknown name 'y'",
    });
    expect(code).toBe(1);
    const syntax = await run('compile', f, '--syntax-only');
    expect(syntax.code).toBe(0);
    expect(syntax.out).toContain('0 errors');
  });
  it('accepts a list of externals and exits 2 for a missing path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'lib.st');
    writeFileSync(f, 'PROGRAM P\nVAR s : T_MaxString; END_VAR\nEND_PROGRAM\n');
    expect((await run('compile', f)).code).toBe(1);
    const ext = join(dir, 'externals.txt');
    writeFileSync(ext, '# Tc2_System\nT_MaxString\n');
    expect((await run('compile', f, '--externals', ext)).code).toBe(0);
    const missing = await run('compile', join(dir, 'nope.st'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^no such file or directory: .*nope\.st\n$/);
  });
});

describe('plcfleet-agent compile: formats and projects (issue 15)', () => {
  it('refuses a Siemens STL or Rockwell L5X file with one line naming the format, exit 2, never parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const awl = join(dir, 'FB_Conveyor.awl');
    writeFileSync(
      awl,
      'FUNCTION_BLOCK FB_Conveyor\nVAR_INPUT\n  start : BOOL;\nEND_VAR\nBEGIN\nNETWORK\n      A     #start\nEND_FUNCTION_BLOCK\n',
    );
    const one = await run('compile', awl);
    expect(one.code).toBe(2);
    expect(one.out).toBe('');
    expect(one.err.split('\n')).toHaveLength(2);
    expect(one.err).toMatch(
      new RegExp(`^cannot read ${awl}: Siemens STL \\(AWL\\) source is not supported \\(plcfleet reads `),
    );
    // an L5X beside it is read (by the L5X checker); the STL file alone is refused
    writeFileSync(join(dir, 'Line1.L5X'), '<?xml version="1.0"?><RSLogix5000Content SchemaRevision="1.0"/>');
    const inDir = await run('compile', dir);
    expect(inDir.code).toBe(2);
    expect(inDir.err.trim().split('\n')).toHaveLength(1);
    expect(inDir.err).toContain('Siemens STL (AWL) source is not supported');
    const fmt = await run('fmt', awl);
    expect(fmt.code).toBe(2);
    expect(fmt.err).toContain('Siemens STL (AWL) source');
  });
  it('says a directory without a readable source is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    writeFileSync(join(dir, 'README.md'), '# plant notes\n');
    const r = await run('compile', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^no readable source .* in /);
  });
  it("notes a TwinCAT project's compiled library cache on stderr and compiles the sources (decision 0108)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    writeFileSync(join(dir, 'P.st'), 'PROGRAM P\nVAR x : INT; END_VAR\nx := x + 1;\nEND_PROGRAM\n');
    const cache = join(dir, '_Libraries', 'beckhoff automation gmbh', 'Tc2_Standard', '3.3.3.0');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'Tc2_Standard.compiled-library'), 'PK\u0003\u0004');
    const r = await run('compile', dir, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ files: 1, errors: 0 });
    expect(r.err).toBe(
      `note: ${join(cache, 'Tc2_Standard.compiled-library')}: library present in compiled form (CODESYS compiled library), interface not read; give its interface with --libraries DIR\n`,
    );
  });
  it('reads a .plcproj: only files in the build, and the library references with versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    mkdirSync(join(dir, 'POUs'));
    writeFileSync(
      join(dir, 'POUs', 'MAIN.st'),
      'PROGRAM MAIN\nVAR n : INT; END_VAR\nn := n + 1;\nEND_PROGRAM\n',
    );
    writeFileSync(join(dir, 'POUs', 'OLD.st'), 'PROGRAM OLD\nn := ;\nEND_PROGRAM\n');
    writeFileSync(
      join(dir, 'Plant.plcproj'),
      `<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <ItemGroup>
    <Compile Include="POUs\\MAIN.st"><SubType>Code</SubType></Compile>
    <Compile Include="POUs\\OLD.st"><ExcludeFromBuild>true</ExcludeFromBuild></Compile>
    <Folder Include="POUs" />
  </ItemGroup>
  <ItemGroup>
    <PlaceholderReference Include="Tc2_Standard">
      <DefaultResolution>Tc2_Standard, * (Beckhoff Automation GmbH)</DefaultResolution>
      <Namespace>Tc2_Standard</Namespace>
    </PlaceholderReference>
    <PlaceholderResolution Include="Tc2_Standard"><Resolution>Tc2_Standard, 3.3.3.0 (Beckhoff Automation GmbH)</Resolution></PlaceholderResolution>
    <LibraryReference Include="Tc2_MC2, 3.3.26.0 (Beckhoff Automation GmbH)"><Namespace>Tc2_MC2</Namespace></LibraryReference>
  </ItemGroup>
</Project>`,
    );
    const r = await run('compile', dir, '--json');
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ files: 1, errors: 0 });
    expect(j.libraries).toEqual([
      {
        name: 'Tc2_Standard',
        version: '3.3.3.0',
        vendor: 'Beckhoff Automation GmbH',
        namespace: 'Tc2_Standard',
      },
      { name: 'Tc2_MC2', version: '3.3.26.0', vendor: 'Beckhoff Automation GmbH', namespace: 'Tc2_MC2' },
    ]);
    expect(r.code).toBe(0);
    // a name found nowhere belongs to a referenced library not given, until all are given
    writeFileSync(
      join(dir, 'POUs', 'MAIN.st'),
      'PROGRAM MAIN\nVAR fbCheck : FB_AxisCheck; END_VAR\nfbCheck();\nEND_PROGRAM\n',
    );
    const unshipped = JSON.parse((await run('compile', dir, '--json')).out);
    expect(unshipped.diagnostics.map((d: { code: string; message: string }) => [d.code, d.message])).toEqual([
      [
        'ST2017',
        "'FB_AxisCheck' comes from vendor library one of Tc2_Standard, Tc2_MC2, which this project does not contain (declare it with --externals)",
      ],
    ]);
    const shipped = JSON.parse(
      (
        await run(
          'compile',
          dir,
          '--json',
          '--libraries',
          join(import.meta.dirname, '../../toolchain/libraries'),
        )
      ).out,
    );
    expect(shipped.diagnostics.map((d: { code: string }) => d.code)).toEqual(['ST2002']);
  });
  it('checks calls into a vendor library against the interface files given with --libraries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const libs = join(dir, 'libs');
    mkdirSync(libs);
    const f = join(dir, 'main.st');
    writeFileSync(
      f,
      'PROGRAM P\nVAR fbDelay : TON_EXT; q : BOOL; END_VAR\nfbDelay(IN := TRUE, PT := T#1s);\nq := fbDelay.Q;\nEND_PROGRAM\n',
    );
    expect((await run('compile', f)).code).toBe(1);
    writeFileSync(
      join(libs, 'Vendor_Timers.st'),
      'FUNCTION_BLOCK TON_EXT\nVAR_INPUT IN : BOOL; PT : TIME; END_VAR\nVAR_OUTPUT Q : BOOL; ET : TIME; END_VAR\nEND_FUNCTION_BLOCK\n',
    );
    const r = await run('compile', f, '--libraries', libs);
    expect(r.out).toContain('0 errors');
    expect(r.code).toBe(0);
    expect((await run('compile', f, '--libraries', join(dir, 'none'))).code).toBe(2);
  });
});

describe('compile --libraries of a TwinCAT .plcproj, as the corpus runner checks it (decision 0030)', () => {
  const SHIPPED = join(import.meta.dirname, '../../toolchain/libraries');
  const MAIN_POU = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{6f6b1c2a-3c55-4f0e-9a51-0d2b7e9c1a11}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
	fbDelay   : Tc2_Standard.TON;
	fbEdge    : R_TRIG;
	fbWriter  : FB_JsonSaxWriter;
	sJson     : STRING(255);
	nSent     : UDINT;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[fbDelay(IN := NOT fbDelay.Q, PT := T#2S);
fbEdge(CLK := fbDelay.Q);
IF fbEdge.Q THEN
	fbWriter.ResetDocument();
	fbWriter.StartObject();
	fbWriter.AddKey('count');
	fbWriter.AddUdint(nSent);
	fbWriter.EndObject();
	sJson := fbWriter.GetDocument();
	nSent := nSent + 1;
END_IF
]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;
  const PLCPROJ = `<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup>
    <FileVersion>1.0.0.0</FileVersion>
    <Name>Telemetry</Name>
    <ProgramVersion>3.1.4024.0</ProgramVersion>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include="POUs\\MAIN.TcPOU"><SubType>Code</SubType></Compile>
  </ItemGroup>
  <ItemGroup>
    <Folder Include="POUs" />
  </ItemGroup>
  <ItemGroup>
    <PlaceholderReference Include="Tc2_Standard">
      <DefaultResolution>Tc2_Standard, * (Beckhoff Automation GmbH)</DefaultResolution>
      <Namespace>Tc2_Standard</Namespace>
    </PlaceholderReference>
    <PlaceholderReference Include="Tc3_JsonXml">
      <DefaultResolution>Tc3_JsonXml, * (Beckhoff Automation GmbH)</DefaultResolution>
      <Namespace>Tc3_JsonXml</Namespace>
    </PlaceholderReference>
  </ItemGroup>
  <ItemGroup>
    <PlaceholderResolution Include="Tc2_Standard"><Resolution>Tc2_Standard, 3.3.3.0 (Beckhoff Automation GmbH)</Resolution></PlaceholderResolution>
    <PlaceholderResolution Include="Tc3_JsonXml"><Resolution>Tc3_JsonXml, 3.3.13.0 (Beckhoff Automation GmbH)</Resolution></PlaceholderResolution>
  </ItemGroup>
</Project>
`;
  it('gives errors only for the referenced library not shipped, naming it; a real error stays one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    mkdirSync(join(dir, 'POUs'));
    writeFileSync(join(dir, 'POUs', 'MAIN.TcPOU'), MAIN_POU);
    writeFileSync(join(dir, 'Telemetry.plcproj'), PLCPROJ);
    const r = await run('compile', dir, '--libraries', SHIPPED, '--json');
    const j = JSON.parse(r.out);
    // Tc2_Standard is shipped (Tc2_Standard.TON reaches the standard TON); Tc3_JsonXml is not
    expect(
      j.diagnostics.map((d: { code: string; line: number; message: string }) => [d.code, d.line, d.message]),
    ).toEqual([
      [
        'ST2017',
        8,
        "'FB_JsonSaxWriter' comes from vendor library Tc3_JsonXml, which this project does not contain (declare it with --externals)",
      ],
    ]);
    expect(j.libraries.map((l: { name: string; version: string }) => `${l.name} ${l.version}`)).toEqual([
      'Tc2_Standard 3.3.3.0',
      'Tc3_JsonXml 3.3.13.0',
    ]);
    expect(r.code).toBe(1);
    // TcUnit is shipped but not referenced: its FB_TestSuite is not visible, so the name
    // is attributed to the library not shipped; a type error is still an error of its own
    writeFileSync(
      join(dir, 'POUs', 'MAIN.TcPOU'),
      MAIN_POU.replace('nSent     : UDINT;', 'nSent     : UDINT;\n\tsuite     : FB_TestSuite;').replace(
        'nSent := nSent + 1;',
        "nSent := 'one';",
      ),
    );
    const again = JSON.parse((await run('compile', dir, '--libraries', SHIPPED, '--json')).out);
    expect(again.diagnostics.map((d: { code: string; message: string }) => [d.code, d.message])).toEqual([
      [
        'ST2017',
        "'FB_JsonSaxWriter' comes from vendor library Tc3_JsonXml, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        "'FB_TestSuite' comes from vendor library Tc3_JsonXml, which this project does not contain (declare it with --externals)",
      ],
      ['ST2004', expect.stringContaining('UDINT')],
    ]);
  });
});

describe('compile of a TwinCAT solution with two PLC projects (decision 0133)', () => {
  /** A PLC project `name` in `dir/name`: a GVL and a MAIN using `main`, referencing `library`. */
  function plcProject(dir: string, name: string, library: string, main: string): void {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'GVL_Io.st'), 'VAR_GLOBAL\n  nCount : INT;\nEND_VAR\n');
    writeFileSync(join(dir, name, 'MAIN.st'), `PROGRAM MAIN\nVAR x : INT; END_VAR\n${main}\nEND_PROGRAM\n`);
    writeFileSync(
      join(dir, name, `${name}.plcproj`),
      `<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <ItemGroup>
    <Compile Include="GVL_Io.st"><SubType>Code</SubType></Compile>
    <Compile Include="MAIN.st"><SubType>Code</SubType></Compile>
  </ItemGroup>
  <ItemGroup>
    <LibraryReference Include="${library}, 1.0.0 (Plant Works)"><Namespace>${library}</Namespace></LibraryReference>
  </ItemGroup>
</Project>`,
    );
  }
  it('checks each project on its own, with its own libraries, and sums the figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    // both projects declare MAIN and nCount: not "declared twice", they are two programs
    plcProject(dir, 'Line', 'LineLib', 'nCount := nCount + 1;\nx := LineMissing;');
    plcProject(dir, 'LineSim', 'SimLib', "nCount := 0;\nx := SimMissing;\nx := 'text';");
    const r = await run('compile', dir, '--json');
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual([
      'files',
      'lines',
      'pous',
      'errors',
      'warnings',
      'diagnostics',
      'ms',
      'libraries',
    ]);
    expect(j).toMatchObject({ files: 4, lines: 3 + 5 + 3 + 6, pous: 2, errors: 3, warnings: 0 });
    // an unknown name is attributed to its own project's library, named by its own file
    expect(
      j.diagnostics.map((d: { file: string; code: string; line: number; message: string }) => [
        d.file,
        d.code,
        d.line,
        d.message,
      ]),
    ).toEqual([
      [
        join(dir, 'Line', 'MAIN.st'),
        'ST2017',
        4,
        "'LineMissing' comes from vendor library LineLib, which this project does not contain (declare it with --externals)",
      ],
      [
        join(dir, 'LineSim', 'MAIN.st'),
        'ST2017',
        4,
        "'SimMissing' comes from vendor library SimLib, which this project does not contain (declare it with --externals)",
      ],
      [join(dir, 'LineSim', 'MAIN.st'), 'ST2004', 5, expect.stringContaining('INT')],
    ]);
    expect(j.libraries.map((l: { name: string }) => l.name)).toEqual(['LineLib', 'SimLib']);
    expect(r.code).toBe(1);
    // one project alone is checked as before
    const one = JSON.parse((await run('compile', join(dir, 'Line'), '--json')).out);
    expect(one).toMatchObject({ files: 2, lines: 3 + 5, errors: 1 });
    // the system project beside them belongs to the PLC project it names, not to the other
    writeFileSync(
      join(dir, 'Plant.tsproj'),
      `<?xml version="1.0" encoding="UTF-8"?>
<TcSmProject>
\t<DataTypes>
\t\t<DataType>
\t\t\t<Name>T_NetAddr</Name>
\t\t\t<BaseType>BYTE</BaseType>
\t\t\t<ArrayInfo><LBound>0</LBound><Elements>6</Elements></ArrayInfo>
\t\t</DataType>
\t</DataTypes>
\t<Project><Plc><Project File="Line.plcproj"/></Plc></Project>
</TcSmProject>
`,
    );
    const uses = 'PROGRAM MAIN\nVAR a : T_NetAddr; END_VAR\na[0] := 1;\nEND_PROGRAM\n';
    writeFileSync(join(dir, 'Line', 'MAIN.st'), uses);
    writeFileSync(join(dir, 'LineSim', 'MAIN.st'), uses);
    const sys = JSON.parse((await run('compile', dir, '--json')).out);
    expect(sys.files).toBe(5);
    expect(sys.diagnostics.map((d: { file: string; message: string }) => [d.file, d.message])).toEqual([
      [join(dir, 'LineSim', 'MAIN.st'), expect.stringContaining('T_NetAddr')],
    ]);
  });
});

describe('compile of a .plcproj whose build lists files not on disk (request h2-3)', () => {
  it('warns once and names the missing file for a name it declares, not a library', async () => {
    // a folder renamed without its project: the build lists Lib\\Helper.TcPOU, MAIN calls Helper()
    const dir = mkdtempSync(join(tmpdir(), 'compile-missing-'));
    mkdirSync(join(dir, 'POUs'));
    writeFileSync(
      join(dir, 'POUs', 'MAIN.TcPOU'),
      `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="MAIN">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
END_VAR]]></Declaration>
    <Implementation><ST><![CDATA[Helper();]]></ST></Implementation>
  </POU>
</TcPlcObject>
`,
    );
    writeFileSync(
      join(dir, 'Plc.plcproj'),
      `<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="4.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <ItemGroup>
    <Compile Include="POUs\\MAIN.TcPOU" />
    <Compile Include="Lib\\Helper.TcPOU" />
  </ItemGroup>
  <ItemGroup>
    <PlaceholderReference Include="Tc2_Standard">
      <DefaultResolution>Tc2_Standard, * (Beckhoff Automation GmbH)</DefaultResolution>
      <Namespace>Tc2_Standard</Namespace>
    </PlaceholderReference>
  </ItemGroup>
</Project>
`,
    );
    const r = await run('compile', join(dir, 'Plc.plcproj'), '--json');
    const codes = (JSON.parse(r.out) as { diagnostics: { code: string; message: string }[] }).diagnostics;
    expect(codes.map((d) => d.code).sort()).toEqual(['ST2001', 'ST3012']);
    expect(codes.find((d) => d.code === 'ST2001')!.message).toMatch(
      /Lib\\Helper\.TcPOU, which is not on disk/,
    );
    expect(codes.find((d) => d.code === 'ST3012')!.message).toMatch(
      /1 file listed in the build is not on disk/,
    );
  });
});

describe('compile of a TwinCAT system project (.tsproj)', () => {
  it('is a usage error naming the file looked for when its PLC project is missing (decision 0157)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const tsproj = join(dir, 'Cell.tsproj');
    writeFileSync(
      tsproj,
      '<?xml version="1.0"?>\n<TcSmProject><Project><Plc><Project File="CellPlc.xti"/></Plc></Project></TcSmProject>\n',
    );
    const r = await run('compile', tsproj, '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(join(dir, '_Config', 'PLC', 'CellPlc.xti'));
    expect(r.err).toContain('does not exist');
  });
});

describe('compile of a CODESYS PLCopen export that names its libraries', () => {
  it('lists them and names the library a missing symbol comes from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'Broker.xml');
    writeFileSync(
      f,
      `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0200">
  <types><dataTypes/><pous>
    <pou name="PRG_Broker" pouType="program">
      <interface><localVars><variable name="c"><type><derived name="CallbackCollector"/></type></variable></localVars></interface>
      <body><ST><xhtml xmlns="http://www.w3.org/1999/xhtml">;</xhtml></ST></body>
    </pou>
  </pous></types>
  <instances><configurations><configuration name="Device"><resource name="Application"><addData>
    <data name="http://www.3s-software.com/plcopenxml/libraries" handleUnknown="implementation"><Libraries>
      <Library Name="#MQTT" Namespace="MQTT" SystemLibrary="false" DefaultResolution="MQTT, 1.2.0 (Stefan Dreyer)"/>
    </Libraries></data>
  </addData></resource></configuration></configurations></instances>
</project>
`,
    );
    const j = JSON.parse((await run('compile', f, '--json')).out);
    expect(j.libraries).toEqual([
      { name: 'MQTT', version: '1.2.0', vendor: 'Stefan Dreyer', namespace: 'MQTT' },
    ]);
    expect(j.diagnostics.map((d: { message: string }) => d.message).join('\n')).toContain(
      "'CallbackCollector' comes from vendor library MQTT",
    );
  });
});

describe('compile --define', () => {
  it('checks the {IF defined(...)} branches of the define set given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'io.st');
    writeFileSync(
      f,
      `PROGRAM PRG_Io
VAR
{IF defined(SIMULATION)}
    nLevel : INT;
{ELSE}
    nLevel AT %IW64 : INT;
{END_IF}
END_VAR
{IF defined(SIMULATION)}
nLevel := nLevel + 1;
{END_IF}
END_PROGRAM
`,
    );
    // every branch at once: nLevel is declared twice
    const all = JSON.parse((await run('compile', f, '--json')).out);
    expect(all.diagnostics.map((d: { code: string; line: number }) => `${d.code} ${d.line}`)).toEqual([
      'ST2003 6',
    ]);
    const sim = await run('compile', f, '--define', 'SIMULATION,TRACE', '--json');
    expect(JSON.parse(sim.out)).toMatchObject({ errors: 0, warnings: 0 });
    const plant = await run('compile', f, '--define', 'PLANT', '--json');
    expect(JSON.parse(plant.out)).toMatchObject({ errors: 0, warnings: 0 });
    expect(plant.code).toBe(0);
  });
});

describe('shipped vendor library interfaces (edge-agent/toolchain/libraries)', () => {
  it('check a motion program that uses Tc2_MC2, Tc2_System and Tc2_Utilities without errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'MAIN.st');
    writeFileSync(
      f,
      `PROGRAM MAIN
VAR
    stAxis : AXIS_REF;
    fbPower : MC_Power;
    fbMove : MC_MoveAbsolute;
    fbFormat : FB_FormatString;
    bEnable, bGo : BOOL;
    sMsg : T_MaxString;
END_VAR
stAxis.ReadStatus();
fbPower(Axis := stAxis, Enable := bEnable, Enable_Positive := TRUE, Enable_Negative := TRUE);
fbMove(Axis := stAxis, Execute := bGo AND fbPower.Status, Position := 100.0, Velocity := 50.0,
       BufferMode := MC_BufferMode.MC_Aborting);
IF fbMove.Error THEN
    fbFormat(sFormat := 'move failed: %d', arg1 := F_UDINT(fbMove.ErrorID));
    sMsg := fbFormat.sOut;
    ADSLOGSTR(msgCtrlMask := ADSLOG_MSGTYPE_ERROR, msgFmtStr := '%s', strArg := sMsg);
END_IF
END_PROGRAM
`,
    );
    const without = JSON.parse((await run('compile', f, '--json')).out);
    expect(without.errors).toBeGreaterThanOrEqual(9);
    const libraries = join(import.meta.dirname, '../../toolchain/libraries');
    const r = await run('compile', f, '--libraries', libraries, '--json');
    expect(JSON.parse(r.out)).toMatchObject({ errors: 0, warnings: 0 });
    // a real error is still found among library calls
    writeFileSync(f, readFileSync(f, 'utf8').replace('Position := 100.0', 'Positon := 100.0'));
    const broken = JSON.parse((await run('compile', f, '--libraries', libraries, '--json')).out);
    expect(broken.errors).toBe(1);
  });
});

describe('shipped Tc3_EventLogger, Tc2_EtherCAT and Tc2_System interfaces', () => {
  it('check an alarm, a message and an SDO read as public TwinCAT projects write them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'FB_DriveDiag.st');
    writeFileSync(
      f,
      `FUNCTION_BLOCK FB_DriveDiag
VAR_INPUT
    bFault : BOOL;
    sDrive : STRING;
    stOverTemp : TcEventEntry;
END_VAR
VAR
    fbAlarm : FB_TcAlarm;
    fbMsg : FB_TcMessage;
    fbSource : FB_TcSourceInfo;
    fbSdo : FB_EcCoESdoRead;
    nTemp : INT;
    hr : HRESULT;
    bInit : BOOL := TRUE;
    bFirstCycle : BOOL;
END_VAR
IF bInit THEN
    fbSource.sName := sDrive;
    hr := fbAlarm.CreateEx(stEventEntry := stOverTemp, bWithConfirmation := TRUE, ipSourceInfo := fbSource);
    hr := fbMsg.CreateEx(stOverTemp, fbSource);
    bInit := FAILED(hr);
END_IF
fbSdo(sNetId := '', nSlaveAddr := 1002, nSubIndex := 1, nIndex := 16#6000, pDstBuf := ADR(nTemp),
      cbBufLen := SIZEOF(nTemp), bExecute := NOT fbSdo.bBusy);
IF bFault AND NOT fbAlarm.bRaised THEN
    fbAlarm.ipArguments.Clear().AddString(sDrive).AddDInt(nTemp);
    fbAlarm.Raise(0);
    fbMsg.Send(0);
ELSIF NOT bFault AND fbAlarm.eSeverity >= TcEventSeverity.Warning THEN
    fbAlarm.Clear(0, FALSE);
END_IF
bFirstCycle := TwinCAT_SystemInfoVarList._TaskInfo[GETCURTASKINDEXEX()].FirstCycle;
END_FUNCTION_BLOCK
`,
    );
    const libraries = join(import.meta.dirname, '../../toolchain/libraries');
    const r = JSON.parse((await run('compile', f, '--libraries', libraries, '--json')).out);
    expect(r).toMatchObject({ errors: 0, warnings: 0 });
    writeFileSync(f, readFileSync(f, 'utf8').replace('fbAlarm.Raise(0)', 'fbAlarm.Rise(0)'));
    const broken = JSON.parse((await run('compile', f, '--libraries', libraries, '--json')).out);
    // the one misspelt method call, on its line
    expect(broken.diagnostics.map((d: { code: string; line: number }) => `${d.code} ${d.line}`)).toEqual([
      'ST2015 27',
    ]);
  });
});

describe('shipped TcUnit interface', () => {
  it('checks a test suite as TcUnit users write it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'FB_ScalingTest.st');
    writeFileSync(
      f,
      `FUNCTION_BLOCK FB_ScalingTest EXTENDS TcUnit.FB_TestSuite
VAR
    aRaw : ARRAY[1..3] OF INT := [0, 16383, 32767];
    aScaled : ARRAY[1..3] OF LREAL;
    i : INT;
END_VAR
TEST('ScalesRawCounts');
FOR i := 1 TO 3 DO
    aScaled[i] := INT_TO_LREAL(aRaw[i]) / 32767.0 * 100.0;
END_FOR
AssertEquals_LREAL(Expected := 100.0, Actual := aScaled[3], Delta := 0.001, Message := 'full scale');
AssertTrue(Condition := aScaled[2] > 49.0, Message := 'mid scale');
TEST_FINISHED();
IF TEST_ORDERED('Second') THEN
    AssertEquals(Expected := 0, Actual := aRaw[1], Message := 'zero');
    TEST_FINISHED_NAMED('Second');
END_IF
END_FUNCTION_BLOCK
`,
    );
    const libraries = join(import.meta.dirname, '../../toolchain/libraries');
    expect(JSON.parse((await run('compile', f, '--json')).out).errors).toBeGreaterThanOrEqual(5);
    expect(JSON.parse((await run('compile', f, '--libraries', libraries, '--json')).out)).toMatchObject({
      errors: 0,
      warnings: 0,
    });
    writeFileSync(f, readFileSync(f, 'utf8').replace('Delta := 0.001', 'Tolerance := 0.001'));
    const broken = JSON.parse((await run('compile', f, '--libraries', libraries, '--json')).out);
    expect(broken.diagnostics.map((d: { code: string; line: number }) => `${d.code} ${d.line}`)).toEqual([
      'ST2008 11',
    ]);
  });
});

const PLANT_L5X = join(import.meta.dirname, '../../../examples/plants/ladder-line/ladder-line.L5X');

/** The plant's L5X in a fresh directory, with these replacements made in its text. */
function plantCopy(...edits: [string, string][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'iec-l5x-'));
  let text = readFileSync(PLANT_L5X, 'utf8');
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  const f = join(dir, 'Line.L5X');
  writeFileSync(f, text);
  return f;
}

/** 1-based line and column of the first `needle` in a file. */
function positionOf(file: string, needle: string): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return { line: line + 1, column: (lines[line] ?? '').indexOf(needle) + 1 };
}

describe('plcfleet-agent compile of a Rockwell L5X (issue 18)', () => {
  it('reads the plant clean: its programs and AOIs are the POUs, the FBD routine a warning', async () => {
    const r = await run('compile', PLANT_L5X, '--json');
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['files', 'lines', 'pous', 'errors', 'warnings', 'diagnostics', 'ms']);
    expect(j).toMatchObject({ files: 1, pous: 2, errors: 0, warnings: 1 });
    expect(j.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'L5X3002' });
    expect(j.diagnostics[0].message).toBe('routine MainProgram/Legacy_FBD is FBD: not read');
    expect(r.code).toBe(0);
  });
  it('points each error at its program, routine and rung, at the XML line and column of the instruction', async () => {
    const f = plantCopy(
      ['XIO(Stop_PB)XIO(EStop)OTE(Conveyor_Run)', 'XIO(Stop_PB)XIO(E_Stop)OTE(Conveyor_Run)'],
      ['XIC(Jam_Sensor)OTL(Jam_Alarm)', 'XIC(Step)OTL(Jam_Alarm)'],
      ['XIC(Reset_PB)XIO(Jam_Sensor)OTU(Jam_Alarm)', 'XIC(Reset_PB)XIO(Jam_Sensor)OTX(Jam_Alarm)'],
      ['XIC(Conveyor_Run)XIO(Jam_Sensor)OTE(Motor_Out);', 'XIC(Conveyor_Run)XIO(Jam_Sensor)OTE(Motor_Out;'],
    );
    const r = await run('compile', f, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.errors).toBe(4);
    const byCode = (code: string) => j.diagnostics.find((d: { code: string }) => d.code === code);
    expect(byCode('L5X2001')).toMatchObject({
      file: f,
      ...positionOf(f, 'XIO(E_Stop)'),
      severity: 'error',
      message: 'MainProgram/Conveyor rung 0: tag E_Stop is not declared',
    });
    expect(byCode('L5X2003')).toMatchObject({
      ...positionOf(f, 'XIC(Step)'),
      message: 'MainProgram/Conveyor rung 2: Step is not a BOOL',
    });
    expect(byCode('L5X2002')).toMatchObject({
      ...positionOf(f, 'OTX(Jam_Alarm)'),
      message:
        'MainProgram/Conveyor rung 3: instruction OTX is neither a Logix instruction nor an Add-On Instruction of this file',
    });
    expect(byCode('L5X1001').message).toMatch(/^MainProgram\/Conveyor rung 1: rung text: /);
    const text = await run('compile', f);
    expect(text.out).toContain(
      `${f}:${positionOf(f, 'XIO(E_Stop)').line}:${positionOf(f, 'XIO(E_Stop)').column}: error L5X2001: MainProgram/Conveyor rung 0: tag E_Stop is not declared`,
    );
    expect(text.out).toMatch(/1 files, \d+ lines, 2 POUs: 4 errors, 1 warnings/);
    const ast = await run('ast', f);
    expect(ast.code).toBe(2);
    expect(ast.err).toBe(
      `${f} is a Rockwell L5X export: it has no ST syntax tree (compile, fmt and ladder-to-st read it)\n`,
    );
  });
  it('names a Logix instruction the model does not run as a warning: the file is valid', async () => {
    // a jump back (a loop) is valid Logix the model does not run
    const f = plantCopy(
      [
        'XIC(Conveyor_Run)XIO(Jam_Sensor)OTE(Motor_Out)',
        'LBL(Back)XIC(Conveyor_Run)XIO(Jam_Sensor)OTE(Motor_Out)',
      ],
      ['XIC(Jam_Sensor)OTL(Jam_Alarm)', 'XIC(Jam_Sensor)JMP(Back)'],
    );
    const j = JSON.parse((await run('compile', f, '--json')).out);
    expect(j.errors).toBe(0);
    expect(j.diagnostics.map((d: { code: string; message: string }) => `${d.code} ${d.message}`)).toContain(
      'L5X3001 MainProgram/Conveyor rung 2: instruction JMP is not modelled',
    );
  });
  it('names a JMP to a label its routine lacks and a label on two LBLs as errors, at the instruction', async () => {
    const f = plantCopy(
      ['XIC(Conveyor_Run)XIO(Jam_Sensor)OTE(Motor_Out)', 'XIC(Conveyor_Run)XIO(Jam_Sensor)JMP(Skip)'],
      ['XIC(Jam_Sensor)OTL(Jam_Alarm)', 'LBL(Here)XIC(Jam_Sensor)OTL(Jam_Alarm)'],
      ['XIC(Reset_PB)XIO(Jam_Sensor)OTU(Jam_Alarm)', 'LBL(here)XIC(Reset_PB)XIO(Jam_Sensor)OTU(Jam_Alarm)'],
    );
    const r = await run('compile', f, '--json');
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.out).diagnostics as {
      code: string;
      message: string;
      line: number;
      column: number;
    }[];
    expect(ds.filter((d) => d.code === 'L5X2005').map((d) => d.message)).toEqual([
      'MainProgram/Conveyor rung 1: JMP to label Skip, which no LBL of the routine has',
      'MainProgram/Conveyor rung 3: label here is on a second LBL (the first is on rung 2)',
    ]);
    const jmp = ds.find((d) => d.message.includes('JMP to label'))!;
    expect(jmp).toMatchObject(positionOf(f, 'JMP(Skip)'));
    // neither is also named as an instruction the model does not run
    expect(ds.filter((d) => d.code === 'L5X3001' && /JMP|LBL/.test(d.message))).toEqual([]);
  });
  it('reads an L5X in a directory beside ST sources, and an unreadable L5X is an error on the file', async () => {
    const f = plantCopy();
    const dir = join(f, '..');
    writeFileSync(join(dir, 'extra.st'), 'PROGRAM Extra\nVAR x : INT; END_VAR\nx := x + 1;\nEND_PROGRAM\n');
    const ok = JSON.parse((await run('compile', dir, '--json')).out);
    expect(ok).toMatchObject({ files: 2, pous: 3, errors: 0 });
    writeFileSync(join(dir, 'Broken.L5X'), '<?xml version="1.0"?><RSLogix5000Content><Controller>');
    const bad = await run('compile', dir, '--json');
    expect(bad.code).toBe(1);
    const d = JSON.parse(bad.out).diagnostics.find((x: { code: string }) => x.code === 'L5X1000');
    expect(d.file).toBe(join(dir, 'Broken.L5X'));
    expect(d.message).toMatch(/^cannot read .*Broken\.L5X: not well-formed XML/);
  });
});

describe('plcfleet-agent fmt of a Rockwell L5X', () => {
  it('prints a ladder routine one rung per line after its comment, and an AOI routine by AOI/ROUTINE', async () => {
    const r = await run(
      'fmt',
      PLANT_L5X,
      '--routine',
      'MainProgram/Conveyor',
      '--routine',
      'Motor_Ctl/Logic',
    );
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'ROUTINE MainProgram/Conveyor (RLL)',
      '// Conveyor seal-in: start, stop and E-stop.',
      '[XIC(Start_PB) ,XIC(Conveyor_Run) ]XIO(Stop_PB)XIO(EStop)OTE(Conveyor_Run);',
    ]);
    expect(lines).toContain('AOI routine Motor_Ctl/Logic (RLL)');
    const missing = await run('fmt', PLANT_L5X, '--routine', 'MainProgram/Nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /^no routine MainProgram\/Nope in the file \(routines: .*MainProgram\/Conveyor/,
    );
  });
  it('re-indents ST routines with --write, leaves a formatted file byte-identical, and --check says which', async () => {
    const f = plantCopy();
    const before = readFileSync(f);
    expect((await run('fmt', f, '--check')).code).toBe(0);
    expect((await run('fmt', f, '--write')).code).toBe(0);
    expect(readFileSync(f).equals(before)).toBe(true);
    const st = plantCopy([
      '<Routine Name="Legacy_FBD" Type="FBD">',
      '<Routine Name="Calc" Type="ST">\n<STContent>\n<Line Number="0"><![CDATA[IF Level_High THEN]]></Line>\n<Line Number="1"><![CDATA[Fill_Valve := FALSE;]]></Line>\n<Line Number="2"><![CDATA[      END_IF;   ]]></Line>\n</STContent>\n</Routine>\n<Routine Name="Legacy_FBD" Type="FBD">',
    ]);
    const printed = await run('fmt', st, '--routine', 'MainProgram/Calc');
    expect(printed.out).toBe(
      'ROUTINE MainProgram/Calc (ST)\nIF Level_High THEN\n    Fill_Valve := FALSE;\nEND_IF;\n',
    );
    const check = await run('fmt', st, '--check');
    expect(check.code).toBe(1);
    expect(check.out).toBe(`${st}: not formatted (fmt --write would change it)\n`);
    const raw = readFileSync(st, 'utf8');
    expect((await run('fmt', st, '--write')).code).toBe(0);
    const written = readFileSync(st, 'utf8');
    expect(written).toBe(
      raw
        .replace('<![CDATA[Fill_Valve := FALSE;]]>', '<![CDATA[    Fill_Valve := FALSE;]]>')
        .replace('<![CDATA[      END_IF;   ]]>', '<![CDATA[END_IF;]]>'),
    );
    expect((await run('fmt', st, '--check')).code).toBe(0);
    expect((await run('fmt', st, '--write', '--check')).code).toBe(2);
  });
});

describe('plcfleet-agent fmt and ast', () => {
  it('prints canonical ST, rewrites with --write, and refuses broken input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'p.st');
    writeFileSync(f, 'program P\nvar x:int;end_var\nx:=x+1;\nend_program\n');
    const printed = await run('fmt', f);
    expect(printed.out).toBe('PROGRAM P\nVAR\n    x : int;\nEND_VAR\nx := x + 1;\nEND_PROGRAM\n');
    expect((await run('fmt', f, '--write')).code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(printed.out);
    writeFileSync(f, 'PROGRAM P\nx := ;\nEND_PROGRAM\n');
    const broken = await run('fmt', f);
    expect(broken.code).toBe(1);
    expect(broken.out).toBe('');
    expect((await run('fmt', join(FIXTURES, 'twincat/FB_Valve.TcPOU'), '--write')).code).toBe(2);
    writeFileSync(f, 'program P\nx:=1;\nend_program\n');
    const check = await run('fmt', f, '--check');
    expect(check.code).toBe(1);
    expect(check.out).toBe(`${f}: not formatted (fmt --write would change it)\n`);
    expect(readFileSync(f, 'utf8')).toBe('program P\nx:=1;\nend_program\n');
  });
  it('reads a Windows-1252 byte as compile does, never writing U+FFFD back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'p.st');
    // 0xB0: a degree sign in Windows-1252, not UTF-8
    writeFileSync(
      f,
      Buffer.from('PROGRAM P\nVAR\n    t : REAL; // 20\xb0C\nEND_VAR\nEND_PROGRAM\n', 'latin1'),
    );
    const printed = await run('fmt', f);
    expect(printed.code).toBe(0);
    expect(printed.out).toBe('PROGRAM P\nVAR\n    t : REAL; // 20\u00b0C\nEND_VAR\nEND_PROGRAM\n');
    expect(printed.out).not.toContain('\ufffd');
  });
  it('prints and rewrites a Siemens SCL file as SCL, never as its lowered ST', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'Blink.scl');
    const src =
      'FUNCTION_BLOCK "Blink"\nVAR_INPUT\nrun : Bool;\nEND_VAR\nVAR\n"on time" : Int;\nEND_VAR\nBEGIN\nIF #run THEN\n#"on time" := #"on time" + 1;\nEND_IF;\nEND_FUNCTION_BLOCK\n';
    writeFileSync(f, src);
    const printed = await run('fmt', f);
    expect(printed.code).toBe(0);
    expect(printed.out).toBe(
      'FUNCTION_BLOCK "Blink"\n   VAR_INPUT\n      run : Bool;\n   END_VAR\n   VAR\n      "on time" : Int;\n   END_VAR\nBEGIN\n   IF #run THEN\n      #"on time" := #"on time" + 1;\n   END_IF;\nEND_FUNCTION_BLOCK\n',
    );
    expect((await run('fmt', f, '--write')).code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(printed.out);
    // a broken SCL file is neither printed nor rewritten
    writeFileSync(f, 'FUNCTION_BLOCK "Blink"\nBEGIN\n#x := ;\nEND_FUNCTION_BLOCK\n');
    const broken = await run('fmt', f, '--write');
    expect(broken.code).toBe(1);
    expect(readFileSync(f, 'utf8')).toBe('FUNCTION_BLOCK "Blink"\nBEGIN\n#x := ;\nEND_FUNCTION_BLOCK\n');
  });
  it('re-indents a SIMATIC AX .st file as AX (namespace and statements kept), idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const f = join(dir, 'blink.st');
    const src =
      'NAMESPACE Plant\nFUNCTION_BLOCK Blink\nVAR\nn : INT;\nEND_VAR\nn += 1;\nEND_FUNCTION_BLOCK\nEND_NAMESPACE\n';
    writeFileSync(f, src);
    const check = await run('fmt', f, '--check');
    expect(check.code).toBe(1);
    const r = await run('fmt', f, '--write');
    expect(r.code).toBe(0);
    const written = readFileSync(f, 'utf8');
    expect(written).toContain('NAMESPACE Plant');
    expect(written).toContain('n += 1;');
    // the same lines, only their leading blanks changed
    expect(written.split('\n').map((l) => l.trim())).toEqual(src.split('\n').map((l) => l.trim()));
    expect(written).not.toBe(src);
    expect((await run('fmt', f, '--check')).code).toBe(0);
  });
  it('names every readable format when a directory holds none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-cli-'));
    const r = await run('compile', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Siemens SCL .scl/.db/.udt');
    expect(r.err).toContain(dir);
  });
  it('dumps the AST as JSON', async () => {
    const { out, code } = await run('ast', join(FIXTURES, 'st/conveyor.st'), '--json');
    const ast = JSON.parse(out);
    expect(ast.kind).toBe('CompilationUnit');
    expect(ast.declarations.map((d: { name: string }) => d.name)).toEqual(['FB_Conveyor', 'PRG_Conveyor']);
    expect(code).toBe(0);
  });
});

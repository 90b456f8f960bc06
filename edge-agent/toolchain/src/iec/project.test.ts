import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CompilationUnit,
  classifyPaths,
  isSourceFile,
  libraryFilesFor,
  loadProject,
  printUnit,
  readSource,
  sourceFormat,
} from './index';

/** A TwinCAT program whose I/O differs between a simulation build and the plant build. */
const MAIN = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{5d3c2a8e-0f4e-4d38-9a8b-3c1c9f1d2a77}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
    eMode : E_TankMode;
{IF defined(SIMULATION)}
    fLevel : LREAL;
{ELSE}
    fLevel AT %I* : INT;
{END_IF}
    bPumpOn : BOOL;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[{IF defined(SIMULATION)}
fLevel := fLevel + SEL(bPumpOn, -0.1, 0.5);
{END_IF}
bPumpOn := eMode = E_TankMode.Fill AND fLevel < 80;]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;

/** An enumeration with a text list, as TwinCAT 3 saves it (`.TcTLEO`). */
const TANK_MODE_TCTLEO = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <EnumerationTextList Name="E_TankMode" Id="{0b6f5e2c-2d1a-4b4e-8f57-6a1d8c0e9b31}">
    <Declaration><![CDATA[{attribute 'qualified_only'}
{attribute 'to_string'}
TYPE E_TankMode :
(
	Idle := 0,
	Fill,
	Drain
)INT;
END_TYPE
]]></Declaration>
    <XmlArchive>
      <Data>
        <o xml:space="preserve" t="TextListEnumerationTextListObject">
          <l n="TextList" t="ArrayList" cet="TextListRow">
            <o>
              <v n="TextID">"Idle"</v>
              <v n="TextDefault">"0"</v>
              <l n="LanguageTexts" t="ArrayList" />
            </o>
          </l>
          <l n="Languages" t="ArrayList" />
        </o>
      </Data>
      <TypeList>
        <Type n="ArrayList">System.Collections.ArrayList</Type>
      </TypeList>
    </XmlArchive>
  </EnumerationTextList>
</TcPlcObject>
`;

/** Writes the tank project into a fresh directory. */
function tankProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iec-defines-'));
  writeFileSync(join(dir, 'MAIN.TcPOU'), MAIN);
  writeFileSync(join(dir, 'E_TankMode.TcTLEO'), TANK_MODE_TCTLEO);
  return dir;
}

const vars = (u: CompilationUnit): string[] =>
  u.declarations.flatMap((d) =>
    d.kind === 'Program'
      ? d.varBlocks.flatMap((b) => b.decls.flatMap((v) => v.names.map((n) => n.name)))
      : [],
  );

describe('TwinCAT conditional compilation with a define set (issue 15)', () => {
  it('reads a .TcTLEO enumeration and checks only the branches the define set selects', async () => {
    const dir = tankProject();
    // every branch at once declares fLevel twice
    const all = await loadProject([dir]);
    expect(all.project.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'E_TankMode.TcTLEO',
      'MAIN.TcPOU',
    ]);
    expect(all.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(['ST2003 10']);

    const sim = await loadProject([dir], { defines: ['SIMULATION'] });
    expect(sim.diagnostics).toEqual([]);
    const simMain = sim.project.checked!.lookupPou('MAIN')!;
    expect(simMain.vars.get('flevel')?.type).toMatchObject({ kind: 'elementary', name: 'LREAL' });

    const plant = await loadProject([dir], { defines: [] });
    expect(plant.diagnostics).toEqual([]);
    const plantMain = plant.project.checked!.lookupPou('MAIN')!;
    expect(plantMain.vars.get('flevel')?.type).toMatchObject({ kind: 'elementary', name: 'INT' });
    const main = plant.project.units.find((u) => u.file.endsWith('MAIN.TcPOU'))!;
    expect(vars(main)).toEqual(['eMode', 'fLevel', 'bPumpOn']);
    const body = main.declarations[0]!.kind === 'Program' ? main.declarations[0]!.body : [];
    expect(body).toHaveLength(1);

    // both branches stay in the tree as read, for printing
    const source = plant.project.sourceUnits.find((u) => u.file.endsWith('MAIN.TcPOU'))!;
    expect(vars(source)).toEqual(['eMode', 'fLevel', 'fLevel', 'bPumpOn']);
    const printed = printUnit(source);
    expect(printed).toContain('{IF defined(SIMULATION)}');
    expect(printed).toContain('fLevel := fLevel + SEL(bPumpOn, -0.1, 0.5);');
    expect(printed).toContain('fLevel AT %I* : INT;');
  });
  it('leaves a tree without conditional compilation as the same objects', async () => {
    const dir = tankProject();
    const r = await loadProject([join(dir, 'E_TankMode.TcTLEO')], { defines: ['X'] });
    expect(r.project.units[0]).toBe(r.project.sourceUnits[0]);
  });
});

describe('loadProject hands each unit over and keeps none (decision 0166)', () => {
  it('gives eachUnit the units a parse returns, configured, and returns none', async () => {
    const dir = tankProject();
    const kept = await loadProject([dir], { syntaxOnly: true, defines: [] });
    const seen: CompilationUnit[] = [];
    const given = await loadProject([dir], { syntaxOnly: true, defines: [], eachUnit: (u) => seen.push(u) });
    expect(given.project.units).toEqual([]);
    expect(given.project.sourceUnits).toEqual([]);
    expect(seen).toEqual(kept.project.units);
    // the define set applies: the plant branch alone
    expect(vars(seen.find((u) => u.file.endsWith('MAIN.TcPOU'))!)).toEqual(['eMode', 'fLevel', 'bPumpOn']);
    expect(given.project.lines).toBe(kept.project.lines);
    expect(given.diagnostics).toEqual(kept.diagnostics);
  });
  it('completes SCL units across files first, then hands them over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-each-scl-'));
    writeFileSync(
      join(dir, 'types.udt'),
      'TYPE "Pair"\nSTRUCT\n  a : INT;\n  b : INT;\nEND_STRUCT;\nEND_TYPE\n',
    );
    writeFileSync(
      join(dir, 'blocks.scl'),
      'DATA_BLOCK "D"\nSTRUCT\n  p : "Pair" := (1, 2);\nEND_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n',
    );
    const kept = await loadProject([dir], { syntaxOnly: true });
    const seen: CompilationUnit[] = [];
    const given = await loadProject([dir], { syntaxOnly: true, eachUnit: (u) => seen.push(u) });
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(kept.project.units);
    expect(given.diagnostics).toEqual(kept.diagnostics);
  });
  it('is not used when the project is checked', async () => {
    const dir = tankProject();
    const seen: CompilationUnit[] = [];
    const r = await loadProject([dir], { defines: [], eachUnit: (u) => seen.push(u) });
    expect(seen).toEqual([]);
    expect(r.project.units).toHaveLength(2);
  });
});

describe('readSource picks the reader by content for .xml (issue 19)', () => {
  it('reads a TIA Portal tag table as global declarations, and a PLCopen project as before', () => {
    const table = `<?xml version="1.0" encoding="utf-8"?>
<Document>
  <SW.Tags.PlcTagTable ID="0">
    <AttributeList><Name>Press tags</Name></AttributeList>
    <ObjectList>
      <SW.Tags.PlcTag ID="1" CompositionName="Tags">
        <AttributeList>
          <DataTypeName>Bool</DataTypeName>
          <LogicalAddress>%I0.3</LogicalAddress>
          <Name>Door_Closed</Name>
        </AttributeList>
      </SW.Tags.PlcTag>
    </ObjectList>
  </SW.Tags.PlcTagTable>
</Document>
`;
    const r = readSource(table, 'PLC tags.xml');
    expect(r.diagnostics).toEqual([]);
    const names = r.unit.declarations.flatMap((d) =>
      d.kind === 'GlobalVarList'
        ? d.varBlocks.flatMap((b) => b.decls.flatMap((v) => v.names.map((n) => n.name)))
        : [],
    );
    expect(names).toEqual(['Door_Closed']);
    // anything else named .xml is still read as PLCopen (and refused as such when it is not)
    expect(readSource('<project xmlns="http://www.plcopen.org/xml/tc6_0201"/>', 'p.xml').unit.format).toBe(
      'plcopen',
    );
  });
});

describe('libraryFilesFor: the shipped interfaces a .plcproj project is checked with (issue 15)', () => {
  const files = ['/lib/Tc2_System.st', '/lib/Tc2_Utilities.st', '/lib/Tc3_EventLogger.st', '/lib/TcUnit.st'];
  it('keeps the referenced libraries and, in a TwinCAT project, every Beckhoff one; not an unreferenced third-party library', () => {
    // Tc3_UnitTest's own FB_Testsuite must not meet TcUnit's
    expect(libraryFilesFor(files, [{ name: 'Tc2_Standard' }, { name: 'Tc3_UnitTest' }])).toEqual([
      '/lib/Tc2_System.st',
      '/lib/Tc2_Utilities.st',
      '/lib/Tc3_EventLogger.st',
    ]);
    expect(libraryFilesFor(files, [{ name: 'Tc2_Standard' }, { name: 'tcunit' }])).toEqual(files);
    // a project that is not TwinCAT's (no Tc2_/Tc3_ reference: a CODESYS export) gets no Beckhoff library
    expect(libraryFilesFor(files, [{ name: 'TcUnit' }, { name: 'MQTT' }])).toEqual(['/lib/TcUnit.st']);
  });
  it('uses every file when the project names no libraries', () => {
    expect(libraryFilesFor(files, [])).toEqual(files);
  });
});

describe('loadProject with Siemens sources (issue 19)', () => {
  it('reads a tag table found in a directory, and names SCL start values whose UDT is in another file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plcfleet-scl-'));
    writeFileSync(
      join(dir, 'Limits.udt'),
      'TYPE "Limits"\n   STRUCT\n      lo : Int := -1;\n      hi : Int;\n   END_STRUCT;\nEND_TYPE\n',
    );
    writeFileSync(
      join(dir, 'Lim.db'),
      'DATA_BLOCK "Lim"\n   STRUCT\n      a : "Limits" := (5, 7);\n   END_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n',
    );
    writeFileSync(
      join(dir, 'PLC tags.xml'),
      '<?xml version="1.0" encoding="utf-8"?>\n<Document>\n  <SW.Tags.PlcTagTable ID="0">\n    <AttributeList><Name>Tags</Name></AttributeList>\n    <ObjectList>\n      <SW.Tags.PlcTag ID="1" CompositionName="Tags">\n        <AttributeList><DataTypeName>Bool</DataTypeName><LogicalAddress>%I0.3</LogicalAddress><Name>Door_Closed</Name></AttributeList>\n      </SW.Tags.PlcTag>\n    </ObjectList>\n  </SW.Tags.PlcTagTable>\n</Document>\n',
    );
    writeFileSync(join(dir, 'notes.xml'), '<notes>not a PLC file</notes>\n');
    const { project, diagnostics } = await loadProject([dir]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(project.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'Lim.db',
      'Limits.udt',
      'PLC tags.xml',
    ]);
    expect(project.checked?.globals.has('door_closed')).toBe(true);
  });
});

describe('interface files named twice (issue 19)', () => {
  it('reads the Siemens library once when --libraries names it as well', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scl-lib-'));
    writeFileSync(
      join(dir, 'blink.scl'),
      'FUNCTION_BLOCK "Blink"\nVERSION : 0.1\nVAR\n  n : Int;\nEND_VAR\nBEGIN\n  #n := #n + 1;\nEND_FUNCTION_BLOCK\n',
    );
    const library = join(__dirname, '../../libraries/siemens/Siemens_System.st');
    const project = await loadProject([dir], { externalsFiles: [library, library] });
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

/** A system project as TwinCAT saves it: the data types it maps I/O to, then the I/O tree. */
const SYSTEM_TSPROJ = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<TcSmProject TcSmVersion="1.0" TcVersion="3.1.4024.12">
\t<DataTypes>
\t\t<DataType>
\t\t\t<Name GUID="{00000000-0000-0000-0000-000000000001}" IecBaseType="true" BitType="true">ARRAY [0..1] OF BIT</Name>
\t\t\t<BitSize>2</BitSize>
\t\t\t<BaseType>BIT</BaseType>
\t\t\t<ArrayInfo><LBound>0</LBound><Elements>2</Elements></ArrayInfo>
\t\t</DataType>
\t\t<DataType>
\t\t\t<Name GUID="{00000000-0000-0000-0000-000000000002}" TcBaseType="true">T_NetAddr</Name>
\t\t\t<BitSize>48</BitSize>
\t\t\t<BaseType>BYTE</BaseType>
\t\t\t<ArrayInfo><LBound>0</LBound><Elements>6</Elements></ArrayInfo>
\t\t</DataType>
\t\t<DataType>
\t\t\t<Name GUID="{00000000-0000-0000-0000-000000000003}" Namespace="PumpLib">E_PumpState</Name>
\t\t\t<BitSize>16</BitSize>
\t\t\t<BaseType>INT</BaseType>
\t\t\t<EnumInfo><Text><![CDATA[Stopped]]></Text><Enum>0</Enum></EnumInfo>
\t\t\t<EnumInfo>
\t\t\t\t<Text>
\t\t\t\t\t<![CDATA[Running]]>
\t\t\t\t</Text>
\t\t\t\t<Enum>5</Enum>
\t\t\t</EnumInfo>
\t\t</DataType>
\t\t<DataType>
\t\t\t<Name GUID="{00000000-0000-0000-0000-000000000004}">ST_PumpIO</Name>
\t\t\t<BitSize>96</BitSize>
\t\t\t<SubItem>
\t\t\t\t<Name>fFlow</Name>
\t\t\t\t<Type>REAL</Type>
\t\t\t</SubItem>
\t\t\t<SubItem>
\t\t\t\t<Name>abFault</Name>
\t\t\t\t<Type>BIT</Type>
\t\t\t\t<ArrayInfo><LBound>1</LBound><Elements>4</Elements></ArrayInfo>
\t\t\t</SubItem>
\t\t\t<SubItem>
\t\t\t\t<Name>sTag</Name>
\t\t\t\t<Type>STRING(7)</Type>
\t\t\t</SubItem>
\t\t</DataType>
\t\t<DataType>
\t\t\t<Name GUID="{00000000-0000-0000-0000-000000000005}">ST_Mirrored</Name>
\t\t\t<SubItem><Name>nOld</Name><Type>INT</Type></SubItem>
\t\t</DataType>
\t</DataTypes>
\t<Project ProjectGUID="{00000000-0000-0000-0000-0000000000AA}">
\t\t<System><Tasks><Task Id="2" Priority="20" CycleTime="100000">PlcTask</Task></Tasks></System>
\t</Project>
</TcSmProject>
`;

const PUMP_MAIN = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{00000000-0000-0000-0000-0000000000B1}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
    stIO AT %I* : ST_PumpIO;
    eState : E_PumpState;
    aAddr : T_NetAddr;
    stOwn : ST_Mirrored;
    bFault : BOOL;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[bFault := stIO.abFault[4] OR stIO.fFlow < 0.5 OR aAddr[5] = 0 OR LEN(stIO.sTag) = 0;
IF bFault THEN
    eState := E_PumpState.Stopped;
ELSIF eState = E_PumpState.Running THEN
    stOwn.nNew := stOwn.nNew + 1;
END_IF]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;

/** The PLC project's own DUT of a type the system project also keeps a copy of (an older one). */
const MIRRORED_DUT = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <DUT Name="ST_Mirrored" Id="{00000000-0000-0000-0000-0000000000B2}">
    <Declaration><![CDATA[TYPE ST_Mirrored :
STRUCT
    nNew : INT;
END_STRUCT
END_TYPE
]]></Declaration>
  </DUT>
</TcPlcObject>
`;

describe("a TwinCAT system project's data types (.tsproj <DataTypes>)", () => {
  /** The solution folder: the system project beside the PLC project, which references a library. */
  function pumpSolution(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tsproj-'));
    writeFileSync(join(dir, 'Pump.tsproj'), SYSTEM_TSPROJ);
    mkdirSync(join(dir, 'PLC'));
    writeFileSync(join(dir, 'PLC', 'MAIN.TcPOU'), PUMP_MAIN);
    writeFileSync(join(dir, 'PLC', 'ST_Mirrored.TcDUT'), MIRRORED_DUT);
    return dir;
  }

  it('declares structs, enumerations and arrays for code to use, not names from a vendor library', async () => {
    const dir = pumpSolution();
    const { project, diagnostics } = await loadProject([dir], {
      libraryReferences: [{ name: 'PumpLib', namespace: 'PumpLib' }],
    });
    expect(diagnostics).toEqual([]);
    expect(project.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'PLC/MAIN.TcPOU',
      'PLC/ST_Mirrored.TcDUT',
      'Pump.tsproj',
    ]);
    // a system project counts the lines of its data types, not of its I/O tree
    const tsprojLines = SYSTEM_TSPROJ.split('\n');
    const dataTypes =
      tsprojLines.findIndex((l) => l.includes('</DataTypes>')) -
      tsprojLines.findIndex((l) => l.includes('<DataTypes>')) +
      1;
    const lines = (t: string): number => t.split('\n').length - 1;
    expect(project.lines).toBe(dataTypes + lines(PUMP_MAIN) + lines(MIRRORED_DUT));
    expect((await classifyPaths([dir])).sources.map((f) => f.slice(dir.length + 1))).toContain('Pump.tsproj');
    // a reader of a folder that does not drop the copies (no loadProject) leaves it
    expect(isSourceFile(join(dir, 'Pump.tsproj'))).toBe(false);
    expect(sourceFormat('Pump.tsproj')).toEqual({ unrelated: true });
    expect(sourceFormat('Pump.tsproj', '', true)).toEqual({ readable: 'twincat' });
  });

  it("finds the system project one folder above a PLC project's folder that it names", async () => {
    const dir = pumpSolution();
    writeFileSync(
      join(dir, 'PLC', 'PLC.plcproj'),
      '<Project><ItemGroup><Compile Include="MAIN.TcPOU"/></ItemGroup></Project>\n',
    );
    // TwinCAT names the PLC project by the .xti of its folder, or by its .plcproj
    writeFileSync(
      join(dir, 'Pump.tsproj'),
      SYSTEM_TSPROJ.replace('<System>', '<Plc><Project File="PLC.xti"/></Plc><System>'),
    );
    writeFileSync(join(dir, 'Other.tsproj'), SYSTEM_TSPROJ);
    const found = await classifyPaths([join(dir, 'PLC')]);
    expect(found.sources.map((f) => f.slice(dir.length + 1))).toEqual([
      'PLC/MAIN.TcPOU',
      'PLC/ST_Mirrored.TcDUT',
      'Pump.tsproj',
    ]);
  });

  it("declares each type at its <DataType>'s XML lines and leaves a PLC project's DUT to the PLC project", () => {
    const { unit, diagnostics } = readSource(SYSTEM_TSPROJ, 'Pump.tsproj');
    expect(diagnostics).toEqual([]);
    const types = unit.declarations.flatMap((d) => (d.kind === 'TypeBlock' ? d.types : []));
    const lineOf = (s: string): number => SYSTEM_TSPROJ.split('\n').findIndex((l) => l.includes(s)) + 1;
    expect(types.map((t) => [t.name, t.nameSpan.line])).toEqual([
      ['T_NetAddr', lineOf('>T_NetAddr<')],
      ['E_PumpState', lineOf('>E_PumpState<')],
      ['ST_PumpIO', lineOf('>ST_PumpIO<')],
      ['ST_Mirrored', lineOf('>ST_Mirrored<')],
    ]);
    expect(printUnit(unit)).toContain('abFault : ARRAY[1..4] OF BIT;');
    expect(printUnit(unit)).toContain('E_PumpState : (Stopped := 0, Running := 5) INT;');
  });

  it('reports a member the system project has but the PLC project does not at its use', async () => {
    const dir = pumpSolution();
    writeFileSync(
      join(dir, 'PLC', 'MAIN.TcPOU'),
      PUMP_MAIN.replace('stOwn.nNew := stOwn.nNew + 1;', 'stOwn.nOld := 1;'),
    );
    const { diagnostics } = await loadProject([dir]);
    expect(diagnostics.map((d) => [d.code, d.file.slice(dir.length + 1)])).toEqual([
      ['ST2015', 'PLC/MAIN.TcPOU'],
    ]);
  });
});

/** A SIMATIC AX block using the motion control namespace's MC_Power (no interface shipped for it). */
const AX_AXIS = `NAMESPACE Plant.Axes
    USING Siemens.Simatic.MotionControl.Native;
    FUNCTION_BLOCK AxisControl
        VAR_INPUT
            enable : BOOL;
        END_VAR
        VAR
            power : MC_Power;
        END_VAR
        power(Enable := enable, StartMode := 1);
    END_FUNCTION_BLOCK
END_NAMESPACE
`;

/** Beckhoff's MC_Power as a library interface declares it: same name, other vendor, no StartMode. */
const BECKHOFF_MC2 = `@EXTERNAL FUNCTION_BLOCK MC_Power
VAR_INPUT
    Enable : BOOL;
END_VAR
VAR_OUTPUT
    Status : BOOL;
END_VAR
END_FUNCTION_BLOCK
`;

describe('SIMATIC AX namespaces bind only to a model of that namespace', () => {
  function axProject(): { dir: string; libs: string } {
    const dir = mkdtempSync(join(tmpdir(), 'ax-ns-'));
    writeFileSync(join(dir, 'axis.st'), AX_AXIS);
    const libs = mkdtempSync(join(tmpdir(), 'ax-libs-'));
    writeFileSync(join(libs, 'Tc2_MC2.st'), BECKHOFF_MC2);
    return { dir, libs };
  }
  const found = (diagnostics: { code: string; line: number; message: string }[]) =>
    diagnostics.map((d) => [d.code, d.line, d.message]);

  it("never checks AX code against another vendor's library of the same names", async () => {
    const { dir, libs } = axProject();
    const { diagnostics } = await loadProject([dir], { externalsFiles: [join(libs, 'Tc2_MC2.st')] });
    expect(found(diagnostics)).toEqual([
      [
        'ST2017',
        8,
        "'MC_Power' comes from vendor library Siemens.Simatic.MotionControl.Native, which this project does not contain (declare it with --externals)",
      ],
    ]);
    // without any library given the name is still the namespace's, not Tc2_MC2's
    expect(found((await loadProject([dir])).diagnostics)).toEqual(found(diagnostics));
  });

  it("checks AX code against an interface file named after the namespace, not the project's own namespace", async () => {
    const { dir, libs } = axProject();
    const model = join(libs, 'Siemens.Simatic.MotionControl.Native.st');
    writeFileSync(model, BECKHOFF_MC2.replace('Enable : BOOL;', 'Enable : BOOL;\n    StartMode : INT;'));
    writeFileSync(join(dir, 'use.st'), 'USING Plant.Axes;\nNAMESPACE Plant\nEND_NAMESPACE\n');
    const { diagnostics } = await loadProject([dir], { externalsFiles: [join(libs, 'Tc2_MC2.st'), model] });
    expect(found(diagnostics)).toEqual([]);
  });
});

/** A SIMATIC AX block that unbinds, tests and dereferences references with `NULL`. */
const AX_NULL = `NAMESPACE Plant.Axes
    USING Siemens.Simatic.MotionControl.Native;
    FUNCTION_BLOCK AxisRef
        VAR_INPUT
            axis : DB_ANY;
        END_VAR
        VAR
            refAxis : REF_TO INT;
            count : INT;
            kind : INT;
        END_VAR
        refAxis := NULL;
        IF refAxis = NULL OR NULL <> refAxis THEN
            count := count + 1;
        END_IF;
        kind := GetType(axis);
        count := NULL;
        IF count = NULL THEN
            count := 0;
        END_IF;
    END_FUNCTION_BLOCK
END_NAMESPACE
`;

describe('SIMATIC AX NULL (decision 0134)', () => {
  it('is the unbound reference: stored in and compared with references only; GetType stays a library name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ax-null-'));
    writeFileSync(join(dir, 'axis.st'), AX_NULL);
    const { diagnostics } = await loadProject([dir]);
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      [
        'ST2017',
        5,
        "'DB_ANY' comes from vendor library Siemens.Simatic.MotionControl.Native, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        16,
        "'GetType' comes from vendor library Siemens.Simatic.MotionControl.Native, which this project does not contain (declare it with --externals)",
      ],
      ['ST2004', 17, expect.stringMatching(/NULL.*INT/)],
      ['ST2005', 18, expect.stringMatching(/INT.*NULL/)],
    ]);
  });
});

describe('loadProject reads files without a stat each (session 9)', () => {
  it('tells files, directories and links apart among many paths, and reads a file larger than one read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plcfleet-read-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.st'), 'FUNCTION B : INT\nB := 2;\nEND_FUNCTION\n');
    // well over the 256 KiB a read takes at once: 30,000 lines
    const big = `PROGRAM Big\nVAR\n${'x : INT;\n'.repeat(30_000)}END_VAR\nEND_PROGRAM\n`;
    writeFileSync(join(dir, 'big.st'), big);
    symlinkSync(join(dir, 'sub'), join(dir, 'linked'));
    symlinkSync(join(dir, 'big.st'), join(dir, 'big-link.st'));
    const paths = [join(dir, 'big.st'), join(dir, 'sub'), join(dir, 'linked'), join(dir, 'big-link.st')];
    const { project, diagnostics } = await loadProject(paths, { syntaxOnly: true });
    expect(project.files).toEqual([
      join(dir, 'big-link.st'),
      join(dir, 'big.st'),
      join(dir, 'linked', 'b.st'),
      join(dir, 'sub', 'b.st'),
    ]);
    expect(project.lines).toBe(2 * 30_004 + 2 * 3);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await expect(
      loadProject([join(dir, 'big.st'), join(dir, 'nope.st')], { syntaxOnly: true }),
    ).rejects.toThrow(/ENOENT: no such file or directory, stat '.*nope\.st'/);
  });
});

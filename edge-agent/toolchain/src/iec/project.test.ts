import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompilationUnit, libraryFilesFor, loadProject, printUnit, readSource } from './index';

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

import { describe, expect, it } from 'vitest';
import { checkProject, type GlobalVarList } from '../iec';
import { compileProgram } from '../sim';
import { readScl } from './scl-reader';
import { isTagTableXml, readTagTable } from './tag-table';

/** A tag table as TIA Portal Openness exports it (SimaticML), with a comment object and XML escapes. */
const TABLE = `<?xml version="1.0" encoding="utf-8"?>
<Document>
  <Engineering version="V18" />
  <SW.Tags.PlcTagTable ID="0">
    <AttributeList>
      <Name>Press tags</Name>
    </AttributeList>
    <ObjectList>
      <SW.Tags.PlcTag ID="1" CompositionName="Tags">
        <AttributeList>
          <DataTypeName>Bool</DataTypeName>
          <ExternalAccessible>true</ExternalAccessible>
          <LogicalAddress>%I0.3</LogicalAddress>
          <Name>Door Closed</Name>
        </AttributeList>
        <ObjectList>
          <MultilingualText ID="2" CompositionName="Comment">
            <ObjectList>
              <MultilingualTextItem ID="3" CompositionName="Items">
                <AttributeList>
                  <Culture>en-US</Culture>
                  <Text>door &amp; guard switch</Text>
                </AttributeList>
              </MultilingualTextItem>
            </ObjectList>
          </MultilingualText>
        </ObjectList>
      </SW.Tags.PlcTag>
      <SW.Tags.PlcTag ID="4" CompositionName="Tags">
        <AttributeList>
          <DataTypeName>Bool</DataTypeName>
          <LogicalAddress>%Q4.0</LogicalAddress>
          <Name>Press_Valve</Name>
        </AttributeList>
      </SW.Tags.PlcTag>
      <SW.Tags.PlcTag ID="5" CompositionName="Tags">
        <AttributeList>
          <DataTypeName>Int</DataTypeName>
          <LogicalAddress>%IW64:P</LogicalAddress>
          <Name>Pressure&lt;raw&gt;</Name>
        </AttributeList>
      </SW.Tags.PlcTag>
      <SW.Tags.PlcUserConstant ID="6" CompositionName="UserConstants">
        <AttributeList>
          <DataTypeName>Int</DataTypeName>
          <Name>heaterStages</Name>
          <Value>4</Value>
        </AttributeList>
      </SW.Tags.PlcUserConstant>
    </ObjectList>
  </SW.Tags.PlcTagTable>
</Document>
`;

describe('TIA Portal PLC tag tables (SimaticML export)', () => {
  it('tags read as located globals, user constants as global constants, spans into the XML', () => {
    expect(isTagTableXml(TABLE)).toBe(true);
    expect(isTagTableXml('<?xml version="1.0"?><project xmlns="http://www.plcopen.org/xml/tc6_0201">')).toBe(
      false,
    );
    const { unit, diagnostics } = readTagTable(TABLE, 'PressTags.xml');
    expect(diagnostics).toEqual([]);
    const lists = unit.declarations as GlobalVarList[];
    const decls = lists.flatMap((l) =>
      l.varBlocks.flatMap((b) => b.decls.map((d) => ({ d, constant: b.constant }))),
    );
    expect(
      decls.map(({ d, constant }) => [
        d.names[0]!.name,
        d.location?.text,
        d.type.kind === 'NamedType' ? d.type.name : '',
        constant,
      ]),
    ).toEqual([
      ['Door Closed', '%IX0.3', 'Bool', false],
      ['Press_Valve', '%QX4.0', 'Bool', false],
      ['Pressure<raw>', '%IW64', 'Int', false],
      ['heaterStages', undefined, 'Int', true],
    ]);
    const name = decls[2]!.d.names[0]!.span;
    expect(TABLE.slice(name.offset, name.endOffset)).toBe('Pressure&lt;raw&gt;');
    const obj = decls[0]!.d.span;
    expect(TABLE.slice(obj.offset, obj.offset + 30)).toBe('<SW.Tags.PlcTag ID="1" Composi');
    expect(TABLE.slice(obj.offset, obj.endOffset).endsWith('</SW.Tags.PlcTag>')).toBe(true);
  });

  it('a block naming tags and a user constant checks and simulates against the table', () => {
    const ob = [
      'ORGANIZATION_BLOCK "Main"',
      '   VAR_TEMP i : Int; END_VAR',
      'BEGIN',
      '   "Press_Valve" := "Door Closed" AND "Pressure<raw>" < 27648;',
      '   FOR #i := 1 TO "heaterStages" DO',
      '      ;',
      '   END_FOR;',
      'END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const main = readScl(ob, 'Main.scl');
    expect(main.diagnostics).toEqual([]);
    const tags = readTagTable(TABLE, 'PressTags.xml');
    const { checked, diagnostics } = checkProject([tags.unit, main.unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // without the table the names are unknown
    expect(checkProject([main.unit]).diagnostics.some((d) => d.severity === 'error')).toBe(true);
    const plc = compileProgram(checked, { program: 'Main' });
    plc.set('Door Closed', true);
    plc.set('Pressure<raw>', 100);
    plc.scan();
    expect(plc.get('Press_Valve')).toBe(true);
    plc.set('Pressure<raw>', 30000);
    plc.scan();
    expect(plc.get('Press_Valve')).toBe(false);
  });

  it('an incomplete tag or an address outside I, Q and M is reported at its object', () => {
    const bad = TABLE.replace(
      '<LogicalAddress>%Q4.0</LogicalAddress>',
      '<LogicalAddress>%DB1.DBX0.0</LogicalAddress>',
    ).replace('<Value>4</Value>', '');
    const { unit, diagnostics } = readTagTable(bad, 'PressTags.xml');
    expect(diagnostics.map((d) => d.message)).toEqual([
      'expected an input, output or memory address of tag "Press_Valve" but found %DB1.DBX0.0',
      'expected a <Value> of constant "heaterStages" but found none',
    ]);
    expect(diagnostics.map((d) => bad.split('\n')[d.line - 1]!.trim().slice(0, 22))).toEqual([
      '<SW.Tags.PlcTag ID="4"',
      '<SW.Tags.PlcUserConsta',
    ]);
    const names = (unit.declarations as GlobalVarList[]).flatMap((l) =>
      l.varBlocks.flatMap((b) => b.decls.map((d) => d.names[0]!.name)),
    );
    expect(names).toEqual(['Door Closed', 'Pressure<raw>']);
  });
});

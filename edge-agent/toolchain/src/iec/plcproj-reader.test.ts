import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { parseLibraryResolution, readPlcopenLibraries } from './plcproj-reader';

describe('.plcproj library references', () => {
  it('reads a resolution as TwinCAT writes it in both forms', () => {
    expect(parseLibraryResolution('Tc2_Standard, 3.3.3.0 (Beckhoff Automation GmbH)')).toEqual({
      name: 'Tc2_Standard',
      version: '3.3.3.0',
      vendor: 'Beckhoff Automation GmbH',
    });
    expect(parseLibraryResolution('Tc3_JsonXml,newest,Beckhoff Automation GmbH')).toEqual({
      name: 'Tc3_JsonXml',
      version: 'newest',
      vendor: 'Beckhoff Automation GmbH',
    });
    expect(parseLibraryResolution('Struckig')).toEqual({ name: 'Struckig' });
  });
});

describe('readPlcopenLibraries: the libraries a CODESYS PLCopen export references (issue 15)', () => {
  it('reads placeholders with their resolution and namespace, once each, and marks system libraries', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0200">
  <instances><configurations><configuration name="Device"><resource name="Application">
    <addData>
      <data name="http://www.3s-software.com/plcopenxml/libraries" handleUnknown="implementation">
        <Libraries>
          <Library Name="#MQTT" Namespace="MQTT" SystemLibrary="false" DefaultResolution="MQTT, * (Stefan Dreyer)" />
          <Library Name="#IecSfc" Namespace="IecSfc" SystemLibrary="true" DefaultResolution="IecSfc, 4.4.0.0 (System)" />
          <Library Name="SysTypes2 Interfaces, * (System)" Namespace="SysTypes" SystemLibrary="false" />
          <Library Name="#MQTT" Namespace="MQTT" SystemLibrary="false" DefaultResolution="MQTT, * (Stefan Dreyer)" />
        </Libraries>
      </data>
    </addData>
  </resource></configuration></configurations></instances>
</project>
`;
    expect(readPlcopenLibraries(xml)).toEqual([
      { name: 'MQTT', version: '*', vendor: 'Stefan Dreyer', namespace: 'MQTT' },
      { name: 'IecSfc', version: '4.4.0.0', vendor: 'System', namespace: 'IecSfc', system: true },
      { name: 'SysTypes2 Interfaces', version: '*', vendor: 'System', namespace: 'SysTypes' },
    ]);
    expect(readPlcopenLibraries('<project/>')).toEqual([]);
    expect(readPlcopenLibraries('<Libraries><broken')).toEqual([]);
  });
  it('lets a name found nowhere name the non-system libraries, and a system namespace still qualify', () => {
    const references = readPlcopenLibraries(
      '<a><Libraries><Library Name="#MQTT" Namespace="MQTT" DefaultResolution="MQTT, * (x)"/><Library Name="#IecSfc" Namespace="IecSfc" SystemLibrary="true"/></Libraries></a>',
    );
    const src =
      'PROGRAM P\nVAR\n    c : CallbackCollector;\n    q : IecSfc.SFCActionType;\nEND_VAR\nEND_PROGRAM\n';
    const { diagnostics } = checkProject([parseSource(src, 'p.st').unit], { libraryReferences: references });
    expect(diagnostics.map((d) => d.message.replace(/, which.*/, ''))).toEqual([
      "'CallbackCollector' comes from vendor library MQTT",
      "'IecSfc.SFCActionType' comes from vendor library IecSfc",
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { readSource } from './project';

/** A TwinCAT 3 global variable list as the XAE writes it. */
function tcGvl(name: string, declaration: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <GVL Name="${name}" Id="{3b1a7c2e-5d4f-4e8a-9c61-7f2d0b9e4a10}">
    <Declaration><![CDATA[${declaration}]]></Declaration>
  </GVL>
</TcPlcObject>
`;
}

function tcPou(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{9e0c4d1b-2a7f-4c3e-8b15-6d9a2f0e7c34}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
	aPositions : ARRAY[1..GVL_Param.nMaxAxes] OF LREAL;
	nAxis : INT;
	sName : STRING;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[${body}]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;
}

const PARAM = tcGvl(
  'GVL_Param',
  `{attribute 'qualified_only'}
VAR_GLOBAL CONSTANT
	nMaxAxes : INT := 4;
	fMaxVelo : LREAL := 250.0;
END_VAR
`,
);
// two lists that declare the same name, as pcdshub's and TcUnit's do
const AXIS1 = tcGvl(
  'GVL_Axis1',
  "{attribute 'qualified_only'}\nVAR_GLOBAL\n\tsName : STRING := 'X';\n\tnId : INT;\nEND_VAR\n",
);
const AXIS2 = tcGvl('GVL_Axis2', "{attribute 'qualified_only'}\nVAR_GLOBAL\n\tsName : INT;\nEND_VAR\n");

function check(main: string, ...gvls: [string, string][]): [string, number, string][] {
  const units = [...gvls, ['MAIN.TcPOU', tcPou(main)] as [string, string]].map(([file, text]) => {
    const r = readSource(text, file);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  return checkProject(units).diagnostics.map((d) => [d.code, d.line, d.message]);
}

describe("{attribute 'qualified_only'} on a global variable list (issue 15)", () => {
  it('accepts GVL.name, also in an array bound, and refuses an unqualified use naming the list', () => {
    const good = `FOR nAxis := 1 TO GVL_Param.nMaxAxes DO
	aPositions[nAxis] := GVL_Param.fMaxVelo;
END_FOR
`;
    expect(check(good, ['GVL_Param.TcGVL', PARAM])).toEqual([]);
    const bad = good.replace('aPositions[nAxis] := GVL_Param.fMaxVelo;', 'aPositions[nAxis] := fMaxVelo;');
    expect(check(bad, ['GVL_Param.TcGVL', PARAM])).toEqual([
      ['ST2033', 13, "'fMaxVelo' is in GVL_Param, which is qualified_only: write GVL_Param.fMaxVelo"],
    ]);
    // without the attribute the unqualified name is fine
    expect(check(bad, ['GVL_Param.TcGVL', PARAM.replace("{attribute 'qualified_only'}\n", '')])).toEqual([]);
  });

  it('lets two qualified_only lists declare the same name, each with its own type', () => {
    const main = `sName := GVL_Axis1.sName;
nAxis := GVL_Axis2.sName;
GVL_Axis1.nId := nAxis;
`;
    expect(
      check(main, ['GVL_Axis1.TcGVL', AXIS1], ['GVL_Axis2.TcGVL', AXIS2], ['GVL_Param.TcGVL', PARAM]),
    ).toEqual([]);
    // the second list's sName is an INT, not the first's STRING
    expect(
      check(
        'sName := GVL_Axis2.sName;\n',
        ['GVL_Axis1.TcGVL', AXIS1],
        ['GVL_Axis2.TcGVL', AXIS2],
        ['GVL_Param.TcGVL', PARAM],
      ).map((d) => d[0]),
    ).toEqual(['ST2004']);
    // lists that are not qualified_only still may not both declare it
    expect(
      check(
        '',
        ['GVL_Axis1.TcGVL', AXIS1.replace("{attribute 'qualified_only'}\n", '')],
        ['GVL_Axis2.TcGVL', AXIS2],
        ['GVL_Param.TcGVL', PARAM],
      ).map((d) => d[0]),
    ).toEqual(['ST2003']);
  });
});

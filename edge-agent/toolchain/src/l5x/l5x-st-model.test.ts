import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SitePolicy } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { projectFromSources, verifySafety } from '../safety';
import { testL5x } from '../testing/test-l5x';
import { L5X_CODES } from './l5x-check';
import { modelErrors, readL5xModel } from './l5x-st-model';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in the text`);
  return text.slice(0, i).split('\n').length;
}

/** Every object of the unit whose span starts at `offset` of the model. */
function spansAt(unit: unknown, offset: number): { line: number }[] {
  const out: { line: number }[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown) => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (o.offset === offset && typeof o.line === 'number') out.push(o as { line: number });
    for (const k in o) visit(o[k]);
  };
  visit(unit);
  return out;
}

describe('readL5xModel', () => {
  const text = testL5x(
    [
      ['A', 'BOOL'],
      ['B', 'BOOL'],
      ['N', 'DINT'],
    ],
    {
      Main: ['XIC(A)OTE(B);', 'JSR(Sub,0);', 'XIC(B)OTE(A);', 'XIC(A)JSR(Calc,0);'],
      Sub: ['XIC(A)ADD(N,1,N);'],
    },
    '',
    { Calc: ['IF A THEN', '  N := 2;', 'END_IF;'] },
  );
  const m = readL5xModel(text, 'x.L5X');
  const fileLineOf = (statement: string) => m.fileLine(lineOf(m.source, statement));

  it('maps each model statement to its rung, an inlined subroutine rung, or its Logix ST line', () => {
    expect(m.diagnostics).toEqual([]);
    expect(fileLineOf('B := LX_T0;')).toBe(lineOf(text, 'XIC(A)OTE(B);'));
    expect(fileLineOf('IF LX_T2 THEN N := N + 1;')).toBe(lineOf(text, 'XIC(A)ADD(N,1,N);'));
    expect(fileLineOf('A := LX_T3;')).toBe(lineOf(text, 'XIC(B)OTE(A);'));
    expect(fileLineOf('N := 2;')).toBe(lineOf(text, '  N := 2;'));
    // the JSR's own END_IF after the inlined routine is the JSR rung's again
    const after = m.source.indexOf('END_IF;', m.source.indexOf('IF LX_T2 THEN N := N + 1; END_IF;') + 34);
    expect(m.fileLine(m.source.slice(0, after).split('\n').length)).toBe(lineOf(text, 'JSR(Sub,0);'));
    // declarations come from the Program element; the library and types from no element
    expect(fileLineOf('LX_FS := LX_FIRST;')).toBe(lineOf(text, '<Program Name="P"'));
    expect(m.fileLine(1)).toBeUndefined();
  });

  it("cites a controller tag's declaration at its <Tag> element, not line 1", () => {
    const decl = m.source.indexOf('A : BOOL');
    expect(m.source.lastIndexOf('VAR_GLOBAL', decl)).toBeGreaterThan(-1);
    expect(m.fileLine(lineOf(m.source, 'A : BOOL'))).toBe(lineOf(text, '<Tag Name="A"'));
    expect(m.fileLine(lineOf(m.source, 'N : DINT'))).toBe(lineOf(text, '<Tag Name="N"'));
    const spans = spansAt(m.unit, decl);
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) expect(s.line).toBe(lineOf(text, '<Tag Name="A"'));
    // the program after the block still starts at its Program element
    expect(m.fileLine(lineOf(m.source, 'PROGRAM P'))).toBe(lineOf(text, '<Program Name="P"'));
  });

  it("cites a program tag's declaration at its <Tag> element", () => {
    const local = text
      .replace('<Tags/>', '<Tags>\n<Tag Name="Count" TagType="Base" DataType="DINT"/>\n</Tags>')
      .replace('XIC(B)OTE(A);', 'XIC(B)ADD(Count,1,Count);');
    const p = readL5xModel(local, 'p.L5X');
    expect(p.diagnostics).toEqual([]);
    expect(p.fileLine(lineOf(p.source, 'Count : DINT'))).toBe(lineOf(local, '<Tag Name="Count"'));
    // the program's own lines after its tags come from the Program element again
    expect(p.fileLine(lineOf(p.source, 'LX_CLK : TON'))).toBe(lineOf(local, '<Program Name="P"'));
  });

  it("cites a user type's lines at its <DataType> element", () => {
    const udt = `<DataTypes>
<DataType Name="Motor" Family="NoFamily" Class="User"><Members>
<Member Name="Speed" DataType="DINT" Dimension="0" Radix="Decimal" Hidden="false"/>
</Members></DataType>
</DataTypes>`;
    const withUdt = testL5x(
      [
        ['A', 'BOOL'],
        ['M1', 'Motor'],
      ],
      { Main: ['XIC(A)MOV(5,M1.Speed);'] },
      udt,
    );
    const u = readL5xModel(withUdt, 'u.L5X');
    expect(u.diagnostics).toEqual([]);
    expect(u.fileLine(lineOf(u.source, 'TYPE Motor'))).toBe(lineOf(withUdt, '<DataType Name="Motor"'));
    expect(u.fileLine(lineOf(u.source, 'Speed : DINT'))).toBe(lineOf(withUdt, '<DataType Name="Motor"'));
    // predefined types come from no element of the file
    expect(u.fileLine(lineOf(u.source, 'TYPE TIMER'))).toBeUndefined();
  });

  it("maps an Add-On Instruction block's statements to its Logic rungs", () => {
    const aoi = `<AddOnInstructionDefinitions><AddOnInstructionDefinition Name="Latch">
<Parameters>
<Parameter Name="Set" DataType="BOOL" Usage="Input" Required="true"/>
<Parameter Name="Q" DataType="BOOL" Usage="Output" Required="true"/>
</Parameters>
<Routines><Routine Name="Logic" Type="RLL"><RLLContent>
<Rung Number="0" Type="N"><Text><![CDATA[[XIC(Set),XIC(Q)]OTE(Q);]]></Text></Rung>
</RLLContent></Routine></Routines>
</AddOnInstructionDefinition></AddOnInstructionDefinitions>`;
    const withAoi = testL5x(
      [
        ['A', 'BOOL'],
        ['B', 'BOOL'],
        ['L1', 'Latch'],
      ],
      { Main: ['Latch(L1,A,B);'] },
      aoi,
    );
    const a = readL5xModel(withAoi, 'a.L5X');
    expect(a.diagnostics).toEqual([]);
    const fb = a.source.indexOf('FUNCTION_BLOCK Latch');
    const q = a.source.indexOf('Q := rc;', fb);
    expect(a.fileLine(lineOf(a.source, 'FUNCTION_BLOCK Latch'))).toBe(
      lineOf(withAoi, '<AddOnInstructionDefinition'),
    );
    expect(a.fileLine(a.source.slice(0, q).split('\n').length)).toBe(
      lineOf(withAoi, '[XIC(Set),XIC(Q)]OTE(Q);'),
    );
  });

  it("gives the unit's spans the file's lines, so whatever cites a node cites the L5X", () => {
    const at = m.source.indexOf('A := LX_T3;');
    const spans = spansAt(m.unit, at);
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) expect(s.line).toBe(lineOf(text, 'XIC(B)OTE(A);'));
  });

  it('names a model that does not check as L5X9001 at the model line, not at a line of the file', () => {
    const offset = m.source.indexOf('A := LX_T3;');
    const [d] = modelErrors(m, [
      { line: 3, offset, severity: 'error', code: 'ST2001', message: 'x' },
      { line: 3, offset, severity: 'warning', code: 'ST5001', message: 'dropped' },
    ]);
    expect(d).toMatchObject({ file: 'x.L5X', line: 1, code: L5X_CODES.modelInvalid });
    expect(d?.message).toBe(
      `the ST model of x.L5X does not check: ST2001 x (model line ${lineOf(m.source, 'A := LX_T3;')})`,
    );
  });

  it('never throws: an unreadable file is one L5X1000 error and an empty model', () => {
    const bad = readL5xModel('not xml', 'junk.L5X');
    expect(bad.diagnostics.map((d) => d.code)).toEqual([L5X_CODES.unreadable]);
    expect(bad.source).toBe('');
  });
});

describe('safety findings on an L5X cite the file', () => {
  const plant = readFileSync(
    join(import.meta.dirname, '../../../../examples/plants/ladder-line/ladder-line.L5X'),
    'utf8',
  );
  const rung = '[XIC(Start_PB) ,XIC(Conveyor_Run) ]XIO(Stop_PB)XIO(EStop)OTE(Conveyor_Run);';

  it("at the changed rung's line of the XML, not a line of the ST model", async () => {
    const hostile = plant.replace(rung, '[XIC(Start_PB) ,XIC(Conveyor_Run) ]XIO(Stop_PB)OTE(Conveyor_Run);');
    const before = projectFromSources({ 'line.L5X': plant });
    const after = projectFromSources({ 'line.L5X': hostile });
    const r = await verifySafety({
      before,
      after,
      policy: SitePolicy.parse({
        apiVersion: 'plcfleet/v1',
        kind: 'SitePolicy',
        site: 'line',
        emergencyStops: ['Conveyor_Run'],
      }),
      mode: 'quick',
    });
    expect(r.verdict).toBe('fail');
    const estop = r.findings.filter((f) => f.rule.startsWith('estop/'));
    expect(estop.length).toBeGreaterThan(0);
    const rungLine = lineOf(hostile, '[XIC(Start_PB) ,XIC(Conveyor_Run) ]XIO(Stop_PB)OTE(Conveyor_Run);');
    expect(estop.map((f) => [f.file, f.line])).toContainEqual(['line.L5X', rungLine]);
    for (const f of estop) expect(f.line).toBeLessThanOrEqual(hostile.split('\n').length);
  });
});

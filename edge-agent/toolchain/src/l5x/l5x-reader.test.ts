import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { L5xError, readL5x } from './l5x-reader';
import { insertTagsEdit, routineToStEdits, stLinesEdits, writeL5x } from './l5x-writer';
import { parseRung, RllSyntaxError } from './rll-parser';

const example = join(__dirname, '../../../../examples/plants/ladder-line/ladder-line.L5X');
const bytes = () => new Uint8Array(readFileSync(example));

describe('readL5x', () => {
  const p = readL5x(bytes());

  it('reads controller, AOIs, tags, programs, routines and tasks', () => {
    expect(p.controller.name).toBe('Ladder_Line');
    expect(p.controller.processorType).toBe('1769-L33ER');
    expect(p.newline).toBe('\r\n');
    expect(p.aois.map((a) => a.name)).toEqual(['Motor_Ctl']);
    expect(p.aois[0]?.parameters.map((x) => `${x.name}:${x.usage}:${x.required}`)).toEqual([
      'EnableIn:Input:false',
      'EnableOut:Output:false',
      'Start:Input:true',
      'Stop:Input:true',
      'Run:Output:true',
    ]);
    expect(p.tags.find((t) => t.name === 'Start_PB')).toMatchObject({ dataType: 'BOOL', value: false });
    const main = p.programs[0];
    expect(main?.name).toBe('MainProgram');
    expect(main?.mainRoutine).toBe('MainRoutine');
    expect(main?.routines.map((r) => `${r.name}:${r.type}`)).toContain('Conveyor:RLL');
    const timer = main?.tags.find((t) => t.name === 'Start_Delay');
    expect(timer?.value).toEqual({ PRE: 3000, ACC: 0, EN: false, TT: false, DN: false });
    const conv = main?.routines.find((r) => r.name === 'Conveyor');
    expect(conv?.rungs[0]).toMatchObject({
      number: 0,
      type: 'N',
      text: '[XIC(Start_PB) ,XIC(Conveyor_Run) ]XIO(Stop_PB)XIO(EStop)OTE(Conveyor_Run);',
      comment: 'Conveyor seal-in: start, stop and E-stop.',
    });
    expect(p.tasks).toMatchObject([
      { name: 'MainTask', type: 'PERIODIC', rateMs: 10, programs: ['MainProgram'] },
    ]);
  });

  it('reports the FBD routine as a warning naming it and reads the rest', () => {
    expect(p.warnings).toEqual([
      { where: 'MainProgram/Legacy_FBD', message: 'routine MainProgram/Legacy_FBD is FBD: not read' },
    ]);
    expect(p.programs[0]?.routines).toHaveLength(7);
  });

  it('reads arrays, UDT members, aliases, ST lines and radix values', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<RSLogix5000Content TargetType="Controller"><Controller Name="C">
<DataTypes><DataType Name="Pt" Family="NoFamily" Class="User"><Members>
<Member Name="ZZZZZZZZZZPt0" DataType="SINT" Dimension="0" Radix="Decimal" Hidden="true"/>
<Member Name="Ok" DataType="BIT" Dimension="0" Radix="Decimal" Hidden="false" Target="ZZZZZZZZZZPt0" BitNumber="0"/>
<Member Name="Vals" DataType="DINT" Dimension="4" Radix="Decimal" Hidden="false"/>
</Members></DataType></DataTypes>
<Tags>
<Tag Name="Arr" TagType="Base" DataType="DINT" Dimensions="3"><Data Format="Decorated"><Array DataType="DINT" Dimensions="3" Radix="Hex"><Element Index="[0]" Value="16#0000_00ff"/><Element Index="[1]" Value="16#ffff_ffff"/><Element Index="[2]" Value="2"/></Array></Data></Tag>
<Tag Name="Al" TagType="Alias" AliasFor="Arr[1].5" Radix="Decimal"/>
</Tags>
<Programs><Program Name="P"><Routines><Routine Name="S" Type="ST"><STContent><Line Number="0"><![CDATA[x := a &lt; b;]]></Line><Line Number="1">y := 1 &amp; 2;</Line></STContent></Routine><Routine Name="Chart" Type="SFC"/></Routines></Program></Programs>
</Controller></RSLogix5000Content>`;
    const q = readL5x(xml);
    expect(q.dataTypes[0]?.members.find((m) => m.name === 'Ok')).toMatchObject({
      dataType: 'BIT',
      bitNumber: 0,
    });
    expect(q.dataTypes[0]?.members.find((m) => m.name === 'Vals')?.dimension).toBe(4);
    expect(q.tags[0]).toMatchObject({ dimensions: [3], value: [255, -1, 2] });
    expect(q.tags[1]).toMatchObject({ tagType: 'Alias', aliasFor: 'Arr[1].5' });
    expect(q.programs[0]?.routines[0]?.lines).toEqual(['x := a &lt; b;', 'y := 1 & 2;']);
    expect(q.warnings.map((w) => w.where)).toEqual(['P/Chart']);
  });

  it('refuses what is not an L5X with a clear error', () => {
    expect(() => readL5x('PROGRAM P END_PROGRAM')).toThrow(L5xError);
    expect(() => readL5x('<?xml version="1.0"?><project/>')).toThrow(/not an L5X file/);
    expect(() => readL5x('<RSLogix5000Content><Controller>')).toThrow(/never closed/);
    // a module exported without its context (public-code sweep 10): said as such, not read as empty
    const moduleOnly =
      '<RSLogix5000Content SchemaRevision="1.0" TargetName="Rack1" TargetType="Module" ContainsContext="false">' +
      '<Module Use="Target" Name="Rack1" CatalogNumber="1756-EN2T"><Ports/></Module></RSLogix5000Content>';
    expect(() => readL5x(moduleOnly)).toThrow(/exports a Module without its controller context/);
    expect(() => readL5x('<RSLogix5000Content TargetType="Controller"></RSLogix5000Content>')).toThrow(
      /has no <Controller> element/,
    );
  });
});

describe('writeL5x', () => {
  it('writes an unedited file back byte for byte', () => {
    const b = bytes();
    expect(Buffer.from(writeL5x(readL5x(b))).equals(Buffer.from(b))).toBe(true);
  });

  it('keeps a BOM, non-ASCII text and every byte outside the edited routine', () => {
    const b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bytes())]);
    const text = b.toString('utf8').replace('Reset clears the alarm', 'Réinitialiser — alarm');
    const withBom = Buffer.from(text, 'utf8');
    const p = readL5x(withBom);
    const prog = p.programs[0];
    const r = prog?.routines.find((x) => x.name === 'Timers');
    if (!prog || !r) throw new Error('no Timers routine');
    const out = Buffer.from(
      writeL5x(p, [
        ...routineToStEdits(p, r, ['Horn := Conveyor_Run;', 'x := a < b; (* ]]> *)']),
        insertTagsEdit(p, prog.tags[0] as never, [{ name: 'Start_Delay_FBD', dataType: 'FBD_TIMER' }]),
      ]),
    );
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const before = withBom.subarray(0, withBom.indexOf('<Routine Name="Timers" Type="RLL">'));
    expect(out.subarray(0, before.length).toString('utf8')).toContain('Réinitialiser');
    const q = readL5x(out);
    const t = q.programs[0]?.routines.find((x) => x.name === 'Timers');
    expect(t?.type).toBe('ST');
    expect(t?.lines).toEqual(['Horn := Conveyor_Run;', 'x := a < b; (* ]]> *)']);
    expect(q.programs[0]?.tags[1]).toMatchObject({ name: 'Start_Delay_FBD', dataType: 'FBD_TIMER' });
    // everything after the routine is the original bytes
    const tail = withBom.subarray(withBom.indexOf('<Routine Name="Counters"'));
    expect(out.subarray(out.length - tail.length).equals(tail)).toBe(true);
    expect(q.programs[0]?.routines.map((x) => x.name)).toEqual(p.programs[0]?.routines.map((x) => x.name));
  });
});

describe('routineToStEdits', () => {
  it('fills an empty self-closing routine', () => {
    const xml =
      '<RSLogix5000Content><Controller Name="C"><Programs><Program Name="P"><Routines>\n  <Routine Name="Fault" Type="RLL"/>\n</Routines></Program></Programs></Controller></RSLogix5000Content>';
    const p = readL5x(xml);
    const r = p.programs[0]?.routines[0];
    if (!r) throw new Error('no routine');
    const q = readL5x(writeL5x(p, routineToStEdits(p, r, ['NOP := 1;'])));
    expect(q.programs[0]?.routines[0]).toMatchObject({ name: 'Fault', type: 'ST', lines: ['NOP := 1;'] });
  });
});

describe('stLinesEdits', () => {
  const xml = [
    '<RSLogix5000Content><Controller Name="C"><Programs><Program Name="P"><Routines>',
    '<Routine Name="S" Type="ST">',
    '<STContent>',
    '<Line Number="0">',
    '<![CDATA[a := 1;]]>',
    '</Line>',
    '<Line Number="1">',
    '<![CDATA[b := 2;]]>',
    '</Line>',
    '</STContent>',
    '</Routine>',
    '</Routines></Program></Programs></Controller></RSLogix5000Content>',
  ].join('\r\n');
  const p = readL5x(xml);
  const r = p.programs[0]!.routines[0]!;

  it('reads a line as its CDATA, without the layout around it', () => {
    expect(r.lines).toEqual(['a := 1;', 'b := 2;']);
  });

  it('replaces only the CDATA of a changed line, splitting a CDATA end inside it', () => {
    const out = Buffer.from(writeL5x(p, stLinesEdits(p, r, ['a := 1;', 'b := 3;']))).toString('utf8');
    expect(out).toBe(xml.replace('b := 2;', 'b := 3;'));
    const odd = readL5x(writeL5x(p, stLinesEdits(p, r, ['a := 1;', 'b := 2; (* ]]> *)'])));
    expect(odd.programs[0]!.routines[0]!.lines).toEqual(['a := 1;', 'b := 2; (* ]]> *)']);
  });

  it('rewrites the content when the line count changes, and refuses a ladder routine', () => {
    const q = readL5x(writeL5x(p, stLinesEdits(p, r, ['a := 1;'])));
    expect(q.programs[0]!.routines[0]!.lines).toEqual(['a := 1;']);
    const lad = readL5x(xml.replace('Type="ST"', 'Type="RLL"'));
    expect(() => stLinesEdits(lad, lad.programs[0]!.routines[0]!, [])).toThrow(/RLL, not ST/);
  });
});

describe('parseRung', () => {
  it('reads instructions, operands with expressions and nested branches', () => {
    expect(parseRung('XIC(Start)[XIO(Stop),OTE(Run)];')).toEqual([
      { kind: 'ins', name: 'XIC', operands: ['Start'], offset: 0 },
      {
        kind: 'branch',
        offset: 10,
        legs: [
          [{ kind: 'ins', name: 'XIO', operands: ['Stop'], offset: 11 }],
          [{ kind: 'ins', name: 'OTE', operands: ['Run'], offset: 21 }],
        ],
      },
    ]);
    const cpt = parseRung('CPT(Out,(A[1,2]+B)*2) NOP() [,XIC(X)];');
    expect(cpt[0]).toMatchObject({ name: 'CPT', operands: ['Out', '(A[1,2]+B)*2'] });
    expect(cpt[1]).toMatchObject({ name: 'NOP', operands: [] });
    expect(cpt[2]).toMatchObject({ kind: 'branch', legs: [[], [{ name: 'XIC' }]] });
  });

  it('points at the offending character', () => {
    expect(() => parseRung('XIC(A)[OTE(B);')).toThrow(RllSyntaxError);
    expect(() => parseRung('XIC(A) ) OTE(B);')).toThrow(/unexpected '\)'/);
  });
});

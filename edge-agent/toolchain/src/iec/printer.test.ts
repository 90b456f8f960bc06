import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AssignmentStatement, Expression, ProgramDecl } from './ast';
import { astEqual } from './ast-utils';
import { applyEdits, replaceNode } from './edits';
import { parseSource } from './parser';
import { printNode, printUnit } from './printer';
import { readSource } from './project';
import { fixtureFiles } from './test-fixtures';

describe('printer round trip', () => {
  for (const file of fixtureFiles()) {
    it(`parse(print(ast)) == ast and print is idempotent: ${file.split('/fixtures/')[1]}`, () => {
      const first = readSource(readFileSync(file, 'utf8'), file);
      expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const printed = printUnit(first.unit);
      const second = parseSource(printed, 'printed.st');
      expect(second.diagnostics).toEqual([]);
      expect(astEqual(first.unit, second.unit)).toBe(true);
      expect(printUnit(second.unit)).toBe(printed);
    });
  }

  it('keeps comments where they stand', () => {
    const src = `PROGRAM P
VAR
    x : INT; // counter
END_VAR
(* step 1 *)
x := x + 1; // increment
IF x > 10 THEN // wrap
    x := 0;
    (* end of branch *)
END_IF;
END_PROGRAM
`;
    const { unit } = parseSource(src, 'c.st');
    expect(printUnit(unit)).toBe(src);
  });

  it('prints a 20,000-term expression and 9,400 nested NOTs without overflowing, idempotently', () => {
    const terms = Array.from({ length: 20_000 }, (_, i) => `aIn[${i}]`);
    const src = `PROGRAM P
bAny := ${terms.join(' OR ')};
nSum := ${terms.slice(0, 5000).join(' + ')} * 2 - 1;
bTrip := ${'NOT '.repeat(9400)}bSensor;
x := ${'- '.repeat(3000)}y;
END_PROGRAM
`;
    const first = parseSource(src, 'big.st');
    expect(first.diagnostics).toEqual([]);
    const printed = printUnit(first.unit);
    expect(printed).toContain(`bAny := ${terms.join(' OR ')};`);
    const second = parseSource(printed, 'printed.st');
    expect(second.diagnostics).toEqual([]);
    expect(printUnit(second.unit)).toBe(printed);
  });

  it('adds parentheses only where a synthesized tree needs them', () => {
    const span = parseSource('', 'x.st').unit.span;
    const id = (name: string): Expression => ({ kind: 'Identifier', name, span });
    const sum: Expression = { kind: 'Binary', operator: '+', left: id('a'), right: id('b'), span };
    const product: Expression = { kind: 'Binary', operator: '*', left: sum, right: id('c'), span };
    expect(printNode(product)).toBe('(a + b) * c');
    const right: Expression = { kind: 'Binary', operator: '-', left: id('a'), right: sum, span };
    expect(printNode(right)).toBe('a - (a + b)');
    expect(printNode({ kind: 'Unary', operator: 'NOT', operand: sum, span })).toBe('NOT (a + b)');
  });
});

describe('minimal-diff edits', () => {
  const src = `PROGRAM P
VAR
    a, b : INT;
END_VAR
(* keep me *)
a := 1;
IF a > 0 THEN
    b := a * 2;   // doubled
END_IF;
END_PROGRAM
`;
  it('replaces only the edited statement, keeping every other byte', () => {
    const { unit } = parseSource(src, 'e.st');
    const p = unit.declarations[0] as ProgramDecl;
    const inner = (p.body[1] as { then: AssignmentStatement[] }).then[0]!;
    const changed: AssignmentStatement = {
      ...inner,
      value: { kind: 'IntegerLiteral', value: 3, base: 10, raw: '3', span: inner.span },
    };
    const out = replaceNode(src, inner, changed);
    expect(out).toBe(src.replace('b := a * 2;', 'b := 3;'));
  });
  it('indents multi-line replacements like the original line and applies several edits', () => {
    const { unit } = parseSource(src, 'e.st');
    const p = unit.declarations[0] as ProgramDecl;
    const out = applyEdits(src, [
      { node: p.body[0]!, replacement: 'a := 2;' },
      {
        node: (p.body[1] as { then: AssignmentStatement[] }).then[0]!,
        replacement: 'IF b THEN\n    b := 0;\nEND_IF;',
      },
    ]);
    expect(out).toContain('a := 2;\nIF a > 0 THEN\n    IF b THEN\n        b := 0;\n    END_IF;   // doubled');
    expect(() =>
      applyEdits(src, [
        { node: p.body[1]!, replacement: null },
        { node: p.body[1]!, replacement: null },
      ]),
    ).toThrow(RangeError);
  });
});

describe('named global variable lists (PLCopen) print with their name', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0200">
  <fileHeader companyName="CODESYS" productName="CODESYS" productVersion="3.5" creationDateTime="2026-01-01T00:00:00"/>
  <contentHeader name="p"><coordinateInfo><fbd><scaling x="1" y="1"/></fbd><ld><scaling x="1" y="1"/></ld><sfc><scaling x="1" y="1"/></sfc></coordinateInfo></contentHeader>
  <types><dataTypes/><pous/></types>
  <instances>
    <configurations>
      <configuration name="PLC">
        <resource name="App">
          <globalVars name="GVL_MQTT" constant="true">
            <variable name="MQTT_TOPIC_LEN"><type><INT/></type><initialValue><simpleValue value="100"/></initialValue></variable>
          </globalVars>
          <globalVars name="GVL_IO">
            <variable name="bDoor"><type><BOOL/></type></variable>
          </globalVars>
        </resource>
      </configuration>
    </configurations>
  </instances>
</project>
`;
  it('writes the name as gvl_name, parses back to the same lists, and prints again the same', () => {
    const r = readSource(xml, 'p.xml');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const printed = printUnit(r.unit);
    expect(printed).toContain("{attribute 'gvl_name' := 'GVL_MQTT'}\nVAR_GLOBAL CONSTANT");
    const again = parseSource(printed, 'p.st');
    expect(again.diagnostics).toEqual([]);
    const names = (u: typeof r.unit) =>
      u.declarations.flatMap((d) => (d.kind === 'GlobalVarList' ? [d.name] : []));
    expect(names(again.unit)).toEqual(names(r.unit));
    expect(names(r.unit)).toEqual(['GVL_MQTT', 'GVL_IO']);
    expect(printUnit(again.unit)).toBe(printed);
  });
  it('prints unnamed VAR_GLOBAL blocks in a row as the one list they read back as (fmt is a fixed point)', () => {
    const st = 'VAR_GLOBAL\n    A : INT;\nEND_VAR\n\nVAR_GLOBAL\n    B : INT;\nEND_VAR\n';
    const once = printUnit(parseSource(st, 'g.st').unit);
    expect(once).toBe('VAR_GLOBAL\n    A : INT;\nEND_VAR\nVAR_GLOBAL\n    B : INT;\nEND_VAR\n');
    expect(printUnit(parseSource(once, 'g.st').unit)).toBe(once);
  });
  it('prints no name for a TwinCAT GVL (the name stays in the XML)', () => {
    const tc = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <GVL Name="GVL_Main" Id="{8914b509-ade2-41d9-a869-a8850ad59b87}">
    <Declaration><![CDATA[VAR_GLOBAL
    bRun : BOOL;
END_VAR
]]></Declaration>
  </GVL>
</TcPlcObject>
`;
    expect(printUnit(readSource(tc, 'GVL_Main.TcGVL').unit)).not.toContain('gvl_name');
  });
});

import { Migration } from '@plcfleet/protocols';
import { modelL5x, readL5x } from '@plcfleet/toolchain/l5x';
import { describe, expect, it } from 'vitest';
import { applyRecipe, createRecipeTransformer, exampleBindings } from './recipe-transformer';
import { outlineUnit } from './st-ast';
import { parseProgramFile } from './st-front-end';
import { compilePattern, findInPou, PatternError } from './st-pattern';
import type { InnerVerify } from './transformer';

const base = {
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'm',
  title: 't',
  type: 'code',
  safetyClass: 'non-safety',
  goal: 'g',
  scope: {},
};
const mig = (rules: unknown[], extra: Record<string, unknown> = {}) =>
  Migration.parse({ ...base, recipe: { rules }, ...extra });

const guardRule = {
  name: 'guard',
  match: 'IF $sensor = TRUE THEN\n    $out := TRUE;\nEND_IF;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
  replace: '${sensor}_Monitor(\n    Guard_Sensor_1 := $sensor,\n    Safety_OK => $out\n);',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
  declare: [{ name: '${sensor}_Monitor', type: 'SAFETY_GUARD_MONITOR' }],
};

const matches = (pattern: string, body: string) => {
  const pf = parseProgramFile({ path: 'p.st', text: `PROGRAM P\n${body}\nEND_PROGRAM\n` });
  return findInPou(compilePattern(pattern), outlineUnit(pf.unit)[0]!).map((m) =>
    Object.fromEntries(
      [...m.bindings].map(([k, e]) => [k, pf.file.text.slice(e.span.offset, e.span.endOffset)]),
    ),
  );
};

describe('ST patterns with metavariables', () => {
  it('matches on the tree: layout, comments and case do not matter', () => {
    expect(
      matches('IF $s = TRUE THEN $o := TRUE; END_IF;', 'if  Door (* c *) = true then\n  ok:=TRUE;\nend_if;'),
    ).toEqual([{ s: 'Door', o: 'ok' }]);
  });

  it('does not match a different shape', () => {
    expect(matches('IF $s = TRUE THEN $o := TRUE; END_IF;', 'IF Door THEN ok := TRUE; END_IF;')).toEqual([]);
    expect(
      matches(
        'IF $s = TRUE THEN $o := TRUE; END_IF;',
        'IF Door = TRUE THEN ok := TRUE; ELSE ok := FALSE; END_IF;',
      ),
    ).toEqual([]);
    expect(
      matches('IF $s = TRUE THEN $o := TRUE; END_IF;', 'IF Door = TRUE THEN ok := TRUE; x := 1; END_IF;'),
    ).toEqual([]);
  });

  it('binds any expression and requires a repeated metavariable to bind the same one', () => {
    expect(matches('$a := $a + 1;', 'n := n + 1; m := n + 1; GVL.c[2] := GVL.c[2] + 1;')).toEqual([
      { a: 'n' },
      { a: 'GVL.c[2]' },
    ]);
  });

  it('finds matches nested in IF, CASE and loops, and sequences of statements', () => {
    const body =
      'CASE s OF 1: IF a = TRUE THEN b := TRUE; END_IF; END_CASE;\nFOR i := 1 TO 3 DO x := 0; y := 1; END_FOR;';
    expect(matches('IF $s = TRUE THEN $o := TRUE; END_IF;', body)).toEqual([{ s: 'a', o: 'b' }]);
    expect(matches('$p := 0; $q := 1;', body)).toEqual([{ p: 'x', q: 'y' }]);
  });

  it('matches named call arguments in any order, but all of them', () => {
    const p = '$i(Execute := $e, Host := $h);';
    expect(matches(p, "R(Host := 'a', Execute := TRUE);")).toEqual([{ i: 'R', e: 'TRUE', h: "'a'" }]);
    expect(matches(p, "R(Host := 'a', Execute := TRUE, Port := 5);")).toEqual([]);
    expect(matches('$i(Q => $q);', 'T(Q => done);')).toEqual([{ i: 'T', q: 'done' }]);
    expect(matches('$i(Q => $q);', 'T(Q := done);')).toEqual([]);
  });

  it('refuses a pattern that is not ST', () => {
    expect(() => compilePattern('IF $x THEN')).toThrow(PatternError);
  });
});

describe('applyRecipe', () => {
  const text = [
    'PROGRAM Cell',
    'VAR_INPUT',
    '    Door : BOOL;',
    'END_VAR',
    'VAR',
    '    n : INT;',
    'END_VAR',
    '    (* guard *)',
    '    IF Door = TRUE THEN',
    '        Ok := TRUE;',
    '    END_IF; // keep me',
    '    n := n + 1;',
    'END_PROGRAM',
    '',
  ].join('\r\n');

  it('splices the template at the statement, indented like it, and adds declarations; CRLF kept, nothing else touched', () => {
    const r = applyRecipe(mig([guardRule]), [parseProgramFile({ path: 'Cell.st', text })]);
    expect(r.problems).toEqual([]);
    expect(r.files[0]!.text).toBe(
      [
        'PROGRAM Cell',
        'VAR_INPUT',
        '    Door : BOOL;',
        'END_VAR',
        'VAR',
        '    n : INT;',
        '    Door_Monitor : SAFETY_GUARD_MONITOR;',
        'END_VAR',
        '    (* guard *)',
        '    Door_Monitor(',
        '        Guard_Sensor_1 := Door,',
        '        Safety_OK => Ok',
        '    ); // keep me',
        '    n := n + 1;',
        'END_PROGRAM',
        '',
      ].join('\r\n'),
    );
    expect(r.applications).toEqual([
      {
        rule: 'guard',
        file: 'Cell.st',
        pou: 'Cell',
        line: 9,
        endLine: 11,
        bindings: { sensor: 'Door', out: 'Ok' },
      },
    ]);
  });

  it('creates a var block when the section is missing, and retypes instances', () => {
    const src = 'PROGRAM P\nVAR\n    R : MB_Read;\nEND_VAR\nR(Host := h);\nEND_PROGRAM\n';
    const r = applyRecipe(
      mig([
        {
          name: 'r',
          match: '$i(Host := $h);',
          replace: '$i(Endpoint := $h);',
          retype: [{ name: '$i', type: 'UA_Read' }],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
          declare: [{ name: '${i}_Seen', type: 'BOOL', section: 'VAR_OUTPUT' }],
        },
      ]),
      [parseProgramFile({ path: 'p.st', text: src })],
    );
    expect(r.problems).toEqual([]);
    expect(r.files[0]!.text).toBe(
      'PROGRAM P\nVAR\n    R : UA_Read;\nEND_VAR\nVAR_OUTPUT\n    R_Seen : BOOL;\nEND_VAR\nR(Endpoint := h);\nEND_PROGRAM\n',
    );
  });

  it('stays inside the scope', () => {
    const files = [parseProgramFile({ path: 'Cell.st', text })];
    expect(applyRecipe(mig([guardRule], { scope: { pous: ['Other*'] } }), files).applications).toEqual([]);
    expect(applyRecipe(mig([guardRule], { scope: { files: ['lib/**'] } }), files).applications).toEqual([]);
  });

  it('reports rule problems instead of writing a broken change', () => {
    const files = [parseProgramFile({ path: 'Cell.st', text })];
    expect(applyRecipe(mig([{ ...guardRule, replace: '$sensor(' }]), files).problems[0]).toMatch(
      /replacement does not parse/,
    );
    expect(applyRecipe(mig([{ ...guardRule, replace: '$nope := 1;' }]), files).problems[0]).toMatch(
      /does not bind/,
    );
    expect(
      applyRecipe(mig([{ ...guardRule, declare: [{ name: 'n', type: 'BOOL' }] }]), files).problems[0],
    ).toMatch(/already declared as INT/);
  });

  it("reads the examples' names for each metavariable", () => {
    const m = mig([guardRule], {
      examples: [{ before: 'IF Guard_Sensor = TRUE THEN\n  Safety_OK := TRUE;\nEND_IF;', after: '' }],
    });
    expect(exampleBindings(m)).toEqual([
      { rule: 'guard', bindings: { sensor: 'Guard_Sensor', out: 'Safety_OK' } },
    ]);
  });
});

describe('recipe transformer', () => {
  const ok: InnerVerify = async () => ({ ok: true, diagnostics: [], findings: [] });
  const files = [{ path: 'a.st', text: 'PROGRAM A\nIF S = TRUE THEN\n  O := TRUE;\nEND_IF;\nEND_PROGRAM\n' }];

  it('changes, reports no-change, or fails on the inner verifier', async () => {
    const t = createRecipeTransformer();
    const req = { migration: mig([guardRule]), files, verify: ok, trace: () => {} };
    expect((await t.transform(req)).outcome).toBe('changed');
    expect(
      (await t.transform({ ...req, files: [{ path: 'a.st', text: 'PROGRAM A\nEND_PROGRAM\n' }] })).outcome,
    ).toBe('no-change');
    const bad: InnerVerify = async () => ({
      ok: false,
      diagnostics: [
        {
          file: 'a.st',
          line: 2,
          column: 1,
          endLine: 2,
          endColumn: 2,
          severity: 'error',
          code: 'ST2002',
          message: "unknown type 'SAFETY_GUARD_MONITOR'",
        },
      ],
      findings: [],
    });
    const r = await t.transform({ ...req, verify: bad });
    expect(r.outcome).toBe('failed');
    expect(r.reason).toContain("unknown type 'SAFETY_GUARD_MONITOR'");
  });
});

describe('applyRecipe on PLCopen XML', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201">
  <fileHeader companyName="c" productName="p" productVersion="1" creationDateTime="2026-01-01T00:00:00" />
  <contentHeader name="Guards"><coordinateInfo><fbd><scaling x="1" y="1" /></fbd><ld><scaling x="1" y="1" /></ld><sfc><scaling x="1" y="1" /></sfc></coordinateInfo></contentHeader>
  <types>
    <dataTypes />
    <pous>
      <pou name="Cell" pouType="program">
        <interface>
          <inputVars><variable name="Door"><type><BOOL /></type></variable></inputVars>
          <outputVars><variable name="Ok"><type><BOOL /></type></variable></outputVars>
        </interface>
        <body>
          <ST><xhtml xmlns="http://www.w3.org/1999/xhtml"><![CDATA[Ok := FALSE;
IF Door = TRUE THEN
    Ok := TRUE;
END_IF;]]></xhtml></ST>
        </body>
      </pou>
    </pous>
  </types>
  <instances><configurations /></instances>
</project>
`;
  const file = { path: 'guards.xml', text: xml };

  it('rewrites statements inside the ST body and keeps the XML around them', () => {
    const r = applyRecipe(
      mig([{ name: 'r', match: 'IF $s = TRUE THEN $o := TRUE; END_IF;', replace: '$o := $s;' }]),
      [parseProgramFile(file)],
    );
    expect(r.problems).toEqual([]);
    expect(r.files[0]!.text).toBe(
      xml.replace('IF Door = TRUE THEN\n    Ok := TRUE;\nEND_IF;', 'Ok := Door;'),
    );
    expect(parseProgramFile(r.files[0]!).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('refuses to splice declarations into PLCopen XML (a problem, the file unchanged)', () => {
    const r = applyRecipe(mig([guardRule]), [parseProgramFile(file)]);
    expect(r.problems[0]).toMatch(/declarations in PLCopen XML are not written by recipes/);
  });
});

describe('recipes on Siemens SCL (issue #19)', () => {
  const scl = [
    'FUNCTION_BLOCK "Cell"',
    '   VAR_INPUT',
    '      Door_Closed : Bool;',
    '   END_VAR',
    '   VAR_OUTPUT',
    '      Door_OK : Bool;',
    '   END_VAR',
    'BEGIN',
    '    IF #Door_Closed = TRUE THEN',
    '        #Door_OK := TRUE;',
    '    END_IF;',
    'END_FUNCTION_BLOCK',
    '',
  ].join('\n');
  const io = [
    'DATA_BLOCK "IO"',
    'NON_RETAIN',
    '   STRUCT',
    '      Door_Closed_Redundant : Bool;',
    '   END_STRUCT;',
    'BEGIN',
    'END_DATA_BLOCK',
    '',
  ].join('\n');

  it('binds the plain name and writes the template in SCL spelling, keeping its layout', () => {
    const rule = {
      ...guardRule,
      replace:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
        '${sensor}_Monitor(\n    Guard_Sensor_1 := $sensor,\n    Guard_Sensor_2 := IO.${sensor}_Redundant,\n    Safety_OK => $out\n);',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
      declare: [{ name: '${sensor}_Monitor', type: '"SAFETY_GUARD_MONITOR"' }],
    };
    const out = applyRecipe(
      mig([rule]),
      [
        { path: 'Cell.scl', text: scl },
        { path: 'IO.db', text: io },
      ].map(parseProgramFile),
    );
    expect(out.problems).toEqual([]);
    expect(out.applications[0]!.bindings).toEqual({ sensor: 'Door_Closed', out: 'Door_OK' });
    const cell = out.files.find((f) => f.path === 'Cell.scl')!.text;
    expect(cell).toContain(
      [
        '    #Door_Closed_Monitor(',
        '        Guard_Sensor_1 := #Door_Closed,',
        '        Guard_Sensor_2 := "IO".Door_Closed_Redundant,',
        '        Safety_OK => #Door_OK',
        '    );',
      ].join('\n'),
    );
    expect(cell).toContain('Door_Closed_Monitor : "SAFETY_GUARD_MONITOR";');
    expect(cell).not.toContain('IF #Door_Closed');
  });
});

describe('recipes on Rockwell L5X (issue #18)', () => {
  const l5x = (routines: string) =>
    [
      '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<RSLogix5000Content SchemaRevision="1.0" SoftwareRevision="32.00" TargetType="Controller">',
      '<Controller Use="Target" Name="Line1" ProcessorType="1756-L83E">',
      '<Tags>',
      '<Tag Name="Door" TagType="Base" DataType="BOOL" Radix="Decimal"/>',
      '<Tag Name="Enable" TagType="Base" DataType="BOOL" Radix="Decimal"/>',
      '<Tag Name="Run" TagType="Base" DataType="BOOL" Radix="Decimal"/>',
      '<Tag Name="Count" TagType="Base" DataType="DINT" Radix="Decimal"/>',
      '</Tags>',
      '<Programs>',
      '<Program Name="Cell" MainRoutineName="Main">',
      '<Tags/>',
      '<Routines>',
      routines,
      '</Routines>',
      '</Program>',
      '</Programs>',
      '</Controller>',
      '</RSLogix5000Content>',
      '',
    ].join('\r\n');
  const ladder = [
    '<Routine Name="Main" Type="RLL">',
    '<RLLContent>',
    '<Rung Number="0" Type="N">',
    '<Text>',
    '<![CDATA[XIC(Door)OTE(Run);]]>',
    '</Text>',
    '</Rung>',
    '</RLLContent>',
    '</Routine>',
  ].join('\r\n');
  const st = [
    '<Routine Name="Logic" Type="ST">',
    '<STContent>',
    '<Line Number="0">',
    '<![CDATA[// door interlock]]>',
    '</Line>',
    '<Line Number="1">',
    '<![CDATA[IF Door = 1 THEN]]>',
    '</Line>',
    '<Line Number="2">',
    '<![CDATA[    Run := 1;]]>',
    '</Line>',
    '<Line Number="3">',
    '<![CDATA[END_IF;]]>',
    '</Line>',
    '<Line Number="4">',
    '<![CDATA[Count := Count + 1;]]>',
    '</Line>',
    '</STContent>',
    '</Routine>',
  ].join('\r\n');
  const rule = {
    name: 'enable',
    match: 'IF $s = 1 THEN\n    $o := 1;\nEND_IF;',
    replace: 'IF $s = 1 AND Enable THEN\n    $o := 1;\nEND_IF;',
  };

  it('rewrites a statement inside the ST routine; only that routine changes, and the file reads and models', () => {
    const text = `${l5x(`${ladder}\r\n${st}`)}`;
    const out = applyRecipe(mig([rule]), [parseProgramFile({ path: 'plant/Line1.L5X', text })]);
    expect(out.problems).toEqual([]);
    expect(out.applications).toEqual([
      {
        rule: 'enable',
        file: 'plant/Line1.L5X',
        pou: 'Cell/Logic',
        line: 29,
        endLine: 35,
        bindings: { s: 'Door', o: 'Run' },
      },
    ]);
    const after = out.files[0]!.text;
    expect(after).not.toBe(text);
    // Every changed character lies inside the ST routine's <Line> CDATA.
    let head = 0;
    while (after[head] === text[head]) head++;
    let tail = 0;
    while (tail < text.length - head && after[after.length - 1 - tail] === text[text.length - 1 - tail])
      tail++;
    const cdataStart = text.indexOf('<![CDATA[IF Door') + '<![CDATA['.length;
    expect(head).toBeGreaterThanOrEqual(cdataStart);
    expect(text.length - tail).toBeLessThanOrEqual(text.indexOf(']]>', cdataStart));
    expect(after.slice(head, after.length - tail)).toBe('AND Enable ');
    const read = readL5x(after);
    const routines = read.programs[0]!.routines;
    expect(routines.find((r) => r.name === 'Logic')!.lines).toEqual([
      '// door interlock',
      'IF Door = 1 AND Enable THEN',
      '    Run := 1;',
      'END_IF;',
      'Count := Count + 1;',
    ]);
    expect(routines.find((r) => r.name === 'Main')!.rungs[0]!.text).toBe('XIC(Door)OTE(Run);');
    // What the executor's compile step checks (verifiers.ts): the L5X's ST model.
    const model = modelL5x(after, 'plant/Line1.L5X');
    expect(model.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(model.unmodelled).toEqual([]);
    expect(model.source).toMatch(/Enable/);
  });

  it('rewrites the whole ST content when the line count changes', () => {
    const collapse = { ...rule, replace: '$o := $o OR $s = 1;' };
    const text = l5x(st);
    const out = applyRecipe(mig([collapse]), [parseProgramFile({ path: 'Line1.L5X', text })]);
    expect(out.problems).toEqual([]);
    const lines = readL5x(out.files[0]!.text).programs[0]!.routines[0]!.lines;
    expect(lines).toEqual(['// door interlock', 'Run := Run OR Door = 1;', 'Count := Count + 1;']);
    expect(out.files[0]!.text.startsWith(text.slice(0, text.indexOf('<STContent>')))).toBe(true);
  });

  it('leaves an L5X of only ladder routines byte-identical and says so', async () => {
    const text = l5x(ladder);
    const out = applyRecipe(mig([rule]), [parseProgramFile({ path: 'Line1.L5X', text })]);
    expect(out.applications).toEqual([]);
    expect(out.problems).toEqual([]);
    expect(out.files[0]!.text).toBe(text);
    expect(out.notes).toEqual([
      'Line1.L5X: 1 ladder (RLL) routine(s) in scope are not edited by recipes (Cell/Main)',
    ]);
    const verify: InnerVerify = async () => {
      throw new Error('not verified: nothing changed');
    };
    const result = await createRecipeTransformer().transform({
      migration: mig([rule]),
      files: [{ path: 'Line1.L5X', text }],
      trace: () => {},
      verify,
    });
    expect(result.outcome).toBe('no-change');
    expect(result.reason).toMatch(/ladder \(RLL\) routine\(s\) in scope are not edited by recipes/);
  });

  it('takes an .xml export whose root is RSLogix5000Content as an L5X', () => {
    const out = applyRecipe(mig([rule]), [parseProgramFile({ path: 'Line1.xml', text: l5x(st) })]);
    expect(out.problems).toEqual([]);
    expect(out.applications.map((a) => a.pou)).toEqual(['Cell/Logic']);
  });

  it('matches scope.pous on the program or on PROGRAM/ROUTINE', () => {
    const text = l5x(st);
    const pous = (p: string[]) =>
      applyRecipe(mig([rule], { scope: { pous: p } }), [parseProgramFile({ path: 'L.L5X', text })])
        .applications.length;
    expect([pous(['Cell']), pous(['cell/Log*']), pous(['Other']), pous(['Cell/Main'])]).toEqual([1, 1, 0, 0]);
  });

  it('refuses a rule that declares tags in an L5X', () => {
    const out = applyRecipe(mig([{ ...guardRule, match: rule.match }]), [
      parseProgramFile({ path: 'Line1.L5X', text: l5x(st) }),
    ]);
    expect(out.problems[0]).toMatch(
      /Line1.L5X:\d+ \(routine Cell\/Logic\): declarations in L5X are not written/,
    );
    expect(out.files[0]!.text).toBe(l5x(st));
  });
});

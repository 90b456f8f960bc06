import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { applyRecipe, type ParsedFile, parseProgramFile } from '../transform';
import { runScopeJudge } from './scope-judge';

const rule = {
  name: 'guard',
  match: 'IF $s = TRUE THEN\n    $o := TRUE;\nEND_IF;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
  replace: '${s}_Mon(Guard_Sensor_1 := $s, Safety_OK => $o);',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: recipe templates write metavariables as ${name}
  declare: [{ name: '${s}_Mon', type: 'SAFETY_GUARD_MONITOR' }],
};
const mig = (scope: Record<string, unknown> = {}) =>
  Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'm',
    title: 'Guards to SAFETY_GUARD_MONITOR',
    type: 'code',
    safetyClass: 'safety-related',
    goal: 'g',
    scope,
    recipe: { rules: [rule] },
  });

const cell = (name: string) =>
  `PROGRAM ${name}\nVAR\n    n : INT;\nEND_VAR\nIF Door = TRUE THEN\n    Ok := TRUE;\nEND_IF;\nRun := Ok AND E_Stop_OK;\nn := n + 1;\nEND_PROGRAM\n`;
const before = [
  parseProgramFile({ path: 'A.st', text: cell('A') }),
  parseProgramFile({ path: 'B.st', text: cell('B') }),
];
const edit = (files: ParsedFile[], path: string, from: string, to: string) =>
  files.map((f) =>
    f.file.path === path ? parseProgramFile({ path, text: f.file.text.replace(from, to) }) : f,
  );
const codes = (r: ReturnType<typeof runScopeJudge>) => r.findings.map((f) => f.code);

describe('scope judge', () => {
  it('passes the recipe change and counts its lines', () => {
    const m = mig();
    const out = applyRecipe(m, before);
    const r = runScopeJudge({
      migration: m,
      before,
      after: out.files.map(parseProgramFile),
      applications: out.applications,
    });
    expect(r.verdict).toBe('pass');
    expect(r.findings).toEqual([
      { code: 'changed-lines', message: '10 changed line(s) (+4 -6) in 2 POU(s): A, B' },
    ]);
  });

  it('vetoes a POU outside the scope and more lines than allowed', () => {
    const m = mig({ pous: ['A'], maxChangedLines: 3 });
    const out = applyRecipe(mig(), before);
    const r = runScopeJudge({
      migration: m,
      before,
      after: out.files.map(parseProgramFile),
      applications: [],
    });
    expect(r.verdict).toBe('veto');
    expect(codes(r)).toEqual(expect.arrayContaining(['pou-out-of-scope', 'too-many-lines']));
  });

  it('vetoes a removed check and an unrelated change', () => {
    const after = edit(before, 'A.st', 'Run := Ok AND E_Stop_OK;', 'Run := Ok;');
    const r = runScopeJudge({ migration: mig(), before, after, applications: [] });
    expect(codes(r)).toEqual(expect.arrayContaining(['removed-reference', 'unrelated-change']));
    expect(r.findings.find((f) => f.code === 'removed-reference')?.message).toContain('E_Stop_OK');
  });

  it('vetoes edits to tests and scenarios, and files outside the scope', () => {
    const withTest = [
      ...before,
      parseProgramFile({ path: 'tests/A_test.st', text: 'PROGRAM T\nEND_PROGRAM\n' }),
    ];
    const after = edit(withTest, 'tests/A_test.st', 'PROGRAM T', 'PROGRAM T\n(* skip *)');
    const r = runScopeJudge({
      migration: mig({ files: ['*.st'] }),
      before: withTest,
      after,
      applications: [],
    });
    expect(codes(r)).toEqual(expect.arrayContaining(['test-edited', 'file-out-of-scope']));
  });

  it('vetoes a block the migration never mentions (a combined migration)', () => {
    const after = edit(before, 'B.st', '    n : INT;', '    n : INT;\n    Extra : MB_ReadRegisters;');
    const r = runScopeJudge({ migration: mig(), before, after, applications: [] });
    expect(codes(r)).toContain('combined-migration');
  });
});

describe('scope judge on an L5X (decision 0088)', () => {
  const l5x = (tags: string, routines: string) =>
    [
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<RSLogix5000Content SchemaRevision="1.0" SoftwareRevision="32.00" TargetType="Controller">',
      '<Controller Use="Target" Name="Line1" ProcessorType="1756-L83E">',
      '<Tags>',
      tags,
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
  const tags = ['Door', 'Enable', 'Run', 'E_Stop_OK']
    .map((t) => `<Tag Name="${t}" TagType="Base" DataType="BOOL" Radix="Decimal"/>`)
    .join('\r\n');
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
  const stLines = ['// door', 'IF Door = 1 THEN', '    Run := 1;', 'END_IF;', 'Enable := Run AND E_Stop_OK;'];
  const st = [
    '<Routine Name="Logic" Type="ST">',
    '<STContent>',
    ...stLines.flatMap((l, i) => [`<Line Number="${i}">`, `<![CDATA[${l}]]>`, '</Line>']),
    '</STContent>',
    '</Routine>',
  ].join('\r\n');
  const path = 'plant/Line1.L5X';
  const text = l5x(tags, `${ladder}\r\n${st}`);
  const enable = {
    name: 'enable',
    match: 'IF $s = 1 THEN\n    $o := 1;\nEND_IF;',
    replace: 'IF $s = 1 AND E_Stop_OK THEN\n    $o := 1;\nEND_IF;',
  };
  const l5xMig = (scope: Record<string, unknown> = {}) =>
    Migration.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'Migration',
      id: 'm',
      title: 'E-stop in the door seal',
      type: 'code',
      safetyClass: 'safety-related',
      goal: 'g',
      scope,
      recipe: { rules: [enable] },
    });
  const pb = [parseProgramFile({ path, text })];
  const judge = (m: Migration, afterText: string, applications = applyRecipe(m, pb).applications) =>
    runScopeJudge({
      migration: m,
      before: pb,
      after: [parseProgramFile({ path, text: afterText })],
      applications,
    });

  it('passes a recipe change inside an ST routine, counted as ST lines of PROGRAM/ROUTINE', () => {
    const m = l5xMig({ pous: ['Cell/Logic'], maxChangedLines: 2 });
    const out = applyRecipe(m, pb);
    expect(out.problems).toEqual([]);
    expect(out.applications.map((a) => a.pou)).toEqual(['Cell/Logic']);
    const r = judge(m, out.files[0]!.text, out.applications);
    expect(r.findings).toEqual([
      { code: 'changed-lines', message: '2 changed line(s) (+1 -1) in 1 POU(s): Cell/Logic' },
    ]);
    expect(r.verdict).toBe('pass');
    // without the transformer's applications, the judge matches the rules itself
    expect(judge(m, out.files[0]!.text, []).verdict).toBe('pass');
    // the program name scopes its routines too; another program does not
    expect(judge(l5xMig({ pous: ['Cell'] }), out.files[0]!.text).verdict).toBe('pass');
    const other = judge(l5xMig({ pous: ['Press'] }), out.files[0]!.text);
    expect(other.findings[0]).toMatchObject({ code: 'pou-out-of-scope' });
  });

  it('vetoes changes outside the ST routines: a tag, an attribute, a ladder rung', () => {
    const m = l5xMig();
    const changed = out(m);
    const cases: Array<[string, string, number]> = [
      ['<Tag Name="Run" TagType="Base" DataType="BOOL"', '<Tag Name="Run" TagType="Base" DataType="DINT"', 7],
      ['MainRoutineName="Main"', 'MainRoutineName="Logic"', 11],
      ['XIC(Door)OTE(Run);', 'XIC(Door)XIC(Enable)OTE(Run);', 18],
    ];
    for (const [from, to, line] of cases) {
      const r = judge(m, changed.replace(from, to));
      expect(r.verdict).toBe('veto');
      expect(r.findings.filter((f) => f.code === 'outside-pou')).toEqual([
        {
          code: 'outside-pou',
          message: `${path}:${line}: a change outside any ST routine's lines (tags, attributes, ladder rungs or a routine added)`,
          file: path,
          line,
        },
      ]);
    }
  });

  it('vetoes an ST line changed away from the pattern, a removed check, and too many lines', () => {
    const m = l5xMig({ maxChangedLines: 2 });
    const r = judge(m, out(m).replace('Enable := Run AND E_Stop_OK;', 'Enable := E_Stop_OK;'));
    expect(r.verdict).toBe('veto');
    const lastLine = text.split('\r\n').indexOf('<![CDATA[Enable := Run AND E_Stop_OK;]]>') + 1;
    expect(r.findings.filter((f) => f.code !== 'changed-lines')).toEqual([
      {
        code: 'removed-reference',
        message: 'Cell/Logic: Run referenced fewer times than before (a check or term removed?)',
        file: path,
        line: lastLine - 12,
      },
      {
        code: 'unrelated-change',
        message: `${path}:${lastLine}: a change away from every place the migration's pattern matches`,
        file: path,
        line: lastLine,
      },
      { code: 'too-many-lines', message: '4 changed lines; the scope allows 2' },
    ]);
  });

  it('vetoes a deleted ST routine and an L5X that no longer reads', () => {
    const m = l5xMig();
    const gone = judge(m, l5x(tags, ladder));
    expect(codes(gone)).toContain('pou-removed');
    const broken = judge(m, text.replace('</Programs>', ''));
    expect(broken.findings[0]).toMatchObject({
      code: 'outside-pou',
      message: expect.stringMatching(/not a readable L5X/),
    });
  });

  it('places a change on a line it shares with the routine tags (a compact export) in the routine', () => {
    const compact = l5x(
      tags,
      `<Routine Name="Logic" Type="ST"><STContent>${stLines
        .slice(1, 4)
        .map((l, i) => `<Line Number="${i}"><![CDATA[${l}]]></Line>`)
        .join('\r\n')}</STContent></Routine>`,
    );
    const m = l5xMig();
    const files = [parseProgramFile({ path, text: compact })];
    const changed = applyRecipe(m, files);
    expect(changed.applications).toHaveLength(1);
    const after = [parseProgramFile({ path, text: changed.files[0]!.text })];
    const ok = runScopeJudge({ migration: m, before: files, after, applications: changed.applications });
    expect(ok.findings).toEqual([
      { code: 'changed-lines', message: '2 changed line(s) (+1 -1) in 1 POU(s): Cell/Logic' },
    ]);
    // the routine's attribute on that same line is still outside the routine's lines
    const renamed = changed.files[0]!.text.replace(
      'Name="Logic" Type="ST"',
      'Name="Logic" Type="ST" Use="x"',
    );
    const r = runScopeJudge({
      migration: m,
      before: files,
      after: [parseProgramFile({ path, text: renamed })],
      applications: changed.applications,
    });
    expect(codes(r)).toEqual(['outside-pou', 'changed-lines']);
  });

  function out(m: Migration): string {
    return applyRecipe(m, pb).files[0]!.text;
  }
});

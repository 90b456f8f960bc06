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

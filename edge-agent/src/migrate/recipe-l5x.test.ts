/**
 * A recipe migration on a Rockwell L5X plant through the whole executor (issue #18
 * point 3, decision 0088): the recipe rewrites a statement of the plant's ST routine,
 * the L5X compiles and models, equivalence holds as the migration's criteria say, and
 * the scope judge places every changed line in the routine `Cell/Logic`. A hostile
 * recipe that drops the E-stop term from a statement is vetoed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import { parseScenarioFile } from '@plcfleet/toolchain/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../sources';
import { createRecipeTransformer } from '../transform';
import { runMigration } from './run-migration';

const stLines = [
  '// door seal-in',
  'IF Door = 1 THEN',
  '    Run := 1;',
  'END_IF;',
  'IF Stop_PB = 1 THEN',
  '    Run := 0;',
  'END_IF;',
  'Enable := Run AND E_Stop_OK;',
];
const tags = ['Door', 'Stop_PB', 'E_Stop_OK', 'Run', 'Enable']
  .map((t) => `<Tag Name="${t}" TagType="Base" DataType="BOOL" Radix="Decimal"/>`)
  .join('\r\n');
const plantL5x = [
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
  '<RSLogix5000Content SchemaRevision="1.0" SoftwareRevision="32.00" TargetType="Controller">',
  '<Controller Use="Target" Name="Line1" ProcessorType="1756-L83E">',
  '<Tags>',
  tags,
  '</Tags>',
  '<Programs>',
  '<Program Name="Cell" MainRoutineName="Logic">',
  '<Tags/>',
  '<Routines>',
  '<Routine Name="Logic" Type="ST">',
  '<STContent>',
  ...stLines.flatMap((l, i) => [`<Line Number="${i}">`, `<![CDATA[${l}]]>`, '</Line>']),
  '</STContent>',
  '</Routine>',
  '</Routines>',
  '</Program>',
  '</Programs>',
  '</Controller>',
  '</RSLogix5000Content>',
  '',
].join('\r\n');

const migration = (rule: { name: string; match: string; replace: string }) =>
  Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'l5x-recipe',
    title: 'Door seal-in as a boolean test',
    type: 'code',
    safetyClass: 'safety-related',
    goal: 'Write the door test of the seal-in as a BOOL condition',
    scope: { files: ['*.L5X'], pous: ['Cell/Logic'], maxChangedLines: 4 },
    recipe: { rules: [rule] },
    successCriteria: { equivalence: { seed: 7, runs: 40, scans: 60 } },
  });
const boolTest = {
  name: 'bool-test',
  match: 'IF $s = 1 THEN\n    $o := 1;\nEND_IF;',
  replace: 'IF $s THEN\n    $o := 1;\nEND_IF;',
};
const policy = SitePolicy.parse({ apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: 'line1' });
const siteFacts = SiteFacts.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'SiteFacts',
  site: 'line1',
  firmware: '32.0.0',
});

// An L5X's tags are controller globals, not inputs: equivalence replays these scenarios on both versions.
const scenarios = [
  parseScenarioFile(
    [
      'program: Cell',
      'scenarios:',
      '  - name: the door seals the run in, the stop button and the E-stop drop it',
      '    initial: { E_Stop_OK: true }',
      '    steps:',
      '      - at: 0ms',
      '        set: { Door: true }',
      '      - at: 50ms',
      '        set: { Door: false }',
      '      - at: 100ms',
      '        expect: { Run: true, Enable: true }',
      '      - at: 110ms',
      '        set: { E_Stop_OK: false }',
      '      - at: 150ms',
      '        expect: { Run: true, Enable: false }',
      '      - at: 160ms',
      '        set: { Stop_PB: true }',
      '      - at: 200ms',
      '        expect: { Run: false }',
      '',
    ].join('\n'),
    'line1.scenarios.yaml',
  ),
];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-recipe-l5x-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function plant(): Promise<string> {
  const dir = join(work, Math.random().toString(36).slice(2, 8));
  await mkdir(dir);
  await writeFile(join(dir, 'Line1.L5X'), plantL5x);
  return dir;
}

describe('a recipe migration on an L5X plant through runMigration', () => {
  it('passes: the ST routine is rewritten, equivalent by the criteria, in scope for the judge', async () => {
    const v = await runMigration({
      migration: migration(boolTest),
      source: createDirectorySource(await plant()),
      policy,
      siteFacts,
      transformer: createRecipeTransformer(),
      scenarios,
    });
    expect(v.reason).toMatch(/1 application/);
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'not-refuted', seed: 7 });
    expect(v.evidence.judges).toEqual([
      {
        judge: 'scope',
        verdict: 'pass',
        findings: [{ code: 'changed-lines', message: '2 changed line(s) (+1 -1) in 1 POU(s): Cell/Logic' }],
      },
    ]);
    expect(v.outcome).toBe('passed');
    const changed = v.evidence.diff.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toEqual(['-<![CDATA[IF Door = 1 THEN]]>', '+<![CDATA[IF Door THEN]]>']);
  }, 120_000);

  it('vetoes a hostile recipe that drops the E-stop term from a statement', async () => {
    const hostile = { name: 'drop-estop', match: '$o := $r AND E_Stop_OK;', replace: '$o := $r;' };
    const v = await runMigration({
      migration: migration(hostile),
      source: createDirectorySource(await plant()),
      policy,
      siteFacts,
      transformer: createRecipeTransformer(),
      scenarios,
    });
    expect(v.outcome).not.toBe('passed');
    const scope = v.evidence.judges.find((j) => j.judge === 'scope');
    expect(scope?.verdict).toBe('veto');
    expect(scope?.findings.map((f) => f.message)).toContain(
      'Cell/Logic: E_Stop_OK referenced fewer times than before (a check or term removed?)',
    );
    expect(v.evidence.equivalence?.equivalent).toBe(false);
  }, 120_000);
});

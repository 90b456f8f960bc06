import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migration } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource, hashProgram } from '../../sources';
import { createRecipeTransformer } from '../../transform';
import { plantFileGlobs, withPlantFiles } from '../plant-files-source';
import { librariesOf, PRESS_HMI, pressHmiFacts } from '../press-hmi-fixture';
import { runMigration } from '../run-migration';
import { namesHmiFiles } from './faceplate-hmi';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-code-hmi-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * A copy of the press-hmi plant with a second faceplate block beside the first:
 * `pins` is its VAR_OUTPUT section (the first's is `Running`, `Fault`).
 */
async function plant(pins: string, body: string): Promise<string> {
  const dir = join(work, Math.random().toString(36).slice(2, 10));
  await cp(PRESS_HMI, dir, { recursive: true });
  const fb = await readFile(join(dir, 'FB_PressFaceplate.st'), 'utf8');
  await writeFile(
    join(dir, 'FB_PressFaceplate2.st'),
    fb
      .replace('FUNCTION_BLOCK FB_PressFaceplate', 'FUNCTION_BLOCK FB_PressFaceplate2')
      .replace(/VAR_OUTPUT\n[\s\S]*?END_VAR/, `VAR_OUTPUT\n${pins}END_VAR`)
      .replace(/END_VAR\n(?![\s\S]*END_VAR)[\s\S]*END_FUNCTION_BLOCK/, `END_VAR\n${body}END_FUNCTION_BLOCK`),
  );
  return dir;
}

/** A code migration whose recipe swaps Press1 for FB_PressFaceplate2, the alarm line written as `alarm`. */
const migration = (files: string[], alarm: string): Migration =>
  Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'press-faceplate-2',
    title: 'The press faceplate reports Faulted',
    type: 'code',
    safetyClass: 'non-safety',
    goal: 'Press1 is an FB_PressFaceplate2; the alarm behaves as before.',
    recipe: {
      rules: [
        {
          name: 'faceplate-2',
          match: 'Alarm := Press1.Fault;',
          replace: alarm,
          retype: [{ name: 'Press1', type: 'FB_PressFaceplate2' }],
        },
      ],
    },
    successCriteria: { equivalence: { runs: 30, scans: 50 } },
    scope: { files },
  });

const RENAMED = [
  '    Running : BOOL;\n    Faulted : BOOL;\n',
  'Running := Enable AND PressureOk AND GuardClosed;\nFaulted := Enable AND NOT PressureOk;\n',
] as const;
const REMOVED = ['    Running : BOOL;\n', 'Running := Enable AND PressureOk AND GuardClosed;\n'] as const;
const HMI_SCOPE = ['**/*.st', 'hmi/*.json'];

const run = (dir: string, m: Migration) =>
  runMigration({
    migration: m,
    source: createDirectorySource(dir),
    transformer: createRecipeTransformer(),
    siteFacts: pressHmiFacts(),
    libraries: librariesOf(dir),
  });

describe('a code migration whose scope names HMI files', () => {
  it('reads plant files only for a scope with a glob ending in an HMI text format', () => {
    expect(namesHmiFiles(['**'])).toBe(false);
    expect(namesHmiFiles(['**/*'])).toBe(false);
    expect(namesHmiFiles(['**/*.st', 'hmi/**'])).toBe(false);
    expect(namesHmiFiles(HMI_SCOPE)).toBe(true);
    expect(namesHmiFiles(['screens/Press.XML'])).toBe(true);
    const m = migration(HMI_SCOPE, 'Alarm := Press1.Faulted;');
    expect(plantFileGlobs(m)).toEqual(HMI_SCOPE);
    expect(plantFileGlobs(migration(['**'], 'Alarm := Press1.Faulted;'))).toBeUndefined();
  });

  it('follows a faceplate output the recipe renamed into the HMI file, listed in the evidence', async () => {
    const dir = await plant(...RENAMED);
    const source = createDirectorySource(dir);
    const withHmi = hashProgram(await (await withPlantFiles(source, HMI_SCOPE)).read());
    const v = await run(dir, migration(HMI_SCOPE, 'Alarm := Press1.Faulted;'));
    expect(v.outcome, v.reason).toBe('passed');
    // the hashes cover the HMI file in scope
    expect(v.evidence.sha256Before).toBe(withHmi);
    expect(v.evidence.diff).toContain(
      '-      "pins": { "running": "Main.Press1.Running", "fault": "Main.Press1.Fault" }',
    );
    expect(v.evidence.diff).toContain(
      '+      "pins": { "running": "Main.Press1.Running", "fault": "Main.Press1.Faulted" }',
    );
    const scope = v.evidence.judges.find((j) => j.judge === 'scope')!;
    expect(scope.verdict).toBe('pass');
    expect(scope.findings.filter((f) => f.code === 'changed-reference').map((f) => f.message)).toEqual([
      'hmi/press-screen.json:13: faceplate pin FB_PressFaceplate.Fault → FB_PressFaceplate2.Faulted (HMI reference)',
    ]);
    const files = [...v.evidence.diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]);
    expect(files).toEqual(['Main.st', 'hmi/press-screen.json']);
    // the plant as read is untouched
    expect(hashProgram(await (await withPlantFiles(source, HMI_SCOPE)).read())).toBe(withHmi);
  });

  it('vetoes an output the recipe removed that the HMI file still names, with file and line', async () => {
    const dir = await plant(...REMOVED);
    const v = await run(dir, migration(HMI_SCOPE, 'Alarm := Press_Enable AND NOT Hyd_Pressure_OK;'));
    expect(v.outcome).toBe('failed');
    expect(v.reason).toBe(
      'scope judge vetoed: hmi/press-screen.json:13: Press1.Fault names a member that no longer exists',
    );
    // the program itself compiled and behaves the same: only the HMI reference fails it
    expect(v.evidence.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(v.evidence.equivalence?.equivalent).toBe(true);
  });

  it('with the default scope `**` reads no plant files: hashes are the program alone', async () => {
    const dir = await plant(...RENAMED);
    const program = await createDirectorySource(dir).read();
    expect(program.some((f) => f.path.startsWith('hmi/'))).toBe(false);
    const v = await run(dir, migration(['**'], 'Alarm := Press1.Faulted;'));
    expect(v.outcome, v.reason).toBe('passed');
    expect(v.evidence.sha256Before).toBe(hashProgram(program));
    expect(v.evidence.diff).not.toContain('hmi/');
    const scope = v.evidence.judges.find((j) => j.judge === 'scope')!;
    expect(scope.findings.some((f) => f.code === 'changed-reference')).toBe(false);
  });
});

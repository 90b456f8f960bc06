import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Migration, SiteFacts } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource, hashProgram } from '../../sources';
import { exampleMigration } from '../../testing/migration-fixtures';
import { createRecipeTransformer } from '../../transform';
import { librariesOf, PRESS_HMI, pressHmiFacts } from '../press-hmi-fixture';
import { runMigration } from '../run-migration';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-library-update-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const update = exampleMigration('library-update');

async function plant(): Promise<string> {
  const dir = join(work, Math.random().toString(36).slice(2, 10));
  await cp(PRESS_HMI, dir, { recursive: true });
  return dir;
}

const factsWith = (version: string): SiteFacts =>
  SiteFacts.parse({ ...pressHmiFacts(), libraries: [{ name: 'PressLib', version }] });

async function run(
  dir: string,
  opts: { migration?: Migration; facts?: SiteFacts; libraries?: string | null } = {},
) {
  return runMigration({
    migration: opts.migration ?? update,
    source: createDirectorySource(dir),
    transformer: createRecipeTransformer(),
    siteFacts: opts.facts ?? pressHmiFacts(),
    ...(opts.libraries === null ? {} : { libraries: opts.libraries ?? librariesOf(dir) }),
  });
}

describe('library-update on the press-hmi example plant', () => {
  it('applies the API rules and checks the program against the new interface, with equivalence on its model', async () => {
    const dir = await plant();
    const before = hashProgram(await createDirectorySource(dir).read());
    const v = await run(dir);
    expect(v.reason).toMatch(/recipe: 1 application/);
    expect(v.outcome).toBe('passed');
    expect(v.evidence.diff).toContain('-    Valve1 : FB_Valve;');
    expect(v.evidence.diff).toContain('+    Valve1 : FB_ValveCtrl;');
    expect(v.evidence.diff).toContain('+Valve1(OpenCmd := Press1.Running AND Press_Pressure > 50);');
    // the library files are compiled with, never part of the change
    expect(v.evidence.diff).not.toContain('@libraries');
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, runs: 50, claim: 'not-refuted' });
    expect(v.evidence.judges.map((j) => [j.judge, j.verdict])).toEqual([['scope', 'pass']]);
    expect(hashProgram(await createDirectorySource(dir).read())).toBe(before);
  });

  it('fails when the changed program does not check against the new interface (a rule left out)', async () => {
    const noRetype = {
      ...update,
      recipe: { rules: update.recipe!.rules.map((r) => ({ ...r, retype: [] })) },
    } as Migration;
    const v = await run(await plant(), { migration: noRetype });
    expect(v.outcome).toBe('failed');
    // FB_Valve is gone from PressLib 2.0.0: the old instance no longer compiles
    expect(v.reason).toMatch(/FB_Valve/);
    expect(v.evidence.diagnostics.some((d) => d.severity === 'error' && /FB_Valve/.test(d.message))).toBe(
      true,
    );
  });

  it('fails equivalence where the new library behaves differently in its model', async () => {
    const dir = await plant();
    const lib = join(librariesOf(dir), 'PressLib@2.0.0.st');
    await writeFile(
      lib,
      (await readFile(lib, 'utf8')).replace('IsOpen := OpenCmd;', 'IsOpen := NOT OpenCmd;'),
    );
    const v = await run(dir);
    expect(v.outcome).toBe('failed');
    expect(v.reason).toMatch(/^not equivalent: Main\.\w+ differs at scan/);
  });

  /** PressLib 2.0.0 as a site might get it: the output IsOpen is now Opened (`also` adds more pins). */
  async function renamedOutput(also = '') {
    const dir = await plant();
    const lib = join(librariesOf(dir), 'PressLib@2.0.0.st');
    await writeFile(
      lib,
      (await readFile(lib, 'utf8'))
        .replaceAll('IsOpen', 'Opened')
        .replace('VAR_OUTPUT\n', `VAR_OUTPUT\n${also}`),
    );
    const rules = [
      ...update.recipe!.rules,
      {
        name: 'is-open',
        match: 'Valve_Down := $v.IsOpen;',
        replace: 'Valve_Down := $v.Opened;',
        declare: [],
        retype: [],
      },
    ];
    return run(dir, { migration: { ...update, recipe: { rules } } as Migration });
  }

  it('follows a faceplate pin the new library renamed into the HMI files, listing each edit', async () => {
    const v = await renamedOutput();
    expect(v.outcome, v.reason).toBe('passed');
    expect(v.evidence.diff).toContain(
      '-    { "type": "lamp", "label": "Valve open", "tag": "Main.Valve1.IsOpen" }',
    );
    expect(v.evidence.diff).toContain(
      '+    { "type": "lamp", "label": "Valve open", "tag": "Main.Valve1.Opened" }',
    );
    const scope = v.evidence.judges.find((j) => j.judge === 'scope')!;
    expect(scope.verdict).toBe('pass');
    expect(scope.findings.filter((f) => f.code === 'changed-reference').map((f) => f.message)).toEqual([
      'hmi/press-screen.json:15: faceplate pin FB_Valve.IsOpen → FB_ValveCtrl.Opened (HMI reference)',
    ]);
    // Only the program and the screen changed; the input Open → OpenCmd is not on the screen.
    const files = [...v.evidence.diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]);
    expect(files).toEqual(['Main.st', 'hmi/press-screen.json']);
  });

  it('vetoes an update whose renamed pin cannot be told apart, naming the tag, file and line', async () => {
    // Two new BOOL outputs: Opened or Closed could be the old IsOpen, so the screen is not guessed at.
    const v = await renamedOutput('    Closed : BOOL;\n');
    expect(v.outcome).toBe('failed');
    expect(v.reason).toBe(
      'scope judge vetoed: hmi/press-screen.json:15: Valve1.IsOpen names a member that no longer exists',
    );
    expect(v.evidence.diff).not.toContain('Main.Valve1.Opened');
    // the program itself compiled against the new interface and behaves the same
    expect(v.evidence.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(v.evidence.equivalence?.equivalent).toBe(true);
  });

  it('skips a site whose installed version is outside library.from', async () => {
    const v = await run(await plant(), { facts: factsWith('2.0.0') });
    expect(v.outcome).toBe('skipped');
    expect(v.reason).toBe('the site has PressLib 2.0.0, outside >=1.2 <2');
  });

  it('is an error without the library interfaces, or when the new version has none', async () => {
    const none = await run(await plant(), { libraries: null });
    expect(none.outcome).toBe('error');
    expect(none.reason).toMatch(
      /needs the library interfaces \(--libraries DIR\) to check the program against PressLib 2\.0\.0/,
    );
    const dir = await plant();
    await rm(join(librariesOf(dir), 'PressLib@2.0.0.st'));
    const missing = await run(dir);
    expect(missing.outcome).toBe('error');
    expect(missing.reason).toMatch(
      /no interface of library PressLib 2\.0\.0: .*PressLib@2\.0\.0\.st is missing/,
    );
  });

  it('needs site facts that list the library', async () => {
    const { libraries: _, ...bare } = pressHmiFacts();
    const v = await run(await plant(), { facts: SiteFacts.parse(bare) });
    expect(v.outcome).toBe('error');
    expect(v.reason).toBe(
      'the site facts list no library PressLib; a library-update needs its installed version',
    );
  });
});

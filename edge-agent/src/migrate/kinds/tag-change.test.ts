import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimText, Migration, type MigrationInput, SitePolicy } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource, hashProgram } from '../../sources';
import { exampleMigration, FIXTURES, REPO } from '../../testing/migration-fixtures';
import { createRecipeTransformer } from '../../transform';
import { withPlantFiles } from '../plant-files-source';
import { librariesOf, PRESS_HMI, pressHmiFacts } from '../press-hmi-fixture';
import { runMigration } from '../run-migration';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-tag-change-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const PLANT = PRESS_HMI;

async function copy(from = PLANT): Promise<string> {
  const dir = join(work, Math.random().toString(36).slice(2, 10));
  await cp(from, dir, { recursive: true });
  return dir;
}

function tagChange(tagChanges: MigrationInput['tagChanges'], files?: string[]): Migration {
  return Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'tag-change-test',
    title: 'a tag change',
    type: 'tag-change',
    safetyClass: 'non-safety',
    goal: 'rename',
    tagChanges,
    scope: {
      files: files ?? ['**/*.st', '**/*.TcPOU', '**/*.scl', '**/tags.yaml', 'hmi/**'],
      maxChangedLines: 400,
    },
  });
}

async function run(migration: Migration, dir: string, outDir?: string, withLibraries = true) {
  const source = await withPlantFiles(createDirectorySource(dir), migration.scope.files);
  const before = hashProgram(await source.read());
  const verdict = await runMigration({
    migration,
    source: createDirectorySource(dir),
    transformer: createRecipeTransformer(),
    ...(withLibraries ? { siteFacts: pressHmiFacts(), libraries: librariesOf(dir) } : {}),
    ...(outDir ? { outDir } : {}),
  });
  // The executor never writes to the source: refused or passed, the plant is as it was.
  expect(hashProgram(await source.read())).toBe(before);
  return verdict;
}

describe('tag-change on the press-hmi example plant', () => {
  it('renames across program, tag map and HMI files; the evidence lists every file and reference', async () => {
    const dir = await copy();
    const out = join(work, 'job-rename');
    const v = await run(exampleMigration('rename-tags'), dir, out);
    expect(v.reason).toMatch(/^tag-change: 3 change\(s\)/);
    expect(v.outcome).toBe('passed');
    expect(v.evidence.transformer).toBe('none');
    // Renames undone give the program as read, byte for byte: proved, nothing to simulate.
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'proved', runs: 0 });
    expect(claimText(v.evidence.equivalence!)).toBe(
      'proved by identity: the renamed program with its renames undone is the program as read',
    );
    const files = [...v.evidence.diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]);
    expect(files).toEqual([
      'FB_PressFaceplate.st',
      'GVL_IO.st',
      'Main.st',
      'hmi/alarms.csv',
      'hmi/press-screen.json',
      'tags.yaml',
    ]);
    const scope = v.evidence.judges.find((j) => j.judge === 'scope')!;
    expect(scope.verdict).toBe('pass');
    const refs = scope.findings.filter((f) => f.code === 'changed-reference').map((f) => f.message);
    expect(refs).toEqual(
      expect.arrayContaining([
        'GVL_IO.st:3: tagChanges[0] Press_Enable → PressEnable (declaration)',
        'Main.st:11: tagChanges[0] Press_Enable → PressEnable (reference)',
        'hmi/press-screen.json:4: tagChanges[0] Press_Enable → PressEnable (HMI reference)',
        'tags.yaml:6: tagChanges[0] Press_Enable → PressEnable (tag map name)',
        'tags.yaml:11: tagChanges[1] Hyd_Pressure_OK → HydPressureOk (tag map table)',
        'tags.yaml:11: tagChanges[1] Hyd_Pressure_OK → HydPressureOk (tag map address)',
        'tags.yaml:12: tagChanges[1] Hyd_Pressure_OK → HydPressureOk (tag map node id)',
        'hmi/alarms.csv:3: tagChanges[1] Hyd_Pressure_OK → HydPressureOk (HMI reference)',
        'FB_PressFaceplate.st:9: tagChanges[2] FB_PressFaceplate.Running → IsRunning (declaration)',
        'hmi/press-screen.json:13: tagChanges[2] FB_PressFaceplate.Running → IsRunning (HMI reference)',
      ]),
    );
    // the faceplate's other pin, labels and other tags are untouched; the rest is byte for byte
    const screen = await readFile(join(out, 'after', 'hmi/press-screen.json'), 'utf8');
    expect(screen).toContain('"running": "Main.Press1.IsRunning", "fault": "Main.Press1.Fault"');
    expect(screen).toContain('"label": "Enable press", "tag": "[PLC1]PressEnable"');
    const original = await readFile(join(dir, 'hmi/press-screen.json'), 'utf8');
    expect(screen.length).toBe(
      original.length -
        'Press_Enable'.length +
        'PressEnable'.length -
        'Hyd_Pressure_OK'.length +
        'HydPressureOk'.length +
        2,
    );
    const tags = await readFile(join(out, 'after', 'tags.yaml'), 'utf8');
    expect(tags).toContain('# Modbus TCP / OPC UA tag map of the press cell (served by serve-plc).');
    expect(tags).toContain(
      '  - name: HydPressureOk\n    modbus: { table: coil, address: 12, type: BOOL }\n    opcua: { nodeId: "ns=1;s=Press.HydPressureOk", browseName: Hyd_Pressure_OK }',
    );
    expect((await readdir(join(out, 'after'))).sort()).toEqual(
      ['FB_PressFaceplate.st', 'GVL_IO.st', 'Main.st', 'hmi', 'tags.yaml'].sort(),
    );
  });

  it('hands the whole passed program, plant files included, to onPassedProgram', async () => {
    const dir = await copy();
    let kept: readonly { path: string; text: string }[] = [];
    const v = await runMigration({
      migration: exampleMigration('rename-tags'),
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
      siteFacts: pressHmiFacts(),
      libraries: librariesOf(dir),
      onPassedProgram: (files) => {
        kept = files;
      },
    });
    expect(v.outcome).toBe('passed');
    expect(hashProgram(kept)).toBe(v.evidence.sha256After);
    expect(kept.map((f) => f.path)).toEqual(expect.arrayContaining(['hmi/press-screen.json', 'tags.yaml']));
  });

  it('is deterministic: the same plant and migration give the same evidence hash', async () => {
    const a = await run(exampleMigration('rename-tags'), await copy());
    const b = await run(exampleMigration('rename-tags'), await copy());
    expect(a.evidence.evidenceHash).toBe(b.evidence.evidenceHash);
  });

  it('retypes a tag over its old range and moves it in the tag map', async () => {
    const v = await run(
      tagChange([
        {
          from: 'Press_Pressure',
          to: 'PressPressure',
          type: 'DINT',
          modbus: { table: 'holding', address: 4 },
        },
      ]),
      await copy(),
    );
    expect(v.outcome).toBe('passed');
    // A retype does not round-trip to the text as read: old and new are simulated side by side.
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'not-refuted' });
    expect(v.evidence.equivalence!.runs).toBeGreaterThan(0);
    expect(v.evidence.diff).toContain('+    PressPressure : DINT;');
    expect(v.evidence.diff).toContain(
      '+  - name: PressPressure\n+    modbus: { table: holding, address: 4, type: DINT }',
    );
  });
});

describe('tag-change refusals: verdict failed, nothing written, the message names tag, file and line', () => {
  const refusals: [string, () => Promise<{ migration: Migration; dir: string }>, RegExp][] = [
    [
      'a rename onto an existing name',
      async () => ({
        migration: tagChange([{ from: 'Press_Enable', to: 'Guard_Closed' }]),
        dir: await copy(),
      }),
      /tagChanges\[0\] Press_Enable → Guard_Closed: Guard_Closed is already a global at GVL_IO\.st:5/,
    ],
    [
      'a rename onto a local of a POU that uses the tag',
      async () => ({
        migration: tagChange([{ from: 'Press_Enable', to: 'Last_Running' }]),
        dir: await copy(),
      }),
      /tagChanges\[0\] Press_Enable → Last_Running: Last_Running is already declared in Main at Main\.st:5/,
    ],
    [
      'a name built from strings',
      async () => {
        const dir = await copy();
        await writeFile(
          join(dir, 'Ads.st'),
          "PROGRAM Ads\nVAR\n    Symbol : STRING := 'GVL_IO.';\n    Name : STRING;\nEND_VAR\nName := CONCAT(Symbol, 'Press_Enable');\nEND_PROGRAM\n",
        );
        return { migration: tagChange([{ from: 'Press_Enable', to: 'PressEnable' }]), dir };
      },
      /tagChanges\[0\] Press_Enable → PressEnable: Ads\.st:6: the string 'Press_Enable' names or builds the tag/,
    ],
    [
      'an ambiguous HMI reference',
      async () => {
        const dir = await copy();
        await writeFile(
          join(dir, 'Aux.st'),
          'PROGRAM Aux\nVAR\n    Last_Running : BOOL;\nEND_VAR\nEND_PROGRAM\n',
        );
        await writeFile(join(dir, 'hmi/debug.json'), '{\n  "watch": ["Last_Running"]\n}\n');
        return { migration: tagChange([{ from: 'Main.Last_Running', to: 'LastRunning' }]), dir };
      },
      /tagChanges\[0\] Main\.Last_Running → LastRunning: hmi\/debug\.json:2: ambiguous reference "Last_Running"/,
    ],
    [
      'an ambiguous bare name',
      async () => {
        const dir = await copy();
        await writeFile(
          join(dir, 'Aux.st'),
          'PROGRAM Aux\nVAR\n    Last_Running : BOOL;\nEND_VAR\nEND_PROGRAM\n',
        );
        return { migration: tagChange([{ from: 'Last_Running', to: 'LastRunning' }]), dir };
      },
      /tagChanges\[0\] Last_Running: ambiguous, declared at (Aux\.st:3 and Main\.st:5|Main\.st:5 and Aux\.st:3); qualify it/,
    ],
    [
      'a retype that no longer fits its register table',
      async () => ({
        migration: tagChange([{ from: 'Press_Enable', to: 'PressEnable', type: 'INT' }]),
        dir: await copy(),
      }),
      /tag PressEnable: tags\.yaml:7: the tag map would not validate after the change: tags\.0\.modbus\.type: INT cannot live in the coil table/,
    ],
    [
      'a retype to a type no register holds',
      async () => ({
        migration: tagChange([{ from: 'Press_Pressure', to: 'PressPressure', type: 'STRING' }]),
        dir: await copy(),
      }),
      /tagChanges\[0\] Press_Pressure → PressPressure: tags\.yaml:17: STRING does not fit a Modbus register/,
    ],
    [
      'a tag map left with overlapping addresses',
      async () => ({
        migration: tagChange([
          { from: 'Press_Pressure', to: 'PressPressure', modbus: { table: 'holding', address: 2 } },
        ]),
        dir: await copy(),
      }),
      /tag PressPressure: tags\.yaml:17: the tag map would not validate after the change: tags\.3\.modbus\.address: holding 2\.\.2 overlaps tags\[4\]|tag Stroke_Count: tags\.yaml:\d+: .*overlaps/,
    ],
    [
      'a tag an L5X declares and the program sources declare too',
      async () => {
        const dir = await copy();
        await writeFile(
          join(dir, 'Line.L5X'),
          '<?xml version="1.0"?>\n<RSLogix5000Content>\n<Controller Name="Line">\n<Tags><Tag Name="Press_Enable" DataType="BOOL"/></Tags>\n</Controller>\n</RSLogix5000Content>\n',
        );
        return {
          migration: tagChange(
            [{ from: 'Press_Enable', to: 'PressEnable' }],
            ['**/*.st', '**/*.L5X', 'hmi/**'],
          ),
          dir,
        };
      },
      /tagChanges\[0\] Press_Enable: declared in Line\.L5X:4 and at GVL_IO\.st:3; rename the tag of one program at a time/,
    ],
    [
      'a reference outside scope.files',
      async () => ({
        migration: tagChange(
          [{ from: 'Press_Enable', to: 'PressEnable' }],
          ['GVL_IO.st', '**/tags.yaml', 'hmi/**'],
        ),
        dir: await copy(),
      }),
      /tagChanges\[0\] Press_Enable → PressEnable \(reference\): Main\.st:11 is outside scope\.files/,
    ],
    [
      'an L5X tag renamed onto a name its controller has',
      async () => {
        const dir = await copy();
        await cp(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), join(dir, 'ladder-line.L5X'));
        return {
          migration: tagChange([{ from: 'Jam_Sensor', to: 'Jam_Alarm' }], ['**/*.st', '**/*.L5X']),
          dir,
        };
      },
      /tagChanges\[0\] Jam_Sensor: ladder-line\.L5X: the controller has a tag Jam_Alarm already \(line \d+\)/,
    ],
    [
      'retyping an L5X tag',
      async () => {
        const dir = await copy();
        await cp(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), join(dir, 'ladder-line.L5X'));
        return {
          migration: tagChange(
            [{ from: 'Jam_Sensor', to: 'JamSensor', type: 'INT' }],
            ['**/*.st', '**/*.L5X'],
          ),
          dir,
        };
      },
      /tagChanges\[0\] Jam_Sensor: ladder-line\.L5X: an L5X tag is renamed only; its type and address are not changed/,
    ],
    [
      'a name the program does not declare',
      async () => ({ migration: tagChange([{ from: 'Pres_Enable', to: 'PressEnable' }]), dir: await copy() }),
      /tagChanges\[0\] Pres_Enable: no global or PROGRAM variable of that name/,
    ],
  ];
  for (const [what, setup, message] of refusals)
    it(`refuses ${what}`, async () => {
      const { migration, dir } = await setup();
      const out = join(work, `job-${Math.random().toString(36).slice(2, 8)}`);
      const v = await run(migration, dir, out);
      expect(v.outcome).toBe('failed');
      expect(v.reason).toMatch(/^tag-change refused: /);
      expect(v.reason).toMatch(message);
      expect(v.evidence.diff).toBe('');
      expect(v.evidence.sha256After).toBeNull();
      expect(await readdir(out)).not.toContain('after');
    });
});

describe('tag-change on a Rockwell L5X (decision 0132)', () => {
  it('renames a controller tag and a program tag inside the L5X; the compile verifier reads it; proved by identity', async () => {
    const dir = join(work, `l5x-${Math.random().toString(36).slice(2, 8)}`);
    await mkdir(dir);
    const plant = await readFile(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), 'utf8');
    await writeFile(join(dir, 'ladder-line.L5X'), plant);
    const out = join(work, `job-l5x-${Math.random().toString(36).slice(2, 8)}`);
    const v = await run(
      tagChange(
        [
          { from: 'Jam_Sensor', to: 'Jam_Photoeye' },
          { from: 'MainProgram.Run_On', to: 'Run_On_Delay' },
        ],
        ['**/*.L5X'],
      ),
      dir,
      out,
      false,
    );
    expect(v.reason).toMatch(/^tag-change: 2 change\(s\), 7 edit\(s\) in 1 file\(s\)/);
    expect(v.outcome).toBe('passed');
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'proved', runs: 0 });
    const after = await readFile(join(out, 'after', 'ladder-line.L5X'), 'utf8');
    expect(after).not.toMatch(/Jam_Sensor|Run_On[^_]/);
    expect(after).toContain('XIC(Run_On_Delay.DN)XIO(Conveyor_Run)OTE(Belt_Coasting);');
    const lineOf = (s: string) => plant.slice(0, plant.indexOf(s)).split('\n').length;
    const scope = v.evidence.judges.find((j) => j.judge === 'scope')!;
    expect(scope.verdict).toBe('pass');
    const at = (what: string) => `ladder-line.L5X:${lineOf(what)}`;
    expect(scope.findings.filter((f) => f.code === 'changed-reference').map((f) => f.message)).toEqual([
      `${at('<Tag Name="Jam_Sensor"')}: tagChanges[0] Jam_Sensor → Jam_Photoeye (tag Jam_Sensor (declaration))`,
      `${at('XIO(Jam_Sensor)OTE(Motor_Out)')}: tagChanges[0] Jam_Sensor → Jam_Photoeye (MainProgram/Conveyor rung 1)`,
      `${at('XIC(Jam_Sensor)OTL(Jam_Alarm)')}: tagChanges[0] Jam_Sensor → Jam_Photoeye (MainProgram/Conveyor rung 2)`,
      `${at('XIO(Jam_Sensor)OTU(Jam_Alarm)')}: tagChanges[0] Jam_Sensor → Jam_Photoeye (MainProgram/Conveyor rung 3)`,
      `${at('<Tag Name="Run_On"')}: tagChanges[1] MainProgram.Run_On → Run_On_Delay (tag Run_On (declaration))`,
      `${at('TOF(Run_On,?,?)')}: tagChanges[1] MainProgram.Run_On → Run_On_Delay (MainProgram/Timers rung 2)`,
      `${at('XIC(Run_On.DN)')}: tagChanges[1] MainProgram.Run_On → Run_On_Delay (MainProgram/Timers rung 3)`,
    ]);
  });
});

describe('tag-change on a Rockwell L5X and the site safety policy', () => {
  it('refuses renaming an L5X e-stop the policy lists, unless it lists the new name too', async () => {
    const dir = join(work, `l5x-policy-${Math.random().toString(36).slice(2, 8)}`);
    await mkdir(dir);
    await cp(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), join(dir, 'ladder-line.L5X'));
    const go = (emergencyStops: string[]) =>
      runMigration({
        migration: tagChange([{ from: 'Jam_Sensor', to: 'Jam_Photoeye' }], ['**/*.L5X']),
        source: createDirectorySource(dir),
        transformer: createRecipeTransformer(),
        policy: SitePolicy.parse({
          apiVersion: 'plcfleet/v1',
          kind: 'SitePolicy',
          site: 'line',
          emergencyStops,
        }),
      });
    const refused = await go(['Jam_Sensor']);
    expect(refused.outcome).toBe('failed');
    expect(refused.reason).toBe(
      'tag-change refused: tagChanges[0] Jam_Sensor (ladder-line.L5X): the site policy line lists it as emergencyStops[0] "Jam_Sensor"; renaming a safety signal would leave the policy naming a tag that no longer exists — list "Jam_Photoeye" in the policy too, then run the change',
    );
    expect((await go(['Jam_Sensor', 'Jam_Photoeye'])).reason).not.toMatch(/refused/);
  });
});

describe('tag-change and the site safety policy', () => {
  const policy = SitePolicy.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'SitePolicy',
    site: 'press-hmi',
    emergencyStops: ['Hyd_Pressure_OK'],
    safetySignals: ['Guard_Closed', 'Main.Alarm'],
  });
  const runWith = async (tagChanges: MigrationInput['tagChanges'], sitePolicy = policy) => {
    const dir = await copy();
    const source = await withPlantFiles(createDirectorySource(dir), ['**/*.st', '**/tags.yaml', 'hmi/**']);
    const before = hashProgram(await source.read());
    const verdict = await runMigration({
      migration: tagChange(tagChanges),
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
      policy: sitePolicy,
      siteFacts: pressHmiFacts(),
      libraries: librariesOf(dir),
    });
    expect(hashProgram(await source.read())).toBe(before);
    return verdict;
  };

  it('refuses renaming a signal the policy lists qualified, naming the policy entry and the declaration', async () => {
    const v = await runWith([{ from: 'Alarm', to: 'PressAlarm' }]);
    expect(v.outcome).toBe('failed');
    expect(v.reason).toBe(
      'tag-change refused: tagChanges[0] Alarm (declared at Main.st:9): the site policy press-hmi lists it as safetySignals[1] "Main.Alarm"; renaming a safety signal would leave the policy naming a variable that no longer exists — list "Main.PressAlarm" in the policy too (the safety check reads the rename both ways), then run the change',
    );
    expect(v.evidence.diff).toBe('');
  });

  it('refuses renaming an e-stop the policy lists by its bare name', async () => {
    const v = await runWith([
      { from: 'Press_Enable', to: 'PressEnable' },
      { from: 'Hyd_Pressure_OK', to: 'HydPressureOk' },
    ]);
    expect(v.outcome).toBe('failed');
    expect(v.reason).toMatch(
      /^tag-change refused: tagChanges\[1\] Hyd_Pressure_OK \(declared at GVL_IO\.st:4\): the site policy press-hmi lists it as emergencyStops\[0\] "Hyd_Pressure_OK"/,
    );
  });

  it('renames an e-stop the policy lists under both names, judged through the rename', async () => {
    const ready = SitePolicy.parse({ ...policy, emergencyStops: ['Hyd_Pressure_OK', 'HydPressureOk'] });
    const v = await runWith([{ from: 'Hyd_Pressure_OK', to: 'HydPressureOk' }], ready);
    expect(v.outcome, v.reason).toBe('passed');
    expect(v.evidence.safety.verdict).toBe('pass');
    expect(v.evidence.safety.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(v.evidence.diff).toContain('+    HydPressureOk AT %IX0.0 : BOOL;');
  });

  it("renames a tag inside a safety signal's logic: no safety-logic change through the rename", async () => {
    // Press_Enable feeds Main's press logic; the renamed program, renames undone, is the old one.
    const v = await runWith([{ from: 'Press_Enable', to: 'PressEnable' }]);
    expect(v.outcome, v.reason).toBe('passed');
    expect(v.evidence.safety.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('renames a tag the policy does not list, and the safety check still passes', async () => {
    // Outside the logic of every listed signal: a rename there is a safety-logic change to the verifier.
    const v = await runWith([{ from: 'Stroke_Count', to: 'StrokeCount' }]);
    expect(v.reason).toMatch(/^tag-change: 1 change\(s\)/);
    expect(v.outcome).toBe('passed');
  });
});

describe('tag-change on Siemens SCL', () => {
  it('renames a quoted global inside the quotes, leaving the SCL around it', async () => {
    const dir = await copy();
    await writeFile(
      join(dir, 'Legacy.scl'),
      'FUNCTION_BLOCK "Legacy"\nVAR_OUTPUT\n  Enabled : Bool;\nEND_VAR\nBEGIN\n  #Enabled := "Press_Enable";\nEND_FUNCTION_BLOCK\n',
    );
    const out = join(work, 'job-scl');
    const v = await run(tagChange([{ from: 'Press_Enable', to: 'PressEnable' }]), dir, out);
    expect(v.outcome).toBe('passed');
    expect(await readFile(join(out, 'after', 'Legacy.scl'), 'utf8')).toContain(
      '  #Enabled := "PressEnable";\n',
    );
  });
});

const PLCOPEN_ST = `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201">
  <fileHeader companyName="plcfleet" productName="t" productVersion="1" creationDateTime="2026-01-01T00:00:00" />
  <contentHeader name="T"><coordinateInfo><fbd><scaling x="1" y="1" /></fbd><ld><scaling x="1" y="1" /></ld><sfc><scaling x="1" y="1" /></sfc></coordinateInfo></contentHeader>
  <types><dataTypes /><pous>
      <pou name="PRG_Fill" pouType="program">
        <interface>
          <inputVars><variable name="Level_Low"><type><BOOL /></type></variable></inputVars>
          <outputVars><variable name="Fill_Valve"><type><BOOL /></type></variable></outputVars>
        </interface>
        <body><ST><xhtml xmlns="http://www.w3.org/1999/xhtml">Fill_Valve := Level_Low;</xhtml></ST></body>
      </pou>
  </pous></types>
  <instances><configurations /></instances>
</project>
`;

describe('tag-change on PLCopen XML', () => {
  it('renames the name attribute of the declaration and the ST body; nothing else in the file moves', async () => {
    const dir = join(work, 'plcopen');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'fill.xml'), PLCOPEN_ST);
    const out = join(work, 'job-plcopen');
    const v = await run(
      tagChange([{ from: 'PRG_Fill.Level_Low', to: 'LevelLow' }], ['**/*.xml']),
      dir,
      out,
      false,
    );
    expect(v.outcome).toBe('passed');
    expect(await readFile(join(out, 'after', 'fill.xml'), 'utf8')).toBe(
      PLCOPEN_ST.replaceAll('Level_Low', 'LevelLow'),
    );
  });

  it('refuses a reference in a ladder body, naming the file and line', async () => {
    const dir = join(work, 'plcopen-ld');
    await mkdir(dir, { recursive: true });
    await cp(join(REPO, 'examples/plants/ladder-line/pump-cell.xml'), join(dir, 'pump-cell.xml'));
    const v = await run(
      tagChange([{ from: 'PRG_PumpLadder.StartPB', to: 'StartButton' }], ['**/*.xml']),
      dir,
      undefined,
      false,
    );
    expect(v.outcome).toBe('failed');
    expect(v.reason).toMatch(
      /^tag-change refused: tagChanges\[0\] PRG_PumpLadder\.StartPB → StartButton: pump-cell\.xml:\d+: a reference in a graphical \(LD\/FBD\/SFC\) body of PLCopen XML is not rewritten/,
    );
  });
});

describe('tag-change on TwinCAT XML', () => {
  it('renames inside the CDATA sections only; the XML around them is kept byte for byte', async () => {
    const dir = await copy(join(FIXTURES, 'twincat-guard'));
    const out = join(work, 'job-twincat-rename');
    const v = await run(tagChange([{ from: 'PRG_Door.Door_Closed', to: 'DoorClosed' }]), dir, out, false);
    expect(v.outcome).toBe('passed');
    const before = await readFile(join(dir, 'PRG_Door.TcPOU'), 'utf8');
    const after = await readFile(join(out, 'after', 'PRG_Door.TcPOU'), 'utf8');
    expect(after).toContain('    DoorClosed : BOOL;');
    expect(after).toContain('IF DoorClosed = TRUE THEN');
    expect(after).not.toMatch(/Door_Closed/);
    const xmlOnly = (t: string) => t.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '<![CDATA[]]>');
    expect(xmlOnly(after)).toBe(xmlOnly(before));
  });
});

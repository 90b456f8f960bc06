import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { equivCommand, simulateCommand, testCommand } from './sim-commands';

const FIXTURES = join(import.meta.dirname, '../../toolchain/fixtures/sim');

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readStdin: () => stdin },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
const src = join(dir, 'm.st');
writeFileSync(
  src,
  `PROGRAM Main
VAR_INPUT Start : BOOL; END_VAR
VAR_OUTPUT Run : BOOL; N : INT; END_VAR
VAR T1 : TON; END_VAR
Run := Start;
T1(IN := Run, PT := T#20ms);
IF T1.Q THEN N := N + 1; END_IF
IF N = 3 THEN N := N / 0; END_IF
END_PROGRAM
`,
);

describe('simulate', () => {
  it('prints one JSON line per scan with the inputs timeline applied before each scan', async () => {
    const t = io('[{}, {"Start": true}]');
    const code = await simulateCommand(
      [src],
      { program: 'Main', scans: '4', inputs: '-', vars: 'Run,T1.ET,N' },
      t.io,
    );
    expect(code).toBe(EXIT.OK);
    expect(t.out).toEqual([
      '{"scan":0,"t_ms":0,"Run":false,"T1.ET":0,"N":0}',
      '{"scan":1,"t_ms":10,"Run":true,"T1.ET":0,"N":0}',
      '{"scan":2,"t_ms":20,"Run":true,"T1.ET":10,"N":0}',
      '{"scan":3,"t_ms":30,"Run":true,"T1.ET":20,"N":1}',
    ]);
  });

  it('defaults to VAR_OUTPUT, honours --final and --every, and exits 8 (FAULT of the shared table) on a fault', async () => {
    const a = io('{"0": {"Start": true}}');
    expect(await simulateCommand([src], { scans: '3', inputs: '-', final: true }, a.io)).toBe(EXIT.OK);
    expect(a.out).toEqual(['{"scan":2,"t_ms":20,"Run":true,"N":1}']);
    const b = io('[{"Start": true}]');
    expect(await simulateCommand([src], { scans: '4', inputs: '-', every: '2' }, b.io)).toBe(EXIT.OK);
    expect(b.out.map((l) => JSON.parse(l).scan)).toEqual([0, 2]);
    const c = io('[{"Start": true}]');
    expect(await simulateCommand([src], { scans: '10', inputs: '-' }, c.io)).toBe(EXIT.FAULT);
    expect(JSON.parse(c.out.at(-1) as string)).toMatchObject({
      scan: 4,
      t_ms: 40,
      fault: { code: 'DIV_BY_ZERO', line: 8 },
    });
  });

  it('exits 1 when the program does not compile (fail closed)', async () => {
    const broken = join(dir, 'broken.st');
    writeFileSync(broken, 'PROGRAM B\nVAR_OUTPUT x : INT; END_VAR\nx := no_such_variable;\nEND_PROGRAM\n');
    const t = io();
    expect(await simulateCommand([broken], { scans: '1' }, t.io)).toBe(EXIT.FAILED);
    expect(t.err[0]).toMatch(/SIM_CHECK_FAILED/);
  });

  it('exits 2 on bad input', async () => {
    expect(await simulateCommand([src], { scans: '3', program: 'Nope' }, io().io)).toBe(EXIT.USAGE);
    expect(await simulateCommand([src], { scans: '3', vars: 'Missing' }, io().io)).toBe(EXIT.USAGE);
    expect(await simulateCommand([src], { scans: '3', inputs: '-' }, io('not json').io)).toBe(EXIT.USAGE);
  });
});

describe("simulate --inputs: a value must fit its variable's type", () => {
  const typed = join(dir, 'typed.st');
  writeFileSync(
    typed,
    `PROGRAM Typed
VAR_INPUT On : BOOL; Speed : INT; Count : UINT; Big : LINT; Gain : REAL; END_VAR
VAR_OUTPUT Out : LINT; END_VAR
IF On THEN Out := Speed + Count + Big; END_IF
END_PROGRAM
`,
  );
  const run = async (inputs: unknown) => {
    const file = join(dir, 'inputs.json');
    writeFileSync(file, JSON.stringify(inputs));
    const t = io();
    return {
      code: await simulateCommand([typed], { scans: '3', inputs: file, final: true }, t.io),
      ...t,
      file,
    };
  };

  it('accepts integers in range and the documented BOOL spellings', async () => {
    for (const on of [true, 'TRUE', 'true', 1, '1']) {
      const r = await run([{ On: on, Speed: -32768, Count: '65535', Big: '9223372036854775807', Gain: 1.5 }]);
      expect(r.err).toEqual([]);
      expect(r.code).toBe(EXIT.OK);
    }
    const off = await run([{ On: 'FALSE', Speed: 5 }, { On: 0 }, { On: 'false' }]);
    expect(off.code).toBe(EXIT.OK);
    expect(off.out).toEqual(['{"scan":2,"t_ms":20,"Out":0}']);
  });

  it('exit 2 naming the file, scan, input, value and type for a value that does not fit', async () => {
    const cases: [unknown, RegExp][] = [
      [
        [{}, { Speed: 40000 }],
        /inputs\.json, scan 1: Speed = 40000 is not a valid INT: out of range -32768\.\.32767/,
      ],
      [[{ Speed: 1.7 }], /scan 0: Speed = 1\.7 is not a valid INT: not an integer/],
      [[{ Count: -1 }], /Count = -1 is not a valid UINT: out of range 0\.\.65535/],
      [[{ Big: '9223372036854775808' }], /Big = "9223372036854775808" is not a valid LINT: out of range/],
      [[{ Speed: true }], /Speed = true is not a valid INT: not an integer/],
      [[{ On: 'yes' }], /On = "yes" is not a valid BOOL: a BOOL is true\/false, TRUE\/FALSE or 1\/0/],
      [[{ On: 2 }], /On = 2 is not a valid BOOL/],
      [[{ Gain: 'fast' }], /Gain = "fast" is not a valid REAL: not a number/],
    ];
    for (const [inputs, message] of cases) {
      const r = await run(inputs);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toContain(r.file);
      expect(r.err[0]).toMatch(message);
    }
  });

  it('names stdin when the inputs come from it', async () => {
    const t = io('[{"Speed": 1.5}]');
    expect(await simulateCommand([typed], { scans: '1', inputs: '-' }, t.io)).toBe(EXIT.USAGE);
    expect(t.err[0]).toMatch(/^error SIM_BAD_INPUT: stdin, scan 0: Speed = 1\.5 is not a valid INT/);
  });
});

describe('simulate on an L5X: its programs run as their model', () => {
  const L5X = join(import.meta.dirname, '../../../examples/plants/ladder-line/ladder-line.L5X');

  it('runs MainProgram: the conveyor seals in on Start_PB and drops on Stop_PB', async () => {
    const t = io('[{"Start_PB": true}, {"Start_PB": false}, {}, {"Stop_PB": 1}]');
    const code = await simulateCommand([L5X], { scans: '5', inputs: '-', vars: 'Conveyor_Run' }, t.io);
    expect(t.err).toEqual([]);
    expect(code).toBe(EXIT.OK);
    expect(t.out.map((l) => JSON.parse(l).Conveyor_Run)).toEqual([true, true, true, false, false]);
  });

  it('exit 2 naming the L5X given with other sources, exit 1 for a file that is no L5X', async () => {
    const mixed = io();
    expect(await simulateCommand([L5X, src], { scans: '1' }, mixed.io)).toBe(EXIT.USAGE);
    expect(mixed.err).toEqual([
      `error SIM_BAD_INPUT: ${L5X}: an L5X is simulated on its own, not with other sources`,
    ]);
    const junk = join(dir, 'junk.L5X');
    writeFileSync(junk, 'not xml');
    const bad = io();
    expect(await simulateCommand([junk], { scans: '1' }, bad.io)).toBe(EXIT.FAILED);
    expect(bad.err[0]).toContain('junk.L5X');
  });

  it('exit 2 naming why no program runs: a Routine export has no main routine', async () => {
    const routineExport = join(dir, 'routine.L5X');
    writeFileSync(
      routineExport,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<RSLogix5000Content SchemaRevision="1.0" TargetType="Routine" TargetName="Seal">',
        '<Controller Use="Context" Name="Line">',
        '<Tags><Tag Name="A" TagType="Base" DataType="BOOL"/><Tag Name="B" TagType="Base" DataType="BOOL"/></Tags>',
        '<Programs><Program Use="Context" Name="MainProgram"><Routines>',
        '<Routine Use="Target" Name="Seal" Type="RLL"><RLLContent>',
        '<Rung Number="0" Type="N"><Text><![CDATA[XIC(A)OTE(B);]]></Text></Rung>',
        '</RLLContent></Routine>',
        '</Routines></Program></Programs>',
        '</Controller>',
        '</RSLogix5000Content>',
        '',
      ].join('\n'),
    );
    const t = io();
    expect(await simulateCommand([routineExport], { scans: '1' }, t.io)).toBe(EXIT.USAGE);
    expect(t.err).toEqual([
      `error SIM_NO_PROGRAM: ${routineExport}: no program of the L5X runs: MainProgram has no main routine (MainRoutineName)`,
    ]);
  });
});

describe('test', () => {
  it('passes the fixtures and fails a wrong scenario with exit 1', async () => {
    const ok = io();
    const code = await testCommand(
      [join(FIXTURES, 'press.st')],
      { scenarios: join(FIXTURES, 'press.scenarios.yaml') },
      ok.io,
    );
    expect(code).toBe(EXIT.OK);
    expect(ok.out.at(-1)).toMatch(/5 scenario\(s\), 5 passed, 0 failed/);
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'scenarios:\n  - name: w\n    steps:\n      - { at: 0ms, expect: { Run: true } }\n');
    const bad = io();
    expect(await testCommand([src], { scenarios: wrong, json: true }, bad.io)).toBe(EXIT.FAILED);
    expect(JSON.parse(bad.out[0] as string)).toMatchObject({ passed: false });
  });

  it("exit 2 for a scenario value that does not fit its variable's type, named with file and step", async () => {
    const typed = join(dir, 'typed-test.st');
    writeFileSync(typed, 'PROGRAM P\nVAR_INPUT On : BOOL; Speed : INT; END_VAR\nEND_PROGRAM\n');
    const cases: [string, string][] = [
      ['initial: { Speed: 40000 }\n    steps: []', "scenario 's', initial: Speed = 40000 is not a valid INT"],
      [
        'steps:\n      - { at: 20ms, set: { On: yes } }',
        `scenario 's', set at 20ms: On = "yes" is not a valid BOOL`,
      ],
      [
        'steps:\n      - { at: 0ms, force: { Speed: 1.7 } }',
        "scenario 's', force at 0ms: Speed = 1.7 is not a valid INT",
      ],
    ];
    for (const [body, message] of cases) {
      const file = join(dir, 'typed.yaml');
      writeFileSync(file, `scenarios:\n  - name: s\n    ${body}\n`);
      const t = io();
      expect(await testCommand([typed], { scenarios: file }, t.io)).toBe(EXIT.USAGE);
      expect(t.out).toEqual([]);
      expect(t.err).toHaveLength(1);
      expect(t.err[0]).toContain(`error SIM_BAD_INPUT: ${file}: ${message}`);
    }
  });
});

describe('equiv', () => {
  const v1 = join(dir, 'v1.st');
  const v2 = join(dir, 'v2.st');
  const prog = (run: string) =>
    `PROGRAM P\nVAR_INPUT A : BOOL; B : BOOL; END_VAR\nVAR_OUTPUT Run : BOOL; END_VAR\nRun := ${run};\nEND_PROGRAM\n`;
  writeFileSync(v1, prog('A'));
  writeFileSync(v2, prog('A AND B'));

  it('exit 0 when equivalent under an assumption, 1 with a counterexample, same JSON for the same seed', async () => {
    const ok = io();
    expect(
      await equivCommand(
        { before: v1, after: v2, assume: ['B = A'], json: true, runs: '10', scans: '50' },
        ok.io,
      ),
    ).toBe(EXIT.OK);
    expect(JSON.parse(ok.out[0] as string)).toEqual({
      equivalent: true,
      runs: 10,
      scans: 50,
      seed: 1,
      counterexample: null,
    });
    const a = io();
    const b = io();
    expect(await equivCommand({ before: v1, after: v2, json: true, seed: '9' }, a.io)).toBe(EXIT.FAILED);
    await equivCommand({ before: v1, after: v2, json: true, seed: '9' }, b.io);
    expect(a.out).toEqual(b.out);
    const r = JSON.parse(a.out[0] as string);
    expect(Object.keys(r)).toEqual(['equivalent', 'runs', 'scans', 'seed', 'counterexample']);
    expect(Object.keys(r.counterexample)).toEqual(['scan', 'variable', 'before', 'after', 'inputs']);
    expect(r.counterexample).toMatchObject({ variable: 'Run', before: true, after: false });
  });

  it('exit 2 on bad input', async () => {
    expect(await equivCommand({ before: v1, after: join(dir, 'missing.st') }, io().io)).toBe(EXIT.USAGE);
    expect(await equivCommand({ before: v1, after: v2, relation: ['nonsense'] }, io().io)).toBe(EXIT.USAGE);
    expect(await equivCommand({ before: v1, after: v2, ignore: 'Nope' }, io().io)).toBe(EXIT.USAGE);
    const scenarios = join(dir, 'equiv-typed.yaml');
    writeFileSync(scenarios, 'scenarios:\n  - name: s\n    steps:\n      - { at: 10ms, set: { A: 2 } }\n');
    const t = io();
    expect(await equivCommand({ before: v1, after: v2, scenarios }, t.io)).toBe(EXIT.USAGE);
    expect(t.err).toEqual([
      `error SIM_BAD_INPUT: ${scenarios}: scenario 's', set at 10ms: A = 2 is not a valid BOOL: a BOOL is true/false, TRUE/FALSE or 1/0`,
    ]);
  });
});

describe('closed loop: --plant and --binding', () => {
  /** The controller: pumps until the level reaches the alarm limit, then latches the alarm. */
  const ctl = (limit: number) =>
    `PROGRAM Ctl\nVAR_INPUT Level : INT; END_VAR\nVAR_OUTPUT Pump : BOOL; HighAlarm : BOOL; END_VAR\nIF Level >= ${limit} THEN HighAlarm := TRUE; END_IF;\nPump := NOT HighAlarm;\nEND_PROGRAM\n`;
  const controller = join(dir, 'tank-ctl.st');
  const ctl95 = join(dir, 'tank-ctl-95.st');
  const ctl105 = join(dir, 'tank-ctl-105.st');
  writeFileSync(controller, ctl(100));
  writeFileSync(ctl95, ctl(95));
  writeFileSync(ctl105, ctl(105));
  /** The plant model: the pump raises the level by 10 a cycle. */
  const plant = join(dir, 'tank-plant.st');
  writeFileSync(
    plant,
    'PROGRAM Tank\nVAR_INPUT PumpOn : BOOL; END_VAR\nVAR_OUTPUT Level : INT; END_VAR\nIF PumpOn THEN Level := Level + 10; END_IF;\nEND_PROGRAM\n',
  );
  const binding = join(dir, 'tank-binding.yaml');
  writeFileSync(
    binding,
    'apiVersion: plcfleet/v1\nkind: PlantBinding\nsensors:\n  - { from: Level, to: Level }\nactuators:\n  - { from: Pump, to: PumpOn }\n',
  );

  it('simulate: the high-level alarm is reached only in closed loop', async () => {
    const open = io();
    expect(await simulateCommand([controller], { scans: '30', final: true }, open.io)).toBe(EXIT.OK);
    expect(JSON.parse(open.out[0] as string)).toMatchObject({ Pump: true, HighAlarm: false });
    const closed = io();
    expect(
      await simulateCommand(
        [controller],
        { scans: '30', final: true, plant, binding, vars: 'Level,Pump,HighAlarm' },
        closed.io,
      ),
    ).toBe(EXIT.OK);
    expect(JSON.parse(closed.out[0] as string)).toMatchObject({ Pump: false, HighAlarm: true });
    expect(JSON.parse(closed.out[0] as string).Level).toBeGreaterThanOrEqual(100);
  });

  it('equiv: compares both versions in closed loop', async () => {
    // The tank passes 90 then 100: limits 95 and 100 alarm in the same cycle, 105 one cycle later.
    const same = io();
    expect(
      await equivCommand(
        { before: controller, after: ctl95, plant, binding, runs: '2', scans: '50', json: true },
        same.io,
      ),
    ).toBe(EXIT.OK);
    expect(JSON.parse(same.out[0] as string)).toMatchObject({ equivalent: true, closedLoop: true });
    const differs = io();
    expect(
      await equivCommand(
        { before: controller, after: ctl105, plant, binding, runs: '2', scans: '50' },
        differs.io,
      ),
    ).toBe(EXIT.FAILED);
    expect(differs.out[0]).toMatch(/NOT equivalent in closed loop .*: (Pump|HighAlarm) differs/);
  });

  it('test: scenarios run in closed loop; a scenario may force a sensor, not set it', async () => {
    const alarm = join(dir, 'tank-alarm.yaml');
    writeFileSync(
      alarm,
      'scenarios:\n  - name: fills to the alarm\n    steps:\n      - { at: 0ms, within: 200ms, expect: { HighAlarm: true } }\n      - { at: 200ms, expect: { Pump: false } }\n',
    );
    const open = io();
    expect(await testCommand([controller], { scenarios: alarm }, open.io)).toBe(EXIT.FAILED);
    const closed = io();
    expect(await testCommand([controller], { scenarios: alarm, plant, binding }, closed.io)).toBe(EXIT.OK);
    expect(closed.out.at(-1)).toMatch(/1 scenario\(s\), 1 passed/);
    // A stuck sensor (forced low) keeps the pump running: the injected fault overrides the plant.
    const stuck = join(dir, 'tank-stuck.yaml');
    writeFileSync(
      stuck,
      'scenarios:\n  - name: stuck sensor\n    steps:\n      - { at: 0ms, force: { Level: 0 } }\n      - { from: 0ms, to: 300ms, never: { HighAlarm: true } }\n',
    );
    expect(await testCommand([controller], { scenarios: stuck, plant, binding }, io().io)).toBe(EXIT.OK);
    const setting = join(dir, 'tank-set.yaml');
    writeFileSync(
      setting,
      'scenarios:\n  - name: sets the level\n    steps:\n      - { at: 0ms, set: { Level: 0 } }\n      - { at: 10ms, expect: { Pump: true } }\n',
    );
    const bad = io();
    expect(await testCommand([controller], { scenarios: setting, plant, binding }, bad.io)).toBe(EXIT.USAGE);
    expect(bad.err[0]).toContain(
      "scenario 'sets the level' sets Level, which the plant drives (Level in the binding)",
    );
    const half = io();
    expect(await testCommand([controller], { scenarios: alarm, plant }, half.io)).toBe(EXIT.USAGE);
    expect(half.err[0]).toMatch(/--binding is required with --plant/);
  });

  it('exit 2 naming the missing flag, the bad binding file and its field', async () => {
    const a = io();
    expect(await simulateCommand([controller], { scans: '3', plant }, a.io)).toBe(EXIT.USAGE);
    expect(a.err[0]).toMatch(/--binding is required with --plant/);
    const b = io();
    expect(await equivCommand({ before: controller, after: ctl95, binding }, b.io)).toBe(EXIT.USAGE);
    expect(b.err[0]).toMatch(/--plant is required with --binding/);
    const bad = join(dir, 'bad-binding.yaml');
    writeFileSync(bad, 'apiVersion: plcfleet/v1\nkind: PlantBinding\nactuators:\n  - { from: Pump }\n');
    const c = io();
    expect(await simulateCommand([controller], { scans: '3', plant, binding: bad }, c.io)).toBe(EXIT.USAGE);
    expect(c.err[0]).toContain(`binding file ${bad}: actuators.0.to:`);
    const d = io();
    expect(await equivCommand({ before: controller, after: ctl95, plant, binding: bad }, d.io)).toBe(
      EXIT.USAGE,
    );
    expect(d.err[0]).toContain(`binding file ${bad}: actuators.0.to:`);
    const wrongEnd = join(dir, 'wrong-end.yaml');
    writeFileSync(
      wrongEnd,
      'apiVersion: plcfleet/v1\nkind: PlantBinding\nactuators:\n  - { from: Pump, to: Valve }\n',
    );
    const e = io();
    expect(await simulateCommand([controller], { scans: '3', plant, binding: wrongEnd }, e.io)).toBe(
      EXIT.USAGE,
    );
    expect(e.err[0]).toMatch(/the plant has no variable Valve/);
  });
});

describe('--libraries, --models and --define (as compile takes them)', () => {
  const LIBRARIES = join(import.meta.dirname, '../../toolchain/libraries');
  /** Counts calls in task 1 (Tc2_System GETCURTASKINDEX); the define set picks the step. */
  const main = (slowStep: number) => `PROGRAM MAIN
VAR_INPUT Enable : BOOL := TRUE; END_VAR
VAR_OUTPUT nCalls : UDINT; END_VAR
VAR fbTask : GETCURTASKINDEX; END_VAR
fbTask();
IF Enable AND fbTask.index = 1 THEN
{IF defined(FAST)}
  nCalls := nCalls + 10;
{ELSE}
  nCalls := nCalls + ${slowStep};
{END_IF}
END_IF
END_PROGRAM
`;
  const lib = join(dir, 'lib-main.st');
  const lib2 = join(dir, 'lib-main-2.st');
  writeFileSync(lib, main(1));
  writeFileSync(lib2, main(2));
  const models = mkdtempSync(join(tmpdir(), 'sim-cli-models-'));
  writeFileSync(
    join(models, 'GETCURTASKINDEX.st'),
    'FUNCTION_BLOCK GETCURTASKINDEX\nVAR_OUTPUT index : BYTE; END_VAR\nindex := 1;\nEND_FUNCTION_BLOCK\n',
  );
  const scenarios = join(dir, 'lib.scenarios.yaml');
  writeFileSync(
    scenarios,
    'scenarios:\n  - name: fast\n    steps:\n      - { at: 20ms, expect: { nCalls: 30 } }\n',
  );

  it('simulate: a library FB is unknown without --libraries, refused without --models, run with both', async () => {
    const none = io();
    expect(await simulateCommand([lib], { scans: '3', final: true, define: ['FAST'] }, none.io)).toBe(
      EXIT.FAILED,
    );
    expect(none.err[0]).toMatch(/GETCURTASKINDEX/);
    const noModel = io();
    expect(
      await simulateCommand(
        [lib],
        { scans: '3', final: true, libraries: LIBRARIES, define: ['FAST'] },
        noModel.io,
      ),
    ).toBe(EXIT.USAGE);
    expect(noModel.err[0]).toMatch(/library function block 'GETCURTASKINDEX' .* has no body .*--models/);
    // Without a define set it is refused, named (decision 0178): running every branch (10 + 1 a
    // scan) was a meaning no build of the program has
    const every = io();
    expect(
      await simulateCommand([lib], { scans: '3', final: true, libraries: LIBRARIES, models }, every.io),
    ).toBe(EXIT.USAGE);
    expect(every.err[0]).toMatch(/lib-main\.st:7:1: \{IF defined\(FAST\)\} selects code .* --define/);
    const ok = io();
    expect(
      await simulateCommand(
        [lib],
        { scans: '3', final: true, libraries: LIBRARIES, models, define: [''] },
        ok.io,
      ),
    ).toBe(EXIT.OK);
    expect(JSON.parse(ok.out[0] as string)).toMatchObject({ nCalls: 3 });
    const fast = io();
    expect(
      await simulateCommand(
        [lib],
        { scans: '3', final: true, libraries: LIBRARIES, models, define: ['FAST', ''] },
        fast.io,
      ),
    ).toBe(EXIT.OK);
    expect(JSON.parse(fast.out[0] as string)).toMatchObject({ nCalls: 30 });
  });

  it('test and equiv load their programs the same way; a missing directory is exit 2, named', async () => {
    const t = io();
    expect(
      await testCommand([lib], { scenarios, libraries: LIBRARIES, models, define: ['FAST'] }, t.io),
    ).toBe(EXIT.OK);
    const slow = io();
    expect(await testCommand([lib], { scenarios, libraries: LIBRARIES, models, define: [''] }, slow.io)).toBe(
      EXIT.FAILED,
    );
    // no define set: refused, not run with every branch (decision 0178)
    const every = io();
    expect(await testCommand([lib], { scenarios, libraries: LIBRARIES, models }, every.io)).toBe(EXIT.USAGE);
    expect(every.err.join('\n')).toMatch(/selects code by the build's compiler definitions/);
    // The two versions differ only outside the FAST build.
    const opts = { before: lib, after: lib2, libraries: LIBRARIES, models, runs: '2', scans: '20' };
    const same = io();
    expect(await equivCommand({ ...opts, define: ['FAST'] }, same.io), same.err.join('\n')).toBe(EXIT.OK);
    expect(await equivCommand({ ...opts, define: [''] }, io().io)).toBe(EXIT.FAILED);
    expect(await equivCommand(opts, io().io)).toBe(EXIT.USAGE);
    const missing = io();
    expect(
      await simulateCommand(
        [lib],
        { scans: '1', libraries: LIBRARIES, models: join(dir, 'nope') },
        missing.io,
      ),
    ).toBe(EXIT.USAGE);
    expect(missing.err[0]).toContain(`--models: no such behaviour model directory: ${join(dir, 'nope')}`);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSimProject } from './load-project';
import { parseScenarioFile, runScenarioFile } from './scenario';
import { SIM_ERROR_CODES } from './sim-errors';

const FIXTURES = join(import.meta.dirname, '../../fixtures/sim');

describe('plant fixtures pass their scenarios', () => {
  for (const name of ['conveyor', 'press', 'mixing-tank']) {
    it(name, async () => {
      const project = await loadSimProject([join(FIXTURES, `${name}.st`)]);
      const file = join(FIXTURES, `${name}.scenarios.yaml`);
      const r = runScenarioFile(project, parseScenarioFile(readFileSync(file, 'utf8'), file));
      const failures = r.scenarios.flatMap((s) =>
        s.expectations.filter((e) => !e.passed).map((e) => `${s.name}: ${e.message}`),
      );
      expect(failures).toEqual([]);
      expect(r.passed).toBe(true);
      expect(r.scenarios.length).toBeGreaterThanOrEqual(3);
    });
  }
});

it("the front end's demo plant (CONFIGURATION with two tasks) passes its scenarios", async () => {
  const project = await loadSimProject([join(FIXTURES, '../iec/st')]);
  const file = join(FIXTURES, 'iec-plant.scenarios.yaml');
  const r = runScenarioFile(project, parseScenarioFile(readFileSync(file, 'utf8'), file));
  expect(r.scenarios.flatMap((s) => s.expectations.filter((e) => !e.passed).map((e) => e.message))).toEqual(
    [],
  );
  expect(r.passed).toBe(true);
});

const project = () => loadSimProject([join(FIXTURES, 'conveyor.st')]);

describe('scenario runner reports', () => {
  it('the first failing scan and the values around it', async () => {
    const yaml = `
program: Conveyor
scenarios:
  - name: wrong expectation
    steps:
      - { at: 0ms, set: { Start_PB: true } }
      - { from: 0ms, to: 100ms, always: { Motor_Run: false } }
`;
    const r = runScenarioFile(await project(), parseScenarioFile(yaml, 'w.yaml'));
    expect(r.passed).toBe(false);
    const e = r.scenarios[0]?.expectations[0];
    expect(e).toMatchObject({
      kind: 'always',
      variable: 'Motor_Run',
      passed: false,
      scan: 0,
      t_ms: 0,
      actual: true,
    });
    expect(e?.around?.map((a) => a.value)).toEqual([true, true, true, true]);
  });

  it('within: fails at the end of the window when the value never comes', async () => {
    const yaml = `
scenarios:
  - name: never starts
    steps:
      - { at: 100ms, within: 50ms, expect: { Motor_Run: true } }
`;
    const r = runScenarioFile(await project(), parseScenarioFile(yaml, 'w.yaml'));
    expect(r.scenarios[0]?.expectations[0]).toMatchObject({ passed: false, scan: 15, kind: 'within' });
  });

  it('TIME values are compared in ms or as durations', async () => {
    const yaml = `
scenarios:
  - name: jam timer runs
    steps:
      - { at: 0ms, set: { Start_PB: true, Jam_Sensor: true } }
      - { at: 510ms, expect: { JamTimer.ET: 500ms } }
      - { at: 1010ms, expect: { JamTimer.ET: 1000 } }
      - { at: 1010ms, expect: { JamTimer.ET: { between: [999, 1001] } } }
`;
    const r = runScenarioFile(await project(), parseScenarioFile(yaml, 'w.yaml'));
    expect(r.scenarios[0]?.expectations.map((e) => e.passed)).toEqual([true, true, true]);
  });

  it('rejects malformed files and unknown variables as bad input', async () => {
    expect(() =>
      parseScenarioFile('scenarios: [{ name: x, steps: [{ at: soon, set: {} }] }]', 'b.yaml'),
    ).toThrow(/b\.yaml/);
    const bad = parseScenarioFile(
      'scenarios: [{ name: x, steps: [{ at: 0, set: { Nope: true } }] }]',
      'b.yaml',
    );
    const p = await project();
    expect(() => runScenarioFile(p, bad)).toThrow(
      expect.objectContaining({ code: SIM_ERROR_CODES.BAD_INPUT }),
    );
  });
});

describe('closed loop (RunScenarioOptions.loop)', () => {
  const yaml = `
program: Conveyor
scenarios:
  - name: the plant model makes the parts
    steps:
      - { at: 0ms, set: { Start_PB: true } }
      - { at: 20ms, set: { Start_PB: false } }
      - { at: 200ms, expect: { Parts: { between: [4, 5] } } }
  - name: starts again from the initial state
    steps:
      - { at: 0ms, expect: { Parts: 0 } }
`;

  it('each cycle runs the loop in place of the scan, reset as each scenario starts', async () => {
    let resets = 0;
    let scans = 0;
    const r = runScenarioFile(await project(), parseScenarioFile(yaml, 'loop.yaml'), {
      // a plant model: while the motor runs, a part passes the photo eye every 4th cycle
      loop: (plc) => ({
        reset() {
          resets++;
          scans = 0;
        },
        scan() {
          plc.set('Part_Sensor', plc.get('Motor_Run') === true && scans % 4 === 2);
          scans++;
          return plc.scan();
        },
      }),
    });
    expect(resets).toBe(2);
    expect(r.scenarios.map((s) => s.expectations.map((e) => e.passed))).toEqual([[true], [true]]);
  });

  it('without the loop nothing moves the photo eye', async () => {
    const r = runScenarioFile(await project(), parseScenarioFile(yaml, 'loop.yaml'));
    expect(r.scenarios[0]?.expectations[0]).toMatchObject({ passed: false, actual: 0 });
  });
});

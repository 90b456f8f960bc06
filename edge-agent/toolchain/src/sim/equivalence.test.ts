import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { evalCondition, parseCondition } from './condition-expr';
import { checkEquivalence } from './equivalence';
import { Prng } from './prng';
import { parseScenarioFile } from './scenario';
import { SIM_ERROR_CODES } from './sim-errors';

const units = (src: string) => [parseSource(src, 'p.st').unit];

const guard = (runExpr: string, debugStep = 1, alarm = 'Level > 90') =>
  units(`PROGRAM Guard
VAR_INPUT Guard_Sensor : BOOL; Guard_Sensor_Redundant : BOOL; Start : BOOL; Level : INT; END_VAR
VAR_OUTPUT Run : BOOL; Alarm : BOOL; Debug : INT; END_VAR
VAR T1 : TON; END_VAR
T1(IN := Start, PT := T#200ms);
Run := ${runExpr};
Alarm := ${alarm};
Debug := Debug + ${debugStep};
END_PROGRAM`);

const before = guard('T1.Q AND Guard_Sensor');
const after = guard('T1.Q AND Guard_Sensor AND Guard_Sensor_Redundant', 2);

describe('checkEquivalence', () => {
  it('a program is equivalent to itself', () => {
    const r = checkEquivalence({ before, after: guard('T1.Q AND Guard_Sensor'), runs: 20, scans: 100 });
    expect(r).toEqual({ equivalent: true, runs: 20, scans: 100, seed: 1, counterexample: null });
  });

  it('finds a difference and shrinks the inputs to the changes that matter', () => {
    const r = checkEquivalence({ before, after, ignore: ['Debug'], seed: 42, runs: 50, scans: 200 });
    expect(r.equivalent).toBe(false);
    const c = r.counterexample;
    expect(c?.variable).toBe('Run');
    expect([c?.before, c?.after]).toEqual([true, false]);
    // minimal: Start held long enough for the 200 ms TON, and the one guard sensor
    expect(c?.inputs.flatMap((i) => Object.keys(i).filter((k) => k !== 'scan')).sort()).toEqual([
      'Guard_Sensor',
      'Start',
    ]);
    expect(c?.scan).toBeGreaterThanOrEqual(20);
  });

  it('same seed gives the same result byte for byte; another seed may differ', () => {
    const a = JSON.stringify(checkEquivalence({ before, after, ignore: ['Debug'], seed: 'abc', runs: 30 }));
    const b = JSON.stringify(checkEquivalence({ before, after, ignore: ['Debug'], seed: 'abc', runs: 30 }));
    expect(a).toBe(b);
  });

  it('an assumption (redundant sensor follows the sensor) makes the change equivalent', () => {
    const r = checkEquivalence({
      before,
      after,
      ignore: ['Debug'],
      assume: ['Guard_Sensor_Redundant = Guard_Sensor'],
      runs: 30,
    });
    expect(r.equivalent).toBe(true);
  });

  it('a relation new -> old accepts a stricter output and rejects a looser one', () => {
    expect(
      checkEquivalence({ before, after, ignore: ['Debug'], relations: ['Run: new -> old'], runs: 30 })
        .equivalent,
    ).toBe(true);
    const looser = guard('T1.Q OR Guard_Sensor');
    const r = checkEquivalence({ before, after: looser, relations: ['Run: new -> old'], runs: 30 });
    expect(r.equivalent).toBe(false);
    expect(r.counterexample).toMatchObject({ variable: 'Run', before: false, after: true });
  });

  it('the uncompared Debug output differs on the first scan', () => {
    const r = checkEquivalence({ before, after, runs: 5 });
    expect(r.counterexample).toMatchObject({ scan: 0, variable: 'Debug', before: 1, after: 2, inputs: [] });
  });

  it('integer inputs reach their boundaries (Level > 90 vs Level >= 90)', () => {
    const r = checkEquivalence({
      before,
      after: guard('T1.Q AND Guard_Sensor', 1, 'Level >= 90'),
      runs: 200,
    });
    expect(r.counterexample).toMatchObject({ variable: 'Alarm', inputs: [{ Level: 90 }] });
  });

  it('a very long timer preset (T#24h) does not stretch input holds beyond the run', () => {
    const mk = (op: string) =>
      units(`PROGRAM P
VAR_INPUT L : INT; END_VAR
VAR_OUTPUT Hi : BOOL; END_VAR
VAR Day : TON; END_VAR
Day(IN := TRUE, PT := T#24h);
Hi := L ${op} 8000;
END_PROGRAM`);
    const r = checkEquivalence({ before: mk('>='), after: mk('>'), runs: 50 });
    expect(r.counterexample).toMatchObject({
      variable: 'Hi',
      before: true,
      after: false,
      inputs: [{ L: 8000 }],
    });
  });

  it('a fault in only one program is a difference', () => {
    const faulty = guard('T1.Q AND Guard_Sensor', 1, '(Level > 90) OR (Level / (Level - 7) > 1000)');
    const r = checkEquivalence({ before, after: faulty, ranges: { Level: [0, 10] }, runs: 50 });
    expect(r.counterexample).toMatchObject({
      variable: '<fault>',
      before: null,
      after: 'DIV_BY_ZERO',
      inputs: [{ Level: 7 }],
    });
  });

  it('scenario timelines run on both programs too', () => {
    const sc = parseScenarioFile(
      'scenarios:\n  - name: s\n    steps:\n      - { at: 0ms, set: { Start: true, Guard_Sensor: true } }\n      - { at: 500ms, expect: { Run: true } }\n',
      's.yaml',
    );
    const r = checkEquivalence({ before, after, ignore: ['Debug'], runs: 0, scenarios: [sc] });
    expect(r).toMatchObject({ equivalent: false, runs: 1, counterexample: { variable: 'Run', scan: 20 } });
  });

  it('refuses, naming the program, a run with no inputs to drive', () => {
    // I/O in a global (as an SCL OB1 reads its data blocks): nothing the runs can set
    const noInputs = (expr: string) =>
      units(`VAR_GLOBAL Door : BOOL; END_VAR
PROGRAM Cell
VAR_OUTPUT Enable : BOOL; END_VAR
Enable := ${expr};
END_PROGRAM`);
    const opts = { before: noInputs('Door'), after: noInputs('FALSE'), runs: 3, scans: 10 };
    expect(() => checkEquivalence(opts)).toThrow(
      expect.objectContaining({
        code: SIM_ERROR_CODES.BAD_INPUT,
        message: expect.stringMatching(/program Cell has no inputs/),
      }),
    );
    // only an explicit opt-out replays the initial state alone (and then finds no difference)
    expect(checkEquivalence({ ...opts, requireInputs: false }).equivalent).toBe(true);
    // a scenario that sets the global is something to compare: it runs and finds the difference
    const sc = parseScenarioFile(
      'scenarios:\n  - name: door\n    steps:\n      - { at: 0ms, set: { Door: true } }\n      - { at: 50ms, expect: { Enable: true } }\n',
      'door.yaml',
    );
    const r = checkEquivalence({ ...opts, scenarios: [sc] });
    expect(r).toMatchObject({ equivalent: false, counterexample: { variable: 'Enable' } });
  });

  it('rejects unknown outputs, bad relations and assumptions on non-inputs', () => {
    const code = { code: SIM_ERROR_CODES.BAD_INPUT };
    expect(() => checkEquivalence({ before, after, compare: ['Nope'] })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => checkEquivalence({ before, after, relations: ['Run new'] })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => checkEquivalence({ before, after, assume: ['Run = Start'] })).toThrow(
      expect.objectContaining(code),
    );
  });
});

describe('conditions and the PRNG', () => {
  it('evaluates implication and comparisons', () => {
    const e = parseCondition('new -> old');
    const table = [
      [false, false, true],
      [false, true, true],
      [true, false, false],
      [true, true, true],
    ] as const;
    for (const [n, o, want] of table) expect(evalCondition(e, (x) => (x === 'new' ? n : o))).toBe(want);
    expect(
      evalCondition(
        parseCondition('a + 2 * b >= 7 AND NOT c'),
        (x) => ({ a: 1, b: 3, c: false })[x] as number,
      ),
    ).toBe(true);
    expect(evalCondition(parseCondition('t = T#1s'), () => 1000)).toBe(true);
  });
  it('the PRNG is deterministic per seed', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(new Prng(8).nextU32()).not.toBe(xs[0]);
  });
});

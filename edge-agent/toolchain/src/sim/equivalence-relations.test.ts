/**
 * Relations carried through dependent logic (issue #14 point 4): an output computed
 * monotonically from a signal with a one-way relation is judged by that relation; every other
 * output must still be equal; counterexamples name the related signal.
 */
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { checkEquivalence } from './equivalence';

/** A press whose old guard logic latches Safety_OK once the guard was closed (the bug the change fixes). */
const OLD = `PROGRAM Press
VAR_INPUT
    Guard_Sensor : BOOL;
    Start_PB : BOOL;
    Stop_PB : BOOL;
END_VAR
VAR_OUTPUT
    Safety_OK : BOOL;
    Press_Enable : BOOL;
    Guard_Open_Lamp : BOOL;
END_VAR
VAR
    Run_Latch : RS;
END_VAR
IF Guard_Sensor = TRUE THEN
    Safety_OK := TRUE;
END_IF;
Run_Latch(SET := Start_PB AND Safety_OK, RESET1 := Stop_PB OR NOT Safety_OK);
Press_Enable := Run_Latch.Q1 AND Safety_OK;
Guard_Open_Lamp := NOT Safety_OK;
END_PROGRAM
`;

/** The change: Safety_OK follows the guard (stricter); everything after it is untouched. */
const NEW = OLD.replace(
  'IF Guard_Sensor = TRUE THEN\n    Safety_OK := TRUE;\nEND_IF;',
  'Safety_OK := Guard_Sensor;',
);

function units(text: string) {
  const r = parseSource(text, 'press.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [r.unit];
}

function check(before: string, after: string, extra: { ignore?: string[] } = {}) {
  return checkEquivalence({
    before: units(before),
    after: units(after),
    program: 'Press',
    seed: 7,
    runs: 60,
    scans: 120,
    relations: ['Safety_OK: new -> old'],
    ...extra,
  });
}

describe('relations carried through dependent logic', () => {
  it('judges a permissive computed from the related signal by its relation, and passes', () => {
    // Without the carried relation the stricter Press_Enable (and the lamp) would be a difference.
    const r = check(OLD, NEW);
    expect(r.counterexample).toBeNull();
    expect(r.equivalent).toBe(true);
    // Compared for equality (Safety_OK left out of the comparison), the dependents differ.
    const plain = checkEquivalence({
      before: units(OLD),
      after: units(NEW),
      program: 'Press',
      seed: 7,
      runs: 60,
      scans: 120,
      ignore: ['Safety_OK'],
    });
    expect(plain.equivalent).toBe(false);
    expect(['Press_Enable', 'Guard_Open_Lamp']).toContain(plain.counterexample?.variable);
  });

  it('still fails when the dependent permissive becomes more permissive, naming the related signal', () => {
    const looser = NEW.replace(
      'Press_Enable := Run_Latch.Q1 AND Safety_OK;',
      'Press_Enable := Run_Latch.Q1 OR Safety_OK;',
    );
    const r = check(OLD, looser);
    expect(r.equivalent).toBe(false);
    expect(r.counterexample).toMatchObject({
      variable: 'Press_Enable',
      before: false,
      after: true,
      relatedSignal: 'Safety_OK: new -> old',
    });
  });

  it('judges an output that falls as the signal rises by the reversed relation', () => {
    // The lamp lit where the old one was dark is fine (NOT Safety_OK, Safety_OK stricter) ...
    expect(check(OLD, NEW).equivalent).toBe(true);
    // ... a lamp that stays dark where the old one was lit is not.
    const darker = NEW.replace(
      'Guard_Open_Lamp := NOT Safety_OK;',
      'Guard_Open_Lamp := NOT Safety_OK AND Start_PB;',
    );
    const r = check(OLD, darker);
    expect(r.counterexample).toMatchObject({
      variable: 'Guard_Open_Lamp',
      before: true,
      after: false,
      relatedSignal: 'Safety_OK: new -> old',
    });
  });

  it('keeps equality for an output that depends on the signal in no monotone way', () => {
    // A counter of enable edges depends on Safety_OK through an edge and an addition: not monotone.
    const withCounter = (src: string) =>
      src
        .replace('    Guard_Open_Lamp : BOOL;', '    Guard_Open_Lamp : BOOL;\n    Strokes : INT;')
        .replace('    Run_Latch : RS;', '    Run_Latch : RS;\n    Stroke_Edge : R_TRIG;')
        .replace(
          'END_PROGRAM',
          'Stroke_Edge(CLK := Press_Enable);\nIF Stroke_Edge.Q THEN\n    Strokes := Strokes + 1;\nEND_IF;\nEND_PROGRAM',
        );
    const r = check(withCounter(OLD), withCounter(NEW));
    expect(r.equivalent).toBe(false);
    expect(r.counterexample?.variable).toBe('Strokes');
    expect(r.counterexample?.relatedSignal).toBeUndefined();
    // Ignored, the rest passes by the carried relations.
    expect(check(withCounter(OLD), withCounter(NEW), { ignore: ['Strokes'] }).equivalent).toBe(true);
  });

  it('carries nothing where the dependence differs between the versions', () => {
    // The new version computes Press_Enable without Safety_OK: equality, and it differs.
    const rewired = NEW.replace(
      'Press_Enable := Run_Latch.Q1 AND Safety_OK;',
      'Press_Enable := Start_PB AND NOT Stop_PB;',
    );
    const r = check(OLD, rewired);
    expect(r.counterexample).toMatchObject({ variable: 'Press_Enable' });
    expect(r.counterexample?.relatedSignal).toBeUndefined();
  });

  it('carries the relation through a user function block that computes the enable', () => {
    const fb = `FUNCTION_BLOCK Enable_Logic
VAR_INPUT
    Permit : BOOL;
    Start : BOOL;
    Stop : BOOL;
END_VAR
VAR_OUTPUT
    Enable : BOOL;
    Permit_Lost : BOOL;
END_VAR
VAR
    Latch : SR;
END_VAR
Latch(SET1 := Start AND Permit, RESET := Stop OR NOT Permit);
Enable := Latch.Q1 AND Permit;
Permit_Lost := NOT Permit;
END_FUNCTION_BLOCK
`;
    const viaBlock = (src: string, block = fb) =>
      block +
      src
        .replace('    Run_Latch : RS;', '    Run_Latch : RS;\n    Logic : Enable_Logic;')
        .replace(
          'Press_Enable := Run_Latch.Q1 AND Safety_OK;\nGuard_Open_Lamp := NOT Safety_OK;',
          'Logic(Permit := Safety_OK, Start := Start_PB, Stop := Stop_PB);\nPress_Enable := Logic.Enable;\nGuard_Open_Lamp := Logic.Permit_Lost;',
        );
    expect(viaBlock(OLD)).toContain('Press_Enable := Logic.Enable;');
    expect(check(viaBlock(OLD), viaBlock(NEW)).equivalent).toBe(true);
    const looser = viaBlock(
      NEW,
      fb.replace('Enable := Latch.Q1 AND Permit;', 'Enable := Latch.Q1 OR Permit;'),
    );
    const r = check(viaBlock(OLD), looser);
    expect(r.counterexample).toMatchObject({
      variable: 'Press_Enable',
      before: false,
      after: true,
      relatedSignal: 'Safety_OK: new -> old',
    });
  });
});

describe("the migration schema's reverse arrow, `Out: new <- old`", () => {
  /** A tank whose overfill alarm the change raises earlier (at 90 % instead of 95 %). */
  const tank = (threshold: string) => `PROGRAM Tank
VAR_INPUT Level : INT; Ack : BOOL; END_VAR
VAR_OUTPUT Overfill_Alarm : BOOL; END_VAR
IF Level > ${threshold} THEN
    Overfill_Alarm := TRUE;
ELSIF Ack THEN
    Overfill_Alarm := FALSE;
END_IF;
END_PROGRAM
`;
  const run = (after: string, relation: string) =>
    checkEquivalence({
      before: units(tank('95')),
      after: units(after),
      program: 'Tank',
      seed: 3,
      runs: 60,
      scans: 60,
      ranges: { Level: [0, 100] },
      relations: [relation],
    });

  it('passes an alarm that is TRUE wherever the old one was (old -> new)', () => {
    expect(run(tank('90'), 'Overfill_Alarm: new <- old').equivalent).toBe(true);
    // the same relation with the forward arrow is the opposite claim, and fails
    expect(run(tank('90'), 'Overfill_Alarm: new -> old').equivalent).toBe(false);
  });

  it('finds the scan where the new alarm is missing', () => {
    const r = run(tank('98'), 'Overfill_Alarm: new <- old');
    expect(r.counterexample).toMatchObject({ variable: 'Overfill_Alarm', before: true, after: false });
  });
});

/**
 * A PROGRAM input nothing drives keeps its initial value on the PLC for ever (request h4-3,
 * sweep 14: an OpenPLC conveyor's pulse time declared as an unbound VAR_INPUT). When the change
 * retunes its default, the equivalence runs each version with its own value instead of feeding
 * both one random value, which made a ten times longer pulse "equivalent".
 */
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { checkEquivalence } from './equivalence';

const sorter = (pulse: string, kick = 'Pulse.Q') => {
  const r = parseSource(
    `PROGRAM Sorter
VAR_INPUT
  Part : BOOL;
  PulseTime : TIME := ${pulse};
END_VAR
VAR_OUTPUT
  Kick : BOOL;
END_VAR
VAR
  Pulse : TP;
END_VAR
Pulse(IN := Part, PT := PulseTime);
Kick := ${kick};
END_PROGRAM
CONFIGURATION Cell
  RESOURCE Cpu ON PLC
    TASK Cyclic(INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM Sorting WITH Cyclic : Sorter;
  END_RESOURCE
END_CONFIGURATION
`,
    'p.st',
  );
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { units: [r.unit] };
};

describe('an undriven program input the change retunes', () => {
  it('runs at each version its own initial value: a longer pulse is a difference', () => {
    const r = checkEquivalence({ before: sorter('T#50ms'), after: sorter('T#500ms'), runs: 20, scans: 300 });
    expect(r.equivalent).toBe(false);
    expect(r.counterexample?.variable).toBe('Kick');
    // Part is still driven; PulseTime is not among the inputs set
    expect(r.counterexample?.inputs.some((s) => 'PulseTime' in s)).toBe(false);
    expect(r.counterexample?.inputs.some((s) => 'Part' in s)).toBe(true);
  });

  it('stays driven when declared alike in both versions', () => {
    // same default: PulseTime is driven with every value, so a use that matters only for
    // long pulse times is found (over-approximating a constant is sound when both start alike)
    const r = checkEquivalence({
      before: sorter('T#50ms'),
      after: sorter('T#50ms', 'Pulse.Q AND PulseTime < T#1s'),
      runs: 50,
      scans: 300,
    });
    expect(r.equivalent).toBe(false);
    expect(r.counterexample?.inputs.some((s) => 'PulseTime' in s)).toBe(true);
  });

  it('stays driven when the program writes it', () => {
    const written = (pulse: string) => ({
      units: [
        parseSource(
          `PROGRAM Sorter
VAR_INPUT Part : BOOL; PulseTime : TIME := ${pulse}; END_VAR
VAR_OUTPUT Kick : BOOL; END_VAR
VAR Pulse : TP; END_VAR
Pulse(IN := Part, PT := PulseTime);
Kick := Pulse.Q;
IF Kick THEN PulseTime := T#200ms; END_IF;
END_PROGRAM`,
          'p.st',
        ).unit,
      ],
    });
    // written by the program, so not a constant of the PLC: driven alike in both (held, the
    // first pulse would last 50 ms against 500 ms)
    const r = checkEquivalence({
      before: written('T#50ms'),
      after: written('T#500ms'),
      runs: 20,
      scans: 300,
    });
    expect(r.equivalent).toBe(true);
  });
});

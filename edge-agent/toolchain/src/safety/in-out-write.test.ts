/**
 * A call writes what it passes to a VAR_IN_OUT (sweep 14). The index read every `:=` argument
 * as an input, so a variable a FUNCTION or FB changes through an in-out parameter had no
 * writer there: the Logix model's timers (`LX_TOF(T := RunOn, RIN := rc, …)`) fell out of the
 * slice of the output their `.DN` drives, and inverting the E-stop contact of a public-shaped
 * run-on timer rung passed even with no migration, with no finding at all. The same for ST:
 * a function that forces a signal off through an in-out parameter.
 */
import { describe, expect, it } from 'vitest';
import { testL5x } from '../testing/test-l5x';
import { projectFromSources } from './safety-project';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const runOn = (rung: string) =>
  projectFromSources({
    'line.L5X': testL5x(
      [
        ['Go', 'BOOL'],
        ['EStop', 'BOOL'],
        ['Motor', 'BOOL'],
        ['RunOn', 'TIMER', { PRE: 3000 }],
      ],
      { Main: [rung, 'XIC(RunOn.DN)OTE(Motor);'] },
    ),
  });

const st = (call: string) =>
  stProject({
    'cell.st': `FUNCTION Clamp : BOOL
VAR_INPUT
  stop : BOOL;
END_VAR
VAR_IN_OUT
  out : BOOL;
END_VAR
IF stop THEN
  out := FALSE;
END_IF;
Clamp := out;
END_FUNCTION

PROGRAM Cell
VAR_INPUT
  Req : BOOL;
  Guard : BOOL;
END_VAR
VAR_OUTPUT
  Run : BOOL;
END_VAR
Run := Req;
${call}
END_PROGRAM
`,
  });

describe('an in-out argument', () => {
  it('is written by the call: the E-stop contact of a Logix timer rung inverted is caught', async () => {
    const r = await verifySafety({
      before: runOn('XIC(Go)XIO(EStop)TOF(RunOn,?,?);'),
      after: runOn('XIC(Go)XIC(EStop)TOF(RunOn,?,?);'),
      policy: testPolicy({ emergencyStops: ['EStop'], safetySignals: ['Motor'], permissives: ['Motor'] }),
      mode: 'quick',
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('safety-logic/slice-changed');
  });

  it('is written by an ST function call: a changed stop condition is in the slice', async () => {
    const r = await verifySafety({
      before: st('Clamp(stop := NOT Guard, out := Run);'),
      after: st('Clamp(stop := FALSE, out := Run);'),
      policy: testPolicy({ safetySignals: ['Run'], permissives: ['Run'] }),
      seed: 7,
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('permissive/loosened');
  });

  it('is written by a function called inside an expression', async () => {
    const r = await verifySafety({
      before: st('Guard := Clamp(stop := NOT Guard, out := Run) OR Guard;'),
      after: st('Guard := Clamp(stop := FALSE, out := Run) OR Guard;'),
      policy: testPolicy({ safetySignals: ['Run'], permissives: ['Run'] }),
      mode: 'quick',
    });
    expect(r.findings.map((f) => f.rule)).toContain('safety-logic/slice-changed');
  });

  it('is written when passed by position too', async () => {
    const r = await verifySafety({
      before: st('Clamp(NOT Guard, Run);'),
      after: st('Clamp(FALSE, Run);'),
      policy: testPolicy({ safetySignals: ['Run'], permissives: ['Run'] }),
      seed: 7,
    });
    expect(r.verdict).toBe('fail');
  });
});

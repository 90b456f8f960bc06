import { describe, expect, it } from 'vitest';
import { backwardSlice } from './data-flow-slice';
import { stIndex, stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

// Public-code sweep 13: a TwinCAT lift (szilagyiabel/TwinCAT-Lift) drives its motor outputs from
// one function block and forces them off from another, both through globals, and MAIN calls
// them in turn. Swapping the two calls passed the verifier with no finding: the slice held the
// writes inside the function blocks but not the calls that run them, so a change of their order
// was no change. In this cell of ours, the stop must run last or the guard no longer stops it.
const cell = (calls: string) => `VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
  lamp AT %QX0.1 : BOOL;
END_VAR
FUNCTION_BLOCK Drive
IF req THEN
  run := TRUE;
ELSE
  run := FALSE;
END_IF;
END_FUNCTION_BLOCK
FUNCTION_BLOCK GuardStop
IF NOT guard THEN
  run := FALSE;
END_IF;
END_FUNCTION_BLOCK
FUNCTION_BLOCK Lamp
lamp := req;
END_FUNCTION_BLOCK
PROGRAM Main
VAR
  drive : Drive;
  stop : GuardStop;
  light : Lamp;
  count : INT;
END_VAR
${calls}
END_PROGRAM
`;
const ORIGINAL = 'drive();\nstop();\nlight();\ncount := count + 1;';

describe('the order of calls of function blocks that write a signal', () => {
  it('puts the calls that run a statement of the slice into the slice', () => {
    const ix = stIndex({ 'cell.st': cell(ORIGINAL) });
    const slice = backwardSlice(ix, ['global::run']);
    const calls = [...slice.statements].filter((s) => s.kind === 'CallStatement');
    // drive() and stop() run the writes of run; light() does not
    expect(calls).toHaveLength(2);
  });

  it('fails a swap of the drive and its stop: a slice change, and the proof refutes it', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('stop();\ndrive();\nlight();\ncount := count + 1;') }),
      policy: testPolicy({ safetySignals: ['run'], permissives: ['run'] }),
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('safety-logic/slice-changed');
    const proof = r.proofs.find((p) => p.kind === 'permissive');
    expect(proof?.result, JSON.stringify(proof)).toBe('refuted');
  });

  it('fails the swap on the slice alone when the signal is not a permissive', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('stop();\ndrive();\nlight();\ncount := count + 1;') }),
      policy: testPolicy({ safetySignals: ['run'] }),
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.filter((f) => f.rule === 'safety-logic/slice-changed').length).toBeGreaterThan(0);
  });

  it('passes a reorder of calls that do not reach the signal', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('drive();\nstop();\ncount := count + 1;\nlight();') }),
      policy: testPolicy({ safetySignals: ['run'], permissives: ['run'] }),
    });
    expect(r.findings.map((f) => f.rule)).not.toContain('safety-logic/slice-changed');
    expect(r.verdict).toBe('pass');
  });
});

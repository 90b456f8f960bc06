/**
 * The forcing rules and the ladder model of an `.L5X` (toolchain/l5x): its
 * rung temporaries (`LX_T*`) and its first-scan clear of an OTE
 * (`IF LX_FIRST THEN x := FALSE;`) are the model's, not the plant's logic, so
 * converting the ladder to ST removes no interlock and no reset. The same text
 * in an ST file is judged as always.
 */
import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import type { SafetyProject } from './safety-project';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const LADDER_MODEL = `VAR_GLOBAL
    Start AT %IX0.0 : BOOL;
    Stop AT %IX0.1 : BOOL;
    Motor_Out AT %QX0.0 : BOOL;
    LX_FIRST : BOOL := TRUE;
END_VAR
PROGRAM Conveyor
VAR
    LX_T0 : BOOL;
END_VAR
IF LX_FIRST THEN
    Motor_Out := FALSE;
    LX_FIRST := FALSE;
END_IF;
LX_T0 := (Start OR Motor_Out) AND NOT Stop;
Motor_Out := LX_T0;
END_PROGRAM
`;

const CONVERTED = `VAR_GLOBAL
    Start AT %IX0.0 : BOOL;
    Stop AT %IX0.1 : BOOL;
    Motor_Out AT %QX0.0 : BOOL;
END_VAR
PROGRAM Conveyor
Motor_Out := (Start OR Motor_Out) AND NOT Stop;
END_PROGRAM
`;

/** A project of one unit read as ST from `file` (the L5X reader's model is ST with the .L5X file name). */
function project(file: string, text: string): SafetyProject {
  const { unit, diagnostics } = parseSource(text, file);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const checked = checkProject([unit]);
  return {
    units: [unit],
    sources: new Map([[file, text]]),
    root: '',
    diagnostics: [],
    checked: checked.checked,
  };
}

const forcing = (r: { findings: { rule: string }[] }) =>
  r.findings.map((f) => f.rule).filter((x) => x.startsWith('forcing/'));

describe('forcing rules on a ladder model', () => {
  const policy = testPolicy({ safetySignals: ['Motor_Out'] });
  const after = stProject({ 'Conveyor.st': CONVERTED });

  it('removes no interlock and no reset when the ladder model becomes ST', async () => {
    const r = await verifySafety({ before: project('Line.L5X', LADDER_MODEL), after, policy, mode: 'quick' });
    expect(forcing(r)).toEqual([]);
  });

  it('judges the same text in an ST file as always: the temporary and the reset are gone', async () => {
    const r = await verifySafety({ before: project('Line.st', LADDER_MODEL), after, policy, mode: 'quick' });
    expect(forcing(r)).toEqual(
      expect.arrayContaining(['forcing/interlock-removed', 'forcing/reset-removed']),
    );
  });
});

describe('forcing rules after an E-stop proof', () => {
  const src = (body: string) => `VAR_GLOBAL
    Chain_A AT %IX0.0 : BOOL;
    Chain_B AT %IX0.1 : BOOL;
    EStop_Ok AT %QX0.0 : BOOL;
END_VAR
PROGRAM Main
${body}
END_PROGRAM
`;
  const policy = testPolicy({ emergencyStops: ['EStop_Ok'] });
  const before = stProject({ 'main.st': src('EStop_Ok := Chain_A AND Chain_B;') });

  it('does not call a latch proven equal to the old E-stop logic a forced constant', async () => {
    const after = stProject({
      'main.st': src(
        'IF Chain_A AND Chain_B THEN\n    EStop_Ok := TRUE;\nELSE\n    EStop_Ok := FALSE;\nEND_IF;',
      ),
    });
    const r = await verifySafety({ before, after, policy });
    expect(r.findings.map((f) => f.rule)).toContain('estop/proven-equivalent');
    expect(forcing(r)).toEqual([]);
    expect(r.verdict).toBe('pass');
  });

  it('still calls a constant that changes the E-stop a forced constant', async () => {
    const after = stProject({ 'main.st': src('IF Chain_A THEN\n    EStop_Ok := TRUE;\nEND_IF;') });
    const r = await verifySafety({ before, after, policy });
    expect(r.verdict).toBe('fail');
    expect(forcing(r)).toContain('forcing/constant-assignment');
  });
});

describe('forcing rules on a line of several set/resets (`a R= b S= c;`)', () => {
  // parsed since request iec-02 (moreTargets): every target takes the operand at the end of the
  // line, so the second target below is forced TRUE; a rule reading only the first target saw
  // no write to the E-stop at all
  const src = (body: string) => `VAR_GLOBAL
    Chain_A AT %IX0.0 : BOOL;
    Chain_B AT %IX0.1 : BOOL;
    EStop_Ok AT %QX0.0 : BOOL;
    Lamp AT %QX0.1 : BOOL;
END_VAR
PROGRAM Main
EStop_Ok := Chain_A AND Chain_B;
${body}
END_PROGRAM
`;
  const policy = testPolicy({ emergencyStops: ['EStop_Ok'] });
  const before = stProject({ 'main.st': src('Lamp R= Chain_B;') });

  it('sees a constant forced onto the E-stop by the second target', async () => {
    const after = stProject({ 'main.st': src('Lamp R= EStop_Ok S= TRUE;') });
    const r = await verifySafety({ before, after, policy, mode: 'quick' });
    expect(r.verdict).toBe('fail');
    expect(forcing(r)).toContain('forcing/constant-assignment');
  });

  it('passes the same line when it leaves the E-stop alone', async () => {
    const after = stProject({ 'main.st': src('Lamp R= Chain_B;') });
    const r = await verifySafety({ before, after, policy, mode: 'quick' });
    expect(forcing(r)).toEqual([]);
  });
});

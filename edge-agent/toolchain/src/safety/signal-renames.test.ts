import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const GVL = (estop: string, start = 'Start_Button') => `VAR_GLOBAL
    ${estop} AT %IX0.0 : BOOL;
    ${start} AT %IX0.1 : BOOL;
    Motor_Run AT %QX0.0 : BOOL;
END_VAR
`;
const MAIN = (estop: string, logic = `Motor_Run := ${estop} AND Start_Button;`) => `PROGRAM Main
VAR
    Lamp : BOOL;
END_VAR
${logic}
Lamp := NOT ${estop};
END_PROGRAM
`;

function rename(from: string, to: string): Migration {
  return Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'rename-estop',
    title: 'rename',
    type: 'tag-change',
    safetyClass: 'non-safety',
    goal: 'rename',
    tagChanges: [{ from, to }],
    scope: { files: ['**/*.st'] },
  });
}

const policy = testPolicy({
  emergencyStops: ['E_Stop_Ok'],
  safetySignals: ['Motor_Run'],
  permissives: ['Motor_Run'],
});
const errors = (r: { findings: { severity: string; rule: string }[] }) =>
  r.findings.filter((f) => f.severity === 'error').map((f) => f.rule);

describe('safety through a rename', () => {
  const before = stProject({ 'gvl.st': GVL('E_Stop_Ok'), 'main.st': MAIN('E_Stop_Ok') });
  const after = stProject({ 'gvl.st': GVL('EStopOk'), 'main.st': MAIN('EStopOk') });

  it('judges a renamed E-stop and permissive through the rename: no removal, no new signal', async () => {
    const untouched = JSON.stringify(after.units, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
    for (const mode of ['quick', 'full'] as const) {
      const r = await verifySafety({
        before,
        after,
        policy,
        migration: rename('E_Stop_Ok', 'EStopOk'),
        mode,
      });
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.verdict).toBe('pass');
    }
    // The renames are undone in a copy: the caller's program keeps its new names.
    expect(JSON.stringify(after.units, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))).toBe(untouched);
    // The same change without the rename declared: an interlock removed and an unknown signal.
    const blind = await verifySafety({ before, after, policy });
    expect(blind.verdict).toBe('fail');
    expect(errors(blind)).toEqual(
      expect.arrayContaining(['estop/unresolved-signal', 'forcing/interlock-removed']),
    );
  });

  it('reads a policy written in the new name', async () => {
    const r = await verifySafety({
      before,
      after,
      policy: testPolicy({ emergencyStops: ['EStopOk'], permissives: ['Motor_Run'] }),
      renames: [{ from: 'E_Stop_Ok', to: 'EStopOk' }],
    });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // Without the rename the new name means nothing in the old program: fail closed.
    const blind = await verifySafety({
      before,
      after,
      policy: testPolicy({ emergencyStops: ['EStopOk'], permissives: ['Motor_Run'] }),
    });
    expect(errors(blind)).toContain('estop/unresolved-signal');
  });

  it('still catches a rename that also changes the logic', async () => {
    const loosened = stProject({
      'gvl.st': GVL('EStopOk'),
      'main.st': MAIN('EStopOk', 'Motor_Run := EStopOk OR Start_Button;'),
    });
    const r = await verifySafety({
      before,
      after: loosened,
      policy,
      migration: rename('E_Stop_Ok', 'EStopOk'),
    });
    expect(r.verdict).toBe('fail');
    expect(errors(r)).toEqual(expect.arrayContaining(['forcing/bypass-or', 'permissive/loosened']));
    const line = r.findings.find((f) => f.rule === 'permissive/loosened')!;
    expect([line.file, line.line]).toEqual(['main.st', 5]);
  });

  it('still catches a reference the rename left bound to a local of the new name', async () => {
    // Main declares its own EStopOk: its statements read the local, not the renamed input.
    const captured = stProject({
      'gvl.st': GVL('EStopOk'),
      'main.st': MAIN('EStopOk').replace('    Lamp : BOOL;', '    Lamp : BOOL;\n    EStopOk : BOOL := TRUE;'),
    });
    const r = await verifySafety({
      before,
      after: captured,
      policy,
      migration: rename('E_Stop_Ok', 'EStopOk'),
    });
    expect(r.verdict).toBe('fail');
    expect(errors(r)).toEqual(expect.arrayContaining(['forcing/interlock-removed']));
  });

  it('follows a function block pin renamed with every instance and named argument', async () => {
    const fb = (pin: string) => `FUNCTION_BLOCK FB_Drive
VAR_INPUT
    Enable : BOOL;
END_VAR
VAR_OUTPUT
    ${pin} : BOOL;
END_VAR
${pin} := Enable;
END_FUNCTION_BLOCK
`;
    const main = (pin: string) => `PROGRAM Main
VAR
    D1 : FB_Drive;
    Shown : BOOL;
END_VAR
D1(Enable := E_Stop_Ok AND Start_Button, ${pin} => Shown);
Motor_Run := D1.${pin};
END_PROGRAM
`;
    const b = stProject({ 'gvl.st': GVL('E_Stop_Ok'), 'fb.st': fb('Running'), 'main.st': main('Running') });
    const a = stProject({
      'gvl.st': GVL('E_Stop_Ok'),
      'fb.st': fb('IsRunning'),
      'main.st': main('IsRunning'),
    });
    const r = await verifySafety({
      before: b,
      after: a,
      policy,
      migration: rename('FB_Drive.Running', 'IsRunning'),
    });
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.verdict).toBe('pass');
  });
});

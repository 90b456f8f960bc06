/**
 * A TwinCAT project's task file decides the order of its programs (decision 0137): the safety
 * proofs prove the task's programs together, as they prove an ST configuration's. Without the
 * task file read, two top programs and no configuration made the proof undecided (sweep 13).
 */
import { describe, expect, it } from 'vitest';
import { taskFile } from '../testing/twincat-fixtures';
import { safetyRelatedTaskOrder, stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const pou = (name: string, body: string) => `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="${name}" Id="{00000000-0000-0000-0000-000000000001}">
    <Declaration><![CDATA[PROGRAM ${name}]]></Declaration>
    <Implementation><ST><![CDATA[${body}]]></ST></Implementation>
  </POU>
</TcPlcObject>
`;

const GVL = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <GVL Name="GVL_Cell" Id="{00000000-0000-0000-0000-000000000002}">
    <Declaration><![CDATA[{attribute 'qualified_only'}
VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
END_VAR]]></Declaration>
  </GVL>
</TcPlcObject>
`;

const cell = (calls: string[], drive = 'GVL_Cell.req') => ({
  'Plc/GVL_Cell.TcGVL': GVL,
  'Plc/Drive.TcPOU': pou('Drive', `GVL_Cell.run := ${drive};`),
  'Plc/GuardStop.TcPOU': pou('GuardStop', 'IF NOT GVL_Cell.guard THEN\n  GVL_Cell.run := FALSE;\nEND_IF;'),
  'Plc/PlcTask.TcTTO': taskFile('PlcTask', calls),
});

const safetyRelated = safetyRelatedTaskOrder;

describe("a TwinCAT task's order of programs", () => {
  const policy = testPolicy({ safetySignals: ['GVL_Cell.run'], permissives: ['GVL_Cell.run'] });

  it('is proved as the task runs it: the stop moved before the drive is refuted', async () => {
    const r = await verifySafety({
      before: stProject(cell(['Drive', 'GuardStop'])),
      after: stProject(cell(['GuardStop', 'Drive'])),
      policy,
      migration: safetyRelated,
    });
    const proofs = r.proofs.filter((p) => p.kind === 'permissive');
    expect(proofs.map((p) => [p.subject, p.result])).toEqual([['GVL_Cell.run in Plc', 'refuted']]);
    expect(r.verdict).toBe('fail');
  });

  it('still proves a tightening of the drive in the same order', async () => {
    const r = await verifySafety({
      before: stProject(cell(['Drive', 'GuardStop'])),
      after: stProject(cell(['Drive', 'GuardStop'], 'GVL_Cell.req AND GVL_Cell.guard')),
      policy,
      migration: safetyRelated,
    });
    expect(r.proofs.filter((p) => p.kind === 'permissive').map((p) => p.result)).toEqual(['proven']);
  });

  it('reads the task files of one project as one configuration', async () => {
    const two = (first: string, second: string, drive?: string) => {
      const { 'Plc/PlcTask.TcTTO': _, ...rest } = cell([], drive);
      return {
        ...rest,
        'Plc/A.TcTTO': taskFile('TaskA', [first]),
        'Plc/B.TcTTO': taskFile('TaskB', [second]),
      };
    };
    const before = stProject(two('Drive', 'GuardStop'));
    const configs = before.units.flatMap((u) => u.declarations).filter((d) => d.kind === 'Configuration');
    expect(configs.map((c) => c.kind === 'Configuration' && c.tasks.map((t) => t.name))).toEqual([
      ['TaskA', 'TaskB'],
    ]);
    const r = await verifySafety({
      before,
      after: stProject(two('Drive', 'GuardStop', 'GVL_Cell.req AND GVL_Cell.guard')),
      policy,
      migration: safetyRelated,
    });
    expect(r.proofs.filter((p) => p.kind === 'permissive').map((p) => p.result)).toEqual(['proven']);
  });
});

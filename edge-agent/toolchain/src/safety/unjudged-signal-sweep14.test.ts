/**
 * A safety signal that feeds no permissive is not judged by the permissive check (sweep 14,
 * the shape of a public OpenPLC conveyor: a run permissive and a diverter pulse that reads it).
 *
 * In a safety-related migration a change that lies in a permissive's slice was only a warning,
 * "the permissive check decides". The check decides for the permissive; a safety signal beside
 * it (the flap below reads `Run` in the middle of the scan) was never proved. Splitting the run
 * condition — the guard ANDed in after the flap's timer has read `Run` — left `Run` the same at
 * the end of every scan and fired the flap with the guard open, and the verdict passed.
 */
import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const cell = (body: string) => `PROGRAM Feeder
VAR_INPUT
  Start : BOOL;
  GuardClosed : BOOL;
  BigPart : BOOL;
END_VAR
VAR_OUTPUT
  Run : BOOL;
  Flap : BOOL;
END_VAR
VAR
  FlapPulse : TP;
END_VAR
${body}
END_PROGRAM
`;

const BEFORE = `Run := Start AND GuardClosed;
FlapPulse(IN := BigPart AND Run, PT := T#200ms);
Flap := FlapPulse.Q;`;

const safetyRelated = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'feeder-rework',
  title: 'Feeder rework',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'Rework the feeder',
  recipe: { rules: [{ name: 'same', match: '$x := $y;', replace: '$x := $y;' }] },
  scope: { maxChangedLines: 20 },
});

const policy = testPolicy({ safetySignals: ['Run', 'Flap'], permissives: ['Run'] });

async function verify(after: string, mode: 'quick' | 'full' = 'full') {
  return verifySafety({
    before: stProject({ 'feeder.st': cell(BEFORE) }),
    after: stProject({ 'feeder.st': cell(after) }),
    policy,
    migration: safetyRelated,
    seed: 7,
    mode,
  });
}

describe('a safety signal no permissive check judges', () => {
  it('fails when the guard is ANDed in after the flap has read the run condition', async () => {
    const r = await verify(`Run := Start;
FlapPulse(IN := BigPart AND Run, PT := T#200ms);
Run := Run AND GuardClosed;
Flap := FlapPulse.Q;`);
    expect(r.verdict).toBe('fail');
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.rule)).toContain('safety-logic/slice-changed');
    expect(errors.some((f) => f.message.includes('Flap'))).toBe(true);
    // The run permissive itself is unchanged at the end of every scan.
    expect(r.proofs.find((p) => p.kind === 'permissive')?.result).toBe('proven');
    expect(r.proofs.find((p) => p.kind === 'equivalence' && p.subject === 'Flap')?.result).toBe('refuted');
  });

  it('fails when the flap reads the run condition of the scan before', async () => {
    const r = await verify(`FlapPulse(IN := BigPart AND Run, PT := T#200ms);
Run := Start AND GuardClosed;
Flap := FlapPulse.Q;`);
    expect(r.verdict).toBe('fail');
  });

  it('passes a refactor that leaves the flap as it was', async () => {
    const r = await verify(`Run := GuardClosed AND Start;
FlapPulse(IN := BigPart AND Run, PT := T#200ms);
Flap := FlapPulse.Q;`);
    expect(r.verdict).toBe('pass');
    expect(r.proofs.find((p) => p.subject === 'Flap')?.result).toBe('proven');
  });

  it('asks for the proof in quick mode, as a permissive does', async () => {
    const r = await verify(
      `Run := Start;
FlapPulse(IN := BigPart AND Run, PT := T#200ms);
Run := Run AND GuardClosed;
Flap := FlapPulse.Q;`,
      'quick',
    );
    expect(r.verdict).toBe('pass');
    expect(
      r.findings.some((f) => f.severity === 'warning' && f.message.includes('Flap feeds no permissive')),
    ).toBe(true);
  });

  it('leaves a safety signal that feeds the permissive to the permissive check', async () => {
    const feeds = testPolicy({ safetySignals: ['GuardOk', 'Run'], permissives: ['Run'] });
    const prog = (guard: string) => `PROGRAM Gate
VAR_INPUT
  Start : BOOL;
  DoorA : BOOL;
  DoorB : BOOL;
END_VAR
VAR_OUTPUT
  Run : BOOL;
END_VAR
VAR
  GuardOk : BOOL;
END_VAR
GuardOk := ${guard};
Run := Start AND GuardOk;
END_PROGRAM
`;
    const r = await verifySafety({
      before: stProject({ 'gate.st': prog('DoorA') }),
      after: stProject({ 'gate.st': prog('DoorA AND DoorB') }),
      policy: feeds,
      migration: safetyRelated,
      seed: 7,
    });
    expect(r.verdict).toBe('pass');
    expect(r.proofs.map((p) => p.kind)).toEqual(['permissive']);
  });
});

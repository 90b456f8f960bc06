/**
 * A program input nothing drives keeps its initial value (sweep 14, found on a public OpenPLC
 * conveyor whose pulse time is a PROGRAM VAR_INPUT the CONFIGURATION leaves unbound).
 *
 * The proofs drove every PROGRAM VAR_INPUT freely, with the same value in both versions. For an
 * input no configuration binds, no address reads and no tag map names, the PLC runs each
 * version with its own initial value for ever: raising a fill limit from 100 to 1000 there is a
 * loosened permissive, and the proof — feeding both versions the same random limit — "proved"
 * it, so a safety-related migration passed an overfill.
 */
import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const filler = (limit: number, binding = '') => `PROGRAM Filler
VAR_INPUT
  Start : BOOL;
  Level : INT;
  HighLimit : INT := ${limit};
END_VAR
VAR_OUTPUT
  Valve : BOOL;
END_VAR
Valve := Start AND Level < HighLimit;
END_PROGRAM

CONFIGURATION Cell
  RESOURCE Cpu ON PLC
    TASK Cyclic (INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM Filling WITH Cyclic : Filler${binding};
  END_RESOURCE
END_CONFIGURATION
`;

const safetyRelated = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'filler-limit',
  title: 'Filler limit',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'Retune the filler',
  recipe: { rules: [{ name: 'same', match: '$x := $y;', replace: '$x := $y;' }] },
  scope: { maxChangedLines: 20 },
});

const policy = testPolicy({ safetySignals: ['Valve'], permissives: ['Valve'] });

async function verify(before: string, after: string, ioBindings?: string[]) {
  return verifySafety({
    before: stProject({ 'filler.st': before }),
    after: stProject({ 'filler.st': after }),
    policy,
    migration: safetyRelated,
    seed: 7,
    ...(ioBindings ? { ioBindings } : {}),
  });
}

describe('a program input nothing drives whose initial value the change alters', () => {
  it('is held at each version’s own value: a raised limit loosens the permissive', async () => {
    const r = await verify(filler(100), filler(1000));
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('permissive/loosened');
    expect(r.proofs[0]?.result).toBe('refuted');
  });

  it('passes a lowered limit (the permissive only tightens)', async () => {
    const r = await verify(filler(100), filler(50));
    expect(r.verdict).toBe('pass');
    expect(r.proofs[0]?.result).toBe('proven');
  });

  it('stays free when the configuration binds it or the tag map drives it', async () => {
    const bound = ' (HighLimit := 100)';
    const r1 = await verify(filler(100, bound), filler(1000, bound));
    expect(r1.findings.map((f) => f.rule)).not.toContain('permissive/loosened');
    const r2 = await verify(filler(100), filler(1000), ['Filler.HighLimit']);
    expect(r2.findings.map((f) => f.rule)).not.toContain('permissive/loosened');
  });
});

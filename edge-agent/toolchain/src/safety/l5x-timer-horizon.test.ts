/**
 * The proofs on an L5X program run long enough for its timers (sweep 14, a public Studio 5000
 * conveyor: a 3 s start delay, then the E-stop and the door in the run rung). A Logix timer's
 * preset is a DINT in the tag (`T.PRE := 3000`), not a TIME literal, so the proofs' horizon
 * stayed at 200 scans (2 s): the run rung was never reached, and taking the E-stop out of it —
 * with an earlier, overwritten rung still reading the E-stop, so no static rule fired — passed
 * a safety-related migration as "not refuted".
 */
import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { testL5x } from '../testing/test-l5x';
import { projectFromSources } from './safety-project';
import { testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const tags: Parameters<typeof testL5x>[0] = [
  ['Start', 'BOOL'],
  ['EStop', 'BOOL'],
  ['Door', 'BOOL'],
  ['Run', 'BOOL'],
  ['Delay', 'TIMER', { PRE: 3000 }],
];
const line = (runRung: string) =>
  testL5x(tags, {
    Main: ['XIC(Start)XIO(EStop)OTE(Run);', 'XIC(Start)TON(Delay,?,?);', runRung],
  });

const safetyRelated = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'run-rung',
  title: 'Run rung',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'Rework the run rung',
  recipe: { rules: [{ name: 'same', match: '$x := $y;', replace: '$x := $y;' }] },
  scope: { files: ['**/*.L5X'], maxChangedLines: 20 },
});

describe('proofs on an L5X program with a long timer', () => {
  it('reach the rung behind the timer: the E-stop taken out of it is refuted', async () => {
    const r = await verifySafety({
      before: projectFromSources({ 'line.L5X': line('XIC(Delay.DN)XIO(EStop)XIC(Door)OTE(Run);') }),
      after: projectFromSources({ 'line.L5X': line('XIC(Delay.DN)XIC(Door)OTE(Run);') }),
      policy: testPolicy({ emergencyStops: ['EStop'], safetySignals: ['Run'], permissives: ['Run'] }),
      migration: safetyRelated,
      seed: 7,
    });
    expect(r.verdict).toBe('fail');
    expect(r.proofs.find((p) => p.kind === 'permissive')?.result).toBe('refuted');
  });

  it('run each random run past the preset when nothing is found', async () => {
    const r = await verifySafety({
      before: projectFromSources({ 'line.L5X': line('XIC(Delay.DN)XIO(EStop)XIC(Door)OTE(Run);') }),
      after: projectFromSources({ 'line.L5X': line('XIC(Door)XIC(Delay.DN)XIO(EStop)OTE(Run);') }),
      policy: testPolicy({ emergencyStops: ['EStop'], safetySignals: ['Run'], permissives: ['Run'] }),
      migration: safetyRelated,
      seed: 7,
      runs: 4,
    });
    const p = r.proofs.find((x) => x.kind === 'permissive');
    expect(p?.result).toBe('proven');
    // 3 x the 3 s preset at 10 ms a scan, as for a TIME preset
    expect((p?.scans ?? 0) / (p?.runs ?? 1)).toBeGreaterThanOrEqual(900);
  });
});

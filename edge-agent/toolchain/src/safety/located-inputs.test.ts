/**
 * A program variable at an address that the program reads and never writes (an OpenPLC Modbus
 * coil `AT %QX100.0` an HMI sets, an input `AT %IX0.0`) is written from outside: the proofs
 * drive it. Held at its initial value, the tester's loosened pump permissive (public
 * extralsc/openPLC_watertank shape) was "proved" with "no free input".
 */
import { describe, expect, it } from 'vitest';
import { projectFromSources } from './safety-project';
import { testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const program = (full: string) => `PROGRAM LatchLogic
VAR
  PB1 AT %QX100.0 : BOOL;
  PB2 AT %QX100.1 : BOOL;
  PUMP AT %QX0.0 : BOOL;
  TANK_FULL AT %QX100.2 : BOOL;
END_VAR
IF NOT TANK_FULL THEN
  IF PB1 THEN
    PUMP := TRUE;
  END_IF;
  IF PB2 THEN
    PUMP := FALSE;
  END_IF;
ELSE
  ${full}
END_IF;
END_PROGRAM
`;

describe('located variables the program only reads', () => {
  it('are free inputs of a proof: a pump kept on with the tank full is refuted', async () => {
    const before = projectFromSources({ 'p.st': program('PUMP := FALSE;') });
    const after = projectFromSources({ 'p.st': program('PUMP := PUMP;') });
    const r = await verifySafety({
      before,
      after,
      policy: testPolicy({ permissives: ['PUMP'] }),
      mode: 'full',
      runs: 8,
    });
    expect(r.proofs).toMatchObject([
      { kind: 'permissive', subject: 'PUMP', result: 'refuted', claim: 'refuted' },
    ]);
    expect(r.proofs[0]?.basis).not.toContain('no free input');
  });

  it('are not driven when the program writes them (an output it computes)', async () => {
    const before = projectFromSources({ 'p.st': program('PUMP := FALSE;') });
    const after = projectFromSources({
      'p.st': program('PUMP := FALSE;').replace('IF PB1 THEN', 'IF PB1 AND NOT PB2 THEN'),
    });
    const r = await verifySafety({
      before,
      after,
      policy: testPolicy({ permissives: ['PUMP'] }),
      mode: 'full',
      runs: 2,
    });
    expect(r.proofs).toMatchObject([{ subject: 'PUMP', result: 'proven', claim: 'proved' }]);
    expect(r.proofs[0]?.basis).toContain('the boolean inputs pb1, pb2, tank_full from');
  });
});

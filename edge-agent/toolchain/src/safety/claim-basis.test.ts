/**
 * What a not-refuted proof says it rests on (sweep 14): a proof with no free input replays the
 * same scans in every run, so it claims one run, not "32 random runs" it never varied.
 */
import { describe, expect, it } from 'vitest';
import type { DifferentialResult, DriveInput } from './differential-sim';
import { claimOf } from './simulation-proofs';

const searched: DifferentialResult = {
  result: 'proven',
  method: 'random',
  runs: 32,
  scans: 6400,
  counterexample: null,
};

describe('the basis of a not-refuted proof', () => {
  it('counts the random runs when it drove inputs', () => {
    const inputs: DriveInput[] = [{ path: 'Level', type: 'int', side: 'both' }];
    expect(claimOf(searched, inputs, 200, 7)).toEqual({
      claim: 'not-refuted',
      seed: 7,
      basis: 'in 32 random runs × 200 scans (seed 7)',
    });
  });

  it('says one run when there was nothing to drive', () => {
    expect(claimOf(searched, [], 200, 7, 1)).toEqual({
      claim: 'not-refuted',
      seed: 7,
      basis: 'in one run of 200 scans, the same in every run: no free input to drive, after 1 scenario',
    });
  });
});

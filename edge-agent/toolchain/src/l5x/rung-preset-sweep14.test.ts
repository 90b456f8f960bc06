/**
 * The preset a rung spells against the tag's stored `.PRE` (sweep 14, public Studio 5000
 * lessons whose TIMER and COUNTER tags carry no data). The model runs the tag's `.PRE`; the
 * rung's operand was never read, so `TON(T,3000,?)` edited to `TON(T,300,?)` changed nothing
 * the converter or the safety verifier saw, and a tag without data ran as a 0 ms timer while the
 * rung said 3 s. Where the two disagree the routine is now refused by name.
 */
import { describe, expect, it } from 'vitest';
import { type TestTag, testL5x } from '../testing/test-l5x';
import { readL5x } from './l5x-reader';
import { ladderToSt } from './ladder-to-st';

const bits: TestTag[] = [
  ['Go', 'BOOL'],
  ['Run', 'BOOL'],
];

function convert(tags: TestTag[], rung: string) {
  const r = ladderToSt(readL5x(testL5x([...bits, ...tags], { Main: [rung, 'XIC(T.DN)OTE(Run);'] })), {
    runs: 5,
  });
  return r.routines.find((x) => x.name === 'P/Main')!;
}

describe('a preset spelled in the rung', () => {
  it('converts when it is the tag’s .PRE, or when the rung leaves it to the tag (?)', () => {
    expect(convert([['T', 'TIMER', { PRE: 3000 }]], 'XIC(Go)TON(T,3000,0);')).toMatchObject({
      equivalent: true,
    });
    expect(convert([['T', 'TIMER', { PRE: 3000 }]], 'XIC(Go)TON(T,?,?);')).toMatchObject({
      equivalent: true,
    });
  });

  it('is refused by name when it differs from the tag’s .PRE', () => {
    const r = convert([['T', 'TIMER', { PRE: 3000 }]], 'XIC(Go)TON(T,300,0);');
    expect(r.converted).toBe(false);
    expect(r.reason).toContain("the rung's preset 300 is not T.PRE of the tag's data (3000)");
  });

  it('is refused by name when the tag carries no data', () => {
    const r = convert([['T', 'TIMER']], 'XIC(Go)TON(T,3000,0);');
    expect(r.converted).toBe(false);
    expect(r.reason).toContain('(no data)');
  });

  it('holds for counters too', () => {
    const r = ladderToSt(
      readL5x(
        testL5x([...bits, ['K', 'COUNTER', { PRE: 5 }]], {
          Main: ['XIC(Go)CTU(K,50,0);', 'XIC(K.DN)OTE(Run);'],
        }),
      ),
      { runs: 5 },
    );
    expect(r.routines[0]?.reason).toContain("the rung's preset 50 is not K.PRE");
  });
});

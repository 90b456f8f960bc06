/**
 * `sameJson` decides exactly as the equivalence checker's two serialisations did (h3-1): the same
 * answer as `JSON.stringify(jsonValue(a)) === JSON.stringify(jsonValue(b))` on random values of
 * the shapes the simulator's outputs take, and on the edges JSON prints alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonValue, sameJson } from './input-timeline';
import type { SimValue } from './virtual-plc';

const byJson = (a: unknown, b: unknown) =>
  JSON.stringify(jsonValue(a as SimValue)) === JSON.stringify(jsonValue(b as SimValue));

const leaf = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(0n, 1n, 2n ** 60n),
  fc.boolean(),
  fc.constantFrom('', 'a', 'NaN', 'Infinity', '1'),
  fc.constant(undefined),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('v'), { maxLength: 4 }),
  obj: fc.dictionary(fc.constantFrom('LEN', 'DATA', 'a', 'b'), tie('v'), { maxKeys: 3 }),
})).v;

describe('sameJson', () => {
  it('agrees with comparing the two JSON texts, on random pairs and on a value against itself', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(byJson(a, b));
        expect(sameJson(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is as strict on a Logix STRING: one DATA byte past LEN differs, -0 and NaN do not', () => {
    const s = () => ({ LEN: 2, DATA: Array.from({ length: 82 }, (_, i) => i % 7) });
    const t = s();
    t.DATA[81] = 99;
    expect(sameJson(s(), t)).toBe(false);
    expect(sameJson({ x: [0, Number.NaN] }, { x: [-0, Number.NaN] })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(byJson({ a: 1, b: 2 }, { b: 2, a: 1 }));
    expect(sameJson([1n], [1])).toBe(true);
    expect(sameJson({ a: undefined, b: 1 }, { b: 1 })).toBe(true);
    expect(sameJson(new Int8Array([1, 2]), new Int8Array([1, 3]))).toBe(false);
  });
});

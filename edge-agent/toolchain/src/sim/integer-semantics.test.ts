import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { INTEGER_TYPES, type IntegerTypeName, integerRange } from './sim-types';
import { compileProgram } from './virtual-plc';

/**
 * Integer arithmetic checked against a BigInt reference model of IEC 61131-3
 * two's complement wrap-around: for every integer type, random operands (with the
 * type limits over-represented) give the same result as the model.
 */
const TYPES: IntegerTypeName[] = ['SINT', 'INT', 'DINT', 'LINT', 'USINT', 'UINT', 'UDINT', 'ULINT'];

function wrap(t: IntegerTypeName, x: bigint): bigint {
  const { bits, signed } = INTEGER_TYPES[t];
  return signed ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
}

describe.each(TYPES)('%s arithmetic matches the wrap-around model', (t) => {
  const plc = compileProgram([
    parseSource(
      `PROGRAM P
VAR_INPUT a : ${t}; b : ${t}; END_VAR
VAR_OUTPUT s : ${t}; d : ${t}; m : ${t}; q : ${t}; r : ${t}; n : ${t}; END_VAR
s := a + b; d := a - b; m := a * b; n := -a;
IF b <> 0 THEN q := a / b; r := a MOD b; END_IF
END_PROGRAM`,
      'p.st',
    ).unit,
  ]);
  const { min, max } = integerRange(t);
  const big = INTEGER_TYPES[t].bits === 64;
  const arb = fc
    .oneof(fc.constantFrom(min, max, 0n, 1n, -1n), fc.bigInt({ min, max }))
    .map((x) => wrap(t, x));
  const val = (v: unknown) => (typeof v === 'bigint' ? v : BigInt(v as number));

  it('for random operands', () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        plc.set('a', big ? a : Number(a));
        plc.set('b', big ? b : Number(b));
        expect(plc.scan()).toBeNull();
        expect(val(plc.get('s'))).toBe(wrap(t, a + b));
        expect(val(plc.get('d'))).toBe(wrap(t, a - b));
        expect(val(plc.get('m'))).toBe(wrap(t, a * b));
        expect(val(plc.get('n'))).toBe(wrap(t, -a));
        if (b !== 0n) {
          expect(val(plc.get('q'))).toBe(wrap(t, a / b));
          expect(val(plc.get('r'))).toBe(wrap(t, a % b));
        }
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { elementCount, flatOffset, strides, subscriptsAt } from './array-layout';
import { SIM_ERROR_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

describe('array layout (one element count and offset walk for all of sim/)', () => {
  const dims = [
    { lo: -1, hi: 1 },
    { lo: 2, hi: 5 },
  ];
  it('counts elements, and subscripts ↔ flat offset are inverse, the last subscript fastest', () => {
    expect(elementCount(dims)).toBe(12);
    expect(elementCount([{ lo: 1, hi: 0 }])).toBe(0);
    for (let off = 0; off < 12; off++) expect(flatOffset(dims, subscriptsAt(dims, off))).toBe(off);
    expect(subscriptsAt(dims, 0)).toEqual([-1, 2]);
    expect(subscriptsAt(dims, 5)).toEqual([0, 3]);
    expect(subscriptsAt(dims, 11)).toEqual([1, 5]);
    expect(strides(dims)).toEqual([4, 1]);
    const three = [
      { lo: 0, hi: 1 },
      { lo: 1, hi: 3 },
      { lo: -2, hi: 2 },
    ];
    expect(strides(three)).toEqual([15, 5, 1]);
    for (let off = 0; off < elementCount(three); off++)
      expect(flatOffset(three, subscriptsAt(three, off))).toBe(off);
    expect(subscriptsAt(three, 29)).toEqual([1, 3, 2]);
  });

  it('the generated code, get/set paths and the flat value agree on the layout', () => {
    const { unit } = parseSource(
      `PROGRAM Main
VAR A : ARRAY[-1..1, 2..5] OF INT; i : INT; j : INT; END_VAR
FOR i := -1 TO 1 DO FOR j := 2 TO 5 DO A[i, j] := i * 10 + j; END_FOR; END_FOR;
A[1, 2] := 12; (* constant subscripts take the other branch of the generated code *)
END_PROGRAM`,
      'layout.st',
    );
    const plc = compileProgram([unit]);
    plc.scan();
    const flat = plc.get('A') as number[];
    for (let off = 0; off < 12; off++) {
      const [i, j] = subscriptsAt(dims, off) as [number, number];
      expect(flat[off]).toBe(i * 10 + j);
      expect(plc.get(`A[${i},${j}]`)).toBe(i * 10 + j);
    }
  });

  it('refuses a dimension whose upper bound is below its lower, also two of them', () => {
    // the checker lets ARRAY[3..1] through; the product of two such sizes was a positive count
    expect(elementCount([{ lo: 3, hi: 1 }])).toBe(-1);
    expect(
      elementCount([
        { lo: 3, hi: 1 },
        { lo: 5, hi: 2 },
      ]),
    ).toBe(-1);
    const { unit } = parseSource(
      'PROGRAM Main\nVAR B : ARRAY[3..1, 5..2] OF INT; END_VAR\nEND_PROGRAM',
      'bounds.st',
    );
    expect(() => compileProgram([unit])).toThrow(
      expect.objectContaining({
        code: SIM_ERROR_CODES.UNSUPPORTED,
        message: expect.stringMatching(/upper bound/),
      }),
    );
  });
});

import type { Tag, TagType } from '@plcfleet/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRegisters,
  decodeRegistersAt,
  decodeRegistersIn,
  encodeRegisters,
  fromEngineering,
  toEngineering,
  valuesAgree,
} from './register-codec';

describe('register codec', () => {
  it('lays out fixed byte patterns in both word orders', () => {
    expect(encodeRegisters('UDINT', 'big', 0x12345678)).toEqual([0x1234, 0x5678]);
    expect(encodeRegisters('UDINT', 'little', 0x12345678)).toEqual([0x5678, 0x1234]);
    expect(encodeRegisters('DINT', 'big', -2)).toEqual([0xffff, 0xfffe]);
    expect(encodeRegisters('REAL', 'big', 1.5)).toEqual([0x3fc0, 0x0000]);
    expect(encodeRegisters('REAL', 'little', 1.5)).toEqual([0x0000, 0x3fc0]);
    expect(encodeRegisters('LINT', 'big', 0x0102030405060708n)).toEqual([0x0102, 0x0304, 0x0506, 0x0708]);
    expect(encodeRegisters('LINT', 'little', 0x0102030405060708n)).toEqual([0x0708, 0x0506, 0x0304, 0x0102]);
    expect(encodeRegisters('LREAL', 'big', 1)).toEqual([0x3ff0, 0, 0, 0]);
    expect(encodeRegisters('INT', 'big', -1)).toEqual([0xffff]);
  });

  it('decodes what it encodes, for every type and word order', () => {
    const cases: [TagType, fc.Arbitrary<number | bigint>][] = [
      ['INT', fc.integer({ min: -32768, max: 32767 })],
      ['UINT', fc.integer({ min: 0, max: 65535 })],
      ['DINT', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
      ['UDINT', fc.integer({ min: 0, max: 2 ** 32 - 1 })],
      ['LINT', fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })],
      ['REAL', fc.float({ noNaN: true })],
      ['LREAL', fc.double({ noNaN: true })],
    ];
    for (const [type, arb] of cases)
      fc.assert(
        fc.property(arb, fc.constantFrom('big' as const, 'little' as const), (v, order) => {
          const back = decodeRegisters(type, order, encodeRegisters(type, order, v));
          expect(Object.is(back, v) || back === v).toBe(true);
        }),
      );
  });

  it('reading with the wrong word order gives a different value (what a mis-mapped tag looks like)', () => {
    expect(decodeRegisters('DINT', 'little', encodeRegisters('DINT', 'big', 70000))).not.toBe(70000);
  });

  it('scales to engineering units and back, refusing values that do not fit', () => {
    const tag = {
      name: 'P',
      modbus: { table: 'holding', address: 0, type: 'INT', wordOrder: 'big' },
      opcua: { nodeId: 'ns=1;s=P', browseName: 'P' },
      scale: { factor: 0.1, offset: 5 },
      access: 'readwrite',
    } satisfies Tag;
    expect(toEngineering(tag, 100)).toBeCloseTo(15);
    expect(fromEngineering(tag, 15)).toEqual({ ok: true, value: 100 });
    expect(fromEngineering(tag, 1e9).ok).toBe(false);
    expect(fromEngineering(tag, 'x').ok).toBe(false);
  });

  it('compares with a deadband', () => {
    expect(valuesAgree(1.0, 1.05, 0.1)).toBe(true);
    expect(valuesAgree(1.0, 1.2, 0.1)).toBe(false);
    expect(valuesAgree(true, false)).toBe(false);
    expect(valuesAgree(5n, 5n)).toBe(true);
  });

  it('decodes a value in place, at any offset of a poll response', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.constantFrom('big' as const, 'little' as const),
        (pad, dint, lint, order) => {
          const regs = [
            ...pad,
            ...encodeRegisters('DINT', order, dint),
            ...encodeRegisters('LINT', order, lint),
            7,
          ];
          expect(decodeRegistersAt('DINT', order, regs, pad.length)).toBe(dint);
          expect(decodeRegistersAt('LINT', order, regs, pad.length + 2)).toBe(lint);
          expect(decodeRegistersAt('INT', order, regs, regs.length - 1)).toBe(7);
        },
      ),
    );
  });

  it('decodes every type in both word orders from the bytes of an answer, as from its registers', () => {
    const values: [TagType, fc.Arbitrary<number | bigint>][] = [
      ['INT', fc.integer({ min: -32768, max: 32767 })],
      ['UINT', fc.integer({ min: 0, max: 0xffff })],
      ['DINT', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
      ['UDINT', fc.integer({ min: 0, max: 2 ** 32 - 1 })],
      ['REAL', fc.float({ noNaN: true })],
      ['LREAL', fc.double({ noNaN: true })],
      ['LINT', fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })],
    ];
    for (const [type, arb] of values)
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 4 }),
          arb,
          fc.constantFrom('big' as const, 'little' as const),
          (pad, v, order) => {
            const regs = [...pad, ...encodeRegisters(type, order, v)];
            const bytes = Buffer.alloc(2 * regs.length);
            for (const [i, w] of regs.entries()) bytes.writeUInt16BE(w, 2 * i);
            const got = decodeRegistersIn(type, order, bytes, 2 * pad.length);
            expect(got).toBe(decodeRegistersAt(type, order, regs, pad.length));
            expect(got).toBe(type === 'REAL' ? Math.fround(Number(v)) : v);
          },
        ),
      );
  });
});

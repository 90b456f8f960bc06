/**
 * Tag values ↔ Modbus 16-bit registers, by tag type and word order, and the
 * engineering scaling of the OPC UA side.
 *
 * Bytes inside a register are always big-endian (Modbus Application Protocol
 * v1.1b3 §4.2); only the order of the registers of a 32/64-bit value varies
 * between devices: `big` puts the most significant register first (the
 * Modicon convention), `little` the least significant first.
 */
import type { Tag, TagType } from '@plcfleet/protocols';
import { REGISTER_COUNT } from '@plcfleet/protocols';
import { PlantIoError } from '../edge-agent-error';

/** A raw tag value as the PLC holds it: BOOL → boolean, LINT → bigint, others → number. */
export type RawValue = boolean | number | bigint;

/** Word order of multi-register values. */
export type WordOrder = 'big' | 'little';

const LIMITS: Partial<Record<TagType, { min: number; max: number }>> = {
  INT: { min: -32768, max: 32767 },
  UINT: { min: 0, max: 65535 },
  DINT: { min: -2147483648, max: 2147483647 },
  UDINT: { min: 0, max: 4294967295 },
};
const LINT_MIN = -(1n << 63n);
const LINT_MAX = (1n << 63n) - 1n;

/**
 * Brings a value into the tag's raw type, or returns an error message when it cannot be
 * represented (wrong kind, out of range, not an integer).
 */
export function coerceRaw(
  type: TagType,
  value: unknown,
): { ok: true; value: RawValue } | { ok: false; reason: string } {
  switch (type) {
    case 'BOOL':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 0 || value === 1) return { ok: true, value: value === 1 };
      return { ok: false, reason: `BOOL expects true/false, got ${String(value)}` };
    case 'LINT': {
      let b: bigint;
      if (typeof value === 'bigint') b = value;
      else if (typeof value === 'number' && Number.isInteger(value)) b = BigInt(value);
      else return { ok: false, reason: `LINT expects an integer, got ${String(value)}` };
      if (b < LINT_MIN || b > LINT_MAX) return { ok: false, reason: `${b} out of LINT range` };
      return { ok: true, value: b };
    }
    case 'REAL':
    case 'LREAL': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n)) return { ok: false, reason: `${type} expects a number` };
      return { ok: true, value: type === 'REAL' ? Math.fround(n) : n };
    }
    default: {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n))
        return { ok: false, reason: `${type} expects an integer` };
      const lim = LIMITS[type]!;
      if (n < lim.min || n > lim.max)
        return { ok: false, reason: `${n} out of ${type} range ${lim.min}..${lim.max}` };
      return { ok: true, value: n };
    }
  }
}

/** Encodes a raw register value (not BOOL) into its registers, in the tag's word order. */
export function encodeRegisters(type: TagType, wordOrder: WordOrder, value: RawValue): number[] {
  const count = REGISTER_COUNT[type];
  const buf = Buffer.alloc(count * 2);
  switch (type) {
    case 'INT':
      buf.writeInt16BE(Number(value));
      break;
    case 'UINT':
      buf.writeUInt16BE(Number(value));
      break;
    case 'DINT':
      buf.writeInt32BE(Number(value));
      break;
    case 'UDINT':
      buf.writeUInt32BE(Number(value));
      break;
    case 'REAL':
      buf.writeFloatBE(Number(value));
      break;
    case 'LREAL':
      buf.writeDoubleBE(Number(value));
      break;
    case 'LINT':
      buf.writeBigInt64BE(typeof value === 'bigint' ? value : BigInt(Number(value)));
      break;
    case 'BOOL':
      throw new PlantIoError('BAD_CONFIG', 'BOOL lives in a bit table, not in registers');
  }
  const words: number[] = [];
  for (let i = 0; i < count; i++) words.push(buf.readUInt16BE(i * 2));
  return wordOrder === 'little' ? words.reverse() : words;
}

/** Decodes a tag's registers (as read, in the tag's word order) into its raw value. */
export function decodeRegisters(type: TagType, wordOrder: WordOrder, registers: readonly number[]): RawValue {
  const count = REGISTER_COUNT[type];
  if (registers.length !== count)
    throw new PlantIoError('BAD_VALUE', `${type} needs ${count} registers, got ${registers.length}`);
  return decodeRegistersAt(type, wordOrder, registers, 0);
}

/** One scratch word buffer: decoding allocates nothing (a poll decodes ~100,000 values a second). */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Decodes the value at `registers[offset…]` (as many registers as `type` takes, which the
 * caller has checked are there) without copying them out.
 */
export function decodeRegistersAt(
  type: TagType,
  wordOrder: WordOrder,
  registers: readonly number[],
  offset: number,
): RawValue {
  const count = REGISTER_COUNT[type];
  for (let i = 0; i < count; i++) {
    const w = registers[offset + (wordOrder === 'little' ? count - 1 - i : i)]!;
    scratch.setUint16(i * 2, w & 0xffff);
  }
  return readScratch(type);
}

/** The value of `type` in the scratch buffer's first bytes. */
function readScratch(type: TagType): RawValue {
  switch (type) {
    case 'INT':
      return scratch.getInt16(0);
    case 'UINT':
      return scratch.getUint16(0);
    case 'DINT':
      return scratch.getInt32(0);
    case 'UDINT':
      return scratch.getUint32(0);
    case 'REAL':
      return scratch.getFloat32(0);
    case 'LREAL':
      return scratch.getFloat64(0);
    case 'LINT':
      return scratch.getBigInt64(0);
    case 'BOOL':
      throw new PlantIoError('BAD_CONFIG', 'BOOL lives in a bit table, not in registers');
  }
}

/**
 * Decodes the value whose registers start at byte `at` of `bytes` (registers as a Modbus answer
 * carries them: big-endian 16-bit words, in the tag's word order), as many as `type` takes, which
 * the caller has checked are there. For the poll path: no array of registers in between.
 */
export function decodeRegistersIn(type: TagType, wordOrder: WordOrder, bytes: Buffer, at: number): RawValue {
  if (wordOrder === 'big' || REGISTER_COUNT[type] === 1)
    switch (type) {
      case 'INT':
        return bytes.readInt16BE(at);
      case 'UINT':
        return bytes.readUInt16BE(at);
      case 'DINT':
        return bytes.readInt32BE(at);
      case 'UDINT':
        return bytes.readUInt32BE(at);
      case 'REAL':
        return bytes.readFloatBE(at);
      case 'LREAL':
        return bytes.readDoubleBE(at);
      case 'LINT':
        return bytes.readBigInt64BE(at);
      case 'BOOL':
        throw new PlantIoError('BAD_CONFIG', 'BOOL lives in a bit table, not in registers');
    }
  // little word order: the registers reversed, each still big-endian inside
  const count = REGISTER_COUNT[type];
  for (let i = 0; i < count; i++) scratch.setUint16(2 * i, bytes.readUInt16BE(at + 2 * (count - 1 - i)));
  return readScratch(type);
}

/** The engineering value of a raw value: `raw * factor + offset` when the tag is scaled. */
export function toEngineering(tag: Tag, raw: RawValue): RawValue {
  if (!tag.scale || typeof raw === 'boolean') return raw;
  return Number(raw) * tag.scale.factor + tag.scale.offset;
}

/**
 * The raw value of an engineering value (inverse scaling, rounded to the nearest
 * integer for integer types), or a reason why it does not fit.
 */
export function fromEngineering(
  tag: Tag,
  eng: unknown,
): { ok: true; value: RawValue } | { ok: false; reason: string } {
  if (!tag.scale || tag.modbus.type === 'BOOL') return coerceRaw(tag.modbus.type, eng);
  const n = typeof eng === 'bigint' ? Number(eng) : eng;
  if (typeof n !== 'number' || !Number.isFinite(n)) return { ok: false, reason: 'expects a finite number' };
  let raw = (n - tag.scale.offset) / tag.scale.factor;
  if (tag.modbus.type !== 'REAL' && tag.modbus.type !== 'LREAL') raw = Math.round(raw);
  return coerceRaw(tag.modbus.type, raw);
}

/** True when two values of a tag agree within `deadband` (exact when none). */
export function valuesAgree(a: RawValue, b: RawValue, deadband = 0): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (typeof a === 'bigint' && typeof b === 'bigint' && deadband === 0) return a === b;
  const na = Number(a);
  const nb = Number(b);
  if (Number.isNaN(na) && Number.isNaN(nb)) return true;
  return Math.abs(na - nb) <= deadband;
}

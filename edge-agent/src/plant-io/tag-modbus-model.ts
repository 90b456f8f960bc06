/**
 * The Modbus tables of a tag map: each tag occupies its address range in its
 * table; reading an unmapped address or writing a read-only tag answers
 * exception 02, a value that does not fit answers 03.
 */
import type { Tag, TagMap } from '@plcfleet/protocols';
import { REGISTER_COUNT } from '@plcfleet/protocols';
import type { ModbusDataModel } from './modbus-data-model';
import { MODBUS_EXCEPTION, ModbusException } from './modbus-exception';
import { coerceRaw, decodeRegisters, encodeRegisters, type RawValue } from './register-codec';

/** Where a {@link createTagModbusModel} reads and writes tag values (raw, as the PLC holds them). */
export interface TagValueStore {
  /** The tag's current raw value; undefined when it has none yet. */
  read(tag: Tag): RawValue | undefined;
  /** Takes a new raw value (applied by the PLC at its next scan). */
  write(tag: Tag, value: RawValue): void;
}

interface Slot {
  tag: Tag;
  /** Register (or bit) index inside the tag. */
  offset: number;
}

/** Builds the Modbus data model of a tag map over a value store. */
export function createTagModbusModel(map: TagMap, store: TagValueStore): ModbusDataModel {
  const tables = {
    coil: new Map<number, Slot>(),
    discrete: new Map(),
    input: new Map(),
    holding: new Map(),
  } as Record<Tag['modbus']['table'], Map<number, Slot>>;
  for (const tag of map.tags) {
    const n = REGISTER_COUNT[tag.modbus.type];
    for (let i = 0; i < n; i++) tables[tag.modbus.table].set(tag.modbus.address + i, { tag, offset: i });
  }

  const slotsOf = (table: Tag['modbus']['table'], address: number, count: number): Slot[] => {
    const slots: Slot[] = [];
    for (let a = address; a < address + count; a++) {
      const slot = tables[table].get(a);
      if (!slot)
        throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${table} ${a} is not mapped`);
      slots.push(slot);
    }
    return slots;
  };

  const wordsOf = (tag: Tag): number[] => {
    const v = store.read(tag);
    if (v === undefined) return new Array(REGISTER_COUNT[tag.modbus.type]).fill(0);
    return encodeRegisters(tag.modbus.type, tag.modbus.wordOrder, v);
  };

  return {
    readBits(table, address, count) {
      return slotsOf(table, address, count).map((s) => store.read(s.tag) === true);
    },
    readRegisters(table, address, count) {
      const cache = new Map<Tag, number[]>();
      return slotsOf(table, address, count).map((s) => {
        let words = cache.get(s.tag);
        if (!words) cache.set(s.tag, (words = wordsOf(s.tag)));
        return words[s.offset]!;
      });
    },
    writeCoils(address, values) {
      const slots = slotsOf('coil', address, values.length);
      for (const s of slots) if (s.tag.access !== 'readwrite') throw readOnly(s.tag);
      slots.forEach((s, i) => {
        store.write(s.tag, values[i]!);
      });
    },
    writeRegisters(address, values) {
      const slots = slotsOf('holding', address, values.length);
      // merge the written words into each touched tag's current image: a partial write
      // of a 32-bit value keeps the other word, as PLC memory would
      const images = new Map<Tag, number[]>();
      slots.forEach((s, i) => {
        if (s.tag.access !== 'readwrite') throw readOnly(s.tag);
        let words = images.get(s.tag);
        if (!words) images.set(s.tag, (words = wordsOf(s.tag)));
        words[s.offset] = values[i]!;
      });
      const decoded: [Tag, RawValue][] = [];
      for (const [tag, words] of images) {
        const raw = decodeRegisters(tag.modbus.type, tag.modbus.wordOrder, words);
        const ok = coerceRaw(tag.modbus.type, raw);
        if (!ok.ok || (typeof raw === 'number' && !Number.isFinite(raw)))
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `${tag.name}: value not allowed`);
        decoded.push([tag, raw]);
      }
      for (const [tag, raw] of decoded) store.write(tag, raw);
    },
  };
}

function readOnly(tag: Tag): ModbusException {
  return new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${tag.name} is read-only`);
}

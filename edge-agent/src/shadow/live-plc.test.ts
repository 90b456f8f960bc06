import { Tag, type TagMap } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModbusDataModel, type ModbusServer, startModbusServer } from '../plant-io';
import { ModbusLivePlc, SampleValues } from './live-plc';

/** Registers hold their address + 1000; a coil is on at an odd address. */
const model: ModbusDataModel = {
  readBits: (_t, address, count) => Array.from({ length: count }, (_, i) => (address + i) % 2 === 1),
  readRegisters: (_t, address, count) => Array.from({ length: count }, (_, i) => address + i + 1000),
  writeCoils: () => {},
  writeRegisters: () => {},
};

const tag = (name: string, table: string, address: number, type: string, wordOrder = 'big') =>
  Tag.parse({
    name,
    modbus: { table, address, type, wordOrder },
    opcua: { nodeId: `ns=1;s=${name}`, browseName: name },
  });

describe('ModbusLivePlc', () => {
  let server: ModbusServer;
  beforeAll(async () => {
    server = await startModbusServer({ model, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads every tag into one sample, outputs before inputs, and iterates it as a map', async () => {
    const tags = [
      tag('Run', 'coil', 3, 'BOOL'),
      tag('Stop', 'coil', 4, 'BOOL'),
      tag('Level', 'holding', 10, 'INT'),
      tag('Count', 'input', 20, 'UDINT'),
      tag('Swapped', 'input', 30, 'UDINT', 'little'),
    ];
    const map = { apiVersion: 'plcfleet/v1', kind: 'TagMap', tags, pollGroups: [] } as unknown as TagMap;
    const live = new ModbusLivePlc(map, tags, '127.0.0.1', server.port, 2000);
    try {
      live.readInputsLast(new Set([tags[0]!, tags[2]!]));
      const s = await live.read();
      if (!s.ok) throw new Error(s.error);
      expect(s.ordered).toBe(true);
      expect(s.values).toBeInstanceOf(SampleValues);
      expect(s.values.get(tags[0]!)).toBe(true);
      expect(s.values.get(tags[1]!)).toBe(false);
      expect(s.values.get(tags[2]!)).toBe(1010);
      expect(s.values.get(tags[3]!)).toBe(1020 * 0x10000 + 1021);
      expect(s.values.get(tags[4]!)).toBe(1031 * 0x10000 + 1030);
      expect(s.values.size).toBe(5);
      expect([...s.values.keys()].map((t) => t.name)).toEqual(['Run', 'Stop', 'Level', 'Count', 'Swapped']);
      expect(new Map(s.values).get(tags[2]!)).toBe(1010);
      // a tag the reader was not given is not in the sample
      expect(s.values.get(tag('Other', 'holding', 10, 'INT'))).toBeUndefined();
      expect(s.values.has(tags[4]!)).toBe(true);
    } finally {
      await live.close();
    }
  });
});

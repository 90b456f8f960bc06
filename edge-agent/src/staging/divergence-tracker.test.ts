import type { Tag } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { DivergenceTracker } from './divergence-tracker';

const tag = (deadband?: number): Tag => ({
  name: 'T',
  modbus: { table: 'holding', address: 0, type: 'DINT', wordOrder: 'big' },
  opcua: { nodeId: 'ns=1;s=T', browseName: 'T' },
  access: 'read',
  ...(deadband !== undefined ? { deadband } : {}),
});

describe('DivergenceTracker', () => {
  it('accepts a value inside the envelope of what OPC UA showed around the read, even when coalesced', () => {
    const t = tag();
    const d = new DivergenceTracker({ delayMs: 100, slackMs: 10 });
    d.opcuaValue(t, 10, 1000);
    d.opcuaValue(t, 14, 1040); // 11..13 coalesced away by the server
    d.modbusValue(t, 12, 1020, 1025);
    expect(d.evaluate(1200)).toEqual([]);
    expect(d.compared).toBe(1);
  });

  it('counts a value far outside (a wrong word order) and keeps it among the worst', () => {
    const t = tag();
    const d = new DivergenceTracker({ delayMs: 100, slackMs: 10 });
    d.opcuaValue(t, 12, 1000);
    d.modbusValue(t, 12 * 65536, 1020, 1025);
    d.modbusValue(t, 12, 1030, 1035);
    const found = d.evaluate(1200);
    expect(found).toHaveLength(1);
    expect(d.divergences).toBe(1);
    expect(d.worst()[0]).toMatchObject({ tag: 'T', modbus: 12 * 65536, opcua: 12 });
  });

  it('waits for the delay, honours the deadband, and does not judge while OPC UA is Bad', () => {
    const t = tag(0.5);
    const d = new DivergenceTracker({ delayMs: 100, slackMs: 10 });
    d.opcuaValue(t, 1, 1000);
    d.modbusValue(t, 1.4, 1020, 1025);
    expect(d.evaluate(1050)).toEqual([]);
    expect(d.compared).toBe(0);
    d.evaluate(1200);
    expect(d.compared).toBe(1);
    expect(d.divergences).toBe(0);
    // a sample from before the first notification cannot be judged
    d.modbusValue(t, 50, 900, 905);
    d.opcuaValue(t, undefined, 1300);
    d.modbusValue(t, 99, 1310, 1320);
    d.evaluate(1500);
    expect(d.unjudged).toBe(2);
    expect(d.divergences).toBe(0);
  });
});

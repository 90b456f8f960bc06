import { TagMap } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { planPolls } from './poll-plan';

const tag = (name: string, table: string, address: number, type: string, pollGroup?: string) => ({
  name,
  modbus: { table, address, type },
  opcua: { nodeId: `ns=1;s=${name}`, browseName: name },
  ...(pollGroup ? { pollGroup } : {}),
});

describe('planPolls', () => {
  it('merges contiguous tags within 125 registers and 2000 bits, per poll group', () => {
    const tags = [];
    // 100 REALs back to back: 200 registers → two reads (124 + 76: a REAL is never split)
    for (let i = 0; i < 100; i++) tags.push(tag(`R${i}`, 'holding', i * 2, 'REAL'));
    for (let i = 0; i < 2500; i++) tags.push(tag(`C${i}`, 'coil', i, 'BOOL'));
    tags.push(tag('Gap', 'holding', 1000, 'INT'));
    tags.push(tag('Fast', 'input', 0, 'DINT', 'fast'));
    const map = TagMap.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'TagMap',
      pollGroups: [{ name: 'fast', interval: '20ms' }],
      tags,
    });
    const plans = planPolls(map);
    const def = plans.find((p) => p.name === 'default')!;
    expect(def.intervalMs).toBe(100);
    const holding = def.blocks.filter((b) => b.table === 'holding');
    expect(holding.map((b) => [b.address, b.count])).toEqual([
      [0, 124],
      [124, 76],
      [1000, 1],
    ]);
    const coils = def.blocks.filter((b) => b.table === 'coil');
    expect(coils.map((b) => [b.address, b.count])).toEqual([
      [0, 2000],
      [2000, 500],
    ]);
    expect(plans.find((p) => p.name === 'fast')).toMatchObject({
      intervalMs: 20,
      blocks: [{ table: 'input', count: 2 }],
    });
    for (const b of def.blocks) expect(b.count).toBeLessThanOrEqual(b.table === 'coil' ? 2000 : 125);
  });
});

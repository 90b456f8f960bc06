/**
 * The runner's judgement, driven by a scripted live PLC (the LivePlc seam): which samples
 * it judges and which it leaves out. The sockets are shadow-commands.test.ts's.
 */
import type { Tag } from '@plcfleet/protocols';
import { TagMap } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import type { RawValue } from '../plant-io';
import { compileInstrumented } from './branch-coverage';
import type { LivePlc, LiveSample } from './live-plc';
import { bindTags } from './shadow-binding';
import { runShadow } from './shadow-runner';

const MAP = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    ['In', 'holding', 0, 'readwrite'],
    ['Out', 'input', 0, 'read'],
  ].map(([name, table, address, access]) => ({
    name,
    modbus: { table, address, type: 'INT' },
    opcua: { nodeId: `ns=1;s=Main.${name}`, browseName: name },
    access,
  })),
});

/** A PLC whose every read answers `In` 1 and `Out` 999 (the candidate computes 2), each read taking `readMs`. */
class Scripted implements LivePlc {
  readonly where = 'scripted';
  constructor(private readonly readMs: number) {}
  async read(): Promise<LiveSample> {
    const tReq = Date.now();
    const values = new Map<Tag, RawValue>([
      [MAP.tags[0]!, 1],
      [MAP.tags[1]!, 999],
    ]);
    return { ok: true, values, tReq, tResp: tReq + this.readMs, spreadMs: this.readMs };
  }
  async close(): Promise<void> {}
}

async function shadow(readMs: number) {
  const c = compileInstrumented([
    {
      name: 'p.st',
      text: 'PROGRAM Main\nVAR_INPUT In : INT; END_VAR\nVAR_OUTPUT Out : INT; END_VAR\nOut := In * 2;\nEND_PROGRAM\n',
    },
  ]);
  const b = bindTags(MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new Scripted(readMs),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 300,
  });
}

describe('runShadow', () => {
  it('judges every sample read within the window, and reports what differs', async () => {
    const r = await shadow(2);
    expect(r.latencyMs).toBe(20);
    expect(r.compared).toBeGreaterThan(5);
    expect(r.divergences.map((d) => [d.tag, d.live, d.shadow])).toEqual([['Out', 999, 2]]);
  });

  it('does not judge a sample read over longer than the window (its inputs and outputs are too far apart)', async () => {
    const r = await shadow(25);
    expect(r.samples).toBeGreaterThan(5);
    expect(r.compared).toBe(0);
    expect(r.divergences).toEqual([]);
  });
});

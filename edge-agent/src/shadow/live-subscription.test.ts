/**
 * Shadow by OPC UA subscription (ADR 0100) against a served virtual PLC on a real socket,
 * for what the comm-loss and command tests do not cover: a PLC whose values never change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlcServer, VirtualPlcRuntime } from '../plant-io';
import { compileInstrumented } from './branch-coverage';
import { LEVEL_PROGRAM, LEVEL_TAGS } from './fixtures/level-alarm';
import { OpcuaLiveFeed } from './live-subscription';
import { bindTags } from './shadow-binding';
import { runShadow } from './shadow-runner';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('shadow by OPC UA subscription', () => {
  it('compares every cycle when nothing changes: keep-alives say the held values are current (F3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadow-sub-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const plc = await startPlcServer({
      runtime: new VirtualPlcRuntime([{ name: 'main.st', text: LEVEL_PROGRAM }]),
      tags: LEVEL_TAGS,
      modbus: false,
      opcua: { dataDir: join(dir, 'plc'), port: 0, security: 'none', allowAnonymous: true },
    });
    cleanups.push(() => plc.close());
    plc.loop.write('Level', 700); // held from here on: inputs and outputs never change again
    await new Promise((r) => setTimeout(r, 1000)); // the values are older than the run
    const c = compileInstrumented([{ name: 'main.st', text: LEVEL_PROGRAM }], { cycleMs: 10 });
    const b = bindTags(LEVEL_TAGS, c.plc);
    const live = new OpcuaLiveFeed(
      plc.opcua!.endpointUrl,
      LEVEL_TAGS.tags,
      { security: 'none', dataDir: join(dir, 'client'), timeoutMs: 5000 },
      { publishingMs: 10 },
    );
    cleanups.push(() => live.close());
    const r = await runShadow({
      plc: c.plc,
      live,
      tags: b.tags,
      unbound: b.unbound,
      durationMs: 1500,
      cycleMs: 10,
      commLossMs: 5000,
    });
    expect(r.mode).toBe('subscription');
    expect(r.commLoss).toBeNull();
    expect(r.divergences).toEqual([]);
    // only keep-alives came (no change), and each said the held values were current
    expect(r.subscription!.messages).toBeGreaterThan(0);
    // the keep-alive count asked for (2), not node-opcua's client minimum (3)
    expect(r.subscription!.keepAliveMs).toBe(2 * r.subscription!.publishingMs);
    expect(r.compared).toBeGreaterThan(r.subscription!.messages);
    // a comparison at every candidate scan but those after the last message
    expect(r.compared).toBeGreaterThanOrEqual(r.scans - r.subscription!.keepAliveMs / 10 - 2);
  }, 60_000);
});

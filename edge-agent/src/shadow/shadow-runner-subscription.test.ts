/**
 * The runner by subscription, driven by a scripted feed (the LiveFeed seam) that reproduces what
 * a late PLC sends: scans stamped after a message that covered their time, bursts stamped once.
 * Real sockets: live-subscription.test.ts, shadow-commands.test.ts.
 */
import type { Tag } from '@plcfleet/protocols';
import { TagMap } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import type { RawValue } from '../plant-io';
import { compileInstrumented } from './branch-coverage';
import type { LiveFeed, LiveMessage, LiveOpened } from './live-subscription';
import { bindTags } from './shadow-binding';
import { runShadow } from './shadow-runner';

/** A per-scan counter (F1): a scan the candidate runs that the live PLC did not shows at once. */
const COUNTER = 'PROGRAM Main\nVAR_OUTPUT n : INT; END_VAR\nn := n + 1;\nEND_PROGRAM\n';
const MAP = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    {
      name: 'n',
      modbus: { table: 'input', address: 0, type: 'INT' },
      opcua: { nodeId: 'ns=1;s=Main.n', browseName: 'n' },
      access: 'read',
    },
  ],
});
const N: Tag = MAP.tags[0]!;

/** One scripted message: its publish time and the changes of `n`, PLC ms after the opening. */
interface Script {
  publish: number;
  changes: { n: number; at: number }[];
}

/** A feed that hands out its script at once (PLC time is the script's; this host's clock unused). */
class ScriptedFeed implements LiveFeed {
  readonly kind = 'subscription' as const;
  readonly where = 'scripted';
  private k = 0;
  private readonly t0 = Date.now();
  constructor(
    private readonly script: Script[],
    private readonly done: AbortController,
  ) {}
  async open(): Promise<{ ok: true } & LiveOpened> {
    const values = new Map<Tag, RawValue>([[N, 0]]);
    return {
      ok: true,
      publishingMs: 5,
      keepAliveMs: 10,
      values,
      at: this.t0,
      receivedAt: this.t0,
      setupMs: 5,
    };
  }
  async next(): Promise<LiveMessage | undefined> {
    const s = this.script[this.k++];
    if (!s) {
      this.done.abort();
      return undefined;
    }
    return {
      ok: true,
      publishTime: this.t0 + s.publish,
      receivedAt: this.t0 + s.publish + 1,
      changes: s.changes.map((c) => ({ tag: N, raw: c.n, at: this.t0 + c.at })),
      complete: true,
      overflow: false,
    };
  }
  async close(): Promise<void> {}
}

async function follow(script: Script[]) {
  const c = compileInstrumented([{ name: 'counter.st', text: COUNTER }], { cycleMs: 10 });
  const b = bindTags(MAP, c.plc);
  const done = new AbortController();
  return runShadow({
    plc: c.plc,
    live: new ScriptedFeed(script, done),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 60_000,
    cycleMs: 10,
    commLossMs: 60_000,
    signal: done.signal,
  });
}

describe('runShadow by subscription, a late live PLC (ADR 0147)', () => {
  it('takes back ticks of a keep-alive when a late PLC runs those scans in a burst stamped after it', async () => {
    // Scans 8 ms late; every fourth cycle the PLC stalls: a keep-alive covers 20 ms past its last
    // scan (the candidate ticks two cycles on held values), then the two scans come in one burst
    // stamped 5 ms after the keep-alive. ADR 0127 tried fewer ticks of the burst's own gap only (it
    // had none): the candidate went a scan ahead at each stall, beyond the window at the third.
    const script: Script[] = [];
    let n = 0;
    for (let t = 10; t <= 800; t += 40) {
      script.push({ publish: t + 9, changes: [{ n: ++n, at: t + 8 }] });
      script.push({ publish: t + 28, changes: [] });
      n += 2;
      script.push({ publish: t + 34, changes: [{ n, at: t + 33 }] });
      script.push({ publish: t + 39, changes: [{ n: ++n, at: t + 38 }] });
    }
    const r = await follow(script);
    expect(r.divergences, JSON.stringify(r.divergences)).toEqual([]);
    expect(r.compared).toBeGreaterThan(50);
  });

  it('still reports a live counter no count of scans explains', async () => {
    // from scan 20 on the live counter is 50 ahead: fewer, more or no ticks cannot make it agree
    const script: Script[] = [];
    for (let i = 1; i <= 40; i++)
      script.push({ publish: 10 * i + 5, changes: [{ n: i < 20 ? i : i + 50, at: 10 * i }] });
    const r = await follow(script);
    expect(r.divergences.map((d) => [d.tag, d.live, d.shadow])).toEqual([['n', 70, 20]]);
  });
});

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

  it('judges a disagreement that repeats at the next late read on the same inputs (ADR 0148)', async () => {
    // every read comes 40 ms after the last (a loaded host): each is "late" (ADR 0145), and counted
    // only if it agreed — so a 250 ms divergence went unreported, exit 0 (the loaded CI's Alarm)
    const r = await alarmShadow({ readEveryMs: 40 });
    expect(r.divergences.map((d) => [d.tag, d.live, d.shadow])).toEqual([['Alarm', true, false]]);
    expect(r.unjudged.why.late).toBeGreaterThan(0);
    expect(r.unjudged.disagreed).toBeGreaterThan(0);
  });

  it('catches a divergence right after a short comm loss: the settle time is the loss, not a PT (ADR 0148)', async () => {
    // one failed read just before the level reaches 900; the TON's 300 ms settle time after the
    // reseed hid the whole 250 ms of the divergence
    const r = await alarmShadow({ readEveryMs: 0, failAtMs: 280 });
    expect(r.commLoss).not.toBeNull();
    expect(r.divergences.map((d) => d.tag)).toEqual(['Alarm']);
  });

  it('waits for an LTON the seed cannot know, as for a TON (ADR 0123, 0154)', async () => {
    // the live timer started 200 ms before the seed: live Warm is TRUE 100 ms in, the candidate's
    // 300 ms in; an LTON was not among the seed's unknown timers, so the 200 ms between were a
    // false Warm divergence
    for (const timer of ['TON', 'LTON']) {
      const r = await warmShadow(timer);
      expect(r.divergences, `${timer}: ${JSON.stringify(r.divergences)}`).toEqual([]);
      expect(r.compared).toBeGreaterThan(10);
    }
  });

  it('feeds a register of another type as the live PLC holds it: a UINT 40000 on an INT is -25536', async () => {
    // before: the accessor stored 40000 in the INT (no conversion), `Neg := In < 0` stayed FALSE
    // against the live TRUE, a false divergence on every sample; and an INT output's -25536 was
    // compared with its UINT register's 40000
    const c = compileInstrumented([
      {
        name: 'neg.st',
        text: 'PROGRAM Main\nVAR_INPUT In : INT; END_VAR\nVAR_OUTPUT Neg : BOOL; Echo : INT; END_VAR\nNeg := In < 0;\nEcho := In;\nEND_PROGRAM\n',
      },
    ]);
    const map = TagMap.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'TagMap',
      tags: [
        ['In', 'holding', 0, 'UINT', 'readwrite'],
        ['Neg', 'discrete', 0, 'BOOL', 'read'],
        ['Echo', 'input', 0, 'UINT', 'read'],
      ].map(([name, table, address, type, access]) => ({
        name,
        modbus: { table, address, type },
        opcua: { nodeId: `ns=1;s=Main.${name}`, browseName: name },
        access,
      })),
    });
    let k = 0;
    const live: LivePlc = {
      where: 'scripted register',
      async read() {
        await new Promise((r) => setTimeout(r, 5));
        const now = Date.now();
        const raw = k++ % 20 < 10 ? 40000 : 100; // the register's bits: -25536 and 100 in the PLC's INT
        const values = new Map<Tag, RawValue>([
          [map.tags[0]!, raw],
          [map.tags[1]!, raw === 40000],
          [map.tags[2]!, raw], // the INT output -25536 read as a UINT register
        ]);
        return { ok: true, values, tReq: now - 1, tResp: now, spreadMs: 1 };
      },
      async close() {},
    };
    const b = bindTags(map, c.plc);
    const r = await runShadow({
      plc: c.plc,
      live,
      tags: b.tags,
      unbound: b.unbound,
      durationMs: 500,
      commLossMs: 1000,
    });
    expect(r.divergences, JSON.stringify(r.divergences)).toEqual([]);
    expect(r.compared).toBeGreaterThan(20);
  });

  it('takes an input change read after a stalled read as seen since that read began: the live timer ran ahead', async () => {
    // Seen in a soak under load 10 (the pymodbus field, session 13): this host stalled 110 ms on a
    // read whose inputs were taken at its start; the live start button rose meanwhile and its TON
    // started. The next read showed the change 5 ms after the stalled one ended, so the candidate
    // counted 5 ms of lead and its Warm came ~100 ms after the live one: a false divergence.
    const r = await stalledStartShadow();
    expect(r.divergences, JSON.stringify(r.divergences)).toEqual([]);
    expect(r.compared).toBeGreaterThan(20);
  });

  it("waits at the run's end for a late last answer: a read 60 ms late is a short loss, not an unreachable PLC", async () => {
    // Seen in a soak under load 10 (session 13): the run ended while its last read was overdue,
    // and the loss still open was reported as one that lasted (exit 5) though the PLC answered.
    const r = await lateLastShadow(60);
    expect(r.commLoss).toBeNull();
    expect(r.compared).toBeGreaterThan(5);
    // a PLC that stops answering at the end is still reported: its request fails
    const dead = await lateLastShadow(Number.POSITIVE_INFINITY);
    expect(dead.commLoss).not.toBeNull();
  });

  it('seeds again until a read answered quickly: a seed anchored at a slow read ran the candidate ahead (ADR 0148)', async () => {
    // a per-scan counter on wall time; the first read is answered 180 ms after the PLC took its
    // values (this host stalled): anchored at the read's middle, the candidate ran 9 scans ahead
    const r = await counterShadow();
    expect(r.divergences, JSON.stringify(r.divergences)).toEqual([]);
    expect(r.compared).toBeGreaterThan(20);
    expect(r.unjudged.why.seed).toBeGreaterThanOrEqual(2);
  });
});

const ALARM_MAP = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    ['Motor', 'coil', 0, 'BOOL', 'readwrite'],
    ['Level', 'holding', 0, 'INT', 'readwrite'],
    ['Alarm', 'discrete', 0, 'BOOL', 'read'],
  ].map(([name, table, address, type, access]) => ({
    name,
    modbus: { table, address, type },
    opcua: { nodeId: `ns=1;s=Main.${name}`, browseName: name },
    access,
  })),
});

/**
 * A field PLC on a script: `Motor` on, the level 900 from 300 to 550 ms (else 500), the live alarm
 * above 800; each read `readEveryMs` after the last one (answered at once), one failing at `failAtMs`.
 */
class AlarmField implements LivePlc {
  readonly where = 'scripted field';
  private readonly t0 = Date.now();
  private failed = false;
  constructor(private readonly o: { readEveryMs: number; failAtMs?: number }) {}
  async read(): Promise<LiveSample> {
    if (this.o.readEveryMs > 0) await new Promise((r) => setTimeout(r, this.o.readEveryMs));
    const now = Date.now();
    const t = now - this.t0;
    if (this.o.failAtMs !== undefined && t >= this.o.failAtMs && !this.failed) {
      this.failed = true;
      return { ok: false, error: 'connection reset', tReq: now, tResp: now };
    }
    const level = t >= 300 && t < 550 ? 900 : 500;
    const values = new Map<Tag, RawValue>([
      [ALARM_MAP.tags[0]!, true],
      [ALARM_MAP.tags[1]!, level],
      [ALARM_MAP.tags[2]!, level > 800],
    ]);
    return { ok: true, values, tReq: now - 1, tResp: now, spreadMs: 1 };
  }
  async close(): Promise<void> {}
}

async function alarmShadow(o: { readEveryMs: number; failAtMs?: number }) {
  // the candidate's limit is 900 (the live PLC's 800); a TON the seed cannot know (ADR 0123)
  const c = compileInstrumented([
    {
      name: 'alarm.st',
      text: `PROGRAM Main
VAR_INPUT Motor : BOOL; Level : INT; END_VAR
VAR_OUTPUT Alarm : BOOL; END_VAR
VAR T1 : TON; Warm : BOOL; END_VAR
T1(IN := Motor, PT := T#300ms);
Warm := T1.Q;
Alarm := Level > 900;
END_PROGRAM
`,
    },
  ]);
  const b = bindTags(ALARM_MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new AlarmField(o),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 800,
    commLossMs: 1000,
  });
}

const COUNTER_MAP = TagMap.parse({
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

/** A per-scan counter on wall time (10 ms scans); the first read answered 180 ms after it was taken. */
class CounterField implements LivePlc {
  readonly where = 'scripted counter';
  private readonly t0 = performance.now();
  private reads = 0;
  async read(): Promise<LiveSample> {
    const n = Math.floor((performance.now() - this.t0) / 10);
    const values = new Map<Tag, RawValue>([[COUNTER_MAP.tags[0]!, n]]);
    const tReq = Date.now();
    if (this.reads++ === 0) await new Promise((r) => setTimeout(r, 180));
    const tResp = Date.now();
    return { ok: true, values, tReq, tResp, spreadMs: 1 };
  }
  async close(): Promise<void> {}
}

const WARM_MAP = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    ['Motor', 'coil', 0, 'readwrite'],
    ['Warm', 'discrete', 0, 'read'],
  ].map(([name, table, address, access]) => ({
    name,
    modbus: { table, address, type: 'BOOL' },
    opcua: { nodeId: `ns=1;s=Main.${name}`, browseName: name },
    access,
  })),
});

/** `Motor` on throughout; the live `Warm` (a 300 ms on-delay started 200 ms before the first read) TRUE from 100 ms. */
class WarmField implements LivePlc {
  readonly where = 'scripted warm-up';
  private t0 = 0;
  async read(): Promise<LiveSample> {
    await new Promise((r) => setTimeout(r, 5));
    const now = Date.now();
    if (this.t0 === 0) this.t0 = now;
    const values = new Map<Tag, RawValue>([
      [WARM_MAP.tags[0]!, true],
      [WARM_MAP.tags[1]!, now - this.t0 >= 100],
    ]);
    return { ok: true, values, tReq: now - 1, tResp: now, spreadMs: 1 };
  }
  async close(): Promise<void> {}
}

async function warmShadow(timer: string) {
  const pt = timer === 'LTON' ? 'LTIME#300ms' : 'T#300ms';
  const c = compileInstrumented([
    {
      name: 'warm.st',
      text: `PROGRAM Main\nVAR_INPUT Motor : BOOL; END_VAR\nVAR_OUTPUT Warm : BOOL; END_VAR\nVAR T1 : ${timer}; END_VAR\nT1(IN := Motor, PT := ${pt});\nWarm := T1.Q;\nEND_PROGRAM\n`,
    },
  ]);
  const b = bindTags(WARM_MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new WarmField(),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 600,
    commLossMs: 1000,
  });
}

async function counterShadow() {
  const c = compileInstrumented([
    { name: 'counter.st', text: 'PROGRAM Main\nVAR_OUTPUT n : INT; END_VAR\nn := n + 1;\nEND_PROGRAM\n' },
  ]);
  const b = bindTags(COUNTER_MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new CounterField(),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 600,
    commLossMs: 1000,
  });
}

/**
 * The start button rises 200 ms in and a 300 ms on-delay starts with it: the live `Warm` is TRUE from
 * 500 ms. Outputs are answered before inputs are asked (ordered); the read begun just before the
 * rise takes its values at once but reaches this process 110 ms later (a stalled host).
 */
class StalledStartField implements LivePlc {
  readonly where = 'scripted stalled start';
  private t0 = 0;
  private stalled = false;
  async read(): Promise<LiveSample> {
    await new Promise((r) => setTimeout(r, 5));
    const tReq = Date.now();
    if (this.t0 === 0) this.t0 = tReq;
    const t = tReq - this.t0;
    const values = new Map<Tag, RawValue>([
      [WARM_MAP.tags[0]!, t >= 200],
      [WARM_MAP.tags[1]!, t >= 500],
    ]);
    if (!this.stalled && t >= 185 && t < 200) {
      this.stalled = true;
      await new Promise((r) => setTimeout(r, 110));
      return { ok: true, values, tReq, tResp: Date.now(), spreadMs: 1, ordered: true, outputsAt: tReq + 1 };
    }
    return { ok: true, values, tReq, tResp: tReq + 1, spreadMs: 1, ordered: true, outputsAt: tReq + 1 };
  }
  async close(): Promise<void> {}
}

async function stalledStartShadow() {
  const c = compileInstrumented([
    {
      name: 'start.st',
      text: 'PROGRAM Main\nVAR_INPUT Motor : BOOL; END_VAR\nVAR_OUTPUT Warm : BOOL; END_VAR\nVAR T1 : TON; END_VAR\nT1(IN := Motor, PT := T#300ms);\nWarm := T1.Q;\nEND_PROGRAM\n',
    },
  ]);
  const b = bindTags(WARM_MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new StalledStartField(),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 800,
    commLossMs: 1000,
  });
}

/** `In` 1, `Out` 2 (the candidate's own), each read answered in 1 ms but those from 280 ms on: `lateMs` (∞: failed after 200 ms). */
class LateLast implements LivePlc {
  readonly where = 'scripted late last';
  private t0 = 0;
  constructor(private readonly lateMs: number) {}
  async read(): Promise<LiveSample> {
    const tReq = Date.now();
    if (this.t0 === 0) this.t0 = tReq;
    const values = new Map<Tag, RawValue>([
      [MAP.tags[0]!, 1],
      [MAP.tags[1]!, 2],
    ]);
    if (tReq - this.t0 >= 280) {
      await new Promise((r) => setTimeout(r, Number.isFinite(this.lateMs) ? this.lateMs : 200));
      if (!Number.isFinite(this.lateMs)) return { ok: false, error: 'timed out', tReq, tResp: Date.now() };
      return { ok: true, values, tReq, tResp: Date.now(), spreadMs: 1 };
    }
    return { ok: true, values, tReq, tResp: tReq + 1, spreadMs: 1 };
  }
  async close(): Promise<void> {}
}

async function lateLastShadow(lateMs: number) {
  const c = compileInstrumented([
    {
      name: 'p.st',
      text: 'PROGRAM Main\nVAR_INPUT In : INT; END_VAR\nVAR_OUTPUT Out : INT; END_VAR\nOut := In * 2;\nEND_PROGRAM\n',
    },
  ]);
  const b = bindTags(MAP, c.plc);
  return runShadow({
    plc: c.plc,
    live: new LateLast(lateMs),
    tags: b.tags,
    unbound: b.unbound,
    durationMs: 300,
  });
}

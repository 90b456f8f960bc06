/**
 * `plcfleet-agent shadow` against a served virtual PLC on real sockets (Modbus TCP and
 * OPC UA), its inputs driven by a field script: an equivalent candidate (no divergence),
 * a divergent one (caught, the tag named), comm loss mid-run and an unreachable PLC.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, TagMap } from '@plcfleet/protocols';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PlcServer, startPlcServer, VirtualPlcRuntime } from '../plant-io';
import type { ShadowReport } from '../shadow';
import { stallingRelay as startStallingRelay } from '../testing/stalling-relay';
import { runShadowCommand, type ShadowArgs } from './shadow-commands';

/** The program running on the "live" PLC: a latched motor, a level alarm, a speed. */
const LIVE = `
PROGRAM Main
VAR_INPUT
  StartPb : BOOL;
  StopPb : BOOL;
  Level : INT;
END_VAR
VAR_OUTPUT
  Motor : BOOL;
  Alarm : BOOL;
  Speed : INT;
END_VAR
VAR
  T1 : TON;
  Warm : BOOL;
END_VAR
Motor := (StartPb OR Motor) AND NOT StopPb;
T1(IN := Motor, PT := T#300ms);
Warm := T1.Q;
Alarm := Level > 800;
IF Motor THEN
  Speed := Level / 2;
ELSE
  Speed := 0;
END_IF;
END_PROGRAM
`;

/**
 * The same behaviour written differently, with a CASE on the level (a band no output reads)
 * whose arm for 2000 the field never reaches, and levels 800 and 900 fall to no label.
 */
const EQUIVALENT = LIVE.replace('Alarm := Level > 800;', 'Alarm := NOT (Level <= 800);')
  .replace(
    'Motor := (StartPb OR Motor) AND NOT StopPb;',
    'IF StopPb THEN Motor := FALSE; ELSIF StartPb THEN Motor := TRUE; END_IF;',
  )
  .replace('Warm : BOOL;', 'Warm : BOOL;\n  Band : INT;')
  .replace(
    'Warm := T1.Q;',
    'Warm := T1.Q;\nCASE Level OF\n  0..499: Band := 0;\n  500..799: Band := 1;\n  2000: Band := 2;\nEND_CASE;',
  );

/** A changed alarm limit: diverges for levels 801..900 (the field's 900). */
const DIVERGENT = LIVE.replace('Alarm := Level > 800;', 'Alarm := Level > 900;');

/** The alarm limit chosen by the define set: 900 with NEW_LIMIT, 800 with none; no set is refused (decision 0178). */
const DEFINED = LIVE.replace(
  'Alarm := Level > 800;',
  '{IF defined(NEW_LIMIT)}\nAlarm := Level > 900;\n{ELSE}\nAlarm := Level > 800;\n{END_IF}',
);

const TAGS = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    ['StartPb', 'coil', 0, 'BOOL', 'readwrite'],
    ['StopPb', 'coil', 1, 'BOOL', 'readwrite'],
    ['Motor', 'discrete', 0, 'BOOL', 'read'],
    ['Alarm', 'discrete', 1, 'BOOL', 'read'],
    ['Level', 'holding', 0, 'INT', 'readwrite'],
    ['Speed', 'input', 0, 'INT', 'read'],
  ].map(([name, table, address, type, access]) => ({
    name,
    modbus: { table, address, type },
    opcua: { nodeId: `ns=1;s=Main.${name}`, browseName: name },
    access,
  })),
});

/** A per-scan counter (F1): every live scan changes `n`, so the candidate must scan exactly when the live PLC does. */
const COUNTER = 'PROGRAM Main\nVAR_OUTPUT n : INT; END_VAR\nn := n + 1;\nEND_PROGRAM\n';

const COUNTER_TAGS = TagMap.parse({
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

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shadow-'));
  writeFileSync(join(dir, 'live.st'), LIVE);
  writeFileSync(join(dir, 'equivalent.st'), EQUIVALENT);
  writeFileSync(join(dir, 'divergent.st'), DIVERGENT);
  writeFileSync(join(dir, 'defined.st'), DEFINED);
  writeFileSync(join(dir, 'tags.json'), JSON.stringify(TAGS));
  writeFileSync(join(dir, 'counter.st'), COUNTER);
  writeFileSync(join(dir, 'counter-tags.json'), JSON.stringify(COUNTER_TAGS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Serves the live program and drives its inputs like a field: the start button pressed
 * at 250 ms, the stop button at 1500 ms, the level rising 100 every 250 ms (0..900).
 */
async function servedPlc(opcua = false): Promise<PlcServer> {
  const plc = await startPlcServer({
    runtime: new VirtualPlcRuntime([{ name: 'live.st', text: LIVE }]),
    tags: TAGS,
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: opcua ? { dataDir: join(dir, 'plc-pki'), port: 0, security: 'none', allowAnonymous: true } : false,
  });
  let t = 0;
  // Slower than any poll, even on a loaded machine: each sample sees every level it passes.
  const field = setInterval(() => {
    t += 250;
    plc.loop.write('Level', ((t / 250) * 100) % 1000);
    if (t === 250) plc.loop.write('StartPb', true);
    if (t === 500) plc.loop.write('StartPb', false);
    if (t === 1500) plc.loop.write('StopPb', true);
    if (t === 1750) plc.loop.write('StopPb', false);
    if (t === 2000) plc.loop.write('StartPb', true);
  }, 250);
  cleanups.push(async () => {
    clearInterval(field);
    await plc.close().catch(() => {});
  });
  return plc;
}

async function shadow(args: Partial<ShadowArgs>, signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runShadowCommand(
    {
      program: join(dir, 'equivalent.st'),
      tags: join(dir, 'tags.json'),
      json: true,
      seconds: '3.5',
      ...args,
    },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    {},
    signal,
  );
  const report = args.json !== false && out.length ? (JSON.parse(out[0]!) as ShadowReport) : undefined;
  return { code, out, err, report };
}

const modbusOf = (plc: PlcServer) => `127.0.0.1:${plc.modbus!.port}`;

async function stallingRelay(port: number) {
  const relay = await startStallingRelay(port);
  cleanups.push(relay.close);
  return relay;
}

describe('plcfleet-agent shadow', () => {
  it('finds no divergence for an equivalent candidate, and says what the live inputs exercised', async () => {
    const plc = await servedPlc();
    const r = await shadow({ plcModbus: modbusOf(plc), pollMs: '20' });
    expect(r.code, r.err.join('\n')).toBe(EXIT.OK);
    expect(r.report!.divergences).toEqual([]);
    expect(r.report!.samples).toBeGreaterThan(20);
    expect(r.report!.compared).toBeGreaterThan(20);
    expect(r.report!.commLoss).toBeNull();
    expect(r.report!.tags).toMatchObject({ inputs: 3, outputs: 3, unbound: [] });
    // the latency window: two polls back by default
    expect(r.report!.latencyMs).toBe(40);
    // The start button, the stop button and the level all moved; the motor ran long enough for T1.
    expect(r.report!.coverage.inputs).toMatchObject({ total: 3, varied: 3 });
    expect(r.report!.coverage.timers).toMatchObject({ total: 1, completed: 1 });
    expect(r.report!.coverage.boolOutputs).toMatchObject({ total: 2, toggled: 2 });
    // Every IF/ELSIF/ELSE branch ran (the ELSIF without ELSE also fell through); of the
    // CASE's arms the 2000 one never did, and the levels 800 and 900 matched no label.
    expect(r.report!.coverage.branches).toEqual({ total: 5, taken: 5, notTaken: [] });
    expect(r.report!.coverage.caseArms).toEqual({
      total: 4,
      taken: 3,
      notTaken: ['equivalent.st:24 CASE Level OF 2000'],
    });
  });

  it('catches a divergent candidate and names the tag, with the live and shadow values', async () => {
    const plc = await servedPlc();
    const r = await shadow({ plcModbus: modbusOf(plc), program: join(dir, 'divergent.st'), pollMs: '20' });
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.report!.divergences.map((d) => d.tag)).toEqual(['Alarm']);
    const d = r.report!.divergences[0]!;
    expect(d).toMatchObject({ live: true, shadow: false });
    expect(d.count).toBeGreaterThan(0);
    expect(Date.parse(d.first)).not.toBeNaN();
    // Ignoring the tag is a choice the report shows.
    const ignored = await shadow({
      plcModbus: modbusOf(plc),
      program: join(dir, 'divergent.st'),
      ignore: 'Alarm',
      seconds: '1',
    });
    expect(ignored.code).toBe(EXIT.OK);
    expect(ignored.report!.tags.ignored).toEqual(['Alarm']);
  });

  it('loads the candidate as compile does: --define picks its branches, a missing --models is usage', async () => {
    const plc = await servedPlc();
    const program = join(dir, 'defined.st');
    const same = await shadow({
      plcModbus: modbusOf(plc),
      program,
      pollMs: '20',
      seconds: '2.5',
      define: [''],
    });
    expect(same.code, same.err.join('\n')).toBe(EXIT.OK);
    // no define set: the candidate is not run with every branch (decision 0178)
    const every = await shadow({ plcModbus: modbusOf(plc), program, pollMs: '20' });
    expect(every.code).toBe(EXIT.USAGE);
    expect(every.err.join('\n')).toMatch(
      /\{IF defined\(NEW_LIMIT\)\} selects code by the build's compiler definitions/,
    );
    const changed = await shadow({ plcModbus: modbusOf(plc), program, pollMs: '20', define: ['NEW_LIMIT'] });
    expect(changed.code).toBe(EXIT.FAILED);
    expect(changed.report!.divergences.map((d) => d.tag)).toEqual(['Alarm']);
    const noModels = await shadow({ plcModbus: modbusOf(plc), program, models: join(dir, 'no-such-dir') });
    expect(noModels.code).toBe(EXIT.USAGE);
    expect(noModels.err[0]).toMatch(/--models: no such behaviour model directory/);
  });

  it('reports a comm loss mid-run (exit 5) and never compares the lost samples', async () => {
    const plc = await servedPlc();
    setTimeout(() => void plc.close(), 800);
    const r = await shadow({ plcModbus: modbusOf(plc), pollMs: '20', timeoutMs: '200', json: false });
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.out.join('\n')).toMatch(/COMM LOSS: \d+ failed poll\(s\) from /);
    expect(r.out.join('\n')).toMatch(/no divergence/);
    // people get the coverage too, with the branches not taken named
    expect(r.out.join('\n')).toMatch(/branches \d\/5 taken, CASE arms \d\/4 taken/);
    expect(r.out).toContain('  not taken: equivalent.st:24 CASE Level OF 2000');
    expect(r.err.some((l) => /comm loss with modbus 127\.0\.0\.1:\d+/.test(l))).toBe(true);
  });

  it('reports a PLC that stops answering (sockets open) within two polls, and drops its late answers', async () => {
    const plc = await servedPlc();
    const relay = await stallingRelay(plc.modbus!.port);
    const out: string[] = [];
    const err: string[] = [];
    let stalledAt = 0;
    let resumedAt = 0;
    let reportedAt = 0;
    const stop = new AbortController();
    // Stall once the shadow has had 110 samples (4 Modbus answers each): past the 100
    // answers it learns the PLC's answer time from; resume 1.2 s later, stop 0.6 s after that.
    const watchAnswers = setInterval(() => {
      if (relay.answers() < 440) return;
      clearInterval(watchAnswers);
      stalledAt = Date.now();
      relay.stall();
      setTimeout(() => {
        resumedAt = Date.now();
        relay.resume();
        setTimeout(() => stop.abort(), 600);
      }, 1200);
    }, 20);
    cleanups.push(() => clearInterval(watchAnswers));
    const code = await runShadowCommand(
      {
        program: join(dir, 'equivalent.st'),
        tags: join(dir, 'tags.json'),
        json: true,
        seconds: '30',
        plcModbus: relay.address,
        pollMs: '20',
        // far longer than the stall: only the overdue answer can make it a comm loss
        timeoutMs: '5000',
      },
      {
        out: (l) => out.push(l),
        err: (l) => {
          if (!reportedAt && /comm loss with/.test(l)) reportedAt = Date.now();
          err.push(l);
        },
      },
      {},
      stop.signal,
    );
    expect(code, err.join('\n')).toBe(EXIT.UNREACHABLE);
    const r = JSON.parse(out[0]!) as ShadowReport;
    // one poll after three times the slowest answer the PLC gave before (ADR 0101)
    expect(r.commLossMs.least).toBe(20);
    expect(r.commLoss!.error).toMatch(/^no answer within \d+ ms$/);
    expect(Number(/\d+/.exec(r.commLoss!.error)![0])).toBeGreaterThanOrEqual(20);
    // said while the PLC was still silent (the request timeout, 5 s, never came)
    expect(reportedAt).toBeGreaterThan(stalledAt);
    expect(reportedAt).toBeLessThan(resumedAt);
    // the comm loss starts at the poll that got no answer: after the stall began, before it was said
    expect(Date.parse(r.commLoss!.first)).toBeGreaterThanOrEqual(stalledAt - 40);
    expect(Date.parse(r.commLoss!.first)).toBeLessThanOrEqual(reportedAt);
    // the answer held by the silent PLC came after the resume and was dropped, not compared
    expect(r.late).toBeGreaterThanOrEqual(1);
    expect(r.divergences).toEqual([]);
    expect(err.some((l) => /answers again/.test(l))).toBe(true);
  });

  it('fails closed on a run that compared nothing: exit 2, the report still printed (ADR 0125)', async () => {
    const plc = await servedPlc();
    // over before a second sample: the PLC answered, nothing was judged
    const r = await shadow({ plcModbus: modbusOf(plc), seconds: '0.000001' });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.report).toMatchObject({ compared: 0, divergences: [] });
    expect(r.report!.samples).toBeGreaterThan(0);
    expect(r.err.join('\n')).toMatch(
      /nothing compared: \d+ sample\(s\) in [\d.]+ s, none judged .*proves nothing/,
    );
  });

  it('exits 5 when the PLC does not answer at all, and 2 on bad usage', async () => {
    const down = await shadow({ plcModbus: '127.0.0.1:1', timeoutMs: '200' });
    expect(down.code).toBe(EXIT.UNREACHABLE);
    expect(down.err.join('\n')).toMatch(/PLC unreachable: modbus 127\.0\.0\.1:1/);
    // --json: one line for a machine caller too, the summary's fields and what failed (F6)
    expect(down.out).toHaveLength(1);
    expect(down.report).toMatchObject({
      samples: 0,
      compared: 0,
      divergences: [],
      mode: 'poll',
      commLoss: null,
    });
    expect((down.report as ShadowReport & { error: string }).error).toMatch(
      /^PLC unreachable: modbus 127\.0\.0\.1:1: /,
    );
    expect(down.report!.tags).toMatchObject({ inputs: 3, outputs: 3 });
    expect((await shadow({})).code).toBe(EXIT.USAGE);
    expect((await shadow({ plcModbus: '127.0.0.1:1', plcOpcua: 'opc.tcp://x:1' })).code).toBe(EXIT.USAGE);
    const typo = await shadow({ plcModbus: '127.0.0.1:1', ignore: 'Alrm' });
    expect(typo.code).toBe(EXIT.USAGE);
    expect(typo.err[0]).toMatch(/no tag Alrm in the tag map/);
    expect((await shadow({ plcModbus: '127.0.0.1:1', tolerance: 'Speed=x' })).code).toBe(EXIT.USAGE);
    const latency = await shadow({ plcModbus: '127.0.0.1:1', latencyMs: '0' });
    expect(latency.code).toBe(EXIT.USAGE);
    expect(latency.err[0]).toMatch(/--latency-ms must be a positive number, not "0"/);
    const commLoss = await shadow({ plcModbus: '127.0.0.1:1', commLossMs: 'soon' });
    expect(commLoss.code).toBe(EXIT.USAGE);
    expect(commLoss.err[0]).toMatch(/--comm-loss-ms must be a positive number, not "soon"/);
    expect((await shadow({ plcOpcua: 'opc.tcp://127.0.0.1:1', security: 'none' })).err[0]).toMatch(
      /--insecure/,
    );
  });

  // One retry: seen failing once in session 13 at load 10–11 (two shadow soaks and three
  // engineers' tests beside it; which transport diverged was not captured), never at load ≤ 8
  // (9 runs). A run that diverges twice still fails.
  it('shadows the served program against itself: a per-scan counter shows no divergence (F1)', {
    timeout: 60_000,
    retry: 1,
  }, async () => {
    // Before: over Modbus the candidate took the live PLC's next scan a cycle late and, when a
    // poll came late, skipped the values in between (live 111, shadow 110); by subscription it
    // scanned in the cycles a late live scan left empty (live 71, shadow 74), both exit 1. Under
    // load the served PLC here is starved with the shadow: by subscription its server covered
    // cycles the PLC scanned only after, in a burst (3 ahead), or it was late at the seed (13
    // behind) — no longer retried since ADR 0161 (docs/shadow.md "Under load"); what load leaves
    // unjudged is in `unjudged`, not compared.
    const plc = await startPlcServer({
      runtime: new VirtualPlcRuntime([{ name: 'counter.st', text: COUNTER }]),
      tags: COUNTER_TAGS,
      modbus: { port: 0, host: '127.0.0.1' },
      opcua: { dataDir: join(dir, 'plc-pki'), port: 0, security: 'none', allowAnonymous: true },
    });
    cleanups.push(() => plc.close().catch(() => {}));
    // a fixed comm-loss deadline: a slow answer on a loaded host is then no comm loss (exit 5)
    const common = {
      program: join(dir, 'counter.st'),
      tags: join(dir, 'counter-tags.json'),
      seconds: '3',
      commLossMs: '1000',
    };
    const polled = await shadow({ ...common, plcModbus: modbusOf(plc) });
    expect(polled.code, JSON.stringify(polled.report?.divergences)).toBe(EXIT.OK);
    expect(polled.report!.divergences).toEqual([]);
    expect(polled.report!.compared).toBeGreaterThan(100);
    const followed = await shadow({
      ...common,
      plcOpcua: plc.opcua!.endpointUrl,
      security: 'none',
      insecure: true,
      dataDir: join(dir, 'client-pki'),
    });
    expect(followed.code, JSON.stringify(followed.report?.divergences)).toBe(EXIT.OK);
    expect(followed.report!.mode).toBe('subscription');
    expect(followed.report!.divergences).toEqual([]);
    expect(followed.report!.compared).toBeGreaterThan(100);
  });

  it('shadows over the PLC’s own OPC UA server too', async () => {
    const plc = await servedPlc(true);
    const r = await shadow({
      plcOpcua: plc.opcua!.endpointUrl,
      security: 'none',
      insecure: true,
      dataDir: join(dir, 'client-pki'),
      program: join(dir, 'divergent.st'),
      pollMs: '20',
    });
    expect(r.code, r.err.join('\n')).toBe(EXIT.FAILED);
    expect(
      r.report!.divergences.map((d) => d.tag),
      JSON.stringify(r.report!.divergences),
    ).toEqual(['Alarm']);
    // by subscription (the default): a comparison every PLC cycle, said on stderr only when the
    // report's rate bears it out (a loaded host or a server granting less gives fewer)
    expect(r.report!.mode).toBe('subscription');
    expect(r.report!.samples).toBeGreaterThan(r.report!.subscription!.messages);
    const keptUp = r.report!.comparisonsPerSecond >= (0.9 * 1000) / r.report!.cycleMs;
    const pace = keptUp ? 'a comparison every PLC cycle' : 'fewer comparisons than PLC cycles';
    expect(
      r.err.filter((l) =>
        l.includes(`read by subscription, ${pace}: ${r.report!.comparisonsPerSecond} a second`),
      ),
    ).toHaveLength(1);
    // --opcua-mode poll: a Read every poll, as before
    const polled = await shadow({
      plcOpcua: plc.opcua!.endpointUrl,
      security: 'none',
      insecure: true,
      dataDir: join(dir, 'client-pki'),
      program: join(dir, 'divergent.st'),
      pollMs: '20',
      opcuaMode: 'poll',
    });
    expect(polled.code, polled.err.join('\n')).toBe(EXIT.FAILED);
    expect(polled.report!).toMatchObject({ mode: 'poll', subscription: null });
    expect(polled.report!.divergences.map((d) => d.tag)).toEqual(['Alarm']);
    const bad = await shadow({ plcModbus: '127.0.0.1:1', opcuaMode: 'poll' });
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err[0]).toMatch(/--opcua-mode goes with --plc-opcua/);
  }, 90_000);
});

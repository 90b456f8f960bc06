/**
 * Early judgment (ADR 0143, 0144): a Modbus sample whose outputs were read before its inputs is
 * judged as soon as the candidate has scanned those inputs, and a sample by OPC UA subscription
 * as soon as a message covers its scan. These runs would show a false divergence if judging
 * early compared what it must not: outputs that lag their inputs by a scan (the served PLC
 * shows a written input at once and scans it at the next boundary), a slow poll (an input
 * change seen up to a poll later than the PLC saw it, so a timer it started completes that
 * much sooner), the pymodbus peer's wall-clock TON. And a divergence is still caught.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, TagMap } from '@plcfleet/protocols';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runShadowCommand, type ShadowArgs } from '../edge-agent/src/cli/shadow-commands';
import { startPlcServer, VirtualPlcRuntime } from '../edge-agent/src/plant-io';
import type { ShadowReport } from '../edge-agent/src/shadow';
import { levelTagMap } from '../edge-agent/src/shadow/fixtures/level-alarm';

/** An alarm above 500, held once it lasted 50 ms (a TON the seed cannot know), the level doubled. */
const HELD = `PROGRAM Main
VAR_INPUT
  Level : INT;
END_VAR
VAR_OUTPUT
  Alarm : BOOL;
  Held : BOOL;
  Twice : INT;
END_VAR
VAR
  T1 : TON;
END_VAR
Alarm := Level > 500;
T1(IN := Alarm, PT := T#50ms);
Held := T1.Q;
Twice := Level * 2;
END_PROGRAM
`;

const TAGS = levelTagMap([
  ['Level', 'holding', 0, 'INT', 'readwrite'],
  ['Alarm', 'discrete', 0, 'BOOL', 'read'],
  ['Held', 'discrete', 1, 'BOOL', 'read'],
  ['Twice', 'input', 0, 'INT', 'read'],
]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shadow-early-'));
  writeFileSync(join(dir, 'held.st'), HELD);
  // held after 120 ms, not 50: Held diverges for 70 ms, more than the window, each time the level goes above 500
  writeFileSync(join(dir, 'later.st'), HELD.replace('T#50ms', 'T#120ms'));
  writeFileSync(join(dir, 'tags.json'), JSON.stringify(TAGS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * The served PLC running HELD, its level written by a field: every 200 ms above or below 500 in
 * turn, moved within that band every 45 ms — off the scan (outputs lag a written input), and
 * slower than the slowest poll here (a value shorter than a poll may never be read).
 */
async function servedPlc() {
  const plc = await startPlcServer({
    runtime: new VirtualPlcRuntime([{ name: 'held.st', text: HELD }]),
    tags: TagMap.parse(TAGS),
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: { dataDir: join(dir, 'plc-pki'), port: 0, security: 'none', allowAnonymous: true },
  });
  const t0 = Date.now();
  const field = setInterval(() => {
    const high = Math.floor((Date.now() - t0) / 200) % 2 === 1;
    plc.loop.write('Level', (high ? 600 : 100) + Math.floor(Math.random() * 300));
  }, 45);
  cleanups.push(() => plc.close().catch(() => {}));
  cleanups.push(() => clearInterval(field));
  return plc;
}

async function shadow(args: Partial<ShadowArgs>) {
  const out: string[] = [];
  const code = await runShadowCommand(
    {
      program: join(dir, 'held.st'),
      tags: join(dir, 'tags.json'),
      json: true,
      seconds: '3',
      // a fixed comm-loss deadline: a slow answer on a loaded host is then no comm loss (exit 5)
      commLossMs: '1000',
      ...args,
    },
    { out: (l) => out.push(l), err: () => {} },
    {},
  );
  return { code, report: out.length ? (JSON.parse(out[0]!) as ShadowReport) : undefined };
}

const opcua = (endpoint: string) => ({
  plcOpcua: endpoint,
  security: 'none',
  insecure: true,
  dataDir: join(dir, 'client-pki'),
});

describe('early judgment against the served PLC (outputs a scan behind a written input)', () => {
  it('over Modbus, polled every cycle and every three cycles: no false divergence', async () => {
    const plc = await servedPlc();
    for (const pollMs of ['10', '30']) {
      const r = await shadow({ plcModbus: `127.0.0.1:${plc.modbus!.port}`, pollMs });
      expect(r.report!.divergences, `poll ${pollMs}`).toEqual([]);
      expect(r.code).toBe(EXIT.OK);
      expect(r.report!.compared).toBeGreaterThan(50);
      // the level crossed 500 and the TON completed while compared
      expect(r.report!.coverage.timers.completed).toBe(1);
    }
  }, 60_000);

  it('by OPC UA subscription: no false divergence', async () => {
    const plc = await servedPlc();
    const r = await shadow(opcua(plc.opcua!.endpointUrl));
    expect(r.report!.divergences).toEqual([]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.report!.mode).toBe('subscription');
    expect(r.report!.compared).toBeGreaterThan(100);
    expect(r.report!.coverage.timers.completed).toBe(1);
  }, 60_000);

  it('still catches a timer that completes 70 ms later, over Modbus and by subscription', async () => {
    const plc = await servedPlc();
    const later = join(dir, 'later.st');
    const polled = await shadow({ plcModbus: `127.0.0.1:${plc.modbus!.port}`, program: later });
    expect(polled.code).toBe(EXIT.FAILED);
    expect(polled.report!.divergences.map((d) => d.tag)).toEqual(['Held']);
    expect(polled.report!.divergences[0]).toMatchObject({ live: true, shadow: false });
    const followed = await shadow({ ...opcua(plc.opcua!.endpointUrl), program: later });
    expect(followed.code).toBe(EXIT.FAILED);
    expect(followed.report!.divergences.map((d) => d.tag)).toEqual(['Held']);
  }, 60_000);
});

describe('early judgment against pymodbus (a wall-clock TON), polled slower than it scans', () => {
  const here = join(__dirname, 'shadow-peers');
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  const fieldPlc = () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn('/usr/bin/python3', [join(here, 'field_plc_modbus.py')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`field PLC exited ${code}`)));
    });

  it('a poll of 30 ms: Warm (its TON started up to a poll before the candidate saw Motor) agrees', async () => {
    const port = await fieldPlc();
    const r = await shadow({
      program: join(here, 'field-plc.st'),
      tags: join(here, 'field-tags.yaml'),
      plcModbus: `127.0.0.1:${port}`,
      pollMs: '30',
    });
    expect(r.report!.divergences).toEqual([]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.report!.coverage.timers.completed).toBe(1);
  }, 60_000);
});

/**
 * Comm loss on real sockets (issue #21: "comm loss reported within two polls"; ADR 0101, 0120):
 * a served virtual PLC in its own process (fixtures/served-plc.ts, Modbus TCP and OPC UA on
 * loopback) is frozen with SIGSTOP mid-run — its sockets stay open, nothing answers — while
 * the shadow polls it over Modbus or follows it by OPC UA subscription. Asserted on counts
 * and recorded times, not on this machine's speed: the comm loss is said at the deadline of
 * the first poll (the first keep-alive) that did not come after the last good answer, and
 * that deadline is one poll (one keep-alive period and a publishing interval) after the
 * PLC's usual answer time (the 90th percentile of its recent answers).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileInstrumented } from './branch-coverage';
import { LEVEL_PROGRAM, LEVEL_TAGS } from './fixtures/level-alarm';
import { ModbusLivePlc } from './live-plc';
import { type LiveMessage, OpcuaLiveFeed } from './live-subscription';
import { bindTags } from './shadow-binding';
import { runShadow } from './shadow-runner';

const FIXTURES = join(import.meta.dirname, 'fixtures');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shadow-comm-loss-'));
  writeFileSync(join(dir, 'tags.json'), JSON.stringify(LEVEL_TAGS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGCONT');
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts the served PLC process; resolves with its Modbus port and OPC UA endpoint. */
function servedPlc(): Promise<{ modbus: number; opcua: string }> {
  child = fork(join(FIXTURES, 'served-plc.ts'), [join(dir, 'plc-pki'), join(dir, 'tags.json')], {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child!.once('message', (m) => resolve(m as { modbus: number; opcua: string }));
    child!.once('exit', (code) => reject(new Error(`served PLC exited (${code})`)));
  });
}

/**
 * Freezes the served PLC with SIGSTOP the first time `cond` holds (looked at every 5 ms):
 * `at()` is when (0 before), `cancel` stops looking.
 */
function freezeWhen(proc: ChildProcess, cond: () => boolean): { at: () => number; cancel: () => void } {
  let at = 0;
  const timer = setInterval(() => {
    if (!cond()) return;
    clearInterval(timer);
    at = Date.now();
    proc.kill('SIGSTOP');
  }, 5);
  return { at: () => at, cancel: () => clearInterval(timer) };
}

function candidate() {
  const c = compileInstrumented([{ name: 'served-plc.st', text: LEVEL_PROGRAM }], { cycleMs: 10 });
  return { c, b: bindTags(LEVEL_TAGS, c.plc) };
}

describe('comm loss with a PLC that stops answering, sockets open', () => {
  it('polls (Modbus): said at the deadline of the first unanswered poll after the last answer', async () => {
    const { modbus } = await servedPlc();
    const { c, b } = candidate();
    const live = new ModbusLivePlc(LEVEL_TAGS, LEVEL_TAGS.tags, '127.0.0.1', modbus, 10_000);
    /** Every read: when asked, when answered (0 while unanswered), whether good. */
    const reads: { tReq: number; tResp: number; ok: boolean }[] = [];
    const read = live.read.bind(live);
    live.read = async () => {
      const r = { tReq: Date.now(), tResp: 0, ok: false };
      reads.push(r);
      const s = await read();
      r.tResp = s.tResp;
      r.ok = s.ok;
      return s;
    };
    const stop = new AbortController();
    let saidAt = 0;
    let readsWhenSaid = 0;
    // freeze the PLC after 30 good answers (the deadline is from the first answer on: ADR 0120)
    const freeze = freezeWhen(child!, () => reads.filter((r) => r.ok).length >= 30);
    try {
      const r = await runShadow({
        plc: c.plc,
        live,
        tags: b.tags,
        unbound: b.unbound,
        durationMs: 30_000,
        cycleMs: 10,
        pollMs: 20,
        signal: stop.signal,
        onCommChange: (lost) => {
          if (!lost || saidAt) return;
          saidAt = Date.now();
          readsWhenSaid = reads.length;
          stop.abort();
        },
      });
      expect(freeze.at()).toBeGreaterThan(0);
      expect(r.commLoss, JSON.stringify(r)).not.toBeNull();
      const good = reads.filter((x) => x.ok && x.tResp > 0 && x.tResp <= saidAt);
      const last = good.at(-1)!;
      expect(r.commLoss!.lastAnswer).toBe(new Date(last.tResp).toISOString());
      // still lost when the run stopped: lasting from its first failed poll to then
      expect(r.commLoss!.longestMs).toBeGreaterThanOrEqual(saidAt - Date.parse(r.commLoss!.first) - 1);
      // one poll went out after the last answer, and it was the one found overdue: two polls at most
      expect(reads.slice(reads.indexOf(last) + 1).length).toBe(1);
      expect(readsWhenSaid).toBe(reads.indexOf(last) + 2);
      // dated at that poll's request (taken just before this wrapper saw it)
      const first = Date.parse(r.commLoss!.first);
      expect(first).toBeGreaterThanOrEqual(last.tResp);
      expect(first).toBeLessThanOrEqual(reads[readsWhenSaid - 1]!.tReq);
      // its deadline: one poll after the usual answer (the 90th percentile of those before)
      const deadline = Number(/^no answer within (\d+) ms$/.exec(r.commLoss!.error)![1]);
      const slowest = Math.max(...good.map((x) => x.tResp - x.tReq));
      expect(deadline).toBeGreaterThanOrEqual(20);
      expect(deadline).toBeLessThanOrEqual(20 + slowest + 1);
      // said after the freeze, and nothing compared across it
      expect(saidAt).toBeGreaterThan(freeze.at());
      expect(r.divergences).toEqual([]);
    } finally {
      freeze.cancel();
      await live.close();
    }
  }, 60_000);

  it('subscription (OPC UA): a comparison every PLC cycle, and the comm loss said one keep-alive after the last message', async () => {
    const { opcua } = await servedPlc();
    const { c, b } = candidate();
    const live = new OpcuaLiveFeed(
      opcua,
      LEVEL_TAGS.tags,
      { security: 'none', dataDir: join(dir, 'client-pki'), timeoutMs: 2000 },
      { publishingMs: 10 },
    );
    const got: { at: number; m: LiveMessage }[] = [];
    const next = live.next.bind(live);
    live.next = async (ms) => {
      const m = await next(ms);
      if (m) got.push({ at: Date.now(), m });
      return m;
    };
    const stop = new AbortController();
    let saidAt = 0;
    let messagesWhenSaid = 0;
    const freeze = freezeWhen(child!, () => got.length >= 30);
    try {
      const r = await runShadow({
        plc: c.plc,
        live,
        tags: b.tags,
        unbound: b.unbound,
        durationMs: 30_000,
        cycleMs: 10,
        signal: stop.signal,
        onCommChange: (lost) => {
          // a loaded host's late message before the freeze is a short comm loss (ADR 0120), not this one
          if (!lost || saidAt || !freeze.at()) return;
          saidAt = Date.now();
          messagesWhenSaid = got.filter((g) => g.m.ok).length;
          stop.abort();
        },
      });
      expect(r.mode).toBe('subscription');
      expect(freeze.at()).toBeGreaterThan(0);
      // a sample at every scan of the candidate (a comparison every PLC cycle); messages twice a
      // cycle (publishing half the cycle asked for, ADR 0144), a keep-alive every cycle
      expect(r.samples).toBeGreaterThan(0.8 * r.scans);
      expect(r.subscription!.publishingMs).toBe(5);
      expect(r.divergences).toEqual([]);
      // the keep-alive period: a few publishing intervals
      const keepAlive = r.subscription!.keepAliveMs;
      expect(keepAlive).toBeLessThanOrEqual(3 * r.subscription!.publishingMs);
      expect(r.commLossMs.least).toBe(keepAlive);
      expect(r.commLoss, JSON.stringify(r)).not.toBeNull();
      const oks = got.filter((g) => g.m.ok);
      const last = oks[messagesWhenSaid - 1]!.m as Extract<LiveMessage, { ok: true }>;
      expect(r.commLoss!.lastAnswer).toBe(new Date(last.receivedAt).toISOString());
      // no message came between the last one and the comm loss; the deadline from the last one
      // is one keep-alive period after three times the latest any message came
      expect(r.commLoss!.error).toMatch(/^no publish or keep-alive within \d+ ms$/);
      const deadline = Number(/(\d+) ms$/.exec(r.commLoss!.error)![1]);
      expect(deadline).toBeGreaterThanOrEqual(keepAlive);
      expect(deadline).toBeLessThanOrEqual(r.commLossMs.longest + 1);
      expect(r.commLoss!.first).toBe(new Date(last.receivedAt + keepAlive).toISOString());
      expect(saidAt).toBeGreaterThanOrEqual(last.receivedAt + deadline);
      expect(saidAt).toBeGreaterThan(freeze.at());
    } finally {
      freeze.cancel();
      await live.close();
    }
  }, 60_000);
});

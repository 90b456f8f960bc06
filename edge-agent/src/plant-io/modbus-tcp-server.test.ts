import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TagMap } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMemoryRuntime } from './demo-memory-runtime';
import { type ModbusServer, startModbusServer } from './modbus-tcp-server';
import { PlcScanLoop } from './plc-scan-loop';
import { plcTagStore } from './plc-tag-store';
import { loadTagMap } from './tag-map-file';
import { createTagModbusModel } from './tag-modbus-model';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));

// Peers no one here wrote, as separate processes: mbpoll (C, libmodbus) and pymodbus.
async function mbpoll(port: number, args: string[]): Promise<{ out: string; code: number }> {
  try {
    const { stdout, stderr } = await run('mbpoll', [
      '-m',
      'tcp',
      '-p',
      String(port),
      '-0',
      '-1',
      '-o',
      '2',
      ...args,
    ]);
    return { out: stdout + stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: (e.stdout ?? '') + (e.stderr ?? ''), code: e.code ?? -1 };
  }
}
function mbpollValues(out: string): Map<number, string> {
  const values = new Map<number, string>();
  for (const m of out.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), m[2]!);
  return values;
}
async function pymodbus(port: number, step: string): Promise<Record<string, Record<string, unknown>>> {
  const { stdout } = await run('/usr/bin/python3', [`${fixtures}pymodbus_peer.py`, String(port), step]);
  return JSON.parse(stdout);
}

describe('Modbus TCP server over the demo program', () => {
  let map: TagMap;
  let loop: PlcScanLoop;
  let server: ModbusServer;
  beforeAll(async () => {
    map = await loadTagMap(`${fixtures}demo-tags.yaml`);
    loop = new PlcScanLoop(demoMemoryRuntime());
    loop.start(10);
    server = await startModbusServer({
      model: createTagModbusModel(map, plcTagStore(loop)),
      port: 0,
      unitId: 1,
    });
  });
  afterAll(async () => {
    loop.stop();
    await server.close();
  });
  const settle = async () => {
    const at = loop.scanCount;
    while (loop.scanCount < at + 2) await new Promise((r) => setTimeout(r, 5));
  };

  it('mbpoll reads registers with both word orders as fixed byte patterns', async () => {
    const hex = mbpollValues(
      (await mbpoll(server.port, ['-t', '4:hex', '-r', '40', '-c', '4', '127.0.0.1'])).out,
    );
    expect([hex.get(40), hex.get(41), hex.get(42), hex.get(43)]).toEqual([
      '0x1234',
      '0x5678',
      '0x5678',
      '0x1234',
    ]);
    // mbpoll's 32-bit reads are little word order unless -B
    const be = mbpollValues((await mbpoll(server.port, ['-t', '4:int', '-B', '-r', '40', '127.0.0.1'])).out);
    expect(be.get(40)).toBe('305419896');
    const le = mbpollValues((await mbpoll(server.port, ['-t', '4:int', '-r', '42', '127.0.0.1'])).out);
    expect(le.get(42)).toBe('305419896');
    const real = mbpollValues(
      (await mbpoll(server.port, ['-t', '4:float', '-B', '-r', '44', '127.0.0.1'])).out,
    );
    expect(Number(real.get(44))).toBe(1.5);
    const lint = mbpollValues(
      (await mbpoll(server.port, ['-t', '4:hex', '-r', '50', '-c', '4', '127.0.0.1'])).out,
    );
    expect([...lint.values()]).toEqual(['0x0102', '0x0304', '0x0506', '0x0708']);
  });

  it('mbpoll writes a coil and a negative register; the program sees them at the next scan', async () => {
    expect((await mbpoll(server.port, ['-t', '0', '-r', '0', '127.0.0.1', '0'])).code).toBe(0);
    expect((await mbpoll(server.port, ['-t', '4', '-r', '60', '127.0.0.1', '65531'])).code).toBe(0);
    await settle();
    expect(loop.runtime.read('Run')).toBe(false);
    expect(loop.runtime.read('Running')).toBe(false);
    expect(loop.runtime.read('Trim')).toBe(-5);
    const coil = mbpollValues((await mbpoll(server.port, ['-t', '0', '-r', '0', '127.0.0.1'])).out);
    expect(coil.get(0)).toBe('0');
    await mbpoll(server.port, ['-t', '0', '-r', '0', '127.0.0.1', '1']);
    await mbpoll(server.port, ['-t', '4', '-r', '60', '127.0.0.1', '0']);
    await settle();
    expect(loop.runtime.read('Run')).toBe(true);
  });

  it('mbpoll is told an unmapped address is illegal', async () => {
    const r = await mbpoll(server.port, ['-t', '4', '-r', '1000', '127.0.0.1']);
    expect(r.out).toMatch(/Illegal data address/i);
  });

  it('pymodbus reads every table with the expected registers', async () => {
    const r = await pymodbus(server.port, 'read');
    expect(r.patternBE).toEqual({ registers: [0x1234, 0x5678] });
    expect(r.patternLE).toEqual({ registers: [0x5678, 0x1234] });
    expect(r.patternReal).toEqual({ registers: [0x3fc0, 0x0000] });
    expect(r.patternLint).toEqual({ registers: [0x0102, 0x0304, 0x0506, 0x0708] });
    expect(r.coil).toEqual({ bits: [true] });
    expect(r.discrete).toEqual({ bits: [true] });
    const input = r.input!.registers as number[];
    const buf = Buffer.alloc(8);
    input.forEach((w, i) => {
      buf.writeUInt16BE(w, i * 2);
    });
    // Ramp big word order, RampLE little: the same float either way
    const ramp = buf.readFloatBE(0);
    const rampLE = Buffer.from([...buf.subarray(6, 8), ...buf.subarray(4, 6)]).readFloatBE(0);
    expect(rampLE).toBe(ramp);
  });

  it('pymodbus writes multiple registers, a coil, and uses FC 23', async () => {
    const r = await pymodbus(server.port, 'write');
    expect(r.writeRegisters).toEqual({ ok: true });
    expect(r.writeLE).toEqual({ ok: true });
    expect(r.writeCoil).toEqual({ ok: true });
    expect(r.writeRegister).toEqual({ ok: true });
    // registers read back what was written before the next scan (FC 16 earlier in the run)
    expect(r.readWrite).toEqual({ registers: [0xaabb, 0xccdd] });
    await settle();
    expect(loop.runtime.read('PatternBE')).toBe(0xaabbccdd);
    expect(loop.runtime.read('PatternLE')).toBe(0x12345678);
    expect(loop.runtime.read('Trim')).toBe(-5);
    expect(loop.runtime.read('PatternReal')).toBeCloseTo(Math.PI, 5);
  });

  it('pymodbus gets exception codes for bad quantities, addresses, read-only tags and other unit ids', async () => {
    const r = await pymodbus(server.port, 'errors');
    expect(r.tooMany).toEqual({ exception: 3 });
    expect(r.unmapped).toEqual({ exception: 2 });
    expect(r.gap).toEqual({ exception: 2 });
    expect(r.readOnly).toEqual({ exception: 2 });
    expect(r.otherUnit).toEqual({ exception: 0x0b });
    expect(r.tooManyBits).toEqual({ exception: 3 });
    expect(r.inputWrite).toEqual({ exception: 2 });
  });
});

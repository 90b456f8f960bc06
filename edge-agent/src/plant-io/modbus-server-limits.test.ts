import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { demoMemoryRuntime } from './demo-memory-runtime';
import type { ModbusDataModel } from './modbus-data-model';
import { MODBUS_SERVER_DEFAULTS, type ModbusServer, startModbusServer } from './modbus-tcp-server';
import { startPlcServer } from './plc-server';
import { loadTagMap } from './tag-map-file';

// Issue 17 point 4, on real sockets: 32 idle connections locked every client out of the
// virtual PLC (a hard-coded cap, no idle timeout), and a client that sent requests but
// never read the answers grew the server without bound (560 MB in the probe).
const zeros: ModbusDataModel = {
  readBits: (_t, _a, count) => new Array<boolean>(count).fill(false),
  readRegisters: (_t, _a, count) => new Array<number>(count).fill(0),
  writeCoils: () => {},
  writeRegisters: () => {},
};

/** FC 3, 125 holding registers from 0: a 12-byte request with a 259-byte answer. */
function readHoldingRequest(transactionId: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(transactionId & 0xffff, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(6, 4);
  b.writeUInt8(1, 6);
  b.writeUInt8(3, 7);
  b.writeUInt16BE(0, 8);
  b.writeUInt16BE(125, 10);
  return b;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** One request on a fresh connection: 'answered', or 'closed' / 'no answer' within 5 s. */
async function poll(port: number): Promise<'answered' | 'closed' | 'no answer'> {
  const s = await connect(port);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('no answer'), 5000);
    const done = (r: 'answered' | 'closed' | 'no answer') => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    // any answer will do: data or an exception response (the demo map leaves addresses unmapped)
    s.on('data', () => done('answered'));
    s.on('close', () => done('closed'));
    s.on('error', () => done('closed'));
    s.write(readHoldingRequest(1));
  });
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
};

describe('Modbus TCP server limits', () => {
  let server: ModbusServer | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  it('documents its defaults: 32 connections, 60 s idle timeout', () => {
    expect(MODBUS_SERVER_DEFAULTS).toEqual({ maxConnections: 32, idleTimeoutMs: 60_000 });
  });

  it('closes idle connections after the idle timeout, so idle peers cannot lock clients out', async () => {
    server = await startModbusServer({ model: zeros, port: 0, maxConnections: 4, idleTimeoutMs: 1500 });
    const port = server.port;
    for (let i = 0; i < 4; i++) clients.push(await connect(port));
    expect(await until(() => server!.connections() === 4, 2000)).toBe(true);
    // Full: a fifth client is turned away at once (as before) ...
    expect(await poll(port)).toBe('closed');
    // ... but only until the idle ones time out (before, they held every slot for ever).
    expect(await until(() => server!.connections() === 0, 10_000)).toBe(true);
    expect(await poll(port)).toBe('answered');
  });

  it('keeps a connection that is in use open past the idle timeout', async () => {
    server = await startModbusServer({ model: zeros, port: 0, idleTimeoutMs: 1500 });
    const s = await connect(server.port);
    clients.push(s);
    let answers = 0;
    s.on('data', (d) => (answers += Math.floor(d.length / 259)));
    // 2.5 s of a request every 100 ms: longer than the idle timeout, never idle for it
    for (let i = 0; i < 25; i++) {
      s.write(readHoldingRequest(i));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.destroyed).toBe(false);
    expect(server.connections()).toBe(1);
    expect(answers).toBeGreaterThanOrEqual(20);
  });

  it('stops reading from a client that does not read its answers, then closes it', async () => {
    server = await startModbusServer({ model: zeros, port: 0, idleTimeoutMs: 1000 });
    const s = await connect(server.port);
    clients.push(s);
    s.on('error', () => {});
    s.pause(); // never read: the answers pile up in the kernel, then in the server
    // 400,000 requests (4.8 MB) ask for 104 MB of answers: more than loopback's socket
    // buffers can hold (tcp_rmem max 32 MB + tcp_wmem max 4 MB here).
    const sent = 400_000;
    const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => readHoldingRequest(i)));
    for (let i = 0; i < sent / 1000; i++) s.write(batch);
    // Closed by the idle timeout: traffic stopped both ways, so the server had stopped
    // answering (before, it read on and buffered every answer: 560 MB in the probe).
    expect(await until(() => server!.connections() === 0, 30_000)).toBe(true);
    expect(server.requests()).toBeGreaterThan(0);
    expect(server.requests()).toBeLessThan(sent / 2);
  }, 60_000);

  it('serve-plc passes both options to its Modbus server', async () => {
    const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));
    const plc = await startPlcServer({
      runtime: demoMemoryRuntime(),
      tags: await loadTagMap(`${fixtures}demo-tags.yaml`),
      modbus: { port: 0, maxConnections: 1, idleTimeoutMs: 1500 },
      opcua: false,
    });
    try {
      const port = plc.modbus!.port;
      clients.push(await connect(port));
      expect(await until(() => plc.modbus!.connections() === 1, 2000)).toBe(true);
      expect(await poll(port)).toBe('closed');
      expect(await until(() => plc.modbus!.connections() === 0, 10_000)).toBe(true);
      expect(await poll(port)).toBe('answered');
    } finally {
      await plc.close();
    }
  });
});

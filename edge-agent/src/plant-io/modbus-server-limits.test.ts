import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModbusDataModel } from './modbus-data-model';
import { MODBUS_SERVER_DEFAULTS, type ModbusServer, startModbusServer } from './modbus-tcp-server';

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

/** One request on a fresh connection: 'answered', or 'closed' / 'no answer' within 2 s. */
async function poll(port: number): Promise<'answered' | 'closed' | 'no answer'> {
  const s = await connect(port);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('no answer'), 2000);
    const done = (r: 'answered' | 'closed' | 'no answer') => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got >= 259) done('answered');
    });
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
    server = await startModbusServer({ model: zeros, port: 0, maxConnections: 4, idleTimeoutMs: 400 });
    const port = server.port;
    for (let i = 0; i < 4; i++) clients.push(await connect(port));
    expect(await until(() => server!.connections() === 4, 2000)).toBe(true);
    // Full: a fifth client is turned away at once (as before) ...
    expect(await poll(port)).toBe('closed');
    // ... but only until the idle ones time out (before, they held every slot for ever).
    expect(await until(() => server!.connections() === 0, 3000)).toBe(true);
    expect(await poll(port)).toBe('answered');
  });

  it('keeps a connection that is in use open past the idle timeout', async () => {
    server = await startModbusServer({ model: zeros, port: 0, idleTimeoutMs: 300 });
    const s = await connect(server.port);
    clients.push(s);
    let answers = 0;
    s.on('data', (d) => (answers += Math.floor(d.length / 259)));
    for (let i = 0; i < 8; i++) {
      s.write(readHoldingRequest(i));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.destroyed).toBe(false);
    expect(answers).toBeGreaterThanOrEqual(7);
  });

  it('stops reading from a client that does not read its answers, then closes it', async () => {
    server = await startModbusServer({ model: zeros, port: 0, idleTimeoutMs: 1000 });
    const s = await connect(server.port);
    clients.push(s);
    s.on('error', () => {});
    s.pause(); // never read: the answers pile up in the kernel, then in the server
    // 200,000 requests (2.4 MB) would ask for 52 MB of answers.
    const sent = 200_000;
    const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => readHoldingRequest(i)));
    for (let i = 0; i < sent / 1000; i++) s.write(batch);
    await new Promise((r) => setTimeout(r, 500));
    const answered = server.requests();
    // What the server answered fits the socket buffers (a few MB on loopback), not all of it.
    expect(answered).toBeLessThan(sent / 4);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests()).toBe(answered);
    // No traffic either way: closed after the idle timeout, its buffers freed.
    expect(await until(() => server!.connections() === 0, 4000)).toBe(true);
  });
});

import net from 'node:net';
import { Tag } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MODBUS_EXCEPTION,
  type ModbusDataModel,
  ModbusException,
  type ModbusServer,
  startModbusServer,
} from '../plant-io';
import { ModbusLink, msg } from './modbus-link';

/** 1000 holding registers whose value is their address ^ 0x5a5a. */
const model: ModbusDataModel = {
  readBits: () => {
    throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'none');
  },
  readRegisters: (_t, address, count) => {
    if (address + count > 1000) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'out');
    return Array.from({ length: count }, (_, i) => (address + i) ^ 0x5a5a);
  },
  writeCoils: () => {},
  writeRegisters: () => {},
};

/** A raw server: answers the first request only after `delayMs` with 0xDEAD, later ones at once with 1. */
function lateServer(delayMs: number): Promise<{ port: number; close(): void }> {
  let first = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (req) => {
      const reply = (value: number) => {
        const out = Buffer.alloc(11);
        req.copy(out, 0, 0, 2); // transaction id
        out.writeUInt16BE(0, 2);
        out.writeUInt16BE(5, 4);
        out[6] = req[6]!;
        out[7] = 3;
        out[8] = 2;
        out.writeUInt16BE(value, 9);
        if (!s.destroyed) s.write(out);
      };
      if (first) {
        first = false;
        setTimeout(() => reply(0xdead), delayMs);
      } else reply(1);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as net.AddressInfo;
      resolve({
        port: a.port,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    }),
  );
}

describe('ModbusLink', () => {
  let server: ModbusServer;
  beforeAll(async () => {
    server = await startModbusServer({ model, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('stays correct past 256 transactions (modbus-serial wraps its ids at 256)', async () => {
    const link = new ModbusLink({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    try {
      const reads = [];
      for (let i = 0; i < 600; i++) reads.push(link.request((c) => c.readHoldingRegisters(i % 990, 3)));
      const results = await Promise.all(reads);
      results.forEach((r, i) => {
        const a = i % 990;
        expect(r.data).toEqual([a ^ 0x5a5a, (a + 1) ^ 0x5a5a, (a + 2) ^ 0x5a5a]);
      });
      expect(link.connects).toBe(1);
    } finally {
      link.close();
    }
  });

  it('turns an exception response into MODBUS_EXCEPTION with its code, keeping the connection', async () => {
    const link = new ModbusLink({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    try {
      await expect(link.request((c) => c.readHoldingRegisters(995, 10))).rejects.toMatchObject({
        code: 'MODBUS_EXCEPTION',
        context: { exceptionCode: 2 },
      });
      expect((await link.request((c) => c.readHoldingRegisters(0, 1))).data).toEqual([0x5a5a]);
      expect(link.connects).toBe(1);
    } finally {
      link.close();
    }
  });

  it('reads a poll block and decodes each tag at its offset in it, in its type and word order', async () => {
    const link = new ModbusLink({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    const tag = (name: string, address: number, type: string, wordOrder: string) =>
      Tag.parse({
        name,
        modbus: { table: 'holding', address, type, wordOrder },
        opcua: { nodeId: `ns=1;s=${name}`, browseName: name },
      });
    const a = tag('A', 10, 'INT', 'big');
    const big = tag('B', 11, 'UDINT', 'big');
    const little = tag('C', 11, 'UDINT', 'little');
    try {
      const values = await link.readBlock({
        table: 'holding',
        address: 10,
        count: 3,
        tags: [a, big, little],
      });
      const w = (addr: number) => addr ^ 0x5a5a;
      expect([...values]).toEqual([
        [a, w(10)],
        [big, w(11) * 0x10000 + w(12)],
        [little, w(12) * 0x10000 + w(11)],
      ]);
      await expect(
        link.readBlock({ table: 'holding', address: 995, count: 10, tags: [] }),
      ).rejects.toMatchObject({ code: 'MODBUS_EXCEPTION' });
    } finally {
      link.close();
    }
  });

  it('never takes a late answer for a later request: a timeout opens a fresh connection', async () => {
    const late = await lateServer(400);
    const link = new ModbusLink({ host: '127.0.0.1', port: late.port, timeoutMs: 150 });
    try {
      await expect(link.request((c) => c.readHoldingRegisters(0, 1))).rejects.toMatchObject({
        code: 'COMM_FAILURE',
      });
      const second = await link.request((c) => c.readHoldingRegisters(0, 1));
      await new Promise((r) => setTimeout(r, 500)); // the late 0xDEAD has been sent by now
      const third = await link.request((c) => c.readHoldingRegisters(0, 1));
      expect(second.data).toEqual([1]);
      expect(third.data).toEqual([1]);
      expect(link.connects).toBe(2);
    } finally {
      link.close();
      late.close();
    }
  });

  it('fails the request in flight when the peer drops the connection, without waiting for the timeout', async () => {
    const sockets: net.Socket[] = [];
    const rude = net.createServer((s) => {
      sockets.push(s);
      s.on('data', () => s.destroy());
    });
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', () => r()));
    const port = (rude.address() as net.AddressInfo).port;
    const link = new ModbusLink({ host: '127.0.0.1', port, timeoutMs: 20_000 });
    try {
      await expect(link.request((c) => c.readHoldingRegisters(0, 1))).rejects.toThrow(/connection lost/);
    } finally {
      link.close();
      rude.close();
    }
  });
});

describe('msg', () => {
  it('reads what modbus-serial rejects with, Error or plain object', () => {
    expect(msg(new Error('socket hang up'))).toBe('socket hang up');
    expect(msg({ name: 'TransactionTimedOutError', message: 'Timed out', errno: 'ETIMEDOUT' })).toBe(
      'TransactionTimedOutError: Timed out',
    );
    expect(msg({ errno: 'ECONNREFUSED' })).toBe('{"errno":"ECONNREFUSED"}');
    expect(msg('closed')).toBe('closed');
  });
});

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusTcpClient } from './modbus-tcp-client';

/** A raw peer answering every request with what `answer` makes of it (a wrong peer, a garbled one). */
function peer(answer: (req: Buffer) => Buffer): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (req) => s.write(answer(req)));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}

/** An answer to a read of one holding register with `value`, protocol id `protocol`. */
function registerAnswer(req: Buffer, value: number, protocol = 0): Buffer {
  const out = Buffer.alloc(11);
  req.copy(out, 0, 0, 2);
  out.writeUInt16BE(protocol, 2);
  out.writeUInt16BE(5, 4);
  out[6] = req[6]!;
  out[7] = 3;
  out[8] = 2;
  out.writeUInt16BE(value, 9);
  return out;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

describe('ModbusTcpClient', () => {
  it('reads what a Modbus TCP peer answers', async () => {
    const p = await peer((req) => registerAnswer(req, 0x1234));
    closers.push(p.close);
    const c = await ModbusTcpClient.connect('127.0.0.1', p.port, 1);
    closers.push(() => c.close());
    expect((await c.readHoldingRegisters(0, 1)).data).toEqual([0x1234]);
  });

  it('refuses an answer whose protocol id is not Modbus (0), naming it', async () => {
    const p = await peer((req) => registerAnswer(req, 0x1234, 7));
    closers.push(p.close);
    const c = await ModbusTcpClient.connect('127.0.0.1', p.port, 1);
    closers.push(() => c.close());
    await expect(c.readHoldingRegisters(0, 1)).rejects.toMatchObject({
      code: 'COMM_FAILURE',
      message: expect.stringMatching(/protocol id 7/),
    });
  });
});

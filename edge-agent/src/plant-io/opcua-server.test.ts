import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port';
import { startOpcuaServer } from './opcua-server';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'opcua-server-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// `npm start` on a loaded machine failed once with EADDRINUSE: port 0 picked a free port, the
// certificates took seconds, and another process took the port before the server listened.
describe('an OPC UA server on port 0', () => {
  it('picks another port when the one it picked was taken before it listened', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const picked: number[] = [];
    const server = await startOpcuaServer({
      dataDir: dir,
      port: 0,
      allowAnonymous: true,
      pickPort: async (host) => {
        const p = picked.length === 0 ? takenPort : await freePort(host);
        picked.push(p);
        return p;
      },
    });
    try {
      expect(picked[0]).toBe(takenPort);
      expect(picked).toHaveLength(2);
      expect(server.port).toBe(picked[1]);
      expect(server.endpointUrl).toBe(`opc.tcp://127.0.0.1:${picked[1]}/plcfleet`);
    } finally {
      await server.close();
      taken.close();
    }
  }, 60_000);

  it('still refuses a fixed port that is taken, naming it', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startOpcuaServer({ dataDir: dir, port: takenPort, allowAnonymous: true })).rejects.toThrow(
        `OPC UA server did not start on 127.0.0.1:${takenPort}`,
      );
    } finally {
      taken.close();
    }
  }, 60_000);
});

/**
 * An OPC UA PLC that cannot be reached is said once, by us (tester's finding F-opcua):
 * node-opcua, asked for a secured session, first connects to fetch the server's certificate
 * and printed its own "Fail to connect to server at …" line before our error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { withOpcuaSession } from './opcua-client';

const dir = mkdtempSync(join(tmpdir(), 'opcua-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on: one the system gave and that was closed again. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('withOpcuaSession to an unreachable PLC', () => {
  it.each(['none', 'sign', 'sign-and-encrypt'] as const)(
    '%s: one COMM_FAILURE naming the endpoint, nothing printed',
    async (security) => {
      const endpoint = `opc.tcp://127.0.0.1:${await closedPort()}/plcfleet`;
      const printed: string[] = [];
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
        printed.push(String(c));
        return true;
      });
      const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
        printed.push(String(c));
        return true;
      });
      const log = vi.spyOn(console, 'log').mockImplementation((...a) => void printed.push(a.join(' ')));
      const warn = vi.spyOn(console, 'warn').mockImplementation((...a) => void printed.push(a.join(' ')));
      let thrown: unknown;
      try {
        await withOpcuaSession(
          endpoint,
          { security, dataDir: join(dir, 'pki'), timeoutMs: 2000 },
          async () => {},
        );
      } catch (e) {
        thrown = e;
      } finally {
        out.mockRestore();
        err.mockRestore();
        log.mockRestore();
        warn.mockRestore();
      }
      expect(thrown).toMatchObject({ code: 'COMM_FAILURE' });
      expect((thrown as Error).message).toBe(`cannot connect to ${endpoint}: ECONNREFUSED`);
      expect(printed.filter((l) => /fail to connect/i.test(l))).toEqual([]);
    },
    30_000,
  );
});

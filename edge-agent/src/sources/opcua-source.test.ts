import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TagMap } from '@plcfleet/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRuntime, startPlcServer } from '../plant-io';
import { createOpcuaSource } from './opcua-source';
import { runSourceContract } from './source-contract';

const tags = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    {
      name: 'Run',
      modbus: { table: 'coil', address: 0, type: 'BOOL' },
      opcua: { nodeId: 'ns=1;s=Main.Run', browseName: 'Run' },
    },
  ],
});

// One PKI folder for every server and client here: certificates are made once (slow on a busy machine).
let pki: string | undefined;
afterAll(async () => {
  if (pki) await rm(pki, { recursive: true, force: true });
});

const PROGRAM = [
  { name: 'Main.st', text: 'PROGRAM Main\nVAR Run : BOOL; END_VAR\nEND_PROGRAM\n' },
  {
    name: 'Lib.st',
    text: '(* library *)\nFUNCTION_BLOCK Lib\nEND_FUNCTION_BLOCK\nPROGRAM Unused\nEND_PROGRAM\n',
  },
];

async function virtualPlc(files = PROGRAM) {
  pki ??= await mkdtemp(join(tmpdir(), 'plcfleet-opcua-src-'));
  const dir = pki;
  const runtime = new MemoryRuntime({ Run: ['BOOL', false] }, () => {}, files);
  const plc = await startPlcServer({
    runtime,
    tags,
    modbus: false,
    opcua: { dataDir: dir, port: 0, security: 'none', allowAnonymous: true },
  });
  return {
    plc,
    runtime,
    source: createOpcuaSource(plc.opcua!.endpointUrl, { dataDir: join(dir, 'client'), timeoutMs: 10_000 }),
    cleanup: async () => {
      await plc.close();
    },
  };
}

runSourceContract('opcua', async () => {
  const { source, cleanup } = await virtualPlc();
  return { source, cleanup };
});

describe('OPC UA source', () => {
  it('reads many files side by side, a big one in several chunks, byte for byte', async () => {
    // More files than one batched request carries, and a file three Read chunks long.
    const big = `(* Größe *)\n${'x := x + 1;\n'.repeat(15_000)}`;
    const files = [
      ...Array.from({ length: 119 }, (_, i) => ({
        name: `FB_${String(i).padStart(3, '0')}.st`,
        text: `FUNCTION_BLOCK FB_${i}\nEND_FUNCTION_BLOCK\n`,
      })),
      { name: 'Main.st', text: `PROGRAM Main\nVAR x : INT; END_VAR\n${big}END_PROGRAM\n` },
    ];
    expect(Buffer.byteLength(files[119]!.text)).toBeGreaterThan(2 * 65_536);
    const { source, cleanup } = await virtualPlc(files);
    try {
      const read = await source.read();
      expect(read).toEqual(
        files.map((f) => ({ path: f.name, text: f.text })).sort((a, b) => a.path.localeCompare(b.path)),
      );
    } finally {
      await cleanup();
    }
  });

  it('reports a change the PLC refuses', async () => {
    const { source, cleanup } = await virtualPlc();
    try {
      await expect(
        source.write([
          { path: 'Main.st', text: 'no program here' },
          { path: 'Lib.st', text: 'nor here' },
        ]),
      ).rejects.toMatchObject({ code: 'refused' });
    } finally {
      await cleanup();
    }
  });
});

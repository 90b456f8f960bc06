/**
 * Issue 20, done when: a tag change deployed to a plant is served at its new
 * names and addresses — the renamed tags read over Modbus TCP and OPC UA on
 * real sockets (loopback) from the plant I/O servers, with the deployed program
 * and tag map; and a library update deployed runs against the new library's
 * blocks, its tags served at their addresses. node-opcua and modbus-serial are
 * loaded only here, on first use.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource, hashProgram, type ProgramFile } from '../sources';
import { exampleMigration } from '../testing/migration-fixtures';
import { createRecipeTransformer } from '../transform';
import { withPlantFiles } from './plant-files-source';
import { librariesOf, PRESS_HMI, pressHmiFacts } from './press-hmi-fixture';
import { runMigration } from './run-migration';
import { writeVerifiedChange } from './write-change';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-tag-deploy-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function filesUnder(root: string, dir = root): Promise<ProgramFile[]> {
  const out: ProgramFile[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(root, full)));
    else out.push({ path: relative(root, full).split('\\').join('/'), text: await readFile(full, 'utf8') });
  }
  return out;
}

/** The plant I/O servers (Modbus TCP, OPC UA on loopback) running the plant's program with a PressLib version. */
async function servePlant(
  dir: string,
  source: { read(): Promise<ProgramFile[]> },
  pressLib: string,
  name: string,
) {
  const io = await import('../plant-io');
  const library = {
    name: 'PressLib.st',
    text: await readFile(join(librariesOf(dir), `PressLib@${pressLib}.st`), 'utf8'),
  };
  const program = [
    ...(await source.read())
      .filter((f) => f.path.endsWith('.st'))
      .map((f) => ({ name: f.path, text: f.text })),
    library,
  ];
  const runtime = new io.VirtualPlcRuntime(program, { program: 'Main' });
  const plc = await io.startPlcServer({
    runtime,
    tags: await io.loadTagMap(join(dir, 'tags.yaml')),
    modbus: { port: 0, host: '127.0.0.1' },
    opcua: {
      dataDir: join(work, `opcua-${name}`),
      port: 0,
      host: '127.0.0.1',
      security: 'none',
      allowAnonymous: true,
    },
  });
  const { default: ModbusRTU } = await import('modbus-serial');
  const modbus = new ModbusRTU();
  await modbus.connectTCP('127.0.0.1', { port: plc.modbus!.port });
  modbus.setID(1);
  modbus.setTimeout(5000);
  /** Polls coil `address` until it is `value` (a scan runs on the loop's timer, late on a loaded machine). */
  const coilBecomes = async (address: number, value: boolean) => {
    for (let i = 0; i < 200; i++) {
      if ((await modbus.readCoils(address, 1)).data[0] === value) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  return {
    io,
    runtime,
    plc,
    modbus,
    coilBecomes,
    close: async () => {
      modbus.close(() => {});
      await plc.close();
    },
  };
}

describe('a deployed tag change on real sockets', () => {
  it('serves the renamed tags at their new Modbus addresses and OPC UA nodes', async () => {
    const dir = join(work, 'plant');
    await cp(PRESS_HMI, dir, { recursive: true });
    const migration = exampleMigration('rename-tags');
    const out = join(work, 'job');
    const verdict = await runMigration({
      migration,
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
      siteFacts: pressHmiFacts(),
      libraries: librariesOf(dir),
      outDir: out,
    });
    expect(verdict.outcome).toBe('passed');

    // Deploy: the job folder's after/ files, through the same plant-files view the executor read.
    const source = await withPlantFiles(createDirectorySource(dir), migration.scope.files);
    const changed = await filesUnder(join(out, 'after'));
    expect(changed.map((f) => f.path).sort()).toEqual([
      'FB_PressFaceplate.st',
      'GVL_IO.st',
      'Main.st',
      'hmi/alarms.csv',
      'hmi/press-screen.json',
      'tags.yaml',
    ]);
    // An HMI file edited after the verdict is a changed plant: the deploy is refused, nothing written.
    const alarms = join(dir, 'hmi/alarms.csv');
    const original = await readFile(alarms, 'utf8');
    await writeFile(alarms, `${original}Main.Valve_Down,Valve down,3\n`);
    await expect(writeVerifiedChange(source, verdict, changed)).rejects.toMatchObject({
      code: 'changed-since-read',
    });
    expect(await readFile(join(dir, 'Main.st'), 'utf8')).toContain('Press_Enable');
    await writeFile(alarms, original);
    await writeVerifiedChange(source, verdict, changed);
    expect(hashProgram(await source.read())).toBe(verdict.evidence.sha256After);

    // The controller runs the program with the library it has installed (PressLib 1.2.0).
    const { io, runtime, plc, modbus, coilBecomes, close } = await servePlant(dir, source, '1.2.0', 'tags');
    try {
      runtime.write('HydPressureOk', true);
      runtime.write('PressEnable', true);
      runtime.write('Press_Pressure', 60);
      // HydPressureOk moved from discrete input 0 to coil 12; PressEnable kept coil 10.
      expect((await modbus.readCoils(12, 1)).data[0]).toBe(true);
      expect((await modbus.readCoils(10, 1)).data[0]).toBe(true);
      await expect(modbus.readDiscreteInputs(0, 1)).rejects.toThrow(/Illegal data address|exception/i);
      // The program still runs the same logic under the new names: the valve follows the faceplate pin.
      expect(runtime.read('Main.Valve_Down')).toBe(false); // guard open
      runtime.write('Guard_Closed', true);
      expect(await coilBecomes(0, true)).toBe(true);

      const value = await io.withOpcuaSession(
        plc.opcua!.endpointUrl,
        { security: 'none', dataDir: join(work, 'opcua-client'), trustUnknownServer: true },
        async (session) => {
          // attributeId 13: Value (OPC UA Part 4 §5.10.2)
          const a = await session.read({ nodeId: 'ns=1;s=Press.HydPressureOk', attributeId: 13 });
          const b = await session.read({ nodeId: 'ns=1;s=Press.Hyd_Pressure_OK', attributeId: 13 });
          return { renamed: a.value.value as unknown, old: b.statusCode.name };
        },
      );
      expect(value.renamed).toBe(true);
      expect(value.old).toMatch(/^BadNodeIdUnknown/);
    } finally {
      await close();
    }
  }, 120_000);
});

describe('a deployed library update on real sockets', () => {
  it('runs the program against PressLib 2.0.0 and serves its tags at their addresses', async () => {
    const dir = join(work, 'plant-lib');
    await cp(PRESS_HMI, dir, { recursive: true });
    const migration = exampleMigration('library-update');
    const out = join(work, 'job-lib');
    const verdict = await runMigration({
      migration,
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
      siteFacts: pressHmiFacts(),
      libraries: librariesOf(dir),
      outDir: out,
    });
    expect(verdict.outcome, verdict.reason).toBe('passed');
    const source = await withPlantFiles(createDirectorySource(dir), migration.scope.files);
    const changed = await filesUnder(join(out, 'after'));
    expect(changed.map((f) => f.path)).toEqual(['Main.st']);
    await writeVerifiedChange(source, verdict, changed);
    expect(await readFile(join(dir, 'Main.st'), 'utf8')).toContain('Valve1 : FB_ValveCtrl;');

    // The controller now has PressLib 2.0.0 (FB_ValveCtrl, OpenCmd); the old version no longer fits.
    const { io, runtime, modbus, coilBecomes, plc, close } = await servePlant(dir, source, '2.0.0', 'lib');
    try {
      runtime.write('Press_Enable', true);
      runtime.write('Press_Pressure', 60);
      await modbus.writeCoil(10, true);
      expect(runtime.read('Main.Valve_Down')).toBe(false); // no pressure switch, guard open: not running
      runtime.write('Hyd_Pressure_OK', true);
      runtime.write('Guard_Closed', true);
      // Main.Valve_Down (coil 0) follows FB_ValveCtrl.IsOpen once the press runs with pressure > 50.
      expect(await coilBecomes(0, true)).toBe(true);
      const valve = await io.withOpcuaSession(
        plc.opcua!.endpointUrl,
        { security: 'none', dataDir: join(work, 'opcua-client-lib'), trustUnknownServer: true },
        // attributeId 13: Value (OPC UA Part 4 §5.10.2)
        async (session) =>
          (await session.read({ nodeId: 'ns=1;s=Press.Valve_Down', attributeId: 13 })).value.value,
      );
      expect(valve).toBe(true);
    } finally {
      await close();
    }
    await expect(servePlant(dir, source, '1.2.0', 'old')).rejects.toThrow(/FB_ValveCtrl/);
  }, 120_000);
});

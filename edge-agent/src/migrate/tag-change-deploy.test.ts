/**
 * Issue 20, done when: a tag change deployed to a plant is served at its new
 * names and addresses — the renamed tags read over Modbus TCP and OPC UA on
 * real sockets (loopback) from the plant I/O servers, with the deployed program
 * and tag map. node-opcua and modbus-serial are loaded only here, on first use.
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

    const io = await import('../plant-io');
    // The controller runs the program with the library it has installed (PressLib 1.2.0).
    const library = {
      name: 'PressLib.st',
      text: await readFile(join(librariesOf(dir), 'PressLib@1.2.0.st'), 'utf8'),
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
        dataDir: join(work, 'opcua'),
        port: 0,
        host: '127.0.0.1',
        security: 'none',
        allowAnonymous: true,
      },
    });
    const { default: ModbusRTU } = await import('modbus-serial');
    const modbus = new ModbusRTU();
    try {
      runtime.write('HydPressureOk', true);
      runtime.write('PressEnable', true);
      runtime.write('Press_Pressure', 60);
      await modbus.connectTCP('127.0.0.1', { port: plc.modbus!.port });
      modbus.setID(1);
      modbus.setTimeout(5000);
      // HydPressureOk moved from discrete input 0 to coil 12; PressEnable kept coil 10.
      expect((await modbus.readCoils(12, 1)).data[0]).toBe(true);
      expect((await modbus.readCoils(10, 1)).data[0]).toBe(true);
      await expect(modbus.readDiscreteInputs(0, 1)).rejects.toThrow(/Illegal data address|exception/i);
      // The program still runs the same logic under the new names: the valve follows the faceplate pin.
      expect(runtime.read('Main.Valve_Down')).toBe(false); // guard open
      runtime.write('Guard_Closed', true);
      // Wait for a scan to run on the new input (the loop's timer, delayed on a loaded machine).
      let valve = false;
      for (let i = 0; i < 200 && !valve; i++) {
        valve = (await modbus.readCoils(0, 1)).data[0] === true;
        if (!valve) await new Promise((r) => setTimeout(r, 50));
      }
      expect(valve).toBe(true);

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
      modbus.close(() => {});
      await plc.close();
    }
  }, 120_000);
});

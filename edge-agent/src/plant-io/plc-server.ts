/**
 * The virtual PLC on the wire: a {@link PlcRuntime} scanned in real time,
 * its tags served over Modbus TCP and OPC UA, its program as OPC UA files.
 * Writes from either protocol land in the program at the next scan.
 */
import type { TagMap } from '@plcfleet/protocols';
import { StatusCodes, UserNameIdentityToken } from 'node-opcua';
import { PlantIoError } from '../edge-agent-error';
import { type ModbusServer, type ModbusServerOptions, startModbusServer } from './modbus-tcp-server';
import { exposeProgramFiles } from './opcua-program-files';
import { type PlantOpcuaServer, type PlantOpcuaServerOptions, startOpcuaServer } from './opcua-server';
import { OpcuaTagSpace } from './opcua-tag-space';
import type { PlcRuntime } from './plc-runtime';
import { PlcScanLoop } from './plc-scan-loop';
import { plcTagStore } from './plc-tag-store';
import { createTagModbusModel } from './tag-modbus-model';

/** Options of {@link startPlcServer}. */
export interface PlcServerOptions {
  /** The program to run. */
  runtime: PlcRuntime;
  /** Which variables are reachable, and where. */
  tags: TagMap;
  /** Scan cycle, ms. @default 10 */
  cycleMs?: number;
  /**
   * Modbus TCP server; `false` for none. `maxConnections` and `idleTimeoutMs` are
   * {@link ModbusServerOptions}'. @default { port: 5020 }
   */
  modbus?: Pick<ModbusServerOptions, 'port' | 'host' | 'maxConnections' | 'idleTimeoutMs'> | false;
  /** OPC UA server; `false` for none. Security defaults to `none` (a simulator). */
  opcua?: PlantOpcuaServerOptions | false;
  /** Folder name for tags without a `PROGRAM.` prefix. @default 'Main' */
  programName?: string;
}

/** A running virtual PLC server. */
export interface PlcServer {
  readonly loop: PlcScanLoop;
  readonly modbus: ModbusServer | undefined;
  readonly opcua: PlantOpcuaServer | undefined;
  readonly tagSpace: OpcuaTagSpace | undefined;
  /** Stops scanning and both servers. */
  close(): Promise<void>;
}

/** Starts the scan loop and the protocol servers. */
export async function startPlcServer(options: PlcServerOptions): Promise<PlcServer> {
  const { runtime, tags } = options;
  runtime.scan();
  const missing = tags.tags.filter((t) => runtime.read(t.name) === undefined).map((t) => t.name);
  if (missing.length > 0)
    throw new PlantIoError('UNKNOWN_VARIABLE', `the program has no variable ${missing.join(', ')}`, {
      missing,
    });
  const loop = new PlcScanLoop(runtime);
  const store = plcTagStore(loop);
  let modbus: ModbusServer | undefined;
  let opcua: PlantOpcuaServer | undefined;
  let tagSpace: OpcuaTagSpace | undefined;
  try {
    if (options.modbus !== false) {
      modbus = await startModbusServer({
        model: createTagModbusModel(tags, store),
        port: options.modbus?.port ?? 5020,
        host: options.modbus?.host,
        unitId: tags.unitId,
        ...(options.modbus?.maxConnections !== undefined
          ? { maxConnections: options.modbus.maxConnections }
          : {}),
        ...(options.modbus?.idleTimeoutMs !== undefined
          ? { idleTimeoutMs: options.modbus.idleTimeoutMs }
          : {}),
      });
    }
    if (options.opcua !== false && options.opcua) {
      opcua = await startOpcuaServer({
        productName: 'plcfleet virtual PLC',
        // down to half a scan: a shadow asks for it to hear of a scan within a cycle (ADR 0144)
        minPublishingIntervalMs: Math.max(1, (options.cycleMs ?? 10) / 2),
        ...options.opcua,
      });
      const folder = options.programName ?? 'Main';
      tagSpace = OpcuaTagSpace.create(opcua, tags.tags, {
        defaultFolder: folder,
        write: (tag, raw) => {
          store.write(tag, raw);
          return StatusCodes.Good;
        },
      });
      const withUsers = options.opcua.checkUser !== undefined;
      exposeProgramFiles(opcua, opcua.objects, {
        files: () => runtime.programFiles(),
        apply: (f) => loop.replaceProgram(f),
        // with a users file, only a logged-in user may change the program
        mayWrite: (ctx) => !withUsers || ctx.session?.userIdentityToken instanceof UserNameIdentityToken,
      });
      const space = tagSpace;
      // one source time per scan, as a PLC stamps a scan's values: a client groups a scan's
      // changes by it (shadow's subscription mode), however long this loop is preempted
      const publish = () => {
        const at = Date.now();
        for (const tag of tags.tags) {
          const raw = store.read(tag);
          if (raw === undefined) space.fail(tag, at);
          else space.publish(tag, raw, at);
        }
      };
      publish();
      loop.onScan(publish);
    }
  } catch (err) {
    await modbus?.close();
    await opcua?.close();
    throw err;
  }
  loop.start(options.cycleMs ?? 10);
  return {
    loop,
    modbus,
    opcua,
    tagSpace,
    close: async () => {
      loop.stop();
      await modbus?.close();
      await opcua?.close();
    },
  };
}

/**
 * `serve-plc` (the virtual PLC on Modbus TCP and OPC UA) and `stage` (the
 * Modbus → OPC UA staging bridge). Both log JSON lines (pino) to stdout; the
 * first line with `"msg":"ready"` carries the ports. `stage` reads commands
 * from stdin, one per line: `rollback <reason>`, `stage <shadow|parallel|cutover>`,
 * `report`.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import type { Command } from 'commander';
import type { Stage } from '../staging';
import { routeNodeOpcuaLogsToStderr } from './node-opcua-logs';

// Exit codes are the tools' one table: OK stopped cleanly, FAILED failed while running,
// USAGE bad usage or input.

/**
 * Plant I/O (node-opcua; Modbus TCP on `node:net`, ADR 0164), staging, pino, and protocols' exit codes (zod),
 * loaded by `serve-plc` and `stage` when they run, not for their `--help`
 * (docs/cli-startup.md).
 */
async function loadPlantIo() {
  await routeNodeOpcuaLogsToStderr();
  const [plantIo, staging, { pino }, { EXIT }] = await Promise.all([
    import('../plant-io'),
    import('../staging'),
    import('pino'),
    import('@plcfleet/protocols'),
  ]);
  return { ...plantIo, ...staging, pino, EXIT };
}
type PlantIo = Awaited<ReturnType<typeof loadPlantIo>>;

function port({ PlantIoError }: PlantIo, v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new PlantIoError('BAD_CONFIG', `${name} must be a port (0-65535)`);
  return n;
}

function whole({ PlantIoError }: PlantIo, v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new PlantIoError('BAD_CONFIG', `${name} must be a whole number >= ${min}`);
  return n;
}

function fail({ PlantIoError, EXIT }: PlantIo, err: unknown): never {
  const code = err instanceof PlantIoError ? err.code : 'ERROR';
  process.stderr.write(`error ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof PlantIoError && err.code !== 'COMM_FAILURE' ? EXIT.USAGE : EXIT.FAILED);
}

function onStop({ EXIT }: PlantIo, close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(EXIT.OK),
      () => process.exit(EXIT.FAILED),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Options of `serve-plc` as commander parses them. */
interface ServePlcOptions extends IdentityOptions {
  program: string;
  tags: string;
  modbusPort: string;
  opcuaPort: string;
  cycleMs: string;
  security: string;
  users?: string;
  host: string;
  dataDir: string;
  allowAnonymous?: boolean;
  trustUnknownClients?: boolean;
  run?: string;
  modbusMaxConnections: string;
  modbusIdleTimeoutMs: string;
}

/** OPC UA identity flags, shared by `serve-plc` and `stage`. */
interface IdentityOptions {
  applicationUri?: string;
  productUri?: string;
  productName?: string;
  manufacturer?: string;
  certificateSubject?: string;
}

/** Adds the OPC UA identity flags (docs/plant-io.md, "Server identity"). */
function identityFlags(command: Command): Command {
  return command
    .option('--application-uri <uri>', 'OPC UA ApplicationUri (also in the certificate)')
    .option('--product-uri <uri>', 'OPC UA ProductUri', 'urn:plcfleet:edge-agent')
    .option('--product-name <name>', 'OPC UA ApplicationName and BuildInfo.ProductName')
    .option('--manufacturer <name>', 'BuildInfo.ManufacturerName (and the certificate O)', 'plcfleet')
    .option('--certificate-subject <dn>', 'subject of the server certificate made on first start, /CN=…/O=…');
}

function identity(opts: IdentityOptions) {
  return {
    ...(opts.applicationUri ? { applicationUri: opts.applicationUri } : {}),
    ...(opts.productUri ? { productUri: opts.productUri } : {}),
    ...(opts.productName ? { productName: opts.productName } : {}),
    ...(opts.manufacturer ? { manufacturerName: opts.manufacturer } : {}),
    ...(opts.certificateSubject ? { certificateSubject: opts.certificateSubject } : {}),
  };
}

/**
 * For the long-running servers on edge hardware: after a full collection V8 lets the heap
 * grow by 30 % over what is live, instead of its default factor (up to 4× while collecting
 * is cheap). With the default, the bridge in the 10,000-tag benchmark held ~100 MB of live
 * data and drifted past 500 MB of RSS between full collections; with 30 % it stays near
 * 220 MB for about 2 % of a core more. V8 reads the factor at every full collection, so
 * setting it at start-up takes effect.
 */
function leanHeap(): void {
  v8.setFlagsFromString('--heap-growing-percent=30');
}

/** Options of `stage` as commander parses them. */
interface StageOptions extends IdentityOptions {
  tags: string;
  modbus: string;
  unitId?: string;
  opcuaPort: string;
  mode: string;
  security: string;
  insecure?: boolean;
  users?: string;
  host: string;
  dataDir: string;
  allowAnonymous?: boolean;
  trustUnknownClients?: boolean;
  plcOpcua?: string;
  plcSecurity: string;
  maxDivergences: string;
  site: string;
  migrationId?: string;
  timeoutMs: string;
  modbusConnections: string;
  minPublishingMs: string;
}

/** Registers `serve-plc` and `stage`. */
export function registerPlantIoCommands(program: Command): void {
  identityFlags(program.command('serve-plc'))
    .description('run an ST program on the virtual PLC and serve it over Modbus TCP and OPC UA')
    .requiredOption('--program <path>', 'ST file or directory')
    .requiredOption('--tags <tagmap>', 'tag map (YAML/JSON)')
    .option('--modbus-port <n>', 'Modbus TCP port (0: a free one)', '5020')
    .option('--opcua-port <n>', 'OPC UA port (0: a free one)', '4840')
    .option('--cycle-ms <n>', 'scan cycle in ms', '10')
    .option('--security <mode>', 'none | sign | sign-and-encrypt', 'none')
    .option('--users <file>', 'OPC UA users file (scrypt hashes); without it sessions are anonymous')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'folder for the OPC UA PKI', path.join('.plcfleet', 'serve-plc'))
    .option('--allow-anonymous', 'allow anonymous sessions even with --users')
    .option('--trust-unknown-clients', 'trust OPC UA client certificates on first use')
    .option('--run <program>', 'PROGRAM or CONFIGURATION to run (default: the only one)')
    .option(
      '--modbus-max-connections <n>',
      'simultaneous Modbus TCP connections; more are closed at once',
      '32',
    )
    .option(
      '--modbus-idle-timeout-ms <n>',
      'close a Modbus TCP connection after this long without traffic (0: never)',
      '60000',
    )
    .action(async (opts: ServePlcOptions) => {
      leanHeap();
      const lib = await loadPlantIo();
      const {
        pino,
        parseSecurityChoice,
        loadTagMap,
        loadUsersFile,
        userChecker,
        VirtualPlcRuntime,
        startPlcServer,
        PlantIoError,
      } = lib;
      const log = pino({ base: { cmd: 'serve-plc' } });
      try {
        const cycleMs = Number(opts.cycleMs);
        if (!(cycleMs >= 1)) throw new PlantIoError('BAD_CONFIG', '--cycle-ms must be at least 1');
        const security = parseSecurityChoice(opts.security, true);
        const tags = await loadTagMap(opts.tags);
        const users = opts.users ? await loadUsersFile(opts.users) : undefined;
        const runtime = VirtualPlcRuntime.fromPaths([opts.program], {
          cycleMs,
          ...(opts.run ? { program: opts.run } : {}),
        });
        const plc = await startPlcServer({
          runtime,
          tags,
          cycleMs,
          programName: runtime.plc.programs[0]?.name ?? 'Main',
          modbus: {
            port: port(lib, opts.modbusPort, '--modbus-port'),
            host: opts.host,
            maxConnections: whole(lib, opts.modbusMaxConnections, '--modbus-max-connections', 1),
            idleTimeoutMs: whole(lib, opts.modbusIdleTimeoutMs, '--modbus-idle-timeout-ms', 0),
          },
          opcua: {
            dataDir: opts.dataDir,
            port: port(lib, opts.opcuaPort, '--opcua-port'),
            host: opts.host,
            security,
            ...(users ? { checkUser: userChecker(users) } : {}),
            // a simulator without a users file has no other way in
            allowAnonymous: !users || opts.allowAnonymous === true,
            trustUnknownClients: opts.trustUnknownClients === true,
            ...identity(opts),
          },
        });
        log.info(
          {
            modbusPort: plc.modbus?.port,
            opcuaEndpoint: plc.opcua?.endpointUrl,
            security,
            tags: tags.tags.length,
          },
          'ready',
        );
        let lastError: string | undefined;
        plc.loop.onScan(() => {
          if (plc.loop.error && plc.loop.error !== lastError) {
            lastError = plc.loop.error;
            log.warn({ error: lastError }, 'PLC error');
          }
        });
        onStop(lib, () => plc.close());
      } catch (err) {
        fail(lib, err);
      }
    });

  identityFlags(program.command('stage'))
    .description('stage a Modbus TCP → OPC UA cutover: poll over Modbus, serve over OPC UA, compare')
    .requiredOption('--tags <tagmap>', 'tag map (YAML/JSON)')
    .requiredOption('--modbus <host:port>', "the PLC's Modbus TCP server")
    .option('--unit-id <n>', "Modbus unit id (default: the tag map's)")
    .requiredOption('--opcua-port <n>', "the bridge's OPC UA port")
    .requiredOption('--mode <mode>', 'shadow | parallel | cutover')
    .option('--security <mode>', 'none | sign | sign-and-encrypt', 'sign-and-encrypt')
    .option('--insecure', 'accept --security none')
    .option('--users <file>', 'OPC UA users file (scrypt hashes)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'folder for the OPC UA PKI', path.join('.plcfleet', 'stage'))
    .option('--allow-anonymous', 'allow anonymous OPC UA sessions')
    .option('--trust-unknown-clients', 'trust OPC UA client certificates on first use')
    .option('--plc-opcua <url>', "the PLC's own OPC UA endpoint, compared in parallel mode")
    .option('--plc-security <mode>', "security towards the PLC's OPC UA server", 'none')
    .option('--max-divergences <n>', 'divergences tolerated before rolling back', '0')
    .option('--site <name>', 'site name in stage reports', 'local')
    .option('--migration-id <id>', 'migration id in stage reports')
    .option('--timeout-ms <n>', 'Modbus request timeout', '1000')
    .option('--modbus-connections <n>', 'parallel Modbus connections (one request in flight each)', '1')
    .option('--min-publishing-ms <n>', 'fastest OPC UA publishing interval granted to a subscription', '10')
    .action(async (opts: StageOptions) => {
      leanHeap();
      const lib = await loadPlantIo();
      const {
        pino,
        parseSecurityChoice,
        loadTagMap,
        loadUsersFile,
        userChecker,
        StagingBridge,
        PlantIoError,
      } = lib;
      const log = pino({ base: { cmd: 'stage' } });
      try {
        const mode = opts.mode;
        if (mode !== 'shadow' && mode !== 'parallel' && mode !== 'cutover')
          throw new PlantIoError('BAD_CONFIG', '--mode must be shadow, parallel or cutover');
        const security = parseSecurityChoice(opts.security, opts.insecure === true);
        const m = /^(.+):(\d+)$/.exec(opts.modbus);
        if (!m) throw new PlantIoError('BAD_CONFIG', '--modbus must be HOST:PORT');
        const tags = await loadTagMap(opts.tags);
        const users = opts.users ? await loadUsersFile(opts.users) : undefined;
        if (!users && !opts.allowAnonymous)
          throw new PlantIoError('BAD_CONFIG', 'no way to log in: give --users FILE (or --allow-anonymous)');
        const unitId = opts.unitId === undefined ? undefined : Number(opts.unitId);
        if (unitId !== undefined && !(Number.isInteger(unitId) && unitId >= 0 && unitId <= 255))
          throw new PlantIoError('BAD_CONFIG', '--unit-id must be 0-255');
        const bridge = await StagingBridge.start({
          tags,
          modbus: {
            host: m[1]!,
            port: port(lib, m[2]!, '--modbus'),
            ...(unitId !== undefined ? { unitId } : {}),
            timeoutMs: Number(opts.timeoutMs),
            connections: Number(opts.modbusConnections),
          },
          opcua: {
            dataDir: opts.dataDir,
            port: port(lib, opts.opcuaPort, '--opcua-port'),
            host: opts.host,
            security,
            ...(users ? { checkUser: userChecker(users) } : {}),
            allowAnonymous: opts.allowAnonymous === true,
            trustUnknownClients: opts.trustUnknownClients === true,
            minPublishingIntervalMs: Number(opts.minPublishingMs),
            ...identity(opts),
          },
          mode,
          ...(opts.plcOpcua
            ? {
                plcOpcua: {
                  endpointUrl: opts.plcOpcua,
                  client: {
                    security: parseSecurityChoice(opts.plcSecurity, true),
                    dataDir: path.join(opts.dataDir, 'client-pki'),
                  },
                },
              }
            : {}),
          maxDivergences: Number(opts.maxDivergences),
          site: opts.site,
          ...(opts.migrationId ? { migrationId: opts.migrationId } : {}),
          log,
          onReport: (r) => log.info({ report: r }, 'stage.report'),
        });
        log.info({ opcuaEndpoint: bridge.server.endpointUrl, security, mode }, 'ready');
        const rl = createInterface({ input: process.stdin });
        rl.on('line', (line) => {
          const [cmd, ...rest] = line.trim().split(/\s+/);
          try {
            if (cmd === 'rollback') bridge.rollback(rest.join(' ') || 'on command');
            else if (cmd === 'stage') {
              const next = rest[0] as Stage;
              if (!['shadow', 'parallel', 'cutover', 'rolled-back'].includes(next))
                throw new Error(`unknown stage ${String(next)}`);
              bridge.setStage(next, 'on command');
            } else if (cmd === 'report') log.info({ report: bridge.report('on request') }, 'stage.report');
            else if (cmd) log.warn({ line }, 'unknown command');
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'command refused');
          }
        });
        onStop(lib, async () => {
          rl.close();
          await bridge.close();
        });
      } catch (err) {
        fail(lib, err);
      }
    });
}

/**
 * `plcfleet-agent drift --released SOURCE --live SOURCE [--json]`: is the live
 * program the released one? A SOURCE is a folder or file, a Git URL
 * (`git+file://…#REF[:SUBDIR]`) or a PLC's OPC UA endpoint. The comparison is
 * semantic (docs/edge-agent.md, "Sources, sinks and drift").
 */
import { join } from 'node:path';
import { EXIT } from '@plcfleet/protocols';
import type { Command } from 'commander';
import type { OpcuaSourceOptions, ProgramSource } from '../sources';
import { routeNodeOpcuaLogsToStderr } from './node-opcua-logs';

/** Exit codes of `drift`, from the tools' one table ({@link EXIT}). */
export const DRIFT_EXIT = {
  SAME: EXIT.OK,
  DRIFTED: EXIT.FAILED,
  USAGE: EXIT.USAGE,
  UNREACHABLE: EXIT.UNREACHABLE,
} as const;

/** Arguments of `drift`. */
export interface DriftArgs {
  released: string;
  live: string;
  json?: boolean;
  /** OPC UA message security. @default 'sign-and-encrypt' */
  security?: string;
  /** Accept `--security none`. */
  insecure?: boolean;
  /** OPC UA user name (password from `--password-env`). */
  user?: string;
  /** Environment variable holding the OPC UA password. @default PLC_OPCUA_PASSWORD */
  passwordEnv?: string;
  /** Folder of the OPC UA client PKI. @default .plcfleet/drift/opcua-pki */
  dataDir?: string;
  /** Trust an unknown PLC certificate on first use. */
  trustUnknownServer?: boolean;
  /** OPC UA timeout in ms. @default 10000 */
  timeoutMs?: string;
}

/** Where the command writes (injected by tests). */
export interface DriftIo {
  out(line: string): void;
  err(line: string): void;
}

const SECURITY = ['none', 'sign', 'sign-and-encrypt'] as const;

function opcuaOptions(args: DriftArgs, env: Record<string, string | undefined>): OpcuaSourceOptions | string {
  const security = (args.security ?? 'sign-and-encrypt') as (typeof SECURITY)[number];
  if (!SECURITY.includes(security))
    return `--security must be none, sign or sign-and-encrypt, not "${security}"`;
  if (security === 'none' && !args.insecure)
    return '--security none sends the PLC program in the clear; add --insecure for a simulator';
  const timeoutMs = args.timeoutMs === undefined ? 10_000 : Number(args.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) return `--timeout-ms must be a positive integer`;
  const passwordEnv = args.passwordEnv ?? 'PLC_OPCUA_PASSWORD';
  const password = args.user ? env[passwordEnv] : undefined;
  if (args.user && password === undefined) return `--user ${args.user} needs the password in $${passwordEnv}`;
  return {
    security,
    dataDir: args.dataDir ?? join('.plcfleet', 'drift', 'opcua-pki'),
    trustUnknownServer: args.trustUnknownServer === true,
    timeoutMs,
    ...(args.user && password !== undefined ? { user: { name: args.user, password } } : {}),
  };
}

/**
 * Runs `drift`; returns the exit code: 0 the same, 1 drifted (the JSON lists the
 * POUs with a short diff), 2 usage, 5 a source that cannot be reached.
 */
export async function runDrift(
  args: DriftArgs,
  io: DriftIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const say = (line: string) => io.err(`plcfleet-agent drift: ${line}`);
  const [sources, drift] = await Promise.all([import('../sources'), import('../drift')]);
  const opened: ProgramSource[] = [];
  try {
    const needsOpcua = [args.released, args.live].some(sources.isOpcuaEndpoint);
    const opcua = needsOpcua ? opcuaOptions(args, env) : {};
    if (typeof opcua === 'string') {
      say(opcua);
      return DRIFT_EXIT.USAGE;
    }
    if (needsOpcua) await routeNodeOpcuaLogsToStderr();
    for (const [flag, location] of [
      ['--released', args.released],
      ['--live', args.live],
    ] as const) {
      try {
        opened.push(sources.openProgramSource(location, { opcua, git: { env } }));
      } catch (err) {
        say(`${flag}: ${(err as Error).message}`);
        return DRIFT_EXIT.USAGE;
      }
    }
    let check: Awaited<ReturnType<typeof drift.checkDrift>>;
    try {
      check = await drift.checkDrift(opened[0]!, opened[1]!);
    } catch (err) {
      if (!(err instanceof drift.DriftReadError)) throw err;
      say(err.message);
      const code = (err.cause as { code?: string }).code;
      // A folder that is not there is bad input; a PLC or a remote that does not answer is unreachable.
      return code === 'io' && err.source.kind !== 'directory' ? DRIFT_EXIT.UNREACHABLE : DRIFT_EXIT.USAGE;
    }
    const c = check.comparison;
    if (args.json)
      io.out(
        JSON.stringify({
          ...c,
          released: check.released.location,
          ...(check.released.commit ? { releasedCommit: check.released.commit } : {}),
          live: check.live.location,
        }),
      );
    else {
      if (c.status === 'same')
        io.out(`SAME: the live program is the released one (live sha256 ${c.liveSha256.slice(0, 12)}…)`);
      else {
        io.out(
          `DRIFTED: ${c.pous.length} POU(s), ${c.globals.length} global(s), ${c.types.length} type(s)${c.configuration ? ', the configuration' : ''}${c.unparsed.length ? `, ${c.unparsed.length} unparsable file(s)` : ''} differ`,
        );
        for (const p of c.pous) io.out(`${p.change} ${p.pou}${p.file ? ` (${p.file})` : ''}\n${p.diff}`);
        for (const g of c.globals) io.out(`global ${g}`);
        for (const t of c.types) io.out(`type ${t}`);
        for (const u of c.unparsed) io.out(`does not parse (${u.side}): ${u.file}: ${u.message}`);
      }
    }
    return c.status === 'same' ? DRIFT_EXIT.SAME : DRIFT_EXIT.DRIFTED;
  } finally {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
  }
}

/** Registers `drift`. */
export function registerDriftCommands(program: Command): void {
  program
    .command('drift')
    .description('compare the live program with the released one, semantically (exit 0 same, 1 drifted)')
    .requiredOption(
      '--released <source>',
      'released program: folder, git+…://repo#REF[:SUBDIR], or opc.tcp://',
    )
    .requiredOption('--live <source>', 'live program: opc.tcp://host:port of the PLC, a folder or a Git URL')
    .option('--json', 'print the comparison as JSON')
    .option('--security <mode>', 'OPC UA: none | sign | sign-and-encrypt', 'sign-and-encrypt')
    .option('--insecure', 'OPC UA: accept --security none')
    .option('--user <name>', 'OPC UA user (password from --password-env)')
    .option('--password-env <var>', 'environment variable holding the OPC UA password', 'PLC_OPCUA_PASSWORD')
    .option('--data-dir <dir>', 'OPC UA client PKI folder', join('.plcfleet', 'drift', 'opcua-pki'))
    .option('--trust-unknown-server', 'OPC UA: trust an unknown PLC certificate on first use')
    .option('--timeout-ms <n>', 'OPC UA timeout', '10000')
    .action(async (opts: DriftArgs) => {
      process.exitCode = await runDrift(
        opts,
        { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
        process.env,
      );
    });
}

/**
 * `plcfleet-server`: runs the control plane and its maintenance commands.
 */
import { EXIT } from '@plcfleet/protocols';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from './auth/roles';
import { auditHeadCommand, auditVerifyCommand, createTokenCommand, serveCommand } from './cli/commands';
import type { ControlPlaneOptions } from './config';
import { ControlPlaneError } from './errors';

interface StoreFlags {
  db?: string;
  data?: string;
}

const storeOptions = (flags: StoreFlags): ControlPlaneOptions => ({
  ...(flags.db ? { db: flags.db } : {}),
  ...(flags.data ? { dataDir: flags.data } : {}),
  logLevel: 'warn',
});

const dbOption = () =>
  new Option(
    '--db <url-or-path>',
    'postgres://… URL or SQLite file (default: DATABASE_URL, else <data>/plcfleet.db)',
  );
const dataOption = () => new Option('--data <dir>', 'data folder (default: ./.plcfleet)');

const program = new Command('plcfleet-server')
  .description('plcfleet control plane: HTTP API, agent gateway, rollout engine, review and audit')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

program
  .command('serve', { isDefault: true })
  .description('run the control plane (HTTP API and agent gateway on one port)')
  .addOption(new Option('--port <n>', 'port (0 picks one)').argParser(parsePort))
  .addOption(new Option('--host <addr>', 'interface to listen on (default 127.0.0.1)'))
  .addOption(dbOption())
  .addOption(dataOption())
  .addOption(
    new Option('--log-level <level>', 'log level').choices([
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
  )
  .action(
    async (
      flags: StoreFlags & { port?: number; host?: string; logLevel?: ControlPlaneOptions['logLevel'] },
    ) => {
      await serveCommand({
        ...storeOptions(flags),
        logLevel: flags.logLevel ?? 'info',
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.host ? { host: flags.host } : {}),
      });
    },
  );

const audit = program.command('audit').description('the audit log');
audit
  .command('verify')
  .description('recompute the hash chain; exit 1 and name the first broken link when it does not hold')
  .addOption(dbOption())
  .addOption(dataOption())
  .option('--json', 'print the result as JSON')
  .option(
    '--anchor <seq:hash>',
    'a row whose hash was kept elsewhere (audit head); it must still be there (repeatable)',
    (v: string, all: string[]) => [...all, v],
    [] as string[],
  )
  .action(async (flags: StoreFlags & { json?: boolean; anchor: string[] }) => {
    process.exitCode = await auditVerifyCommand(storeOptions(flags), !!flags.json, undefined, flags.anchor);
  });
audit
  .command('head')
  .description('print the last row of the chain as SEQ:HASH, an anchor to keep outside the store')
  .addOption(dbOption())
  .addOption(dataOption())
  .option('--json', 'print {seq, hash, at} as JSON')
  .action(async (flags: StoreFlags & { json?: boolean }) => {
    process.exitCode = await auditHeadCommand(storeOptions(flags), !!flags.json);
  });

const tokens = program.command('tokens').description('API tokens');
tokens
  .command('create')
  .description('create a user with a role (or another token of an existing one) and print its token once')
  .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
  .requiredOption('--name <name>', 'user name')
  .addOption(dbOption())
  .addOption(dataOption())
  .action(async (flags: StoreFlags & { role: Role; name: string }) => {
    process.exitCode = await createTokenCommand(storeOptions(flags), { name: flags.name, role: flags.role });
  });

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

// `serve` is the default command, so commander would hand an unknown word to it
// ("too many arguments for 'serve'"); name the real mistake instead.
const first = process.argv[2];
const known = ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])];
if (first !== undefined && !first.startsWith('-') && !known.includes(first)) {
  process.stderr.write(`error: unknown command '${first}'\n`);
  process.exit(EXIT.USAGE);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // exit codes: the tools' one table (@plcfleet/protocols EXIT)
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  if (err instanceof ControlPlaneError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.code === 'VALIDATION' ? EXIT.USAGE : EXIT.FAILED);
  }
  throw err;
}

import { Command, CommanderError } from 'commander';
import { PlcfleetError } from '../errors';
import { action, type CliDeps, ExitWith } from './command-context';
import { agentsCommand } from './commands/agents-command';
import { auditCommand } from './commands/audit-command';
import { changesCommand } from './commands/changes-command';
import { deploysCommand, rollbackCommand } from './commands/deploys-command';
import { jobsCommand } from './commands/jobs-command';
import { migrationsCommand } from './commands/migrations-command';
import { rolloutsCommand } from './commands/rollouts-command';
import { sitesCommand } from './commands/sites-command';
import { tokensCommand } from './commands/tokens-command';
import { EXIT, exitCodeOf } from './exit-codes';

/** The `plcfleet` program with every command. */
export function buildProgram(deps: CliDeps): Command {
  const { stdout, stderr } = deps.streams;
  const program = new Command('plcfleet')
    .description(
      'plcfleet admin CLI: sites, agents, migrations, rollouts, jobs, change review, deploys, audit, tokens',
    )
    .version('0.1.0')
    .option('--server <url>', 'control plane URL (or PLCFLEET_SERVER)')
    .option('--token <token>', 'API token (or PLCFLEET_TOKEN, which keeps it out of the process list)')
    .option('--json', 'JSON output for scripts')
    .option('--color', 'colours even when stdout is not a terminal')
    .option('--no-color', 'no colours')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      // Usage errors are one line (commander adds a help hint on the next).
      outputError: (s, write) => write(`${s.split('\n')[0]}\n`),
    });
  program.addCommand(sitesCommand(deps));
  program.addCommand(agentsCommand(deps));
  program.addCommand(migrationsCommand(deps));
  program.addCommand(rolloutsCommand(deps));
  program.addCommand(jobsCommand(deps));
  program.addCommand(changesCommand(deps));
  program.addCommand(deploysCommand(deps));
  program.addCommand(rollbackCommand(deps));
  program.addCommand(auditCommand(deps));
  program.addCommand(tokensCommand(deps));
  action(
    program.command('whoami').description('who the token belongs to, and its role'),
    deps,
    async ({ client, out }) => {
      const me = await client.auth.whoami();
      out.result(me, () => out.line(`${me.name} (${me.role})`));
    },
  );
  // Commands built separately do not inherit the program's settings: give every one of them the same.
  const configure = (cmd: Command) => {
    cmd.exitOverride().showSuggestionAfterError(false).configureOutput(program.configureOutput());
    cmd.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/**
 * Runs `plcfleet` with `argv` (the arguments after the program name) and
 * returns the exit code: 0 ok, 1 the operation failed, 2 usage, 3 auth,
 * 4 not found, 5 server unreachable.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof ExitWith) return err.code;
    const code = exitCodeOf(err);
    let message = err instanceof Error ? err.message : String(err);
    // Without a token the server can only say HTTP; say where the CLI reads one.
    if (
      err instanceof PlcfleetError &&
      err.code === 'UNAUTHORIZED' &&
      !program.opts().token &&
      !deps.env.PLCFLEET_TOKEN
    )
      message =
        'no API token: set PLCFLEET_TOKEN (or pass --token <token>); an admin creates one with `plcfleet tokens create`';
    const apiCode = err instanceof PlcfleetError ? err.code : undefined;
    deps.streams.stderr.write(`plcfleet: ${message.split('\n')[0]}${apiCode ? ` (${apiCode})` : ''}\n`);
    if (program.opts().json) {
      const details = err instanceof PlcfleetError ? err.details : undefined;
      deps.streams.stdout.write(
        `${JSON.stringify({ error: { code: apiCode ?? (code === EXIT.USAGE ? 'USAGE' : 'FAILED'), message, ...(details === undefined ? {} : { details }) } })}\n`,
      );
    }
    return code;
  }
}

/**
 * `plcfleet-agent`: the edge agent's command line. Each concern registers its
 * own subcommands from `src/cli/<concern>-commands.ts`.
 *
 * Start-up time is part of the interface (docs/cli-startup.md): this entry and the
 * `register*` functions import only commander and light modules. node-opcua,
 * pino, the Anthropic and MCP SDKs, SQLite and kysely are loaded with
 * `import()` inside the action of a command that uses them, and tsup keeps them in
 * chunks of their own (`splitting`), so `compile` and `--help` never load them.
 */
import { CommanderError } from 'commander';
import { COMMANDER_EXIT, createProgram } from './cli/program';

const program = await createProgram(process.argv.slice(2));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; every usage error exits 2 (one line already printed)
    process.exit(err.exitCode === 0 ? COMMANDER_EXIT.OK : COMMANDER_EXIT.USAGE);
  }
  // The table is read only on this path: loading protocols (zod) would cost `--help` ~60 ms.
  const { EXIT } = await import('@plcfleet/protocols');
  // An error no command turned into its own message: one line, not a stack trace.
  process.stderr.write(`plcfleet-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.FAILED);
}

/**
 * `plcfleet-agent`: the edge agent's command line. Each concern registers its
 * own subcommands from `src/cli/<concern>-commands.ts`.
 */
import { format } from 'node:util';
import { Command, CommanderError } from 'commander';
import { setDebugLogger, setErrorLogger, setWarningLogger } from 'node-opcua';
import { registerAgentCommands } from './cli/agent-commands';
import { registerIecCommands } from './cli/iec-commands';
import { registerMigrateCommands } from './cli/migrate-commands';
import { registerPlantIoCommands } from './cli/plant-io-commands';
import { registerSafetyCommands } from './cli/safety-commands';
import { registerSimCommands } from './cli/sim-commands';

// node-opcua logs with console.log; stdout carries results (--json objects, JSON lines
// per scan, the daemon's JSON log), so its messages go to stderr.
const toStderr = (_context: unknown, ...args: unknown[]) => {
  process.stderr.write(`${format(...args)}\n`);
};
setWarningLogger(toStderr);
setErrorLogger(toStderr);
setDebugLogger(toStderr);

const program = new Command('plcfleet-agent')
  .description('plcfleet edge agent: read, transform, verify and deploy PLC programs at a plant')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

registerIecCommands(program);
registerAgentCommands(program);
registerSimCommands(program);
registerPlantIoCommands(program);
registerSafetyCommands(program);
registerMigrateCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; every usage error exits 2 (one line already printed)
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  throw err;
}

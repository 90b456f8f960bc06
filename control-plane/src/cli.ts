/**
 * `plcfleet-server`: runs the control plane and its maintenance commands.
 */
import { Command, CommanderError } from 'commander';

const program = new Command('plcfleet-server')
  .description('plcfleet control plane: HTTP API, agent gateway, rollout engine, review and audit')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  throw err;
}

/**
 * `plcfleet`: the admin CLI for fleet admins, safety engineers and rollout controllers.
 */
import { Command, CommanderError } from 'commander';

const program = new Command('plcfleet')
  .description('plcfleet admin CLI: sites, agents, migrations, rollouts, change review, deploys, audit')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  throw err;
}

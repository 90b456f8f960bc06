/**
 * `plcfleet-agent` with only the agent commands, for tests that run the
 * daemon as a real process (signals, exit codes) without the rest of the CLI.
 */
import { Command } from 'commander';
import { registerAgentCommands } from '../cli/agent-commands';

const program = new Command('plcfleet-agent');
registerAgentCommands(program);
await program.parseAsync(process.argv);

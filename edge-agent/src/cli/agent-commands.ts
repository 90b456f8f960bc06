import type { Command } from 'commander';
import { AgentError, loadAgentConfig, startAgent } from '../agent';

/**
 * Registers `run --config FILE`: the long-lived agent daemon. Exit codes: 0
 * after a clean stop (SIGTERM, SIGINT), 2 for a bad config (one line naming
 * the field), 1 when the agent cannot start.
 */
export function registerAgentCommands(program: Command): void {
  program
    .command('run')
    .description('run the edge agent daemon: serve the control plane’s jobs and deploy orders')
    .requiredOption('--config <file>', 'agent config (YAML, kind: AgentConfig)')
    .action(async (opts: { config: string }) => {
      let config: Awaited<ReturnType<typeof loadAgentConfig>>;
      try {
        // The one place the agent reads the environment: the config names the variables.
        config = await loadAgentConfig(opts.config, process.env);
      } catch (err) {
        process.stderr.write(`plcfleet-agent: ${(err as Error).message}\n`);
        process.exit(err instanceof AgentError && err.code === 'VALIDATION' ? 2 : 1);
      }
      let agent: Awaited<ReturnType<typeof startAgent>>;
      try {
        agent = await startAgent(config);
      } catch (err) {
        process.stderr.write(`plcfleet-agent: cannot start: ${(err as Error).message}\n`);
        process.exit(err instanceof AgentError && err.code === 'VALIDATION' ? 2 : 1);
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`plcfleet-agent: ${signal}: finishing or parking the current job\n`);
          agent.stop().then(resolve, (err: unknown) => {
            process.stderr.write(`plcfleet-agent: stop failed: ${(err as Error).message}\n`);
            process.exit(1);
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      process.exit(0);
    });
}

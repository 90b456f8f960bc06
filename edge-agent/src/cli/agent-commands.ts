import type { Command } from 'commander';
import type { AgentConfig, AgentHandle } from '../agent';
import { routeNodeOpcuaLogsToStderr } from './node-opcua-logs';

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
      // The daemon (SQLite, kysely, ws, pino, the SDKs) and protocols (zod) load only for
      // this command, not for its --help.
      const [{ AgentError, loadAgentConfig, startAgent }, { EXIT }] = await Promise.all([
        import('../agent'),
        import('@plcfleet/protocols'),
      ]);
      let config: AgentConfig;
      try {
        // The one place the agent reads the environment: the config names the variables.
        config = await loadAgentConfig(opts.config, process.env);
      } catch (err) {
        process.stderr.write(`plcfleet-agent: ${(err as Error).message}\n`);
        process.exit(err instanceof AgentError && err.code === 'VALIDATION' ? EXIT.USAGE : EXIT.FAILED);
      }
      let agent: AgentHandle;
      try {
        if (config.program.kind === 'opcua') await routeNodeOpcuaLogsToStderr();
        agent = await startAgent(config);
      } catch (err) {
        process.stderr.write(`plcfleet-agent: cannot start: ${(err as Error).message}\n`);
        process.exit(err instanceof AgentError && err.code === 'VALIDATION' ? EXIT.USAGE : EXIT.FAILED);
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`plcfleet-agent: ${signal}: finishing or parking the current job\n`);
          agent.stop().then(resolve, (err: unknown) => {
            process.stderr.write(`plcfleet-agent: stop failed: ${(err as Error).message}\n`);
            process.exit(EXIT.FAILED);
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      process.exit(EXIT.OK);
    });
}

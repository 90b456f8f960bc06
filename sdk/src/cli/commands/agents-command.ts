import { Duration } from '@plcfleet/protocols';
import { Command } from 'commander';
import { action, type CliDeps } from '../command-context';
import { UsageError } from '../exit-codes';
import { shortTime } from '../output';

/** `plcfleet agents enroll|list`. */
export function agentsCommand(deps: CliDeps): Command {
  const agents = new Command('agents').description('edge agents and their enrollment');

  action(
    agents
      .command('enroll')
      .description('create a one-time enrollment token for a site’s agent (admin); shown once')
      .requiredOption('--site <name>', 'the site the agent will serve')
      .option('--ttl <duration>', 'how long the token is valid, e.g. 1h, 24h', '24h'),
    deps,
    async ({ client, out }, opts: { site: string; ttl: string }) => {
      const ttl = Duration.safeParse(opts.ttl);
      if (!ttl.success)
        throw new UsageError(`--ttl "${opts.ttl}": expected a duration like "30m", "24h" or "7d"`);
      const e = await client.agents.createEnrollment({ site: opts.site, ttl: ttl.data });
      out.result(e, () => {
        out.line(e.enrollmentToken);
        out.note(
          `enrollment token for site ${e.site}, valid until ${shortTime(e.expiresAt)}; put it in the agent's config ` +
            '(enrollmentToken) — it is shown only once and works once',
        );
      });
    },
  );

  action(
    agents
      .command('list')
      .description('enrolled agents')
      .option('--site <name>', 'only the agents of this site'),
    deps,
    async ({ client, out }, opts: { site?: string }) => {
      const list = await client.agents.list(opts.site ? { site: opts.site } : {});
      out.result(list, () =>
        out.table(list, [
          ['agent', (a) => a.id],
          ['site', (a) => a.site],
          ['connected', (a) => (a.connected ? 'yes' : 'no')],
          ['last seen', (a) => shortTime(a.lastSeenAt)],
          ['version', (a) => a.agentVersion ?? '-'],
          ['revoked', (a) => (a.revoked ? 'yes' : 'no')],
        ]),
      );
    },
  );
  return agents;
}

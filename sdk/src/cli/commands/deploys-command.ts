import { Command } from 'commander';
import { PlcfleetError } from '../../errors';
import { action, type CliDeps } from '../command-context';
import { UsageError } from '../exit-codes';
import { shortTime } from '../output';

/** `plcfleet deploys list`. */
export function deploysCommand(deps: CliDeps): Command {
  const deploys = new Command('deploys').description('deploys of approved changes');
  action(
    deploys
      .command('list')
      .description('deploys and their state')
      .option('--site <name>', 'only of this site')
      .option('--rollout <id>', 'only of this rollout'),
    deps,
    async ({ client, out }, opts: { site?: string; rollout?: string }) => {
      const list = await client.deploys.list(opts);
      out.result(list, () =>
        out.table(list, [
          ['deploy', (d) => d.id],
          ['site', (d) => d.site],
          ['rollout', (d) => d.rolloutId],
          ['change', (d) => d.changeRequestId],
          ['state', (d) => d.state],
          ['window', (d) => `${shortTime(d.notBefore)} – ${shortTime(d.notAfter)}`],
          ['reason', (d) => d.reason || '-'],
        ]),
      );
    },
  );
  return deploys;
}

/** `plcfleet rollback --site S --rollout R --reason …`. */
export function rollbackCommand(deps: CliDeps): Command {
  return action(
    new Command('rollback')
      .description(
        'roll back a site’s deploy of a rollout (--site and --rollout), a site’s latest deploy (--site), or every deploy of a rollout (--rollout)',
      )
      .option('--site <name>', 'the site')
      .option('--rollout <id>', 'the rollout')
      .requiredOption('--reason <text>', 'why (recorded in the audit log and sent to the agent)'),
    deps,
    async ({ client, out }, opts: { site?: string; rollout?: string; reason: string }) => {
      let result: Awaited<ReturnType<typeof client.deploys.rollbackSite>>;
      if (opts.site && opts.rollout) {
        const live = (await client.deploys.list({ site: opts.site, rollout: opts.rollout })).filter(
          (d) => d.state !== 'rolled-back' && d.state !== 'cancelled' && d.state !== 'refused',
        );
        const deploy = live[live.length - 1];
        if (!deploy)
          throw new PlcfleetError(
            'NOT_FOUND',
            `no deploy of rollout ${opts.rollout} at site ${opts.site} to roll back`,
          );
        result = await client.deploys.rollbackSite(opts.site, { reason: opts.reason, deployId: deploy.id });
      } else if (opts.site) result = await client.deploys.rollbackSite(opts.site, { reason: opts.reason });
      else if (opts.rollout) result = await client.rollouts.rollback(opts.rollout, opts.reason);
      else throw new UsageError('rollback: give --site, --rollout or both');
      out.result(result, () => {
        for (const r of result.rollbacks)
          out.line(`rollback ${r.id} ordered for ${r.site}${r.deployId ? ` (deploy ${r.deployId})` : ''}`);
        for (const d of result.cancelledDeploys) out.line(`deploy ${d} cancelled before delivery`);
        if (!result.rollbacks.length && !result.cancelledDeploys.length) out.line('nothing to roll back');
      });
    },
  );
}

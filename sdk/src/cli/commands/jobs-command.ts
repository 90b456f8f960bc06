import { JobState } from '@plcfleet/protocols';
import { Command, Option } from 'commander';
import type { JobQuery } from '../../client/api/jobs-api';
import { positiveInt } from '../arg-parsers';
import { action, type CliDeps } from '../command-context';
import { shortTime } from '../output';

/** `plcfleet jobs list|show`: one job per site per rollout, with its verdict. */
export function jobsCommand(deps: CliDeps): Command {
  const jobs = new Command('jobs').description('jobs: one per site per rollout, and their verdicts');

  action(
    jobs
      .command('list')
      .description('jobs, by rollout, site or state')
      .option('--rollout <id>', 'only the jobs of this rollout')
      .option('--site <name>', 'only the jobs of this site')
      .addOption(new Option('--state <state>', 'only jobs in this state').choices(JobState.options))
      .option('--limit <n>', 'at most this many', positiveInt),
    deps,
    async (
      { client, out },
      opts: { rollout?: string; site?: string; state?: JobQuery['state']; limit?: number },
    ) => {
      const list = await client.jobs.list(opts);
      out.result(list, () =>
        out.table(list, [
          ['job', (j) => j.id],
          ['rollout', (j) => j.rolloutId],
          ['site', (j) => j.site],
          ['phase', (j) => String(j.phaseIndex + 1)],
          ['state', (j) => j.state],
          ['attempt', (j) => String(j.attempt)],
          ['agent', (j) => j.agentId ?? '-'],
          ['updated', (j) => shortTime(j.updatedAt)],
          ['reason', (j) => j.reason || '-'],
        ]),
      );
    },
  );

  action(
    jobs.command('show').description('one job and its verdict').argument('<id>', 'job id'),
    deps,
    async ({ client, out }, id: string) => {
      const d = await client.jobs.get(id);
      out.result(d, () => {
        const j = d.job;
        out.line(`job         ${j.id}`);
        out.line(`rollout     ${j.rolloutId} (phase ${j.phaseIndex + 1})`);
        out.line(`site        ${j.site}`);
        out.line(`state       ${j.state}${j.reason ? ` — ${j.reason}` : ''}`);
        out.line(`attempt     ${j.attempt}`);
        out.line(`agent       ${j.agentId ?? '-'}`);
        out.line(`started     ${shortTime(j.startedAt)}, finished ${shortTime(j.finishedAt)}`);
        const v = d.verdict;
        out.line(
          `verdict     ${v ? `${v.outcome}${v.reason ? ` — ${v.reason}` : ''}${v.safetyFailure ? ' (safety failure)' : ''}` : 'none yet'}`,
        );
      });
    },
  );
  return jobs;
}

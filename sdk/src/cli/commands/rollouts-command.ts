import {
  type AgentView,
  type JobView,
  type RolloutDetail,
  RolloutPlan,
  type RolloutProgress,
  type RolloutView,
} from '@plcfleet/protocols';
import { Command } from 'commander';
import type { RolloutCommand } from '../../client/api/rollouts-api';
import { positiveInt } from '../arg-parsers';
import { action, type CliDeps, type CommandContext } from '../command-context';
import { EXIT } from '../exit-codes';
import { shortTime } from '../output';
import { readDocument } from '../read-document';
import { renderRolloutView } from '../rollout-view';

const COMMANDS: readonly { name: RolloutCommand; what: string; reason: 'required' | 'optional' | 'none' }[] =
  [
    { name: 'start', what: 'start a pending rollout', reason: 'none' },
    { name: 'pause', what: 'pause a running rollout (no new jobs are offered)', reason: 'required' },
    { name: 'resume', what: 'resume a paused rollout', reason: 'none' },
    { name: 'promote', what: 'move to the next phase now', reason: 'none' },
    { name: 'abort', what: 'abort: cancel jobs not yet started; running ones finish', reason: 'required' },
    { name: 'retry', what: 'retry the failed sites (the way on from a halted rollout)', reason: 'none' },
    {
      name: 'close',
      what: 'end a rollout whose sites will not all run the change (completed, with the reason)',
      reason: 'required',
    },
  ];

/** `plcfleet rollouts create|list|show|watch|start|pause|resume|promote|abort|retry|close`. */
export function rolloutsCommand(deps: CliDeps): Command {
  const rollouts = new Command('rollouts').description('staged rollouts: create, steer and watch them');

  action(
    rollouts
      .command('create')
      .description('create a rollout of a migration along a plan')
      .requiredOption('--migration <id>', 'migration id')
      .requiredOption('--plan <file>', 'rollout plan (YAML or JSON)')
      .option('--revision <n>', 'migration revision (default: the latest)', positiveInt)
      .option('--name <name>', 'a name for people')
      .option('--start', 'start it at once'),
    deps,
    async (
      { client, out },
      opts: { migration: string; plan: string; revision?: number; name?: string; start?: boolean },
    ) => {
      const { raw } = await readDocument(opts.plan, RolloutPlan);
      const d = await client.rollouts.create({
        migrationId: opts.migration,
        plan: raw as RolloutPlan,
        ...(opts.revision ? { revision: opts.revision } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        start: !!opts.start,
      });
      const r = d.rollout;
      out.result(d, () => {
        out.line(r.id);
        out.note(
          `rollout ${r.id} of ${r.migrationId}@${r.revision}: ${r.plan.phases.length} phases, ${r.state}`,
        );
      });
    },
  );

  action(rollouts.command('list').description('every rollout'), deps, async ({ client, out }) => {
    const list = await client.rollouts.list();
    out.result(list, () => out.table(list, rolloutColumns));
  });

  action(
    rollouts
      .command('show')
      .description('a rollout: state, jobs by state, decisions')
      .argument('<id>', 'rollout id'),
    deps,
    async (ctx, id: string) => {
      const [detail, jobs, progress] = await Promise.all([
        ctx.client.rollouts.get(id),
        ctx.client.jobs.list({ rollout: id }),
        progressOf(ctx, id),
      ]);
      const agents = await agentsIfWaiting(ctx, detail, jobs);
      ctx.out.result({ ...detail, jobList: jobs, ...(progress ? { progress } : {}) }, () => {
        for (const l of renderRolloutView(detail, jobs, ctx.out, undefined, agents, progress))
          ctx.out.line(l);
      });
    },
  );

  for (const c of COMMANDS) {
    const cmd = rollouts.command(c.name).description(c.what).argument('<id>', 'rollout id');
    if (c.reason === 'required') cmd.requiredOption('--reason <text>', 'why (recorded in the audit log)');
    if (c.name === 'retry')
      cmd.option('--phase <n>', 'only the failed sites of this phase (1-based)', positiveInt);
    action(cmd, deps, async ({ client, out }, id: string, opts: { reason?: string; phase?: number }) => {
      const d =
        c.name === 'retry' && opts.phase !== undefined
          ? await client.rollouts.retry(id, { phase: opts.phase })
          : await client.rollouts.command(id, c.name, opts.reason);
      const r = d.rollout;
      out.result(d, () =>
        out.line(`rollout ${r.id}: ${r.state}${r.stateReason ? ` — ${r.stateReason}` : ''}`),
      );
      // Resumed, but the phase's manual gate still holds it: say what carries it on.
      if (c.name === 'resume' && r.phaseState === 'awaiting-approval')
        out.note(
          `phase ${r.phaseIndex + 1} (${r.plan.phases[r.phaseIndex]?.name ?? '?'}) waits for a person to promote it: plcfleet rollouts promote ${r.id}`,
        );
    });
  }

  action(
    rollouts
      .command('watch')
      .description('follow a rollout live until it ends (exit 0 completed, 1 halted or aborted)')
      .argument('<id>', 'rollout id'),
    deps,
    (ctx, id: string) => watch(ctx, id),
  );
  return rollouts;
}

const rolloutColumns: readonly (readonly [string, (r: RolloutView) => string])[] = [
  ['rollout', (r) => r.id],
  ['name', (r) => r.name || '-'],
  ['migration', (r) => `${r.migrationId}@${r.revision}`],
  ['state', (r) => r.state],
  ['phase', (r) => `${r.phaseIndex + 1}/${r.plan.phases.length} ${r.phaseState}`],
  ['created', (r) => shortTime(r.createdAt)],
];

/**
 * The agents, when jobs of the current phase wait to be offered (the view then
 * names the sites without a connected agent); undefined otherwise, or when they
 * cannot be read (the view is still worth showing).
 */
async function agentsIfWaiting(
  { client, signal }: Pick<CommandContext, 'client' | 'signal'>,
  detail: RolloutDetail,
  jobs: readonly JobView[],
): Promise<AgentView[] | undefined> {
  const r = detail.rollout;
  const waiting = jobs.some(
    (j) => j.phaseIndex === r.phaseIndex && (j.state === 'queued' || j.state === 'ready'),
  );
  if (!waiting) return undefined;
  return client.agents.list({}, { signal }).catch(() => undefined);
}

/**
 * The deploy outcomes per phase, or undefined when they cannot be read (a control plane
 * older than the progress route): the view is still worth showing without them.
 */
function progressOf(
  { client, signal }: Pick<CommandContext, 'client' | 'signal'>,
  id: string,
): Promise<RolloutProgress | undefined> {
  return client.rollouts.progress(id, { signal }).catch(() => undefined);
}

/**
 * `rollouts watch`: with `--json`, every watch event as a JSON line; otherwise a
 * view redrawn in place on a terminal, or appended when stdout is a file or pipe.
 */
async function watch({ client, out, signal }: CommandContext, id: string): Promise<number> {
  const tty = !!out.streams.stdout.isTTY && !out.json;
  let drawn = 0;
  let lastText = '';
  let last: RolloutDetail | undefined;
  for await (const e of client.watchRollout(id, { signal })) {
    if (out.json) {
      out.line(
        JSON.stringify(
          e.type === 'reconnecting' ? { ...e, error: { code: e.error.code, message: e.error.message } } : e,
        ),
      );
      if (e.type === 'snapshot') last = e.detail;
      continue;
    }
    if (e.type === 'reconnecting') {
      out.note(`event stream dropped (${e.error.message}); reconnecting, attempt ${e.attempt}`);
      continue;
    }
    if (e.type !== 'snapshot') continue;
    last = e.detail;
    let jobs: JobView[];
    let agents: AgentView[] | undefined;
    let progress: RolloutProgress | undefined;
    try {
      jobs = await client.jobs.list({ rollout: id }, { signal });
      agents = await agentsIfWaiting({ client, signal }, e.detail, jobs);
      progress = await progressOf({ client, signal }, id);
    } catch (err) {
      if (signal.aborted) break;
      throw err;
    }
    const lines = renderRolloutView(e.detail, jobs, out, undefined, agents, progress);
    const text = lines.join('\n');
    if (text === lastText) continue;
    lastText = text;
    // Redraw: move up over the previous view and clear to the end of the screen.
    if (tty && drawn) out.streams.stdout.write(`\x1b[${drawn}A\x1b[J`);
    else if (drawn) out.line();
    for (const l of lines) out.line(l);
    drawn = lines.length;
  }
  if (!last) return EXIT.OK;
  const state = last.rollout.state;
  if (state === 'completed' || signal.aborted) return EXIT.OK;
  if (!out.json) out.note(`rollout ${id} ${state}: ${last.rollout.stateReason}`);
  return EXIT.FAILED;
}

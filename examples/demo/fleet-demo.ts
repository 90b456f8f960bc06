/**
 * `npm start`: the fleet demo (see fleet.ts). Prints the live rollout view with
 * the admin CLI's own `plcfleet rollouts watch`, then a summary table.
 *
 *   npm start                          run it; exit 0 when it ended as designed
 *   npm start -- --keep                keep everything running; prints the URL and a token
 *   npm start -- --transformer claude  use the model (needs ANTHROPIC_API_KEY)
 *   npm start -- --migration ladder-to-st   the ladder → ST rollout over two ladder-line plants
 *   npm start -- --scenario shadow     three tank plants: a shadow gate catches a divergent candidate
 *                                      before deploy, a post-deploy watch rolls a misbehaving change back
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { routeNodeOpcuaLogsToStderr } from '@plcfleet/edge-agent';
import { bold, type FleetDemoRow, runFleetDemo } from './fleet';
import { runLadderFleetDemo } from './ladder-fleet';
import { runShadowFleetDemo, type ShadowDemoRow } from './shadow-fleet';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (line: string) => process.stderr.write(`${line}\n`);

function usage(message: string): never {
  say(`fleet demo: ${message}`);
  process.exit(2);
}

let args: { keep: boolean; transformer: string; quiet: boolean; migration: string; scenario: string };
try {
  ({ values: args } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      transformer: { type: 'string', default: 'recipe' },
      quiet: { type: 'boolean', default: false },
      migration: { type: 'string', default: 'safety-guard-monitor' },
      scenario: { type: 'string', default: 'guard' },
    },
  }) as { values: typeof args });
} catch (err) {
  usage((err as Error).message);
}
if (args.transformer !== 'recipe' && args.transformer !== 'claude')
  usage(`--transformer: expected recipe or claude, got "${args.transformer}"`);
if (args.migration !== 'safety-guard-monitor' && args.migration !== 'ladder-to-st')
  usage(`--migration: expected safety-guard-monitor or ladder-to-st, got "${args.migration}"`);
if (args.scenario !== 'guard' && args.scenario !== 'shadow')
  usage(`--scenario: expected guard or shadow, got "${args.scenario}"`);
if (
  args.scenario === 'shadow' &&
  (args.migration !== 'safety-guard-monitor' || args.transformer !== 'recipe')
)
  usage(
    '--scenario shadow runs its own migration with the recipe transformer: drop --migration and --transformer',
  );
if (args.transformer === 'claude' && !process.env.ANTHROPIC_API_KEY)
  usage('--transformer claude needs ANTHROPIC_API_KEY in the environment');

function printTable<R extends FleetDemoRow | ShadowDemoRow>(
  rows: R[],
  cols: readonly (keyof R & string)[],
): void {
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

/** `plcfleet rollouts <verb> <id>` of the admin CLI against the demo's control plane, output inherited. */
function rolloutsCommand(verb: 'watch' | 'show', r: { rolloutId: string; url: string; token: string }) {
  return spawn(
    process.execPath,
    [join(repo, 'sdk/bin/plcfleet.js'), 'rollouts', verb, r.rolloutId, '--server', r.url, '--token', r.token],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

async function main(): Promise<number> {
  const t0 = Date.now();
  // node-opcua (the demo's PLCs and agents) logs with console.log: stdout is the rollout views
  // and the table. Its notices go to stderr; those about nothing the user did are dropped.
  await routeNodeOpcuaLogsToStderr();
  let watch: ChildProcess | undefined;
  let live: { rolloutId: string; url: string; token: string } | undefined;
  const options = {
    transformer: args.transformer as 'recipe' | 'claude',
    say: args.quiet ? () => {} : say,
    onRollout: ({ rolloutId, url, token }: { rolloutId: string; url: string; token: string }) => {
      if (args.quiet) return;
      live = { rolloutId, url, token };
      // The live view is the admin CLI's own `plcfleet rollouts watch`.
      watch = rolloutsCommand('watch', live);
    },
  };
  const stopWatch = async () => {
    if (watch && watch.exitCode === null) {
      const exited = new Promise((r) => watch!.once('exit', r));
      watch.kill('SIGINT');
      await exited;
    }
    if (live) {
      // The live view ends with the rollout's final state; changes approved before a halt
      // deploy after it. Show the rollout once more as it is now, so the view and the
      // summary below tell the same story.
      say(bold('▸ the rollout after its deploys settled'));
      const show = rolloutsCommand('show', live);
      await new Promise((r) => show.once('exit', r));
    }
    say(bold('▸ summary'));
  };
  let result: {
    rolloutId: string;
    rolloutState: string;
    rolloutReason: string;
    asExpected: boolean;
    url: string;
    adminToken: string;
    stop(): Promise<void>;
  };
  if (args.scenario === 'shadow') {
    const r = await runShadowFleetDemo(options);
    await stopWatch();
    printTable(r.rows, ['site', 'verdict', 'shadow', 'deploy', 'watch']);
    for (const line of r.phases) say(line);
    result = r;
  } else {
    const run = args.migration === 'ladder-to-st' ? runLadderFleetDemo : runFleetDemo;
    const r = await run(options);
    await stopWatch();
    printTable(r.rows, ['site', 'verdict', 'safety', 'proofs', 'deploy']);
    result = r;
    say(`\nrollout ${r.rolloutId}: ${r.rolloutState} — ${r.rolloutReason}`);
    for (const [site, dir] of Object.entries(r.evidence)) say(`evidence for ${site}: ${dir}/jobs`);
  }
  if (args.scenario === 'shadow')
    say(`\nrollout ${result.rolloutId}: ${result.rolloutState} — ${result.rolloutReason}`);
  say(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (!result.asExpected) say('\nthe demo did not end as it should (see the table above)');
  if (args.keep) {
    say(`\nkept running: ${result.url}  admin token: ${result.adminToken}  (Ctrl-C to stop)`);
    await new Promise<void>((res) => process.once('SIGINT', () => res()));
  }
  await result.stop();
  return result.asExpected ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    say(`fleet demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

/**
 * `npm start`: the fleet demo (see fleet.ts). Prints the live rollout view with
 * the admin CLI's own `plcfleet rollouts watch`, then a summary table.
 *
 *   npm start                          run it; exit 0 when it ended as designed
 *   npm start -- --keep                keep everything running; prints the URL and a token
 *   npm start -- --transformer claude  use the model (needs ANTHROPIC_API_KEY)
 *   npm start -- --migration ladder-to-st   the ladder → ST rollout over two ladder-line plants
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type FleetDemoRow, runFleetDemo } from './fleet';
import { runLadderFleetDemo } from './ladder-fleet';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (line: string) => process.stderr.write(`${line}\n`);

function usage(message: string): never {
  say(`fleet demo: ${message}`);
  process.exit(2);
}

let args: { keep: boolean; transformer: string; quiet: boolean; migration: string };
try {
  ({ values: args } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      transformer: { type: 'string', default: 'recipe' },
      quiet: { type: 'boolean', default: false },
      migration: { type: 'string', default: 'safety-guard-monitor' },
    },
  }) as { values: typeof args });
} catch (err) {
  usage((err as Error).message);
}
if (args.transformer !== 'recipe' && args.transformer !== 'claude')
  usage(`--transformer: expected recipe or claude, got "${args.transformer}"`);
if (args.migration !== 'safety-guard-monitor' && args.migration !== 'ladder-to-st')
  usage(`--migration: expected safety-guard-monitor or ladder-to-st, got "${args.migration}"`);
if (args.transformer === 'claude' && !process.env.ANTHROPIC_API_KEY)
  usage('--transformer claude needs ANTHROPIC_API_KEY in the environment');

function printTable(rows: FleetDemoRow[]): void {
  const cols = ['site', 'verdict', 'safety', 'proofs', 'deploy'] as const;
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

async function main(): Promise<number> {
  const t0 = Date.now();
  let watch: ChildProcess | undefined;
  const run = args.migration === 'ladder-to-st' ? runLadderFleetDemo : runFleetDemo;
  const result = await run({
    transformer: args.transformer as 'recipe' | 'claude',
    say: args.quiet ? () => {} : say,
    onRollout: ({ rolloutId, url, token }) => {
      if (args.quiet) return;
      // The live view is the admin CLI's own `plcfleet rollouts watch`.
      watch = spawn(
        process.execPath,
        [
          join(repo, 'sdk/bin/plcfleet.js'),
          'rollouts',
          'watch',
          rolloutId,
          '--server',
          url,
          '--token',
          token,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    },
  });
  if (watch && watch.exitCode === null) {
    const exited = new Promise((r) => watch!.once('exit', r));
    watch.kill('SIGINT');
    await exited;
  }
  say('\x1b[1m▸ summary\x1b[0m');
  printTable(result.rows);
  say(`\nrollout ${result.rolloutId}: ${result.rolloutState} — ${result.rolloutReason}`);
  for (const [site, dir] of Object.entries(result.evidence)) say(`evidence for ${site}: ${dir}/jobs`);
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

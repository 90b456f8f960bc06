#!/usr/bin/env node
/**
 * Cold-start figures of the built `plcfleet-agent` (issue 16 point 3): spawns the
 * bin N times per command and prints min / median / max wall time, the exit code,
 * and whether anything appeared on stderr. Run after `npm run build`:
 *
 *   node edge-agent/scripts/bench-cli-startup.mjs [runs] [other-bin.js ...]
 *
 * Extra bins (e.g. an older build) are measured in the same loop, run by run in
 * turn, so a machine whose load changes treats them alike. The first line is an
 * empty `node` process: the floor no command can go under on this machine now.
 *
 * Plain JavaScript on purpose: nothing to compile before measuring.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const smallProject = join(root, 'edge-agent', 'scripts', 'fixtures', 'small-project');
const runs = Number(process.argv[2] ?? 15);
const bins = [join(root, 'edge-agent', 'bin', 'plcfleet-agent.js'), ...process.argv.slice(3)];

const commands = [
  { name: '--help', args: ['--help'] },
  { name: 'compile <small project>', args: ['compile', smallProject] },
];

const ms = (t) => `${(t * 1000).toFixed(0).padStart(5)} ms`;
const time = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { t: Number(process.hrtime.bigint() - t0) / 1e9, stderr: r.stderr, status: r.status ?? -1 };
};
const summary = (label, samples) => {
  const times = samples.map((s) => s.t).sort((a, b) => a - b);
  const last = samples.at(-1);
  const stderr = last.stderr.length === 0 ? 'empty' : JSON.stringify(last.stderr.slice(0, 50));
  console.log(
    `${label.padEnd(58)} min ${ms(times[0])}  median ${ms(times[Math.floor(times.length / 2)])}  max ${ms(times.at(-1))}  exit ${last.status}  stderr ${stderr}`,
  );
};

console.log(
  `node ${process.version}; ${runs} runs each; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const floor = [];
for (let i = 0; i < runs; i++) floor.push(time(['-e', '0']));
summary('node -e 0 (the floor)', floor);
for (const c of commands) {
  const samples = bins.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [b, bin] of bins.entries()) samples[b].push(time([bin, ...c.args]));
  }
  for (const [b, bin] of bins.entries()) summary(`${relative(root, bin) || bin} ${c.name}`, samples[b]);
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

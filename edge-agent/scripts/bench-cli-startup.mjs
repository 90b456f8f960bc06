#!/usr/bin/env node
/**
 * Cold-start figures of the built `plcfleet-agent` (issue 16 point 3): spawns the
 * bin N times per command and prints min / median / max wall time, and whether
 * anything appeared on stderr. Run after `npm run build`:
 *
 *   node edge-agent/scripts/bench-cli-startup.mjs [runs]
 *
 * Plain JavaScript on purpose: a TypeScript loader would add its own start-up time
 * to nothing measured here, but it would to the process that spawns.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = join(root, 'edge-agent', 'bin', 'plcfleet-agent.js');
const smallProject = join(root, 'edge-agent', 'scripts', 'fixtures', 'small-project');
const runs = Number(process.argv[2] ?? 15);

const commands = [
  { name: 'node (empty process, the floor)', args: null },
  { name: 'plcfleet-agent --help', args: ['--help'] },
  { name: 'plcfleet-agent compile <small project>', args: ['compile', smallProject] },
];

function ms(t) {
  return `${(t * 1000).toFixed(0).padStart(5)} ms`;
}

console.log(`runs per command: ${runs}; node ${process.version}; ${bin}`);
for (const c of commands) {
  const times = [];
  let stderr = '';
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const args = c.args === null ? ['-e', '0'] : [bin, ...c.args];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    stderr = r.stderr;
    status = r.status ?? -1;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${c.name.padEnd(42)} min ${ms(times[0])}  median ${ms(median)}  max ${ms(times.at(-1))}  exit ${status}  stderr ${stderr.length === 0 ? 'empty' : JSON.stringify(stderr.slice(0, 60))}`,
  );
}

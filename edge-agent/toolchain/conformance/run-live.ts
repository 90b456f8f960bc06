/**
 * Benchmark: generates N programs and runs each under the live reference
 * (MATIEC at $MATIEC_HOME) and our VirtualPlc, then prints the agreement
 * figures as one JSON object on stdout (progress on stderr). Never run in CI.
 *
 *   MATIEC_HOME=/tmp/matiec node --import tsx --conditions=source \
 *     edge-agent/toolchain/conformance/run-live.ts --count 1000 --seed 7 [--show 20]
 *
 * With `--library <dir>` it runs every elementary-interface FUNCTION / FUNCTION_BLOCK of a
 * TwinCAT library folder (OSCAT BASIC, fetched under /tmp) instead of generated programs.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLive, tally } from './live-run';
import { generateCases } from './program-generator';
import { publicLibraryCases } from './public-cases';

const USAGE = `usage: MATIEC_HOME=<matiec build> node --import tsx --conditions=source run-live.ts [options]
  --count N        generated programs to run (default 200)
  --seed N         generator seed (default: the clock)
  --batch N        programs translated by one iec2c call (default 25)
  --concurrency N  reference runs at once (default 2)
  --show N         non-agreeing cases to print on stderr (default 10)
  --library DIR    run the elementary-interface POUs of a TwinCAT library folder instead
  --help           print this and exit`;

function usageError(message: string): never {
  process.stderr.write(`run-live: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: ReturnType<typeof parseOptions>['values'];
function parseOptions() {
  return parseArgs({
    options: {
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      count: { type: 'string', default: '200' },
      batch: { type: 'string', default: '25' },
      concurrency: { type: 'string', default: '2' },
      /** How many non-agreeing cases to print (id, kind, first difference), one line each on stderr. */
      show: { type: 'string', default: '10' },
      library: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
}
try {
  ({ values } = parseOptions());
} catch (e) {
  usageError((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
/** A whole number option, at least `min`; a usage error naming the option otherwise. */
function wholeNumber(name: 'seed' | 'count' | 'batch' | 'concurrency' | 'show', min: number): number {
  const text = values[name] ?? '';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) usageError(`--${name} must be a whole number >= ${min}, not '${text}'`);
  return n;
}
const seed = wholeNumber('seed', 0);
const count = wholeNumber('count', 1);
const batch = wholeNumber('batch', 1);
const concurrency = wholeNumber('concurrency', 1);
const show = wholeNumber('show', 0);
const t0 = performance.now();
if (values.library !== undefined && !statSync(values.library, { throwIfNoEntry: false })?.isDirectory())
  usageError(`--library ${values.library} is not a directory`);
const cases = values.library ? publicLibraryCases(values.library, seed) : generateCases(seed, count);
const outcomes = await runLive(cases, {
  // a library's cases repeat the POUs they depend on, so they cannot share a translation
  batch: values.library ? 1 : batch,
  concurrency,
  onProgress: (d, n) => process.stderr.write(`\r${d}/${n} cases`),
});
process.stderr.write('\n');
const t = tally(outcomes);
const compared = t.agree + t.diverge;
let shown = 0;
for (const o of outcomes) {
  if (o.kind === 'agree' || shown++ >= show) continue;
  const detail =
    o.kind === 'diverge' ? `scan ${o.scan} ${JSON.stringify(o.diffs.slice(0, 3))}` : o.message.slice(0, 200);
  process.stderr.write(`${o.case.id} ${o.kind} ${detail}\n`);
}
console.log(
  JSON.stringify({
    seed,
    programs: cases.length,
    ...t,
    agreementPercent: compared ? Number(((100 * t.agree) / compared).toFixed(2)) : null,
    scans: outcomes.reduce((n, o) => n + o.case.scans, 0),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  }),
);

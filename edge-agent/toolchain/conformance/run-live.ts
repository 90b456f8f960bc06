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
import { parseArgs } from 'node:util';
import { runLive, tally } from './live-run';
import { generateCases } from './program-generator';
import { publicLibraryCases } from './public-cases';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    count: { type: 'string', default: '200' },
    batch: { type: 'string', default: '25' },
    concurrency: { type: 'string', default: '2' },
    /** How many non-agreeing cases to print (id, kind, first difference), one line each on stderr. */
    show: { type: 'string', default: '10' },
    library: { type: 'string' },
  },
});
const seed = Number(values.seed);
const count = Number(values.count);
const t0 = performance.now();
const cases = values.library ? publicLibraryCases(values.library, seed) : generateCases(seed, count);
const outcomes = await runLive(cases, {
  // a library's cases repeat the POUs they depend on, so they cannot share a translation
  batch: values.library ? 1 : Number(values.batch),
  concurrency: Number(values.concurrency),
  onProgress: (d, n) => process.stderr.write(`\r${d}/${n} cases`),
});
process.stderr.write('\n');
const t = tally(outcomes);
const compared = t.agree + t.diverge;
let shown = 0;
for (const o of outcomes) {
  if (o.kind === 'agree' || shown++ >= Number(values.show)) continue;
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

/**
 * Records conformance fixtures: generates cases, runs them under the live
 * reference (MATIEC at $MATIEC_HOME) and our VirtualPlc, and writes every case
 * on which both agree scan by scan, with the reference's trace, to
 * fixtures/<name>.json.gz. Cases that diverge are listed on stdout for triage;
 * they are never written to the fixtures.
 *
 *   MATIEC_HOME=/tmp/matiec node --import tsx --conditions=source \
 *     edge-agent/toolchain/conformance/record.ts --seed 1 --count 500 --name generated-s1
 *
 * `--examples` records plcfleet's own example programs (example-cases.ts) instead;
 * `--files a.st,b.st --name regressions` records given programs (e.g. fixed divergences).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exampleCases } from './example-cases';
import { encodeFixture } from './fixture-file';
import { runLive, tally } from './live-run';
import { generateCases } from './program-generator';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '100' },
    name: { type: 'string' },
    batch: { type: 'string', default: '25' },
    examples: { type: 'boolean', default: false },
    /** Comma-separated ST files (relative to the toolchain package) recorded like the examples. */
    files: { type: 'string' },
  },
});
const seed = Number(values.seed);
const count = Number(values.count);
const root = join(import.meta.dirname, '..');
const cases = values.files
  ? exampleCases(root, 3, 50, values.files.split(','))
  : values.examples
    ? exampleCases(root)
    : generateCases(seed, count);
const outcomes = await runLive(cases, {
  // examples repeat their POUs across runs, so each needs its own translation
  batch: values.examples || values.files ? 1 : Number(values.batch),
  onProgress: (d, n) => process.stderr.write(`\r${d}/${n}`),
});
process.stderr.write('\n');
const agreed = outcomes.flatMap((o) => (o.kind === 'agree' ? [{ ...o.case, trace: o.trace }] : []));
const name = values.name ?? (values.examples ? 'examples' : values.files ? 'files' : `generated-s${seed}`);
const file = join(import.meta.dirname, 'fixtures', `${name}.json.gz`);
const source = values.files
  ? `plcfleet regression programs: ${values.files}`
  : values.examples
    ? 'plcfleet example programs'
    : `program-generator seed ${seed}, ${count} cases`;
writeFileSync(file, encodeFixture({ source, cases: agreed }));
console.log(JSON.stringify({ seed, count: cases.length, ...tally(outcomes), file }));
for (const o of outcomes) {
  if (o.kind === 'agree') continue;
  const detail = o.kind === 'diverge' ? `scan ${o.scan} ${JSON.stringify(o.diffs)}` : o.message.slice(0, 300);
  console.log(`${o.case.id} ${o.kind} ${detail}`);
}

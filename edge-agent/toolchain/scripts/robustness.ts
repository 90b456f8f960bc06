/**
 * Robustness benchmark (a script, not a test; issue 14 point 2): takes
 * generated well-typed programs and mutations of the plant fixtures through
 * parse, check, compile and three scans, and counts internal errors, stack
 * overflows and false faults — the goal is 0 over 1,000,000 programs. CI runs
 * a few hundred of the same programs (src/sim/robustness.test.ts). Run:
 *
 *   npx tsx edge-agent/toolchain/scripts/robustness.ts [--count 1000000] [--seed 14] [--mutated 0.5]
 *
 * Progress goes to stderr every 1,000 programs; the summary (JSON) to stdout.
 * Failing sources are written to /tmp/plcfleet-robustness/ (first 20).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { mutatedProgram, runPipeline, wellTypedProgram } from '../src/sim/robustness-programs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const count = arg('count', 10_000);
const seed = arg('seed', 14);
const mutatedShare = arg('mutated', 0.5);
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/sim');
const sources = readdirSync(fixtures)
  .filter((f) => f.endsWith('.st'))
  .map((f) => readFileSync(join(fixtures, f), 'utf8'));
const arb = fc.oneof(
  {
    weight: Math.round((1 - mutatedShare) * 100),
    arbitrary: wellTypedProgram.map((s) => ({ s, file: 'gen.st' })),
  },
  {
    weight: Math.round(mutatedShare * 100),
    arbitrary: mutatedProgram(sources).map((s) => ({ s, file: 'mutated.st' })),
  },
);

const kinds: Record<string, number> = {};
const failures: { stage: string; message: string }[] = [];
const out = '/tmp/plcfleet-robustness';
const t0 = performance.now();
const BATCH = 1_000;
let done = 0;
for (let b = 0; done < count; b++) {
  const n = Math.min(BATCH, count - done);
  for (const { s, file } of fc.sample(arb, { numRuns: n, seed: seed + b })) {
    const r = runPipeline(s, file);
    kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    if (r.kind === 'internal') {
      if (failures.length < 20) {
        mkdirSync(out, { recursive: true });
        writeFileSync(
          join(out, `failure-${failures.length}.st`),
          `(* ${r.stage}: ${r.message.split('\n')[0]} *)\n${s}`,
        );
      }
      failures.push({ stage: r.stage, message: r.message.split('\n')[0] ?? '' });
    }
  }
  done += n;
  const s = (performance.now() - t0) / 1000;
  process.stderr.write(
    `${done.toLocaleString('en')} / ${count.toLocaleString('en')} programs, ${failures.length} internal, ${(done / s).toFixed(0)} programs/s\n`,
  );
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ programs: done, seed, seconds: Math.round(seconds), outcomes: kinds, internal: failures.length, firstFailures: failures.slice(0, 5) }, null, 2)}\n`,
);
process.exitCode = failures.length > 0 ? 1 : 0;

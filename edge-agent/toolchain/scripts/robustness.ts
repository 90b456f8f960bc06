/**
 * Robustness benchmark (a script, not a test; issue 14 point 2): takes
 * generated well-typed programs and mutations of the plant fixtures through
 * parse, check, compile and three scans, and counts internal errors, stack
 * overflows, hangs and false faults — the goal is 0 over 1,000,000 programs.
 * CI runs a few hundred of the same programs (src/sim/robustness.test.ts). Run:
 *
 *   nice -n 19 npx tsx edge-agent/toolchain/scripts/robustness.ts [--count 1000000] [--seed 14]
 *     [--mutated 0.5] [--workers N] [--hang-seconds 120] [--from-batch B]
 *
 * Programs come in batches of 100, batch b drawn with seed `seed + b` (the same
 * programs whatever the number of workers). `--workers` child processes (default:
 * the available cores) take batches in turn; `--from-batch B` resumes a run stopped after its
 * first B batches (the summary's `batchesDoneBelow`, also written to progress.json every ten
 * batches, so a run killed outright can be resumed: the same seed and count cover the same programs); a worker that spends `--hang-seconds` of
 * CPU time on one batch is a hang (CPU time, read from /proc, not wall time: at nice 19 on
 * a loaded machine a worker may wait minutes for a core): it is killed, the batch
 * recorded, and a fresh worker goes on. Progress goes to stderr every 10 batches; the
 * summary (JSON) to stdout, also when stopped with SIGINT or SIGTERM.
 * Failing sources are written to /tmp/plcfleet-robustness/ (first 20).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { mutatedProgram, runPipeline, wellTypedProgram } from '../src/sim/robustness-programs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const BATCH = 100;
const out = '/tmp/plcfleet-robustness';

/** What a worker reports for one batch. */
interface BatchReport {
  batch: number;
  programs: number;
  kinds: Record<string, number>;
  /** CPU time (user + system) the batch took, ms. */
  cpuMs: number;
  failures: { stage: string; message: string; source: string }[];
}

let programs: fc.Arbitrary<{ s: string; file: string }> | undefined;

/** The programs of batch `b` (deterministic in `seed + b`). */
function batchPrograms(b: number, n: number, seed: number, mutatedShare: number) {
  programs ??= arbitrary(mutatedShare);
  return fc.sample(programs, { numRuns: n, seed: seed + b });
}

/** Generated well-typed programs and mutated fixtures, `mutatedShare` of them mutated. */
function arbitrary(mutatedShare: number): fc.Arbitrary<{ s: string; file: string }> {
  const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/sim');
  const sources = readdirSync(fixtures)
    .filter((f) => f.endsWith('.st'))
    .map((f) => readFileSync(join(fixtures, f), 'utf8'));
  return fc.oneof(
    {
      weight: Math.round((1 - mutatedShare) * 100),
      arbitrary: wellTypedProgram.map((s) => ({ s, file: 'gen.st' })),
    },
    {
      weight: Math.round(mutatedShare * 100),
      arbitrary: mutatedProgram(sources).map((s) => ({ s, file: 'mutated.st' })),
    },
  );
}

/** Worker: runs the batches the parent sends, one report each. */
function worker(): void {
  // the parent is gone: nothing to report to
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { batch: number; n: number; seed: number; mutated: number } | 'stop') => {
    if (m === 'stop') process.exit(0);
    const c0 = process.cpuUsage();
    const report: BatchReport = { batch: m.batch, programs: 0, kinds: {}, cpuMs: 0, failures: [] };
    for (const { s, file } of batchPrograms(m.batch, m.n, m.seed, m.mutated)) {
      const r = runPipeline(s, file);
      report.kinds[r.kind] = (report.kinds[r.kind] ?? 0) + 1;
      report.programs++;
      if (r.kind === 'internal') report.failures.push({ stage: r.stage, message: r.message, source: s });
    }
    const c = process.cpuUsage(c0);
    report.cpuMs = (c.user + c.system) / 1000;
    process.send?.(report);
  });
}

/** CPU time (user + system) a child process has used, in ms; wall time where /proc is missing. */
function cpuMs(c: ChildProcess): number {
  try {
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")" of the name
    const f = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
  } catch {
    return Date.now();
  }
}

/** Parent: hands out batches, watches for hangs, adds up. */
function main(): void {
  const count = arg('count', 10_000);
  const seed = arg('seed', 14);
  const mutated = arg('mutated', 0.5);
  const workers = Math.max(1, arg('workers', availableParallelism()));
  const hangMs = arg('hang-seconds', 120) * 1000;
  const batches = Math.ceil(count / BATCH);
  const fromBatch = arg('from-batch', 0);
  const batchesDone = new Set<number>();
  /** The first batch not yet done: every batch below it is. */
  const doneBelow = () => {
    let b = fromBatch;
    while (batchesDone.has(b)) b++;
    return b;
  };
  const kinds: Record<string, number> = {};
  const failures: { stage: string; message: string }[] = [];
  const hangs: number[] = [];
  let stackOverflows = 0;
  let cpuMsTotal = 0;
  let done = 0;
  let next = fromBatch;
  let reported = 0;
  const t0 = performance.now();
  const busy = new Map<ChildProcess, { batch: number; cpuAtStart: number }>();

  const record = (r: BatchReport) => {
    batchesDone.add(r.batch);
    done += r.programs;
    cpuMsTotal += r.cpuMs;
    for (const [k, v] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + v;
    for (const f of r.failures) {
      if (/Maximum call stack/i.test(f.message)) stackOverflows++;
      if (failures.length < 20) {
        mkdirSync(out, { recursive: true });
        writeFileSync(
          join(out, `failure-${failures.length}.st`),
          `(* ${f.stage}: ${f.message.split('\n')[0]} *)\n${f.source}`,
        );
      }
      failures.push({ stage: f.stage, message: f.message.split('\n')[0] ?? '' });
    }
    if (++reported % 10 === 0 || done >= count - fromBatch * BATCH) {
      mkdirSync(out, { recursive: true });
      writeFileSync(
        join(out, 'progress.json'),
        `${JSON.stringify({ seed, count, mutated, batchesDoneBelow: doneBelow(), programs: done })}\n`,
      );
      const s = (performance.now() - t0) / 1000;
      process.stderr.write(
        `${new Date().toISOString()} ${done.toLocaleString('en')} / ${count.toLocaleString('en')} programs, ` +
          `${failures.length} internal, ${stackOverflows} stack overflows, ${hangs.length} hangs, ` +
          `${(done / s).toFixed(1)} programs/s, ${((done * 1000) / cpuMsTotal).toFixed(1)} programs/CPU-s, load ${loadavg()
            .map((x) => x.toFixed(1))
            .join(' ')}\n`,
      );
    }
  };

  const finish = () => {
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(
      `${JSON.stringify(
        {
          programs: done,
          seed,
          fromBatch,
          batchesDoneBelow: doneBelow(),
          workers,
          seconds: Math.round(seconds),
          programsPerSecond: Math.round(done / seconds),
          workerCpuSeconds: Math.round(cpuMsTotal / 1000),
          programsPerCpuSecond: Math.round((done * 1000) / cpuMsTotal),
          outcomes: kinds,
          internal: failures.length,
          stackOverflows,
          hangs: hangs.length,
          hungBatches: hangs,
          firstFailures: failures.slice(0, 5),
        },
        null,
        2,
      )}\n`,
    );
    process.exitCode = failures.length > 0 || hangs.length > 0 ? 1 : 0;
  };

  const give = (c: ChildProcess) => {
    if (next >= batches) {
      busy.delete(c);
      c.send('stop');
      if (busy.size === 0) finish();
      return;
    }
    const b = next++;
    busy.set(c, { batch: b, cpuAtStart: cpuMs(c) });
    c.send({ batch: b, n: Math.min(BATCH, count - b * BATCH), seed, mutated });
  };

  const spawn = () => {
    const c = fork(fileURLToPath(import.meta.url), ['--worker'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    c.on('message', (r: BatchReport) => {
      record(r);
      give(c);
    });
    c.on('exit', (code) => {
      const job = busy.get(c);
      if (!job) return;
      // a worker that dies mid-batch (a crash the pipeline did not catch) is an internal error
      busy.delete(c);
      failures.push({ stage: 'worker', message: `batch ${job.batch}: worker exited with ${code}` });
      spawn();
    });
    give(c);
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      for (const c of busy.keys()) c.kill();
      busy.clear();
      finish();
      process.exit();
    });
  for (let i = 0; i < Math.min(workers, batches); i++) spawn();
  const watch = setInterval(() => {
    for (const [c, job] of busy) {
      if (cpuMs(c) - job.cpuAtStart < hangMs) continue;
      hangs.push(job.batch);
      busy.delete(c);
      c.kill('SIGKILL');
      spawn();
    }
    if (busy.size === 0) clearInterval(watch);
  }, 1000);
  watch.unref();
}

if (process.argv.includes('--worker')) worker();
else main();

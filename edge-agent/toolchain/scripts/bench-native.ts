/**
 * The virtual PLC side by side with native code (issue 23): the same programs translated by
 * MATIEC (`iec2c`, beremiz/matiec) to C and compiled with `gcc -O2`, run in the same session on
 * the same 10 ms virtual clock, and the ratio printed. A script, not a test. Run:
 *
 *   npx tsx edge-agent/toolchain/scripts/bench-native.ts --matiec /tmp/matiec [--rounds 5] [--only a,b,c] [--round-ms 1000]
 *
 * MATIEC is never part of the repository and nothing here builds it: point `--matiec` (or
 * MATIEC_HOME) at a build tree made by hand under /tmp (`iec2c`, `lib/`, `lib/C/`). The C of
 * each program is written to a temporary directory and removed afterwards.
 *
 * Per program: a calibration run of each side sets the number of timed scans so that a round
 * takes at least `--round-ms` of CPU on the faster side (so ≥ that on both), and the warm-up to
 * a quarter of it (V8 optimises the generated code during the warm-up; its compiler threads'
 * CPU would otherwise count in the timed scans). Then `--rounds` rounds alternate the two sides
 * (the side that goes first alternates too); each round is a fresh process for the C and a
 * fresh compile for ours. Best and median of the rounds are printed per side, with the ratio of
 * each, and the load average at the start and end of each program. Rates are per CPU second of
 * the running process (C: CLOCK_PROCESS_CPUTIME_ID; ours: process.cpuUsage), wall time beside
 * them. Both sides print the same outputs after the run, so a figure is only compared when both
 * computed the same thing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CompilationUnit, checkProject, parseSource } from '../src/iec';
import { compileProgram } from '../src/sim';
import { plantSource, SMALL } from './bench-programs';

interface Bench {
  id: string;
  title: string;
  source: string;
  program: string;
  /** The input set TRUE before the first scan. */
  input: string;
  /** Outputs compared after the run (paths as `VirtualPlc.get` takes them, C field chains). */
  outputs: { path: string; c: string; type: 'INT' | 'REAL' | 'BOOL' }[];
  /** Scans of the calibration run (warm-up and timed alike); the rounds' counts come from it. */
  probe: number;
}

const BENCHES: Bench[] = [
  {
    id: 'a',
    title: '(a) small program (one TON, CASE, REAL arithmetic)',
    source: SMALL,
    program: 'Small',
    input: 'Start',
    outputs: [
      { path: 'Cycles', c: 'CYCLES.value', type: 'INT' },
      { path: 'State', c: 'STATE.value', type: 'INT' },
      { path: 'Out', c: 'OUT.value', type: 'REAL' },
    ],
    probe: 2_000_000,
  },
  {
    id: 'b',
    title: '(b) plant: 60 FB types × 4 instances (240 FB, 240 TON, 240 R_TRIG)',
    source: plantSource(60, 4),
    program: 'Plant',
    input: 'Enable',
    outputs: [
      { path: 'Alarms', c: 'ALARMS.value', type: 'INT' },
      { path: 'U0_0.Count', c: 'U0_0.COUNT.value', type: 'INT' },
      { path: 'U59_3.Out', c: 'U59_3.OUT.value', type: 'REAL' },
    ],
    probe: 20_000,
  },
  {
    id: 'c',
    title: '(c) plant: 60 FB types × 40 instances (2,400 FB, 2,400 TON, 2,400 R_TRIG)',
    source: plantSource(60, 40),
    program: 'Plant',
    input: 'Enable',
    outputs: [
      { path: 'Alarms', c: 'ALARMS.value', type: 'INT' },
      { path: 'U7_39.Count', c: 'U7_39.COUNT.value', type: 'INT' },
      { path: 'U59_39.Out', c: 'U59_39.OUT.value', type: 'REAL' },
    ],
    probe: 2_000,
  },
];

interface Figure {
  cpuMs: number;
  wallMs: number;
  outputs: string[];
}

function usage(message: string): never {
  process.stderr.write(
    `bench-native: ${message}\n` +
      'usage: bench-native.ts --matiec DIR [--rounds N] [--only a,b,c] [--round-ms MS]\n' +
      '  DIR is a MATIEC build tree made by hand outside the repository (it holds iec2c, lib/ and lib/C/);\n' +
      '  MATIEC_HOME is read when --matiec is not given. See docs/virtual-plc.md.\n',
  );
  process.exit(2);
}

/** The C driver: Enable/Start TRUE, `argv[1]` warm-up scans, `argv[2]` timed scans, then one JSON line. */
function driver(b: Bench): string {
  const field = (p: string) => `RES__INST0.${p}`;
  const print = b.outputs
    .map((o) =>
      o.type === 'REAL'
        ? `printf(",\\"%.9g\\"", (double)${field(o.c)});`
        : o.type === 'BOOL'
          ? `printf(",\\"%s\\"", ${field(o.c)} ? "true" : "false");`
          : `printf(",\\"%lld\\"", (long long)${field(o.c)});`,
    )
    .join('\n  ');
  return `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "iec_std_lib.h"
#include "POUS.h"
TIME __CURRENT_TIME;
BOOL __DEBUG;
extern ${b.program.toUpperCase()} RES__INST0;
void config_init__(void);
void config_run__(unsigned long tick);
static unsigned long k = 0;
static void scans(unsigned long n) {
  for (unsigned long end = k + n; k < end; k++) {
    unsigned long long ns = (unsigned long long)k * 10000000ULL;
    __CURRENT_TIME.tv_sec = (long)(ns / 1000000000ULL);
    __CURRENT_TIME.tv_nsec = (long)(ns % 1000000000ULL);
    config_run__(k);
  }
}
static double ms(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  config_init__();
  ${field(`${b.input.toUpperCase()}.value`)} = 1;
  scans(strtoul(argv[1], NULL, 10));
  double c0 = ms(CLOCK_PROCESS_CPUTIME_ID), w0 = ms(CLOCK_MONOTONIC);
  scans(strtoul(argv[2], NULL, 10));
  double c1 = ms(CLOCK_PROCESS_CPUTIME_ID), w1 = ms(CLOCK_MONOTONIC);
  printf("[%.3f,%.3f", c1 - c0, w1 - w0);
  ${print}
  printf("]\\n");
  return 0;
}
`;
}

/** Translates and compiles `b` with MATIEC and gcc -O2; returns the executable. */
function buildNative(b: Bench, home: string, dir: string): string {
  const out = join(dir, b.id);
  mkdirSync(out);
  writeFileSync(
    join(out, 'bench.st'),
    `${b.source}
CONFIGURATION Cfg
RESOURCE Res ON PLC
TASK T0(INTERVAL := T#10ms, PRIORITY := 0);
PROGRAM Inst0 WITH T0 : ${b.program};
END_RESOURCE
END_CONFIGURATION
`,
  );
  execFileSync(join(home, 'iec2c'), ['-I', join(home, 'lib'), '-T', out, join(out, 'bench.st')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  writeFileSync(join(out, 'driver.c'), driver(b));
  const exe = join(out, 'bench');
  execFileSync(
    'gcc',
    [
      '-O2',
      '-w',
      '-I',
      out,
      '-I',
      join(home, 'lib', 'C'),
      join(out, 'Cfg.c'),
      join(out, 'Res.c'),
      join(out, 'driver.c'),
      '-lm',
      '-o',
      exe,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return exe;
}

/** The scan counts of one round: warm-up, then timed. */
interface Counts {
  warmup: number;
  scans: number;
}

function runNative(exe: string, n: Counts): Figure {
  const [cpuMs, wallMs, ...outputs] = JSON.parse(
    execFileSync(exe, [String(n.warmup), String(n.scans)], { encoding: 'utf8' }),
  ) as [number, number, ...string[]];
  return { cpuMs, wallMs, outputs };
}

/**
 * A full garbage collection (V8's `gc`, exposed here for this process: the script is not a
 * library). The scans themselves allocate nothing that survives.
 */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function checked(units: CompilationUnit[]) {
  const r = checkProject(units);
  return { ...r.checked, diagnostics: r.diagnostics };
}

function runOurs(b: Bench, n: Counts): Figure {
  const plc = compileProgram(checked([parseSource(b.source, `${b.id}.st`).unit]), { program: b.program });
  plc.set(b.input, true);
  // The compile's garbage is collected before the scans: otherwise V8's concurrent marking of it
  // runs during the timed scans, on other threads whose CPU counts, and slows every store.
  collectGarbage();
  plc.scan(n.warmup);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const fault = plc.scan(n.scans);
  const wallMs = performance.now() - w0;
  const c = process.cpuUsage(c0);
  if (fault) throw new Error(`${b.id}: the virtual PLC faulted: ${fault.message}`);
  const outputs = b.outputs.map((o) => {
    const v = plc.get(o.path);
    return o.type === 'REAL'
      ? Number(v)
          .toPrecision(9)
          .replace(/\.?0+$/, '')
      : String(v);
  });
  return { cpuMs: (c.user + c.system) / 1000, wallMs, outputs };
}

function perSecond(scans: number, f: Figure): number {
  return (scans / f.cpuMs) * 1000;
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(1)} k`;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Best (the least disturbed round) and median of the rates of `figures`. */
function summary(scans: number, figures: Figure[]): { best: number; median: number; all: number[] } {
  const all = figures.map((f) => perSecond(scans, f));
  const sorted = [...all].sort((x, y) => x - y);
  const at = (i: number) => sorted[i] ?? Number.NaN;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return { best: at(sorted.length - 1), median, all };
}

/**
 * Scan counts for rounds of at least `roundMs` CPU on the faster side: calibration runs of both
 * sides at the bench's probe count give the rates.
 */
function calibrate(b: Bench, exe: string, roundMs: number): Counts {
  const probe = { warmup: b.probe, scans: b.probe };
  const fastest = Math.max(perSecond(b.probe, runNative(exe, probe)), perSecond(b.probe, runOurs(b, probe)));
  const scans = Math.max(b.probe, Math.ceil((fastest * roundMs * 1.1) / 1000 / 1000) * 1000);
  return { warmup: Math.ceil(scans / 4), scans };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      matiec: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string', default: 'a,b,c' },
      'round-ms': { type: 'string', default: '1000' },
    },
  });
  const home = values.matiec ?? process.env.MATIEC_HOME;
  if (!home) usage('no MATIEC build given');
  if (!existsSync(join(home, 'iec2c')) || !existsSync(join(home, 'lib', 'C', 'iec_std_lib.h')))
    usage(`${home} is not a MATIEC build tree (no iec2c or lib/C/iec_std_lib.h)`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    usage(`--rounds must be a positive integer, not ${values.rounds}`);
  const roundMs = Number(values['round-ms']);
  if (!Number.isFinite(roundMs) || roundMs <= 0)
    usage(`--round-ms must be a positive number of milliseconds, not ${values['round-ms']}`);
  const only = new Set(values.only.split(','));
  const benches = BENCHES.filter((b) => only.has(b.id));
  if (benches.length === 0) usage(`--only names none of a, b, c: ${values.only}`);

  const dir = mkdtempSync(join(tmpdir(), 'plcfleet-bench-native-'));
  try {
    console.log(
      `bench-native: Node ${process.version}, ${new Date().toISOString()}, load average ${load()}; MATIEC at ${home}, gcc -O2; ${rounds} rounds per side, alternating, rounds of ≥ ${roundMs} ms CPU; rates per CPU second`,
    );
    for (const b of benches) {
      const exe = buildNative(b, home, dir);
      const loadStart = load();
      const n = calibrate(b, exe, roundMs);
      const theirs: Figure[] = [];
      const ours: Figure[] = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          theirs.push(runNative(exe, n));
          ours.push(runOurs(b, n));
        } else {
          ours.push(runOurs(b, n));
          theirs.push(runNative(exe, n));
        }
      }
      const t = summary(n.scans, theirs);
      const o = summary(n.scans, ours);
      const outputsOf = (f: Figure[]) => f.map((x) => x.outputs.join(', '));
      const agreed = new Set([...outputsOf(theirs), ...outputsOf(ours)]);
      const cpu = (f: Figure[]) => f.map((x) => x.cpuMs.toFixed(0)).join('/');
      const all = (s: { all: number[] }) => s.all.map(fmtRate).join(', ');
      console.log(b.title);
      console.log(
        `  ${n.scans} timed scans a round after ${n.warmup} warm-up; load average ${loadStart} at start, ${load()} at end`,
      );
      console.log(
        `  MATIEC + gcc -O2: best ${fmtRate(t.best)}, median ${fmtRate(t.median)} scans/s (rounds: ${all(t)}; ms CPU ${cpu(theirs)})`,
      );
      console.log(
        `  virtual PLC:      best ${fmtRate(o.best)}, median ${fmtRate(o.median)} scans/s (rounds: ${all(o)}; ms CPU ${cpu(ours)})`,
      );
      console.log(
        `  ratio ours/theirs: best ${(o.best / t.best).toFixed(2)}×, median ${(o.median / t.median).toFixed(2)}×; outputs after ${n.warmup + n.scans} scans ${agreed.size === 1 ? `agree (${[...agreed][0]})` : `DIFFER: MATIEC ${outputsOf(theirs)[0]}, ours ${outputsOf(ours)[0]}`}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

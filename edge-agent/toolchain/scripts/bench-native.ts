/**
 * The virtual PLC side by side with native code (issue 23): the same programs translated by
 * MATIEC (`iec2c`, beremiz/matiec) to C and compiled with `gcc -O2`, run in the same session on
 * the same 10 ms virtual clock, and the ratio printed. A script, not a test. Run:
 *
 *   npx tsx edge-agent/toolchain/scripts/bench-native.ts --matiec /tmp/matiec [--rounds 3] [--only a,b,c]
 *
 * MATIEC is never part of the repository and nothing here builds it: point `--matiec` (or
 * MATIEC_HOME) at a build tree made by hand under /tmp (`iec2c`, `lib/`, `lib/C/`). The C of
 * each program is written to a temporary directory and removed afterwards.
 *
 * Both sides run warm-up scans, then N timed scans, in rounds that alternate; the best round
 * of each counts (the machine is shared: the best round is the one least disturbed). Rates are
 * per CPU second of the running process (C: CLOCK_PROCESS_CPUTIME_ID; ours: process.cpuUsage),
 * wall time beside them. After the run both print the same outputs, so a figure is only
 * compared when both computed the same thing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
  warmup: number;
  scans: number;
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
    warmup: 1_000_000,
    scans: 20_000_000,
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
    warmup: 2_000,
    scans: 50_000,
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
    warmup: 500,
    scans: 5_000,
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
      'usage: bench-native.ts --matiec DIR [--rounds N] [--only a,b,c]\n' +
      '  DIR is a MATIEC build tree made by hand outside the repository (it holds iec2c, lib/ and lib/C/);\n' +
      '  MATIEC_HOME is read when --matiec is not given. See docs/virtual-plc.md.\n',
  );
  process.exit(2);
}

/** The C driver: Enable/Start TRUE, warm-up, N timed scans, then one JSON line. */
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
int main(void) {
  config_init__();
  ${field(`${b.input.toUpperCase()}.value`)} = 1;
  scans(${b.warmup}UL);
  double c0 = ms(CLOCK_PROCESS_CPUTIME_ID), w0 = ms(CLOCK_MONOTONIC);
  scans(${b.scans}UL);
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

function runNative(exe: string): Figure {
  const [cpuMs, wallMs, ...outputs] = JSON.parse(execFileSync(exe, { encoding: 'utf8' })) as [
    number,
    number,
    ...string[],
  ];
  return { cpuMs, wallMs, outputs };
}

function checked(units: CompilationUnit[]) {
  const r = checkProject(units);
  return { ...r.checked, diagnostics: r.diagnostics };
}

function runOurs(b: Bench): Figure {
  const plc = compileProgram(checked([parseSource(b.source, `${b.id}.st`).unit]), { program: b.program });
  plc.set(b.input, true);
  plc.scan(b.warmup);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const fault = plc.scan(b.scans);
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

function rate(scans: number, f: Figure): string {
  const r = (scans / f.cpuMs) * 1000;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(1)} k`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      matiec: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string', default: 'a,b,c' },
    },
  });
  const home = values.matiec ?? process.env.MATIEC_HOME;
  if (!home) usage('no MATIEC build given');
  if (!existsSync(join(home, 'iec2c')) || !existsSync(join(home, 'lib', 'C', 'iec_std_lib.h')))
    usage(`${home} is not a MATIEC build tree (no iec2c or lib/C/iec_std_lib.h)`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    usage(`--rounds must be a positive integer, not ${values.rounds}`);
  const only = new Set(values.only.split(','));
  const benches = BENCHES.filter((b) => only.has(b.id));
  if (benches.length === 0) usage(`--only names none of a, b, c: ${values.only}`);

  const dir = mkdtempSync(join(tmpdir(), 'plcfleet-bench-native-'));
  try {
    console.log(
      `bench-native: Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; MATIEC at ${home}, gcc -O2; best of ${rounds} rounds, rates per CPU second`,
    );
    for (const b of benches) {
      const exe = buildNative(b, home, dir);
      let theirs: Figure | undefined;
      let ours: Figure | undefined;
      for (let r = 0; r < rounds; r++) {
        const t = runNative(exe);
        const o = runOurs(b);
        if (!theirs || t.cpuMs < theirs.cpuMs) theirs = t;
        if (!ours || o.cpuMs < ours.cpuMs) ours = o;
      }
      if (!theirs || !ours) continue;
      const same = theirs.outputs.join() === ours.outputs.join();
      console.log(b.title);
      console.log(
        `  MATIEC + gcc -O2: ${rate(b.scans, theirs)} scans/s (${b.scans} scans: ${theirs.cpuMs.toFixed(0)} ms CPU, ${theirs.wallMs.toFixed(0)} ms wall)`,
      );
      console.log(
        `  virtual PLC:      ${rate(b.scans, ours)} scans/s (${b.scans} scans: ${ours.cpuMs.toFixed(0)} ms CPU, ${ours.wallMs.toFixed(0)} ms wall)`,
      );
      console.log(
        `  ratio ours/theirs: ${(theirs.cpuMs / ours.cpuMs).toFixed(2)}×; outputs after ${b.warmup + b.scans} scans ${same ? `agree (${ours.outputs.join(', ')})` : `DIFFER: MATIEC ${theirs.outputs.join(', ')}, ours ${ours.outputs.join(', ')}`}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

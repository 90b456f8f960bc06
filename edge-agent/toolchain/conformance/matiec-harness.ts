/**
 * Runs a conformance case under MATIEC (beremiz/matiec), the independent
 * reference: iec2c translates the ST to C, a driver written here runs it scan
 * by scan on a 10 ms virtual clock and prints one JSON line per scan.
 *
 * MATIEC is never part of the repository: build it under /tmp and point
 * MATIEC_HOME at the build tree (it needs `iec2c`, `lib/` and `lib/C/`).
 * Nothing here runs in CI.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type CaseType,
  type CaseVar,
  type ConformanceCase,
  CYCLE_MS,
  type ScanValues,
} from './conformance-case';

const run = promisify(execFile);

/** Where MATIEC is, from MATIEC_HOME. Throws a readable error when unset. */
export function matiecHome(): string {
  const home = process.env.MATIEC_HOME;
  if (!home)
    throw new Error('set MATIEC_HOME to a MATIEC build tree (iec2c, lib/C) — see docs/virtual-plc.md');
  return home;
}

/** The outcome of one case under the reference. */
export type ReferenceResult =
  | { ok: true; trace: ScanValues[] }
  | { ok: false; stage: 'iec2c' | 'gcc' | 'run'; message: string };

const C_TYPE: Record<CaseType, string> = {
  BOOL: 'BOOL',
  SINT: 'SINT',
  INT: 'INT',
  DINT: 'DINT',
  LINT: 'LINT',
  USINT: 'USINT',
  UINT: 'UINT',
  UDINT: 'UDINT',
  ULINT: 'ULINT',
  BYTE: 'BYTE',
  WORD: 'WORD',
  DWORD: 'DWORD',
  REAL: 'REAL',
  LREAL: 'LREAL',
  TIME: 'TIME',
};

function cLiteral(type: CaseType, v: boolean | number): string {
  if (type === 'BOOL') return v ? '1' : '0';
  if (type === 'REAL') return `(REAL)${(v as number).toPrecision(9)}`;
  if (type === 'LREAL') return `(LREAL)${(v as number).toPrecision(17)}`;
  if (type === 'TIME') throw new Error('TIME inputs are not supported by the driver');
  if (type === 'LINT') return `${v}LL`;
  if (type === 'ULINT') return `${v}ULL`;
  return `(${C_TYPE[type]})${v}`;
}

function printer(v: CaseVar, access: string): string {
  const key = JSON.stringify(v.name);
  switch (v.type) {
    case 'BOOL':
      return `printf(",%s:%s", ${JSON.stringify(key)}, ${access} ? "true" : "false");`;
    case 'LINT':
      return `printf(",%s:\\"%lld\\"", ${JSON.stringify(key)}, (long long)${access});`;
    case 'ULINT':
      return `printf(",%s:\\"%llu\\"", ${JSON.stringify(key)}, (unsigned long long)${access});`;
    case 'REAL':
      return `pf(${JSON.stringify(key)}, (double)${access}, 9);`;
    case 'LREAL':
      return `pf(${JSON.stringify(key)}, (double)${access}, 17);`;
    case 'TIME':
      return `printf(",%s:%.6f", ${JSON.stringify(key)}, (double)${access}.tv_sec * 1000.0 + (double)${access}.tv_nsec / 1e6);`;
    case 'UDINT':
    case 'DWORD':
      return `printf(",%s:%lu", ${JSON.stringify(key)}, (unsigned long)${access});`;
    case 'USINT':
    case 'UINT':
    case 'BYTE':
    case 'WORD':
      return `printf(",%s:%lu", ${JSON.stringify(key)}, (unsigned long)${access});`;
    default:
      return `printf(",%s:%ld", ${JSON.stringify(key)}, (long)${access});`;
  }
}

/** The C driver: sets inputs per timeline, advances __CURRENT_TIME by 10 ms, prints outputs of each case. */
export function driverSource(cases: ConformanceCase[]): string {
  const externs = cases.map((c, i) => `extern ${c.program.toUpperCase()} RES__INST${i};`).join('\n');
  const steps = cases
    .map((c, i) => {
      const field = (name: string) => `RES__INST${i}.${name.toUpperCase()}.value`;
      const sets = c.timeline
        .map(([scan, a]) => {
          const body = Object.entries(a)
            .map(([n, v]) => {
              const t = c.inputs.find((x) => x.name === n)?.type ?? 'DINT';
              return `${field(n)} = ${cLiteral(t, v)};`;
            })
            .join(' ');
          return `    case ${scan}: ${body} break;`;
        })
        .join('\n');
      const prints = c.outputs.map((o) => `    ${printer(o, field(o.name))}`).join('\n');
      return `static void set${i}(unsigned long k) {
  switch (k) {
${sets}
  default: break;
  }
}
static void print${i}(unsigned long k) {
  if (k >= ${c.scans}UL) return;
  printf("{\\"case\\":${i},\\"scan\\":%lu", k);
${prints}
  printf("}\\n");
}`;
    })
    .join('\n');
  const scans = Math.max(...cases.map((c) => c.scans));
  return `#include <stdio.h>
#include <math.h>
#include "iec_std_lib.h"
#include "POUS.h"
TIME __CURRENT_TIME;
BOOL __DEBUG;
${externs}
void config_init__(void);
void config_run__(unsigned long tick);
static void pf(const char *k, double v, int digits) {
  if (isnan(v)) printf(",%s:\\"NaN\\"", k);
  else if (isinf(v)) printf(",%s:\\"%sInfinity\\"", k, v < 0 ? "-" : "");
  else printf(",%s:%.*g", k, digits, v);
}
${steps}
int main(void) {
  config_init__();
  for (unsigned long k = 0; k < ${scans}UL; k++) {
${cases.map((_, i) => `    set${i}(k);`).join('\n')}
    unsigned long long ns = (unsigned long long)k * ${CYCLE_MS}000000ULL;
    __CURRENT_TIME.tv_sec = (long)(ns / 1000000000ULL);
    __CURRENT_TIME.tv_nsec = (long)(ns % 1000000000ULL);
    config_run__(k);
${cases.map((_, i) => `    print${i}(k);`).join('\n')}
  }
  return 0;
}
`;
}

/** The cases' sources plus a CONFIGURATION that runs one instance of each program every 10 ms. */
export function referenceSource(cases: ConformanceCase[]): string {
  return `${cases.map((c) => c.source).join('\n')}
CONFIGURATION Cfg
RESOURCE Res ON PLC
TASK T0(INTERVAL := T#${CYCLE_MS}ms, PRIORITY := 0);
${cases.map((c, i) => `PROGRAM Inst${i} WITH T0 : ${c.program};`).join('\n')}
END_RESOURCE
END_CONFIGURATION
`;
}

function parseLines(text: string, n: number): ScanValues[][] {
  const traces: ScanValues[][] = Array.from({ length: n }, () => []);
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    const o = JSON.parse(l) as ScanValues;
    const i = o.case as number;
    delete o.case;
    delete o.scan;
    traces[i]?.push(o);
  }
  return traces;
}

/** Runs one case under MATIEC. */
export async function runUnderMatiec(c: ConformanceCase, home = matiecHome()): Promise<ReferenceResult> {
  return (await runBatchUnderMatiec([c], home))[0] as ReferenceResult;
}

/**
 * Runs several cases in one translation and one C compile (each program its own instance in one
 * task); POU names must be distinct across the batch. When the batch fails to translate or
 * compile, each case runs on its own so one bad case costs only itself.
 */
export async function runBatchUnderMatiec(
  cases: ConformanceCase[],
  home = matiecHome(),
): Promise<ReferenceResult[]> {
  const r = await runCompiled(cases, home);
  if (Array.isArray(r)) return r.map((trace) => ({ ok: true, trace }));
  if (cases.length === 1) return [r];
  const out: ReferenceResult[] = [];
  for (const c of cases) out.push(...(await runBatchUnderMatiec([c], home)));
  return out;
}

async function runCompiled(
  cases: ConformanceCase[],
  home: string,
): Promise<ScanValues[][] | Extract<ReferenceResult, { ok: false }>> {
  const dir = mkdtempSync(join(tmpdir(), 'plcfleet-matiec-'));
  try {
    writeFileSync(join(dir, 'case.st'), referenceSource(cases));
    mkdirSync(join(dir, 'out'));
    try {
      await run(
        join(home, 'iec2c'),
        ['-I', join(home, 'lib'), '-T', join(dir, 'out'), join(dir, 'case.st')],
        {
          timeout: 60_000,
        },
      );
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      return { ok: false, stage: 'iec2c', message: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message };
    }
    // iec2c names Cfg.c and Res.c after the configuration and resource of referenceSource()
    const out = join(dir, 'out');
    writeFileSync(join(out, 'driver.c'), driverSource(cases));
    try {
      await run(
        'gcc',
        [
          '-O0',
          '-fwrapv',
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
          join(out, 'case'),
        ],
        { timeout: 300_000 },
      );
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      return { ok: false, stage: 'gcc', message: (e.stderr ?? e.message).slice(0, 4000) };
    }
    try {
      const { stdout } = await run(join(out, 'case'), [], {
        timeout: 120_000,
        maxBuffer: 1024 * 1024 * 1024,
      });
      return parseLines(stdout, cases.length);
    } catch (err) {
      return { ok: false, stage: 'run', message: (err as Error).message.slice(0, 2000) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Benchmark of the IEC 61131-3 front end: parse and parse+check throughput
 * (lines/s, one core) and retained heap per source line, on a generated
 * project of >= 200k lines and, when given, on real corpora (e.g. OSCAT).
 *
 *   npx tsx edge-agent/toolchain/scripts/bench-iec.ts [--lines 200000] [--oscat /tmp/oscat]
 *       [--corpus LABEL=PATH ...] [--no-comments]
 *
 * `--corpus` measures the sources under PATH (ST, TwinCAT or PLCopen XML,
 * each read by its own reader) the same way, e.g. a TwinCAT project and the
 * same library as PLCopen XML and as plain ST, to compare cost per line. `--no-comments`
 * reads as `compile` does, without Comment nodes (decision 0173).
 *
 * Prints figures only; it asserts nothing (see docs/iec-frontend.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CompilationUnit, checkProject, collectSourceFiles, countLines, readSource } from '../src/iec';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `--no-comments`: read as `compile` reads (decision 0173), no Comment nodes. */
const PARSE_OPTIONS = process.argv.includes('--no-comments') ? { comments: false } : {};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** A plant-like project: FBs with timers, counters, state machines, loops; one program calling them; a GVL. */
function generate(targetLines: number): { file: string; text: string; lines: number }[] {
  const files: { file: string; text: string; lines: number }[] = [];
  let total = 0;
  const gvl: string[] = ['VAR_GLOBAL'];
  let n = 0;
  while (total < targetLines) {
    const out: string[] = [];
    for (let k = 0; k < 20; k++, n++) {
      out.push(
        `(* generated unit ${n}: conveyor section with jam detection *)`,
        `FUNCTION_BLOCK FB_Section${n}`,
        'VAR_INPUT',
        '    bStart : BOOL;',
        '    bStop : BOOL;',
        '    rSpeedSet : REAL := 1.5;',
        '    nMode : INT;',
        'END_VAR',
        'VAR_OUTPUT',
        '    bRun : BOOL;',
        '    rSpeed : REAL;',
        '    nCount : DINT;',
        'END_VAR',
        'VAR',
        '    fbTon : TON;',
        '    fbEdge : R_TRIG;',
        '    fbCnt : CTU;',
        '    aBuf : ARRAY[0..15] OF INT;',
        '    i : INT;',
        '    nState : INT;',
        'END_VAR',
        'fbEdge(CLK := bStart);',
        'IF fbEdge.Q AND NOT bStop THEN',
        '    bRun := TRUE;',
        'ELSIF bStop THEN',
        '    bRun := FALSE; // stop',
        'END_IF;',
        'fbTon(IN := bRun, PT := T#2s500ms);',
        'fbCnt(CU := fbTon.Q, R := bStop, PV := 1000);',
        'CASE nState OF',
        '    0: IF bRun THEN nState := 10; END_IF;',
        '    10: rSpeed := rSpeed + 0.1 * (rSpeedSet - rSpeed);',
        '        IF NOT bRun THEN nState := 20; END_IF;',
        '    20, 21..25: rSpeed := 0.0; nState := 0;',
        'ELSE',
        '    nState := 0;',
        'END_CASE;',
        'FOR i := 0 TO 15 DO',
        '    aBuf[i] := aBuf[i] + INT#1 * nMode MOD 7;',
        'END_FOR;',
        `nCount := nCount + INT_TO_DINT(fbCnt.CV) + ${n % 97};`,
        `gCounter${n % 500} := nCount > 16#7FFF;`,
        'END_FUNCTION_BLOCK',
        '',
      );
      if (n < 500) gvl.push(`    gCounter${n} : BOOL;`);
    }
    const text = `${out.join('\n')}\n`;
    files.push({ file: `gen/unit${files.length}.st`, text, lines: out.length });
    total += out.length;
  }
  gvl.push('END_VAR');
  files.push({ file: 'gen/gvl.st', text: `${gvl.join('\n')}\n`, lines: gvl.length });
  total += gvl.length;
  const prog = ['PROGRAM PRG_Main', 'VAR'];
  for (let k = 0; k < Math.min(n, 2000); k++) prog.push(`    fb${k} : FB_Section${k};`);
  prog.push('END_VAR');
  for (let k = 0; k < Math.min(n, 2000); k++)
    prog.push(`fb${k}(bStart := TRUE, bStop := FALSE, nMode := ${k % 5});`);
  prog.push('END_PROGRAM');
  files.push({ file: 'gen/main.st', text: `${prog.join('\n')}\n`, lines: prog.length });
  return files;
}

function measure(label: string, files: { file: string; text: string; lines: number }[], rounds = 5): void {
  const lines = files.reduce((a, f) => a + f.lines, 0);
  const parseAll = (): CompilationUnit[] =>
    files.map((f) => readSource(f.text, f.file, undefined, PARSE_OPTIONS).unit);
  // warm up the JIT (three passes: small corpora reach the optimising tier only
  // after several), then take the best of several rounds (one core, no workers)
  for (let w = 0; w < 3; w++) parseAll();
  // CPU time of this process (user + system) as well as wall time: on a shared
  // machine wall time measures the neighbours, CPU time measures us on one core
  const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
  let bestParse = Number.POSITIVE_INFINITY;
  let bestParseCpu = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    parseAll();
    bestParseCpu = Math.min(bestParseCpu, cpuMs(process.cpuUsage(c0)));
    bestParse = Math.min(bestParse, performance.now() - t0);
  }
  let bestBoth = Number.POSITIVE_INFINITY;
  let bestBothCpu = Number.POSITIVE_INFINITY;
  let errors = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const units = parseAll();
    const { diagnostics } = checkProject(units);
    bestBothCpu = Math.min(bestBothCpu, cpuMs(process.cpuUsage(c0)));
    bestBoth = Math.min(bestBoth, performance.now() - t0);
    errors = diagnostics.filter((d) => d.severity === 'error').length;
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const units = parseAll();
  gc();
  const afterParse = process.memoryUsage().heapUsed;
  const checked = checkProject(units);
  gc();
  const afterCheck = process.memoryUsage().heapUsed;
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log(`${label}: ${files.length} files, ${fmt(lines)} lines, ${errors} errors`);
  console.log(
    `  parse only      ${fmt((lines / bestParseCpu) * 1000)} lines/CPU-s   ${fmt((lines / bestParse) * 1000)} lines/s wall  (${bestParseCpu.toFixed(0)} ms CPU, ${bestParse.toFixed(0)} ms wall)`,
  );
  console.log(
    `  parse + check   ${fmt((lines / bestBothCpu) * 1000)} lines/CPU-s   ${fmt((lines / bestBoth) * 1000)} lines/s wall  (${bestBothCpu.toFixed(0)} ms CPU, ${bestBoth.toFixed(0)} ms wall)`,
  );
  console.log(
    `  heap retained   ${fmt((afterParse - before) / lines)} B/line (AST)  ${fmt((afterCheck - before) / lines)} B/line (AST + checked project)`,
  );
  // keep both alive until measured
  if (units.length < 0 || checked.diagnostics.length < 0) console.log('');
}

const target = Number(arg('--lines', '200000'));
console.log(
  `node ${process.version}, ${process.arch}, load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
measure('generated project', generate(target));
const oscat = arg('--oscat', '/tmp/oscat');
if (existsSync(join(oscat, 'oscat.st'))) {
  const text = readFileSync(join(oscat, 'oscat.st'), 'utf8');
  const stubs = readFileSync(join(oscat, 'stubs.st'), 'utf8');
  measure(
    'OSCAT (oscat.st + stubs.st)',
    [
      { file: 'oscat.st', text, lines: text.split('\n').length },
      { file: 'stubs.st', text: stubs, lines: stubs.split('\n').length },
    ],
    10,
  );
} else console.log(`(no OSCAT corpus at ${oscat}; fetch PLC-lang/oscat there to measure it)`);
for (let i = 0; i < process.argv.length; i++) {
  if (process.argv[i] !== '--corpus') continue;
  const spec = process.argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  const [label, path] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [spec, spec];
  const files = (await collectSourceFiles([path]))
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }))
    .filter(
      (f) => !f.file.toLowerCase().endsWith('.xml') || /plcopen\.org\/xml\/tc6/i.test(f.text.slice(0, 4096)),
    )
    .map((f) => ({ ...f, lines: countLines(f.text) }));
  measure(label, files);
}

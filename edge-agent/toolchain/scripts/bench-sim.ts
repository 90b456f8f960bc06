/**
 * Virtual PLC benchmark (a script, not a test): scans per second on a small
 * program and on a generated plant-sized project, paired scans per second of
 * the equivalence checker on both (each run restores both programs), and compile time. Run:
 *
 *   npx tsx edge-agent/toolchain/scripts/bench-sim.ts
 *
 * Figures go to docs/virtual-plc.md by hand, with the machine they came from.
 */
import { type CompilationUnit, checkProject, parseSource } from '../src/iec';
import { checkEquivalence, compileProgram } from '../src/sim';
import { plantSource, SMALL } from './bench-programs';

function countStatements(n: unknown, seen = new Set<unknown>()): number {
  if (typeof n !== 'object' || n === null || seen.has(n)) return 0;
  seen.add(n);
  const o = n as Record<string, unknown>;
  const kinds = [
    'Assignment',
    'CallStatement',
    'If',
    'Case',
    'For',
    'While',
    'Repeat',
    'Exit',
    'Continue',
    'Return',
  ];
  let c = typeof o.kind === 'string' && kinds.includes(o.kind) ? 1 : 0;
  for (const [k, v] of Object.entries(o)) if (k !== 'span') c += countStatements(v, seen);
  return c;
}

/**
 * CPU time (user + system) of this process in ms: the machine is shared, so wall time
 * overstates the cost; both are printed where it matters.
 */
function time<T>(f: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000, wall];
}

/** The checker's result, as the simulator takes it (compile figures then exclude the check). */
function checked(units: CompilationUnit[]) {
  const r = checkProject(units);
  return { ...r.checked, diagnostics: r.diagnostics };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

// (a) small program
{
  const project = checked([parseSource(SMALL, 'small.st').unit]);
  const [plc, ms] = time(() => compileProgram(project, { program: 'Small' }));
  plc.set('Start', true);
  plc.scan(1_000_000); // warm-up: let V8 optimise the generated code
  const N = 20_000_000;
  const [, t, w] = time(() => plc.scan(N));
  console.log(
    `(a) small program: compile ${ms.toFixed(1)} ms; ${fmt((N / t) * 1000)} scans/s per CPU second (${N} scans: ${t.toFixed(0)} ms CPU, ${w.toFixed(0)} ms wall)`,
  );
}

// (b) plant-sized project
{
  const src = plantSource(60, 4);
  const [parsed, parseMs] = time(() => parseSource(src, 'plant.st'));
  const statements = countStatements(parsed.unit);
  const pous = parsed.unit.declarations.length;
  const [project, checkMs] = time(() => checked([parsed.unit]));
  const [plc, ms] = time(() => compileProgram(project, { program: 'Plant' }));
  plc.set('Enable', true);
  plc.scan(2000);
  const N = 50_000;
  const [, t, w] = time(() => plc.scan(N));
  console.log(
    `(b) plant: ${pous} POUs, ${60 * 4} FB instances (+${60 * 4 * 2} standard FB instances), ${statements} statements, ${src.split('\n').length} lines`,
  );
  console.log(
    `    parse ${parseMs.toFixed(0)} ms CPU; check ${checkMs.toFixed(0)} ms CPU; compile ${ms.toFixed(1)} ms CPU (first, cold JIT)`,
  );
  const [, warm] = time(() => compileProgram(project, { program: 'Plant' }));
  console.log(
    `    compile again (warm JIT) ${warm.toFixed(1)} ms CPU; ${fmt((N / t) * 1000)} scans/s per CPU second (${N} scans: ${t.toFixed(0)} ms CPU, ${w.toFixed(0)} ms wall)`,
  );
}

// (c) a plant of 2,400 FB instances (issue 23): 2,400 TONs and 2,400 R_TRIGs
{
  const src = plantSource(60, 40);
  const parsed = parseSource(src, 'plant-2400.st');
  const [project, checkMs] = time(() => checked([parsed.unit]));
  const [plc, ms] = time(() => compileProgram(project, { program: 'Plant' }));
  plc.set('Enable', true);
  plc.scan(500);
  const N = 5_000;
  const [, t, w] = time(() => plc.scan(N));
  console.log(
    `(c) plant of ${60 * 40} FB instances (${60 * 40} TON, ${60 * 40} R_TRIG), ${src.split('\n').length} lines: check ${checkMs.toFixed(0)} ms, compile ${ms.toFixed(0)} ms CPU; ${fmt((N / t) * 1000)} scans/s per CPU second (${N} scans: ${t.toFixed(0)} ms CPU, ${w.toFixed(0)} ms wall)`,
  );
}

/**
 * Paired scans per CPU second of the equivalence checker on `src` against `changed` (one restore
 * of both programs per run, so this also measures the state after a restore).
 */
function equivalence(
  label: string,
  src: string,
  changed: string,
  runs: number,
  scans: number,
  program?: string,
) {
  const before = checked([parseSource(src, 'before.st').unit]);
  const after = checked([parseSource(changed, 'after.st').unit]);
  const scope = program ? { program } : {};
  checkEquivalence({ before, after, runs: 4, scans: scans / 4, ...scope }); // warm-up
  const [r, t, w] = time(() => checkEquivalence({ before, after, runs, scans, seed: 1, ...scope }));
  console.log(
    `equivalence on ${label}: ${fmt(((runs * scans) / t) * 1000)} paired scans/s per CPU second (${runs}x${scans}: ${t.toFixed(0)} ms CPU, ${w.toFixed(0)} ms wall, equivalent=${r.equivalent})`,
  );
}

equivalence('(a)', SMALL, SMALL.replace('x * 0.5 + 1.25', '1.25 + x * 0.5'), 200, 10_000);
// (b) with a sum's operands swapped (equal in binary32): the plant against itself, 20 runs
const plant = plantSource(60, 4);
equivalence('(b)', plant, plant.replaceAll('Err * 0.8 + Acc', 'Acc + Err * 0.8'), 20, 2_000, 'Plant');

/**
 * Conformance cases from plcfleet's own example programs (the simulator's and
 * front end's fixtures): each PROGRAM with an elementary interface, printed by
 * our printer (canonical ST the reference can read), runs under several seeded
 * input timelines. These programs are ours, so their cases may be recorded.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseSource, printUnit } from '../src/iec';
import { Prng } from '../src/sim';
import type { CaseType, CaseVar, ConformanceCase } from './conformance-case';

const ELEMENTARY = new Set([
  'BOOL',
  'SINT',
  'INT',
  'DINT',
  'LINT',
  'USINT',
  'UINT',
  'UDINT',
  'ULINT',
  'REAL',
  'LREAL',
]);

/** The example programs, relative to the toolchain package. */
export const EXAMPLE_FILES = [
  'fixtures/sim/conveyor.st',
  'fixtures/sim/mixing-tank.st',
  'fixtures/sim/press.st',
  'fixtures/iec/st/conveyor.st',
  'fixtures/iec/st/mixing-tank.st',
  'fixtures/iec/st/press.st',
  'fixtures/iec/st/pump-station.st',
];

/** `runs` cases per example PROGRAM, each with its own seeded timeline of `scans` scans. */
export function exampleCases(root: string, runs = 20, scans = 600, files = EXAMPLE_FILES): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const rel of files) {
    // the front end's examples share their data types
    const types = rel.startsWith('fixtures/iec/st/')
      ? readFileSync(join(root, 'fixtures/iec/st/types.st'), 'utf8')
      : '';
    const parsed = parseSource(`${types}\n${readFileSync(join(root, rel), 'utf8')}`, rel);
    if (parsed.diagnostics.some((d) => d.severity === 'error')) continue;
    const source = printUnit(parsed.unit);
    for (const d of parsed.unit.declarations) {
      if (d.kind !== 'Program') continue;
      const inputs: CaseVar[] = [];
      const outputs: CaseVar[] = [];
      let elementary = true;
      for (const b of d.varBlocks) {
        if (b.section !== 'VAR_INPUT' && b.section !== 'VAR_OUTPUT') continue;
        for (const v of b.decls) {
          const t = v.type.kind === 'NamedType' ? v.type.name.toUpperCase() : '';
          // inputs must be writable by the driver; outputs of other types are just not observed
          if (!ELEMENTARY.has(t)) {
            if (b.section === 'VAR_INPUT') elementary = false;
            continue;
          }
          for (const n of v.names)
            (b.section === 'VAR_INPUT' ? inputs : outputs).push({ name: n.name, type: t as CaseType });
        }
      }
      if (!elementary || outputs.length === 0) continue;
      for (let run = 0; run < runs; run++) {
        const rng = new Prng(`${rel}:${d.name}:${run}`);
        const at = new Map<number, Record<string, boolean | number>>();
        for (const v of inputs) {
          // plant-like holds: long enough for the programs' timers (up to a few seconds) to elapse
          let k = rng.int(0, 30);
          let bv = false;
          while (k < scans) {
            const o = at.get(k) ?? {};
            at.set(k, o);
            if (v.type === 'BOOL') o[v.name] = bv = !bv;
            else if (v.type === 'REAL' || v.type === 'LREAL')
              o[v.name] = Math.fround((2 * rng.int(-6400, 12800) + 1) / 128);
            else o[v.name] = rng.int(0, 200);
            k += rng.next() < 0.2 ? rng.int(1, 5) : rng.int(10, 400);
          }
        }
        cases.push({
          id: `example-${basename(rel, '.st')}-${rel.includes('/sim/') ? 'sim' : 'iec'}-${d.name.toLowerCase()}-${run}`,
          source,
          program: d.name,
          inputs,
          outputs,
          scans,
          timeline: [...at].sort((a, b) => a[0] - b[0]),
        });
      }
    }
  }
  return cases;
}

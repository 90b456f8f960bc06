import type { PlantBinding } from '@plcfleet/protocols';
import { compileProgram, Prng, type SimProjectInput, type SimValue } from '../sim';
import { ClosedLoop } from './closed-loop';

/** Options of {@link closedLoopEquivalence}. */
export interface ClosedLoopEquivalenceOptions {
  /** Closed-loop cycles. @default 10000 */
  scans?: number;
  /** Seed of the free inputs. @default 1 */
  seed?: number | string;
  /** Scan cycle, ms. @default 10 */
  cycleMs?: number;
  /** Chance per cycle that a free input changes. @default 0.05 */
  changeRate?: number;
}

/** Where the two closed loops first differed. */
interface ClosedLoopDifference {
  /** Cycle (from 0). */
  scan: number;
  output: string;
  old: SimValue;
  new: SimValue;
  /** The free inputs at that cycle. */
  inputs: Record<string, SimValue>;
}

/** The outcome of {@link closedLoopEquivalence}. */
export interface ClosedLoopEquivalenceResult {
  equivalent: boolean;
  scans: number;
  /** Controller outputs compared every cycle. */
  outputs: string[];
  /** Controller inputs set at random (those the plant does not drive). */
  freeInputs: string[];
  difference: ClosedLoopDifference | null;
  /** A runtime fault that ended the run (the side and the program). */
  fault: string | null;
}

/** A random value for a free input of `type` (small ranges: plant-scale values, not bit patterns). */
function randomValue(prng: Prng, type: string): SimValue {
  const t = type.toUpperCase();
  if (t === 'BOOL') return prng.chance(0.5);
  if (t === 'REAL' || t === 'LREAL') return Math.round(prng.next() * 2000 - 1000) / 10;
  if (t.startsWith('U') || t === 'BYTE' || t === 'WORD' || t === 'DWORD' || t === 'USINT')
    return prng.int(0, 1000);
  if (t === 'LINT') return BigInt(prng.int(-1000, 1000));
  return prng.int(-1000, 1000);
}

const same = (a: SimValue, b: SimValue) => JSON.stringify(a, jsonSafe) === JSON.stringify(b, jsonSafe);
const jsonSafe = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/**
 * Old and new controller, each in closed loop with its own instance of the same plant
 * model, on the same seeded free inputs: equivalent when every controller output (the
 * old program's outputs present in the new) is the same in every cycle. The plant makes
 * the inputs realistic — a level follows the pump — so a change that only shows in
 * closed loop (a hysteresis, a timer against a moving value) shows here.
 */
export function closedLoopEquivalence(
  oldProgram: SimProjectInput,
  newProgram: SimProjectInput,
  plantProgram: SimProjectInput,
  binding: PlantBinding,
  options: ClosedLoopEquivalenceOptions = {},
): ClosedLoopEquivalenceResult {
  const cycleMs = options.cycleMs ?? 10;
  const scans = options.scans ?? 10_000;
  const rate = options.changeRate ?? 0.05;
  const loop = (p: SimProjectInput) =>
    new ClosedLoop(compileProgram(p, { cycleMs }), compileProgram(plantProgram, { cycleMs }), binding);
  const a = loop(oldProgram);
  const b = loop(newProgram);
  const newOutputs = new Set(b.controller.outputNames().map((n) => n.toLowerCase()));
  const outputs = a.controller.outputNames().filter((n) => newOutputs.has(n.toLowerCase()));
  const free = a.freeInputs();
  const types = new Map(a.controller.listVariables().map((v) => [v.name, v.type]));
  const prng = new Prng(options.seed ?? 1);
  const inputs: Record<string, SimValue> = {};
  for (const name of free) inputs[name] = a.controller.get(name);
  for (let scan = 0; scan < scans; scan++) {
    for (const name of free)
      if (prng.chance(rate)) {
        inputs[name] = randomValue(prng, types.get(name) ?? 'INT');
        a.controller.set(name, inputs[name]!);
        b.controller.set(name, inputs[name]!);
      }
    const fa = a.scan();
    const fb = b.scan();
    const fault = fa ?? fb;
    if (fault)
      return {
        equivalent: false,
        scans: scan,
        outputs,
        freeInputs: free,
        difference: null,
        fault: `${fa ? 'old' : 'new'} program's ${fault.side} at cycle ${scan}: ${fault.code} ${fault.message}`,
      };
    for (const o of outputs) {
      const va = a.controller.get(o);
      const vb = b.controller.get(o);
      if (!same(va, vb))
        return {
          equivalent: false,
          scans: scan + 1,
          outputs,
          freeInputs: free,
          difference: { scan, output: o, old: va, new: vb, inputs: { ...inputs } },
          fault: null,
        };
    }
  }
  return { equivalent: true, scans, outputs, freeInputs: free, difference: null, fault: null };
}

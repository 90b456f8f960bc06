/**
 * A thin differential driver over the virtual PLC for the safety proofs: the
 * old and the new program run side by side, scan for scan, on the same
 * values of their shared inputs, while inputs that only one version declares
 * are driven freely. The sim's own equivalence check compares programs with
 * the same inputs; the permissive check needs the new program's extra inputs
 * (a redundant sensor) to be adversarial, hence this adapter.
 *
 * Inputs are seeded random values held for random lengths, up to one and a
 * half times the longest timer preset in the slice (so timers both expire and
 * get interrupted). When the boolean inputs are few and nothing else is
 * driven, the joint state space is explored breadth first instead, under the
 * same steps (one scan, or a hold long enough for every timer to expire):
 * complete for that step set when the exploration ends under its state cap.
 */

import type { PlantBinding } from '@plcfleet/protocols';
import { ClosedLoop } from '../plant-model';
import {
  compileProgram,
  SIM_ERROR_CODES,
  SimError,
  type SimProjectInput,
  type SimValue,
  type scenarioActions,
  type VirtualPlc,
} from '../sim';
import type { Counterexample } from './safety-types';

/** Per-scan inputs of a scenario, as the sim derives them from its steps. */
export type ScenarioActions = ReturnType<typeof scenarioActions>;

/** A free input: driven on every scan. */
export interface DriveInput {
  /** Path for `VirtualPlc.set` (a program variable's bare name, or a global's name). */
  path: string;
  /** Case-folded elementary type name (`bool`, `int`, `real`, `time`, ...). */
  type: string;
  /** Which versions declare it. */
  side: 'both' | 'old' | 'new';
}

/** How the compared outputs must relate, scan for scan. */
export type Relation = 'implies' | 'equal';

/** Options of {@link runDifferential}. */
export interface DifferentialOptions {
  program: string;
  inputs: readonly DriveInput[];
  /** Output paths compared (each must exist in both versions). */
  outputs: readonly string[];
  /** `implies`: new TRUE ⇒ old TRUE (a permissive may be tightened, never loosened); `equal`: same values. */
  relation: Relation;
  seed: number;
  /** Random runs. @default 32 */
  runs?: number;
  /** Scans per random run. @default 200 */
  scans?: number;
  /** Longest TIME preset in the slice, in ms (sets the hold lengths). @default 1000 */
  maxPresetMs?: number;
  /** Boolean inputs at most for breadth-first exploration. @default 3 */
  exhaustiveMaxInputs?: number;
  /** Joint states at most before exploration gives up. @default 150 */
  maxStates?: number;
  /** Virtual ms per scan. @default 10 */
  cycleMs?: number;
  /** Compiled PLCs shared between proofs of one verification (keyed by version and program). */
  cache?: Map<string, VirtualPlc>;
  /** Scenarios (the migration's) replayed on both versions before the random runs. */
  scenarios?: readonly { name: string; actions: ScenarioActions }[];
  /**
   * A plant model: each version runs in closed loop with its own instance of it, and the
   * inputs the plant drives are not driven here. A binding end that does not exist throws
   * `SimError` BAD_INPUT (bad input, not an inconclusive proof).
   */
  plant?: PlantModel;
}

/** A plant model (an ST program simulating the machine) and how it is wired to the controller. */
export interface PlantModel {
  program: SimProjectInput;
  binding: PlantBinding;
}

/** Outcome of {@link runDifferential}. */
export interface DifferentialResult {
  result: 'proven' | 'refuted' | 'inconclusive';
  method: 'exhaustive' | 'random' | 'scenario';
  runs: number;
  scans: number;
  counterexample: Counterexample | null;
  /** Why the check is inconclusive. */
  reason?: string;
  /** For an exhaustive exploration: the joint (old, new) states reached, every one explored. */
  states?: number;
}

/** mulberry32: a small, fast, seeded PRNG (deterministic verdicts need seeded inputs). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIGNED = new Set(['sint', 'int', 'dint', 'lint']);
const UNSIGNED = new Set(['usint', 'uint', 'udint', 'ulint', 'byte', 'word', 'dword', 'lword']);

/**
 * Probability of TRUE for a boolean input over one run. Safety logic is mostly an AND of
 * healthy signals behind latches, so fair coins rarely reach the permitting states: each run
 * gives each input its own bias, from fair to almost always TRUE (or FALSE).
 */
function boolBias(rnd: () => number): number {
  const r = rnd();
  if (r < 0.3) return 0.5;
  if (r < 0.6) return 0.9;
  if (r < 0.9) return 0.995;
  return 0.1;
}

function randomValue(type: string, rnd: () => number, maxPresetMs: number, bias = 0.5): SimValue {
  if (type === 'bool') return rnd() < bias;
  if (SIGNED.has(type) || UNSIGNED.has(type)) {
    const r = rnd();
    const signed = SIGNED.has(type);
    const max = type === 'sint' ? 127 : type === 'usint' || type === 'byte' ? 255 : 32767;
    if (r < 0.15) return 0;
    if (r < 0.25) return max;
    if (r < 0.3 && signed) return -1;
    if (r < 0.6) return Math.floor(rnd() * 100);
    return Math.floor(rnd() * (max + 1)) * (signed && rnd() < 0.2 ? -1 : 1);
  }
  if (type === 'real' || type === 'lreal') {
    const r = rnd();
    if (r < 0.15) return 0;
    if (r < 0.3) return -rnd() * 1000;
    return rnd() * 1000;
  }
  if (type === 'time' || type === 'ltime') return Math.floor(rnd() * 2 * maxPresetMs);
  return null;
}

function same(a: SimValue, b: SimValue): boolean {
  return a === b || JSON.stringify(a, big) === JSON.stringify(b, big);
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

interface Pair {
  old: VirtualPlc;
  new: VirtualPlc;
  /** Last value written per path and side: `set` is costly, so only changes are written. */
  written: Map<string, SimValue>;
  /** With a plant model: each version in closed loop with its own plant instance. */
  loops?: { old: ClosedLoop; new: ClosedLoop };
}

/** One scan of both versions (with their plants); the first fault's message, if any. */
function scanBoth(pair: Pair): string | undefined {
  const fo = pair.loops ? pair.loops.old.scan(1) : pair.old.scan(1);
  const fn = pair.loops ? pair.loops.new.scan(1) : pair.new.scan(1);
  const f = fo ?? fn;
  if (!f) return undefined;
  return 'side' in f && f.side === 'plant' ? `plant model: ${f.message}` : f.message;
}

/** Applies one scan's inputs to both PLCs, runs the scan, and checks the relation; returns the violating output. */
function step(
  pair: Pair,
  opts: DifferentialOptions,
  values: ReadonlyMap<string, SimValue>,
): { output: string; old: SimValue; new: SimValue } | { fault: string } | undefined {
  for (const input of opts.inputs) {
    const v = values.get(input.path);
    if (v === undefined || v === null) continue;
    if (pair.written.get(input.path) === v) continue;
    pair.written.set(input.path, v);
    if (input.side !== 'new') pair.old.set(input.path, v);
    if (input.side !== 'old') pair.new.set(input.path, v);
  }
  const fault = scanBoth(pair);
  if (fault) return { fault };
  for (const out of opts.outputs) {
    const o = pair.old.get(out);
    const n = pair.new.get(out);
    const bad = opts.relation === 'implies' ? n === true && o !== true : !same(o, n);
    if (bad) return { output: out, old: o, new: n };
  }
  return undefined;
}

type Trace = Map<string, SimValue>[];

function restart(pair: Pair): void {
  pair.old.coldRestart();
  pair.new.coldRestart();
  pair.loops?.old.reset();
  pair.loops?.new.reset();
  pair.written.clear();
}

/** Replays a trace from a cold start; the first violation, or undefined. */
function replay(pair: Pair, opts: DifferentialOptions, trace: Trace) {
  restart(pair);
  for (let i = 0; i < trace.length; i++) {
    const r = step(pair, opts, trace[i]!);
    if (r && 'output' in r) return { scan: i, ...r };
    if (r) return undefined;
  }
  return undefined;
}

/** Removes chunks of scans while the violation remains (bounded delta debugging). */
function shrink(pair: Pair, opts: DifferentialOptions, trace: Trace): Trace {
  let cur = trace;
  let budget = 150;
  for (
    let size = Math.max(1, Math.floor(cur.length / 2));
    size >= 1 && budget > 0;
    size = Math.floor(size / 2)
  ) {
    for (let start = 0; start + size <= cur.length && budget > 0; ) {
      budget--;
      const cand = [...cur.slice(0, start), ...cur.slice(start + size)];
      const hit = cand.length > 0 ? replay(pair, opts, cand) : undefined;
      if (hit) cur = cand.slice(0, hit.scan + 1);
      else start += size;
    }
    if (size === 1) break;
  }
  return cur;
}

function counterexample(pair: Pair, opts: DifferentialOptions, trace: Trace): Counterexample | null {
  const small = shrink(pair, opts, trace);
  const hit = replay(pair, opts, small);
  if (!hit) return null;
  return {
    scan: hit.scan,
    variable: hit.output,
    before: hit.old,
    after: hit.new,
    inputs: small.map((m) =>
      Object.fromEntries([...m].map(([k, v]) => [k, typeof v === 'bigint' ? `${v}` : v])),
    ),
  };
}

/**
 * Runs the old and new program side by side and checks the relation on every scan.
 * Compilation failures and runtime faults make the result inconclusive (the caller fails closed).
 * Give each version with its bound model and library interfaces (a {@link SimProjectInput}
 * object), as it was checked: bare units are checked again without the libraries, and a call
 * of a library block then reads as "does not compile" instead of the simulator's refusal that
 * names the block and `--models`.
 */
export function runDifferential(
  before: SimProjectInput,
  after: SimProjectInput,
  opts: DifferentialOptions,
): DifferentialResult {
  const runs = opts.runs ?? 32;
  const scans = opts.scans ?? 200;
  const cycleMs = opts.cycleMs ?? 10;
  const maxPresetMs = opts.maxPresetMs ?? 1000;
  let pair: Pair;
  try {
    const compiled = (side: 'old' | 'new', units: SimProjectInput): VirtualPlc => {
      const key = `${side}:${opts.program.toLowerCase()}:${cycleMs}`;
      const hit = opts.cache?.get(key);
      if (hit) return hit;
      const plc = compileProgram(units, { program: opts.program, cycleMs });
      opts.cache?.set(key, plc);
      return plc;
    };
    pair = { old: compiled('old', before), new: compiled('new', after), written: new Map() };
    // Every driven path and compared output must exist where it is used.
    for (const i of opts.inputs) {
      if (i.side !== 'new') pair.old.typeOf(i.path);
      if (i.side !== 'old') pair.new.typeOf(i.path);
    }
    for (const o of opts.outputs) {
      pair.old.typeOf(o);
      pair.new.typeOf(o);
    }
  } catch (err) {
    return {
      result: 'inconclusive',
      method: 'random',
      runs: 0,
      scans: 0,
      counterexample: null,
      reason: `cannot simulate: ${(err as Error).message}`,
    };
  }
  if (opts.plant) {
    // Outside the try: a binding that does not fit the program is bad input, not an open question.
    const plant = opts.plant;
    const loop = (plc: VirtualPlc) =>
      new ClosedLoop(plc, compileProgram(plant.program, { cycleMs }), plant.binding);
    pair.loops = { old: loop(pair.old), new: loop(pair.new) };
    const driven = new Set([...pair.loops.old.drivenInputs].map((n) => n.toLowerCase()));
    opts = { ...opts, inputs: opts.inputs.filter((i) => !driven.has(i.path.toLowerCase())) };
    restart(pair);
  }
  let scenarioScans = 0;
  for (const sc of opts.scenarios ?? []) {
    const r = replayScenario(pair, opts, sc.actions);
    scenarioScans += r.scans;
    if (r.fault)
      return {
        result: 'inconclusive',
        method: 'scenario',
        runs: 1,
        scans: scenarioScans,
        counterexample: null,
        reason: `runtime fault in scenario ${sc.name}: ${r.fault}`,
      };
    if (r.counterexample)
      return {
        result: 'refuted',
        method: 'scenario',
        runs: 1,
        scans: scenarioScans,
        counterexample: r.counterexample,
      };
  }
  const holdScans = Math.max(1, Math.ceil(maxPresetMs / cycleMs) + 1);
  const bools = opts.inputs.filter((i) => i.type === 'bool');
  // The exploration's states are the controllers' snapshots; a plant's state is not in them.
  if (!pair.loops && bools.length === opts.inputs.length && bools.length <= (opts.exhaustiveMaxInputs ?? 3)) {
    const r = explore(pair, opts, holdScans, opts.maxStates ?? 150);
    if (r) return r;
  }
  const rnd = prng(opts.seed);
  let total = 0;
  for (let run = 0; run < runs; run++) {
    restart(pair);
    const current = new Map<string, SimValue>();
    const left = new Map<string, number>();
    // Half the runs start from a healthy plant (most inputs almost always TRUE) and vary a few.
    const healthy = rnd() < 0.5;
    const bias = new Map(opts.inputs.map((i) => [i.path, healthy && rnd() < 0.75 ? 0.995 : boolBias(rnd)]));
    const trace: Trace = [];
    for (let s = 0; s < scans; s++) {
      for (const i of opts.inputs) {
        const n = left.get(i.path) ?? 0;
        if (n <= 0) {
          current.set(i.path, randomValue(i.type, rnd, maxPresetMs, bias.get(i.path)));
          const long = rnd() < 0.4;
          left.set(i.path, long ? 1 + Math.floor(rnd() * holdScans * 1.5) : 1 + Math.floor(rnd() * 3));
        } else left.set(i.path, n - 1);
      }
      const values = new Map(current);
      trace.push(values);
      total++;
      const r = step(pair, opts, values);
      if (r && 'fault' in r)
        return {
          result: 'inconclusive',
          method: 'random',
          runs: run + 1,
          scans: total,
          counterexample: null,
          reason: `runtime fault: ${r.fault}`,
        };
      if (r)
        return {
          result: 'refuted',
          method: 'random',
          runs: run + 1,
          scans: total,
          counterexample: counterexample(pair, opts, trace),
        };
    }
  }
  return { result: 'proven', method: 'random', runs, scans: total, counterexample: null };
}

/** Sets a variable where it exists (a scenario may name inputs of one version only). */
function trySet(plc: VirtualPlc, path: string, v: SimValue): void {
  try {
    plc.set(path, v);
  } catch (err) {
    // not declared in this version; any other refusal (a value no variable of its type
    // takes, decision 0155) stops the proof rather than replaying without that input
    if (err instanceof SimError && err.code === SIM_ERROR_CODES.BAD_PATH) return;
    throw err;
  }
}

/** Replays one scenario's inputs on both versions; the first violation of the relation. */
function replayScenario(
  pair: Pair,
  opts: DifferentialOptions,
  acts: ScenarioActions,
): { scans: number; fault?: string; counterexample?: Counterexample } {
  restart(pair);
  const inputs: Record<string, SimValue>[] = [];
  const apply = (values: Record<string, SimValue>) => {
    for (const [k, v] of Object.entries(values)) {
      trySet(pair.old, k, v);
      trySet(pair.new, k, v);
    }
  };
  apply(acts.initial);
  for (let scan = 0; scan < acts.scans; scan++) {
    const a = acts.perScan.get(scan);
    const values = { ...(a?.set ?? {}), ...(a?.force ?? {}) };
    apply(values);
    inputs.push(scan === 0 ? { ...acts.initial, ...values } : values);
    const fault = scanBoth(pair);
    if (fault) return { scans: scan + 1, fault };
    for (const out of opts.outputs) {
      const o = pair.old.get(out);
      const n = pair.new.get(out);
      if (opts.relation === 'implies' ? n === true && o !== true : !same(o, n))
        return { scans: scan + 1, counterexample: { scan, variable: out, before: o, after: n, inputs } };
    }
  }
  return { scans: acts.scans };
}

/** Breadth-first exploration of the joint state space; undefined when it exceeds its state cap. */
function explore(
  pair: Pair,
  opts: DifferentialOptions,
  holdScans: number,
  maxStates: number,
): DifferentialResult | undefined {
  const n = opts.inputs.length;
  restart(pair);
  type Node = {
    old: ReturnType<VirtualPlc['snapshot']>;
    new: ReturnType<VirtualPlc['snapshot']>;
    trace: Trace;
  };
  const key = (node: Node): string => JSON.stringify([node.old.state, node.new.state], big);
  const start: Node = { old: pair.old.snapshot(), new: pair.new.snapshot(), trace: [] };
  const seen = new Set<string>([key(start)]);
  const queue: Node[] = [start];
  let scans = 0;
  let runs = 0;
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (let combo = 0; combo < 1 << n; combo++) {
      const values = new Map<string, SimValue>();
      for (const [b, i] of opts.inputs.entries()) values.set(i.path, ((combo >> b) & 1) === 1);
      for (const len of [1, holdScans]) {
        runs++;
        pair.old.restore(node.old);
        pair.new.restore(node.new);
        pair.written.clear();
        const trace = [...node.trace];
        for (let s = 0; s < len; s++) {
          trace.push(values);
          scans++;
          const r = step(pair, opts, values);
          if (r && 'fault' in r)
            return {
              result: 'inconclusive',
              method: 'exhaustive',
              runs,
              scans,
              counterexample: null,
              reason: `runtime fault: ${r.fault}`,
            };
          if (r)
            return {
              result: 'refuted',
              method: 'exhaustive',
              runs,
              scans,
              counterexample: counterexample(pair, opts, trace),
            };
        }
        const next: Node = { old: pair.old.snapshot(), new: pair.new.snapshot(), trace };
        // The clock is part of the state; states that differ only in the scan number are the same.
        const k = key(next);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > maxStates) return undefined;
        queue.push(next);
      }
    }
  }
  return { result: 'proven', method: 'exhaustive', runs, scans, counterexample: null, states: seen.size };
}

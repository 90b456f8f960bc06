/**
 * Differential equivalence: the old and the new program run side by side on
 * the same inputs, scan by scan, and their outputs are compared. Inputs are
 * seeded random sequences (booleans toggling, numbers in ranges, holds long
 * enough for the programs' timers to elapse) plus scenario timelines.
 * Assumptions restrict the inputs, ignored outputs are not compared, and a
 * relation may replace equality for an output (`new -> old`). A difference is
 * shrunk to a minimal input trace. The same seed gives the same result, byte
 * for byte: nothing here reads a clock or Math.random.
 */
import {
  type CallArgument,
  type CompilationUnit,
  childrenOf,
  type Expression,
  type FunctionBlockDecl,
  type Node,
  type ProgramDecl,
  type Statement,
  stdFbPin,
  type VarBlock,
  type VarDecl,
  visit,
} from '../iec';
import { type CondExpr, conditionNames, evalCondition, parseCondition } from './condition-expr';
import { jsonValue, sameJson } from './input-timeline';
import { Prng } from './prng';
import { type ScenarioFile, scenarioActions } from './scenario';
import { SIM_ERROR_CODES, SimError, type SimFault } from './sim-errors';
import type { SimProfileOptions } from './sim-profile';
import { INTEGER_TYPES, isIntegerName, type SimType } from './sim-types';
import { compileProgram, type SimProjectInput, type VirtualPlc } from './virtual-plc';

/** Options of {@link checkEquivalence}. */
export interface EquivalenceOptions {
  /** The program as it is (the checker's result or units). */
  before: SimProjectInput;
  /** The program as migrated. */
  after: SimProjectInput;
  /** PROGRAM (or CONFIGURATION) to compare; the same name in both. @default the only one */
  program?: string;
  /** Seed of the random inputs. @default 1 */
  seed?: number | string;
  /** Random runs. @default 100 */
  runs?: number;
  /** Scans per run. @default 200 */
  scans?: number;
  /** Assumptions over inputs: `A = B` makes A follow B; any other condition is required to hold. */
  assume?: string[];
  /** Outputs not compared (allowed differences). */
  ignore?: string[];
  /** Relations replacing equality, `Out: new -> old` (names `new`, `old`). */
  relations?: string[];
  /** Scenario files whose timelines also run on both programs. */
  scenarios?: ScenarioFile[];
  /** Outputs to compare. @default VAR_OUTPUT and %Q variables of the old program */
  compare?: string[];
  /** Value ranges of numeric inputs, e.g. `{ Level: [0, 100] }`. */
  ranges?: Record<string, [number, number]>;
  /** Virtual time per scan. @default 10 */
  cycleMs?: number;
  /** Dialect profile (the same for both). */
  profile?: SimProfileOptions;
  /** Largest number of replays spent shrinking a counterexample. @default 2000 */
  shrinkBudget?: number;
  /**
   * Refuse (BAD_INPUT, naming the program) a run with no input both versions share and no
   * scenario: it only replays the initial state, so "equivalent" would prove nothing (an SCL
   * OB1 takes its I/O from data blocks, decision 0022). `false` only for a caller that
   * compares something other than reactions to inputs and says so in its evidence.
   * @default true
   */
  requireInputs?: boolean;
}

/** A difference, with the (shrunk) inputs that produce it. */
export interface Counterexample {
  /** First scan (from 0) at which the outputs differ. */
  scan: number;
  /** The output that differs (`<fault>` when only one program stops on a runtime fault). */
  variable: string;
  before: unknown;
  after: unknown;
  /** Inputs as a `simulate --inputs` array: `{ "scan": k, name: value, ... }` for each scan with changes. */
  inputs: Record<string, unknown>[];
  /**
   * When the output was judged by a relation it inherits from a signal it is computed from
   * (`Press_Enable := Run_Latch.Q1 AND Safety_OK` with `Safety_OK: new -> old`): that
   * signal's relation, e.g. `Safety_OK: new -> old`.
   */
  relatedSignal?: string;
}

/** The result; its JSON form is part of the CLI contract. */
export interface EquivalenceResult {
  equivalent: boolean;
  /** Runs executed (random runs, then scenario timelines); stops at the first counterexample. */
  runs: number;
  /** Scans per random run. */
  scans: number;
  seed: number | string;
  counterexample: Counterexample | null;
}

type Raw = unknown;
type Vec = Raw[];

interface InputGen {
  name: string;
  type: SimType;
  gen(r: Prng): Raw;
}

interface Diff {
  scan: number;
  variable: string;
  before: unknown;
  after: unknown;
  relatedSignal?: string;
}

function lower(s: string) {
  return s.toLowerCase();
}

/**
 * Literals of a project: the largest duration (to size input holds so timers can elapse) and
 * the numbers the code compares against (thresholds are where old and new tend to differ).
 */
function literals(input: SimProjectInput): { maxTime: number; numbers: number[]; times: number[] } {
  const units = Array.isArray(input) ? input : (input as { units: readonly CompilationUnit[] }).units;
  let maxTime = 0;
  const numbers = new Set<number>();
  const times = new Set<number>();
  visit(units as CompilationUnit[], {
    TimeLiteral: (t) => {
      maxTime = Math.max(maxTime, t.ms);
      if (times.size < 64) times.add(t.ms);
    },
    IntegerLiteral: (l) => {
      if (typeof l.value === 'number' && numbers.size < 256) numbers.add(l.value);
    },
    RealLiteral: (l) => {
      if (numbers.size < 256) numbers.add(l.value);
    },
  });
  return { maxTime, numbers: [...numbers].sort((a, b) => a - b), times: [...times].sort((a, b) => a - b) };
}

function generatorFor(
  name: string,
  t: SimType,
  range: [number, number] | undefined,
  maxTime: number,
  numbers: number[],
): InputGen | undefined {
  // Values next to the program's own literals (x > 90: 89, 90, 91) catch changed comparisons.
  const near = numbers.flatMap((x) => [x - 1, x, x + 1]);
  if (t.kind === 'enum') {
    const vals = t.members.map((m) => m.value);
    return { name, type: t, gen: (r) => r.pick(vals) };
  }
  if (t.kind !== 'elem') return undefined;
  const n = t.name;
  if (n === 'BOOL') return { name, type: t, gen: (r) => r.chance(0.5) };
  if (isIntegerName(n)) {
    const { bits, signed } = INTEGER_TYPES[n];
    if (bits === 64) {
      const edges = signed
        ? [0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n]
        : [0n, 1n, 18446744073709551615n];
      return {
        name,
        type: t,
        gen: (r) =>
          range
            ? BigInt(r.int(range[0], range[1]))
            : r.chance(0.2)
              ? r.pick(edges)
              : BigInt(r.int(signed ? -1000 : 0, 1000)),
      };
    }
    const min = signed ? -(2 ** (bits - 1)) : 0;
    const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    const edges = signed ? [0, 1, -1, min, max] : [0, 1, max];
    return {
      name,
      type: t,
      gen: (r) => {
        if (range) return r.int(Math.max(min, range[0]), Math.min(max, range[1]));
        const p = r.next();
        if (p < 0.3) return r.int(signed ? -10 : 0, 10);
        if (p < 0.45) return r.pick(edges);
        if (p < 0.7 && near.length > 0) {
          const x = Math.trunc(r.pick(near));
          if (x >= min && x <= max) return x;
        }
        return r.int(min, max);
      },
    };
  }
  if (n === 'REAL' || n === 'LREAL') {
    const f = n === 'REAL' ? Math.fround : (x: number) => x;
    return {
      name,
      type: t,
      gen: (r) => {
        if (range) return f(range[0] + r.next() * (range[1] - range[0]));
        const p = r.next();
        if (p < 0.2 && near.length > 0) return f(r.pick(near));
        if (p < 0.4) return f(r.int(0, 100));
        if (p < 0.4) return f(r.pick([0, 1, -1, 1e6]));
        return f(r.next() * 2000 - 1000);
      },
    };
  }
  if (n === 'TIME')
    return { name, type: t, gen: (r) => r.int(range?.[0] ?? 0, range?.[1] ?? Math.max(1000, 2 * maxTime)) };
  if (n === 'STRING' || n === 'WSTRING')
    return { name, type: t, gen: (r) => r.pick(['', 'A', 'ABC', 'hello']) };
  return undefined;
}

/** A compiled pair of programs with fast accessors. */
class Pair {
  readonly a: VirtualPlc;
  readonly b: VirtualPlc;
  private readonly startA;
  private readonly startB;
  private setA: ((v: Raw) => void)[] = [];
  private setB: ((v: Raw) => void)[] = [];
  private getA: (() => Raw)[] = [];
  private getB: (() => Raw)[] = [];

  constructor(
    opts: EquivalenceOptions,
    readonly inputs: string[],
    readonly outputs: string[],
    readonly relations: (CondExpr | undefined)[],
    /** Per output: the relation it inherits from a signal it depends on, as text (for counterexamples). */
    readonly via: (string | undefined)[] = [],
    /** The two programs already compiled with these options and never scanned, if at hand. */
    compiled?: [VirtualPlc, VirtualPlc],
  ) {
    const co = {
      ...(opts.program ? { program: opts.program } : {}),
      ...(opts.cycleMs ? { cycleMs: opts.cycleMs } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
    };
    this.a = compiled?.[0] ?? compileProgram(opts.before, co);
    this.b = compiled?.[1] ?? compileProgram(opts.after, co);
    this.startA = this.a.snapshot();
    this.startB = this.b.snapshot();
  }

  /** Resets both programs and binds accessors. */
  reset(): void {
    this.a.restore(this.startA);
    this.b.restore(this.startB);
    this.setA = this.inputs.map((n) => this.a.accessor(n).set);
    this.setB = this.inputs.map((n) => this.b.accessor(n).set);
    this.getA = this.outputs.map((n) => this.a.accessor(n).get);
    this.getB = this.outputs.map((n) => this.b.accessor(n).get);
  }

  /** The initial raw values of the inputs. */
  initialInputs(): Vec {
    this.reset();
    return this.inputs.map((n) => this.a.accessor(n).get());
  }

  private compare(scan: number): Diff | null {
    for (let i = 0; i < this.outputs.length; i++) {
      const va = (this.getA[i] as () => Raw)();
      const vb = (this.getB[i] as () => Raw)();
      const rel = this.relations[i];
      if (rel) {
        const ok = evalCondition(rel, (n) => {
          const l = lower(n);
          return (l === 'new' ? vb : l === 'old' ? va : Number.NaN) as boolean;
        });
        if (ok) continue;
      } else if (va === vb || (typeof va === 'object' && sameJson(va, vb))) {
        continue;
      }
      const name = this.outputs[i] as string;
      const via = this.via[i];
      return {
        scan,
        variable: name,
        before: jsonValue(this.a.get(name)),
        after: jsonValue(this.b.get(name)),
        ...(via ? { relatedSignal: via } : {}),
      };
    }
    return null;
  }

  private faultDiff(scan: number, fa: SimFault | null, fb: SimFault | null): Diff | 'both' | null {
    if (!fa && !fb) return null;
    if (fa && fb && fa.code === fb.code) return 'both';
    return { scan, variable: '<fault>', before: fa ? fa.code : null, after: fb ? fb.code : null };
  }

  /** Replays a trace of raw input vectors; the first difference, or null. */
  replay(trace: Vec[]): Diff | null {
    this.reset();
    const sa = this.setA;
    const sb = this.setB;
    let prev: Vec | undefined;
    for (let k = 0; k < trace.length; k++) {
      const v = trace[k] as Vec;
      // Scans without input changes share the previous vector: nothing to write.
      if (v !== prev) {
        for (let i = 0; i < v.length; i++) {
          (sa[i] as (x: Raw) => void)(v[i]);
          (sb[i] as (x: Raw) => void)(v[i]);
        }
        prev = v;
      }
      const f = this.faultDiff(k, this.a.scan(), this.b.scan());
      if (f === 'both') return null;
      if (f) return f;
      const d = this.compare(k);
      if (d) return d;
    }
    return null;
  }

  /** Runs a scenario's timeline (sets and forces) on both. */
  replayScenario(acts: ReturnType<typeof scenarioActions>): {
    diff: Diff | null;
    sets: Record<string, unknown>[];
  } {
    this.reset();
    const sets: Record<string, unknown>[] = [];
    for (const [n, v] of Object.entries(acts.initial)) {
      this.a.set(n, v);
      this.b.set(n, v);
    }
    if (Object.keys(acts.initial).length > 0) sets.push({ scan: 0, ...acts.initial });
    for (let k = 0; k < acts.scans; k++) {
      const a = acts.perScan.get(k);
      if (a) {
        const changes = { ...a.set, ...a.force };
        for (const [n, v] of Object.entries(a.set)) {
          this.a.set(n, v);
          this.b.set(n, v);
        }
        for (const [n, v] of Object.entries(a.force)) {
          this.a.force(n, v);
          this.b.force(n, v);
        }
        for (const n of a.release) {
          this.a.unforce(n);
          this.b.unforce(n);
        }
        if (Object.keys(changes).length > 0) sets.push({ scan: k, ...changes });
      }
      const f = this.faultDiff(k, this.a.scan(), this.b.scan());
      if (f === 'both') return { diff: null, sets };
      if (f) return { diff: f, sets };
      const d = this.compare(k);
      if (d) return { diff: d, sets: sets.filter((s) => (s.scan as number) <= k) };
    }
    return { diff: null, sets };
  }
}

interface Assumptions {
  derived: { index: number; expr: CondExpr }[];
  predicates: CondExpr[];
  /** Input name (lower case) → position in the input vector. */
  index: Map<string, number>;
}

function parseAssumptions(list: string[], inputs: string[]): Assumptions {
  const index = new Map(inputs.map((n, i) => [lower(n), i]));
  const out: Assumptions = { derived: [], predicates: [], index };
  for (const text of list) {
    const e = parseCondition(text);
    for (const n of conditionNames(e)) {
      if (!index.has(lower(n))) {
        throw new SimError(
          SIM_ERROR_CODES.BAD_INPUT,
          `assumption '${text}': ${n} is not an input of the program`,
        );
      }
    }
    // `A = expr` with A an input not used on the right: A follows expr (a redundant sensor, a derived signal).
    if (
      e.k === 'bin' &&
      e.op === '=' &&
      e.a.k === 'name' &&
      !conditionNames(e.b).some((n) => lower(n) === lower((e.a as { name: string }).name))
    ) {
      out.derived.push({ index: index.get(lower(e.a.name)) as number, expr: e.b });
    } else out.predicates.push(e);
  }
  return out;
}

/** Applies derived assumptions in place and reports whether the predicates hold. */
function satisfy(v: Vec, _inputs: string[], types: SimType[], as: Assumptions): boolean {
  if (as.derived.length === 0 && as.predicates.length === 0) return true;
  const index = as.index;
  const lookup = (n: string) => {
    const x = v[index.get(lower(n)) as number];
    return (typeof x === 'bigint' ? Number(x) : x) as boolean;
  };
  for (const d of as.derived) {
    const val = evalCondition(d.expr, lookup);
    const t = types[d.index] as SimType;
    v[d.index] = coerceRaw(val, t);
  }
  return as.predicates.every((p) => Boolean(evalCondition(p, lookup)));
}

function coerceRaw(val: unknown, t: SimType): Raw {
  if (t.kind === 'elem') {
    if (t.name === 'BOOL') return Boolean(val);
    if (isIntegerName(t.name)) {
      const { bits, signed } = INTEGER_TYPES[t.name];
      const b = BigInt(Math.trunc(Number(val) || 0));
      const w = signed ? BigInt.asIntN(bits, b) : BigInt.asUintN(bits, b);
      return bits === 64 ? w : Number(w);
    }
    if (t.name === 'REAL') return Math.fround(Number(val));
    if (t.name === 'STRING' || t.name === 'WSTRING') return String(val);
    return Number(val);
  }
  return Number(val);
}

/**
 * Runs the old and new program on the same seeded inputs and scenario timelines and compares
 * outputs scan by scan. Throws {@link SimError} (BAD_INPUT) for unusable options.
 *
 * @example
 * const r = checkEquivalence({ before, after, program: 'Main', seed: 7, ignore: ['Debug'],
 *   relations: ['Alarm: new -> old'], assume: ['Guard_B = Guard_A'] });
 * if (!r.equivalent) console.log(r.counterexample);
 */
export function checkEquivalence(opts: EquivalenceOptions): EquivalenceResult {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 100;
  const scans = opts.scans ?? 200;
  if (!Number.isInteger(runs) || runs < 0 || !Number.isInteger(scans) || scans < 1) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, 'runs must be >= 0 and scans >= 1');
  }
  const probeA = compileProgram(opts.before, {
    ...(opts.program ? { program: opts.program } : {}),
    ...(opts.cycleMs ? { cycleMs: opts.cycleMs } : {}),
  });
  const probeB = compileProgram(opts.after, {
    ...(opts.program ? { program: opts.program } : {}),
    ...(opts.cycleMs ? { cycleMs: opts.cycleMs } : {}),
  });
  const bInputs = new Set(probeB.inputNames().map(lower));
  const ignored = new Set((opts.ignore ?? []).map(lower));
  const relMap = new Map<string, CondExpr>();
  const relText = new Map<string, string>();
  for (const r of opts.relations ?? []) {
    const m = /^\s*([^:]+?)\s*:(.*)$/.exec(r);
    if (!m)
      throw new SimError(
        SIM_ERROR_CODES.BAD_INPUT,
        `relation '${r}' must read 'Output: condition over new and old'`,
      );
    const e = relationCondition(m[2] as string, r);
    for (const n of conditionNames(e)) {
      if (lower(n) !== 'new' && lower(n) !== 'old') {
        throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `relation '${r}': only 'new' and 'old' may be named`);
      }
    }
    relMap.set(lower(m[1] as string), e);
    relText.set(lower(m[1] as string), `${(m[1] as string).trim()}: ${(m[2] as string).trim()}`);
  }
  const outputs = (opts.compare ?? probeA.outputNames()).filter((o) => !ignored.has(lower(o)));
  for (const o of [...outputs, ...relMap.keys()]) {
    for (const [which, plc] of [
      ['before', probeA],
      ['after', probeB],
    ] as const) {
      try {
        plc.typeOf(o);
      } catch {
        throw new SimError(
          SIM_ERROR_CODES.BAD_INPUT,
          `output ${o} does not exist in the ${which} program (use --ignore to allow it)`,
        );
      }
    }
  }
  for (const i of ignored) probeA.typeOf(i);
  // an input nothing drives whose declaration the change alters runs at each version's own
  // initial value, as on the PLC, not at one random value fed to both (request h4-3)
  const shared = probeA.inputNames().filter((n) => bInputs.has(lower(n)));
  const held = undrivenRetunedInputs(opts, probeA, probeB, shared);
  const inputs = shared.filter((n) => !held.has(lower(n)));
  // With nothing to drive, every run replays the initial state. Scenarios set what they name.
  const scenarioCount = (opts.scenarios ?? []).reduce((n, f) => n + f.scenarios.length, 0);
  if (opts.requireInputs !== false && inputs.length === 0 && scenarioCount === 0) {
    const name = opts.program ?? probeA.programs.map((p) => p.program).join(', ');
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      `program ${name} has no inputs both versions share (no VAR_INPUT, no %I): an equivalence run would only replay the initial state; give scenarios that set its inputs (e.g. the I/O data block members)`,
    );
  }
  const types = inputs.map((n) => probeA.simTypeOf(n));
  const litA = literals(opts.before);
  const litB = literals(opts.after);
  const maxTime = Math.max(litA.maxTime, litB.maxTime);
  const numbers = [...new Set([...litA.numbers, ...litB.numbers])].sort((a, b) => a - b);
  const gens = inputs.map((n, i) => generatorFor(n, types[i] as SimType, opts.ranges?.[n], maxTime, numbers));
  const assumptions = parseAssumptions(opts.assume ?? [], inputs);
  // #14 point 4: an output computed monotonically from a related signal inherits its relation.
  const carried = carriedRelations(opts, relMap, relText, outputs);
  const pair = new Pair(
    opts,
    inputs,
    outputs,
    outputs.map((o) => relMap.get(lower(o)) ?? carried.get(lower(o))?.expr),
    outputs.map((o) => carried.get(lower(o))?.via),
    // the probes were compiled with the same options unless a profile is given (they take none)
    opts.profile ? undefined : [probeA, probeB],
  );
  const base = pair.initialInputs();
  const cycle = probeA.cycleMs;
  // Holds: short toggles, uniform holds up to half a run, and holds just past each timer
  // preset of either program (so TON/TOF/TP elapse) — presets longer than a run are useless.
  const holdCap = Math.max(5, Math.floor(scans / 2));
  const holdMax = Math.min(holdCap, Math.max(5, Math.ceil((1.5 * maxTime) / cycle) + 2));
  const timerHolds = [...new Set([...litA.times, ...litB.times])]
    .map((ms) => Math.ceil(ms / cycle) + 1)
    .filter((h) => h > 0 && h <= scans);
  const prng = new Prng(seed);

  const randomTrace = (): Vec[] => {
    const trace: Vec[] = [];
    let cur = [...base];
    const hold = inputs.map(() => 0);
    const plain = assumptions.derived.length === 0 && assumptions.predicates.length === 0;
    for (let k = 0; k < scans; k++) {
      let next: Vec | undefined;
      for (let i = 0; i < inputs.length; i++) {
        const g = gens[i];
        if (!g) continue;
        if ((hold[i] as number) <= 0) {
          next ??= [...cur];
          next[i] = g.gen(prng);
          const p = prng.next();
          hold[i] =
            p < 0.5
              ? prng.int(1, 3)
              : p < 0.75 || timerHolds.length === 0
                ? prng.int(1, holdMax)
                : prng.pick(timerHolds) + prng.int(0, 2);
        }
        hold[i] = (hold[i] as number) - 1;
      }
      if (!next) {
        trace.push(cur);
        continue;
      }
      if (plain) {
        trace.push(next);
        cur = next;
        continue;
      }
      let ok = satisfy(next, inputs, types, assumptions);
      for (let tries = 0; !ok && tries < 20; tries++) {
        for (let i = 0; i < inputs.length; i++) {
          const g = gens[i];
          if (g) next[i] = g.gen(prng);
        }
        ok = satisfy(next, inputs, types, assumptions);
      }
      if (!ok) {
        if (k === 0 && !satisfy([...cur], inputs, types, assumptions)) {
          throw new SimError(
            SIM_ERROR_CODES.BAD_INPUT,
            'the assumptions cannot be satisfied by any input tried',
          );
        }
        trace.push(cur);
        continue;
      }
      trace.push(next);
      cur = next;
    }
    return trace;
  };

  const result = (runCount: number, cx: Counterexample | null): EquivalenceResult => ({
    equivalent: cx === null,
    runs: runCount,
    scans,
    seed,
    counterexample: cx,
  });

  for (let r = 0; r < runs; r++) {
    const trace = randomTrace();
    const diff = pair.replay(trace);
    if (diff) {
      const shrunk = shrink(
        pair,
        trace.slice(0, diff.scan + 1),
        base,
        inputs,
        types,
        assumptions,
        opts.shrinkBudget ?? 2000,
      );
      return result(r + 1, toCounterexample(pair, shrunk, base, inputs));
    }
  }
  let count = runs;
  for (const f of opts.scenarios ?? []) {
    for (const s of f.scenarios) {
      count++;
      const { diff, sets } = pair.replayScenario(scenarioActions(s, cycle));
      if (diff) return result(count, { ...diff, inputs: sets });
    }
  }
  return result(count, null);
}

/** Change events of a trace relative to the base vector. */
function toEvents(trace: Vec[], base: Vec): { scan: number; i: number; v: Raw }[] {
  const ev: { scan: number; i: number; v: Raw }[] = [];
  let prev = base;
  trace.forEach((vec, k) => {
    vec.forEach((x, i) => {
      if (x !== prev[i]) ev.push({ scan: k, i, v: x });
    });
    prev = vec;
  });
  return ev;
}

function fromEvents(ev: { scan: number; i: number; v: Raw }[], base: Vec, len: number): Vec[] {
  const trace: Vec[] = [];
  let cur = [...base];
  let j = 0;
  for (let k = 0; k < len; k++) {
    cur = [...cur];
    while (j < ev.length && (ev[j] as { scan: number }).scan === k) {
      const e = ev[j] as { i: number; v: Raw };
      cur[e.i] = e.v;
      j++;
    }
    trace.push(cur);
  }
  return trace;
}

/**
 * Delta debugging (Zeller's ddmin) over the input changes: removes chunks of changes while the
 * programs still differ, keeping the trace valid under the assumptions; then cuts the trace
 * at the first difference.
 */
function shrink(
  pair: Pair,
  trace: Vec[],
  base: Vec,
  inputs: string[],
  types: SimType[],
  as: Assumptions,
  budget: number,
): Vec[] {
  let ev = toEvents(trace, base);
  let len = trace.length;
  let best = trace;
  let spent = 0;
  const attempt = (cand: { scan: number; i: number; v: Raw }[]): Vec[] | null => {
    if (spent++ >= budget) return null;
    const t = fromEvents(cand, base, len);
    for (const v of t) if (!satisfy(v, inputs, types, as)) return null;
    const d = pair.replay(t);
    return d ? t.slice(0, d.scan + 1) : null;
  };
  let chunk = Math.max(1, Math.ceil(ev.length / 2));
  while (ev.length > 0 && spent < budget) {
    let removed = false;
    for (let start = 0; start < ev.length && spent < budget; start += chunk) {
      const cand = [...ev.slice(0, start), ...ev.slice(start + chunk)];
      const t = attempt(cand);
      if (t) {
        best = t;
        len = t.length;
        ev = toEvents(t, base);
        removed = true;
        break;
      }
    }
    if (!removed) {
      if (chunk === 1) break;
      chunk = Math.max(1, Math.floor(chunk / 2));
    } else chunk = Math.min(chunk, Math.max(1, Math.ceil(ev.length / 2)));
  }
  return best;
}

function toCounterexample(pair: Pair, trace: Vec[], base: Vec, inputs: string[]): Counterexample {
  const d = pair.replay(trace) as Diff;
  const ext = (i: number, v: Raw) => {
    const name = inputs[i] as string;
    const acc = pair.a.accessor(name);
    const old = acc.get();
    acc.set(v);
    const out = jsonValue(pair.a.get(name));
    acc.set(old);
    return out;
  };
  const byScan = new Map<number, Record<string, unknown>>();
  for (const e of toEvents(trace, base)) {
    const o = byScan.get(e.scan) ?? { scan: e.scan };
    o[inputs[e.i] as string] = ext(e.i, e.v);
    byScan.set(e.scan, o);
  }
  return {
    scan: d.scan,
    variable: d.variable,
    before: d.before,
    after: d.after,
    inputs: [...byScan.values()],
    ...(d.relatedSignal ? { relatedSignal: d.relatedSignal } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Relations carried through dependent logic (issue #14 point 4).
//
// A relation `S: new -> old` says the new S is never TRUE where the old one is FALSE. An output
// O computed from S by logic that is monotone in S (AND, OR, a TON's IN, an SR's set input, NOT
// twice, ...) then obeys the same relation: with S smaller, O can only be smaller. Such an output
// is judged by the relation; one that falls as S rises (NOT S, a reset input) by the reversed
// relation; every other output, including those that depend on S in any other way (through a
// comparison, an IF, an edge, a counter, a user block), must still be equal. The analysis must
// find the same monotone dependence in both versions; it reads the PROGRAM's own body.
// ---------------------------------------------------------------------------------------------

/** Dependence on the related signal: none, rising with it, falling with it, or any other way. */
const NONE = 0;
const UP = 1;
const DOWN = 2;
const ANY = 3;

function flip(p: number): number {
  return p === UP ? DOWN : p === DOWN ? UP : p;
}

/** `f(g(x))` where g depends on x by `p` and f on g by `d`: rising twice or falling twice rises. */
function compose(p: number, d: number): number {
  if (p === NONE || d === NONE) return NONE;
  if (p === ANY || d === ANY) return ANY;
  return p === d ? UP : DOWN;
}

/** The units of a project input (the checker's result or bare units). */
function unitsOf(input: SimProjectInput): readonly CompilationUnit[] {
  return (
    Array.isArray(input) ? input : (input as { units: readonly CompilationUnit[] }).units
  ) as readonly CompilationUnit[];
}

/** User blocks nested deeper than this are read as depending in no monotone way. */
const MAX_BLOCK_DEPTH = 8;

/** The project's user function blocks by case-folded name (those with a body). */
function userBlocks(input: SimProjectInput): Map<string, FunctionBlockDecl> {
  const units = unitsOf(input);
  const out = new Map<string, FunctionBlockDecl>();
  for (const u of units)
    for (const d of u.declarations) if (d.kind === 'FunctionBlock' && !d.isClass) out.set(lower(d.name), d);
  return out;
}

/** Pins of the standard blocks by which their boolean outputs (Q, Q1) rise (+1) or fall (-1). */
const MONOTONE_PINS: Record<string, Record<string, 1 | -1>> = {
  // IEC 61131-3 §6.6.3.5.3: Q of TON/TOF is TRUE only while (or shortly after) IN has been TRUE.
  ton: { in: 1 },
  tof: { in: 1 },
  // §6.6.3.5.1: SR is set-dominant, RS reset-dominant (long pin names map through stdFbPin).
  sr: { s1: 1, r: -1 },
  rs: { s: 1, r1: -1 },
};
const MONOTONE_OUTPUTS = new Set(['q', 'q1']);

/**
 * The condition of a relation. `a <- b`, the migration schema's reverse arrow
 * (`Alarm: new <- old`: the new alarm is TRUE wherever the old one is), is `b -> a`;
 * the condition language itself reads `x<-5` as ST does, `x < -5`.
 */
function relationCondition(text: string, relation: string): CondExpr {
  const k = text.indexOf('<-');
  if (k < 0) return parseCondition(text);
  if (text.includes('<-', k + 2))
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `relation '${relation}': one '<-' at most`);
  return { k: 'bin', op: '->', a: parseCondition(text.slice(k + 2)), b: parseCondition(text.slice(0, k)) };
}

/**
 * Program inputs (case-folded names as {@link VirtualPlc.inputNames} gives them) that nothing
 * drives and whose declaration the change alters (request h4-3, sweep 14). A PROGRAM VAR_INPUT
 * with no address, no binding in the CONFIGURATION and no writer in either version keeps its
 * initial value on the PLC for ever (an OpenPLC program whose pulse time is such an input): fed
 * one random value in both versions, a retuned default (T#3s → T#30s) was "equivalent". Such an
 * input whose type or initial value differs is left out of the driven inputs, so each version
 * runs with its own; one declared alike stays driven (a constant over-approximated by every
 * value is sound when both start from the same one). Writers are counted generously (any
 * assignment, FOR, `=>` or in-out argument naming the input, any `ADR`/`REF` of it): a driven
 * input is never held.
 */
function undrivenRetunedInputs(
  opts: EquivalenceOptions,
  a: VirtualPlc,
  b: VirtualPlc,
  shared: readonly string[],
): Set<string> {
  const held = new Set<string>();
  for (const n of shared) {
    const key = lower(n);
    const dot = key.lastIndexOf('.');
    const name = dot >= 0 ? key.slice(dot + 1) : key;
    const instance = dot >= 0 ? key.slice(0, dot) : undefined;
    const declA = programInputOf(opts.before, a, instance, name);
    const declB = programInputOf(opts.after, b, instance, name);
    if (!declA || !declB || declA.location || declB.location) continue;
    const same =
      JSON.stringify(a.simTypeOf(n)) === JSON.stringify(b.simTypeOf(n)) &&
      sameJson(jsonValue(a.get(n)), jsonValue(b.get(n)));
    if (same) continue;
    if (drivenInput(opts.before, name) || drivenInput(opts.after, name)) continue;
    held.add(key);
  }
  return held;
}

/** The VAR_INPUT declaration of `name` in the PROGRAM that instance (or the only program) runs. */
function programInputOf(
  input: SimProjectInput,
  plc: VirtualPlc,
  instance: string | undefined,
  name: string,
): VarDecl | undefined {
  const slots = plc.programs;
  let slot = slots.find((p) => lower(p.name) === instance);
  if (instance === undefined && slots.length === 1) slot = slots[0];
  const program = slot && findProgram(input, slot.program);
  for (const vb of program?.varBlocks ?? [])
    if (vb.section === 'VAR_INPUT')
      for (const d of vb.decls) if (d.names.some((x) => lower(x.name) === name)) return d;
  return undefined;
}

/** Whether anything in the project may write a variable named `name` (generously, by name). */
function drivenInput(input: SimProjectInput, name: string): boolean {
  const names = (e: Expression | undefined): boolean => {
    if (!e) return false;
    if (e.kind === 'Identifier') return lower(e.name) === name;
    if (e.kind === 'Member') return lower(e.member) === name || names(e.object);
    if (e.kind === 'Index' || e.kind === 'BitAccess') return names(e.object);
    if (e.kind === 'Paren') return names(e.expression);
    return false;
  };
  const inOut = inOutCallees(input);
  /** A callee that may take an argument by reference: a user POU with a VAR_IN_OUT, a method. */
  const byReference = (callee: Expression): boolean =>
    callee.kind !== 'Identifier' || inOut.has(lower(callee.name)) || /^(ADR|REF|ADRINST)$/i.test(callee.name);
  let driven = false;
  for (const unit of unitsOf(input))
    visit(unit, {
      enter: (node) => {
        if (driven) return false;
        if (node.kind === 'Assignment')
          driven = names(node.target) || (node.moreTargets ?? []).some((t) => names(t.target));
        else if (node.kind === 'For') driven = names(node.target ?? node.variable);
        else if (node.kind === 'ProgramInstance')
          driven = node.args.some((x) => x.name !== undefined && lower(x.name) === name);
        else if (node.kind === 'Call')
          driven = node.args.some(
            (x) => names(x.value) && (x.direction === 'output' || byReference(node.callee)),
          );
        return undefined;
      },
    });
  return driven;
}

/**
 * Names a call may pass an argument by reference through (case-folded): user POUs with a
 * VAR_IN_OUT, and every variable declared of such a type (an instance called by its name).
 */
function inOutCallees(input: SimProjectInput): Set<string> {
  const pous = new Set<string>();
  const decls: VarBlock[] = [];
  for (const unit of unitsOf(input))
    visit(unit, {
      enter: (node) => {
        if (node.kind === 'VarBlock') {
          decls.push(node);
          return false;
        }
        if (
          (node.kind === 'Function' || node.kind === 'FunctionBlock' || node.kind === 'Program') &&
          node.varBlocks.some((b) => b.section === 'VAR_IN_OUT')
        )
          pous.add(lower(node.name));
        return undefined;
      },
    });
  const out = new Set(pous);
  for (const vb of decls)
    for (const d of vb.decls)
      if (d.type.kind === 'NamedType' && pous.has(lower(d.type.name)))
        for (const n of d.names) out.add(lower(n.name));
  return out;
}

/** A relation the condition language states as plain implication between `new` and `old`. */
function implicationOf(e: CondExpr): 'new->old' | 'old->new' | undefined {
  if (e.k !== 'bin' || e.op !== '->' || e.a.k !== 'name' || e.b.k !== 'name') return undefined;
  const a = lower(e.a.name);
  const b = lower(e.b.name);
  return a === 'new' && b === 'old' ? 'new->old' : a === 'old' && b === 'new' ? 'old->new' : undefined;
}

function findProgram(input: SimProjectInput, name: string | undefined): ProgramDecl | undefined {
  const units = unitsOf(input);
  const programs = units.flatMap((u) => u.declarations.filter((d): d is ProgramDecl => d.kind === 'Program'));
  if (name) return programs.find((p) => lower(p.name) === lower(name));
  return programs.length === 1 ? programs[0] : undefined;
}

/** Case-folded variable name → FB type name, for the PROGRAM's own and global instances. */
function instanceTypes(
  input: SimProjectInput,
  program: { varBlocks: readonly VarBlock[] },
): Map<string, string> {
  const units = unitsOf(input);
  const out = new Map<string, string>();
  const blocks = [
    ...units.flatMap((u) => u.declarations.flatMap((d) => (d.kind === 'GlobalVarList' ? d.varBlocks : []))),
    ...program.varBlocks,
  ];
  for (const vb of blocks)
    for (const d of vb.decls)
      if (d.type.kind === 'NamedType') for (const n of d.names) out.set(lower(n.name), lower(d.type.name));
  return out;
}

/** The variable an lvalue or a read names at its root: `a` for `a`, `a.b`, `a[i]`. */
function rootName(e: Expression): string | undefined {
  switch (e.kind) {
    case 'Identifier':
      return lower(e.name);
    case 'Member':
    case 'Index':
    case 'BitAccess':
      return rootName(e.object);
    case 'Paren':
      return rootName(e.expression);
    default:
      return undefined;
  }
}

/** How every variable the PROGRAM writes depends on `signal` (a fixpoint over its body). */
function dependence(
  input: SimProjectInput,
  program: ProgramDecl | FunctionBlockDecl,
  signal: string,
  depth = 0,
  fbCache: Map<string, Map<string, number>> = new Map(),
): Map<string, number> {
  const types = instanceTypes(input, program);
  const fbs = userBlocks(input);
  /** How the outputs of user block `fb` depend on its input `pin` (its body analysed once). */
  const fbDep = (fb: FunctionBlockDecl, pin: string): Map<string, number> | undefined => {
    if (depth >= MAX_BLOCK_DEPTH) return undefined;
    const key = `${lower(fb.name)}|${pin}`;
    let hit = fbCache.get(key);
    if (!hit) {
      hit = dependence(input, fb, pin, depth + 1, fbCache);
      fbCache.set(key, hit);
    }
    return hit;
  };
  const dep = new Map<string, number>();
  const of = (name: string): number => (name === signal ? UP : (dep.get(name) ?? NONE));
  let changed = true;
  const raise = (name: string | undefined, p: number): void => {
    if (!name || name === signal || p === NONE) return;
    const cur = dep.get(name) ?? NONE;
    const next = cur | p;
    if (next !== cur) {
      dep.set(name, next);
      changed = true;
    }
  };
  /** One node's dependence from its children's (post-order, so deep expressions cost no stack). */
  const nodeDep = (n: Node, dep: ReadonlyMap<Node, number>): number => {
    const d = (x: Node) => dep.get(x) ?? NONE;
    switch (n.kind) {
      case 'Identifier':
        return of(lower(n.name));
      case 'Paren':
        return d(n.expression);
      case 'Member': {
        const root = rootName(n.object);
        // A user block's output: as its body makes it depend on the inputs it was called with.
        if (n.object.kind === 'Identifier' && root && fbs.has(types.get(root) ?? ''))
          return of(`${root}.${lower(n.member)}`);
        const p = d(n.object);
        // An instance's Q/Q1 follows its monotone pins; any other member of a dependent instance: ANY.
        if (p !== NONE && root && types.has(root) && !MONOTONE_OUTPUTS.has(lower(n.member))) return ANY;
        return p;
      }
      case 'Unary':
        return n.operator === 'NOT' ? flip(d(n.operand)) : d(n.operand) === NONE ? NONE : ANY;
      case 'Binary': {
        const a = d(n.left);
        const b = d(n.right);
        if (
          n.operator === 'AND' ||
          n.operator === 'OR' ||
          n.operator === 'AND_THEN' ||
          n.operator === 'OR_ELSE'
        )
          return a | b;
        // `X = TRUE`, the guard pattern's way of reading a BOOL.
        if (n.operator === '=' && n.right.kind === 'BoolLiteral' && n.right.value) return a;
        return (a | b) === NONE ? NONE : ANY;
      }
      default:
        // Calls, indexing, comparisons of other kinds: any dependence inside is not monotone.
        return childrenOf(n).some((c) => d(c) !== NONE) ? ANY : NONE;
    }
  };
  const expr = (e: Expression): number => {
    const dep = new Map<Node, number>();
    visit(e, { leave: (n) => void dep.set(n, nodeDep(n, dep)) });
    return dep.get(e) ?? NONE;
  };
  /** An instance of a user block: each output depends on each argument through the block's body. */
  const userBlockCall = (
    instance: string,
    fb: FunctionBlockDecl,
    args: readonly CallArgument[],
    ctl: number,
  ): void => {
    const outputs = fb.varBlocks
      .filter((vb) => vb.section === 'VAR_OUTPUT')
      .flatMap((vb) => vb.decls.flatMap((dcl) => dcl.names.map((n) => lower(n.name))));
    const inOuts = new Set(
      fb.varBlocks
        .filter((vb) => vb.section === 'VAR_IN_OUT')
        .flatMap((vb) => vb.decls.flatMap((dcl) => dcl.names.map((n) => lower(n.name)))),
    );
    const dep = new Map<string, number>();
    for (const a of args) {
      if (a.direction !== 'input' || !a.value) continue;
      const p = expr(a.value);
      if (p === NONE) continue;
      const through = a.name ? fbDep(fb, lower(a.name)) : undefined;
      for (const o of outputs)
        dep.set(o, (dep.get(o) ?? NONE) | (through ? compose(p, through.get(o) ?? NONE) : ANY));
      // An argument bound to a VAR_IN_OUT may be written by the block: no monotone reading.
      if (a.name && inOuts.has(lower(a.name))) raise(rootName(a.value), ANY);
    }
    for (const o of outputs) raise(`${instance}.${o}`, (dep.get(o) ?? NONE) | ctl);
    for (const a of args)
      if (a.direction === 'output' && a.value) {
        const p = a.name ? of(`${instance}.${lower(a.name)}`) : ANY;
        raise(rootName(a.value), (a.negated ? flip(p) : p) | ctl);
      }
  };
  const block = (list: readonly Statement[], control: number): void => {
    for (const s of list) stmt(s, control);
  };
  const stmt = (s: Statement, control: number): void => {
    // Writes under a condition that depends on the signal depend on it in no monotone way.
    const ctl = control === NONE ? NONE : ANY;
    switch (s.kind) {
      case 'Assignment': {
        const p = expr(s.value);
        raise(rootName(s.target), (s.operator === 'R=' ? flip(p) : p) | ctl);
        // `a S= b R= c;`: each further target takes the same operand with its own operator
        for (const m of s.moreTargets ?? [])
          raise(rootName(m.target), (m.operator === 'R=' ? flip(p) : p) | ctl);
        return;
      }
      case 'CallStatement': {
        const callee = s.call.callee.kind === 'Identifier' ? lower(s.call.callee.name) : undefined;
        const fb = callee ? fbs.get(types.get(callee) ?? '') : undefined;
        if (callee && fb) {
          userBlockCall(callee, fb, s.call.args, ctl);
          return;
        }
        const pins = callee ? MONOTONE_PINS[types.get(callee) ?? ''] : undefined;
        let inst = NONE;
        for (const a of s.call.args) {
          if (a.direction !== 'input' || !a.value) continue;
          const p = expr(a.value);
          const pin = a.name ? pins?.[lower(stdFbPin(types.get(callee!) ?? '', a.name))] : undefined;
          inst |= p === NONE ? NONE : pin === 1 ? p : pin === -1 ? flip(p) : ANY;
        }
        if (callee && types.has(callee)) raise(callee, inst | ctl);
        else if (inst !== NONE || ctl !== NONE)
          for (const a of s.call.args) if (a.value) raise(rootName(a.value), ANY);
        const out = callee && types.has(callee) ? of(callee) : inst;
        for (const a of s.call.args)
          if (a.direction === 'output' && a.value) {
            const pin = a.name ? lower(a.name) : '';
            const p = out === NONE ? NONE : MONOTONE_OUTPUTS.has(pin) || !pins ? out : ANY;
            raise(rootName(a.value), (a.negated ? flip(p) : p) | ctl);
          }
        return;
      }
      case 'If': {
        let c = expr(s.condition);
        block(s.then, control | c);
        for (const e of s.elsifs) {
          c |= expr(e.condition);
          block(e.body, control | c);
        }
        if (s.else) block(s.else, control | c);
        return;
      }
      case 'Case': {
        const c = expr(s.selector);
        for (const b of s.branches) block(b.body, control | c);
        if (s.else) block(s.else, control | c);
        return;
      }
      case 'For':
        block(s.body, control | expr(s.from) | expr(s.to) | (s.by ? expr(s.by) : NONE));
        return;
      case 'While':
        block(s.body, control | expr(s.condition));
        return;
      case 'Repeat':
        block(s.body, control | expr(s.until));
        return;
      default:
        return;
    }
  };
  // Each round can only raise a variable's dependence, at most twice: the loop ends.
  for (let round = 0; changed && round < 64; round++) {
    changed = false;
    block(program.body, NONE);
  }
  return dep;
}

/**
 * The relations outputs inherit from the related signals they are computed from, monotonically
 * and in the same direction in both versions. An output with its own relation keeps it.
 */
function carriedRelations(
  opts: EquivalenceOptions,
  relMap: ReadonlyMap<string, CondExpr>,
  relText: ReadonlyMap<string, string>,
  outputs: readonly string[],
): Map<string, { expr: CondExpr; via: string }> {
  const out = new Map<string, { expr: CondExpr; via: string }>();
  if (relMap.size === 0) return out;
  const oldProgram = findProgram(opts.before, opts.program);
  const newProgram = findProgram(opts.after, opts.program);
  if (!oldProgram || !newProgram) return out;
  const own = (name: string) => lower(name).replace(`${lower(oldProgram.name)}.`, '');
  for (const [signal, e] of relMap) {
    const form = implicationOf(e);
    if (!form) continue;
    const s = own(signal);
    const before = dependence(opts.before, oldProgram, s);
    const after = dependence(opts.after, newProgram, s);
    for (const o of outputs) {
      const key = lower(o);
      if (relMap.has(key) || out.has(key)) continue;
      const a = before.get(own(o)) ?? NONE;
      const b = after.get(own(o)) ?? NONE;
      if (a !== b || (a !== UP && a !== DOWN)) continue;
      const rising = (form === 'new->old') === (a === UP);
      out.set(key, {
        expr: rising ? RELATION_NEW_OLD : RELATION_OLD_NEW,
        via: relText.get(signal) ?? signal,
      });
    }
  }
  return out;
}

const RELATION_NEW_OLD: CondExpr = {
  k: 'bin',
  op: '->',
  a: { k: 'name', name: 'new' },
  b: { k: 'name', name: 'old' },
};
const RELATION_OLD_NEW: CondExpr = {
  k: 'bin',
  op: '->',
  a: { k: 'name', name: 'old' },
  b: { k: 'name', name: 'new' },
};

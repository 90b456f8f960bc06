/**
 * Scenario tests in YAML that plant engineers can read:
 *
 * ```yaml
 * program: Conveyor          # optional; default: the only PROGRAM/CONFIGURATION
 * cycleMs: 10                # optional
 * scenarios:
 *   - name: start and stop
 *     initial: { Speed_SP: 50 }
 *     steps:
 *       - { at: 0ms,   set: { Start_PB: true } }
 *       - { at: 100ms, set: { Start_PB: false } }
 *       - { at: 1s,    expect: { Motor_Run: true } }
 *       - { at: 1s,    within: 500ms, expect: { At_Speed: true } }
 *       - { from: 0s, to: 3s, always: { Guard_Open: false } }
 *       - { from: 2s, to: 3s, never: { Alarm: true } }
 *       - { at: 2s,    force: { Jam_Sensor: true } }   # an injected fault
 *       - { at: 3s,    release: [Jam_Sensor] }
 *     duration: 5s               # optional; default: the last step + one scan
 * ```
 *
 * Times are durations (`250ms`, `1.5s`, `T#1m`) or plain milliseconds. A value to
 * expect is a literal, or a comparison `{ gt: 5 }`, `{ between: [1, 2] }`,
 * `{ approx: 50, tol: 0.5 }`. TIME variables are given in ms or as durations (`T#1s`, `1s`;
 * see `timeValueMs`).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration, timeValueMs } from './iec-time';
import { jsonValue } from './input-timeline';
import { SIM_ERROR_CODES, SimError, type SimFault } from './sim-errors';
import {
  type CompileOptions,
  compileProgram,
  type SimProjectInput,
  type SimValue,
  type VirtualPlc,
} from './virtual-plc';

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(v)}` });
    return z.NEVER;
  }
  return ms;
});

const scalar = z.union([z.boolean(), z.number(), z.string()]);
const comparison = z
  .object({
    eq: scalar.optional(),
    ne: scalar.optional(),
    gt: z.number().optional(),
    ge: z.number().optional(),
    lt: z.number().optional(),
    le: z.number().optional(),
    between: z.tuple([z.number(), z.number()]).optional(),
    approx: z.number().optional(),
    tol: z.number().nonnegative().optional(),
  })
  .strict();
const matcher = z.union([scalar, comparison]);
const values = z.record(z.string(), scalar);
const matchers = z.record(z.string(), matcher);

const step = z.union([
  z.object({ at: duration, set: values }).strict(),
  z.object({ at: duration, expect: matchers, within: duration.optional() }).strict(),
  z.object({ from: duration, to: duration, always: matchers }).strict(),
  z.object({ from: duration, to: duration, never: matchers }).strict(),
  z.object({ at: duration, force: values }).strict(),
  z.object({ at: duration, release: z.array(z.string()) }).strict(),
]);

/** The zod schema of a scenario file. */
export const scenarioFileSchema = z
  .object({
    program: z.string().optional(),
    cycleMs: z.number().positive().optional(),
    scenarios: z
      .array(
        z
          .object({
            name: z.string().min(1),
            description: z.string().optional(),
            initial: values.optional(),
            steps: z.array(step).default([]),
            duration: duration.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** A parsed scenario file. */
export type ScenarioFile = z.infer<typeof scenarioFileSchema> & { file: string };
/** One scenario. */
export type Scenario = ScenarioFile['scenarios'][number];
type Matcher = z.infer<typeof matcher>;

/** Reads and validates a scenario file (YAML or JSON). */
export function parseScenarioFile(text: string, file: string): ScenarioFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${file}: not valid YAML: ${(err as Error).message}`);
  }
  const r = scenarioFileSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      `${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`,
    );
  }
  return { ...r.data, file };
}

/** The result of one expectation. */
export interface ExpectationResult {
  kind: 'at' | 'within' | 'always' | 'never';
  variable: string;
  expected: unknown;
  passed: boolean;
  /** Interval checked, in ms. */
  fromMs: number;
  toMs: number;
  /** First failing scan (for `within`: the end of the window). */
  scan?: number;
  t_ms?: number;
  actual?: unknown;
  /** The variable's value in the scans around the failure. */
  around?: { scan: number; t_ms: number; value: unknown }[];
  message?: string;
}

/** The result of one scenario. */
export interface ScenarioResult {
  name: string;
  passed: boolean;
  scans: number;
  fault: SimFault | null;
  expectations: ExpectationResult[];
}

/** The result of one scenario file. */
export interface ScenarioFileResult {
  file: string;
  passed: boolean;
  scenarios: ScenarioResult[];
}

function describeMatcher(m: Matcher): string {
  if (typeof m !== 'object') return JSON.stringify(m);
  return Object.entries(m)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
}

/** Compares a value with a matcher; TIME strings in matchers are durations. */
function matches(actual: SimValue, m: Matcher, isTime: boolean): boolean {
  const norm = (v: unknown) => (isTime && typeof v === 'string' ? (timeValueMs(v) ?? Number.NaN) : v);
  const a = typeof actual === 'bigint' ? Number(actual) : actual;
  if (typeof m !== 'object') {
    const e = norm(m);
    if (typeof a === 'string' && typeof e === 'string') return a.toLowerCase() === e.toLowerCase();
    return a === e;
  }
  const n = typeof a === 'number' ? a : typeof a === 'boolean' ? (a ? 1 : 0) : Number.NaN;
  if (m.eq !== undefined && !matches(actual, m.eq, isTime)) return false;
  if (m.ne !== undefined && matches(actual, m.ne, isTime)) return false;
  if (m.gt !== undefined && !(n > m.gt)) return false;
  if (m.ge !== undefined && !(n >= m.ge)) return false;
  if (m.lt !== undefined && !(n < m.lt)) return false;
  if (m.le !== undefined && !(n <= m.le)) return false;
  if (m.between && !(n >= m.between[0] && n <= m.between[1])) return false;
  if (m.approx !== undefined && !(Math.abs(n - m.approx) <= (m.tol ?? 1e-6))) return false;
  return true;
}

/** Scan during which the clock first reads at least `ms` (scan k runs at k × cycle). */
function scanAt(ms: number, cycle: number): number {
  return Math.ceil(ms / cycle - 1e-9);
}

/** Per-scan input actions of a scenario (set, force, release), keyed by scan. */
export interface ScenarioActions {
  initial: Record<string, SimValue>;
  perScan: Map<number, { set: Record<string, SimValue>; force: Record<string, SimValue>; release: string[] }>;
  scans: number;
}

/** Turns a scenario's steps into per-scan actions (also used by the equivalence checker). */
export function scenarioActions(s: Scenario, cycleMs: number): ScenarioActions {
  const perScan: ScenarioActions['perScan'] = new Map();
  const slot = (k: number) => {
    let a = perScan.get(k);
    if (!a) {
      a = { set: {}, force: {}, release: [] };
      perScan.set(k, a);
    }
    return a;
  };
  let end = 0;
  for (const st of s.steps) {
    if ('set' in st) Object.assign(slot(scanAt(st.at, cycleMs)).set, st.set);
    if ('force' in st) Object.assign(slot(scanAt(st.at, cycleMs)).force, st.force);
    if ('release' in st) slot(scanAt(st.at, cycleMs)).release.push(...st.release);
    const last = 'to' in st ? st.to : 'within' in st && st.within !== undefined ? st.at + st.within : st.at;
    end = Math.max(end, scanAt(last, cycleMs));
  }
  const scans = s.duration !== undefined ? Math.max(1, scanAt(s.duration, cycleMs)) : end + 1;
  return { initial: s.initial ?? {}, perScan, scans };
}

interface Check {
  kind: ExpectationResult['kind'];
  variable: string;
  m: Matcher;
  from: number;
  to: number;
  fromMs: number;
  toMs: number;
  failScan?: number;
  actual?: unknown;
  satisfied?: boolean;
}

/** Runs one scenario on a PLC reset to `start`. */
function runScenario(
  plc: VirtualPlc,
  start: ReturnType<VirtualPlc['snapshot']>,
  s: Scenario,
  loop?: ScenarioLoop,
): ScenarioResult {
  plc.restore(start);
  loop?.reset();
  const cycle = plc.cycleMs;
  const acts = scenarioActions(s, cycle);
  const checks: Check[] = [];
  for (const st of s.steps) {
    const add = (kind: Check['kind'], ms: Record<string, Matcher>, fromMs: number, toMs: number) => {
      for (const [variable, m] of Object.entries(ms)) {
        checks.push({
          kind,
          variable,
          m,
          from: scanAt(fromMs, cycle),
          to: scanAt(toMs, cycle),
          fromMs,
          toMs,
        });
      }
    };
    if ('expect' in st) {
      if (st.within !== undefined) add('within', st.expect, st.at, st.at + st.within);
      else add('at', st.expect, st.at, st.at);
    }
    if ('always' in st) add('always', st.always, st.from, st.to);
    if ('never' in st) add('never', st.never, st.from, st.to);
  }
  const watched = [...new Set(checks.map((c) => c.variable))];
  const isTime = new Map(watched.map((v) => [v, plc.typeOf(v) === 'TIME']));
  const trace = new Map<string, unknown[]>(watched.map((v) => [v, []]));
  // a value the variable cannot hold is the scenario's mistake, not a wrap to test (decision 0155)
  const exact = { exact: true };
  for (const [k, v] of Object.entries(acts.initial)) plc.set(k, v, exact);
  let fault: SimFault | null = null;
  let ran = 0;
  for (let k = 0; k < acts.scans; k++) {
    const a = acts.perScan.get(k);
    if (a) {
      for (const [n, v] of Object.entries(a.set)) plc.set(n, v, exact);
      for (const [n, v] of Object.entries(a.force)) plc.force(n, v, exact);
      for (const n of a.release) plc.unforce(n);
    }
    fault = loop ? loop.scan() : plc.scan();
    if (fault) break;
    ran++;
    for (const v of watched) (trace.get(v) as unknown[]).push(jsonValue(plc.get(v)));
    for (const c of checks) {
      if (k < c.from || k > c.to || c.failScan !== undefined || c.satisfied) continue;
      const actual = plc.get(c.variable);
      const ok = matches(actual, c.m, isTime.get(c.variable) ?? false);
      if (c.kind === 'within') {
        if (ok) c.satisfied = true;
        else if (k === c.to) {
          c.failScan = k;
          c.actual = jsonValue(actual);
        }
      } else if (c.kind === 'never' ? ok : !ok) {
        c.failScan = k;
        c.actual = jsonValue(actual);
      }
    }
  }
  const expectations: ExpectationResult[] = checks.map((c) => {
    const unreached =
      c.failScan === undefined && !c.satisfied && c.kind !== 'always' && c.kind !== 'never' && c.from >= ran;
    const unfinished = (c.kind === 'always' || c.kind === 'never') && c.failScan === undefined && c.to >= ran;
    const passed =
      c.failScan === undefined && !unreached && !unfinished && (c.kind !== 'within' || !!c.satisfied);
    const r: ExpectationResult = {
      kind: c.kind,
      variable: c.variable,
      expected: c.kind === 'never' ? { not: c.m } : c.m,
      passed,
      fromMs: c.fromMs,
      toMs: c.toMs,
    };
    if (!passed) {
      const scan = c.failScan ?? Math.min(c.to, ran);
      const tr = trace.get(c.variable) ?? [];
      r.scan = scan;
      r.t_ms = scan * cycle;
      if (c.failScan !== undefined) r.actual = c.actual;
      r.around = [];
      for (let j = Math.max(0, scan - 3); j <= Math.min(tr.length - 1, scan + 3); j++) {
        r.around.push({ scan: j, t_ms: j * cycle, value: tr[j] });
      }
      const what = c.kind === 'never' ? `never ${describeMatcher(c.m)}` : describeMatcher(c.m);
      r.message =
        fault && c.failScan === undefined
          ? `not checked: the PLC stopped on ${fault.code} at scan ${fault.scan} (${fault.file}:${fault.line})`
          : c.kind === 'within'
            ? `${c.variable} did not become ${what} between ${c.fromMs} ms and ${c.toMs} ms`
            : `${c.variable} expected ${what} at scan ${scan} (${scan * cycle} ms), got ${JSON.stringify(r.actual)}`;
    }
    return r;
  });
  return {
    name: s.name,
    passed: !fault && expectations.every((e) => e.passed),
    scans: ran,
    fault,
    expectations,
  };
}

/** Options of {@link runScenarioFile}. */
export interface RunScenarioOptions {
  /** Overrides the file's program. */
  program?: string;
  /** Dialect profile and cycle. */
  compile?: Omit<CompileOptions, 'program'>;
  /**
   * Closed loop: given the compiled PLC, returns what runs one cycle in its place (the
   * controller and a plant model, `test --plant`); `reset` is called as each scenario starts
   * from the initial state. Without it each cycle is `plc.scan()`.
   */
  loop?: (plc: VirtualPlc) => ScenarioLoop;
}

/** One cycle of a closed loop (the PLC's scan and a plant model's step), see {@link RunScenarioOptions.loop}. */
export interface ScenarioLoop {
  scan(): SimFault | null;
  reset(): void;
}

/** Runs every scenario of a file against a project; each scenario starts from the initial state. */
export function runScenarioFile(
  project: SimProjectInput,
  file: ScenarioFile,
  options: RunScenarioOptions = {},
): ScenarioFileResult {
  const program = options.program ?? file.program;
  const cycleMs = file.cycleMs ?? options.compile?.cycleMs;
  const plc = compileProgram(project, {
    ...options.compile,
    ...(program ? { program } : {}),
    ...(cycleMs ? { cycleMs } : {}),
  });
  // Unknown variable names are bad input, reported before anything runs.
  for (const s of file.scenarios) {
    for (const st of s.steps) {
      const names = [
        ...Object.keys('set' in st ? st.set : {}),
        ...Object.keys('expect' in st ? st.expect : {}),
        ...Object.keys('always' in st ? st.always : {}),
        ...Object.keys('never' in st ? st.never : {}),
        ...Object.keys('force' in st ? st.force : {}),
        ...('release' in st ? st.release : []),
      ];
      for (const n of [...names, ...Object.keys(s.initial ?? {})]) {
        try {
          plc.typeOf(n);
        } catch (err) {
          throw new SimError(
            SIM_ERROR_CODES.BAD_INPUT,
            `${file.file}: scenario '${s.name}': ${(err as Error).message}`,
          );
        }
      }
    }
  }
  const loop = options.loop?.(plc);
  const start = plc.snapshot();
  const scenarios = file.scenarios.map((s) => runScenario(plc, start, s, loop));
  return { file: file.file, passed: scenarios.every((s) => s.passed), scenarios };
}

/** Runs several scenario files; the overall result passes when every scenario passes. */
export function runScenarios(
  project: SimProjectInput,
  files: ScenarioFile[],
  options: RunScenarioOptions = {},
): { passed: boolean; files: ScenarioFileResult[] } {
  const results = files.map((f) => runScenarioFile(project, f, options));
  return { passed: results.every((r) => r.passed), files: results };
}

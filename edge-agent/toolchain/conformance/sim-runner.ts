/**
 * Runs a conformance case on our VirtualPlc and compares traces scan by scan
 * with the reference's. Used by the replay test (CI) and the live benchmark.
 */
import { checkProject, parseSource } from '../src/iec';
import { compileProgram, jsonValue, SimError, type SimProfileOptions, type SimValue } from '../src/sim';
import {
  type CaseType,
  type CaseVar,
  type ConformanceCase,
  CYCLE_MS,
  type ScanValues,
} from './conformance-case';

/** Our side of a case: the trace, or why it did not run. */
export type SimResult = { ok: true; trace: ScanValues[] } | { ok: false; message: string };

/**
 * Parses, checks, compiles and runs a case for its scans; a check error, a compile refusal or a
 * runtime fault ends it with a message.
 */
export function runOnSim(c: ConformanceCase, profile: SimProfileOptions = {}): SimResult {
  try {
    const parsed = parseSource(c.source, `${c.id}.st`);
    const { checked, diagnostics } = checkProject([parsed.unit]);
    const errors = [...parsed.diagnostics, ...diagnostics].filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const d = errors[0];
      return { ok: false, message: `check: ${d?.code} ${d?.message} (line ${d?.line})` };
    }
    const plc = compileProgram(checked, { program: c.program, cycleMs: CYCLE_MS, profile });
    const timeline = new Map(c.timeline);
    // resolved once: get(name) resolves the path on every call, which dominated replay time
    const outs = c.outputs.map((v) => [v.name, plc.accessor(v.name)] as const);
    const trace: ScanValues[] = [];
    for (let k = 0; k < c.scans; k++) {
      const a = timeline.get(k);
      if (a) for (const [n, v] of Object.entries(a)) plc.set(n, v as SimValue);
      const fault = plc.scan();
      if (fault) return { ok: false, message: `fault at scan ${k}: ${fault.code} ${fault.message}` };
      const o: ScanValues = {};
      for (const [name, acc] of outs) o[name] = jsonValue(acc.get() as SimValue) as ScanValues[string];
      trace.push(o);
    }
    return { ok: true, trace };
  } catch (err) {
    if (err instanceof SimError) return { ok: false, message: `refused: ${err.code} ${err.message}` };
    return { ok: false, message: `internal: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 bit pattern as an ordered integer, so ulp distance is a subtraction. */
function orderedBits(x: number): number {
  F32[0] = x;
  const b = U32[0] as number;
  return b & 0x8000_0000 ? -(b & 0x7fff_ffff) : b;
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** True when two output values agree: REAL within 1 ulp of float32, TIME within 1 ns, others exactly. */
export function sameValue(type: CaseType, ref: unknown, ours: unknown): boolean {
  switch (type) {
    case 'BOOL':
      return ref === ours;
    case 'LINT':
    case 'ULINT':
      return BigInt(String(ref)) === BigInt(String(ours));
    case 'REAL': {
      const a = Math.fround(asNumber(ref));
      const b = Math.fround(asNumber(ours));
      if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
      if (a === b) return true;
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      return Math.abs(orderedBits(a) - orderedBits(b)) <= 1;
    }
    case 'LREAL': {
      const a = asNumber(ref);
      const b = asNumber(ours);
      return Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));
    }
    case 'TIME':
      return Math.abs(asNumber(ref) - asNumber(ours)) < 1e-6;
    default:
      return Number(ref) === Number(ours);
  }
}

/** The first scan where two traces differ, with the differing outputs; undefined when identical. */
export function firstDifference(
  outputs: CaseVar[],
  ref: ScanValues[],
  ours: ScanValues[],
): { scan: number; diffs: { name: string; ref: unknown; ours: unknown }[] } | undefined {
  const n = Math.max(ref.length, ours.length);
  for (let k = 0; k < n; k++) {
    const r = ref[k];
    const o = ours[k];
    if (!r || !o) return { scan: k, diffs: [{ name: '<scan count>', ref: ref.length, ours: ours.length }] };
    const diffs = outputs
      .filter((v) => !sameValue(v.type, r[v.name], o[v.name]))
      .map((v) => ({ name: v.name, ref: r[v.name], ours: o[v.name] }));
    if (diffs.length > 0) return { scan: k, diffs };
  }
  return undefined;
}

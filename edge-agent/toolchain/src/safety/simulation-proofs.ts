/**
 * The simulation side of the verifier: the permissive check (new never TRUE
 * where old is FALSE on the same inputs) and the equivalence proof of an
 * E-stop slice change, both on the differential driver.
 */

import type { Statement } from '../iec';
import { ownExpressions, timeLiterals, walkStatements } from '../iec';
import {
  firstConditionalPragma,
  type ScenarioFile,
  type SimProjectInput,
  scenarioActions,
  unconfiguredReason,
  type VirtualPlc,
} from '../sim';
import type { Slice } from './data-flow-slice';
import {
  type DifferentialResult,
  type DriveInput,
  type PlantModel,
  type Relation,
  runDifferential,
} from './differential-sim';
import type { ProjectIndex, VarEntry } from './project-index';
import type { SafetyProject } from './safety-project';
import type { SafetyProof } from './safety-types';
import { configurationBindings } from './undriven-input-rules';
import type { ProtectedSignal, VerifyContext } from './verify-context';

const DRIVABLE = new Set([
  'bool',
  'sint',
  'int',
  'dint',
  'lint',
  'usint',
  'uint',
  'udint',
  'ulint',
  'byte',
  'word',
  'dword',
  'real',
  'lreal',
  'time',
]);

/** A proof and, when inconclusive, why. */
export interface ProofOutcome {
  proof: SafetyProof;
  program?: string;
  reason?: string;
}

/** Options shared by the proofs. */
export interface ProofOptions {
  seed: number;
  program?: string;
  runs?: number;
  scans?: number;
  /** Compiled PLCs shared between the proofs of one verification. */
  cache?: Map<string, VirtualPlc>;
  /** Scenarios replayed on both versions (those naming another PROGRAM are skipped). */
  scenarios?: readonly ScenarioFile[];
  /** A plant model each version runs in closed loop with. */
  plant?: PlantModel;
  /**
   * Names the plant's I/O drives (tag map entries: `PROGRAM.var` or a global's name): such a
   * variable the program only reads is a free input of the proofs, as a VAR_INPUT is.
   */
  ioBindings?: readonly string[];
}

/** Programs whose bodies compute the signal (the signal's own program for a program variable). */
function programsFor(
  ctx: VerifyContext,
  vars: readonly VarEntry[],
  slices: readonly Slice[],
  forced?: string,
): string[] {
  if (forced) return [forced];
  const out = new Set<string>();
  for (const v of vars) {
    const pou = ctx.oldIx.pous.get(v.scope) ?? ctx.newIx.pous.get(v.scope);
    if (pou?.kind === 'Program') out.add(pou.name);
  }
  if (out.size > 0) return [...out];
  for (const [ix, slice] of [
    [ctx.oldIx, slices[0]],
    [ctx.newIx, slices[1]],
  ] as const) {
    if (!slice) continue;
    for (const s of slice.statements) {
      const body = ix.bodyOf.get(s);
      if (body?.pou.kind === 'Program') out.add(body.pou.name);
    }
  }
  return [...out].sort();
}

/**
 * Why a version without a define set is not proved: its first `{IF ...}` pragma selects code by
 * compiler definitions. A PLC runs one configuration; every branch at once is no build's meaning,
 * so a proof of such a version is refused by name (decision 0178, as the simulator refuses it).
 */
function unconfigured(p: SafetyProject): string | undefined {
  if (p.defines) return undefined;
  const branch = firstConditionalPragma(p.units);
  return branch && unconfiguredReason(branch.text, branch.location);
}

/**
 * The programs of `programs` no other of them calls (a TwinCAT MAIN calling its sub-programs
 * runs them: MAIN alone is what the task runs).
 */
function topPrograms(ctx: VerifyContext, programs: readonly string[]): string[] {
  const ids = new Set(programs.map((p) => p.toLowerCase()));
  const called = new Set<string>();
  for (const ix of [ctx.oldIx, ctx.newIx])
    for (const a of ix.atoms)
      if (a.body.pou.kind === 'Program' && ids.has(a.body.pou.id))
        for (const c of a.calls) if (c !== a.body.pou.id && ids.has(c)) called.add(c);
  const top = programs.filter((p) => !called.has(p.toLowerCase()));
  return top.length > 0 ? top : [...programs];
}

/**
 * The CONFIGURATION both versions declare that instantiates every one of `programs`, if any.
 * Programs of one configuration share its globals and run in its order, so a signal two of them
 * compute is only what the configuration runs: each program alone would show neither the order
 * nor which of them has the last word (sweep 13: a drive and its stop swapped in a task were
 * "proved" program by program).
 */
function sharedConfiguration(ctx: VerifyContext, programs: readonly string[]): string | undefined {
  const configurations = (p: SafetyProject): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const u of p.units)
      for (const d of u.declarations) {
        if (d.kind !== 'Configuration') continue;
        const types = new Set<string>();
        for (const i of [...d.programs, ...d.resources.flatMap((r) => r.programs)])
          types.add(i.program.toLowerCase());
        out.set(d.name.toLowerCase(), types);
      }
    return out;
  };
  const before = configurations(ctx.before);
  const after = configurations(ctx.after);
  const wanted = programs.map((p) => p.toLowerCase());
  for (const [name, types] of before) {
    const other = after.get(name);
    if (other && wanted.every((w) => types.has(w) && other.has(w))) {
      for (const u of ctx.before.units)
        for (const d of u.declarations)
          if (d.kind === 'Configuration' && d.name.toLowerCase() === name) return d.name;
    }
  }
  return undefined;
}

/**
 * Free inputs of one program in one version, in the slice: its VAR_INPUTs, the globals it never
 * writes, the addressed variables it only reads, and the variables the tag map drives that it
 * only reads (an OpenPLC or Modbus-mapped program keeps its operator inputs in plain VARs: held
 * at their initial values the proofs would see no input at all and "prove" any change).
 */
function freeInputs(
  ix: ProjectIndex,
  slice: Slice,
  program: string,
  ioBindings: readonly string[] = [],
  heldStill: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const id = program.toLowerCase();
  const bound = new Set(ioBindings.map((n) => n.toLowerCase()));
  const writtenHere = new Set<string>();
  for (const a of ix.atoms) if (a.body.pou.id === id) for (const w of a.writes) writtenHere.add(w);
  const out = new Map<string, string>();
  for (const key of slice.vars) {
    const v = ix.vars.get(key);
    if (!v || v.constant || !v.typeName || !DRIVABLE.has(v.typeName)) continue;
    if (heldStill.has(key)) continue;
    const isInput = v.scope === id && v.section === 'VAR_INPUT';
    // an addressed variable the program only reads is written from outside (an %I input, a
    // Modbus coil an HMI sets): held at its initial value a proof would see no input at all
    const located = v.decl.location !== undefined && (!writtenHere.has(key) || v.decl.location.area === 'I');
    const freeGlobal = v.scope === 'global' && (!writtenHere.has(key) || v.decl.location?.area === 'I');
    const freeLocated = v.scope === id && v.section === 'VAR' && located;
    const name = v.name.toLowerCase();
    const mapped =
      !writtenHere.has(key) &&
      ((v.scope === id && v.section === 'VAR' && bound.has(`${id}.${name}`)) ||
        (v.scope === 'global' && bound.has(name)));
    if (isInput || freeGlobal || freeLocated || mapped) out.set(name, v.typeName);
  }
  return out;
}

/**
 * Keys of program inputs that nothing drives (no address, no writer, no CONFIGURATION binding,
 * no tag map entry) and whose declaration the change alters: the PLC runs each version with its
 * own initial value for ever, so the proofs hold them still rather than feed both versions the
 * same random value (which hides a retuned limit: 100 → 1000 "proved"). An input something
 * drives, or one whose declaration is the same in both, stays free: over-approximating a
 * constant by every value is sound when both versions start from the same one.
 */
function undrivenRetunedInputs(ctx: VerifyContext, ioBindings: readonly string[] = []): Set<string> {
  const bound = new Set(ioBindings.map((n) => n.toLowerCase()));
  const out = new Set<string>();
  let configured: [Set<string>, Set<string>] | undefined;
  for (const d of ctx.diff.decls) {
    if (!d.old || !d.new || d.old.key !== d.new.key) continue;
    const v = d.new;
    if (v.section !== 'VAR_INPUT' || v.constant || d.old.decl.location || v.decl.location) continue;
    const pou = ctx.newIx.pous.get(v.scope);
    if (pou?.kind !== 'Program' || ctx.oldIx.pous.get(v.scope)?.kind !== 'Program') continue;
    if ((ctx.oldIx.writers.get(v.key) ?? []).length > 0 || (ctx.newIx.writers.get(v.key) ?? []).length > 0)
      continue;
    if (bound.has(`${pou.name}.${v.name}`.toLowerCase())) continue;
    configured ??= [configurationBindings(ctx.oldIx), configurationBindings(ctx.newIx)];
    if (configured[0].has(v.key) || configured[1].has(v.key)) continue;
    out.add(v.key);
  }
  return out;
}

function maxPresetMs(ixs: readonly [ProjectIndex, Slice][]): number {
  let max = 0;
  const see = (ms: number) => {
    if (ms > max) max = ms;
  };
  for (const [ix, slice] of ixs) {
    for (const s of slice.statements)
      walkStatements([s as Statement], (st) => {
        for (const e of ownExpressions(st)) for (const t of timeLiterals(e)) see(t.ms);
      });
    for (const d of slice.decls) {
      const init = d.init;
      if (init && init.kind !== 'ArrayInitializer' && init.kind !== 'StructInitializer')
        for (const t of timeLiterals(init)) see(t.ms);
      if (init?.kind === 'StructInitializer')
        for (const f of init.fields)
          if (f.value.kind !== 'ArrayInitializer' && f.value.kind !== 'StructInitializer')
            for (const t of timeLiterals(f.value)) see(t.ms);
    }
    // A Logix timer's preset is a DINT in its tag, no TIME literal the slice holds; the L5X model
    // declares each preset it met as an `LX_PT<n>` TIME constant for this purpose (toolchain/l5x
    // sim-model): without them the proofs on a 3 s start delay ran 2 s and never saw past it.
    const pous = new Set(slice.pous);
    for (const s of slice.statements) {
      const a = ix.atomOf.get(s as Statement);
      if (a) pous.add(a.body.pou.id);
    }
    for (const id of pous)
      for (const v of ix.pous.get(id)?.vars.values() ?? [])
        if (
          /^lx_pt\d+$/i.test(v.name) &&
          v.decl.init &&
          v.decl.init.kind !== 'ArrayInitializer' &&
          v.decl.init.kind !== 'StructInitializer'
        )
          for (const t of timeLiterals(v.decl.init)) see(t.ms);
  }
  return Math.min(Math.max(max, 50), 5000);
}

/** Runs one differential proof of a signal; one proof per program that computes it. */
export function proveSignal(
  ctx: VerifyContext,
  signals: readonly ProtectedSignal[],
  relation: Relation,
  kind: SafetyProof['kind'],
  options: ProofOptions,
): ProofOutcome[] {
  const vars = signals.flatMap((s) => s.oldVars);
  const programs = programsFor(
    ctx,
    vars,
    [mergeSlices(signals.map((s) => s.oldSlice)), mergeSlices(signals.map((s) => s.newSlice))],
    options.program,
  );
  const subject = signals.map((s) => s.name).join(', ');
  /** A proof left undecided (inconclusive: the check fails closed), with why. */
  const undecided = (about: string, reason: string, program?: string): ProofOutcome => ({
    proof: {
      kind,
      subject: about,
      result: 'inconclusive',
      method: 'random',
      runs: 0,
      scans: 0,
      counterexample: null,
      claim: 'undecided',
      seed: options.seed,
      basis: `(${reason})`,
    },
    ...(program !== undefined ? { program } : {}),
    reason,
  });
  if (programs.length === 0) return [undecided(subject, 'no PROGRAM computes it')];
  const reason = unconfigured(ctx.before) ?? unconfigured(ctx.after);
  if (reason) {
    return programs.map((program) =>
      undecided(programs.length > 1 ? `${subject} in ${program}` : subject, reason, program),
    );
  }
  const oldSlice = mergeSlices(signals.map((s) => s.oldSlice));
  const newSlice = mergeSlices(signals.map((s) => s.newSlice));
  const preset = maxPresetMs([
    [ctx.oldIx, oldSlice],
    [ctx.newIx, newSlice],
  ]);
  const proofs: ProofOutcome[] = [];
  // several programs of one configuration computing the signal: the configuration is what runs
  const top = options.program ? programs : topPrograms(ctx, programs);
  const configuration = top.length > 1 && !options.program ? sharedConfiguration(ctx, top) : undefined;
  if (top.length > 1 && !configuration && !options.program && vars.some((v) => v.scope === 'global')) {
    // each alone is not what the PLC runs, and without a configuration their order is unknown
    const reason = `${subject} is computed by programs ${top.join(', ')}, and no CONFIGURATION both versions declare gives their order: proving each alone would leave out the others' writes; declare the task's CONFIGURATION or name the one PROGRAM to prove with --program`;
    return [undecided(subject, reason)];
  }
  const runs = configuration
    ? [{ program: configuration, members: top }]
    : top.map((p) => ({ program: p, members: [p] }));
  const heldStill = undrivenRetunedInputs(ctx, options.ioBindings);
  for (const { program, members } of runs) {
    const inputsOf = (ix: ProjectIndex, slice: Slice): Map<string, string> => {
      const out = new Map<string, string>();
      for (const m of members)
        for (const [n, t] of freeInputs(ix, slice, m, options.ioBindings, heldStill)) out.set(n, t);
      return out;
    };
    const oldIn = inputsOf(ctx.oldIx, oldSlice);
    const newIn = inputsOf(ctx.newIx, newSlice);
    const local = configuration
      ? [...oldIn.keys(), ...newIn.keys()].find(
          (n) => !ctx.oldIx.vars.has(`global::${n}`) && !ctx.newIx.vars.has(`global::${n}`),
        )
      : undefined;
    if (local !== undefined) {
      // an input of one program's own is named through its instance in a configuration run;
      // rather than hold it still and "prove" the change, the proof is left undecided
      const reason = `${subject} is computed by programs ${members.join(', ')} of CONFIGURATION ${configuration}, and '${local}' is an input of one of them: name the program to prove with --program`;
      proofs.push(undecided(`${subject} in ${configuration}`, reason, program));
      continue;
    }
    const inputs: DriveInput[] = [];
    for (const [name, type] of oldIn)
      inputs.push({ path: name, type, side: newIn.has(name) ? 'both' : 'old' });
    for (const [name, type] of newIn) if (!oldIn.has(name)) inputs.push({ path: name, type, side: 'new' });
    inputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const outputs = [
      ...new Set(
        vars
          .filter((v) => v.scope === 'global' || (!configuration && v.scope === program.toLowerCase()))
          .map((v) => v.name),
      ),
    ];
    const scenarios = (options.scenarios ?? [])
      .filter((f) => !f.program || f.program.toLowerCase() === program.toLowerCase())
      .flatMap((f) => f.scenarios.map((sc) => ({ name: sc.name, actions: scenarioActions(sc, 10) })));
    const perRun = options.scans ?? Math.min(1500, Math.max(200, Math.ceil((3 * preset) / 10)));
    const r = runDifferential(simInput(ctx.before), simInput(ctx.after), {
      scenarios,
      program,
      inputs,
      outputs,
      relation,
      seed: options.seed,
      maxPresetMs: preset,
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.runs ? { runs: options.runs } : {}),
      ...(options.plant ? { plant: options.plant } : {}),
      scans: perRun,
    });
    proofs.push({
      proof: {
        kind,
        subject: runs.length > 1 || configuration ? `${subject} in ${program}` : subject,
        result: r.result,
        method: r.method,
        runs: r.runs,
        scans: r.scans,
        counterexample: r.counterexample,
        ...claimOf(r, inputs, perRun, options.seed, scenarios.length),
      },
      program,
      ...(r.reason ? { reason: r.reason } : {}),
    });
  }
  return proofs;
}

/**
 * What a differential result rests on (#14: a random search that found nothing is not a proof).
 * `proved` only when the breadth-first exploration visited every joint state reachable by any
 * sequence of the (boolean) free inputs; a random search that found nothing is `not-refuted`.
 */
export function claimOf(
  r: DifferentialResult,
  inputs: readonly DriveInput[],
  scansPerRun: number,
  seed: number,
  scenarios = 0,
): Pick<SafetyProof, 'claim' | 'seed' | 'basis'> {
  const scen = scenarios > 0 ? `, after ${scenarios} scenario${scenarios === 1 ? '' : 's'}` : '';
  if (r.result === 'refuted')
    return {
      claim: 'refuted',
      seed,
      basis: `at scan ${r.counterexample?.scan ?? '?'} (${r.counterexample?.variable ?? '?'}) by ${r.method} search in ${r.runs} run${r.runs === 1 ? '' : 's'} (seed ${seed})`,
    };
  if (r.result === 'inconclusive')
    return { claim: 'undecided', seed, basis: `(${r.reason ?? 'inconclusive'})` };
  if (r.method === 'exhaustive') {
    const names = inputs.map((i) => i.path).join(', ');
    return {
      claim: 'proved',
      seed,
      basis: `by exhaustive search: every sequence of ${names ? `the boolean inputs ${names}` : 'scans (no free input)'} from a cold start at 10 ms per scan, ${r.states ?? '?'} joint states of old and new, all explored${scen}`,
    };
  }
  // with nothing to drive, every run replays the same scans: one run, whatever the seed (sweep 14)
  if (inputs.length === 0)
    return {
      claim: 'not-refuted',
      seed,
      basis: `in one run of ${scansPerRun} scans, the same in every run: no free input to drive${scen}`,
    };
  return {
    claim: 'not-refuted',
    seed,
    basis: `in ${r.runs} random run${r.runs === 1 ? '' : 's'} × ${scansPerRun} scans (seed ${seed})${scen}`,
  };
}

/**
 * A version as the simulator takes it: with the bound model and the library interfaces it was
 * checked with, so a body-less library block is refused by name (`--models`), not re-checked
 * without its interface.
 */
function simInput(p: SafetyProject): SimProjectInput {
  return {
    units: p.units,
    ...(p.checked ? { checked: p.checked } : {}),
    ...(p.libraryUnits ? { libraryUnits: p.libraryUnits } : {}),
  };
}

function mergeSlices(slices: readonly Slice[]): Slice {
  if (slices.length === 1) return slices[0]!;
  const out: Slice = { vars: new Set(), statements: new Set(), pous: new Set(), decls: new Set() };
  for (const s of slices) {
    for (const v of s.vars) out.vars.add(v);
    for (const v of s.statements) out.statements.add(v);
    for (const v of s.pous) out.pous.add(v);
    for (const v of s.decls) out.decls.add(v);
  }
  return out;
}

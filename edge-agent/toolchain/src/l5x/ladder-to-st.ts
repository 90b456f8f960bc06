/**
 * The ladder → Structured Text migration for one L5X file: every selected
 * ladder routine is rendered as readable Logix ST, the ST and the ladder are
 * run side by side on the virtual PLC (seeded random inputs, holds long
 * enough for timers to elapse), and only routines proven equivalent are
 * written back, as `Type="ST"` routines with the tags the ST needs declared
 * beside the old ones. Everything else in the file stays byte for byte.
 */
import { type Counterexample, checkEquivalence, SimError } from '../sim/index';
import type { L5xProgram, L5xProject, L5xRoutine, L5xTag } from './l5x-model';
import { insertTagsEdit, type L5xEdit, type NewTag, routineToStEdits, writeL5x } from './l5x-writer';
import { findRoutine, ladderModel, modelUnits } from './ladder-model';
import { LogixScope, type TagSymbol, Unsupported } from './logix-operands';
import { LoweringError, RllLowering } from './rll-lowering';
import { planConversion, RungWriter } from './rung-to-st';
import { MODEL_PROGRAM, modelSource } from './sim-model';

/** Options of {@link ladderToSt}. */
export interface LadderToStOptions {
  /** `PROGRAM/ROUTINE` paths to convert. @default every RLL routine of every program */
  routines?: string[];
  /** Seed of the random inputs. @default 1 */
  seed?: number | string;
  /** Random runs per routine. @default 100 */
  runs?: number;
  /** Scans per run. @default 300 */
  scans?: number;
}

/** The outcome for one routine; its JSON form is part of the CLI contract. */
export interface RoutineConversion {
  /** `PROGRAM/ROUTINE`. */
  name: string;
  /** An ST form was produced. */
  converted: boolean;
  /** The ST form was proven equivalent to the ladder. */
  equivalent: boolean;
  runs: number;
  scans: number;
  counterexample: Counterexample | null;
  /** Why the routine stays ladder: the instruction refused, or the tag that differs. */
  reason: string | null;
}

/** A converted routine and what differential simulation found (the reason names the differing tag). */
export function provenConversion(name: string, r: ReturnType<typeof checkEquivalence>): RoutineConversion {
  const c = r.counterexample;
  return {
    name,
    converted: true,
    equivalent: r.equivalent,
    runs: r.runs,
    scans: r.scans,
    counterexample: c,
    reason: c
      ? `${c.variable} differs at scan ${c.scan} (ladder ${JSON.stringify(c.before)}, ST ${JSON.stringify(c.after)})`
      : null,
  };
}

/** The result: per-routine outcomes, the ST of each converted routine and the new file. */
export interface LadderToStResult {
  routines: RoutineConversion[];
  /** Logix ST lines by routine name, for every routine converted (proven or not). */
  st: Map<string, string[]>;
  /** The L5X with the proven routines replaced (the input's bytes when none is). */
  output: Uint8Array;
}

/** One routine converted: the Logix lines, the tags to add, and the proof. */
interface Converted {
  lines: string[];
  newTags: { tag: NewTag; after: L5xTag | undefined }[];
  result: RoutineConversion;
}

function cycleFor(presets: Set<number>): number {
  // Long presets elapse within a run when a scan stands for more time (Logix timers count
  // elapsed milliseconds, not scans, so the scan time does not change what they mean).
  const max = Math.max(0, ...presets);
  return Math.min(1000, Math.max(10, Math.ceil(max / 40 / 10) * 10));
}

function convertRoutine(
  project: L5xProject,
  program: L5xProgram,
  routine: L5xRoutine,
  options: LadderToStOptions,
): Converted {
  const name = `${program.name}/${routine.name}`;
  const fail = (reason: string, converted = false): Converted => ({
    lines: [],
    newTags: [],
    result: { name, converted, equivalent: false, runs: 0, scans: 0, counterexample: null, reason },
  });
  let ladder: ReturnType<typeof ladderModel>;
  let lines: string[];
  let stSource: string;
  let compare: string[];
  const newTags: Converted['newTags'] = [];
  try {
    ladder = ladderModel(project, program, routine);
    const logixScope = new LogixScope(project, program, undefined, true);
    const iecScope = new LogixScope(project, program, undefined, false);
    const planL = planConversion(project, program, routine, logixScope);
    const planI = planConversion(project, program, routine, iecScope);
    lines = new RungWriter(logixScope, planL, routine, name).run().lines;
    const lowering = new RllLowering(iecScope, program);
    const iec = new RungWriter(iecScope, planI, routine, name, lowering).run();
    const extra: TagSymbol[] = [
      ...ladder.code.reads,
      ...ladder.code.writes,
      ...[...planI.timers.values()].map((p) => p.fbd),
      ...planI.temps.map((t) => iecScope.lookup(t) as TagSymbol),
      ...(planI.jumps ?? []).map((j) => iecScope.lookup(j.name) as TagSymbol),
    ];
    const code = {
      ...lowering.code,
      reads: new Set([...lowering.code.reads]),
      writes: new Set([...lowering.code.writes]),
      presets: ladder.code.presets,
      aois: new Set([...ladder.code.aois, ...lowering.code.aois]),
    };
    stSource = modelSource(project, {
      scope: iecScope,
      code,
      body: iec.lines,
      prescan: iec.prescan,
      inputs: ladder.inputs,
      extra,
    });
    const internal = new Set(
      [...planI.timers.values()].filter((p) => !p.mirror).map((p) => p.timer.name.toLowerCase()),
    );
    compare = [...ladder.code.writes]
      .filter((s) => !internal.has(s.name.toLowerCase()))
      .filter((s) => !(s.type.kind === 'struct' && ladder.scope.aoiNames.has(s.type.name.toLowerCase())))
      .map((s) => s.iec)
      .sort();
    for (const p of planL.timers.values()) {
      newTags.push({
        tag: {
          name: p.fbd.name,
          dataType: 'FBD_TIMER',
          description: `${p.kind}R timer of ${p.timer.name} (ladder to ST)`,
        },
        after: p.timer.tag,
      });
    }
    const lastProgramTag = program.tags[program.tags.length - 1] ?? project.tags[project.tags.length - 1];
    for (const t of planL.temps) {
      if (!lastProgramTag) return fail('no Tags element to declare the rung condition tags in');
      newTags.push({
        tag: { name: t, dataType: 'BOOL', description: `rung condition kept by the ladder to ST conversion` },
        after: lastProgramTag,
      });
    }
    for (const j of planL.jumps ?? []) {
      if (!lastProgramTag) return fail('no Tags element to declare the jump flags in');
      newTags.push({
        tag: {
          name: j.name,
          dataType: 'BOOL',
          description: `JMP(${j.label}) taken this scan (ladder to ST)`,
        },
        after: lastProgramTag,
      });
    }
  } catch (e) {
    if (e instanceof LoweringError) return fail(e.message);
    if (e instanceof Unsupported) return fail(`${name}: ${e.reason}`);
    throw e;
  }
  // A routine with nothing to compare and nothing to drive (no rungs, only NOP or comments;
  // or a timer nothing else reads, replaced by its FBD_TIMER) has no behaviour a run could
  // show: it is equivalent without one.
  if (compare.length === 0 && ladder.inputs.size === 0)
    return {
      lines,
      newTags,
      result: {
        name,
        converted: true,
        equivalent: true,
        runs: 0,
        scans: 0,
        counterexample: null,
        reason: null,
      },
    };
  try {
    const presets = ladder.code.presets;
    const r = checkEquivalence({
      before: modelUnits(ladder.source),
      after: modelUnits(stSource),
      program: MODEL_PROGRAM,
      seed: options.seed ?? 1,
      runs: options.runs ?? 100,
      scans: options.scans ?? 300,
      cycleMs: cycleFor(presets),
      compare,
    });
    return { lines, newTags, result: provenConversion(name, r) };
  } catch (e) {
    if (e instanceof SimError || e instanceof LoweringError) {
      return { ...fail(`${name}: simulation failed: ${(e as Error).message}`, true), lines };
    }
    throw e;
  }
}

/**
 * Converts the ladder routines of an L5X project to Logix ST, proves each equivalent by
 * differential simulation and writes the proven ones back in place.
 *
 * @example
 * const r = ladderToSt(readL5x(bytes), { routines: ['MainProgram/Conveyor'], seed: 7 });
 * if (r.routines.every((x) => x.equivalent)) writeFileSync('out.L5X', r.output);
 */
export function ladderToSt(project: L5xProject, options: LadderToStOptions = {}): LadderToStResult {
  const selected: { program: L5xProgram; routine: L5xRoutine }[] = [];
  if (options.routines && options.routines.length > 0) {
    for (const path of options.routines) {
      const f = findRoutine(project, path);
      if (!f) throw new Unsupported(`no routine ${path} in the file`);
      selected.push(f);
    }
  } else {
    for (const program of project.programs) {
      for (const routine of program.routines) if (routine.type === 'RLL') selected.push({ program, routine });
    }
  }
  const routines: RoutineConversion[] = [];
  const st = new Map<string, string[]>();
  const edits: L5xEdit[] = [];
  for (const { program, routine } of selected) {
    const name = `${program.name}/${routine.name}`;
    if (routine.type !== 'RLL') {
      routines.push({
        name,
        converted: false,
        equivalent: false,
        runs: 0,
        scans: 0,
        counterexample: null,
        reason: `${name} is ${routine.type}, not ladder`,
      });
      continue;
    }
    const c = convertRoutine(project, program, routine, options);
    routines.push(c.result);
    if (c.result.converted) st.set(name, c.lines);
    if (!c.result.equivalent) continue;
    edits.push(...routineToStEdits(project, routine, c.lines));
    const byAnchor = new Map<L5xTag, NewTag[]>();
    for (const t of c.newTags) {
      if (!t.after) continue;
      byAnchor.set(t.after, [...(byAnchor.get(t.after) ?? []), t.tag]);
    }
    for (const [after, tags] of byAnchor) edits.push(insertTagsEdit(project, after, tags));
  }
  return { routines, st, output: writeL5x(project, edits) };
}

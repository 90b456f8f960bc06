/**
 * A ladder routine as a program of the virtual PLC: lowered with
 * {@link RllLowering}, wrapped by {@link modelSource}, parsed and checked by
 * the ST front end and compiled by the simulator.
 */
import { checkProject, parseSource } from '../iec/index';
import { type CompileOptions, compileProgram, type VirtualPlc } from '../sim/index';
import type { L5xProgram, L5xProject, L5xRoutine } from './l5x-model';
import { LogixScope } from './logix-operands';
import { stringSize } from './logix-strings';
import { LoweringError, RllLowering } from './rll-lowering';
import { MODEL_PROGRAM, type ModelParts, modelSource } from './sim-model';

/** A routine ready to simulate. */
export interface LadderModel extends ModelParts {
  program: L5xProgram;
  routine: L5xRoutine;
  lowering: RllLowering;
  /** The model's ST source. */
  source: string;
}

/** Finds `PROGRAM/ROUTINE` (case-insensitive). */
export function findRoutine(
  project: L5xProject,
  path: string,
): { program: L5xProgram; routine: L5xRoutine } | undefined {
  const [p, r] = path.split('/');
  const program = project.programs.find((x) => x.name.toLowerCase() === (p ?? '').toLowerCase());
  const routine = program?.routines.find((x) => x.name.toLowerCase() === (r ?? '').toLowerCase());
  return program && routine ? { program, routine } : undefined;
}

/** Lowers a ladder routine (and the routines it calls) to a model program. Throws {@link LoweringError}. */
export function ladderModel(project: L5xProject, program: L5xProgram, routine: L5xRoutine): LadderModel {
  const scope = new LogixScope(project, program);
  const lowering = new RllLowering(scope, program);
  lowering.routine(routine, program.name);
  const code = lowering.code;
  const inputs = new Set<string>();
  for (const s of code.reads) {
    if (
      !code.writes.has(s) &&
      !scope.aoiNames.has(s.type.kind === 'struct' ? s.type.name.toLowerCase() : '')
    ) {
      inputs.add(s.iec.toLowerCase());
    }
  }
  // A routine that reads no tag it leaves alone (a fault routine, a state machine on its own
  // bits) would give a proof nothing to drive: then every elementary tag, array of them or
  // user-type tag it reads is an input, as another program or an HMI may write any tag
  // between scans. Both models get the same.
  if (inputs.size === 0) {
    const udts = new Set(project.dataTypes.map((d) => d.name.toLowerCase()));
    for (const s of code.reads)
      if (
        s.type.kind === 'elem' ||
        (s.type.kind === 'array' && s.type.of.kind === 'elem') ||
        (s.type.kind === 'struct' &&
          (udts.has(s.type.name.toLowerCase()) || stringSize(scope, s.type) !== undefined))
      )
        inputs.add(s.iec.toLowerCase());
  }
  const parts: ModelParts = { scope, code, body: code.body, prescan: code.prescan, inputs };
  return { ...parts, program, routine, lowering, source: modelSource(project, parts) };
}

/** Parses, checks and compiles a model source; throws with the first diagnostic. */
export function compileModel(source: string, options: Omit<CompileOptions, 'program'> = {}): VirtualPlc {
  const parsed = parseSource(source, 'model.st');
  const checked = checkProject([parsed.unit]);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  const err = diagnostics.find((d) => d.severity === 'error');
  if (err)
    throw new LoweringError(`model does not compile: ${err.code} ${err.message} (line ${err.line})`, 'model');
  return compileProgram(
    { units: checked.checked.units, diagnostics },
    { ...options, program: MODEL_PROGRAM },
  );
}

/** The checked units of a model source (for {@link checkEquivalence}). */
export function modelUnits(source: string) {
  const parsed = parseSource(source, 'model.st');
  const checked = checkProject([parsed.unit]);
  return { units: checked.checked.units, diagnostics: [...parsed.diagnostics, ...checked.diagnostics] };
}

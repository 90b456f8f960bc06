/**
 * An L5X as one ST compilation unit, the way every consumer reads it: `compile` in the
 * executor's verifiers, the safety verifier and the simulator's commands. The L5X check's
 * diagnostics sit at the file's XML lines; a problem of the generated ST (ours, not the
 * file's) is one `L5X9001` error naming the model line, never a diagnostic at a model line
 * that would point into the wrong text; a program the model leaves out is an `L5X4001`
 * error kept apart, as only the safety verifier and the simulator must refuse it.
 */
import type { Diagnostic } from '@plcfleet/protocols';
import { type CompilationUnit, parseSource } from '../iec/index';
import { L5X_CODES, modelL5x } from './l5x-check';
import type { L5xProject } from './l5x-model';

/** An L5X read as its whole-project ST model (see {@link readL5xModel}). */
export interface L5xStModel {
  /** The file name given (diagnostics and the unit carry it). */
  file: string;
  /** The model parsed; its offsets refer to {@link source}, not to the file. */
  unit: CompilationUnit;
  /** The model's ST (empty when the file is unreadable). */
  source: string;
  /**
   * The L5X check's diagnostics at the file's lines, then an `L5X9001` error for each error
   * the model's ST does not parse with.
   */
  diagnostics: Diagnostic[];
  /** `L5X4001` errors: programs the model leaves out (cannot be simulated or verified). */
  unmodelled: Diagnostic[];
  /** The project read, unless the file could not be. */
  project?: L5xProject;
  /**
   * The file's line a line of {@link source} comes from (1-based both): the rung or Logix ST
   * line a statement was lowered from, the Program element for a program's declarations;
   * undefined for what no element of the file gives (types, Add-On Instruction blocks,
   * controller tags). The unit's spans carry these lines already (1 where undefined).
   */
  fileLine(modelLine: number): number | undefined;
}

/** A front-end diagnostic as {@link modelErrors} takes it: the ST front end's (with `offset`) or the protocol's. */
interface ModelDiagnostic {
  line: number;
  offset?: number;
  severity: string;
  code: string;
  message: string;
}

/**
 * The errors among diagnostics about an L5X's model (parser's or checker's, at model lines) as
 * `L5X9001` errors at the file's first line: the generated ST does not check, which fails the
 * file's compile but is not something its author can fix at a line. Warnings are about
 * generated ST and dropped.
 */
export function modelErrors(
  model: Pick<L5xStModel, 'file' | 'source'>,
  diagnostics: readonly ModelDiagnostic[],
): Diagnostic[] {
  const { file, source } = model;
  // the unit's spans carry the file's lines (see readL5xModel): the model line is the offset's
  const modelLine = (d: ModelDiagnostic) =>
    d.offset === undefined ? d.line : source.slice(0, d.offset).split('\n').length;
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({
      file,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      severity: 'error',
      code: L5X_CODES.modelInvalid,
      message: `the ST model of ${file} does not check: ${d.code} ${d.message} (model line ${modelLine(d)})`,
    }));
}

/**
 * Reads an L5X as its whole-project ST model ({@link modelL5x}) and parses the model. Never
 * throws: an unreadable file is one `L5X1000` error and an empty unit.
 *
 * @example
 * const m = readL5xModel(readFileSync('Line.L5X'), 'Line.L5X');
 * if (!m.diagnostics.some((d) => d.severity === 'error')) checkProject([m.unit]);
 */
export function readL5xModel(input: Uint8Array | string, file: string): L5xStModel {
  const m = modelL5x(input, file);
  const parsed = parseSource(m.source, file);
  const lines = m.lineMap;
  const fileLine = (modelLine: number) => lines[modelLine - 1];
  citeFileLines(parsed.unit, (l) => fileLine(l) ?? 1);
  return {
    file,
    unit: parsed.unit,
    source: m.source,
    diagnostics: [...m.diagnostics, ...modelErrors({ file, source: m.source }, parsed.diagnostics)],
    unmodelled: m.unmodelled,
    ...(m.project ? { project: m.project } : {}),
    fileLine,
  };
}

/**
 * Sets the line of every span of a model's unit to the file's line it comes from (`to`), so
 * whatever cites a node of the model (the checker, a safety finding, a simulation fault) cites
 * the L5X where the reader can look; offsets and columns stay the model's, which quotes use.
 */
function citeFileLines(unit: CompilationUnit, to: (modelLine: number) => number): void {
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const e of x) visit(e);
      return;
    }
    const o = x as Record<string, unknown>;
    if (typeof o.line === 'number' && typeof o.endLine === 'number' && typeof o.offset === 'number') {
      o.line = to(o.line);
      o.endLine = to(o.endLine as number);
    }
    for (const k in o) visit(o[k]);
  };
  visit(unit);
}

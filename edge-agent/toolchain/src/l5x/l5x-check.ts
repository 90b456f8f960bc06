/**
 * `compile` for an L5X: reads the file and checks every rung and ST routine
 * of every program and Add-On Instruction, one rung at a time, so each
 * problem is reported where it is — `MainProgram/Conveyor rung 3` at the
 * line and column of the XML that holds the rung text. The checks are the
 * ladder model's own (the lowering that simulation and ladder-to-st use):
 * undeclared tags, operands of the wrong type, wrong operand counts, bad
 * rung syntax and instructions that are neither Logix instructions nor AOIs
 * are errors; Logix instructions the model does not run yet are warnings
 * (the file is valid Logix, only ladder-to-st and the simulator refuse it).
 */
import type { Diagnostic } from '@plcfleet/protocols';
import type { L5xProject, L5xRoutine } from './l5x-model';
import { L5xError, readL5x } from './l5x-reader';
import { LOGIX_INSTRUCTIONS } from './logix-instructions';
import { LogixScope } from './logix-operands';
import { LoweringError, RllLowering, rllJumps } from './rll-lowering';
import { parseRung, type RllElement, RllSyntaxError } from './rll-parser';
import { projectModelSource } from './sim-model';
import { childEl, childEls, type XElement } from './xml-scanner';

/** What {@link checkL5x} found. */
export interface L5xCheck {
  /** The project, unless the file could not be read. */
  project?: L5xProject;
  /** By position in the file. */
  diagnostics: Diagnostic[];
  /** Lines of the file. */
  lines: number;
  /** Programs and Add-On Instructions read. */
  pous: number;
}

/** The diagnostic codes of an L5X check (one table, like the ST front end's). */
export const L5X_CODES = {
  /** The file is not well-formed XML or not an L5X. */
  unreadable: 'L5X1000',
  /** A rung's neutral text does not parse. */
  rungSyntax: 'L5X1001',
  /** An operand names a tag (or routine) that is not declared. */
  undeclared: 'L5X2001',
  /** An instruction that is neither a Logix instruction nor an AOI of the file. */
  unknownInstruction: 'L5X2002',
  /** An operand of the wrong type (an XIC on a DINT, a TON on a BOOL). */
  operandType: 'L5X2003',
  /** Too few operands, or an operand left unset (`?`). */
  operandCount: 'L5X2004',
  /** A JMP to a label no LBL of its routine has, or one label on two LBLs (Logix Designer's verify refuses both). */
  badLabel: 'L5X2005',
  /** A Logix instruction or construct the model does not run (ladder-to-st refuses it). */
  notModelled: 'L5X3001',
  /** An FBD or SFC routine: kept as it is, not read. */
  notRead: 'L5X3002',
  /** A program the model cannot run (for the safety verifier, which fails closed on it). */
  unmodelled: 'L5X4001',
  /** The model's generated ST does not check (our fault, not the file's; fails its compile). */
  modelInvalid: 'L5X9001',
} as const;

type Kind = Exclude<keyof typeof L5X_CODES, 'unreadable' | 'notRead' | 'unmodelled' | 'modelInvalid'>;

/**
 * Sorts a refusal of the lowering into what kind of problem it is. A missing member is an
 * error for the file's own data types only: a predefined or module-defined structure may
 * have members the model does not list.
 */
function classify(project: L5xProject, reason: string): Kind {
  if (reason.startsWith('rung text: ')) return 'rungSyntax';
  const ins = /^instruction (\S+) is not modelled/.exec(reason);
  if (ins)
    return LOGIX_INSTRUCTIONS.has((ins[1] as string).toUpperCase()) ? 'notModelled' : 'unknownInstruction';
  if (/tag \S+ is not declared|which is not a routine of the program/.test(reason)) return 'undeclared';
  if (/needs \d+ operands|call with \d+ operands|an operand left unset/.test(reason)) return 'operandCount';
  if (
    /is not a (BOOL|TIMER|COUNTER|CONTROL)\b|which is not a TIMER, COUNTER or CONTROL|is not an instance of|on non-numeric operands|which is not numeric|CLR of a non-numeric/.test(
      reason,
    )
  )
    return 'operandType';
  const member = /^member \S+ of \S+ \((\S+)\)/.exec(reason);
  if (member && project.dataTypes.some((d) => d.name.toLowerCase() === (member[1] as string).toLowerCase()))
    return 'operandType';
  return 'notModelled';
}

/** A rung's elements, or undefined when its text does not parse. */
function parseOrUndefined(text: string): RllElement[] | undefined {
  try {
    return parseRung(text);
  } catch {
    return undefined;
  }
}

/** 1-based line and column of a character offset. */
class Positions {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  get lines(): number {
    return this.starts.length;
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }
}

/** Offset in the file where `inner` (text as read, CDATA verbatim) starts inside an element. */
function contentOffset(text: string, el: XElement | undefined, inner: string): number | undefined {
  if (!el) return undefined;
  const raw = text.slice(el.contentStart, el.contentEnd);
  const i = inner === '' ? -1 : raw.indexOf(inner);
  if (i >= 0) return el.contentStart + i;
  const first = /\S/.exec(raw);
  return el.contentStart + (first ? first.index : 0);
}

/**
 * Checks an L5X file. Never throws: an unreadable file is one error.
 *
 * @example
 * const { diagnostics } = checkL5x(readFileSync('Line.L5X'), 'Line.L5X');
 * // Line.L5X:412:7: error L5X2001: MainProgram/Conveyor rung 3: tag Start is not declared
 */
export function checkL5x(
  input: Uint8Array | string,
  file: string,
  options: { syntaxOnly?: boolean } = {},
): L5xCheck {
  let project: L5xProject;
  try {
    project = readL5x(input);
  } catch (e) {
    if (!(e instanceof L5xError)) throw e;
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    const pos = new Positions(text);
    const at = pos.at(e.offset ?? 0);
    return {
      diagnostics: [
        {
          file,
          ...at,
          endLine: at.line,
          endColumn: at.column,
          severity: 'error',
          code: L5X_CODES.unreadable,
          message: `cannot read ${file}: ${e.message}`,
        },
      ],
      lines: pos.lines,
      pous: 0,
    };
  }
  const pos = new Positions(project.text);
  const diagnostics: Diagnostic[] = [];
  const report = (
    offset: number,
    length: number,
    severity: Diagnostic['severity'],
    code: string,
    message: string,
  ) => {
    const a = pos.at(offset);
    const b = pos.at(offset + Math.max(length, 0));
    diagnostics.push({
      file,
      line: a.line,
      column: a.column,
      endLine: b.line,
      endColumn: b.column,
      severity,
      code,
      message,
    });
  };
  // A Program or Routine export carries only part of its controller's context: a name it
  // does not declare may be declared by the controller it is imported into.
  const partial = project.targetType !== 'Controller';
  const refusal = (offset: number, length: number, where: string, reason: string) => {
    const kind = classify(project, reason);
    const severity =
      kind === 'notModelled' || (partial && (kind === 'undeclared' || kind === 'unknownInstruction'))
        ? 'warning'
        : 'error';
    const text =
      kind === 'unknownInstruction'
        ? reason.replace(
            /is not modelled.*$/,
            'is neither a Logix instruction nor an Add-On Instruction of this file',
          )
        : kind === 'notModelled' && !/is not modelled/.test(reason)
          ? `not modelled: ${reason}`
          : reason;
    report(offset, length, severity, L5X_CODES[kind], `${where}: ${text}`);
  };

  const checkRoutine = (
    scope: LogixScope,
    owner: string,
    routine: L5xRoutine,
    program?: L5xProject['programs'][number],
  ) => {
    const path = `${owner}/${routine.name}`;
    if (routine.type === 'ST' && !options.syntaxOnly) {
      const lower = new RllLowering(scope, program);
      try {
        lower.routine(routine, owner);
      } catch (e) {
        if (!(e instanceof LoweringError)) return internal(routine.el.start, path, e);
        if (e.where !== path) return;
        const lineEls = childEls(childEl(routine.el, 'STContent'), 'Line');
        const el = lineEls[e.line ?? 0] ?? lineEls[0];
        const at = contentOffset(project.text, el, routine.lines[e.line ?? 0] ?? '') ?? routine.el.start;
        const reason = e.reason.startsWith(`${path}: `) ? e.reason.slice(path.length + 2) : e.reason;
        refusal(at, 0, `${path} line ${(e.line ?? 0) + 1}`, reason);
      }
      return;
    }
    if (routine.type !== 'RLL') return;
    // a JMP's label must be on exactly one LBL of its routine: the rungs of one that is not are
    // errors here, not instructions left unmodelled
    // (each rung parsed once for both; one that does not parse is reported by the rung check)
    const jumping = !options.syntaxOnly && routine.rungs.some((g) => /\b(JMP|LBL)\s*\(/i.test(g.text));
    const parsed = jumping ? routine.rungs.map((g) => parseOrUndefined(g.text)) : [];
    const badJumpRungs = checkLabels(routine, parsed, path);
    // jumps are placed over the whole routine: each rung is then checked with their labels
    let jumpLabels = new Set<string>();
    if (jumping && parsed.every((es) => es !== undefined)) {
      try {
        jumpLabels = new Set(rllJumps(parsed).map((j) => j.label.toLowerCase()));
      } catch {
        // jumps placed so they do not convert: every JMP rung is then named as not modelled
      }
    }
    for (const rung of routine.rungs) {
      const where = `${path} rung ${rung.number}`;
      const lower = new RllLowering(scope, program, { jumpLabels });
      try {
        if (options.syntaxOnly) parseRung(rung.text);
        else lower.routine({ ...routine, rungs: [rung] }, owner);
      } catch (caught) {
        const e =
          caught instanceof RllSyntaxError
            ? new LoweringError(`rung text: ${caught.message}`, where, caught.offset)
            : caught;
        if (!(e instanceof LoweringError)) {
          internal(rung.el.start, where, e);
          continue;
        }
        // a problem inside a routine this rung calls is reported at that routine's rung
        if (e.where !== where) continue;
        // a subroutine's RET with values is checked where a JSR passes its returns
        if (/^RET with \d+ value\(s\) for 0 return/.test(e.reason)) continue;
        // its jump is already an error (checkLabels)
        if (badJumpRungs.has(rung.number) && /^instruction (JMP|LBL) is not modelled/.test(e.reason))
          continue;
        const base = rungTextOffset(rung);
        const off = e.offset ?? 0;
        const m = /^[A-Za-z_][A-Za-z0-9_]*(\([^()]*\))?/.exec(rung.text.slice(off));
        refusal(base + off, m ? m[0].length : 1, where, e.reason);
      }
    }
  };
  /** Offset in the file where a rung's neutral text starts. */
  const rungTextOffset = (rung: L5xRoutine['rungs'][number]): number =>
    contentOffset(project.text, childEl(rung.el, 'Text'), rung.text) ?? rung.el.start;
  /**
   * Reports each JMP whose label no LBL of the routine has and each LBL repeating a label, at the
   * instruction; the numbers of the rungs reported. Rungs that do not parse are left to the rung check.
   */
  const checkLabels = (
    routine: L5xRoutine,
    parsed: readonly (RllElement[] | undefined)[],
    path: string,
  ): Set<number> => {
    const bad = new Set<number>();
    const found: { name: string; label: string; rung: L5xRoutine['rungs'][number]; offset: number }[] = [];
    const walk = (es: readonly RllElement[], rung: L5xRoutine['rungs'][number]): void => {
      for (const e of es) {
        if (e.kind === 'branch') for (const leg of e.legs) walk(leg, rung);
        else if (e.name === 'JMP' || e.name === 'LBL')
          found.push({ name: e.name, label: (e.operands[0] ?? '').trim(), rung, offset: e.offset });
      }
    };
    parsed.forEach((es, i) => {
      if (es) walk(es, routine.rungs[i]!);
    });
    const at = (f: (typeof found)[number]) => rungTextOffset(f.rung) + f.offset;
    const invalid = (f: (typeof found)[number], what: string) => {
      bad.add(f.rung.number);
      report(
        at(f),
        f.label.length + 5,
        'error',
        L5X_CODES.badLabel,
        `${path} rung ${f.rung.number}: ${what}`,
      );
    };
    const labels = new Map<string, (typeof found)[number]>();
    for (const f of found) {
      if (f.name !== 'LBL') continue;
      const first = labels.get(f.label.toLowerCase());
      if (!first) {
        labels.set(f.label.toLowerCase(), f);
        continue;
      }
      invalid(f, `label ${f.label} is on a second LBL (the first is on rung ${first.rung.number})`);
    }
    for (const f of found)
      if (f.name === 'JMP' && !labels.has(f.label.toLowerCase()))
        invalid(f, `JMP to label ${f.label}, which no LBL of the routine has`);
    return bad;
  };
  const internal = (offset: number, where: string, e: unknown) =>
    report(offset, 0, 'warning', L5X_CODES.notModelled, `${where}: not checked (${(e as Error).message})`);

  for (const aoi of project.aois) {
    const scope = new LogixScope(project, undefined, aoi);
    for (const r of aoi.routines) checkRoutine(scope, `AOI ${aoi.name}`, r);
  }
  for (const program of project.programs) {
    const scope = new LogixScope(project, program);
    for (const r of program.routines) checkRoutine(scope, program.name, r, program);
  }
  for (const w of project.warnings) {
    const el = findRoutineEl(project, w.where);
    report(el?.start ?? 0, 0, 'warning', L5X_CODES.notRead, w.message);
  }
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { project, diagnostics, lines: pos.lines, pous: project.programs.length + project.aois.length };
}

function findRoutineEl(project: L5xProject, where: string): XElement | undefined {
  const slash = where.lastIndexOf('/');
  const owner = where.slice(0, slash);
  const name = where.slice(slash + 1);
  const routines = owner.startsWith('AOI ')
    ? project.aois.find((a) => `AOI ${a.name}` === owner)?.routines
    : project.programs.find((p) => p.name === owner)?.routines;
  return routines?.find((r) => r.name === name)?.el;
}

/** An L5X as the executor's verifiers see it (see {@link modelL5x}). */
export interface L5xModelView extends L5xCheck {
  /** The whole project as ST ({@link projectModelSource}); empty when the file is unreadable. */
  source: string;
  /**
   * Errors for what the model leaves out (a program whose logic it cannot run): not errors in
   * the file, but the safety verifier cannot check such a program and must fail closed.
   */
  unmodelled: Diagnostic[];
  /**
   * By model line (index 0 for line 1): the file's line the model statement comes from (its
   * rung, its Logix ST line), undefined for generated lines.
   */
  lineMap: (number | undefined)[];
}

/**
 * Checks an L5X ({@link checkL5x}) and builds its whole-project model, so compile, the safety
 * verifier, the diff and simulation work on an L5X as on ST: the model's PROGRAMs carry the
 * L5X's program names and its controller tags are globals of their own names.
 */
export function modelL5x(input: Uint8Array | string, file: string): L5xModelView {
  const check = checkL5x(input, file);
  const project = check.project;
  if (!project) return { ...check, source: '', unmodelled: [], lineMap: [] };
  const pos = new Positions(project.text);
  const model = projectModelSource(project);
  const unmodelled = model.refused.map(({ program, error }): Diagnostic => {
    const el = project.programs.find((p) => p.name === program)?.el;
    const at = pos.at(el?.start ?? 0);
    return {
      file,
      ...at,
      endLine: at.line,
      endColumn: at.column,
      severity: 'error',
      code: L5X_CODES.unmodelled,
      message: `program ${program} is not modelled, so it cannot be verified: ${error.message}`,
    };
  });
  const lineMap: (number | undefined)[] = [];
  model.origins.forEach((o, i) => {
    const end = model.origins[i + 1]?.line ?? o.line;
    const line = o.offset < 0 ? undefined : pos.at(o.offset).line;
    for (let l = o.line; l < end; l++) lineMap[l - 1] = line;
  });
  return { ...check, source: model.source, unmodelled, lineMap };
}

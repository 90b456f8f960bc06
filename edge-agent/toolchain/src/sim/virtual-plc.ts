/**
 * The virtual PLC: a compiled program plus its state, run in scan cycles on a
 * virtual clock. Nothing here reads the wall clock; the same inputs give the
 * same outputs, scan for scan.
 */
import {
  type CheckedProject,
  type CompilationUnit,
  checkProject,
  type Expression,
  type FunctionBlockDecl,
  type PouSymbol,
  walk,
} from '../iec';
import { elementCount, flatOffset, subscriptsAt } from './array-layout';
import { CodeGenerator, type GeneratedModule, type ProgramSlot } from './codegen';
import { type PouLayout, ProjectModel, type VarInfo } from './project-model';
import { FaultSignal, makeRuntime, Ref } from './runtime';
import { SIM_ERROR_CODES, SIM_FAULT_CODES, SimError, type SimFault, type SourceLocation } from './sim-errors';
import { resolveProfile, type SimProfile, type SimProfileOptions } from './sim-profile';
import { coerceElementary, elem, type SimType, typeName } from './sim-types';
import { isStdFb, STD_FB_MEMBERS } from './std-fbs';

/** The part of a front-end diagnostic the simulator reads. */
interface Diagnostic {
  severity: string;
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

/** What the simulator compiles: the checker's result (anything with `units` and `diagnostics`) or bare units. */
export type SimProjectInput =
  | {
      units: readonly CompilationUnit[];
      diagnostics?: readonly Diagnostic[];
      /** The checker's bound model of `units` (`loadProject`'s, checked with the project's libraries). */
      checked?: CheckedProject;
      /**
       * Library interface units (`loadProject`'s `libraryUnits`): their types and globals are laid
       * out, a call of one of their body-less POUs is refused (SIM_UNSUPPORTED).
       */
      libraryUnits?: readonly CompilationUnit[];
    }
  | readonly CompilationUnit[];

/** Options of {@link compileProgram}. */
export interface CompileOptions {
  /**
   * The PROGRAM (type name) to run in a default cyclic task, or a CONFIGURATION to run its tasks.
   * @default the only CONFIGURATION, else the only PROGRAM
   */
  program?: string;
  /** Virtual time per scan in ms. @default 10 */
  cycleMs?: number;
  /** Dialect choices. @default see {@link SimProfileOptions} */
  profile?: SimProfileOptions;
}

/** A value as the API exchanges it. */
export type SimValue = boolean | number | bigint | string | null | SimValue[] | { [k: string]: SimValue };

/** Options of {@link VirtualPlc.set} and {@link VirtualPlc.force}. */
export interface SimSetOptions {
  /**
   * Refuse a value the variable's type cannot hold as given (out of range, not whole, too long,
   * a BOOL for a number) instead of converting it (decision 0155).
   * @default false
   */
  exact?: boolean;
}

/** A variable of the running program. */
export interface SimVariable {
  /** Path usable with get/set (`Motor_Run`, `Line2.Speed` for a second program instance, `GVL.x`). */
  name: string;
  /** Type as ST spells it. */
  type: string;
  section: string;
  retain: boolean;
}

/**
 * A timer of the running program, the globals, or an FB instance or structure inside them, whose
 * elapsed time is state a seed from live values cannot set (ADR 0146, 0154).
 *
 * `type` names the kind, which tells a consumer what members the path has:
 * - `TON`, `TOF`, `TP` (IEC 61131-3 §6.6.3.5.4) and `LTON`, `LTOF`, `LTP` (the 3rd edition's
 *   LTIME forms): IN, PT, Q, ET. An L-timer behaves as its TIME twin and is treated like it
 *   (`LTON` as `TON`); only its PT and ET are LTIME, bigint ns through `get`/`accessor` — `pt`
 *   here is ms like every other timer's. Siemens `TON_TIME`/`IEC_TIMER` and their `_LTIME`/
 *   `IEC_LTIMER` forms are these (the SCL reader maps them, decision 0022).
 * - `TIMER` and `FBD_TIMER`: the Logix structures of an L5X program (ladder TON/TOF/RTO,
 *   ST TONR/TOFR/RTOR); members PRE, ACC (ms), EN, TT, DN — no IN, no Q. `in` is EN (TIMER) or
 *   TimerEnable (FBD_TIMER) as last stored, `pt` is PRE. Which instruction drives one is not
 *   part of its state, so there is no TON/TOF/RTO kind to give.
 */
export interface SimTimer {
  /** Path usable with get/set (`T1`, `Unit.Delay`, `Units[2].Delay`, `Axis.Cfg.Delay`). */
  path: string;
  type: 'TON' | 'TOF' | 'TP' | 'LTON' | 'LTOF' | 'LTP' | 'TIMER' | 'FBD_TIMER';
  /** IN and PT (ms) as the instance holds them now (its last call's). */
  in: boolean;
  pt: number;
}

/** The standard FBs listed by {@link VirtualPlc.listTimers}. */
const IEC_TIMERS = { TON: 1, TOF: 1, TP: 1, LTON: 1, LTOF: 1, LTP: 1 } as const;

/**
 * The L5X model's controller clock (`l5x/sim-model.ts`: `LX_CLK : TON`, IN always TRUE, PT 24 d,
 * its ET the millisecond clock every Logix timer reads): no program timer, and state no live value
 * bears on. Listed, it made shadow's horizon 24 days and its settle rule wait 24 days for it.
 */
function isLogixClock(v: VarInfo): boolean {
  return v.name.toUpperCase() === 'LX_CLK' && v.type.kind === 'fb' && v.type.name === 'TON';
}

/**
 * A Logix TIMER or FBD_TIMER as the L5X reader declares it (`l5x/logix-types.ts`): the structure
 * of that name with DINT PRE and ACC and the simulator's hidden `LX_TS`, the clock at its last
 * update, which no live value can set. Recognised by shape because sim/ does not import l5x/
 * (l5x/ imports sim/). Gives the member `in` reports.
 */
function logixTimerIn(
  t: SimType & { kind: 'struct' },
): { type: 'TIMER' | 'FBD_TIMER'; in: string } | undefined {
  const name = t.name.toUpperCase();
  if (name !== 'TIMER' && name !== 'FBD_TIMER') return undefined;
  const dint = (m: string) =>
    t.fields.some((f) => f.name.toUpperCase() === m && f.type.kind === 'elem' && f.type.name === 'DINT');
  if (!dint('PRE') || !dint('ACC') || !dint('LX_TS')) return undefined;
  const input = name === 'TIMER' ? 'EN' : 'TimerEnable';
  const field = t.fields.find((f) => f.name.toUpperCase() === input.toUpperCase());
  return field ? { type: name, in: field.name } : undefined;
}

/** A saved state, for {@link VirtualPlc.restore}. Opaque. */
export interface PlcSnapshot {
  readonly scan: number;
  readonly state: unknown;
  readonly fault: SimFault | null;
  readonly forces: [string, SimValue][];
}

/** The outcome of {@link VirtualPlc.replaceProgram}. */
export interface OnlineChangeResult {
  applied: boolean;
  /** Why the change was refused (when not applied). */
  reason?: string;
  /** Variables whose values were kept (declaration unchanged). */
  kept: string[];
  /** Variables initialised afresh (new, or declaration changed). */
  reinitialised: string[];
}

interface GeneratedApi {
  init(): void;
  run(n: number): void;
  getState(): { G: Record<string, unknown>; P: Record<string, unknown> };
  setState(s: { G: Record<string, unknown>; P: Record<string, unknown> }): void;
  getScan(): number;
  setScan(n: number): void;
}

interface Resolved {
  obj: Record<string | number, unknown>;
  key: string | number;
  type: SimType;
}

/** Units and the check result out of a {@link SimProjectInput}; refuses projects with errors (fail closed). */
function unitsOf(input: SimProjectInput): CompilationUnit[] {
  const units = Array.isArray(input) ? input : (input as { units: readonly CompilationUnit[] }).units;
  const diags = Array.isArray(input)
    ? []
    : ((input as { diagnostics?: readonly Diagnostic[] }).diagnostics ?? []);
  const errors = diags.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const d = errors[0] as Diagnostic;
    throw new SimError(
      SIM_ERROR_CODES.CHECK_FAILED,
      `program does not compile (${errors.length} error(s)): ${d.code} ${d.message}`,
      { file: d.file, line: d.line, column: d.column },
    );
  }
  return [...units];
}

/** Bound models of inputs given without one (bare units, or units with their diagnostics), by units array. */
const boundCache = new WeakMap<readonly CompilationUnit[], CheckedProject>();

/**
 * The project model of an input, built on the checker's bound model: the input's own when it
 * is a CheckedProject, else one checked here (and cached per units array), refused when it has
 * errors — nothing is simulated from a program that does not compile.
 */
function modelOf(input: SimProjectInput): ProjectModel {
  const units = unitsOf(input);
  const libraries = Array.isArray(input)
    ? []
    : [...((input as { libraryUnits?: readonly CompilationUnit[] }).libraryUnits ?? [])];
  const x = input as Partial<CheckedProject> & { checked?: CheckedProject };
  let bound: CheckedProject | undefined = x.checked;
  if (!bound && !Array.isArray(input) && x.references instanceof Map && typeof x.constantOf === 'function')
    bound = input as CheckedProject;
  if (!bound) {
    const key = Array.isArray(input) ? input : (input as { units: readonly CompilationUnit[] }).units;
    bound = boundCache.get(key);
    if (!bound) {
      const checked = checkProject(units, { externals: libraries });
      unitsOf({ units, diagnostics: checked.diagnostics });
      bound = checked.checked;
      boundCache.set(key, bound);
    }
  }
  refuseLibraryCalls(units, bound);
  return new ProjectModel([...libraries, ...units], bound);
}

/** The POU a call runs, when the bound model knows it: a function, method or action, or an FB instance's type. */
function calledPou(callee: Expression, bound: CheckedProject): PouSymbol | undefined {
  const ref = bound.references.get(callee);
  if (ref && 'params' in ref) return ref;
  const t = bound.typeOf(callee);
  return t?.kind === 'fb' ? t.pou : undefined;
}

/**
 * Refuses a program that calls a library POU without a body (a declaration from a library
 * interface file, `@EXTERNAL`): running it as an empty POU would be a silent wrong answer.
 * Decision 0017: the site supplies a behaviour model in ST, which then replaces it.
 */
function refuseLibraryCalls(units: readonly CompilationUnit[], bound: CheckedProject): void {
  for (const u of units) {
    walk(u, (node) => {
      if (node.kind !== 'Call') return undefined;
      const pou = calledPou(node.callee, bound);
      if (!pou?.external) return undefined;
      const owner = pou.parent ? `${pou.parent.name}.` : '';
      const kind = pou.kind === 'functionBlock' ? 'function block' : pou.kind;
      const where = pou.file ?? pou.parent?.file;
      throw new SimError(
        SIM_ERROR_CODES.UNSUPPORTED,
        `library ${kind} '${owner}${pou.name}'${where ? ` (declared in ${where})` : ''} has no body to simulate; supply a behaviour model in ST for it (--models)`,
        { file: node.span.file, line: node.span.line, column: node.span.column },
      );
    });
  }
}

function lower(s: string) {
  return s.toLowerCase();
}

/**
 * Refuses a FUNCTION_BLOCK that cannot run as one instance of its own: a VAR_IN_OUT has no
 * variable to bind to (§6.5.2.2: it must be given at each call), an abstract FB has no body.
 */
function refuseUnitFb(layout: PouLayout): void {
  const decl = layout.decl as FunctionBlockDecl;
  if (decl.abstract || decl.isClass)
    throw new SimError(
      SIM_ERROR_CODES.NO_PROGRAM,
      `${decl.isClass ? 'CLASS' : 'FUNCTION_BLOCK'} ${layout.name} ${decl.isClass ? 'has no body' : 'is abstract'}: nothing to run`,
    );
  const inOut = layout.vars.find((v) => v.section === 'VAR_IN_OUT');
  if (inOut)
    throw new SimError(
      SIM_ERROR_CODES.NO_PROGRAM,
      `FUNCTION_BLOCK ${layout.name} cannot run on its own: VAR_IN_OUT ${inOut.name} must be bound by a caller; call it from a PROGRAM`,
    );
}

/** Chooses the program instances and tasks to run (IEC 61131-3 §6.8.2). */
function selectPrograms(model: ProjectModel, program: string | undefined, cycleMs: number): ProgramSlot[] {
  const progDecls = [...model.fbDecls.values()].filter((d) => d.decl.kind === 'Program');
  const single = (name: string, fbAllowed = false): ProgramSlot[] => {
    const layout = model.layout(name);
    if (layout?.kind === 'fb' && fbAllowed) refuseUnitFb(layout);
    else if (layout?.kind !== 'program') {
      throw new SimError(
        SIM_ERROR_CODES.NO_PROGRAM,
        `no PROGRAM${fbAllowed ? ' or FUNCTION_BLOCK' : ''} named ${name}`,
      );
    }
    return [
      {
        name: layout.name,
        key: 'p0',
        layout,
        task: '$default',
        intervalMs: cycleMs,
        priority: 0,
        retain: false,
      },
    ];
  };
  const fromConfig = (c: (typeof model.configurations)[number]): ProgramSlot[] => {
    const slots: ProgramSlot[] = [];
    const tasks = new Map<string, { interval: number; priority: number }>();
    const scopes = [c.decl, ...c.decl.resources];
    for (const s of scopes) {
      for (const t of s.tasks) {
        tasks.set(lower(t.name), { interval: t.intervalMs ?? cycleMs, priority: t.priorityValue ?? 0 });
      }
    }
    for (const s of scopes) {
      for (const p of s.programs) {
        const layout = model.layout(p.program);
        if (layout?.kind !== 'program') {
          throw new SimError(SIM_ERROR_CODES.NO_PROGRAM, `configuration names unknown PROGRAM ${p.program}`, {
            file: p.span.file,
            line: p.span.line,
            column: p.span.column,
          });
        }
        const task = p.task ? tasks.get(lower(p.task)) : undefined;
        slots.push({
          name: p.name,
          key: `p${slots.length}`,
          layout,
          task: p.task ? lower(p.task) : '$default',
          intervalMs: task?.interval ?? cycleMs,
          priority: task?.priority ?? 0,
          retain: p.retain === 'RETAIN',
          args: p.args,
          span: p.span,
        });
      }
    }
    if (slots.length === 0)
      throw new SimError(SIM_ERROR_CODES.NO_PROGRAM, `configuration ${c.decl.name} runs no program`);
    return slots;
  };
  if (program) {
    const cfg = model.configurations.find((c) => lower(c.decl.name) === lower(program));
    if (cfg) return fromConfig(cfg);
    // a FUNCTION_BLOCK named on its own runs as one instance, called once a scan: the unit
    // under test (its inputs set, its outputs read), as a PLC's test OB would call it
    return single(program, true);
  }
  if (model.configurations.length === 1)
    return fromConfig(model.configurations[0] as (typeof model.configurations)[number]);
  if (progDecls.length === 1) return single((progDecls[0] as (typeof progDecls)[number]).decl.name);
  // a program another POU calls runs inside its caller (decision 0094): when exactly one
  // program is called by none, it is what the PLC runs (a TwinCAT MAIN and its sub-programs)
  const called = calledPrograms(model, new Set(progDecls.map((p) => lower(p.decl.name))));
  const roots = progDecls.filter((p) => !called.has(lower(p.decl.name)));
  if (roots.length === 1) return single((roots[0] as (typeof roots)[number]).decl.name);
  throw new SimError(
    SIM_ERROR_CODES.NO_PROGRAM,
    progDecls.length === 0
      ? 'the project has no PROGRAM (name a FUNCTION_BLOCK with --program to run one instance of it)'
      : `several programs (${(roots.length > 0 ? roots : progDecls).map((p) => p.decl.name).join(', ')}) and no CONFIGURATION or task file: choose one with --program`,
  );
}

/** The programs among `ids` (case-folded) that another POU calls (`PRG();`, `x := PRG(...)`): one walk. */
function calledPrograms(model: ProjectModel, ids: ReadonlySet<string>): Set<string> {
  const called = new Set<string>();
  for (const u of model.units)
    for (const d of u.declarations) {
      // a program calling itself is recursion, not a caller
      const own = 'name' in d && typeof d.name === 'string' ? lower(d.name) : undefined;
      walk(d, (n) => {
        if (n.kind !== 'Call' || n.callee.kind !== 'Identifier') return undefined;
        const callee = lower(n.callee.name);
        if (callee !== own && ids.has(callee)) called.add(callee);
        return undefined;
      });
    }
  return called;
}

/** Deep copy of the state graph, keeping shared objects shared and references pointing into the copy. */
function cloneGraph<T>(v: T, seen = new Map<object, unknown>()): T {
  if (typeof v !== 'object' || v === null) return v;
  const hit = seen.get(v as object);
  if (hit) return hit as T;
  if (v instanceof Ref) {
    const r = new Ref(cloneGraph(v.o, seen), v.k);
    seen.set(v, r);
    return r as T;
  }
  if (Array.isArray(v)) {
    const a: unknown[] = [];
    seen.set(v, a);
    for (const x of v) a.push(cloneGraph(x, seen));
    return a as T;
  }
  const o: Record<string, unknown> = {};
  seen.set(v as object, o);
  for (const [k, x] of Object.entries(v as Record<string, unknown>))
    o[k] = k === '$c' ? x : cloneGraph(x, seen);
  return o as T;
}

/** True when `a` and `b` are both plain containers (not references) of the same kind and size. */
function sameShape(a: object, b: unknown): b is object {
  if (typeof b !== 'object' || b === null || a instanceof Ref || b instanceof Ref) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length;
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k));
}

/**
 * Writes the state graph `src` (a snapshot's) into `dst`, a freshly initialised state of the same
 * program: every container whose shape matches keeps its fresh object and takes the values, so the
 * state keeps the hidden classes the generated code was optimised for (a copy built from `{}` has
 * others, and one of 128 members or more is a dictionary: plant (b) ran 6× slower after a
 * restore). Whatever does not match, shared containers and references are copied as
 * {@link cloneGraph} does, resolved against the containers already paired.
 */
function restoreInto(src: object, dst: object): void {
  const seen = new Map<object, unknown>();
  const later: [Record<string | number, unknown>, string, unknown][] = [];
  const pair = (a: object, b: object) => {
    seen.set(a, b);
    const from = a as Record<string, unknown>;
    const to = b as Record<string, unknown>;
    for (const k of Object.keys(from)) {
      const v = from[k];
      // `$c`, the class table of methods, stays the running code's: a fresh container has its own
      if (k === '$c') {
        if (!Object.hasOwn(to, k)) to[k] = v;
      } else if (typeof v !== 'object' || v === null) to[k] = v;
      else if (!seen.has(v) && sameShape(v, to[k])) pair(v, to[k] as object);
      else later.push([to, k, v]);
    }
  };
  pair(src, dst);
  for (const [to, k, v] of later) to[k] = cloneGraph(v, seen);
}

/**
 * `to[key]` takes `value` from another state: written into the fresh container already there when
 * their shapes match (as {@link restoreInto}), else as a deep copy. A copy built from `{}` beside
 * the program's own instances made V8's code see two hidden classes for one FB type: plant (b)
 * ran at half speed after an online change followed by a restart or a restore.
 */
function carryInto(to: Record<string, unknown>, key: string, value: unknown): void {
  const fresh = to[key];
  if (typeof value === 'object' && value !== null && sameShape(value, fresh)) restoreInto(value, fresh);
  else to[key] = cloneGraph(value);
}

/** A signature of a type's layout: equal signatures mean a value can be carried over in an online change. */
function typeSignature(model: ProjectModel, t: SimType, depth = 0): string {
  if (depth > 16) return '…';
  switch (t.kind) {
    case 'fb': {
      if (isStdFb(t.name)) return t.name;
      const l = model.layout(t.name);
      return `${t.name}{${(l?.vars ?? []).map((v) => `${lower(v.name)}:${typeSignature(model, v.type, depth + 1)}`).join(';')}}`;
    }
    case 'struct':
      return `${lower(t.name)}{${t.fields.map((f) => `${lower(f.name)}:${typeSignature(model, f.type, depth + 1)}`).join(';')}}`;
    case 'enum':
      return `${lower(t.name)}(${t.members.map((m) => `${lower(m.name)}=${m.value}`).join(',')})`;
    case 'array':
      return `[${t.dims.map((d) => `${d.lo}..${d.hi}`).join(',')}]${typeSignature(model, t.elem, depth + 1)}`;
    default:
      return typeName(t);
  }
}

/** A compiled program with its state, run in scan cycles. Create with {@link compileProgram}. */
export class VirtualPlc {
  /** Virtual time per scan in ms. */
  readonly cycleMs: number;
  /** The dialect profile in force. */
  readonly profile: SimProfile;
  /** Milliseconds the last compilation took (parse excluded). */
  compileMs: number;
  private model: ProjectModel;
  private api: GeneratedApi;
  private locations: SourceLocation[];
  private slots: ProgramSlot[];
  /** The hidden instances of PROGRAMs other POUs call (decision 0094). */
  private called: GeneratedModule['calledPrograms'];
  private currentFault: SimFault | null = null;
  private readonly forces = new Map<string, SimValue>();
  private readonly options: CompileOptions;

  /** @internal use {@link compileProgram}. */
  constructor(input: SimProjectInput, options: CompileOptions = {}) {
    this.options = options;
    this.cycleMs = options.cycleMs ?? 10;
    if (!(this.cycleMs > 0)) throw new SimError(SIM_ERROR_CODES.BAD_INPUT, 'cycle time must be positive');
    this.profile = resolveProfile(options.profile);
    const built = this.build(input);
    this.model = built.model;
    this.api = built.api;
    this.locations = built.locations;
    this.slots = built.slots;
    this.called = built.called;
    this.compileMs = built.ms;
    this.api.init();
  }

  private build(input: SimProjectInput) {
    const t0 = performance.now();
    const model = modelOf(input);
    const slots = selectPrograms(model, this.options.program, this.cycleMs);
    const gen = new CodeGenerator(model, this.profile);
    const mod = gen.generate(slots, this.cycleMs);
    const rt = makeRuntime(this.profile);
    let factory: (rt: unknown) => GeneratedApi;
    try {
      factory = new Function('$rt', mod.source) as (rt: unknown) => GeneratedApi;
    } catch (err) {
      throw new SimError(
        SIM_ERROR_CODES.UNSUPPORTED,
        `internal: generated code does not compile: ${String(err)}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    const api = factory(rt);
    return {
      model,
      api,
      locations: mod.locations,
      slots,
      called: mod.calledPrograms,
      ms: performance.now() - t0,
      source: mod.source,
    };
  }

  /** Generated JavaScript (for debugging and the benchmark). */
  static generatedSource(input: SimProjectInput, options: CompileOptions = {}): string {
    const model = modelOf(input);
    const profile = resolveProfile(options.profile);
    const slots = selectPrograms(model, options.program, options.cycleMs ?? 10);
    return new CodeGenerator(model, profile).generate(slots, options.cycleMs ?? 10).source;
  }

  /** Scans executed so far (the next scan's number). */
  get scanCount(): number {
    return this.api.getScan();
  }

  /** Virtual time in ms of the next scan (scan k runs at k × cycleMs). */
  get timeMs(): number {
    return this.api.getScan() * this.cycleMs;
  }

  /** The fault that stopped the PLC, or null while it runs. */
  get fault(): SimFault | null {
    return this.currentFault;
  }

  /** The program instances being run, with their tasks. */
  get programs(): { name: string; program: string; task: string; intervalMs: number; priority: number }[] {
    return this.slots.map((s) => ({
      name: s.name,
      program: s.layout.name,
      task: s.task,
      intervalMs: s.intervalMs,
      priority: s.priority,
    }));
  }

  /**
   * Runs `n` scans (default 1). Stops at a runtime fault and returns it (the PLC stays in STOP:
   * later calls do nothing and return the same fault until a restart).
   */
  scan(n = 1): SimFault | null {
    if (this.currentFault) return this.currentFault;
    try {
      if (this.forces.size === 0) this.api.run(n);
      else {
        for (let i = 0; i < n; i++) {
          this.applyForces();
          this.api.run(1);
          this.applyForces();
        }
      }
    } catch (err) {
      this.currentFault = this.toFault(err);
    }
    return this.currentFault;
  }

  private toFault(err: unknown): SimFault {
    const scan = this.api.getScan();
    const timeMs = scan * this.cycleMs;
    if (err instanceof FaultSignal) {
      const loc = this.locations[err.loc] ?? { file: '', line: 0, column: 0 };
      return { code: err.code, message: err.detail, ...loc, scan, timeMs };
    }
    const first = this.slots[0];
    const where = { file: first?.layout.file ?? '', line: first?.layout.decl.span.line ?? 0, column: 0 };
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return {
        code: SIM_FAULT_CODES.RECURSION,
        message: 'call depth exceeded (recursion)',
        ...where,
        scan,
        timeMs,
      };
    }
    if (err instanceof TypeError) {
      return {
        code: SIM_FAULT_CODES.NULL_REFERENCE,
        message: 'use of an unbound reference',
        ...where,
        scan,
        timeMs,
      };
    }
    return { code: SIM_FAULT_CODES.INTERNAL, message: String(err), ...where, scan, timeMs };
  }

  // ------------------------------------------------------------ variables

  private resolve(path: string): Resolved {
    const parts = path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
    const bad = (why: string): never => {
      throw new SimError(SIM_ERROR_CODES.BAD_PATH, `${path}: ${why}`);
    };
    if (parts.length === 0) bad('empty path');
    const state = this.api.getState();
    let cur: Resolved | undefined;
    let i = 0;
    const first = lower(parts[0] as string);
    const slot = this.slots.find((s) => lower(s.name) === first);
    const main = this.slots[0];
    // a PROGRAM another POU calls: its one instance, by the program's name (0094)
    const called = this.called.find((c) => lower(c.name) === first);
    if (slot && (this.slots.length > 1 || !slot.layout.byName.has(first))) {
      cur = {
        obj: state.P as Record<string, unknown>,
        key: slot.key,
        type: { kind: 'fb', name: slot.layout.id },
      };
      i = 1;
    } else if (main && this.slots.length === 1 && main.layout.byName.has(first)) {
      const v = main.layout.byName.get(first) as VarInfo;
      cur = { obj: state.P[main.key] as Record<string, unknown>, key: v.key, type: v.type };
      i = 1;
    } else if (called) {
      cur = {
        obj: state.P as Record<string, unknown>,
        key: called.key,
        type: { kind: 'fb', name: called.layout.id },
      };
      i = 1;
    } else if (this.model.globals.has(first)) {
      const v = this.model.globals.get(first) as VarInfo;
      cur = { obj: state.G, key: v.key, type: v.type };
      i = 1;
    } else if (this.model.gvls.has(first) && parts[1]) {
      const v = this.model.gvls.get(first)?.get(lower(parts[1]));
      if (!v) bad(`no variable ${parts[1]} in ${parts[0]}`);
      cur = { obj: state.G, key: (v as VarInfo).key, type: (v as VarInfo).type };
      i = 2;
    } else bad(`unknown variable ${parts[0]}`);
    let r = cur as Resolved;
    for (; i < parts.length; i++) {
      r = this.deref(r);
      const part = parts[i] as string;
      const value = r.obj[r.key];
      if (part.startsWith('[')) {
        if (r.type.kind !== 'array') bad(`${part} applied to ${typeName(r.type)}`);
        const at = r.type as SimType & { kind: 'array' };
        const idx = part
          .slice(1, -1)
          .split(',')
          .map((x) => Number(x.trim()));
        if (idx.length !== at.dims.length) bad(`expected ${at.dims.length} subscripts`);
        idx.forEach((k, d) => {
          const dim = at.dims[d] as { lo: number; hi: number };
          if (!Number.isInteger(k) || k < dim.lo || k > dim.hi)
            bad(`index ${k} outside ${dim.lo}..${dim.hi}`);
        });
        r = { obj: value as Record<number, unknown>, key: flatOffset(at.dims, idx), type: at.elem };
        continue;
      }
      const name = lower(part);
      const t = r.type;
      if (t.kind === 'struct') {
        const fi = t.fields.findIndex((f) => lower(f.name) === name);
        if (fi < 0) bad(`no member ${part}`);
        r = {
          obj: value as Record<string, unknown>,
          key: `f${fi}`,
          type: (t.fields[fi] as { type: SimType }).type,
        };
      } else if (t.kind === 'fb' && isStdFb(t.name)) {
        const m = STD_FB_MEMBERS[t.name]?.find((x) => lower(x.name) === name);
        if (!m) bad(`no member ${part} in ${t.name}`);
        r = {
          obj: value as Record<string, unknown>,
          key: (m as { name: string }).name,
          type: elem((m as { type: 'BOOL' }).type),
        };
      } else if (t.kind === 'fb') {
        const v = this.model.layout(t.name)?.byName.get(name);
        if (!v) bad(`no member ${part} in ${typeName(t)}`);
        r = { obj: value as Record<string, unknown>, key: (v as VarInfo).key, type: (v as VarInfo).type };
      } else bad(`${part} applied to ${typeName(t)}`);
    }
    return this.deref(r);
  }

  private deref(r: Resolved): Resolved {
    if (r.type.kind === 'ref' && r.type.implicit) {
      const ref = r.obj[r.key];
      if (ref instanceof Ref) return { obj: ref.o, key: ref.k, type: r.type.target };
    }
    return r;
  }

  private external(v: unknown, t: SimType): SimValue {
    switch (t.kind) {
      case 'elem':
        return v as SimValue;
      case 'enum':
        return t.members.find((m) => m.value === v)?.name ?? (v as number);
      case 'array':
        return (v as unknown[]).map((x) => this.external(x, t.elem));
      case 'struct': {
        const o: Record<string, SimValue> = {};
        t.fields.forEach((f, i) => {
          o[f.name] = this.external((v as Record<string, unknown>)[`f${i}`], f.type);
        });
        return o;
      }
      case 'fb': {
        const o: Record<string, SimValue> = {};
        if (isStdFb(t.name)) {
          for (const m of STD_FB_MEMBERS[t.name] ?? [])
            o[m.name] = (v as Record<string, SimValue>)[m.name] ?? null;
          return o;
        }
        for (const m of this.model.layout(t.name)?.vars ?? []) {
          if (m.type.kind === 'ref' || m.type.kind === 'iface') continue;
          o[m.name] = this.external((v as Record<string, unknown>)[m.key], m.type);
        }
        return o;
      }
      default:
        return null;
    }
  }

  /** Reads a variable by path (`Motor_Run`, `T1.ET`, `Recipe.Steps[3].Temp`, `GVL.x`). TIME is in ms. */
  get(path: string): SimValue {
    const r = this.resolve(path);
    return this.external(r.obj[r.key], r.type);
  }

  /** The type of a variable, as ST spells it. */
  typeOf(path: string): string {
    return typeName(this.resolve(path).type);
  }

  /** The resolved type of a variable (for generators of inputs). */
  simTypeOf(path: string): SimType {
    return this.resolve(path).type;
  }

  /**
   * Writes a variable by path, converted to the variable's type (decision 0155). A value of the
   * wrong kind (an object, a string that is no number for a number) is refused with
   * SIM_BAD_INPUT naming the path, the type and the value. A number the type cannot hold is, by
   * default, converted as a PLC stores it — integers wrap to the width, fractions truncate,
   * STRINGs are cut; with `{ exact: true }` it is refused the same way (`Level: 70000 is not an
   * INT value (-32768..32767)`): for values that should already fit, such as live values seeding
   * the candidate, where a wrap would hide a wrong binding.
   */
  set(path: string, value: SimValue, options: SimSetOptions = {}): void {
    const r = this.resolve(path);
    r.obj[r.key] = this.internal(value, r.type, path, options.exact === true);
  }

  private internal(value: SimValue, t: SimType, path: string, exact: boolean): unknown {
    if (t.kind === 'elem') return coerceElementary(t.name, value, { length: t.length, exact, path });
    if (t.kind === 'enum') {
      if (typeof value === 'string') {
        const m = t.members.find((x) => lower(x.name) === lower(value));
        if (!m)
          throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${path}: ${value} is not a value of ${t.name}`);
        return m.value;
      }
      const n = coerceElementary(t.base, value, { exact, path });
      if (exact && !t.members.some((m) => m.value === n))
        throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${path}: ${value} is not a value of ${t.name}`);
      return Number(n) | 0;
    }
    throw new SimError(
      SIM_ERROR_CODES.BAD_PATH,
      `${path}: only elementary and enumerated variables can be set`,
    );
  }

  /**
   * Forces a variable: it is overwritten with `value` before and after every scan until
   * {@link unforce} (how a PLC programming tool forces I/O; used for injected faults). `options`
   * as for {@link set}, applied when the value is forced.
   */
  force(path: string, value: SimValue, options: SimSetOptions = {}): void {
    this.set(path, value, options);
    this.forces.set(path, value);
  }

  /** Releases a forced variable. */
  unforce(path: string): void {
    this.forces.delete(path);
  }

  private applyForces(): void {
    for (const [p, v] of this.forces) this.set(p, v);
  }

  /** Every variable of the running program instance(s) and the globals. */
  listVariables(): SimVariable[] {
    const out: SimVariable[] = [];
    const multi = this.slots.length > 1;
    for (const s of this.slots) {
      for (const v of s.layout.vars) {
        out.push({
          name: multi ? `${s.name}.${v.name}` : v.name,
          type: typeName(v.type),
          section: v.section,
          retain: v.retain || s.retain,
        });
      }
    }
    for (const v of this.model.globals.values()) {
      out.push({ name: v.name, type: typeName(v.type), section: v.section, retain: v.retain });
    }
    return out;
  }

  /**
   * Every timer whose elapsed time lives in state a seed from live values cannot set (ADR 0146,
   * 0154): the IEC timers TON, TOF, TP and the LTIME ones LTON, LTOF, LTP, and the Logix TIMER
   * and FBD_TIMER structures of an L5X program — declared in the program instance(s) or the
   * globals, or at any depth inside FB instances, structures and arrays of either.
   */
  listTimers(): SimTimer[] {
    const out: SimTimer[] = [];
    const holds = new Map<SimType, boolean>();
    /** Does a value of `t` hold a timer anywhere (memoised per type; a cycle counts as none)? */
    const holdsTimer = (t: SimType): boolean => {
      const known = holds.get(t);
      if (known !== undefined) return known;
      holds.set(t, false);
      let yes = false;
      if (t.kind === 'array') yes = holdsTimer(t.elem);
      else if (t.kind === 'struct')
        yes = logixTimerIn(t) !== undefined || t.fields.some((f) => holdsTimer(f.type));
      else if (t.kind === 'fb') {
        yes = isStdFb(t.name)
          ? Object.hasOwn(IEC_TIMERS, t.name)
          : (this.model.layout(t.name)?.vars ?? []).some((v) => holdsTimer(v.type));
      }
      holds.set(t, yes);
      return yes;
    };
    const read = (path: string) => this.accessor(path).get();
    const walk = (path: string, t: SimType, depth: number): void => {
      if (depth > 32 || !holdsTimer(t)) return;
      if (t.kind === 'array') {
        const n = elementCount(t.dims);
        for (let off = 0; off < n; off++)
          walk(`${path}[${subscriptsAt(t.dims, off).join(',')}]`, t.elem, depth + 1);
      } else if (t.kind === 'struct') {
        const logix = logixTimerIn(t);
        if (logix) {
          const pt = Number(read(`${path}.PRE`));
          out.push({
            path,
            type: logix.type,
            in: read(`${path}.${logix.in}`) === true,
            pt: Number.isFinite(pt) ? pt : 0,
          });
        } else for (const f of t.fields) walk(`${path}.${f.name}`, f.type, depth + 1);
      } else if (t.kind === 'fb' && isStdFb(t.name)) {
        const raw = read(`${path}.PT`);
        // LTIME is bigint ns inside the simulator; every SimTimer's PT is ms
        const pt = typeof raw === 'bigint' ? Number(raw) / 1e6 : Number(raw);
        out.push({
          path,
          type: t.name as SimTimer['type'],
          in: read(`${path}.IN`) === true,
          pt: Number.isFinite(pt) ? pt : 0,
        });
      } else if (t.kind === 'fb') {
        for (const v of this.model.layout(t.name)?.vars ?? []) walk(`${path}.${v.name}`, v.type, depth + 1);
      }
    };
    const multi = this.slots.length > 1;
    for (const s of this.slots)
      for (const v of s.layout.vars)
        if (!isLogixClock(v)) walk(multi ? `${s.name}.${v.name}` : v.name, v.type, 0);
    for (const v of this.model.globals.values()) walk(v.name, v.type, 0);
    return out;
  }

  private namesWhere(pred: (v: VarInfo) => boolean): string[] {
    const multi = this.slots.length > 1;
    const out: string[] = [];
    for (const s of this.slots) {
      for (const v of s.layout.vars) if (pred(v)) out.push(multi ? `${s.name}.${v.name}` : v.name);
    }
    // a PROGRAM another POU calls (0094): its located variables are the plant's; its inputs and
    // outputs are its callers' parameters
    for (const c of this.called)
      for (const v of c.layout.vars) if (v.area && pred(v)) out.push(`${c.name}.${v.name}`);
    for (const v of this.model.globals.values()) if (pred(v)) out.push(v.name);
    return out;
  }

  /** VAR_OUTPUT of the program instance(s) and %Q-located variables — what `simulate` prints by default. */
  outputNames(): string[] {
    return this.namesWhere((v) => (v.section === 'VAR_OUTPUT' && !v.area) || v.area === 'Q');
  }

  /** VAR_INPUT of the program instance(s) and %I-located variables: what the plant writes. */
  inputNames(): string[] {
    return this.namesWhere((v) => (v.section === 'VAR_INPUT' && !v.area) || v.area === 'I');
  }

  /**
   * Low-level access to one variable in the internal representation (bigint for 64-bit types,
   * TIME in ms, enums as numbers), without conversion. For hot loops (equivalence, plant I/O);
   * valid across {@link restore}, not across a restart or an online change — resolve again after those.
   */
  accessor(path: string): { type: SimType; get(): unknown; set(v: unknown): void } {
    const r = this.resolve(path);
    const { obj, key } = r;
    return {
      type: r.type,
      get: () => obj[key],
      set: (v: unknown) => {
        obj[key] = v;
      },
    };
  }

  // ------------------------------------------------------------ state

  /** A copy of the whole state (variables, FB instances, clock, fault, forces). */
  snapshot(): PlcSnapshot {
    return {
      scan: this.api.getScan(),
      state: cloneGraph(this.api.getState()),
      fault: this.currentFault,
      forces: [...this.forces],
    };
  }

  /**
   * Returns to a snapshot taken from this PLC. The running state's containers take the snapshot's
   * values in place (they have the program's own hidden classes, see {@link restoreInto}), so an
   * {@link accessor} taken before stays valid: shadow restores at every take-back and would
   * otherwise resolve every bound tag's path again.
   */
  restore(s: PlcSnapshot): void {
    const state = this.api.getState();
    restoreInto(s.state as object, state);
    this.api.setState(state);
    this.api.setScan(s.scan);
    this.currentFault = s.fault;
    this.forces.clear();
    for (const [p, v] of s.forces) this.forces.set(p, v);
  }

  /**
   * Warm restart (IEC 61131-3 §6.5.6): RETAIN (and PERSISTENT) variables keep their values —
   * also RETAIN members declared inside FB types, in every instance — every other variable
   * returns to its initial value; the fault is cleared, the clock runs on.
   */
  warmRestart(): void {
    const old = this.api.getState();
    const scan = this.api.getScan();
    this.api.init();
    this.api.setScan(scan);
    const now = this.api.getState();
    for (const s of this.slots) {
      this.carryRetain(
        old.P[s.key] as Record<string, unknown>,
        now.P[s.key] as Record<string, unknown>,
        s.layout.vars,
        s.retain,
        0,
      );
    }
    for (const c of this.called)
      this.carryRetain(
        old.P[c.key] as Record<string, unknown>,
        now.P[c.key] as Record<string, unknown>,
        c.layout.vars,
        false,
        0,
      );
    this.carryRetain(old.G, now.G, [...this.model.globals.values()], false, 0);
    this.currentFault = null;
  }

  private carryRetain(
    from: Record<string, unknown>,
    to: Record<string, unknown>,
    vars: VarInfo[],
    all: boolean,
    depth: number,
  ): void {
    if (depth > 32) return;
    const descend = (t: SimType, a: unknown, b: unknown) => {
      if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return;
      if (t.kind === 'fb' && !isStdFb(t.name)) {
        const l = this.model.layout(t.name);
        if (l)
          this.carryRetain(
            a as Record<string, unknown>,
            b as Record<string, unknown>,
            l.vars,
            false,
            depth + 1,
          );
      } else if (t.kind === 'array' && (t.elem.kind === 'fb' || t.elem.kind === 'array')) {
        (a as unknown[]).forEach((x, i) => {
          descend(t.elem, x, (b as unknown[])[i]);
        });
      }
    };
    for (const v of vars) {
      if (all || v.retain) carryInto(to, v.key, from[v.key]);
      else descend(v.type, from[v.key], to[v.key]);
    }
  }

  /** Cold restart: every variable, RETAIN included, returns to its initial value; the clock restarts at 0. */
  coldRestart(): void {
    this.api.init();
    this.api.setScan(0);
    this.currentFault = null;
  }

  /**
   * Online change: replaces the program between scans. Variables and FB instances whose
   * declaration (name and type layout) is unchanged keep their values; new or changed ones
   * start from their initial values. Refused (nothing changes) when the new project does not
   * compile or no longer has the running program instances.
   */
  replaceProgram(input: SimProjectInput): OnlineChangeResult {
    let built: ReturnType<VirtualPlc['build']>;
    try {
      built = this.build(input);
    } catch (err) {
      return {
        applied: false,
        reason: err instanceof Error ? err.message : String(err),
        kept: [],
        reinitialised: [],
      };
    }
    const missing = this.slots.filter((s) => !built.slots.some((n) => lower(n.name) === lower(s.name)));
    if (missing.length > 0) {
      return {
        applied: false,
        reason: `program instance ${missing.map((m) => m.name).join(', ')} no longer exists`,
        kept: [],
        reinitialised: [],
      };
    }
    built.api.init();
    built.api.setScan(this.api.getScan());
    const oldState = this.api.getState();
    const newState = built.api.getState();
    const kept: string[] = [];
    const reinit: string[] = [];
    const carry = (
      oldVars: Map<string, VarInfo>,
      newVars: VarInfo[],
      from: Record<string, unknown>,
      to: Record<string, unknown>,
      prefix: string,
    ) => {
      for (const nv of newVars) {
        const ov = oldVars.get(lower(nv.name));
        const label = prefix + nv.name;
        // References would point into the old state: they are re-bound by the new program instead.
        if (
          ov &&
          nv.type.kind !== 'ref' &&
          nv.type.kind !== 'iface' &&
          typeSignature(this.model, ov.type) === typeSignature(built.model, nv.type)
        ) {
          carryInto(to, nv.key, from[ov.key]);
          kept.push(label);
        } else reinit.push(label);
      }
    };
    carry(this.model.globals, [...built.model.globals.values()], oldState.G, newState.G, '');
    for (const ns of built.slots) {
      const os = this.slots.find((s) => lower(s.name) === lower(ns.name)) as ProgramSlot;
      carry(
        os.layout.byName,
        ns.layout.vars,
        oldState.P[os.key] as Record<string, unknown>,
        newState.P[ns.key] as Record<string, unknown>,
        built.slots.length > 1 ? `${ns.name}.` : '',
      );
    }
    // the instance of a PROGRAM other POUs call keeps its state like a task's instance (0094)
    for (const nc of built.called) {
      const oc = this.called.find((c) => lower(c.name) === lower(nc.name));
      if (oc)
        carry(
          oc.layout.byName,
          nc.layout.vars,
          oldState.P[oc.key] as Record<string, unknown>,
          newState.P[nc.key] as Record<string, unknown>,
          `${nc.name}.`,
        );
      else reinit.push(...nc.layout.vars.map((v) => `${nc.name}.${v.name}`));
    }
    this.model = built.model;
    this.api = built.api;
    this.locations = built.locations;
    this.slots = built.slots;
    this.called = built.called;
    this.compileMs = built.ms;
    return { applied: true, kept, reinitialised: reinit };
  }
}

/**
 * Compiles a checked project once into executable form and returns a virtual PLC ready to scan.
 * Throws {@link SimError} when the project has check errors or uses what the simulator does not run.
 *
 * @example
 * const plc = compileProgram(checked, { program: 'Main', cycleMs: 10 });
 * plc.set('Start_PB', true);
 * plc.scan(100);
 * plc.get('Motor_Run'); // true
 */
export function compileProgram(checked: SimProjectInput, options: CompileOptions = {}): VirtualPlc {
  return new VirtualPlc(checked, options);
}

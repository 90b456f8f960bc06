/**
 * The verifiers the executor's loops call, behind one small interface so that
 * the inner loop (compile + quick safety), the outer loop (full safety,
 * scenarios, equivalence) and the MCP server share them: a thin adapter over
 * the front end (`iec`), the safety verifier (`safety`) and the virtual PLC (`sim`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type Diagnostic,
  diagnosticView,
  type EquivalenceResult as EquivalenceResultSchema,
  type Migration,
  type SafetyFinding,
  type SafetyProof,
  type ScenarioResult as ScenarioResultSchema,
  SitePolicy,
} from '@plcfleet/protocols';
import {
  type CheckedProject,
  type CompilationUnit,
  checkProject,
  configureTree,
  sourceFormat,
  type VarBlock,
} from '@plcfleet/toolchain/iec';
import { type L5xStModel, modelErrors, readL5xModel } from '@plcfleet/toolchain/l5x';
import { verifySafety } from '@plcfleet/toolchain/safety';
import {
  checkEquivalence,
  firstConditionalPragma,
  parseScenarioFile,
  runScenarios,
  type ScenarioFile,
  unconfiguredReason,
  VirtualPlc,
} from '@plcfleet/toolchain/sim';
import { stringify as toYaml } from 'yaml';
import type { z } from 'zod';
import type { ProgramFile } from '../sources';
import {
  type InnerReport,
  type InnerVerify,
  outlineUnit,
  type ParsedFile,
  parseProgramFile,
  type RuleApplication,
  type TraceEvent,
} from '../transform';
import { instantiateCriteria } from './equivalence-criteria';

/** A scenario outcome as the evidence records it. */
export type ScenarioOutcome = z.infer<typeof ScenarioResultSchema>;
/** An equivalence outcome as the evidence records it. */
export type EquivalenceOutcome = z.infer<typeof EquivalenceResultSchema>;

/** The compile verifier's answer. */
export interface CompileReport {
  ok: boolean;
  /** Errors first, then by file and line. */
  diagnostics: Diagnostic[];
  parsed: ParsedFile[];
  /**
   * Rockwell L5X files as their whole-project ST model: checked, verified for safety and
   * simulated with `parsed`, never edited through it (a transformer sees `parsed` only).
   */
  models?: ModelFile[];
}

/** An L5X file and its model (toolchain/l5x `readL5xModel`): one PROGRAM per Logix program. */
interface ModelFile extends Omit<ParsedFile, 'diagnostics'> {
  /** The L5X check's diagnostics, at the file's XML lines and columns. */
  diagnostics: Diagnostic[];
  /** The model's ST: the text the unit's offsets refer to (the file's own text is the L5X). */
  source: string;
  /** Programs the model leaves out: errors only for the safety verifier, which fails closed on them. */
  unmodelled: Diagnostic[];
  /** The model as read: what the compile check's errors on it are reported against. */
  model: L5xStModel;
}

/** The safety verifier's answer (fits the evidence as it is). */
export interface SafetyReport {
  verdict: 'pass' | 'fail';
  findings: SafetyFinding[];
  proofs: z.infer<typeof SafetyProof>[];
}

/** The verifiers of one job. */
export interface Verifiers {
  compile(files: readonly ProgramFile[]): CompileReport;
  safety(before: CompileReport, after: CompileReport, mode: 'quick' | 'full'): Promise<SafetyReport>;
  scenarios(after: CompileReport, files: readonly ScenarioFile[]): ScenarioOutcome[];
  /**
   * Differential equivalence per the migration's criteria, for each PROGRAM the change
   * touches (or the one named); `null` when the migration asks for none.
   */
  equivalence(
    before: CompileReport,
    after: CompileReport,
    applications: readonly RuleApplication[],
    trace?: (e: TraceEvent) => void,
  ): Promise<EquivalenceOutcome | null>;
  /** The inner loop's check (compile + quick safety against `original`). */
  inner(original: readonly ProgramFile[]): InnerVerify;
  /**
   * The units a simulation of a compiled version runs (an L5X as its model): the define set's
   * branches. Throws, naming the pragma, for a version with `{IF}` branches and no define set
   * (decision 0178).
   */
  simulationUnits(r: CompileReport): CompilationUnit[];
}

/** Options of {@link createVerifiers}. */
export interface VerifierOptions {
  migration?: Migration;
  /** The site policy; an empty one (nothing protected) when absent. */
  policy?: SitePolicy | null;
  /** Seed of every simulation. @default the migration's equivalence seed, else 1 */
  seed?: number;
  /**
   * The migration's scenarios, replayed on both programs for a program random inputs
   * cannot drive (an SCL OB1 reads its inputs from a data block).
   */
  scenarios?: readonly ScenarioFile[];
  /**
   * The build's define set (`--define`, agent.yaml's `defines`): the `{IF defined(...)}` branches
   * the simulations and proofs run. Absent, a program with `{IF}` branches is not simulated —
   * equivalence undecided, scenarios and safety proofs fail closed (decision 0178); the compile
   * check still reads every branch.
   */
  defines?: readonly string[];
}

const SEV = { error: 0, warning: 1, info: 2 } as const;

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(
    (a, b) =>
      SEV[a.severity] - SEV[b.severity] ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** An empty policy: nothing protected (used when a site gives none). */
export function emptyPolicy(site = 'unknown'): SitePolicy {
  return SitePolicy.parse({ apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site });
}

/**
 * True for the files the compiler reads (ST, TwinCAT XML, PLCopen XML); a
 * plant's tag maps, HMI files and other XML travel with the program but are
 * not compiled.
 */
export function isCompiledSource(file: ProgramFile): boolean {
  const f = sourceFormat(file.path, file.text.slice(0, 4096));
  return 'readable' in f && f.readable !== 'plcproj';
}

/** True for a Rockwell L5X export (by extension, or an `.xml` whose root is RSLogix5000Content). */
function isL5xFile(file: ProgramFile): boolean {
  if (/\.l5x$/i.test(file.path)) return true;
  const f = sourceFormat(file.path, file.text.slice(0, 4096));
  return 'unsupported' in f && /\bL5X\b/.test(f.unsupported);
}

/** Every unit of a version, L5X models included. */
function unitsOf(r: CompileReport): CompilationUnit[] {
  return [...r.parsed, ...(r.models ?? [])].map((p) => p.unit);
}

/** The text a parsed file's offsets refer to: an L5X model's ST, else the file's. */
function textOf(p: ParsedFile | ModelFile): string {
  return 'source' in p ? p.source : p.file.text;
}

/**
 * An L5X's model (toolchain/l5x `readL5xModel`): the L5X check's diagnostics (at the file's
 * XML lines) and the model parsed. A model that does not parse is our fault, not the file's,
 * but still fails the compile (`L5X9001`).
 */
function modelFile(file: ProgramFile): ModelFile {
  const m = readL5xModel(file.text, file.path);
  return {
    file,
    unit: m.unit,
    diagnostics: m.diagnostics,
    source: m.source,
    unmodelled: m.unmodelled,
    model: m,
  };
}

/** A parse cache keyed by path and text, so that unchanged files are parsed once per job. */
class ParseCache {
  private readonly map = new Map<string, ParsedFile>();
  private readonly models = new Map<string, ModelFile>();
  get(file: ProgramFile): ParsedFile {
    const key = `${file.path}\u0000${file.text}`;
    let p = this.map.get(key);
    if (!p) {
      p = parseProgramFile(file);
      this.map.set(key, p);
    }
    return p;
  }
  model(file: ProgramFile): ModelFile {
    const key = `${file.path}\u0000${file.text}`;
    let m = this.models.get(key);
    if (!m) {
      m = modelFile(file);
      this.models.set(key, m);
    }
    return m;
  }
}

/** Builds the verifiers of one job. */
export function createVerifiers(options: VerifierOptions = {}): Verifiers {
  const cache = new ParseCache();
  const defines = options.defines ? new Set(options.defines) : undefined;
  /**
   * The units simulations and proofs read: the define set's branches (decision 0178), configured
   * once per compile report (the inner loop proves every candidate against the same `before`).
   */
  const configured = new WeakMap<CompileReport, CompilationUnit[]>();
  const simUnits = (r: CompileReport): CompilationUnit[] => {
    if (!defines) return unitsOf(r);
    let units = configured.get(r);
    if (!units) configured.set(r, (units = unitsOf(r).map((u) => configureTree(u, defines))));
    return units;
  };
  /** Why a version cannot be simulated: `{IF}` branches and no define set (decision 0178). */
  const unconfigured = (r: CompileReport): string | undefined => {
    if (defines) return undefined;
    const branch = firstConditionalPragma(unitsOf(r));
    return branch && unconfiguredReason(branch.text, branch.location);
  };
  const policy = options.policy ?? emptyPolicy();
  const seed = options.seed ?? options.migration?.successCriteria.equivalence?.seed ?? 1;
  // The bound model of a version, built once per compile report (the inner loop verifies
  // against the same `before`): safety folds constants and TIME values with it.
  const models = new WeakMap<CompileReport, CheckedProject | undefined>();
  const modelOf = (r: CompileReport): CheckedProject | undefined => {
    if (!models.has(r)) models.set(r, r.ok ? checkProject(simUnits(r)).checked : undefined);
    return models.get(r);
  };
  const project = (r: CompileReport) => {
    const checked = modelOf(r);
    return {
      units: simUnits(r),
      ...(options.defines ? { defines: options.defines } : {}),
      sources: new Map([...r.parsed, ...(r.models ?? [])].map((p) => [p.file.path, textOf(p)])),
      root: '',
      // a program an L5X model leaves out cannot be verified: the verifier fails closed on it
      diagnostics: [...r.diagnostics, ...(r.models ?? []).flatMap((m) => m.unmodelled)].map((d) => ({
        file: d.file,
        line: d.line,
        severity: d.severity,
        code: d.code,
        message: d.message,
      })),
      ...(checked ? { checked } : {}),
    };
  };

  const v: Verifiers = {
    compile(files) {
      const parsed = files.filter(isCompiledSource).map((f) => cache.get(f));
      const l5x = files.filter(isL5xFile).map((f) => cache.model(f));
      const diagnostics = [
        ...parsed.flatMap((p) => p.diagnostics.map(diagnosticView)),
        ...l5x.flatMap((m) => m.diagnostics),
      ];
      if (!diagnostics.some((d) => d.severity === 'error')) {
        const models = new Map(l5x.map((m) => [m.file.path, m.model]));
        const checked = checkProject([...parsed, ...l5x].map((p) => p.unit));
        for (const d of checked.diagnostics) {
          const model = models.get(d.file);
          // the model's own warnings are about generated ST, not the file: only errors count
          diagnostics.push(...(model ? modelErrors(model, [d]) : [diagnosticView(d)]));
        }
      }
      const sorted = sortDiagnostics(diagnostics);
      return {
        ok: !sorted.some((d) => d.severity === 'error'),
        diagnostics: sorted,
        parsed,
        ...(l5x.length > 0 ? { models: l5x } : {}),
      };
    },
    async safety(before, after, mode) {
      const r = await verifySafety({
        before: project(before),
        after: project(after),
        policy,
        ...(options.migration ? { migration: options.migration } : {}),
        seed,
        mode,
      });
      return { verdict: r.verdict, findings: r.findings, proofs: r.proofs };
    },
    scenarios(after, files) {
      if (files.length === 0) return [];
      const out: ScenarioOutcome[] = [];
      const why = unconfigured(after);
      if (why)
        return [
          {
            name: 'scenarios',
            passed: false,
            failures: [{ expectation: 'scenarios run', scan: 0, message: why }],
          },
        ];
      try {
        const r = runScenarios({ units: simUnits(after) }, [...files]);
        for (const f of r.files)
          for (const s of f.scenarios)
            out.push({
              name: `${f.file}: ${s.name}`,
              passed: s.passed,
              failures: [
                ...(s.fault
                  ? [{ expectation: 'no runtime fault', scan: s.scans, message: JSON.stringify(s.fault) }]
                  : []),
                ...s.expectations
                  .filter((e) => !e.passed)
                  .map((e) => ({
                    expectation: `${e.kind} ${e.variable} ${JSON.stringify(e.expected)}`,
                    scan: e.scan ?? 0,
                    message: e.message ?? `got ${JSON.stringify(e.actual)}`,
                  })),
              ],
            });
      } catch (err) {
        // A scenario that cannot run fails closed.
        out.push({
          name: 'scenarios',
          passed: false,
          failures: [{ expectation: 'scenarios run', scan: 0, message: (err as Error).message }],
        });
      }
      return out;
    },
    async equivalence(before, after, applications, trace) {
      const migration = options.migration;
      const criteria = migration?.successCriteria.equivalence;
      if (!migration || !criteria) return null;
      const why = unconfigured(before) ?? unconfigured(after);
      if (why) {
        trace?.({ type: 'equivalence', program: criteria.program ?? '', error: why });
        return undecidedEquivalence(criteria, seed, 0);
      }
      return runEquivalence(
        simUnits(before),
        simUnits(after),
        before,
        after,
        migration,
        criteria,
        applications,
        seed,
        trace ?? (() => {}),
        options.scenarios ?? [],
      );
    },
    simulationUnits(r) {
      const why = unconfigured(r);
      if (why) throw new Error(why);
      return simUnits(r);
    },
    inner(original) {
      const base = v.compile(original);
      return async (files): Promise<InnerReport> => {
        const after = v.compile(files);
        if (!after.ok) return { ok: false, diagnostics: after.diagnostics, findings: [] };
        const s = await v.safety(base, after, 'quick');
        return { ok: s.verdict === 'pass', diagnostics: after.diagnostics, findings: s.findings };
      };
    },
  };
  return v;
}

type Criteria = NonNullable<Migration['successCriteria']['equivalence']>;

/** JSON-safe copy (bigints as strings) so the evidence can be hashed. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

/**
 * PROGRAMs whose text changed; every PROGRAM when anything else changed (a
 * function block, a function, a global list) or when no PROGRAM can be told
 * apart — never none for a real change (fail closed).
 */
function touchedPrograms(before: CompileReport, after: CompileReport): string[] {
  const text = (r: CompileReport) => {
    const m = new Map<string, string>();
    for (const p of [...r.parsed, ...(r.models ?? [])])
      for (const o of outlineUnit(p.unit))
        m.set(
          `${o.kind}:${o.name.toLowerCase()}`,
          o.regions.map((g) => textOf(p).slice(g.offset, g.endOffset)).join('\n'),
        );
    return m;
  };
  const a = text(before);
  const b = text(after);
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
  const programs = [...b.keys()].filter((k) => k.startsWith('Program:') && a.has(k));
  const direct = changed.filter((k) => k.startsWith('Program:') && a.has(k) && b.has(k));
  const pick = changed.some((k) => !k.startsWith('Program:')) || direct.length === 0 ? programs : direct;
  const names = new Map<string, string>();
  for (const p of [...after.parsed, ...(after.models ?? [])])
    for (const o of outlineUnit(p.unit)) if (o.kind === 'Program') names.set(o.name.toLowerCase(), o.name);
  return pick.map((k) => names.get(k.slice('Program:'.length)) ?? k.slice('Program:'.length)).sort();
}

/**
 * Inputs that only the new program declares (a redundant sensor) must be driven
 * too: freely, or as an assumption says. The simulator drives the inputs both
 * programs share, so the old program gets the new inputs declared — unused, so
 * its behaviour is unchanged.
 */
function withNewInputs(
  beforeUnits: CompilationUnit[],
  afterUnits: CompilationUnit[],
  program: string,
  oldPlc: VirtualPlc,
  newPlc: VirtualPlc,
): CompilationUnit[] {
  const oldInputs = new Set(oldPlc.inputNames().map((n) => n.toLowerCase()));
  const extra = newPlc.inputNames().filter((n) => !oldInputs.has(n.toLowerCase()));
  if (extra.length === 0) return beforeUnits;
  const want = new Set(extra.map((n) => n.toLowerCase()));
  const find = (units: CompilationUnit[]) => {
    for (const u of units)
      for (const d of u.declarations)
        if (d.kind === 'Program' && d.name.toLowerCase() === program.toLowerCase()) return { u, d };
    return null;
  };
  const a = find(afterUnits);
  const b = find(beforeUnits);
  if (!a || !b) return beforeUnits;
  const decls = a.d.varBlocks
    .filter((vb) => vb.section === 'VAR_INPUT')
    .flatMap((vb) => vb.decls)
    .filter((d) => d.names.some((n) => want.has(n.name.toLowerCase())));
  if (decls.length === 0) return beforeUnits;
  const block: VarBlock = { ...a.d.varBlocks.find((vb) => vb.section === 'VAR_INPUT')!, decls };
  const prog = { ...b.d, varBlocks: [...b.d.varBlocks, block] };
  const unit = { ...b.u, declarations: b.u.declarations.map((d) => (d === b.d ? prog : d)) };
  return beforeUnits.map((u) => (u === b.u ? unit : u));
}

/** Do the two programs share an input random runs can drive (VAR_INPUT, %I)? */
function sharesInputs(oldPlc: VirtualPlc, newPlc: VirtualPlc): boolean {
  const inNew = new Set(newPlc.inputNames().map((n) => n.toLowerCase()));
  return oldPlc.inputNames().some((n) => inNew.has(n.toLowerCase()));
}

/** Not decided (a program that does not simulate, criteria it cannot use): fails closed. */
function undecidedEquivalence(criteria: Criteria, seed: number, runs: number): EquivalenceOutcome {
  return { equivalent: false, runs, scans: criteria.scans, seed, counterexample: null, claim: 'undecided' };
}

/** Runs the virtual PLC's differential equivalence for each touched PROGRAM; the first difference decides. */
async function runEquivalence(
  beforeUnits: CompilationUnit[],
  afterUnits: CompilationUnit[],
  before: CompileReport,
  after: CompileReport,
  migration: Migration,
  criteria: Criteria,
  applications: readonly RuleApplication[],
  seed: number,
  trace: (e: TraceEvent) => void,
  scenarios: readonly ScenarioFile[],
): Promise<EquivalenceOutcome> {
  const programs = criteria.program ? [criteria.program] : touchedPrograms(before, after);
  let runs = 0;
  const undecided = (runs: number) => undecidedEquivalence(criteria, seed, runs);
  for (const program of programs) {
    let oldPlc: VirtualPlc;
    let newPlc: VirtualPlc;
    try {
      oldPlc = new VirtualPlc({ units: beforeUnits }, { program });
      newPlc = new VirtualPlc({ units: afterUnits }, { program });
    } catch (err) {
      trace({ type: 'equivalence', program, error: (err as Error).message });
      return undecided(runs);
    }
    const oldUnits = withNewInputs(beforeUnits, afterUnits, program, oldPlc, newPlc);
    if (oldUnits !== beforeUnits) oldPlc = new VirtualPlc({ units: oldUnits }, { program });
    const declared = (plc: VirtualPlc) => (name: string) => {
      try {
        plc.typeOf(name);
        return true;
      } catch {
        return false;
      }
    };
    const inNew = declared(newPlc);
    const inBoth = (n: string) => inNew(n) && declared(oldPlc)(n);
    const assume = instantiateCriteria(criteria.assumptions, migration, applications, inNew);
    const relations = instantiateCriteria(criteria.relations, migration, applications, inBoth).filter((r) =>
      inBoth(r.split(':')[0]!.trim()),
    );
    const ignore = criteria.allowedDifferences.filter(inBoth);
    trace({ type: 'equivalence.criteria', program, assume, relations, ignore });
    try {
      const r = checkEquivalence({
        before: { units: oldUnits },
        after: { units: afterUnits },
        program,
        seed,
        runs: criteria.runs,
        scans: criteria.scans,
        assume,
        relations,
        ignore,
        // Only where random inputs cannot reach the program (an SCL OB1 reads a data block):
        // elsewhere the scenarios were already judged on the new program, and replaying them
        // on the old one would compare behaviour the migration changes on purpose.
        ...(scenarios.length && !sharesInputs(oldPlc, newPlc) ? { scenarios: [...scenarios] } : {}),
      });
      runs += r.runs;
      trace({ type: 'equivalence', program, equivalent: r.equivalent, runs: r.runs });
      if (!r.equivalent)
        return {
          equivalent: false,
          runs,
          scans: criteria.scans,
          seed,
          claim: r.counterexample ? 'refuted' : 'undecided',
          counterexample: r.counterexample
            ? (jsonSafe({
                ...r.counterexample,
                variable: `${program}.${r.counterexample.variable}`,
              }) as EquivalenceOutcome['counterexample'])
            : null,
        };
    } catch (err) {
      // Criteria the simulator cannot use (an assumption over a name that is not an input): fail closed.
      trace({ type: 'equivalence', program, error: (err as Error).message });
      return undecided(runs);
    }
  }
  // Seeded random runs that found no difference: evidence, not proof (#14 point 5).
  return { equivalent: true, runs, scans: criteria.scans, seed, counterexample: null, claim: 'not-refuted' };
}

/**
 * Resolves the migration's scenario references: `{ file }` relative to the
 * migration file's folder, or an inline scenario document.
 */
export async function loadScenarioRefs(
  migration: Migration,
  migrationFile?: string,
): Promise<ScenarioFile[]> {
  const out: ScenarioFile[] = [];
  for (const [i, ref] of migration.successCriteria.scenarios.entries()) {
    if ('file' in ref && typeof ref.file === 'string' && Object.keys(ref).length === 1) {
      const path = resolve(migrationFile ? dirname(migrationFile) : '.', ref.file);
      out.push(parseScenarioFile(await readFile(path, 'utf8'), ref.file));
    } else out.push(parseScenarioFile(toYaml(ref), `successCriteria.scenarios[${i}]`));
  }
  return out;
}

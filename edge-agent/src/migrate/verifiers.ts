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
  type EquivalenceResult as EquivalenceResultSchema,
  type Migration,
  type SafetyFinding,
  type SafetyProof,
  type ScenarioResult as ScenarioResultSchema,
  SitePolicy,
} from '@plcfleet/protocols';
import { stringify as toYaml } from 'yaml';
import type { z } from 'zod';
import { verifySafety } from '../safety';
import { parseScenarioFile, runScenarios, type ScenarioFile } from '../sim';
import type { ProgramFile } from '../sources';
import {
  checkParsedFiles,
  type InnerReport,
  type InnerVerify,
  type ParsedFile,
  parseProgramFile,
} from '../transform';

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
  /** `null` when the migration asks for no equivalence. */
  equivalence(before: CompileReport, after: CompileReport): Promise<EquivalenceOutcome | null>;
  /** The inner loop's check (compile + quick safety against `original`). */
  inner(original: readonly ProgramFile[]): InnerVerify;
}

/** Options of {@link createVerifiers}. */
export interface VerifierOptions {
  migration?: Migration;
  /** The site policy; an empty one (nothing protected) when absent. */
  policy?: SitePolicy | null;
  /** Seed of every simulation. @default the migration's equivalence seed, else 1 */
  seed?: number;
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

/** A parse cache keyed by path and text, so that unchanged files are parsed once per job. */
class ParseCache {
  private readonly map = new Map<string, ParsedFile>();
  get(file: ProgramFile): ParsedFile {
    const key = `${file.path}\u0000${file.text}`;
    let p = this.map.get(key);
    if (!p) {
      p = parseProgramFile(file);
      this.map.set(key, p);
    }
    return p;
  }
}

/** Builds the verifiers of one job. */
export function createVerifiers(options: VerifierOptions = {}): Verifiers {
  const cache = new ParseCache();
  const policy = options.policy ?? emptyPolicy();
  const seed = options.seed ?? options.migration?.successCriteria.equivalence?.seed ?? 1;
  const project = (r: CompileReport) => ({
    units: r.parsed.map((p) => p.unit),
    sources: new Map(r.parsed.map((p) => [p.file.path, p.file.text])),
    root: '',
    diagnostics: r.diagnostics.map((d) => ({
      file: d.file,
      line: d.line,
      severity: d.severity,
      code: d.code,
      message: d.message,
    })),
  });

  const v: Verifiers = {
    compile(files) {
      const parsed = files.map((f) => cache.get(f));
      const diagnostics = parsed.flatMap((p) => p.diagnostics.map(stripOffsets));
      if (!diagnostics.some((d) => d.severity === 'error')) diagnostics.push(...checkParsedFiles(parsed));
      const sorted = sortDiagnostics(diagnostics);
      return { ok: !sorted.some((d) => d.severity === 'error'), diagnostics: sorted, parsed };
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
      try {
        const r = runScenarios({ units: after.parsed.map((p) => p.unit) }, [...files]);
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
    async equivalence(before, after) {
      const criteria = options.migration?.successCriteria.equivalence;
      if (!criteria) return null;
      return runEquivalence(before, after, criteria, seed);
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

function stripOffsets(d: Diagnostic): Diagnostic {
  return {
    file: d.file,
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

/** Differential equivalence (placeholder until the virtual PLC exports it): cannot decide, so it refutes nothing and proves nothing. */
async function runEquivalence(
  _before: CompileReport,
  _after: CompileReport,
  criteria: NonNullable<Migration['successCriteria']['equivalence']>,
  seed: number,
): Promise<EquivalenceOutcome> {
  return { equivalent: false, runs: 0, scans: criteria.scans, seed, counterexample: null };
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

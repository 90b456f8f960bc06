/**
 * `ladder-to-st` migrations: the ladder routines of the site's Rockwell L5X or
 * PLCopen XML files (those `scope.files` selects) that match `scope.routines`
 * become ST in the same file,
 * each proven equivalent to its ladder by differential simulation; only proven
 * conversions are written (the rest stay ladder, each with its reason). The
 * change is deterministic (no transformer); the routines and their proofs are
 * listed in the trace and in the evidence's `routines` (`evidence`) as the CLI's
 * JSON, and the equivalence of the evidence sums them up.
 */
import type { ProgramFile } from '../../sources';
import { globToRegExp, matchesAnyGlob, type TransformResult } from '../../transform';
import type { EquivalenceOutcome } from '../verifiers';
import type { KindJob, MigrationKind } from './migration-kind';

/** One routine's outcome, the CLI's JSON form (issue 18). */
interface RoutineOutcome {
  name: string;
  converted: boolean;
  equivalent: boolean;
  runs: number;
  scans: number;
  counterexample: unknown;
  reason: string | null;
}

/** What `change` found, kept for `equivalence` and the scope judge of the same job. */
interface LadderJob {
  routines: (RoutineOutcome & { file: string })[];
  seed: number;
  /** Files the change rewrote, with the routines written as ST in each. */
  written: Map<string, string[]>;
}

const jobs = new WeakMap<TransformResult, LadderJob>();

const isL5x = (f: ProgramFile) => /\.l5x$/i.test(f.path);
const isPlcopen = (f: ProgramFile) => /\.xml$/i.test(f.path) && /<LD\b/.test(f.text);

/** Routine names of a file the globs select; a PLCopen POU `N` is named `N/body`. */
function selected(names: string[], globs: readonly string[]): string[] {
  const res = globs.map((g) => globToRegExp(g, { caseInsensitive: true }));
  return names.filter((n) => res.some((re) => re.test(n)));
}

async function change(job: KindJob): Promise<TransformResult> {
  const { isPlcopenLadderInput, ladderToSt, plcopenLadderToSt, readL5x } = await import(
    '@plcfleet/toolchain/l5x'
  );
  const globs = job.migration.scope.routines ?? [];
  const eq = job.migration.successCriteria.equivalence;
  const seed = eq?.seed ?? 1;
  const options = { seed, ...(eq?.runs ? { runs: eq.runs } : {}), ...(eq?.scans ? { scans: eq.scans } : {}) };
  const state: LadderJob = { routines: [], seed, written: new Map() };
  const files: ProgramFile[] = [];
  for (const f of job.files) {
    const bytes = new Uint8Array(Buffer.from(f.text, 'utf8'));
    let r: { routines: RoutineOutcome[]; output: Uint8Array } | undefined;
    let rename = (n: string) => n;
    if (!matchesAnyGlob(f.path, job.migration.scope.files)) {
      files.push(f);
      continue;
    }
    if (isL5x(f)) {
      const project = readL5x(bytes);
      const names = project.programs.flatMap((p) =>
        p.routines.filter((rt) => rt.type === 'RLL').map((rt) => `${p.name}/${rt.name}`),
      );
      const routines = selected(names, globs);
      if (routines.length > 0) r = ladderToSt(project, { ...options, routines });
    } else if (isPlcopen(f) && isPlcopenLadderInput(f.text.slice(0, 4096))) {
      const pous = [...f.text.matchAll(/<pou\s[^>]*name="([^"]+)"[^>]*>[\s\S]*?<\/pou>/g)]
        .filter((m) => /<body>\s*<LD\b/.test(m[0]))
        .map((m) => `${m[1]}/body`);
      const routines = selected(pous, globs).map((n) => n.slice(0, -'/body'.length));
      rename = (n) => `${n}/body`;
      if (routines.length > 0) r = plcopenLadderToSt(bytes, f.path, { ...options, routines });
    }
    if (!r) {
      files.push(f);
      continue;
    }
    const outcomes = r.routines.map((x) => ({ ...x, name: rename(x.name), file: f.path }));
    state.routines.push(...outcomes);
    const proven = outcomes.filter((x) => x.equivalent).map((x) => x.name);
    if (proven.length > 0) state.written.set(f.path, proven);
    files.push(proven.length > 0 ? { path: f.path, text: Buffer.from(r.output).toString('utf8') } : f);
  }
  job.trace({
    type: 'ladder-to-st',
    routines: state.routines.map(({ file: _file, ...x }) => x),
  });
  const proven = state.routines.filter((x) => x.equivalent).length;
  const total = state.routines.length;
  const refused = state.routines.filter((x) => !x.equivalent);
  const why = refused.length
    ? `; stays ladder: ${refused.map((x) => `${x.name} (${x.reason ?? 'not proven'})`).join('; ')}`
    : '';
  const result: TransformResult = {
    outcome: proven > 0 ? 'changed' : total > 0 ? 'failed' : 'no-change',
    files,
    reason:
      total === 0
        ? `no ladder routine of the project matches ${globs.join(', ')}`
        : `${proven} of ${total} ladder routine(s) converted to ST and proven equivalent${why}`,
    turns: 0,
    tokens: { input: 0, output: 0 },
    applications: [],
  };
  jobs.set(result, state);
  return result;
}

/**
 * The ladder-to-st kind. Each routine is proven as it is converted (the ladder model
 * against the ST written); the evidence's equivalence is their sum: equivalent when every
 * routine written is, with the runs and scans of one routine's proof.
 */
export const ladderToStKind: MigrationKind = {
  transformerName: () => 'none',
  change,
  async equivalence(_job, _after, result): Promise<EquivalenceOutcome | null> {
    const state = jobs.get(result);
    if (!state || state.routines.length === 0) return null;
    const written = state.routines.filter((x) => x.equivalent);
    return {
      equivalent: written.length > 0,
      runs: Math.min(
        ...state.routines.filter((x) => x.converted).map((x) => x.runs),
        Number.MAX_SAFE_INTEGER,
      ),
      scans: Math.max(0, ...state.routines.map((x) => x.scans)),
      seed: state.seed,
      counterexample: null,
      claim: written.length > 0 ? 'not-refuted' : 'undecided',
    };
  },
  scopeJudge(job, _after, result) {
    const state = jobs.get(result);
    const original = new Map(job.files.map((f) => [f.path, f.text]));
    const findings: { code: string; message: string; file?: string }[] = [];
    for (const f of result.files) {
      if (original.get(f.path) === f.text) continue;
      if (!state?.written.has(f.path))
        findings.push({
          code: 'out-of-scope-file',
          message: `${f.path} changed but holds no converted routine`,
          file: f.path,
        });
    }
    const globs = job.migration.scope.routines ?? [];
    for (const [file, names] of state?.written ?? []) {
      for (const n of names)
        if (selected([n], globs).length === 0)
          findings.push({ code: 'out-of-scope-routine', message: `${n} is not in scope.routines`, file });
    }
    return { judge: 'scope', verdict: findings.length ? 'veto' : 'pass', findings };
  },
  evidence(result) {
    const state = jobs.get(result);
    if (!state) return {};
    return { routines: state.routines.map(({ file: _file, ...x }) => ({ ...x })) };
  },
};

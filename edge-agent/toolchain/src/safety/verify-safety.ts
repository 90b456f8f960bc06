/**
 * The safety verifier: every rule over the AST, the data flow and the diff,
 * and (in full mode) the simulation proofs, driven by the site policy.
 *
 * Fail closed: a program that does not parse or check, a policy name that
 * resolves to nothing, a proof that cannot be run — each is a failing
 * finding, never a silent pass. Nothing in here can be overridden.
 */
import { claimText, type Migration, type SafetyFinding, type SitePolicy } from '@plcfleet/protocols';
import type { Statement } from '../iec';
import { walkStatements } from '../iec';
import type { ScenarioFile, VirtualPlc } from '../sim';
import { certifiedFindings } from './certified-rules';
import type { PlantModel } from './differential-sim';
import { forcingFindings } from './forcing-rules';
import { diffPrograms } from './program-diff';
import { ProjectIndex } from './project-index';
import { qualityFindings } from './quality-rules';
import type { SafetyProject } from './safety-project';
import { finding } from './safety-rules';
import type { SafetyProof } from './safety-types';
import { scopeFindings } from './scope-rules';
import {
  inOldNames,
  migrationRenames,
  policyInOldNames,
  type SignalRename,
  undoRenames,
} from './signal-renames';
import { proveSignal } from './simulation-proofs';
import {
  estopFindings,
  estopHits,
  mergedHits,
  removedSignalFindings,
  safetyLogicFindings,
  type UnjudgedOutcome,
  unjudgedSignals,
} from './slice-rules';
import { timingFindings } from './timing-rules';
import { undrivenInputFindings } from './undriven-input-rules';
import { protectedSignals, sliceHits, type VerifyContext } from './verify-context';

const indexes = new WeakMap<readonly unknown[], ProjectIndex>();

/** The index of a project's units, built once per units array (the inner loop verifies against the same `before`). */
function indexOf(p: SafetyProject): ProjectIndex {
  let ix = indexes.get(p.units);
  if (!ix) {
    ix = new ProjectIndex(p.units, p.checked);
    indexes.set(p.units, ix);
  }
  return ix;
}

/** True when every statement inside `stmt` writes only the given keys (or control pseudo-keys). */
function writesOnly(ix: ProjectIndex, stmt: Statement, keys: ReadonlySet<string>): boolean {
  let ok = true;
  walkStatements([stmt], (s) => {
    const a = ix.atomOf.get(s);
    if (a) for (const w of a.writes) if (!keys.has(w) && !w.startsWith('ctl::')) ok = false;
  });
  return ok;
}

/** What {@link verifySafety} checks. */
export interface VerifySafetyOptions {
  /** The program as it is (the reference). */
  before: SafetyProject;
  /** The program as the change leaves it. */
  after: SafetyProject;
  policy: SitePolicy;
  /** The migration; without it the change is judged as `non-safety` (the strictest reading) and scope is not checked. */
  migration?: Migration;
  /** PROGRAM to simulate; by default every PROGRAM that computes the signal. */
  program?: string;
  /** Seed of the simulation inputs. @default migration's equivalence seed, else 1 */
  seed?: number;
  /**
   * `quick`: static rules only (the executor's inner loop); changes that need a simulation
   * proof are E-stop rejections or `needs-proof` warnings. `full`: adds the simulation proofs.
   * @default 'full'
   */
  mode?: 'quick' | 'full';
  /** Random simulation runs per proof. @default 32 */
  runs?: number;
  /** Scans per run. @default from the longest timer preset in the slice (200..1500) */
  scans?: number;
  /** The migration's scenarios, replayed on both versions in every permissive and E-stop proof. @default none */
  scenarios?: readonly ScenarioFile[];
  /**
   * Names the plant's I/O drives besides the program itself (tag map entries: `PROGRAM.var` or a
   * global's name); an input the change adds that is in none of them, nor written, addressed or
   * bound in the program, is reported as undriven. @default none
   */
  ioBindings?: readonly string[];
  /**
   * Variables the change renames (old name → new name): the new program is judged with them
   * undone through its own bound model, and policy names may use either name.
   * @default a tag-change migration's `tagChanges`, else none
   */
  renames?: readonly SignalRename[];
  /**
   * A plant model (`safety --plant FILE --binding FILE`): each version of every proof runs in
   * closed loop with its own plant instance, and the inputs the plant drives are not randomised.
   * A binding end the programs do not declare throws `SimError` BAD_INPUT. @default none
   */
  plant?: PlantModel;
}

/** The verifier's answer. `findings` and `proofs` fit the verdict's evidence as they are. */
export interface SafetyResult {
  verdict: 'pass' | 'fail';
  findings: SafetyFinding[];
  proofs: SafetyProof[];
  /** Wall-clock milliseconds of the verification (not part of any hash). */
  ms: number;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

function sortFindings(list: SafetyFinding[]): SafetyFinding[] {
  return list.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

function result(findings: SafetyFinding[], proofs: SafetyProof[], t0: number): SafetyResult {
  // Dedupe identical findings (the same change reached through several signals).
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const k = `${f.rule}|${f.file}|${f.line}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return {
    verdict: unique.some((f) => f.severity === 'error') ? 'fail' : 'pass',
    findings: sortFindings(unique),
    proofs,
    ms: Math.round((performance.now() - t0) * 10) / 10,
  };
}

/**
 * Verifies that a change is safe under the site policy.
 *
 * @example
 * const r = await verifySafety({ before, after, policy, migration, mode: 'full' });
 * if (r.verdict === 'fail') console.log(r.findings.filter((f) => f.severity === 'error'));
 */
export async function verifySafety(options: VerifySafetyOptions): Promise<SafetyResult> {
  const t0 = performance.now();
  const { before, migration } = options;
  // A renamed signal is the same signal: compare with the renames undone (an unrelated change still shows).
  const renames = options.renames ?? migrationRenames(migration);
  const after = undoRenames(options.after, renames);
  const policy = policyInOldNames(options.policy, renames);
  const ioBindings = options.ioBindings && inOldNames(options.ioBindings, renames);
  const mode = options.mode ?? 'full';
  const findings: SafetyFinding[] = [];
  const proofs: SafetyProof[] = [];

  // Fail closed: both versions must parse and check.
  for (const [label, p] of [
    ['old', before],
    ['new', after],
  ] as const) {
    const errors = p.diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors.slice(0, 5))
      findings.push(
        finding(
          'safety-logic/unparseable',
          'error',
          { file: d.file, line: d.line },
          `the ${label} program does not compile: ${d.code} ${d.message}`,
          {
            code: d.code,
          },
        ),
      );
  }
  if (findings.length > 0) return result(findings, proofs, t0);

  const oldIx = indexOf(before);
  const newIx = indexOf(after);
  const { oldRes, newRes, signals } = protectedSignals(oldIx, newIx, policy);
  for (const u of oldRes.unresolved)
    findings.push(
      finding(
        u.role === 'estop' ? 'estop/unresolved-signal' : 'safety-logic/unresolved-signal',
        'error',
        undefined,
        `policy name ${u.name} does not resolve to a declared variable (global, program variable or PROGRAM.var)`,
        { name: u.name, role: u.role },
      ),
    );
  const ctx: VerifyContext = {
    before,
    after,
    oldIx,
    newIx,
    policy,
    migration,
    safetyRelated: migration?.safetyClass === 'safety-related',
    oldRes,
    newRes,
    signals,
    diff: diffPrograms(oldIx, newIx),
    proven: new Set(),
  };
  const seed = options.seed ?? migration?.successCriteria.equivalence?.seed ?? 1;
  const proofOptions = {
    seed,
    cache: new Map<string, VirtualPlc>(),
    ...(options.program ? { program: options.program } : {}),
    ...(options.runs ? { runs: options.runs } : {}),
    ...(options.scans ? { scans: options.scans } : {}),
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
    ...(options.plant ? { plant: options.plant } : {}),
    ...(ioBindings ? { ioBindings } : {}),
  };

  findings.push(...removedSignalFindings(ctx));

  // estop: any change in the slice; only a simulation proof of equivalence lets it pass.
  const eHits = estopHits(ctx);
  if (eHits.length > 0) {
    const estops = signals.filter((s) => s.role === 'estop' && s.newVars.length > 0);
    // A changed TIME value is never an equivalent change, whatever a finite simulation shows.
    const retimed =
      ctx.policy.protectedTiming && timingFindings(ctx, eHits).some((f) => f.severity === 'error');
    if (mode === 'quick' || estops.length === 0 || retimed)
      findings.push(
        ...estopFindings(
          eHits,
          retimed
            ? 'a TIME value changed'
            : mode === 'quick'
              ? 'quick mode: not proven equivalent'
              : 'signal removed',
        ),
      );
    else {
      // E-stop proofs are rare and decisive: four times the random runs of a permissive check.
      const outcomes = proveSignal(ctx, estops, 'equal', 'estop', {
        ...proofOptions,
        runs: (options.runs ?? 32) * 4,
      });
      proofs.push(...outcomes.map((o) => o.proof));
      const proven = outcomes.every((o) => o.proof.result === 'proven');
      if (proven) {
        const compared = new Set(estops.flatMap((s) => [...s.oldVars, ...s.newVars].map((v) => v.key)));
        for (const { hit } of eHits)
          if (
            hit.what === 'statement' &&
            (!hit.old || writesOnly(oldIx, hit.old, compared)) &&
            (!hit.new || writesOnly(newIx, hit.new, compared))
          ) {
            if (hit.old) ctx.proven.add(hit.old);
            if (hit.new) ctx.proven.add(hit.new);
          }
        findings.push(
          finding(
            'estop/proven-equivalent',
            'info',
            eHits[0]!.hit.at,
            `E-stop logic changed; equivalence ${outcomes.map((o) => claimText(o.proof)).join('; ')}`,
            { changes: eHits.map((h) => h.hit.description) },
          ),
        );
      } else {
        const bad = outcomes.find((o) => o.proof.result !== 'proven')!;
        const why =
          bad.proof.result === 'refuted'
            ? `differs under simulation at scan ${bad.proof.counterexample?.scan ?? '?'}`
            : `not proven: ${bad.reason ?? 'inconclusive'}`;
        findings.push(
          ...estopFindings(eHits, why).map((f) => ({
            ...f,
            evidence: { ...(f.evidence as object), counterexample: bad.proof.counterexample },
          })),
        );
      }
    }
  }

  // Safety signals beside the permissives (feeding none of them): the permissive check does not
  // judge their change, so in full mode each must be shown unchanged by differential simulation.
  const unjudged: UnjudgedOutcome = new Map();
  if (mode === 'full')
    for (const sig of unjudgedSignals(ctx))
      for (const o of proveSignal(ctx, [sig], 'equal', 'equivalence', proofOptions)) {
        proofs.push(o.proof);
        const prev = unjudged.get(sig.name);
        if (prev && !prev.unchanged) continue;
        unjudged.set(
          sig.name,
          o.proof.result === 'proven'
            ? { unchanged: true, why: claimText(o.proof) }
            : o.proof.result === 'refuted'
              ? {
                  unchanged: false,
                  why: `differs under simulation at scan ${o.proof.counterexample?.scan ?? '?'}`,
                  counterexample: o.proof.counterexample,
                }
              : { unchanged: false, why: `could not be shown unchanged (${o.reason ?? 'inconclusive'})` },
        );
      }
  findings.push(...safetyLogicFindings(ctx, unjudged));

  // permissive: the new program never TRUE where the old one is FALSE.
  for (const sig of signals) {
    if (sig.role !== 'permissive' || sig.newVars.length === 0) continue;
    const hits = sliceHits(ctx, sig.oldSlice, sig.newSlice);
    if (hits.length === 0) continue;
    if (mode === 'quick') {
      if (ctx.safetyRelated)
        findings.push(
          finding(
            'permissive/needs-proof',
            'warning',
            hits[0]!.at,
            `${sig.name}: logic changed; the permissive check runs in full mode`,
            {
              signal: sig.name,
            },
          ),
        );
      continue;
    }
    const outcomes = proveSignal(ctx, [sig], 'implies', 'permissive', proofOptions);
    for (const o of outcomes) {
      proofs.push(o.proof);
      if (o.proof.result === 'refuted')
        findings.push(
          finding(
            'permissive/loosened',
            'error',
            hits[0]!.at,
            `${sig.name} is TRUE in the new program where the old one is FALSE (scan ${o.proof.counterexample?.scan ?? '?'} of the counterexample)`,
            { signal: sig.name, program: o.program, counterexample: o.proof.counterexample },
          ),
        );
      else if (o.proof.result === 'inconclusive')
        findings.push(
          finding(
            'permissive/unproven',
            'error',
            hits[0]!.at,
            `${sig.name}: the permissive check could not be decided (${o.reason ?? 'inconclusive'})`,
            {
              signal: sig.name,
              program: o.program,
            },
          ),
        );
    }
  }

  findings.push(...timingFindings(ctx, mergedHits(ctx, signals)));
  findings.push(...certifiedFindings(ctx));
  findings.push(...forcingFindings(ctx));
  findings.push(...scopeFindings(ctx));
  findings.push(...qualityFindings(ctx));
  findings.push(...undrivenInputFindings(ctx, ioBindings));
  return result(findings, proofs, t0);
}

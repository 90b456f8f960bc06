/**
 * estop and safety-logic: changes that fall into the backward slice of an
 * E-stop signal, a safety signal or a permissive.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import { finding } from './safety-rules';
import { type ProtectedSignal, type SliceHit, sliceHits, type VerifyContext } from './verify-context';

/** Slice hits merged over several signals (one entry per changed thing). */
export interface MergedHit {
  hit: SliceHit;
  signals: string[];
}

function hitKey(h: SliceHit): string {
  return `${h.what}|${h.at.file}|${h.at.line}|${h.description}`;
}

/** The changes in the slices of the given signals, each listed once with every signal it reaches. */
export function mergedHits(ctx: VerifyContext, signals: readonly ProtectedSignal[]): MergedHit[] {
  const byKey = new Map<string, MergedHit>();
  for (const s of signals)
    for (const h of sliceHits(ctx, s.oldSlice, s.newSlice)) {
      const key = hitKey(h);
      const m = byKey.get(key);
      if (m) {
        if (!m.signals.includes(s.name)) m.signals.push(s.name);
      } else byKey.set(key, { hit: h, signals: [s.name] });
    }
  return [...byKey.values()];
}

/** Findings for policy signals that the new version no longer declares. */
export function removedSignalFindings(ctx: VerifyContext): SafetyFinding[] {
  const out: SafetyFinding[] = [];
  for (const s of ctx.signals) {
    if (s.newVars.length > 0) continue;
    const at = s.oldVars[0]?.decl.span;
    const rule = s.role === 'estop' ? 'estop/unresolved-signal' : 'safety-logic/unresolved-signal';
    out.push(
      finding(rule, 'error', at, `${s.name} is no longer declared in the new program`, { signal: s.name }),
    );
  }
  return out;
}

/** E-stop slice changes (before any proof). */
export function estopHits(ctx: VerifyContext): MergedHit[] {
  return mergedHits(
    ctx,
    ctx.signals.filter((s) => s.role === 'estop'),
  );
}

/**
 * Whether the permissive checks judge a change of `s`: it is a permissive, or its value feeds one
 * (one of its variables lies in a permissive's slice, so the permissive's proof sees its effect).
 */
export function judgedByPermissive(s: ProtectedSignal, signals: readonly ProtectedSignal[]): boolean {
  if (s.role === 'permissive') return true;
  return signals.some(
    (p) =>
      p.role === 'permissive' &&
      (s.oldVars.some((v) => p.oldSlice.vars.has(v.key)) ||
        s.newVars.some((v) => p.newSlice.vars.has(v.key))),
  );
}

/**
 * Safety signals whose slice a safety-related change touches but that no permissive check judges
 * (a diverter beside the run permissive, reading it mid-scan): the permissive's proof says
 * nothing about them, so each needs its own proof that it is unchanged.
 */
export function unjudgedSignals(ctx: VerifyContext): ProtectedSignal[] {
  if (!ctx.safetyRelated) return [];
  return ctx.signals.filter(
    (s) =>
      s.role === 'safety' &&
      s.newVars.length > 0 &&
      !judgedByPermissive(s, ctx.signals) &&
      sliceHits(ctx, s.oldSlice, s.newSlice).length > 0,
  );
}

/** What the proofs said of the {@link unjudgedSignals}: by name, `undefined` when no proof ran (quick mode). */
export type UnjudgedOutcome = Map<string, { unchanged: boolean; why: string; counterexample?: unknown }>;

/** safety-logic findings: rejections in a non-safety migration, a list for the safety engineer otherwise. */
export function safetyLogicFindings(ctx: VerifyContext, unjudged?: UnjudgedOutcome): SafetyFinding[] {
  const hits = mergedHits(
    ctx,
    ctx.signals.filter((s) => s.role !== 'estop'),
  );
  // In a safety-related migration a change is allowed only where a permissive check covers it.
  const covered = new Set(
    mergedHits(
      ctx,
      ctx.signals.filter((s) => s.role === 'permissive'),
    ).map((m) => hitKey(m.hit)),
  );
  const needsOwnProof = new Set(unjudgedSignals(ctx).map((s) => s.name));
  return hits.map(({ hit, signals }) => {
    if (!ctx.safetyRelated)
      return finding(
        'safety-logic/slice-changed',
        'error',
        hit.at,
        `change in the safety logic of ${signals.join(', ')} in a non-safety migration: ${hit.description}`,
        { signals, change: hit.description },
      );
    if (!covered.has(hitKey(hit)))
      return finding(
        'safety-logic/slice-changed',
        'error',
        hit.at,
        `safety logic of ${signals.join(', ')} changed where no permissive check covers it (cannot be shown to tighten): ${hit.description}`,
        { signals, change: hit.description, coveredByPermissive: false },
      );
    // The permissive check decides for the permissives and what feeds them; a signal beside them
    // passes only on its own proof that it is unchanged.
    const beside = signals.filter((n) => needsOwnProof.has(n));
    const failed = beside.filter((n) => unjudged?.get(n)?.unchanged === false);
    if (failed.length > 0) {
      const first = unjudged!.get(failed[0]!)!;
      return finding(
        'safety-logic/slice-changed',
        'error',
        hit.at,
        `safety logic of ${failed.join(', ')} changed where the permissive check does not judge it (it feeds no permissive) and ${failed[0]} ${first.why}: ${hit.description}`,
        {
          signals,
          change: hit.description,
          coveredByPermissive: true,
          notJudgedByPermissive: failed,
          ...(first.counterexample !== undefined ? { counterexample: first.counterexample } : {}),
        },
      );
    }
    const pending = beside.filter((n) => !unjudged?.has(n));
    return finding(
      'safety-logic/slice-changed',
      'warning',
      hit.at,
      pending.length > 0
        ? `safety logic of ${signals.join(', ')} changed (safety-related migration; for the safety engineer; ${pending.join(', ')} feeds no permissive: its proof that it is unchanged runs in full mode): ${hit.description}`
        : `safety logic of ${signals.join(', ')} changed (safety-related migration; for the safety engineer): ${hit.description}`,
      {
        signals,
        change: hit.description,
        coveredByPermissive: true,
        ...(beside.length > 0 ? { provedUnchanged: beside.filter((n) => unjudged?.has(n)) } : {}),
      },
    );
  });
}

/** estop findings for unproven slice changes. */
export function estopFindings(hits: readonly MergedHit[], reason: string): SafetyFinding[] {
  return hits.map(({ hit, signals }) =>
    finding(
      'estop/slice-changed',
      'error',
      hit.at,
      `change in the E-stop logic of ${signals.join(', ')} (${reason}): ${hit.description}`,
      { signals, change: hit.description },
    ),
  );
}

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

/** safety-logic findings: rejections in a non-safety migration, a list for the safety engineer otherwise. */
export function safetyLogicFindings(ctx: VerifyContext): SafetyFinding[] {
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
    return finding(
      'safety-logic/slice-changed',
      'warning',
      hit.at,
      `safety logic of ${signals.join(', ')} changed (safety-related migration; for the safety engineer): ${hit.description}`,
      { signals, change: hit.description, coveredByPermissive: true },
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

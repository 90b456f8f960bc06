/**
 * The one table of safety-verifier rule ids. Ids are stable: verdict evidence,
 * the corpus and people refer to them. The part before the slash is the
 * finding's category (fixed by issue 6).
 */
import type { SafetyCategory, SafetyFinding } from '@plcfleet/protocols';
import type { Span } from '../iec';

export const SAFETY_RULES = {
  // --- fail closed on input
  'safety-logic/unparseable': 'a program version does not parse or check',
  'safety-logic/unresolved-signal': 'a policy safety signal or permissive names no declared variable',
  'estop/unresolved-signal': 'a policy E-stop signal names no declared variable',
  'certified/unresolved-pou': 'a certified POU named by the policy does not exist',
  // --- estop
  'estop/slice-changed': 'a change in the backward slice of an E-stop signal (not proven equivalent)',
  'estop/proven-equivalent':
    'an E-stop slice change found equivalent by differential simulation (the proof says whether proved or only not refuted)',
  'estop/needs-proof': 'quick mode: an E-stop slice change awaits the simulation proof of full mode',
  // --- safety-logic
  'safety-logic/slice-changed': 'a change in the backward slice of a safety signal or permissive',
  'safety-logic/undriven-input':
    'an input the change adds, read by a protected signal, that nothing drives (no writer, address, binding or tag)',
  // --- permissive
  'permissive/loosened': 'the new program permits (TRUE) where the old one did not, on the same inputs',
  'permissive/unproven': 'the permissive check could not be run or decided',
  'permissive/needs-proof': 'quick mode: a permissive slice change awaits the simulation proof of full mode',
  // --- timing
  'timing/value-changed': 'a TIME value that reaches a safety signal changed',
  'timing/value-removed': 'a TIME value that reaches a safety signal was removed',
  'timing/timer-type-changed': 'a timer reaching a safety signal changed type (TON/TOF/TP)',
  'timing/value-introduced': 'a TIME value introduced by the change reaches a safety signal',
  // --- certified
  'certified/changed': 'a certified POU changed semantically',
  'certified/hash-mismatch': 'a certified POU does not match its pinned semantic hash',
  'certified/call-removed': 'a call of a certified POU (or of an instance of it) was removed',
  // --- forcing
  'forcing/input-write': 'a new write to an input or %I location',
  'forcing/constant-assignment': 'a new assignment of a constant (other than FALSE) to a protected signal',
  'forcing/bypass-or': 'a new OR term in the expression or condition of a protected signal',
  'forcing/override-write': 'a new write overrides a protected signal later in the scan',
  'forcing/interlock-removed': 'a condition that gated a protected signal is gone',
  'forcing/reset-removed': 'a reset (FALSE write) of a protected signal was removed',
  'forcing/pragma': 'a new pragma or attribute that forces values or disables checks',
  'forcing/checks-disabled': 'an implicit check function (CheckBounds, CheckDivInt, ...) was removed',
  // --- scope
  'scope/pou-outside': 'a changed POU lies outside the migration scope',
  'scope/file-outside': 'a changed file lies outside the migration scope',
  'scope/too-many-lines': 'more changed lines than the migration allows',
  // --- quality (warnings only)
  'quality/unreachable-code': 'statements after RETURN/EXIT/CONTINUE/JMP in the same list never run',
  'quality/use-before-init': 'a local read before any write in the body (PLCopen CP3)',
  'quality/real-equality': 'REAL/LREAL compared with = or <> (PLCopen CP8)',
  'quality/time-equality': 'TIME compared with = or <>',
  'quality/recursion': 'a POU calls itself directly or indirectly (PLCopen CP13)',
  'quality/multiple-writes':
    'an output or global written in more than one place (PLCopen CP12 for physical outputs)',
  'quality/for-variable-modified': 'a FOR control variable is written inside its loop',
  'quality/case-without-else': 'CASE without ELSE over a selector its labels do not cover',
  'quality/timer-in-temp': 'a timer instance in VAR_TEMP loses its state every call',
  'quality/division-by-zero': 'a division by a value that may be zero',
  'quality/undriven-input':
    'an input the change adds that nothing drives (no writer, address, binding or tag)',
} as const;

/** A rule id of {@link SAFETY_RULES}. */
export type SafetyRuleId = keyof typeof SAFETY_RULES;

/** The category part of a rule id. */
export function categoryOf(rule: SafetyRuleId): SafetyCategory {
  return rule.slice(0, rule.indexOf('/')) as SafetyCategory;
}

/** Builds a finding at a span (or a file with line 0 when there is no node to point at). */
export function finding(
  rule: SafetyRuleId,
  severity: SafetyFinding['severity'],
  at: Span | { file: string; line: number } | undefined,
  message: string,
  evidence?: unknown,
): SafetyFinding {
  return {
    rule,
    category: categoryOf(rule),
    severity,
    file: at?.file ?? '',
    line: at?.line ?? 0,
    message,
    ...(evidence === undefined ? {} : { evidence }),
  };
}

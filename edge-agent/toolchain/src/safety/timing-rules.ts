/**
 * timing: TIME values (literals, constants, presets, FB parameters and FB
 * defaults) that reach a protected signal must not change — shorter or longer
 * alike. Values a safety-related change introduces are listed, not rejected.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import type { Expression, Initializer, Span, Statement, TimeLiteral, VarDecl } from '../iec';
import { controlExpressions, ownExpressions, timeLiterals, walkStatements } from '../iec';
import type { ProjectIndex } from './project-index';
import { finding } from './safety-rules';
import type { MergedHit } from './slice-rules';
import type { VerifyContext } from './verify-context';

/** Standard timers (IEC 61131-3 §6.6.3.5.3) and the common vendor variants. */
const TIMER_TYPES = new Set([
  'ton',
  'tof',
  'tp',
  'lton',
  'ltof',
  'ltp',
  'ton_time',
  'tof_time',
  'tp_time',
  'rtc',
]);

interface TimeValue {
  ns: bigint;
  raw: string;
  span: Span;
  pou: string;
  signals: string[];
}

function initTimes(init: Initializer | undefined, out: TimeLiteral[]): void {
  if (!init) return;
  if (init.kind === 'ArrayInitializer') {
    for (const e of init.elements) if (e.value) initTimes(e.value, out);
  } else if (init.kind === 'StructInitializer') {
    for (const f of init.fields) initTimes(f.value, out);
  } else out.push(...timeLiterals(init as Expression));
}

function declTimes(d: VarDecl): TimeLiteral[] {
  const out: TimeLiteral[] = [];
  initTimes(d.init, out);
  for (const a of d.constructorArgs ?? []) if (a.value) out.push(...timeLiterals(a.value));
  return out;
}

function statementTimes(s: Statement, headerOnly: boolean): TimeLiteral[] {
  const out: TimeLiteral[] = [];
  if (headerOnly) {
    for (const e of controlExpressions(s)) out.push(...timeLiterals(e));
    return out;
  }
  walkStatements([s], (st) => {
    for (const e of ownExpressions(st)) out.push(...timeLiterals(e));
  });
  return out;
}

/** TIME defaults of the inputs of a user FB type (what a new instance brings with it). */
function fbDefaults(ix: ProjectIndex, typeName: string | undefined): TimeLiteral[] {
  if (!typeName) return [];
  const pou = ix.pous.get(typeName);
  if (pou?.kind !== 'FunctionBlock') return [];
  const out: TimeLiteral[] = [];
  for (const b of pou.decl.varBlocks)
    if (b.section === 'VAR_INPUT') for (const d of b.decls) out.push(...declTimes(d));
  return out;
}

/** timing findings for the changes that fall into protected slices. */
export function timingFindings(ctx: VerifyContext, hits: readonly MergedHit[]): SafetyFinding[] {
  if (!ctx.policy.protectedTiming) return [];
  const out: SafetyFinding[] = [];
  const removed: TimeValue[] = [];
  const added: TimeValue[] = [];
  const push = (list: TimeValue[], lits: TimeLiteral[], pou: string, signals: string[]): void => {
    for (const l of lits) list.push({ ns: l.ns, raw: l.raw, span: l.span, pou, signals });
  };
  for (const { hit, signals } of hits) {
    // A header-only change: the nested statements are reported as changes of their own.
    const headerOnly = hit.headerOnly === true;
    if (hit.old)
      push(
        removed,
        statementTimes(hit.old, headerOnly),
        ctx.oldIx.bodyOf.get(hit.old)?.pou.id ?? '',
        signals,
      );
    if (hit.new)
      push(added, statementTimes(hit.new, headerOnly), ctx.newIx.bodyOf.get(hit.new)?.pou.id ?? '', signals);
    const o = hit.oldDecl;
    const n = hit.newDecl;
    if (o) push(removed, declTimes(o.decl), o.scope, signals);
    if (n) push(added, declTimes(n.decl), n.scope, signals);
    if (n && !o) push(added, fbDefaults(ctx.newIx, n.typeName), n.scope, signals);
    if (
      o &&
      n &&
      o.typeName !== n.typeName &&
      (TIMER_TYPES.has(o.typeName ?? '') || TIMER_TYPES.has(n.typeName ?? ''))
    )
      out.push(
        finding(
          'timing/timer-type-changed',
          'error',
          n.decl.span,
          `timer ${n.name} reaching ${signals.join(', ')} changed from ${o.typeName?.toUpperCase()} to ${n.typeName?.toUpperCase()}`,
          { signals, variable: n.name, before: o.typeName?.toUpperCase(), after: n.typeName?.toUpperCase() },
        ),
      );
  }
  // A value that only moved is not a change: cancel equal values first.
  for (let i = removed.length - 1; i >= 0; i--) {
    const r = removed[i]!;
    const j = added.findIndex((a) => a.ns === r.ns && a.pou === r.pou);
    if (j >= 0) {
      removed.splice(i, 1);
      added.splice(j, 1);
    }
  }
  for (const r of removed) {
    const j = added.findIndex((a) => a.pou === r.pou);
    if (j >= 0) {
      const a = added.splice(j, 1)[0]!;
      const direction = a.ns < r.ns ? 'shortened' : 'lengthened';
      out.push(
        finding(
          'timing/value-changed',
          'error',
          a.span,
          `TIME value reaching ${r.signals.join(', ')} ${direction}: ${r.raw} became ${a.raw}`,
          {
            signals: r.signals,
            before: r.raw,
            after: a.raw,
            line: { before: r.span.line, after: a.span.line },
          },
        ),
      );
    } else
      out.push(
        finding(
          'timing/value-removed',
          'error',
          r.span,
          `TIME value ${r.raw} reaching ${r.signals.join(', ')} was removed`,
          { signals: r.signals, before: r.raw },
        ),
      );
  }
  for (const a of added)
    out.push(
      finding(
        'timing/value-introduced',
        ctx.safetyRelated ? 'warning' : 'error',
        a.span,
        `TIME value ${a.raw} introduced by the change reaches ${a.signals.join(', ')}${
          ctx.safetyRelated ? ' (for the safety engineer)' : ''
        }`,
        { signals: a.signals, after: a.raw },
      ),
    );
  return out;
}

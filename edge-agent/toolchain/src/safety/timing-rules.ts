/**
 * timing: TIME values (literals, constants, presets, FB parameters and FB
 * defaults) that reach a protected signal must not change — shorter or longer
 * alike. Values a safety-related change introduces are listed, not rejected.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import type { Expression, Initializer, Span, Statement, Type, VarDecl } from '../iec';
import { controlExpressions, ownExpressions, subExpressions, walkStatements } from '../iec';
import type { ProjectIndex } from './project-index';
import type { SafetyProject } from './safety-project';
import { finding } from './safety-rules';
import type { MergedHit } from './slice-rules';
import { sourceText, type VerifyContext } from './verify-context';

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

/** A TIME value as written: a literal, or a constant expression the bound model folds. */
interface TimeRef {
  ns: bigint;
  raw: string;
  span: Span;
}

/** Where the values of one program version come from: its bound model and source text. */
interface TimeSource {
  project: SafetyProject;
  /** The POU whose scope resolves names (undefined: globals only). */
  pou: string | undefined;
}

function isTimeType(t: Type | undefined): boolean {
  return t?.kind === 'elementary' && (t.name === 'TIME' || t.name === 'LTIME');
}

/**
 * The TIME values of an expression: each largest TIME-typed constant subexpression, folded by
 * the bound model (`T#1S * 2`, `BASE_T + T#200MS`, a TIME constant's name), else the TIME
 * literals inside. So `T#1S * 2` becoming `T#1S * 3` is a changed value, and `DWELL_T`
 * becoming `T#300MS` with DWELL_T = T#300MS is none.
 */
function exprTimes(e: Expression, src: TimeSource, out: TimeRef[]): void {
  const model = src.project.checked;
  const stack: Expression[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'TimeLiteral') {
      out.push({ ns: x.ns, raw: x.raw, span: x.span });
      continue;
    }
    if (model && isTimeType(model.typeOf(x))) {
      const v = model.constantOf(x, src.pou);
      if (typeof v === 'number') {
        out.push({ ns: BigInt(Math.round(v * 1e6)), raw: sourceText(src.project, x.span), span: x.span });
        continue;
      }
    }
    stack.push(...subExpressions(x));
  }
}

function initTimes(init: Initializer | undefined, src: TimeSource, out: TimeRef[]): void {
  if (!init) return;
  if (init.kind === 'ArrayInitializer') {
    for (const e of init.elements) if (e.value) initTimes(e.value, src, out);
  } else if (init.kind === 'StructInitializer') {
    for (const f of init.fields) initTimes(f.value, src, out);
  } else exprTimes(init as Expression, src, out);
}

function declTimes(d: VarDecl, src: TimeSource): TimeRef[] {
  const out: TimeRef[] = [];
  initTimes(d.init, src, out);
  for (const a of d.constructorArgs ?? []) if (a.value) exprTimes(a.value, src, out);
  return out;
}

function statementTimes(s: Statement, headerOnly: boolean, src: TimeSource): TimeRef[] {
  const out: TimeRef[] = [];
  if (headerOnly) {
    for (const e of controlExpressions(s)) exprTimes(e, src, out);
    return out;
  }
  walkStatements([s], (st) => {
    for (const e of ownExpressions(st)) exprTimes(e, src, out);
  });
  return out;
}

/** TIME defaults of the inputs of a user FB type (what a new instance brings with it). */
function fbDefaults(ix: ProjectIndex, project: SafetyProject, typeName: string | undefined): TimeRef[] {
  if (!typeName) return [];
  const pou = ix.pous.get(typeName);
  if (pou?.kind !== 'FunctionBlock') return [];
  const out: TimeRef[] = [];
  for (const b of pou.decl.varBlocks)
    if (b.section === 'VAR_INPUT')
      for (const d of b.decls) out.push(...declTimes(d, { project, pou: pou.name }));
  return out;
}

/** timing findings for the changes that fall into protected slices. */
export function timingFindings(ctx: VerifyContext, hits: readonly MergedHit[]): SafetyFinding[] {
  if (!ctx.policy.protectedTiming) return [];
  const out: SafetyFinding[] = [];
  const removed: TimeValue[] = [];
  const added: TimeValue[] = [];
  const push = (list: TimeValue[], lits: TimeRef[], pou: string, signals: string[]): void => {
    for (const l of lits) list.push({ ns: l.ns, raw: l.raw, span: l.span, pou, signals });
  };
  for (const { hit, signals } of hits) {
    // A header-only change: the nested statements are reported as changes of their own.
    const headerOnly = hit.headerOnly === true;
    const fromStatement = (list: TimeValue[], s: Statement, ix: ProjectIndex, project: SafetyProject) => {
      const pou = ix.bodyOf.get(s)?.pou;
      push(list, statementTimes(s, headerOnly, { project, pou: pou?.name }), pou?.id ?? '', signals);
    };
    if (hit.old) fromStatement(removed, hit.old, ctx.oldIx, ctx.before);
    if (hit.new) fromStatement(added, hit.new, ctx.newIx, ctx.after);
    const o = hit.oldDecl;
    const n = hit.newDecl;
    const scopeOf = (ix: ProjectIndex, scope: string) => ix.pous.get(scope)?.name;
    if (o)
      push(
        removed,
        declTimes(o.decl, { project: ctx.before, pou: scopeOf(ctx.oldIx, o.scope) }),
        o.scope,
        signals,
      );
    if (n)
      push(
        added,
        declTimes(n.decl, { project: ctx.after, pou: scopeOf(ctx.newIx, n.scope) }),
        n.scope,
        signals,
      );
    if (n && !o) push(added, fbDefaults(ctx.newIx, ctx.after, n.typeName), n.scope, signals);
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

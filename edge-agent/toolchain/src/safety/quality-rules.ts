/**
 * quality: PLCopen coding-guideline and static-analysis classics that matter
 * for safety code, reported on the POUs the change touches. Always warnings:
 * never alone a reason to reject.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import type { Expression, Statement } from '../iec';
import {
  childBodies,
  controlExpressions,
  ownExpressions,
  unparen,
  walkExpression,
  walkStatements,
} from '../iec';
import type { BodyEntry, ProjectIndex, VarEntry } from './project-index';
import { finding } from './safety-rules';
import type { VerifyContext } from './verify-context';

const TIMER_TYPES = new Set(['ton', 'tof', 'tp', 'lton', 'ltof', 'ltp']);
const REAL_TYPES = new Set(['real', 'lreal']);
const TIME_TYPES = new Set(['time', 'ltime']);
const TRANSFER = new Set(['Return', 'Exit', 'Continue', 'Jump']);

function exprType(ix: ProjectIndex, e: Expression): string | undefined {
  const x = unparen(e);
  if (x.kind === 'RealLiteral') return 'real';
  if (x.kind === 'TimeLiteral') return 'time';
  if (x.kind === 'Identifier') return ix.varOf(x)?.typeName;
  return undefined;
}

/** quality findings on the changed and added POUs of the new version. */
export function qualityFindings(ctx: VerifyContext): SafetyFinding[] {
  const ix = ctx.newIx;
  const changed = new Set(ctx.diff.pous.filter((p) => p.kind !== 'removed').map((p) => p.id));
  const out: SafetyFinding[] = [];
  for (const body of ix.bodies) {
    if (!changed.has(body.pou.id)) continue;
    unreachable(body.statements, out);
    walkStatements(body.statements, (s) => {
      for (const e of ownExpressions(s))
        walkExpression(e, (x) => {
          if (x.kind !== 'Binary') return;
          if (x.operator === '=' || x.operator === '<>') {
            const types = [exprType(ix, x.left), exprType(ix, x.right)];
            if (types.some((t) => t && REAL_TYPES.has(t)))
              out.push(
                finding(
                  'quality/real-equality',
                  'warning',
                  x.span,
                  'REAL compared with = or <>: compare with a tolerance (PLCopen CP8)',
                ),
              );
            else if (types.some((t) => t && TIME_TYPES.has(t)))
              out.push(
                finding(
                  'quality/time-equality',
                  'warning',
                  x.span,
                  'TIME compared with = or <>: a timer value is rarely hit exactly; use >= or <=',
                ),
              );
          }
          if (x.operator === '/' || x.operator === 'MOD') divisor(ix, s, x.right, out);
        });
      if (s.kind === 'For') {
        const v = s.variable.name.toLowerCase();
        walkStatements(s.body, (inner) => {
          if (inner.kind === 'Assignment' && unparen(inner.target).kind === 'Identifier') {
            const t = unparen(inner.target);
            if (t.kind === 'Identifier' && t.name.toLowerCase() === v)
              out.push(
                finding(
                  'quality/for-variable-modified',
                  'warning',
                  inner.span,
                  `FOR variable ${s.variable.name} is written inside its loop`,
                ),
              );
          }
        });
      }
      if (s.kind === 'Case' && !s.else && !enumCovered(ix, s))
        out.push(
          finding(
            'quality/case-without-else',
            'warning',
            s.span,
            'CASE without ELSE: an unexpected selector value does nothing',
          ),
        );
    });
    useBeforeInit(ix, body, out);
  }
  for (const v of ix.vars.values()) {
    const pou = v.scope.split('.')[0]!;
    if (!changed.has(pou)) continue;
    if (v.section === 'VAR_TEMP' && v.typeName && TIMER_TYPES.has(v.typeName))
      out.push(
        finding(
          'quality/timer-in-temp',
          'warning',
          v.decl.span,
          `timer ${v.name} in VAR_TEMP restarts every call`,
        ),
      );
  }
  multipleWrites(ix, changed, out);
  recursion(ix, changed, out);
  return out;
}

function unreachable(list: readonly Statement[], out: SafetyFinding[]): void {
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    for (const k of childBodies(s)) unreachable(k, out);
    const next = list[i + 1];
    if (TRANSFER.has(s.kind) && next && next.kind !== 'Label') {
      out.push(
        finding(
          'quality/unreachable-code',
          'warning',
          next.span,
          `statement after ${s.kind.toUpperCase()} never runs`,
        ),
      );
      return;
    }
  }
}

function divisor(ix: ProjectIndex, s: Statement, e: Expression, out: SafetyFinding[]): void {
  const x = unparen(e);
  if (x.kind === 'IntegerLiteral' || x.kind === 'RealLiteral') {
    if (Number(x.value) === 0)
      out.push(finding('quality/division-by-zero', 'warning', x.span, 'division by zero'));
    return;
  }
  if (x.kind !== 'Identifier') return;
  const v = ix.varOf(x);
  if (!v || v.constant) return;
  // Guarded when an enclosing condition mentions the divisor.
  const name = x.name.toLowerCase();
  let p: Statement | undefined = ix.parentOf.get(s);
  for (let depth = 0; p && depth < 64; depth++) {
    for (const c of controlExpressions(p)) {
      let found = false;
      walkExpression(c, (y) => {
        if (y.kind === 'Identifier' && y.name.toLowerCase() === name) found = true;
      });
      if (found) return;
    }
    p = ix.parentOf.get(p);
  }
  out.push(
    finding('quality/division-by-zero', 'warning', x.span, `division by ${x.name}, which may be zero here`),
  );
}

function enumCovered(ix: ProjectIndex, s: Statement & { kind: 'Case' }): boolean {
  const sel = unparen(s.selector);
  if (sel.kind !== 'Identifier') return false;
  const t = ix.varOf(sel)?.typeName;
  if (!t) return false;
  for (const u of ix.units)
    for (const d of u.declarations)
      if (d.kind === 'TypeBlock')
        for (const td of d.types)
          if (td.name.toLowerCase() === t && td.type.kind === 'EnumType') {
            const labels = s.branches.reduce((n, b) => n + b.labels.length, 0);
            return labels >= td.type.values.length;
          }
  return false;
}

function useBeforeInit(ix: ProjectIndex, body: BodyEntry, out: SafetyFinding[]): void {
  const candidates = (v: VarEntry): boolean =>
    !v.decl.init &&
    !v.typeName?.match(/^(ton|tof|tp|r_trig|f_trig|ctu|ctd|ctud|sr|rs)$/) &&
    !ix.pous.has(v.typeName ?? '') &&
    (v.section === 'VAR_TEMP' || (body.pou.kind === 'Function' && v.section === 'VAR'));
  const written = new Set<string>();
  const reported = new Set<string>();
  for (const a of ix.atoms) {
    if (a.body !== body) continue;
    for (const r of a.reads) {
      const v = ix.vars.get(r);
      if (!v || written.has(r) || reported.has(r) || !candidates(v)) continue;
      if (a.writes.includes(r) && a.stmt.kind === 'Assignment') continue;
      reported.add(r);
      out.push(
        finding(
          'quality/use-before-init',
          'warning',
          a.stmt.span,
          `${v.name} is read before it is written (PLCopen CP3)`,
        ),
      );
    }
    for (const w of a.writes) written.add(w);
  }
}

function multipleWrites(ix: ProjectIndex, changed: Set<string>, out: SafetyFinding[]): void {
  for (const [key, writers] of ix.writers) {
    const v = ix.vars.get(key);
    if (!v || writers.length < 2 || !writers.some((w) => changed.has(w.body.pou.id))) continue;
    const physical = v.decl.location?.area === 'Q';
    const pous = new Set(writers.map((w) => w.body.pou.id));
    if (physical)
      out.push(
        finding(
          'quality/multiple-writes',
          'warning',
          writers[1]!.stmt.span,
          `physical output ${v.name} is written in ${writers.length} places (PLCopen CP12)`,
        ),
      );
    else if (v.scope === 'global' && pous.size > 1)
      out.push(
        finding(
          'quality/multiple-writes',
          'warning',
          writers[1]!.stmt.span,
          `global ${v.name} is written in ${pous.size} POUs`,
        ),
      );
  }
}

function recursion(ix: ProjectIndex, changed: Set<string>, out: SafetyFinding[]): void {
  const graph = new Map<string, Set<string>>();
  for (const a of ix.atoms) {
    const set = graph.get(a.body.pou.id) ?? new Set<string>();
    for (const c of a.calls) set.add(c);
    graph.set(a.body.pou.id, set);
  }
  for (const id of changed) {
    const seen = new Set<string>();
    const work = [...(graph.get(id) ?? [])];
    while (work.length > 0) {
      const cur = work.pop()!;
      if (cur === id) {
        const pou = ix.pous.get(id)!;
        out.push(
          finding(
            'quality/recursion',
            'warning',
            pou.decl.span,
            `${pou.name} calls itself directly or indirectly (PLCopen CP13)`,
          ),
        );
        break;
      }
      if (seen.has(cur)) continue;
      seen.add(cur);
      for (const n of graph.get(cur) ?? []) work.push(n);
    }
  }
}

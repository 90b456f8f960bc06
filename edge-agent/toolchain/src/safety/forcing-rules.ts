/**
 * forcing: the ways field changes defeat safety logic without touching the
 * safety function itself — writes to inputs, constants forced onto protected
 * signals, bypass terms OR-ed in, late overriding writes, interlocks and
 * resets that disappear, forcing pragmas and removed implicit checks.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import type { Expression, IfStatement, Pragma, Statement } from '../iec';
import {
  type CheckedProject,
  type ConstantValue,
  controlExpressions,
  evaluateConstant,
  unparen,
  visit,
  walkStatements,
} from '../iec';
import { canonical } from './canonical-ast';
import {
  type Atom,
  assignmentTargets,
  type BodyEntry,
  type ProjectIndex,
  type VarEntry,
} from './project-index';
import { finding } from './safety-rules';
import { sourceText, type VerifyContext } from './verify-context';

/** Every atom inside the given statements (nested ones included). */
function atomsIn(ix: ProjectIndex, stmts: readonly Statement[]): Atom[] {
  const out: Atom[] = [];
  walkStatements(stmts, (s) => {
    const a = ix.atomOf.get(s);
    if (a) out.push(a);
  });
  return out;
}

/** Constant values as the bound model folds them (its scopes, the one constant evaluator). */
type Constants = CheckedProject | undefined;

/**
 * The value of a constant expression written in `body`: literals, and expressions of literals
 * and VAR CONSTANTs (`NOT FALSE`, `1 = 1`, `ALWAYS_ON`) — a constant forced onto a signal is
 * one whatever its spelling. Without a bound model (a version that did not check), literals only.
 */
function constantValue(model: Constants, body: BodyEntry, e: Expression): ConstantValue | undefined {
  return model ? model.constantOf(e, body.pou.name) : evaluateConstant(e, () => undefined);
}

function isFalseConstant(model: Constants, body: BodyEntry, e: Expression): boolean {
  const v = constantValue(model, body, e);
  return v === false || v === 0 || v === 0n;
}

function isConstant(model: Constants, body: BodyEntry, e: Expression): boolean {
  return unparen(e).kind === 'EnumLiteral' || constantValue(model, body, e) !== undefined;
}

/** Does this atom write `key` with a value that may be TRUE (not a FALSE constant, not a reset)? */
function permissiveWrite(ix: ProjectIndex, model: Constants, a: Atom, key: string): boolean {
  if (!a.writes.includes(key)) return false;
  const s = a.stmt;
  if (s.kind === 'Assignment') {
    // the targets that write `key` (a line of several set/resets may write it more than once)
    const hits = assignmentTargets(s).filter((x) => ix.resolveRoot(x.target)?.key === key);
    if (hits.length > 0)
      return hits.some((x) => x.operator !== 'R=') && !isFalseConstant(model, a.body, s.value);
    if (s.operator === 'R=') return false;
  }
  return s.kind === 'CallStatement';
}

function guardText(a: Atom): string {
  return canonical(a.parents.flatMap((p) => controlExpressions(p)));
}

/** Top-level AND operands of a condition (parentheses looked through), canonical. */
function conjuncts(e: Expression, out = new Set<string>()): Set<string> {
  if (e.kind === 'Paren') return conjuncts(e.expression, out);
  if (e.kind === 'Binary' && (e.operator === 'AND' || e.operator === 'AND_THEN')) {
    conjuncts(e.left, out);
    conjuncts(e.right, out);
  } else out.add(canonical(e));
  return out;
}

/** `strong` holds every conjunct of `weak` (the same condition, or it with terms ANDed on). */
function implies(strong: Expression, weak: Expression): boolean {
  const have = conjuncts(strong);
  return [...conjuncts(weak)].every((c) => have.has(c));
}

/** Which branch of an IF holds `child`: 0 THEN, k for the k-th ELSIF, -1 ELSE. */
function branchOf(s: IfStatement, child: Statement): number {
  if (s.then.includes(child)) return 0;
  const k = s.elsifs.findIndex((e) => e.body.includes(child));
  return k >= 0 ? k + 1 : -1;
}

/**
 * The new atom runs under the old one's guard or a stronger one: the same nesting, and at each
 * IF the same branch, whose own condition only gains conjuncts while the conditions before it
 * (which a branch after them runs on the negation of) stay the same. A stronger guard writes
 * less often, so the same write under it forces nothing new.
 */
function guardNoWeaker(n: Atom, o: Atom): boolean {
  if (n.parents.length !== o.parents.length) return false;
  return n.parents.every((np, i) => {
    const op = o.parents[i] as Statement;
    if (np.kind !== op.kind) return false;
    if (np.kind !== 'If' || op.kind !== 'If')
      return canonical(controlExpressions(np)) === canonical(controlExpressions(op));
    const nb = branchOf(np, n.parents[i + 1] ?? n.stmt);
    if (nb !== branchOf(op, o.parents[i + 1] ?? o.stmt)) return false;
    const conds = (s: IfStatement) => [s.condition, ...s.elsifs.map((e) => e.condition)];
    const [nc, oc] = [conds(np), conds(op)];
    const own = nb === -1 ? nc.length : nb;
    if (nc.length < own || oc.length < own) return false;
    for (let k = 0; k < own; k++)
      if (canonical(nc[k] as Expression) !== canonical(oc[k] as Expression)) return false;
    // an ELSE runs on the negation of every condition: they must be the same
    if (nb === -1) return nc.length === oc.length;
    return implies(nc[own] as Expression, oc[own] as Expression);
  });
}

/** In a unit read from a Rockwell `.L5X` (toolchain/l5x's ST model of the ladder). */
const inL5xModel = (file: string): boolean => /\.l5x$/i.test(file);

/**
 * The ladder model's own variables: rung-condition temporaries and the first-scan flag
 * (`LX_T3`, `LX_FIRST`). The model reserves the prefix, so they are never plant tags.
 */
const isLadderModelTemp = (v: VarEntry): boolean => inL5xModel(v.file) && /^lx_/i.test(v.name);

/** The ladder model's prescan clear of an OTE (`IF LX_FIRST THEN x := FALSE;`): not a reset of the logic. */
const isPrescanClear = (a: Atom): boolean => inL5xModel(a.stmt.span.file) && /"lx_first"/.test(guardText(a));

/** `AND(...)`, `OR(...)`, `XOR(...)` called with inputs only (no EN/ENO, no outputs): the function and its inputs. */
function logicCall(x: Expression): { op: 'AND' | 'OR' | 'XOR'; args: Expression[] } | undefined {
  if (x.kind !== 'Call' || x.callee.kind !== 'Identifier') return undefined;
  const op = x.callee.name.toUpperCase();
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR') return undefined;
  const args: Expression[] = [];
  for (const a of x.args) {
    if (a.direction !== 'input' || !a.value || (a.name && !/^IN\d+$/i.test(a.name))) return undefined;
    args.push(a.value);
  }
  return args.length >= 2 ? { op, args } : undefined;
}

/**
 * Disjunct terms in positive position: operands of OR, and of AND under an odd number of NOTs.
 * An explicit stack, not recursion: a permissive may be a 20,000-term OR (#14 point 2).
 */
function disjuncts(root: Expression, rootPositive: boolean, out: Set<string>): void {
  const stack: [Expression, boolean][] = [[root, rootPositive]];
  while (stack.length > 0) {
    const [e, positive] = stack.pop()!;
    const x = unparen(e);
    if (x.kind === 'Unary' && x.operator === 'NOT') {
      stack.push([x.operand, !positive]);
      continue;
    }
    if (x.kind === 'Call') {
      // the call forms of the bit-wise functions (OpenPLC writes `AND(a, NOT(b))`, `OR(x, y)`):
      // the same terms as the operators, over any number of inputs
      const f = logicCall(x);
      if (!f) continue;
      const isOr = f.op === 'OR' || f.op === 'XOR';
      if ((isOr && positive) || (f.op === 'AND' && !positive))
        for (const arg of f.args) {
          const a = unparen(arg);
          if (!(a.kind === 'Call' && logicCall(a)?.op === f.op))
            out.add(`${positive ? '+' : '-'}${canonical(a)}`);
        }
      for (let i = f.args.length - 1; i >= 0; i--) stack.push([f.args[i]!, positive]);
      continue;
    }
    if (x.kind !== 'Binary') continue;
    const isOr = x.operator === 'OR' || x.operator === 'OR_ELSE' || x.operator === 'XOR';
    const isAnd = x.operator === 'AND' || x.operator === 'AND_THEN';
    if ((isOr && positive) || (isAnd && !positive)) {
      for (const side of [x.left, x.right]) {
        const s = unparen(side);
        const sameOp = s.kind === 'Binary' && s.operator === x.operator;
        if (!sameOp) out.add(`${positive ? '+' : '-'}${canonical(s)}`);
      }
    }
    // Visit the right side first off the stack, then the left: the same order as before.
    if (isOr || isAnd) stack.push([x.right, positive], [x.left, positive]);
  }
}

function atomDisjuncts(a: Atom): Set<string> {
  const out = new Set<string>();
  for (const p of a.parents) for (const e of controlExpressions(p)) disjuncts(e, true, out);
  const s = a.stmt;
  if (s.kind === 'Assignment') disjuncts(s.value, true, out);
  return out;
}

/**
 * The disjuncts of `a`, and through the ladder model's rung temporaries it reads (`x := LX_T0;`)
 * those of the temporaries' own writers: a rung converted to ST writes the same terms directly.
 */
function ladderDisjuncts(ix: ProjectIndex, a: Atom): Set<string> {
  const out = atomDisjuncts(a);
  const seen = new Set<string>();
  const todo = [...a.reads];
  while (todo.length > 0) {
    const key = todo.pop()!;
    const v = ix.vars.get(key);
    if (seen.has(key) || !v || !isLadderModelTemp(v)) continue;
    seen.add(key);
    for (const w of ix.writers.get(key) ?? []) {
      for (const t of atomDisjuncts(w)) out.add(t);
      todo.push(...w.reads);
    }
  }
  return out;
}

/** forcing findings. */
export function forcingFindings(ctx: VerifyContext): SafetyFinding[] {
  const out: SafetyFinding[] = [];
  const { oldIx, newIx, diff } = ctx;
  // Protected: every policy signal, in either version.
  const protectedKeys = new Map<string, string>();
  for (const s of ctx.signals) for (const v of [...s.oldVars, ...s.newVars]) protectedKeys.set(v.key, s.name);

  // Atoms of the new version that the change added or modified, with the keys the removed code wrote in the same hunk.
  const changedNew: { atom: Atom; replaced: Set<string> }[] = [];
  for (const h of diff.hunks) {
    const replaced = new Set<string>();
    for (const a of atomsIn(oldIx, h.removed)) for (const w of a.writes) replaced.add(w);
    for (const a of atomsIn(newIx, h.added)) changedNew.push({ atom: a, replaced });
  }
  const changedAtoms = new Set(changedNew.map((x) => x.atom));
  for (const c of diff.statements)
    if (c.kind === 'modified' && c.headerOnly && c.new)
      for (const a of atomsIn(newIx, [c.new]))
        if (!changedAtoms.has(a)) {
          changedAtoms.add(a);
          changedNew.push({ atom: a, replaced: new Set() });
        }

  const oldWritersSame = (a: Atom, key: string): Atom[] =>
    (oldIx.writers.get(key) ?? []).filter((o) => o.body.label.toLowerCase() === a.body.label.toLowerCase());

  for (const { atom: a, replaced } of changedNew) {
    const s = a.stmt;
    // Proven equal to the old one by the E-stop proof, writing nothing else: no forcing here.
    if (ctx.proven.has(s) || a.parents.some((p) => ctx.proven.has(p))) continue;
    // A direct write to an input address (`%IX0.3 := TRUE;`, `Q => %IX0.3`) names no variable.
    const targets =
      s.kind === 'Assignment'
        ? assignmentTargets(s).map((x) => x.target)
        : s.kind === 'CallStatement'
          ? s.call.args.flatMap((x) => (x.direction === 'output' && x.value ? [x.value] : []))
          : [];
    for (const t of targets) {
      const x = unparen(t);
      if (x.kind === 'DirectAddress' && x.area === 'I')
        out.push(
          finding(
            'forcing/input-write',
            'error',
            s.span,
            `new write to input address ${x.text}: \`${sourceText(ctx.after, s)}\``,
            {
              address: x.text,
            },
          ),
        );
    }
    for (const key of a.writes) {
      const v = newIx.vars.get(key);
      // 1. writes to inputs or %I locations
      if (
        v &&
        (v.decl.location?.area === 'I' ||
          (v.section === 'VAR_INPUT' && a.body.pou.kind === 'Program' && v.scope === a.body.pou.id))
      ) {
        const before = oldWritersSame(a, key).some((o) => canonical(o.stmt) === canonical(s));
        if (!before)
          out.push(
            finding(
              'forcing/input-write',
              'error',
              s.span,
              `new write to input ${v.name}: \`${sourceText(ctx.after, s)}\``,
              {
                variable: v.name,
              },
            ),
          );
      }
      const signal = protectedKeys.get(key);
      if (!signal) continue;
      // 2. constants forced onto a protected signal
      // (on a line of several set/resets, the target that writes the signal with `S=`)
      const forcing =
        s.kind === 'Assignment'
          ? assignmentTargets(s).find(
              (x) => (x.operator === ':=' || x.operator === 'S=') && newIx.resolveRoot(x.target)?.key === key,
            )
          : undefined;
      if (
        s.kind === 'Assignment' &&
        forcing &&
        isConstant(ctx.after.checked, a.body, s.value) &&
        !isFalseConstant(ctx.after.checked, a.body, s.value)
      ) {
        const t = newIx.resolveRoot(forcing.target);
        const same = oldWritersSame(a, key).some(
          (o) => canonical(o.stmt) === canonical(s) && (guardText(o) === guardText(a) || guardNoWeaker(a, o)),
        );
        if (t?.key === key && !same)
          out.push(
            finding(
              'forcing/constant-assignment',
              'error',
              s.span,
              `new assignment of a constant to ${signal}: \`${sourceText(ctx.after, s)}\``,
              { signal, statement: sourceText(ctx.after, s) },
            ),
          );
      }
      if (!permissiveWrite(newIx, ctx.after.checked, a, key)) continue;
      // 3. bypass terms: a disjunct the old writes of this signal did not have
      const oldTerms = new Set<string>();
      for (const o of oldWritersSame(a, key)) for (const t of ladderDisjuncts(oldIx, o)) oldTerms.add(t);
      const fresh = [...atomDisjuncts(a)].filter((t) => !oldTerms.has(t));
      if (fresh.length > 0 && oldWritersSame(a, key).length > 0)
        out.push(
          finding(
            'forcing/bypass-or',
            'error',
            s.span,
            `new OR term in the logic of ${signal}: \`${sourceText(ctx.after, s)}\``,
            { signal, statement: sourceText(ctx.after, s) },
          ),
        );
      // 4. a new write that overrides the signal later in the scan
      if (!replaced.has(key)) {
        const earlier = (newIx.writers.get(key) ?? []).some(
          (w) => w !== a && !changedAtoms.has(w) && (w.body !== a.body || w.order < a.order),
        );
        if (earlier)
          out.push(
            finding(
              'forcing/override-write',
              'error',
              s.span,
              `new write to ${signal} overrides its logic later in the scan: \`${sourceText(ctx.after, s)}\``,
              { signal, statement: sourceText(ctx.after, s) },
            ),
          );
      }
    }
  }

  // 5. interlocks gone: a variable that influenced a protected signal no longer does
  for (const sig of ctx.signals) {
    if (sig.newVars.length === 0) continue;
    for (const key of sig.oldSlice.vars) {
      if (key.startsWith('ctl::')) continue;
      const v = oldIx.vars.get(key);
      if (!v) continue;
      const scopePou = oldIx.pous.get(v.scope);
      const fbInput = scopePou?.kind === 'FunctionBlock' && v.section === 'VAR_INPUT';
      if (v.scope !== 'global' && scopePou?.kind !== 'Program' && !fbInput) continue;
      if (v.constant || isLadderModelTemp(v)) continue;
      const renamed = diff.renames.get(v.scope)?.get(v.name.toLowerCase());
      const newKey = renamed ? `${v.scope}::${renamed}` : key;
      if (sig.newSlice.vars.has(newKey)) continue;
      out.push(
        finding(
          'forcing/interlock-removed',
          'error',
          sig.newVars[0]?.decl.span,
          `${fbInput ? `input ${v.name} of ${scopePou?.name}` : v.name} no longer influences ${sig.name} (an interlock removed, bypassed or commented out)`,
          { signal: sig.name, variable: v.name, ...commentedOut(ctx, v.name) },
        ),
      );
    }
  }

  // 6. resets removed: fewer FALSE writes to a variable of a protected slice
  const sliceVars = new Set<string>();
  for (const s of ctx.signals) for (const k of s.oldSlice.vars) if (!k.startsWith('ctl::')) sliceVars.add(k);
  for (const key of sliceVars) {
    const resets = (ix: ProjectIndex, model: Constants, k: string): Atom[] =>
      (ix.writers.get(k) ?? []).filter((a) => {
        const s = a.stmt;
        if (s.kind !== 'Assignment' || isPrescanClear(a)) return false;
        return assignmentTargets(s).some(
          (x) =>
            ix.resolveRoot(x.target)?.key === k &&
            (x.operator === 'R=' || (x.operator === ':=' && isFalseConstant(model, a.body, s.value))),
        );
      });
    const o = resets(oldIx, ctx.before.checked, key);
    if (o.length === 0) continue;
    const v = oldIx.vars.get(key);
    if (v && isLadderModelTemp(v)) continue;
    const renamed = v ? diff.renames.get(v.scope)?.get(v.name.toLowerCase()) : undefined;
    const n = resets(newIx, ctx.after.checked, renamed && v ? `${v.scope}::${renamed}` : key);
    if (n.length >= o.length) continue;
    const gone = o.find((x) => !n.some((y) => canonical(y.stmt) === canonical(x.stmt))) ?? o[0]!;
    out.push(
      finding(
        'forcing/reset-removed',
        'error',
        gone.stmt.span,
        `reset of ${v?.name ?? key} removed: \`${sourceText(ctx.before, gone.stmt)}\` (a latch that no longer drops out)`,
        { variable: v?.name ?? key, statement: sourceText(ctx.before, gone.stmt) },
      ),
    );
  }

  // 7. forcing pragmas and attributes, removed implicit checks
  const oldPragmas = pragmaCounts(oldIx);
  for (const [text, list] of pragmaCounts(newIx)) {
    if (!FORCING_PRAGMA.test(text)) continue;
    const before = oldPragmas.get(text)?.length ?? 0;
    for (const p of list.slice(before))
      out.push(
        finding(
          'forcing/pragma',
          'error',
          p.span,
          `new pragma {${p.text}} forces values or disables checks`,
          { pragma: p.text },
        ),
      );
  }
  for (const [id, pou] of oldIx.pous)
    if (CHECK_FUNCTION.test(pou.name) && !newIx.pous.has(id))
      out.push(
        finding(
          'forcing/checks-disabled',
          'error',
          { file: pou.file, line: pou.decl.span.line },
          `implicit check function ${pou.name} was removed`,
          {
            pou: pou.name,
          },
        ),
      );
  return out;
}

/** Pragmas that force values or switch checks off (CODESYS/TwinCAT attributes and warning pragmas). */
const FORCING_PRAGMA =
  /\b(force[ds]?|no_check|nocheck|no[-_]analysis|disable|disabled|suppress\w*|bypass|checks?\s*off|no_?assert)\b/i;

/** Implicit runtime-check functions of CODESYS/TwinCAT (POUs for implicit checks). */
const CHECK_FUNCTION =
  /^Check(Bounds|Div(Int|DInt|Real|LReal)|Range(Signed|Unsigned)|LRange(Signed|Unsigned)|Pointer)$/i;

function pragmaCounts(ix: ProjectIndex): Map<string, Pragma[]> {
  const m = new Map<string, Pragma[]>();
  visit(ix.units, {
    enter: (node) => {
      for (const p of node.pragmas ?? []) {
        const key = p.text.replace(/\s+/g, ' ').toLowerCase();
        const list = m.get(key);
        if (list) list.push(p);
        else m.set(key, [p]);
      }
    },
  });
  return m;
}

/** When the removed name still appears in a comment of the new version: it was commented out. */
function commentedOut(ctx: VerifyContext, name: string): { commentedOut?: { file: string; line: number } } {
  const re = new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\b`, 'i');
  for (const u of ctx.after.units)
    for (const c of u.comments)
      if (re.test(c.text)) {
        const inOld = ctx.before.units.some((ou) => ou.comments.some((oc) => oc.text === c.text));
        if (!inOld) return { commentedOut: { file: c.span.file, line: c.span.line } };
      }
  return {};
}

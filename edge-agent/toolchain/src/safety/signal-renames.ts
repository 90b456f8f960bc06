/**
 * Safety through a rename (issue 20): a change that renames variables (a
 * `tag-change`) is judged with the renames undone in the new program, through
 * its own bound model — every reference that binds to the renamed variable
 * gets its old name back, nothing else does. An E-stop renamed and otherwise
 * untouched is then the same E-stop, not "an interlock removed and a new,
 * unknown signal"; a rename that also changes the logic, or a reference the
 * rename left bound to something else (a local of the new name), still differs
 * from the old program and is judged as any change. Policy names may be
 * written in either the old or the new name.
 */
import type { Migration, SitePolicy } from '@plcfleet/protocols';
import {
  type CallExpression,
  type CheckedProject,
  type CompilationUnit,
  checkProject,
  type PouSymbol,
  type VarSymbol,
  visit,
} from '../iec';
import type { SafetyProject } from './safety-project';

/** A variable the change renames, named as a policy names it (`E_Stop`, `GVL_IO.E_Stop`, `Main.Run`, `FB_X.Pin`). */
export interface SignalRename {
  from: string;
  /** The new name in the same scope: bare (`EStop`) or qualified as `from` is. */
  to: string;
}

const lower = (s: string) => s.toLowerCase();
const lastPart = (s: string) => s.slice(s.lastIndexOf('.') + 1);
const qualifier = (s: string) => (s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '');

/** The renames a migration declares: a tag-change's `tagChanges` (retypes and re-addresses are not renames). */
export function migrationRenames(migration: Migration | undefined): SignalRename[] {
  if (migration?.type !== 'tag-change') return [];
  return (migration.tagChanges ?? [])
    .filter((c) => lower(lastPart(c.from)) !== lower(lastPart(c.to)))
    .map((c) => ({ from: c.from, to: c.to }));
}

/** The variable `name` (as a rename writes it) denotes in `checked`, with the POU whose pin it is. */
function symbolOf(
  checked: CheckedProject,
  name: string,
): { symbol: VarSymbol; pinOf?: PouSymbol } | undefined {
  const q = qualifier(name);
  const n = lower(lastPart(name));
  if (q) {
    const pou = checked.lookupPou(q);
    if (pou && !pou.builtin && (pou.kind === 'program' || pou.kind === 'functionBlock')) {
      const symbol = pou.vars.get(n);
      if (!symbol) return undefined;
      return pou.kind === 'functionBlock' ? { symbol, pinOf: pou } : { symbol };
    }
    const g = checked.globals.get(n);
    return g && g.gvl !== undefined && lower(g.gvl) === lower(q) ? { symbol: g } : undefined;
  }
  const g = checked.globals.get(n);
  if (g) return { symbol: g };
  const programs = [...checked.pous.values()].filter((p) => p.kind === 'program' && !p.builtin);
  const found = programs.flatMap((p) => (p.vars.has(n) ? [p.vars.get(n)!] : []));
  return found.length === 1 ? { symbol: found[0]! } : undefined;
}

/** A deep copy of `value` (plain objects and arrays) and, for each copied object, its original. */
function cloneTree<T>(value: T, copies: Map<object, object>): T {
  if (value === null || typeof value !== 'object') return value;
  const hit = copies.get(value);
  if (hit) return hit as T;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const v of value) out.push(cloneTree(v, copies));
    return out as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = cloneTree(v, copies);
  return out as T;
}

/**
 * The new program with `renames` undone through its own bound model: the
 * declaration (and its `VAR_EXTERNAL` twins), every reference the model binds
 * to it and, for a function block pin, the named arguments of calls on its
 * instances take the old name back; the copy is checked again. Spans and
 * source texts stay the new program's, so findings point at the real new
 * text. A rename whose new name the program does not declare is left alone
 * (the verifier then sees the old name missing: fail closed).
 */
export function undoRenames(after: SafetyProject, renames: readonly SignalRename[]): SafetyProject {
  const checked = after.checked;
  if (!checked || renames.length === 0) return after;
  const back = new Map<VarSymbol, { oldName: string; pinOf?: PouSymbol }>();
  for (const r of renames) {
    const newName = qualifier(r.to) ? r.to : [qualifier(r.from), r.to].filter(Boolean).join('.');
    const found = symbolOf(checked, newName);
    if (!found) continue;
    const oldName = lastPart(r.from);
    back.set(found.symbol, { oldName, ...(found.pinOf ? { pinOf: found.pinOf } : {}) });
    if (!found.symbol.owner)
      for (const p of checked.pous.values()) {
        const ext = p.vars.get(lower(found.symbol.name));
        if (ext?.section === 'VAR_EXTERNAL') back.set(ext, { oldName });
      }
  }
  if (back.size === 0) return after;
  const copies = new Map<object, object>();
  const units = cloneTree(after.units, copies) as CompilationUnit[];
  // Only copies are renamed: a node the model holds that is not in these units is left alone
  // (the undo is then incomplete, and the verifier sees a difference: fail closed).
  const copyOf = <T extends object>(node: T): T | undefined => copies.get(node) as T | undefined;
  for (const [symbol, { oldName }] of back)
    for (const n of copyOf(symbol.decl)?.names ?? [])
      if (lower(n.name) === lower(symbol.name)) (n as { name: string }).name = oldName;
  for (const [expr, symbol] of checked.references) {
    const b = back.get(symbol as VarSymbol);
    if (!b) continue;
    const c = copyOf(expr) as { kind: string; name?: string; member?: string } | undefined;
    if (!c) continue;
    if (c.kind === 'Member') c.member = b.oldName;
    else if (c.kind === 'Identifier') c.name = b.oldName;
  }
  // A pin's named arguments (`Press1(IsRunning => x)`) bind through the instance's type, not as references.
  const pins = [...back].filter(([, b]) => b.pinOf);
  if (pins.length)
    visit(after.units, {
      Call: (n) => {
        const call = n as CallExpression;
        const type = checked.typeOf(call.callee);
        if (type?.kind !== 'fb') return;
        for (const [symbol, b] of pins) {
          if (type.pou !== b.pinOf) continue;
          for (const a of copyOf(call)?.args ?? [])
            if (a.name && lower(a.name) === lower(symbol.name)) (a as { name: string }).name = b.oldName;
        }
      },
    });
  // checked as the version was, with its library interfaces
  const r = checkProject(units, { externals: after.libraryUnits ?? [] });
  const diagnostics = r.diagnostics.map((d) => ({
    file: d.file,
    line: d.line,
    severity: d.severity,
    code: d.code,
    message: `with the renames undone: ${d.message}`,
  }));
  return { ...after, units, diagnostics, checked: r.checked };
}

/**
 * `names` (policy entries, I/O bindings) with every name written in a
 * rename's new name (`EStop`, `GVL_IO.EStop`) written in its old one, so that
 * they read the old program and the new one with its renames undone alike.
 */
export function inOldNames(names: readonly string[], renames: readonly SignalRename[]): string[] {
  const map = new Map<string, string>();
  for (const r of renames) {
    const q = qualifier(r.from);
    map.set(lower(lastPart(r.to)), lastPart(r.from));
    if (q) map.set(lower(`${q}.${lastPart(r.to)}`), r.from);
  }
  return names.map((n) => map.get(lower(n)) ?? n);
}

/** {@link inOldNames} over a policy's signal lists. */
export function policyInOldNames(policy: SitePolicy, renames: readonly SignalRename[]): SitePolicy {
  if (renames.length === 0) return policy;
  return {
    ...policy,
    emergencyStops: inOldNames(policy.emergencyStops, renames),
    safetySignals: inOldNames(policy.safetySignals, renames),
    permissives: inOldNames(policy.permissives, renames),
  };
}

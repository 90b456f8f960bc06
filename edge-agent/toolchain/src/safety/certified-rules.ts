/**
 * certified: a certified POU must not change semantically. Its semantic hash
 * is the SHA-256 of the canonical text of its syntax tree (positions,
 * comments, layout, letter case and literal spelling dropped), so a re-comment
 * or a re-indent keeps the hash and any change of behaviour does not. The
 * user POUs it runs (functions it calls, FB types it instantiates) count as
 * part of it.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import type { CompilationUnit, Pou } from '../iec';
import { canonicalHash } from './canonical-ast';
import type { ProjectIndex } from './project-index';
import { finding } from './safety-rules';
import type { VerifyContext } from './verify-context';

function findPou(units: readonly CompilationUnit[], name: string): Pou | undefined {
  const lname = name.toLowerCase();
  for (const u of units)
    for (const d of u.declarations)
      if (
        (d.kind === 'Program' || d.kind === 'FunctionBlock' || d.kind === 'Function') &&
        d.name.toLowerCase() === lname
      )
        return d;
  return undefined;
}

/**
 * The semantic hash of a POU (hex SHA-256), as `plcfleet-agent hash` prints it
 * and `certifiedPous[].sha256` pins it. Undefined when the project has no POU
 * of that name (case-insensitive).
 */
export function semanticHash(
  project: { units: readonly CompilationUnit[] },
  pouName: string,
): string | undefined {
  const pou = findPou(project.units, pouName);
  return pou ? canonicalHash(pou) : undefined;
}

/** User POUs a POU runs, transitively (case-folded, without the POU itself). */
export function pouDependencies(ix: ProjectIndex, id: string): Set<string> {
  const seen = new Set<string>([id]);
  const work = [id];
  while (work.length > 0) {
    const cur = work.pop()!;
    const next = new Set<string>();
    for (const a of ix.atomsOfPou(cur)) for (const c of a.calls) next.add(c);
    for (const v of ix.varsOfPou(cur)) if (v.typeName && ix.pous.has(v.typeName)) next.add(v.typeName);
    const pou = ix.pous.get(cur);
    if (pou?.decl.kind === 'FunctionBlock' && pou.decl.extends) next.add(pou.decl.extends.toLowerCase());
    for (const n of next)
      if (!seen.has(n)) {
        seen.add(n);
        work.push(n);
      }
  }
  seen.delete(id);
  return seen;
}

/** Call statements that run a POU, per calling POU. */
function callSites(ix: ProjectIndex, id: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of ix.atoms)
    if (a.stmt.kind === 'CallStatement' && a.calls.includes(id))
      m.set(a.body.pou.id, (m.get(a.body.pou.id) ?? 0) + 1);
  return m;
}

/** certified findings. */
export function certifiedFindings(ctx: VerifyContext): SafetyFinding[] {
  const out: SafetyFinding[] = [];
  for (const c of ctx.policy.certifiedPous) {
    const id = c.name.toLowerCase();
    const oldPou = ctx.oldIx.pous.get(id);
    const newPou = ctx.newIx.pous.get(id);
    if (!oldPou) {
      out.push(
        finding(
          'certified/unresolved-pou',
          'error',
          undefined,
          `certified POU ${c.name} does not exist in the program`,
          {
            pou: c.name,
          },
        ),
      );
      continue;
    }
    if (!newPou) {
      out.push(
        finding(
          'certified/changed',
          'error',
          { file: oldPou.file, line: oldPou.decl.span.line },
          `certified POU ${c.name} was removed`,
          {
            pou: c.name,
          },
        ),
      );
      continue;
    }
    const before = canonicalHash(oldPou.decl);
    const after = canonicalHash(newPou.decl);
    if (before !== after)
      out.push(
        finding(
          'certified/changed',
          'error',
          newPou.decl.span,
          `certified POU ${c.name} changed semantically`,
          {
            pou: c.name,
            before,
            after,
          },
        ),
      );
    else
      for (const dep of pouDependencies(ctx.newIx, id)) {
        const o = ctx.oldIx.pous.get(dep);
        const n = ctx.newIx.pous.get(dep);
        if (o && n && canonicalHash(o.decl) === canonicalHash(n.decl)) continue;
        out.push(
          finding(
            'certified/changed',
            'error',
            n?.decl.span ?? newPou.decl.span,
            `certified POU ${c.name} runs ${n?.name ?? o?.name ?? dep}, which changed`,
            { pou: c.name, dependency: n?.name ?? o?.name ?? dep },
          ),
        );
      }
    const oldCalls = callSites(ctx.oldIx, id);
    const newCalls = callSites(ctx.newIx, id);
    for (const [caller, n] of oldCalls) {
      const now = newCalls.get(caller) ?? 0;
      if (now >= n) continue;
      const pou = ctx.newIx.pous.get(caller) ?? ctx.oldIx.pous.get(caller)!;
      out.push(
        finding(
          'certified/call-removed',
          'error',
          pou.decl.span,
          `${pou.name} calls certified ${c.name} ${now} time(s), before ${n}: certified code no longer runs`,
          { pou: c.name, caller: pou.name, before: n, after: now },
        ),
      );
    }
    if (c.sha256 && c.sha256.toLowerCase() !== after)
      out.push(
        finding(
          'certified/hash-mismatch',
          'error',
          newPou.decl.span,
          `certified POU ${c.name} has semantic hash ${after}, the policy pins ${c.sha256}`,
          { pou: c.name, pinned: c.sha256, actual: after, before },
        ),
      );
  }
  return out;
}

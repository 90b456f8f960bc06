/**
 * Inputs the change adds and nothing drives (issue #17 point 13): a PROGRAM
 * VAR_INPUT or a global that the new program reads, with no writer in the
 * program, no `AT %I` address, no binding in a CONFIGURATION's program
 * instance and no entry in the site's I/O bindings (tag map). Such an input
 * keeps its initial value for ever: a "redundant sensor" that is never wired
 * makes the redundancy a claim on paper.
 */
import type { SafetyFinding } from '@plcfleet/protocols';
import { visit } from '../iec';
import type { ProjectIndex } from './project-index';
import { finding } from './safety-rules';
import type { VerifyContext } from './verify-context';

/** `pou::name` keys of the program inputs a CONFIGURATION binds (`PROGRAM P WITH T : Prog(In := %IX0.1)`). */
export function configurationBindings(ix: ProjectIndex): Set<string> {
  const out = new Set<string>();
  visit(ix.units, {
    ProgramInstance: (p) => {
      for (const a of p.args)
        if (a.name && a.direction === 'input' && a.value)
          out.add(`${p.program.toLowerCase()}::${a.name.toLowerCase()}`);
    },
  });
  return out;
}

/**
 * undriven-input findings: one per input the change adds that nothing drives.
 * `ioBindings` are the names the plant's I/O drives (tag map entries), as `PROGRAM.var` or a
 * global's name.
 */
export function undrivenInputFindings(
  ctx: VerifyContext,
  ioBindings: readonly string[] = [],
): SafetyFinding[] {
  const ix = ctx.newIx;
  const bound = new Set(ioBindings.map((n) => n.toLowerCase()));
  let configured: Set<string> | undefined;
  const out: SafetyFinding[] = [];
  for (const d of ctx.diff.decls) {
    const v = d.new;
    if (d.old || !v || v.constant) continue;
    const pou = ix.pous.get(v.scope);
    const programInput = pou?.kind === 'Program' && v.section === 'VAR_INPUT';
    const global = v.scope === 'global';
    if (!programInput && !global) continue;
    if (v.decl.location) continue;
    if ((ix.writers.get(v.key) ?? []).length > 0) continue;
    const qualified = pou ? `${pou.name}.${v.name}`.toLowerCase() : v.name.toLowerCase();
    if (bound.has(qualified) || bound.has(v.name.toLowerCase())) continue;
    configured ??= configurationBindings(ix);
    if (configured.has(v.key)) continue;
    // An input nobody reads changes nothing (and is not this rule's business).
    if (!ix.atoms.some((a) => a.reads.includes(v.key))) continue;
    const signals = [...new Set(ctx.signals.filter((s) => s.newSlice.vars.has(v.key)).map((s) => s.name))];
    const at = v.decl.names.find((n) => n.name === v.name)?.span ?? v.decl.span;
    const what = programInput ? `input ${pou!.name}.${v.name}` : `global ${v.name}`;
    out.push(
      finding(
        signals.length > 0 ? 'safety-logic/undriven-input' : 'quality/undriven-input',
        'warning',
        at,
        `${what} is added by the change and nothing drives it (no write in the program, no AT %I address, no CONFIGURATION binding, no tag map entry): it stays at its initial value${
          signals.length > 0 ? `, and it reaches ${signals.join(', ')}` : ''
        }`,
        { variable: v.name, ...(pou ? { program: pou.name } : {}), signals },
      ),
    );
  }
  return out;
}

/**
 * Behaviour models of vendor library POUs (issue 15): a library interface
 * file declares a FUNCTION_BLOCK or FUNCTION without a body; a site may give
 * one its behaviour in ST (a POU of the same name with a body). The model
 * replaces the declaration, is checked like program code, and must keep the
 * interface: the same inputs, outputs and in-outs with the same types, and
 * the same result type — else ST2031 on the model, naming the difference.
 */
import type { CompilationUnit, TopLevelDeclaration, VarBlock } from './ast';
import { type Diagnostic, diagnostic } from './diagnostics';
import { printNode } from './printer';

type Pou = Extract<TopLevelDeclaration, { kind: 'FunctionBlock' | 'Function' }>;

const isPou = (d: TopLevelDeclaration): d is Pou => d.kind === 'FunctionBlock' || d.kind === 'Function';

/** `VAR_INPUT x : BOOL` → `VAR_INPUT x : BOOL`, one entry per name, in order, upper-cased. */
function pins(blocks: readonly VarBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.section !== 'VAR_INPUT' && b.section !== 'VAR_OUTPUT' && b.section !== 'VAR_IN_OUT') continue;
    for (const d of b.decls)
      for (const n of d.names)
        out.push(`${b.section} ${n.name} : ${printNode(d.type).replace(/\s+/g, ' ')}`.toUpperCase());
  }
  return out;
}

/** The first difference between a library declaration and its model, if any. */
function interfaceDifference(library: Pou, model: Pou): string | undefined {
  if (library.kind !== model.kind)
    return `the library declares a ${library.kind === 'Function' ? 'FUNCTION' : 'FUNCTION_BLOCK'}`;
  if (library.kind === 'Function' && model.kind === 'Function') {
    const a = library.returnType ? printNode(library.returnType) : '';
    const b = model.returnType ? printNode(model.returnType) : '';
    if (a.toUpperCase() !== b.toUpperCase())
      return `result type ${b || 'none'}, the library's is ${a || 'none'}`;
  }
  const want = pins(library.varBlocks);
  const got = pins(model.varBlocks);
  const missing = want.find((p) => !got.includes(p));
  if (missing)
    return `${missing.toLowerCase().replace(/^var_\w+ /, '')} of the library is missing or differs`;
  const extra = got.find((p) => !want.includes(p));
  if (extra) return `${extra.toLowerCase().replace(/^var_\w+ /, '')} is not in the library's interface`;
  return undefined;
}

/**
 * The library units with every POU a model defines taken out (the model
 * replaces it), and an ST2031 for each model whose interface differs from
 * the library declaration it replaces. A model without a library
 * declaration of its name is an ordinary POU.
 */
export function applyBehaviourModels(
  libraries: readonly CompilationUnit[],
  models: readonly CompilationUnit[],
): { libraries: CompilationUnit[]; diagnostics: Diagnostic[] } {
  const modelled = new Map<string, Pou>();
  for (const u of models) for (const d of u.declarations) if (isPou(d)) modelled.set(d.name.toUpperCase(), d);
  const diagnostics: Diagnostic[] = [];
  const out = libraries.map((u) => {
    const kept = u.declarations.filter((d) => {
      const model = isPou(d) ? modelled.get(d.name.toUpperCase()) : undefined;
      if (!model || !isPou(d)) return true;
      const diff = interfaceDifference(d, model);
      if (diff) diagnostics.push(diagnostic('ST2031', model.nameSpan, model.name, diff));
      return false;
    });
    return kept.length === u.declarations.length ? u : { ...u, declarations: kept };
  });
  return { libraries: out, diagnostics };
}

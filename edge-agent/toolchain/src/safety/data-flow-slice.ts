/**
 * Backward data-flow slices: everything that can influence a variable's
 * value — the statements that write it and the conditions around them, the
 * variables and constants they read, FB instances with their parameters and
 * the code of the function blocks (sliced from their outputs) and functions
 * (whole) they run — closed
 * transitively across POUs through globals and `PROGRAM.var` accesses.
 *
 * Precision is statement-level and flow-insensitive (a variable written
 * anywhere is written everywhere), which over-approximates: a slice may hold
 * a statement that cannot matter, never miss one that can. That is the safe
 * direction for a verifier that must not pass an unsafe change.
 *
 * A statement inside a POU body runs when (and in the order) that POU is called, so the
 * statements calling a POU join the slice with the first of its statements that does: two
 * function blocks writing one output through a global (a drive and its stop) decide it by
 * the order of their calls, and swapping the calls changes the output (sweep 13).
 */
import type { Statement, VarDecl } from '../iec';
import type { Atom, ProjectIndex } from './project-index';

/** A backward slice of one program version. */
export interface Slice {
  /** Variable keys (and `ctl::` control pseudo-variables) that can influence the criteria. */
  vars: Set<string>;
  /** Statements in the slice, with every compound statement that encloses one. */
  statements: Set<Statement>;
  /** Case-folded POUs included whole (called functions, FB types of instances in the slice). */
  pous: Set<string>;
  /** Declarations of the variables in the slice. */
  decls: Set<VarDecl>;
}

/** The backward slice of the given variable keys. */
export function backwardSlice(index: ProjectIndex, criteria: Iterable<string>): Slice {
  const slice: Slice = { vars: new Set(), statements: new Set(), pous: new Set(), decls: new Set() };
  const work: string[] = [...criteria];
  let callers: Map<string, Atom[]> | undefined;
  const calledFrom = new Set<string>();
  const addAtom = (a: Atom): void => {
    if (slice.statements.has(a.stmt)) return;
    slice.statements.add(a.stmt);
    for (const p of a.parents) slice.statements.add(p);
    for (const r of a.reads) if (!slice.vars.has(r)) work.push(r);
    for (const c of a.calls) addPou(c);
    addCallers(a.body.pou.id);
  };
  // the calls that run a POU whose statement is in the slice: when and in which order it runs
  const addCallers = (id: string): void => {
    if (calledFrom.has(id)) return;
    calledFrom.add(id);
    if (!callers) {
      callers = new Map();
      for (const atom of index.atoms)
        for (const c of atom.calls) {
          const list = callers.get(c);
          if (list) list.push(atom);
          else callers.set(c, [atom]);
        }
    }
    for (const atom of callers.get(id) ?? []) addAtom(atom);
  };
  const addPou = (id: string): void => {
    if (slice.pous.has(id)) return;
    const pou = index.pous.get(id);
    if (!pou) return;
    slice.pous.add(id);
    if (pou.kind === 'FunctionBlock') {
      // Inside a function block, slice from what the caller can see: its outputs. Methods,
      // properties and actions run on demand and are taken whole.
      for (const v of pou.vars.values())
        if ((v.section === 'VAR_OUTPUT' || v.section === 'VAR_IN_OUT') && !slice.vars.has(v.key))
          work.push(v.key);
      for (const a of index.atomsOfPou(id)) if (a.body.label !== pou.decl.name) addAtom(a);
      for (const v of index.varsOfPou(id)) if (v.scope !== id && !slice.vars.has(v.key)) work.push(v.key);
    } else {
      for (const a of index.atomsOfPou(id)) addAtom(a);
      for (const v of index.varsOfPou(id)) if (!slice.vars.has(v.key)) work.push(v.key);
    }
    if (pou.decl.kind === 'FunctionBlock' && pou.decl.extends) addPou(pou.decl.extends.toLowerCase());
  };
  while (work.length > 0) {
    const key = work.pop()!;
    if (slice.vars.has(key)) continue;
    slice.vars.add(key);
    const entry = index.vars.get(key);
    if (entry) {
      slice.decls.add(entry.decl);
      const reads = new Set<string>();
      index.initReads(entry.decl.init, reads);
      for (const r of reads) if (!slice.vars.has(r)) work.push(r);
      if (entry.typeName) addPou(entry.typeName);
    }
    for (const a of index.writers.get(key) ?? []) addAtom(a);
  }
  return slice;
}

/**
 * The difference between two program versions on the syntax tree, at POU,
 * declaration and statement granularity. Statements are compared by their
 * canonical text, so layout, comments, pragmas and attributes, letter case
 * and the spelling of literals never show as changes; a local variable renamed consistently (the
 * same declaration under a new name) is not a change either.
 *
 * Bodies are aligned with a longest common subsequence; each gap becomes a
 * hunk. Inside a hunk, statements of the same kind at the same position are
 * paired as "modified" and compound statements are diffed recursively, so an
 * edit deep inside an IF is reported at the statement it touches.
 */
import type { Statement, VarDecl } from '../iec';
import { childBodies, controlExpressions } from '../iec';
import { canonical } from './canonical-ast';
import type { BodyEntry, PouEntry, ProjectIndex, VarEntry } from './project-index';

/** A statement-level change. `old` is in the old version, `new` in the new one. */
export interface StatementChange {
  kind: 'added' | 'removed' | 'modified';
  /** Case-folded POU. */
  pou: string;
  /** Body label (`PressControl`, `Fb.Method`). */
  body: string;
  old?: Statement;
  new?: Statement;
  /** For a modified compound statement: only its condition/selector/bounds changed. */
  headerOnly?: boolean;
}

/** One gap of the alignment of a statement list. */
export interface Hunk {
  pou: string;
  body: string;
  removed: Statement[];
  added: Statement[];
}

/** A declaration that was added, removed or changed (type, initial value, section, address). */
export interface DeclChange {
  /** `global`, or the case-folded POU/method scope. */
  scope: string;
  name: string;
  old?: VarEntry;
  new?: VarEntry;
}

/** A POU that was added, removed or changed in any way. */
export interface PouChange {
  id: string;
  name: string;
  kind: 'added' | 'removed' | 'modified';
  /** For `modified`: the POU's own header (kind, EXTENDS, return type, bodies present) changed; pragmas do not count. */
  headerChanged?: boolean;
  oldFile?: string;
  newFile?: string;
}

/** The whole difference. */
export interface ProgramDiff {
  pous: PouChange[];
  statements: StatementChange[];
  hunks: Hunk[];
  decls: DeclChange[];
  /** Case-folded user type names (TYPE blocks) whose definition changed. */
  types: string[];
  /** CONFIGURATION/RESOURCE/TASK declarations changed. */
  configuration: boolean;
  /** Per POU: local variables renamed (old case-folded name → new case-folded name). */
  renames: Map<string, Map<string, string>>;
}

/** True when nothing changed. */
export function isEmptyDiff(d: ProgramDiff): boolean {
  return (
    d.pous.length === 0 &&
    d.decls.length === 0 &&
    d.types.length === 0 &&
    !d.configuration &&
    d.statements.length === 0
  );
}

function declSignature(v: VarEntry, rename?: ReadonlyMap<string, string>): string {
  const d: VarDecl = v.decl;
  const opts = rename ? { rename } : {};
  return [
    v.section,
    v.constant ? 'c' : '',
    canonical(d.type, opts),
    d.init ? canonical(d.init as never, opts) : '',
    d.location ? canonical(d.location) : '',
    d.constructorArgs ? canonical(d.constructorArgs, opts) : '',
  ].join('#');
}

const LOCAL_SECTIONS = new Set(['VAR', 'VAR_TEMP']);

/** Pairs locals that disappeared with locals that appeared under the same declaration: a consistent rename. */
function detectRenames(oldPou: PouEntry, newPou: PouEntry): Map<string, string> {
  const renames = new Map<string, string>();
  const removed = [...oldPou.vars.values()].filter(
    (v) => LOCAL_SECTIONS.has(v.section) && !newPou.vars.has(v.name.toLowerCase()),
  );
  const added = [...newPou.vars.values()].filter(
    (v) => LOCAL_SECTIONS.has(v.section) && !oldPou.vars.has(v.name.toLowerCase()),
  );
  const used = new Set<VarEntry>();
  for (const r of removed) {
    const sig = declSignature(r);
    const match = added.find((a) => !used.has(a) && declSignature(a) === sig);
    if (!match) continue;
    used.add(match);
    renames.set(r.name.toLowerCase(), match.name.toLowerCase());
  }
  return renames;
}

/** Computes the difference between two indexed program versions. */
export function diffPrograms(oldIx: ProjectIndex, newIx: ProjectIndex): ProgramDiff {
  const diff: ProgramDiff = {
    pous: [],
    statements: [],
    hunks: [],
    decls: [],
    types: [],
    configuration: false,
    renames: new Map(),
  };
  // Globals
  diffVarMaps(oldIx.globals, newIx.globals, 'global', diff, undefined);

  for (const [id, oldPou] of oldIx.pous) {
    const newPou = newIx.pous.get(id);
    if (!newPou) {
      diff.pous.push({ id, name: oldPou.name, kind: 'removed', oldFile: oldPou.file });
      continue;
    }
    const renames = detectRenames(oldPou, newPou);
    if (renames.size > 0) diff.renames.set(id, renames);
    // new name → old name, applied to the new side before comparing
    const back = new Map([...renames].map(([o, n]) => [n, o] as [string, string]));
    const before = diff.statements.length + diff.decls.length;
    diffVarMaps(scopeVars(oldIx, id), scopeVars(newIx, id), id, diff, back);
    const headerOld = pouHeader(oldPou);
    const headerNew = pouHeader(newPou);
    let headerChanged = headerOld !== headerNew;
    const newBodies = new Map(
      newIx.bodies.filter((b) => b.pou.id === id).map((b) => [b.label.toLowerCase(), b]),
    );
    const oldBodies = oldIx.bodies.filter((b) => b.pou.id === id);
    for (const ob of oldBodies) {
      const nb = newBodies.get(ob.label.toLowerCase());
      newBodies.delete(ob.label.toLowerCase());
      if (!nb) {
        headerChanged = true;
        diffLists(ob.statements, [], id, ob.label, diff, back);
        continue;
      }
      diffLists(ob.statements, nb.statements, id, ob.label, diff, back);
    }
    for (const nb of newBodies.values()) {
      headerChanged = true;
      diffLists([], nb.statements, id, nb.label, diff, back);
    }
    if (headerChanged || diff.statements.length + diff.decls.length > before)
      diff.pous.push({
        id,
        name: newPou.name,
        kind: 'modified',
        headerChanged,
        oldFile: oldPou.file,
        newFile: newPou.file,
      });
  }
  for (const [id, newPou] of newIx.pous)
    if (!oldIx.pous.has(id)) diff.pous.push({ id, name: newPou.name, kind: 'added', newFile: newPou.file });

  const types = (ix: ProjectIndex): Map<string, string> => {
    const m = new Map<string, string>();
    for (const u of ix.units)
      for (const d of u.declarations)
        if (d.kind === 'TypeBlock') for (const t of d.types) m.set(t.name.toLowerCase(), canonical(t));
    return m;
  };
  const ot = types(oldIx);
  const nt = types(newIx);
  for (const k of new Set([...ot.keys(), ...nt.keys()])) if (ot.get(k) !== nt.get(k)) diff.types.push(k);
  const configs = (ix: ProjectIndex): string =>
    canonical(ix.units.flatMap((u) => u.declarations.filter((d) => d.kind === 'Configuration')));
  diff.configuration = configs(oldIx) !== configs(newIx);
  return diff;
}

function pouHeader(p: PouEntry): string {
  const d = p.decl;
  const parts: string[] = [d.kind];
  if (d.kind === 'Function') parts.push(d.returnType ? canonical(d.returnType) : '');
  if (d.kind === 'FunctionBlock')
    parts.push(d.extends?.toLowerCase() ?? '', d.implements.join(',').toLowerCase());
  return parts.join('#');
}

/** Every variable declared in a POU and its methods/accessors, keyed by `scope::name`. */
function scopeVars(ix: ProjectIndex, id: string): Map<string, VarEntry> {
  const m = new Map<string, VarEntry>();
  for (const v of ix.varsOfPou(id)) m.set(v.key, v);
  return m;
}

function diffVarMaps(
  olds: Map<string, VarEntry>,
  news: Map<string, VarEntry>,
  scope: string,
  diff: ProgramDiff,
  back: ReadonlyMap<string, string> | undefined,
): void {
  // Keys of the new side, renamed back to the old names.
  const renamedNew = new Map<string, VarEntry>();
  for (const [k, v] of news) {
    const sep = k.lastIndexOf('::');
    const name = k.slice(sep + 2);
    const oldName = back?.get(name);
    renamedNew.set(oldName ? `${k.slice(0, sep)}::${oldName}` : k, v);
  }
  for (const [k, o] of olds) {
    const n = renamedNew.get(k);
    if (!n) diff.decls.push({ scope: o.scope, name: o.name, old: o });
    else if (declSignature(o) !== declSignature(n, back))
      diff.decls.push({ scope: o.scope, name: o.name, old: o, new: n });
  }
  for (const [k, n] of renamedNew)
    if (!olds.has(k)) diff.decls.push({ scope: n.scope || scope, name: n.name, new: n });
}

function header(s: Statement, rename: ReadonlyMap<string, string> | undefined): string {
  const opts = rename ? { rename } : {};
  const shape = childBodies(s).length;
  const labels =
    s.kind === 'Case'
      ? s.branches.map((b) => canonical(b.labels, opts)).join('|') + (s.else ? '|else' : '')
      : '';
  return `${s.kind}#${shape}#${canonical(controlExpressions(s), opts)}#${labels}#${
    s.kind === 'For' ? canonical(s.variable, opts) : ''
  }`;
}

function diffLists(
  olds: readonly Statement[],
  news: readonly Statement[],
  pou: string,
  body: string,
  diff: ProgramDiff,
  back: ReadonlyMap<string, string> | undefined,
): void {
  const opts = back && back.size > 0 ? { rename: back } : {};
  const a = olds.filter((s) => s.kind !== 'Empty').map((s) => canonical(s));
  const b = news.filter((s) => s.kind !== 'Empty').map((s) => canonical(s, opts));
  const oa = olds.filter((s) => s.kind !== 'Empty');
  const nb = news.filter((s) => s.kind !== 'Empty');
  const pairs = lcs(a, b);
  let i = 0;
  let j = 0;
  const flush = (iEnd: number, jEnd: number): void => {
    if (i === iEnd && j === jEnd) return;
    const removed = oa.slice(i, iEnd);
    const added = nb.slice(j, jEnd);
    diff.hunks.push({ pou, body, removed, added });
    const n = Math.min(removed.length, added.length);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const o = removed[k];
      const nw = added[k];
      if (k < n && o && nw && o.kind === nw.kind) {
        const kids = childBodies(o);
        if (kids.length > 0) {
          const nkids = childBodies(nw);
          if (header(o, undefined) === header(nw, back) && kids.length === nkids.length) {
            for (const [x, kb] of kids.entries()) diffLists(kb, nkids[x] ?? [], pou, body, diff, back);
            continue;
          }
          if (kids.length === nkids.length) {
            diff.statements.push({ kind: 'modified', pou, body, old: o, new: nw, headerOnly: true });
            for (const [x, kb] of kids.entries()) diffLists(kb, nkids[x] ?? [], pou, body, diff, back);
            continue;
          }
        }
        diff.statements.push({ kind: 'modified', pou, body, old: o, new: nw });
        continue;
      }
      if (o) diff.statements.push({ kind: 'removed', pou, body, old: o });
      if (nw) diff.statements.push({ kind: 'added', pou, body, new: nw });
    }
    i = iEnd;
    j = jEnd;
  };
  for (const [pi, pj] of pairs) {
    flush(pi, pj);
    i = pi + 1;
    j = pj + 1;
  }
  flush(oa.length, nb.length);
}

/** Index pairs of a longest common subsequence of two string lists (common prefix/suffix trimmed first). */
export function lcs(a: readonly string[], b: readonly string[]): [number, number][] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: [number, number][] = [];
  for (let k = 0; k < start; k++) out.push([k, k]);
  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0) {
    const dp: Uint32Array[] = [];
    for (let x = 0; x <= n; x++) dp.push(new Uint32Array(m + 1));
    for (let x = n - 1; x >= 0; x--)
      for (let y = m - 1; y >= 0; y--)
        dp[x]![y] =
          a[start + x] === b[start + y] ? dp[x + 1]![y + 1]! + 1 : Math.max(dp[x + 1]![y]!, dp[x]![y + 1]!);
    let x = 0;
    let y = 0;
    while (x < n && y < m) {
      if (a[start + x] === b[start + y]) {
        out.push([start + x, start + y]);
        x++;
        y++;
      } else if (dp[x + 1]![y]! >= dp[x]![y + 1]!) x++;
      else y++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) out.push([endA + k, endB + k]);
  return out;
}

/** Body entries of a POU in an index, by lower-case label. */
export function bodiesOf(ix: ProjectIndex, pou: string): Map<string, BodyEntry> {
  return new Map(ix.bodies.filter((b) => b.pou.id === pou).map((b) => [b.label.toLowerCase(), b]));
}

/**
 * Small helpers over the front end's syntax tree that the recipe engine, the
 * preconditions and the scope judge share: a generic child walk (robust to node
 * kinds added later), POU outlines, and structural equality that ignores
 * positions, comments and name case.
 */
import type { CompilationUnit, Node, Pou, Span, Statement, VarBlock } from '@plcfleet/toolchain/iec';

/** Fields that are never children: positions and trivia. */
const NON_CHILD = new Set([
  'span',
  'nameSpan',
  'memberSpan',
  'pragmas',
  'leadingComments',
  'trailingComments',
  'comments',
]);

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

/** The direct child nodes of a node, in field order. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (NON_CHILD.has(key)) continue;
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) out.push(value);
  }
  return out;
}

/** Visits `node` and every descendant depth-first; return `false` from `visit` to skip a subtree. */
export function walk(
  node: Node,
  visit: (n: Node, parent: Node | null) => boolean | undefined,
  parent: Node | null = null,
): void {
  if (visit(node, parent) === false) return;
  for (const c of childrenOf(node)) walk(c, visit, node);
}

/** A POU-like unit of a file for scope decisions: a PROGRAM, FUNCTION, FUNCTION_BLOCK, or a global variable list. */
export interface PouOutline {
  name: string;
  kind: 'Program' | 'Function' | 'FunctionBlock' | 'GlobalVarList';
  span: Span;
  node: Pou | (Node & { kind: 'GlobalVarList' });
  /** Every statement list of the POU (body, methods, actions, property accessors). */
  bodies: Statement[][];
  varBlocks: VarBlock[];
  /**
   * The parts of the file the POU occupies: its own span and each body's
   * statements (in TwinCAT and PLCopen XML the declaration and the body are
   * separate sections of the file).
   */
  regions: Span[];
}

function regionsOf(span: Span, bodies: Statement[][]): Span[] {
  const out = [span];
  for (const b of bodies) {
    const first = b[0];
    const last = b[b.length - 1];
    if (!first || !last) continue;
    if (first.span.offset >= span.offset && last.span.endOffset <= span.endOffset) continue;
    const s = first.span;
    // fields written out, not spread: a span whose line/column are getters would lose them
    out.push({
      file: s.file,
      line: s.line,
      column: s.column,
      offset: s.offset,
      endLine: last.span.endLine,
      endColumn: last.span.endColumn,
      endOffset: last.span.endOffset,
    });
  }
  return out;
}

/** The POUs and global variable lists of a compilation unit, in source order. */
export function outlineUnit(unit: CompilationUnit): PouOutline[] {
  const out: PouOutline[] = [];
  for (const d of unit.declarations) {
    if (d.kind === 'Program' || d.kind === 'FunctionBlock') {
      const bodies: Statement[][] = [
        d.body,
        ...d.methods.map((m) => m.body),
        ...d.actions.map((a) => a.body),
      ];
      for (const p of d.properties) {
        if (p.get) bodies.push(p.get.body);
        if (p.set) bodies.push(p.set.body);
      }
      out.push({
        name: d.name,
        kind: d.kind,
        span: d.span,
        node: d,
        bodies,
        varBlocks: d.varBlocks,
        regions: regionsOf(d.span, bodies),
      });
    } else if (d.kind === 'Function') {
      out.push({
        name: d.name,
        kind: 'Function',
        span: d.span,
        node: d,
        bodies: [d.body],
        varBlocks: d.varBlocks,
        regions: regionsOf(d.span, [d.body]),
      });
    } else if (d.kind === 'GlobalVarList') {
      const base = unit.file
        .split('/')
        .pop()!
        .replace(/\.[^.]*$/, '');
      out.push({
        name: d.name ?? base,
        kind: 'GlobalVarList',
        span: d.span,
        node: d,
        bodies: [],
        varBlocks: d.varBlocks,
        regions: [d.span],
      });
    }
  }
  return out;
}

/** Structural equality of two nodes ignoring positions, trivia, raw spelling of literals and the case of names. */
export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'string') return (a as string).toLowerCase() === (b as string).toLowerCase();
  if (typeof a === 'bigint' || typeof a === 'number' || typeof a === 'boolean') return a === b;
  if (a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameTree(x, b[i]));
  }
  const ka = Object.keys(a).filter(
    (k) => !NON_CHILD.has(k) && k !== 'raw' && (a as Record<string, unknown>)[k] !== undefined,
  );
  const kb = Object.keys(b as object).filter(
    (k) => !NON_CHILD.has(k) && k !== 'raw' && (b as Record<string, unknown>)[k] !== undefined,
  );
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

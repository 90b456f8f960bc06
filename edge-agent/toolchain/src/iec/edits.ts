/**
 * Minimal-diff editing: replace the source text of a node (a statement, a
 * declaration, a POU) with the printed form of its replacement, leaving every
 * other byte of the file as it was — so a transformer's diff shows only what
 * changed. Works on plain ST and on TwinCAT XML (spans point into the file).
 */
import type { Node } from './ast';
import { printNode } from './printer';

/** One edit: the node as parsed from `text` (its span is used) and what replaces it. */
export interface NodeEdit {
  node: Node;
  /** A new node (printed canonically), raw ST text, or null to delete the node's text. */
  replacement: Node | string | null;
}

/**
 * Applies edits to `text`. Each edit replaces `text[node.span.offset, node.span.endOffset)`;
 * continuation lines of the replacement get the indentation of the node's first line.
 * Throws RangeError for overlapping edits (the caller built an impossible edit set).
 */
export function applyEdits(text: string, edits: NodeEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.node.span.offset - a.node.span.offset);
  let out = text;
  let limit = Number.POSITIVE_INFINITY;
  for (const e of sorted) {
    const { offset, endOffset } = e.node.span;
    if (endOffset > limit) throw new RangeError(`edits overlap at offset ${offset}`);
    limit = offset;
    const lineStart = out.lastIndexOf('\n', offset - 1) + 1;
    const indent = /^[ \t]*/.exec(out.slice(lineStart, offset))?.[0] ?? '';
    let replacement = '';
    if (e.replacement !== null) {
      const printed =
        typeof e.replacement === 'string' ? e.replacement : printNode(e.replacement, { comments: false });
      const eol = out.includes('\r\n') ? '\r\n' : '\n';
      replacement = printed
        .replace(/\r?\n$/, '')
        .split(/\r?\n/)
        .map((l, i) => (i === 0 || l === '' ? l : indent + l))
        .join(eol);
    }
    out = out.slice(0, offset) + replacement + out.slice(endOffset);
  }
  return out;
}

/** Replaces one node's text; see {@link applyEdits}. */
export function replaceNode(text: string, node: Node, replacement: Node | string | null): string {
  return applyEdits(text, [{ node, replacement }]);
}

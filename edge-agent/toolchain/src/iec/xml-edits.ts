/**
 * Minimal-diff edits of ST inside an XML file (TwinCAT, PLCopen): like
 * `applyEdits`, every byte outside the edited nodes stays as it was, and the
 * replacement is escaped the way its place in the file needs — as is inside
 * a CDATA section, with `&amp;`, `&lt;`, `&gt;` in escaped text (CODESYS's
 * xhtml bodies), so the file stays well-formed XML.
 */
import type { Node } from './ast';
import { applyEdits, type NodeEdit } from './edits';
import { printNode } from './printer';
import { parseXml, type XmlElement, XmlError } from './xml';

/** Escapes text for an XML text node. */
export function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Is `offset` inside a CDATA section of the document? */
function cdataAt(root: XmlElement, offset: number): boolean | undefined {
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    if (offset < el.start || offset > el.end) continue;
    for (const t of el.texts) if (offset >= t.start && offset <= t.end) return t.cdata;
    for (const c of el.children) stack.push(c);
  }
  return undefined;
}

/**
 * Applies edits to the text of an XML source file whose nodes were read by
 * `readTwinCat` or `readPlcopen` (their spans point into the file). Throws
 * RangeError for overlapping edits or an edit outside any text of the file
 * (a node generated from XML attributes, such as a PLCopen variable, cannot
 * be edited as text), and XmlError for a file that is not XML.
 */
export function applyXmlEdits(xml: string, edits: NodeEdit[]): string {
  const root = parseXml(xml);
  const escaped = edits.map((e): NodeEdit => {
    const inCdata = cdataAt(root, e.node.span.offset);
    if (inCdata === undefined)
      throw new RangeError(`offset ${e.node.span.offset} is not inside the text of an XML element`);
    if (e.replacement === null || inCdata) return e;
    const printed =
      typeof e.replacement === 'string'
        ? e.replacement
        : printNode(e.replacement as Node, { comments: false });
    if (printed.includes(']]>')) throw new RangeError("replacement contains ']]>'");
    return { node: e.node, replacement: escapeXmlText(printed) };
  });
  const out = applyEdits(xml, escaped);
  // the result must still be XML: fail here rather than hand back a broken file
  try {
    parseXml(out);
  } catch (err) {
    if (err instanceof XmlError) throw new RangeError(`the edit would break the XML: ${err.message}`);
    throw err;
  }
  return out;
}

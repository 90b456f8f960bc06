/**
 * What the two XML readers (TwinCAT, PLCopen) share: where they are in the
 * file, spans into the original XML, and opening the document at its expected
 * root element with a diagnostic (never an exception) when it is not there.
 */
import type { Span } from './ast';
import { type Diagnostic, diagnostic } from './diagnostics';
import { child, type LineMap, parseXml, type XmlElement, XmlError } from './xml';

/** A reader's position: the original XML text, its line map and the diagnostics so far. */
export interface XmlSourceContext {
  text: string;
  file: string;
  lines: LineMap;
  diagnostics: Diagnostic[];
}

/** A span between two offsets of the original XML file. */
export function xmlSpan(ctx: XmlSourceContext, start: number, end: number): Span {
  const a = ctx.lines.position(start);
  const b = ctx.lines.position(end);
  return {
    file: ctx.file,
    line: a.line,
    column: a.column,
    endLine: b.line,
    endColumn: b.column,
    offset: start,
    endOffset: end,
  };
}

/** The format of a file TwinCAT saved encrypted: it starts with `TcEncryptedFile`, then binary data. */
export const TWINCAT_ENCRYPTED =
  "a TwinCAT encrypted file (TcEncryptedFile, readable only with TwinCAT's key)";

/** Does the text (or the head of a file) start as a TwinCAT encrypted file does (a BOM allowed)? */
export function isTwinCatEncrypted(head: string): boolean {
  return head.startsWith('TcEncryptedFile') || head.startsWith('\ufeffTcEncryptedFile');
}

/**
 * Parses the XML and returns its `rootName` element, or undefined after
 * recording an ST1012 diagnostic (malformed XML, or `missing` when the element is absent).
 */
export function openXmlRoot(
  ctx: XmlSourceContext,
  rootName: string,
  missing: string,
): XmlElement | undefined {
  if (isTwinCatEncrypted(ctx.text)) {
    ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, 0, 0), ctx.file, `it is ${TWINCAT_ENCRYPTED}`));
    return undefined;
  }
  let root: XmlElement;
  try {
    root = parseXml(ctx.text);
  } catch (err) {
    const off = err instanceof XmlError ? err.offset : 0;
    ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, off, off), ctx.file, (err as Error).message));
    return undefined;
  }
  const el = child(root, rootName);
  if (!el) ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, 0, 0), ctx.file, missing));
  return el;
}

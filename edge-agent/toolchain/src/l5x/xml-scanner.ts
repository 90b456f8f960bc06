/**
 * L5X files go through the toolchain's one XML reader (`iec/xml.ts`), which
 * keeps the offset of every tag, attribute value and text run, so the writer
 * can replace one element and leave every other character of the file as it
 * was. These are the L5X readers' names for it: Logix exports use no
 * namespaces, so a name matches an element's whole name.
 */
import { attr, child, childrenNamed, parseXml, textOf, type XmlElement } from '../iec';

/** An element with the offsets of its start tag, content and end. */
export type XElement = XmlElement;

/** Scans a whole document; returns a synthetic `#document` element holding the root. Throws on malformed XML, with `offset`. */
export const scanXml: (text: string) => XElement = parseXml;

/** Escapes text for an attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;',
  );
}

/** First child element with this name. */
export const childEl: (el: XElement | undefined, name: string) => XElement | undefined = child;

/** All child elements with this name. */
export const childEls: (el: XElement | undefined, name: string) => XElement[] = childrenNamed;

/** An attribute's decoded value. */
export const attrOf: (el: XElement | undefined, name: string) => string | undefined = attr;

/** The decoded text directly inside an element (CDATA verbatim, other text unescaped). */
export function textIn(text: string, el: XElement | undefined): string {
  return el ? textOf(text, el) : '';
}

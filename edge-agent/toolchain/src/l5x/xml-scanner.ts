/**
 * A small XML scanner for L5X files. It keeps the offset of every tag,
 * attribute value and text run, so the writer can replace one element and
 * leave every other character of the file as it was. No DTDs, no namespaces:
 * Logix exports use neither.
 */

/** An element with the offsets of its start tag, content and end. */
export interface XElement {
  name: string;
  attrs: Map<string, XAttr>;
  children: XElement[];
  /** Text and CDATA runs directly inside the element, in order. */
  texts: XText[];
  /** Offset of `<` of the start tag. */
  start: number;
  /** Offset just after `>` of the start tag. */
  contentStart: number;
  /** Offset of `<` of the end tag (equals `end` for a self-closing tag). */
  contentEnd: number;
  /** Offset just after the end tag. */
  end: number;
}

/** An attribute; `valueStart`/`valueEnd` delimit the raw (still escaped) value. */
interface XAttr {
  value: string;
  valueStart: number;
  valueEnd: number;
}

/** A text run; for CDATA the range is the content between `<![CDATA[` and `]]>`. */
interface XText {
  cdata: boolean;
  start: number;
  end: number;
}

/** Malformed XML; `offset` is where the scanner stopped. */
class XmlScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references. */
function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/** Escapes text for an attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;',
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function nameEnd(text: string, p: number): number {
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (isSpace(c) || c === 47 /* / */ || c === 62 /* > */ || c === 61 /* = */) break;
    p++;
  }
  return p;
}

/** Scans a whole document; returns a synthetic `#document` element holding the root. */
export function scanXml(text: string): XElement {
  const n = text.length;
  const doc: XElement = {
    name: '#document',
    attrs: new Map(),
    children: [],
    texts: [],
    start: 0,
    contentStart: 0,
    contentEnd: n,
    end: n,
  };
  const stack: XElement[] = [doc];
  let pos = 0;
  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const top = stack[stack.length - 1] as XElement;
    if (lt < 0) {
      if (text.slice(pos).trim()) top.texts.push({ cdata: false, start: pos, end: n });
      break;
    }
    if (lt > pos) top.texts.push({ cdata: false, start: pos, end: lt });
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4);
      if (e < 0) throw new XmlScanError('comment is never closed', lt);
      pos = e + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const e = text.indexOf(']]>', lt + 9);
      if (e < 0) throw new XmlScanError('CDATA section is never closed', lt);
      top.texts.push({ cdata: true, start: lt + 9, end: e });
      pos = e + 3;
    } else if (text.startsWith('<?', lt)) {
      const e = text.indexOf('?>', lt + 2);
      if (e < 0) throw new XmlScanError('processing instruction is never closed', lt);
      pos = e + 2;
    } else if (text.startsWith('<!', lt)) {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw new XmlScanError('declaration is never closed', lt);
      pos = e + 1;
    } else if (text.charCodeAt(lt + 1) === 47) {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw new XmlScanError('end tag is never closed', lt);
      const name = text.slice(lt + 2, e).trim();
      if (top.name !== name || stack.length === 1) {
        throw new XmlScanError(`</${name}> does not close <${top.name}>`, lt);
      }
      top.contentEnd = lt;
      top.end = e + 1;
      stack.pop();
      pos = e + 1;
    } else {
      pos = startTag(text, lt, top, stack);
    }
  }
  if (stack.length > 1)
    throw new XmlScanError(`<${(stack[stack.length - 1] as XElement).name}> is never closed`, n);
  return doc;
}

function startTag(text: string, lt: number, top: XElement, stack: XElement[]): number {
  const n = text.length;
  let p = nameEnd(text, lt + 1);
  const name = text.slice(lt + 1, p);
  if (!name) throw new XmlScanError("'<' does not start a tag", lt);
  const el: XElement = {
    name,
    attrs: new Map(),
    children: [],
    texts: [],
    start: lt,
    contentStart: lt,
    contentEnd: lt,
    end: lt,
  };
  for (;;) {
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    if (p >= n) throw new XmlScanError(`tag <${name}> is never closed`, lt);
    if (text[p] === '>') {
      el.contentStart = p + 1;
      top.children.push(el);
      stack.push(el);
      return p + 1;
    }
    if (text[p] === '/' && text[p + 1] === '>') {
      el.contentStart = el.contentEnd = el.end = p + 2;
      top.children.push(el);
      return p + 2;
    }
    const a = p;
    p = nameEnd(text, p);
    const attrName = text.slice(a, p);
    if (!attrName) throw new XmlScanError(`unexpected '${text[p]}' in <${name}>`, p);
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    if (text[p] !== '=') throw new XmlScanError(`attribute ${attrName} of <${name}> has no value`, p);
    p++;
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    const q = text[p];
    if (q !== '"' && q !== "'") throw new XmlScanError(`attribute ${attrName} of <${name}> is not quoted`, p);
    const close = text.indexOf(q, p + 1);
    if (close < 0) throw new XmlScanError(`attribute ${attrName} of <${name}> is never closed`, p);
    el.attrs.set(attrName, {
      value: unescapeXml(text.slice(p + 1, close)),
      valueStart: p + 1,
      valueEnd: close,
    });
    p = close + 1;
  }
}

/** First child element with this name. */
export function childEl(el: XElement | undefined, name: string): XElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All child elements with this name. */
export function childEls(el: XElement | undefined, name: string): XElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** An attribute's decoded value. */
export function attrOf(el: XElement | undefined, name: string): string | undefined {
  return el?.attrs.get(name)?.value;
}

/** The decoded text directly inside an element (CDATA verbatim, other text unescaped). */
export function textIn(text: string, el: XElement | undefined): string {
  if (!el) return '';
  return el.texts
    .map((t) => (t.cdata ? text.slice(t.start, t.end) : unescapeXml(text.slice(t.start, t.end))))
    .join('');
}

import { ownString } from './own-text';

/**
 * A small, tolerant XML reader for TwinCAT, PLCopen and Rockwell L5X files.
 * It keeps the offsets of every element, its content and text runs, so ST
 * found inside XML is parsed in place, diagnostics point into the original
 * file, and a writer can replace one element's content and leave every other
 * character as it was. No DTDs, no namespaces beyond keeping prefixes in
 * names (vendor files need neither).
 */

/** An XML element with the file offsets of its tags and content. */
export interface XmlElement {
  name: string;
  attrs: Map<string, XmlAttr>;
  children: XmlElement[];
  /** Text and CDATA runs directly inside this element, in order. */
  texts: XmlText[];
  /** Offset of `<` of the start tag. */
  start: number;
  /** Offset just after `>` of the start tag. */
  contentStart: number;
  /** Offset of `<` of the end tag (equals `end` for a self-closing tag). */
  contentEnd: number;
  /** Offset just after the end tag (or the self-closing start tag). */
  end: number;
}

/** An attribute; `valueStart`/`valueEnd` delimit the raw (still escaped) value in the file. */
export interface XmlAttr {
  value: string;
  valueStart: number;
  valueEnd: number;
}

/** A text run; for CDATA the range is the raw content between `<![CDATA[` and `]]>`. */
export interface XmlText {
  cdata: boolean;
  start: number;
  end: number;
}

/** Thrown for malformed XML; `offset` is where reading stopped. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes `&lt;`, `&#10;`, `&#x41;` entities. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/**
 * Returns a copy of `text` where each entity inside [start, end) is replaced by
 * its character padded with spaces BEFORE it, so the copy has the same length
 * and every offset still matches the original file (`a &lt;= b` → `a    <= b`).
 */
export function sameLengthDecoded(text: string, start: number, end: number): string {
  const seg = text.slice(start, end);
  if (seg.indexOf('&') < 0) return text;
  const decoded = seg.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m) => {
    const ch = decodeEntities(m);
    return ch === m ? m : ' '.repeat(m.length - ch.length) + ch;
  });
  return text.slice(0, start) + decoded + text.slice(end);
}

/**
 * A character of JavaScript's `\s` (what the reader accepted before it compared char codes:
 * a RegExp test per character was most of a cold parse of a large XML file).
 */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 5760 ||
    (c >= 8192 && c <= 8202) ||
    c === 8232 ||
    c === 8233 ||
    c === 8239 ||
    c === 8287 ||
    c === 12288 ||
    c === 65279
  );
}

/** Ends an element name: a blank, `/` or `>`. */
const endsName = (c: number): boolean => c === 47 || c === 62 || isSpace(c);
/** Ends an attribute name: a blank, `=`, `/` or `>`. */
const endsAttributeName = (c: number): boolean => c === 61 || endsName(c);

/**
 * The attributes of every element without any: one shared map, never written (only
 * {@link parseXml} writes attributes, into a map of the element's own). Most elements of a
 * TwinCAT object (`<Declaration>`, `<Implementation>`, `<ST>`) have none (decision 0139).
 */
const NO_ATTRIBUTES: Map<string, XmlAttr> = new Map();

/*
 * An element's first child or text run makes a list of one: a list grown by `push` from `[]`
 * keeps room for 16, and most elements of a vendor file have one of each.
 */
function addChild(el: XmlElement, c: XmlElement): void {
  if (el.children.length === 0) el.children = [c];
  else el.children.push(c);
}
function addText(el: XmlElement, t: XmlText): void {
  if (el.texts.length === 0) el.texts = [t];
  else el.texts.push(t);
}

/**
 * Is `text[start, end)` the name `name` with white space (what `trim` removes) around it? Read
 * in place: an end tag's name is not needed as a string of its own.
 */
function closesElement(text: string, start: number, end: number, name: string): boolean {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end - start === name.length && text.startsWith(name, start);
}

/**
 * A start tag as {@link parseXml}'s loops read it, with a blank before each attribute: the
 * name, the attributes and the close. It matches a tag in one way only (each part ends at a
 * character the next must start with), so the loops read it alike. Used with `test`, which
 * makes no result array (`exec`'s arrays and substrings were 0.8 MB of a cold lcls parse's
 * garbage): the name is what {@link TAG_NAME} reads from the `<`, the attributes end at the
 * last value's closing quote, i.e. where the close (`\s*`, `/`, `>`, no quote) starts.
 */
const START_TAG = /<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*\/?>/y;
/** The name of a tag that {@link START_TAG} matched, from the character after its `<`. */
const TAG_NAME = /[^\s/>]+/y;
/**
 * One attribute of a tag {@link START_TAG} matched: blanks, its name, `=` and its value in
 * either quotes. Used with `test` like the tag: the value ends before the closing quote and
 * starts after the same quote before it (a value holds none of its own quotes); the name is
 * what {@link ATTRIBUTE_NAME} reads after the blanks.
 */
const ATTRIBUTE = /\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')/y;
const ATTRIBUTE_NAME = /[^\s=/>]+/y;

/**
 * Sets the attributes of `el` from `text[p, end)`, which {@link START_TAG} matched as
 * attributes; returns `end`. Each is what the loops of {@link parseXml} make of it.
 */
function readAttributes(text: string, el: XmlElement, p: number, end: number): number {
  el.attrs = new Map();
  ATTRIBUTE.lastIndex = p;
  while (ATTRIBUTE.lastIndex < end) {
    const start = ATTRIBUTE.lastIndex;
    // it matches: START_TAG matched these attributes (a miss would restart from 0)
    if (!ATTRIBUTE.test(text)) break;
    const valueEnd = ATTRIBUTE.lastIndex - 1;
    const valueStart = text.lastIndexOf(text[valueEnd]!, valueEnd - 1) + 1;
    let nameStart = start + 1;
    while (isSpace(text.charCodeAt(nameStart))) nameStart++;
    ATTRIBUTE_NAME.lastIndex = nameStart;
    ATTRIBUTE_NAME.test(text);
    const name = text.slice(nameStart, ATTRIBUTE_NAME.lastIndex);
    el.attrs.set(name, { value: decodeEntities(text.slice(valueStart, valueEnd)), valueStart, valueEnd });
    ATTRIBUTE.lastIndex = valueEnd + 1;
  }
  return end;
}

/** Parses a whole document; returns the root element. */
export function parseXml(text: string): XmlElement {
  let pos = 0;
  const n = text.length;
  const root: XmlElement = {
    name: '#document',
    attrs: NO_ATTRIBUTES,
    children: [],
    texts: [],
    start: 0,
    contentStart: 0,
    contentEnd: n,
    end: n,
  };
  const stack: XmlElement[] = [root];
  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      if (text.slice(pos).trim()) addText(top, { cdata: false, start: pos, end: n });
      break;
    }
    if (lt > pos) addText(top, { cdata: false, start: pos, end: lt });
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4);
      if (e < 0) throw new XmlError('comment is never closed', lt);
      pos = e + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const e = text.indexOf(']]>', lt + 9);
      if (e < 0) throw new XmlError('CDATA section is never closed', lt);
      addText(top, { cdata: true, start: lt + 9, end: e });
      pos = e + 3;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      const e = text.indexOf('?>', lt + 2);
      if (e < 0) throw new XmlError('processing instruction is never closed', lt);
      pos = e + 2;
      continue;
    }
    if (text.startsWith('<!', lt)) {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw new XmlError('declaration is never closed', lt);
      pos = e + 1;
      continue;
    }
    if (text[lt + 1] === '/') {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw new XmlError('end tag is never closed', lt);
      if (!closesElement(text, lt + 2, e, top.name) || stack.length === 1) {
        const name = text.slice(lt + 2, e).trim();
        throw new XmlError(`</${name}> does not close <${top.name}>`, lt);
      }
      top.contentEnd = lt;
      top.end = e + 1;
      stack.pop();
      pos = e + 1;
      continue;
    }
    // start tag: its name and attributes by one native match when it is well formed (the
    // loops below read anything else, and say what is wrong)
    let p = lt + 1;
    let name: string;
    let attributesEnd = p;
    START_TAG.lastIndex = lt;
    if (START_TAG.test(text)) {
      TAG_NAME.lastIndex = p;
      TAG_NAME.test(text);
      const nameEnd = TAG_NAME.lastIndex;
      name = text.slice(p, nameEnd);
      p = nameEnd;
      // back from the `>` over the close: an optional `/` and blanks
      let q = START_TAG.lastIndex - 1;
      if (text.charCodeAt(q - 1) === 47) q--;
      while (q > nameEnd && isSpace(text.charCodeAt(q - 1))) q--;
      attributesEnd = q;
    } else {
      while (p < n && !endsName(text.charCodeAt(p))) p++;
      name = text.slice(lt + 1, p);
    }
    if (!name) throw new XmlError("'<' does not start a tag", lt);
    const el: XmlElement = {
      name,
      attrs: NO_ATTRIBUTES,
      children: [],
      texts: [],
      start: lt,
      contentStart: lt,
      contentEnd: lt,
      end: lt,
    };
    if (attributesEnd > p) p = readAttributes(text, el, p, attributesEnd);
    while (true) {
      while (p < n && isSpace(text.charCodeAt(p))) p++;
      if (p >= n) throw new XmlError(`tag <${name}> is never closed`, lt);
      if (text[p] === '>') {
        p++;
        el.contentStart = p;
        addChild(top, el);
        stack.push(el);
        break;
      }
      if (text[p] === '/' && text[p + 1] === '>') {
        p += 2;
        el.contentStart = el.contentEnd = el.end = p;
        addChild(top, el);
        break;
      }
      const a = p;
      while (p < n && !endsAttributeName(text.charCodeAt(p))) p++;
      const attrName = text.slice(a, p);
      if (!attrName) throw new XmlError(`unexpected '${text[p]}' in <${name}>`, p);
      while (p < n && isSpace(text.charCodeAt(p))) p++;
      if (text[p] !== '=') throw new XmlError(`attribute ${attrName} of <${name}> has no value`, p);
      p++;
      while (p < n && isSpace(text.charCodeAt(p))) p++;
      const q = text[p];
      if (q !== '"' && q !== "'") throw new XmlError(`attribute ${attrName} of <${name}> is not quoted`, p);
      const close = text.indexOf(q, p + 1);
      if (close < 0) throw new XmlError(`attribute ${attrName} of <${name}> is never closed`, p);
      if (el.attrs === NO_ATTRIBUTES) el.attrs = new Map();
      el.attrs.set(attrName, {
        value: decodeEntities(text.slice(p + 1, close)),
        valueStart: p + 1,
        valueEnd: close,
      });
      p = close + 1;
    }
    pos = p;
  }
  if (stack.length > 1) throw new XmlError(`<${stack[stack.length - 1]!.name}> is never closed`, n);
  return root;
}

/** Local name without namespace prefix. */
export function localName(el: XmlElement): string {
  const i = el.name.indexOf(':');
  return i >= 0 ? el.name.slice(i + 1) : el.name;
}

/** First child with the given local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    if (localName(c) === name) return c;
  }
  return undefined;
}

/** All children with the given local name. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => localName(c) === name) : [];
}

/** The decoded text content of an element (its own text runs only). */
export function textOf(text: string, el: XmlElement): string {
  return el.texts
    .map((t) => (t.cdata ? text.slice(t.start, t.end) : decodeEntities(text.slice(t.start, t.end))))
    .join('');
}

/** The attribute value, or undefined. */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  const value = el?.attrs.get(name)?.value;
  // a value is a view into the file's text: a name a tree keeps would keep the whole text
  return value === undefined ? value : ownString(value);
}

/** Where {@link LineMap} collects line starts (entry 0 is always 0); grown as needed. */
let lineStarts = new Int32Array(4096);

/** Maps offsets of a text to 1-based line/column (binary search over line starts). */
export class LineMap {
  /** The offset where each line starts. */
  private readonly starts: Int32Array;
  constructor(text: string) {
    // one pass over the line feeds into a table kept between maps, then a copy at its length:
    // a cold run calls `indexOf` from slow code, and a pass to count them first cost as much
    let buf = lineStarts;
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      if (n === buf.length) {
        const grown = new Int32Array(n * 2);
        grown.set(buf);
        buf = lineStarts = grown;
      }
      buf[n++] = i + 1;
    }
    this.starts = buf.slice(0, n);
    // a very long file's table is not kept for the life of the process
    if (buf.length > 1 << 16) lineStarts = new Int32Array(4096);
  }
  /** The number of line feeds in the text, plus one. */
  get lineCount(): number {
    return this.starts.length;
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

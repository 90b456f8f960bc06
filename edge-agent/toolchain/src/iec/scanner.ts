/**
 * The ST scanner: turns source text into a flat token table (struct of typed
 * arrays, no per-token objects) plus the comments and pragmas between tokens.
 * IEC 61131-3 §6.1: keywords and identifiers are case-insensitive; comments
 * `(* *)` nest (3rd edition), `/* *\/` and `//` are the CODESYS/TwinCAT forms.
 */
import type { Span } from './ast';
import { type Diagnostic, diagnostic } from './diagnostics';

/** Token kinds. Keywords follow from {@link KEYWORD_BASE} in {@link KEYWORDS} order. */
export const T = {
  EOF: 0,
  Ident: 1,
  Int: 2,
  Real: 3,
  String: 4,
  WString: 5,
  /** `INT#5`, `T#1s`, `E_State#Idle` — prefix and value in one token. */
  Typed: 6,
  /** `%IX0.1`, `%QW4`, `%I*` */
  Address: 7,
  Assign: 10,
  Output: 11,
  Colon: 12,
  Semi: 13,
  Comma: 14,
  Dot: 15,
  DotDot: 16,
  LParen: 17,
  RParen: 18,
  LBracket: 19,
  RBracket: 20,
  Caret: 21,
  Plus: 22,
  Minus: 23,
  Star: 24,
  Slash: 25,
  Power: 26,
  Eq: 27,
  Ne: 28,
  Lt: 29,
  Gt: 30,
  Le: 31,
  Ge: 32,
  Amp: 33,
  /** A character that starts no token; reported once by the scanner. */
  Bad: 34,
} as const;

/**
 * Hard keywords (reserved). Contextual words such as GET, SET, ON, ABSTRACT,
 * CLASS, STEP, TRANSITION, FROM stay identifiers (plant code names variables
 * `Step` or `Class`); the parser recognises them by what follows.
 */
export const KEYWORDS = [
  'IF',
  'THEN',
  'ELSIF',
  'ELSE',
  'END_IF',
  'CASE',
  'OF',
  'END_CASE',
  'FOR',
  'TO',
  'BY',
  'DO',
  'END_FOR',
  'WHILE',
  'END_WHILE',
  'REPEAT',
  'UNTIL',
  'END_REPEAT',
  'EXIT',
  'CONTINUE',
  'RETURN',
  'JMP',
  'AND',
  'OR',
  'XOR',
  'NOT',
  'MOD',
  'AND_THEN',
  'OR_ELSE',
  'TRUE',
  'FALSE',
  'VAR',
  'VAR_INPUT',
  'VAR_OUTPUT',
  'VAR_IN_OUT',
  'VAR_TEMP',
  'VAR_GLOBAL',
  'VAR_EXTERNAL',
  'VAR_INST',
  'VAR_STAT',
  'VAR_CONFIG',
  'VAR_ACCESS',
  'END_VAR',
  'CONSTANT',
  'RETAIN',
  'NON_RETAIN',
  'PERSISTENT',
  'AT',
  'PROGRAM',
  'END_PROGRAM',
  'FUNCTION',
  'END_FUNCTION',
  'FUNCTION_BLOCK',
  'END_FUNCTION_BLOCK',
  'METHOD',
  'END_METHOD',
  'PROPERTY',
  'END_PROPERTY',
  'INTERFACE',
  'END_INTERFACE',
  'ACTION',
  'END_ACTION',
  'TYPE',
  'END_TYPE',
  'STRUCT',
  'END_STRUCT',
  'UNION',
  'END_UNION',
  'ARRAY',
  'REF_TO',
  'THIS',
  'SUPER',
  'CONFIGURATION',
  'END_CONFIGURATION',
  'RESOURCE',
  'END_RESOURCE',
  'END_GET',
  'END_SET',
  // appended, so the kinds above keep their numbers
  'VAR_GENERIC',
  'END_CLASS',
  'INITIAL_STEP',
  'END_STEP',
  'END_TRANSITION',
  '__TRY',
  '__CATCH',
  '__FINALLY',
  '__ENDTRY',
] as const;

export const KEYWORD_BASE = 100;
export type Keyword = (typeof KEYWORDS)[number];
const keywordMap = new Map<string, number>(KEYWORDS.map((k, i) => [k, KEYWORD_BASE + i]));

const spellingKinds = new Map<string, number>();

/** Token kind of a keyword. */
export function kw(word: Keyword): number {
  return keywordMap.get(word)!;
}

/** Names of the time/date literal prefixes (§6.3.4/§6.3.5). */
const DURATION_PREFIXES = new Set(['T', 'TIME', 'LT', 'LTIME']);
const DATE_PREFIXES = new Set([
  'D',
  'DATE',
  'LD',
  'LDATE',
  'TOD',
  'TIME_OF_DAY',
  'LTOD',
  'LTIME_OF_DAY',
  'DT',
  'DATE_AND_TIME',
  'LDT',
  'LDATE_AND_TIME',
]);

/** A comment or pragma found between tokens. */
export interface Trivia {
  pragma: boolean;
  style: 'block' | 'c-block' | 'line' | 'pragma';
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ownLine: boolean;
}

/** Bytes per token in {@link Tokens}: seven Int32 columns, one Uint16, one Uint8 (rounded to 32). */
const BYTES_PER_TOKEN = 32;

/**
 * Token tables are carved out of shared 1 MiB slabs (a bump allocator): a
 * reader scans hundreds of small bodies per file, and an ArrayBuffer per scan
 * cost more than the scanning. A slab is never reused; it is freed when no
 * table in it is alive. Tables bigger than a quarter slab get their own buffer.
 */
const SLAB_BYTES = 1 << 20;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function tokenBuffer(bytes: number): { buf: ArrayBuffer; at: number } {
  if (bytes > SLAB_BYTES / 4) return { buf: new ArrayBuffer(bytes), at: 0 };
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += bytes;
  return { buf: slab, at };
}

/** The scanned token table. Index i describes token i; the last token is EOF. */
export class Tokens {
  count = 0;
  kind: Uint16Array;
  start: Int32Array;
  end: Int32Array;
  line: Int32Array;
  col: Int32Array;
  endLine: Int32Array;
  endCol: Int32Array;
  /** Number of trivia items scanned before this token. */
  trivia: Int32Array;
  /** True when a line break precedes the token. */
  nl: Uint8Array;

  constructor(capacity: number) {
    // one buffer for all nine columns: a reader scans many small bodies, and nine
    // separate typed arrays per scan cost more to allocate than the scanning itself
    const { buf, at } = tokenBuffer(capacity * BYTES_PER_TOKEN);
    const i32 = (k: number): Int32Array => new Int32Array(buf, at + k * 4 * capacity, capacity);
    this.start = i32(0);
    this.end = i32(1);
    this.line = i32(2);
    this.col = i32(3);
    this.endLine = i32(4);
    this.endCol = i32(5);
    this.trivia = i32(6);
    this.kind = new Uint16Array(buf, at + 28 * capacity, capacity);
    this.nl = new Uint8Array(buf, at + 30 * capacity, capacity);
  }

  grow(): void {
    const old = { ...this };
    const t = new Tokens(this.kind.length * 2);
    t.start.set(old.start);
    t.end.set(old.end);
    t.line.set(old.line);
    t.col.set(old.col);
    t.endLine.set(old.endLine);
    t.endCol.set(old.endCol);
    t.trivia.set(old.trivia);
    t.kind.set(old.kind);
    t.nl.set(old.nl);
    this.start = t.start;
    this.end = t.end;
    this.line = t.line;
    this.col = t.col;
    this.endLine = t.endLine;
    this.endCol = t.endCol;
    this.trivia = t.trivia;
    this.kind = t.kind;
    this.nl = t.nl;
  }
}

/** Result of {@link scan}. */
export interface ScanResult {
  text: string;
  file: string;
  tokens: Tokens;
  trivia: Trivia[];
  diagnostics: Diagnostic[];
}

const isIdentStart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c > 127 && c !== 0xfeff && c !== 0xa0);
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 95;

/**
 * The index of `ch` in `text[start, end)`, or -1. Never looks past `end`: `indexOf` from
 * `start` would search on to the end of the file when the range has none, and a reader scans
 * hundreds of bodies of one XML file.
 */
export function indexInRange(text: string, ch: string, start: number, end: number): number {
  const i = text.slice(start, end).indexOf(ch);
  return i < 0 ? -1 : start + i;
}

/** A CR not followed by LF: a classic Mac line break. */
const LONE_CR = /\r(?!\n)/;

/**
 * Scans `text[start, end)`; positions are those of `text`, so a snippet inside
 * an XML file keeps its real offsets. `line`/`column` give the position of `start`.
 */
export function scan(
  text: string,
  file: string,
  start = 0,
  end = text.length,
  line = 1,
  column = 1,
): ScanResult {
  // Files saved with classic Mac line endings (CR alone): each lone CR is read as a
  // line break. The replacement keeps every offset, so positions stay those of the file.
  // Only the range is looked at: a reader scans many bodies of one XML file, and
  // touching the whole file each time made reading it quadratic in its size.
  // One native search of the range, not a JavaScript loop over every CR of a CRLF file;
  // a CR that ends the range and is followed by LF in the text is not alone.
  const range = text.slice(start, end);
  const lone = range.search(LONE_CR);
  if (lone >= 0 && !(lone === range.length - 1 && text.charCodeAt(end) === 10)) {
    text = text.slice(0, start) + range.replace(/\r(?!\n)/g, '\n') + text.slice(end);
  }
  // about one token per 6 characters in real code; grow() doubles when denser
  const tokens = new Tokens(Math.max(64, Math.ceil((end - start) / 6)));
  const trivia: Trivia[] = [];
  const diagnostics: Diagnostic[] = [];
  let pos = start;
  let ln = line;
  let lineStart = start - (column - 1);
  let sawNewline = true;
  let lineHasToken = false;

  const span = (s: number, sl: number, sc: number, e: number): Span => ({
    file,
    line: sl,
    column: sc,
    endLine: ln,
    endColumn: e - lineStart + 1,
    offset: s,
    endOffset: e,
  });
  const push = (kind: number, s: number, sl: number, sc: number): void => {
    const t = tokens;
    if (t.count === t.kind.length) t.grow();
    const i = t.count++;
    t.kind[i] = kind;
    t.start[i] = s;
    t.end[i] = pos;
    t.line[i] = sl;
    t.col[i] = sc;
    t.endLine[i] = ln;
    t.endCol[i] = pos - lineStart + 1;
    t.trivia[i] = trivia.length;
    t.nl[i] = sawNewline ? 1 : 0;
    sawNewline = false;
    lineHasToken = true;
  };

  while (pos < end) {
    const c = text.charCodeAt(pos);
    // whitespace
    if (c === 10) {
      pos++;
      ln++;
      lineStart = pos;
      sawNewline = true;
      lineHasToken = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xfeff || c === 0xa0) {
      pos++;
      continue;
    }
    const s = pos;
    const sl = ln;
    const sc = pos - lineStart + 1;
    if (isIdentStart(c)) {
      pos++;
      while (pos < end && isIdentPart(text.charCodeAt(pos))) pos++;
      if (pos < end && text.charCodeAt(pos) === 35 /* # */) {
        scanTypedLiteral(text.slice(s, pos).toUpperCase());
        push(T.Typed, s, sl, sc);
        continue;
      }
      const len = pos - s;
      let k: number = T.Ident;
      if (len >= 2 && len <= 18) {
        // spellings repeat: remember each one's kind instead of upper-casing every identifier
        const spelling = text.slice(s, pos);
        let cached = spellingKinds.get(spelling);
        if (cached === undefined) {
          cached = keywordMap.get(spelling.toUpperCase()) ?? T.Ident;
          if (spellingKinds.size > 100_000) spellingKinds.clear();
          spellingKinds.set(spelling, cached);
        }
        k = cached;
      }
      push(k, s, sl, sc);
      continue;
    }
    if (isDigit(c)) {
      push(scanNumber(), s, sl, sc);
      continue;
    }
    const n = pos + 1 < end ? text.charCodeAt(pos + 1) : 0;
    switch (c) {
      case 40 /* ( */:
        if (n === 42 /* * */) {
          scanBlockComment(true);
          continue;
        }
        pos++;
        push(T.LParen, s, sl, sc);
        continue;
      case 47 /* / */:
        if (n === 47) {
          while (pos < end && text.charCodeAt(pos) !== 10) pos++;
          let e = pos;
          if (e > s && text.charCodeAt(e - 1) === 13) e--;
          addTrivia(false, 'line', s, sl, sc, e);
          continue;
        }
        if (n === 42) {
          scanBlockComment(false);
          continue;
        }
        pos++;
        push(T.Slash, s, sl, sc);
        continue;
      case 123 /* { */:
        {
          // MATIEC/Beremiz `{{ C code }}` blocks end at `}}`, pragmas at the first `}`
          const cBlock = n === 123;
          const cEnd = cBlock ? text.indexOf('}}', pos + 2) : -1;
          const close = cBlock ? (cEnd < 0 ? -1 : cEnd + 1) : text.indexOf('}', pos + 1);
          if (close < 0 || close >= end) {
            pos = end;
            diagnostics.push(diagnostic('ST1009', span(s, sl, sc, s + 1)));
            continue;
          }
          for (let i = pos; i < close; i++) {
            if (text.charCodeAt(i) === 10) {
              ln++;
              lineStart = i + 1;
            }
          }
          pos = close + 1;
          addTrivia(true, 'pragma', s, sl, sc, pos);
          continue;
        }
      case 64 /* @ */:
        // rusty/OSCAT `@EXTERNAL` marker: kept as a pragma on the following POU
        if (isIdentStart(n)) {
          pos++;
          while (pos < end && isIdentPart(text.charCodeAt(pos))) pos++;
          addTrivia(true, 'pragma', s, sl, sc, pos);
          continue;
        }
        pos++;
        diagnostics.push(diagnostic('ST1005', span(s, sl, sc, pos), '@'));
        push(T.Bad, s, sl, sc);
        continue;
      case 39 /* ' */:
      case 34 /* " */:
        scanString(c);
        push(c === 39 ? T.String : T.WString, s, sl, sc);
        continue;
      case 58 /* : */:
        if (n === 61) {
          pos += 2;
          push(T.Assign, s, sl, sc);
        } else {
          pos++;
          push(T.Colon, s, sl, sc);
        }
        continue;
      case 61 /* = */:
        if (n === 62) {
          pos += 2;
          push(T.Output, s, sl, sc);
        } else {
          pos++;
          push(T.Eq, s, sl, sc);
        }
        continue;
      case 60 /* < */:
        pos += n === 61 || n === 62 ? 2 : 1;
        push(n === 61 ? T.Le : n === 62 ? T.Ne : T.Lt, s, sl, sc);
        continue;
      case 62 /* > */:
        pos += n === 61 ? 2 : 1;
        push(n === 61 ? T.Ge : T.Gt, s, sl, sc);
        continue;
      case 42 /* * */:
        pos += n === 42 ? 2 : 1;
        push(n === 42 ? T.Power : T.Star, s, sl, sc);
        continue;
      case 46 /* . */:
        pos += n === 46 ? 2 : 1;
        push(n === 46 ? T.DotDot : T.Dot, s, sl, sc);
        continue;
      case 59:
        pos++;
        push(T.Semi, s, sl, sc);
        continue;
      case 44:
        pos++;
        push(T.Comma, s, sl, sc);
        continue;
      case 41:
        pos++;
        push(T.RParen, s, sl, sc);
        continue;
      case 91:
        pos++;
        push(T.LBracket, s, sl, sc);
        continue;
      case 93:
        pos++;
        push(T.RBracket, s, sl, sc);
        continue;
      case 94:
        pos++;
        push(T.Caret, s, sl, sc);
        continue;
      case 43:
        pos++;
        push(T.Plus, s, sl, sc);
        continue;
      case 45:
        pos++;
        push(T.Minus, s, sl, sc);
        continue;
      case 38:
        pos++;
        push(T.Amp, s, sl, sc);
        continue;
      case 37 /* % */:
        {
          pos++;
          while (pos < end) {
            const d = text.charCodeAt(pos);
            if (isIdentPart(d) || d === 42) pos++;
            else if (d === 46 && pos + 1 < end && isDigit(text.charCodeAt(pos + 1))) pos++;
            else break;
          }
          push(T.Address, s, sl, sc);
          continue;
        }
      default: {
        pos++;
        // a lone surrogate pair counts as one character
        if (c >= 0xd800 && c <= 0xdbff && pos < end) pos++;
        const last = tokens.count > 0 ? tokens.kind[tokens.count - 1] : -1;
        // report a run of bad characters once
        if (last !== T.Bad || tokens.end[tokens.count - 1] !== s) {
          diagnostics.push(diagnostic('ST1005', span(s, sl, sc, pos), text.slice(s, pos)));
        }
        push(T.Bad, s, sl, sc);
      }
    }
  }
  const eofCol = pos - lineStart + 1;
  if (tokens.count === tokens.kind.length) tokens.grow();
  const i = tokens.count++;
  tokens.kind[i] = T.EOF;
  tokens.start[i] = pos;
  tokens.end[i] = pos;
  tokens.line[i] = ln;
  tokens.col[i] = eofCol;
  tokens.endLine[i] = ln;
  tokens.endCol[i] = eofCol;
  tokens.trivia[i] = trivia.length;
  tokens.nl[i] = 1;
  return { text, file, tokens, trivia, diagnostics };

  function addTrivia(
    pragma: boolean,
    style: Trivia['style'],
    s: number,
    sl: number,
    sc: number,
    e: number,
  ): void {
    trivia.push({
      pragma,
      style,
      start: s,
      end: e,
      line: sl,
      column: sc,
      endLine: ln,
      endColumn: e - lineStart + 1,
      ownLine: !lineHasToken,
    });
  }

  function scanBlockComment(nested: boolean): void {
    const s = pos;
    const sl = ln;
    const sc = pos - lineStart + 1;
    const open = nested ? 40 : 47;
    const close = nested ? 41 : 47;
    pos += 2;
    let depth = 1;
    // where the comment ends if comments do not nest (IEC 61131-3 2nd edition, MATIEC, CODESYS V2)
    let firstClose = -1;
    let firstCloseLn = 0;
    let firstCloseLineStart = 0;
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (d === 10) {
        pos++;
        ln++;
        lineStart = pos;
        continue;
      }
      if (d === 42 && pos + 1 < end && text.charCodeAt(pos + 1) === close) {
        pos += 2;
        if (firstClose < 0) {
          firstClose = pos;
          firstCloseLn = ln;
          firstCloseLineStart = lineStart;
        }
        if (--depth === 0) break;
        continue;
      }
      if (nested && d === open && pos + 1 < end && text.charCodeAt(pos + 1) === 42) {
        pos += 2;
        depth++;
        continue;
      }
      pos++;
    }
    if (depth > 0 && firstClose >= 0) {
      // unbalanced when nested: the source was written for non-nesting comments
      pos = firstClose;
      ln = firstCloseLn;
      lineStart = firstCloseLineStart;
      depth = 0;
    }
    if (depth > 0) {
      diagnostics.push(
        diagnostic('ST1003', {
          file,
          line: sl,
          column: sc,
          endLine: sl,
          endColumn: sc + 2,
          offset: s,
          endOffset: s + 2,
        }),
      );
    }
    addTrivia(false, nested ? 'block' : 'c-block', s, sl, sc, pos);
  }

  function scanString(quote: number): void {
    const s = pos;
    const sl = ln;
    const sc = pos - lineStart + 1;
    pos++;
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (d === quote) {
        pos++;
        return;
      }
      if (d === 36 /* $ */) {
        pos += pos + 1 < end && text.charCodeAt(pos + 1) !== 10 ? 2 : 1;
        continue;
      }
      if (d === 10) break;
      pos++;
    }
    if (pos > end) pos = end;
    diagnostics.push(diagnostic('ST1004', span(s, sl, sc, pos)));
  }

  function scanDigits(hex: boolean): void {
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (hex ? isHex(d) : isDigit(d) || d === 95) pos++;
      else break;
    }
  }

  function scanNumber(): number {
    scanDigits(false);
    if (pos < end && text.charCodeAt(pos) === 35 /* # */) {
      pos++;
      scanDigits(true);
      return T.Int;
    }
    let kind: number = T.Int;
    if (pos + 1 < end && text.charCodeAt(pos) === 46 && isDigit(text.charCodeAt(pos + 1))) {
      pos++;
      scanDigits(false);
      kind = T.Real;
    }
    if (pos < end && (text.charCodeAt(pos) | 32) === 101 /* e */) {
      let p = pos + 1;
      const sign = p < end ? text.charCodeAt(p) : 0;
      if (sign === 43 || sign === 45) p++;
      if (p < end && isDigit(text.charCodeAt(p))) {
        pos = p;
        scanDigits(false);
        kind = T.Real;
      }
    }
    return kind;
  }

  function scanTypedLiteral(prefix: string): void {
    pos++; // '#'
    if (DURATION_PREFIXES.has(prefix) || DATE_PREFIXES.has(prefix)) {
      const dateLike = DATE_PREFIXES.has(prefix);
      const first = pos;
      while (pos < end) {
        const d = text.charCodeAt(pos);
        if (isIdentPart(d) || d === 46 || d === 58) pos++;
        else if ((d === 45 || d === 43) && (dateLike || pos === first)) pos++;
        else break;
      }
      return;
    }
    const d = pos < end ? text.charCodeAt(pos) : 0;
    if (d === 43 || d === 45) pos++;
    const e = pos < end ? text.charCodeAt(pos) : 0;
    if (isDigit(e)) scanNumber();
    else if (e === 39 || e === 34) scanString(e);
    else while (pos < end && isIdentPart(text.charCodeAt(pos))) pos++;
  }
}

/** Display text of a token kind, for messages. */
export function tokenKindName(kind: number): string {
  if (kind >= KEYWORD_BASE) return KEYWORDS[kind - KEYWORD_BASE] ?? 'keyword';
  switch (kind) {
    case T.EOF:
      return 'end of file';
    case T.Ident:
      return 'a name';
    case T.Int:
    case T.Real:
      return 'a number';
    case T.String:
    case T.WString:
      return 'a string';
    case T.Typed:
      return 'a literal';
    case T.Address:
      return 'an address';
    default:
      return `'${PUNCT[kind] ?? '?'}'`;
  }
}

export const PUNCT: Record<number, string> = {
  [T.Assign]: ':=',
  [T.Output]: '=>',
  [T.Colon]: ':',
  [T.Semi]: ';',
  [T.Comma]: ',',
  [T.Dot]: '.',
  [T.DotDot]: '..',
  [T.LParen]: '(',
  [T.RParen]: ')',
  [T.LBracket]: '[',
  [T.RBracket]: ']',
  [T.Caret]: '^',
  [T.Plus]: '+',
  [T.Minus]: '-',
  [T.Star]: '*',
  [T.Slash]: '/',
  [T.Power]: '**',
  [T.Eq]: '=',
  [T.Ne]: '<>',
  [T.Lt]: '<',
  [T.Gt]: '>',
  [T.Le]: '<=',
  [T.Ge]: '>=',
  [T.Amp]: '&',
  [T.Bad]: '?',
};

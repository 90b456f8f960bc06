/**
 * The ST scanner: turns source text into a flat token table (struct of typed
 * arrays, no per-token objects) plus the comments and pragmas between tokens.
 * IEC 61131-3 §6.1: keywords and identifiers are case-insensitive; comments
 * `(* *)` nest (3rd edition), `/* *\/` and `//` are the CODESYS/TwinCAT forms.
 */
import { type Span, SpanLines } from './ast';
import { type Diagnostic, diagnostic } from './diagnostics';
import { ownString } from './own-text';

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

/**
 * The Int32 fields of token i in {@link Tokens.data}, at `i * TOKEN_FIELDS + TK_…`: its start
 * and end offsets, the line and column of its start, the number of trivia items scanned before
 * it, 1 when a line break precedes it, and a word's hash ({@link TK_HASH}). A token never spans
 * lines, so it ends on its line at column `col + end - start`.
 */
export const TOKEN_FIELDS = 7;
export const TK_START = 0;
export const TK_END = 1;
export const TK_LINE = 2;
export const TK_COL = 3;
export const TK_TRIVIA = 4;
export const TK_NL = 5;
/** A word's {@link charsHash}, made as the scanner reads it (0 for other tokens: not made). */
export const TK_HASH = 6;

/** FNV-1a's offset basis and prime: the hash of a token's characters the parser interns by. */
const HASH_BASIS = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/**
 * The hash of `text[s, e)` that the scanner stores for a word ({@link TK_HASH}): FNV-1a over
 * its UTF-16 units. The parser interns token strings by it (decision 0142) and makes it itself
 * for other tokens.
 */
export function charsHash(text: string, s: number, e: number): number {
  let h = HASH_BASIS;
  for (let i = s; i < e; i++) h = Math.imul(h ^ text.charCodeAt(i), HASH_PRIME);
  return h;
}

/** Bytes per token in {@link Tokens}: the Int32 fields and the Uint16 kind (rounded to 4). */
const BYTES_PER_TOKEN = TOKEN_FIELDS * 4 + 4;

/**
 * Token tables are carved out of shared 1 MiB slabs (a bump allocator): a
 * reader scans hundreds of small bodies per file, and an ArrayBuffer per scan
 * cost more than the scanning. A slab is never reused; it is freed when no
 * table in it is alive. Tables bigger than a quarter slab get their own buffer.
 */
const SLAB_BYTES = 1 << 20;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * The scanned token table. Index i describes token i; the last token is EOF. Two views of
 * one buffer, not one typed array per field: a reader scans many small bodies, and making the
 * views cost more than scanning them.
 */
export class Tokens {
  count = 0;
  kind: Uint16Array;
  /** {@link TOKEN_FIELDS} Int32 per token (see there). */
  data: Int32Array;

  /** `own`: in a buffer of its own, never in a slab (the scanner's scratch table). */
  constructor(capacity: number, own = false) {
    const bytes = capacity * BYTES_PER_TOKEN;
    let buf = slab;
    let at = 0;
    if (own || bytes > SLAB_BYTES / 4) buf = new ArrayBuffer(bytes);
    else {
      if (slabUsed + bytes > SLAB_BYTES) {
        slab = new ArrayBuffer(SLAB_BYTES);
        slabUsed = 0;
      }
      buf = slab;
      at = slabUsed;
      slabUsed += bytes;
    }
    this.data = new Int32Array(buf, at, capacity * TOKEN_FIELDS);
    this.kind = new Uint16Array(buf, at + capacity * TOKEN_FIELDS * 4, capacity);
  }

  grow(): void {
    const t = new Tokens(this.kind.length * 2);
    t.data.set(this.data);
    t.kind.set(this.kind);
    this.data = t.data;
    this.kind = t.kind;
  }
}

/**
 * The table a range small enough for a slab is scanned into, then copied out at its size
 * ({@link Lexer.finish}). A table sized for one token per 4 characters (so that it seldom
 * grows) used a slab three times faster than its tokens filled it, and the slab's pages are
 * fresh memory: on a virtual machine each first touch of a 4-KiB page cost ~15 µs, the larger
 * part of a cold scan of a TwinCAT project (decision 0167). The scratch table's pages are
 * touched once per process.
 */
let scratch: Tokens | undefined;

/** Tokens of room after the last (EOF) token of a table copied out of the scratch: they read as EOF (0). */
const COPY_PAD = 2;

/**
 * The scratch table is lent to a reader's parser ({@link scan} with `lend`) and not yet given
 * back ({@link giveBack}): a scan meanwhile uses a slab table of its own.
 */
let scratchLent = false;

/** Gives back the scratch table a parser was lent (any other table: nothing to do). */
export function giveBack(tokens: Tokens): void {
  if (tokens === scratch) scratchLent = false;
}

/** Result of {@link scan}. */
export interface ScanResult {
  text: string;
  file: string;
  tokens: Tokens;
  trivia: Trivia[];
  diagnostics: Diagnostic[];
  /** The range's line starts, as the scanner counted them: what the parser's spans read lines from. */
  lines: SpanLines;
}

/** Where {@link Lexer.lineTable} collects line starts; grown as needed, kept between scans. */
let lineStarts = new Int32Array(4096);

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
  to?: number,
  line = 1,
  column = 1,
  lend = false,
): ScanResult {
  // the text's length read on every call, not only when no end is given: optimised code made
  // while every call gave one (a TwinCAT body) had no feedback for the read
  const length = text.length;
  const end = to === undefined ? length : to;
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
  const lexer = new Lexer(text, file, start, end, line, column);
  while (lexer.pos < end) lexer.step();
  return lexer.finish(lend);
}

/**
 * The scanner's state over one range. One object with methods rather than one function
 * with closures: `step` reads one token (or comment) per call, so V8 optimises it as an
 * ordinary hot function within the first few hundred tokens of a cold process. A single
 * loop over the whole file could only be optimised on the stack (OSR), and it fell back
 * to the baseline tier at the first kind of token the optimised code had not seen yet
 * (a string literal late in a file), for the rest of that file.
 */
class Lexer {
  readonly text: string;
  readonly file: string;
  readonly end: number;
  pos: number;
  ln: number;
  lineStart: number;
  /** Where the range starts; its first line, and where that line starts. */
  readonly start: number;
  readonly firstLine: number;
  readonly firstLineStart: number;
  /**
   * Where the scanner stopped counting line breaks: an unclosed pragma ends the scan at the
   * range's end without counting the ones in it (the end-of-file token is on the pragma's line).
   */
  countedEnd: number;
  sawNewline = true;
  lineHasToken = false;
  readonly tokens: Tokens;
  readonly trivia: Trivia[] = [];
  readonly diagnostics: Diagnostic[] = [];

  constructor(text: string, file: string, start: number, end: number, line: number, column: number) {
    this.text = text;
    this.file = file;
    this.end = end;
    this.pos = start;
    this.ln = line;
    this.lineStart = start - (column - 1);
    this.start = start;
    this.firstLine = line;
    this.firstLineStart = this.lineStart;
    this.countedEnd = end;
    // room for one token per 4 characters: dense TwinCAT bodies have one per 3-6, and a table
    // that grows mid-scan is copied (lcls-twincat-motion: 21 grows at 6, none at 4)
    const capacity = Math.max(64, Math.ceil((end - start) / 4));
    if (capacity * BYTES_PER_TOKEN > SLAB_BYTES / 4 || scratchLent) {
      // a buffer of its own, whose room past the last token is never touched (or, while the
      // scratch table is lent, a slab table as before decision 0167)
      this.tokens = new Tokens(capacity);
    } else {
      // slab-sized: into the scratch table, copied out at its size by finish
      scratch ??= new Tokens((SLAB_BYTES / 4 / BYTES_PER_TOKEN) | 0, true);
      scratch.count = 0;
      this.tokens = scratch;
    }
  }

  span(s: number, sl: number, sc: number, e: number): Span {
    return {
      file: this.file,
      line: sl,
      column: sc,
      endLine: this.ln,
      endColumn: e - this.lineStart + 1,
      offset: s,
      endOffset: e,
    };
  }

  push(kind: number, s: number, sl: number, sc: number, hash = 0): void {
    const t = this.tokens;
    if (t.count === t.kind.length) t.grow();
    const i = t.count++;
    const d = t.data;
    const f = i * TOKEN_FIELDS;
    t.kind[i] = kind;
    d[f + TK_START] = s;
    d[f + TK_END] = this.pos;
    d[f + TK_LINE] = sl;
    d[f + TK_COL] = sc;
    d[f + TK_TRIVIA] = this.trivia.length;
    d[f + TK_NL] = this.sawNewline ? 1 : 0;
    d[f + TK_HASH] = hash;
    this.sawNewline = false;
    this.lineHasToken = true;
  }

  /** Skips white space, then reads one token, comment or pragma (if any is left). */
  step(): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos;
    let c = 0;
    while (pos < end) {
      c = text.charCodeAt(pos);
      if (c === 10) {
        pos++;
        this.ln++;
        this.lineStart = pos;
        this.sawNewline = true;
        this.lineHasToken = false;
        continue;
      }
      if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xfeff || c === 0xa0) {
        pos++;
        continue;
      }
      break;
    }
    this.pos = pos;
    if (pos >= end) return;
    const s = pos;
    const sl = this.ln;
    const sc = pos - this.lineStart + 1;
    if (isIdentStart(c)) {
      pos++;
      // the bits of every character: below 128 when the word is ASCII; and its hash
      // ({@link charsHash}), made here in the scanner's optimised loop rather than by the
      // parser, whose code for it ran unoptimised for much of a cold parse
      let bits = c;
      let hash = Math.imul(HASH_BASIS ^ c, HASH_PRIME);
      while (pos < end) {
        const d = text.charCodeAt(pos);
        if (!isIdentPart(d)) break;
        bits |= d;
        hash = Math.imul(hash ^ d, HASH_PRIME);
        pos++;
      }
      this.pos = pos;
      if (pos >= end || text.charCodeAt(pos) !== 35 /* # */) {
        this.push(wordKind(text, s, pos, bits < 128), s, sl, sc, hash);
        return;
      }
      // a typed literal (`T#5S`): read by `seldom`
    } else if (isDigit(c)) {
      this.push(this.scanNumber(), s, sl, sc);
      return;
    } else if (c < 128) {
      // punctuation and comment openings by table: one path for all of them, so a rare one
      // (the first `*` or `/` of a file) finds the optimised code ready for it instead of
      // sending it back to the interpreter
      const n = pos + 1 < end ? text.charCodeAt(pos + 1) : 0;
      const pair = n < 128 ? PAIRS[(c << 7) | n]! : 0;
      if (pair !== 0) {
        if (pair < FIRST_COMMENT_PAIR) {
          this.pos = pos + 2;
          this.push(pair, s, sl, sc);
          return;
        }
        // a comment: read by `seldom`, with strings, pragmas and typed literals. Step's one call
        // of it is made early in nearly every file, so the kind met first after step is
        // optimised (a first block comment, string or pragma) sends only `seldom` or
        // `scanComment` back to the interpreter, not step itself (decision 0177)
      } else {
        const single = SINGLE[c]!;
        if (single !== 0) {
          this.pos = pos + 1;
          this.push(single, s, sl, sc);
          return;
        }
      }
    }
    this.seldom(c, s, sl, sc);
  }

  /**
   * What `step` meets seldom — typed literals, pragmas, `@` markers, strings, addresses and
   * characters that start nothing — behind one call in `step`. Once `step` is optimised, the
   * first of a kind it has not seen (the first string literal, late in a file) then costs
   * this function a return to the interpreter, not `step` (which took 10 ms of the second
   * core to compile again, each time, in a cold `compile`).
   */
  seldom(c: number, s: number, sl: number, sc: number): void {
    const text = this.text;
    const end = this.end;
    const pos = this.pos;
    if (isIdentStart(c)) {
      this.scanTypedLiteral(text.slice(s, pos).toUpperCase());
      this.push(T.Typed, s, sl, sc);
      return;
    }
    const n = pos + 1 < end ? text.charCodeAt(pos + 1) : 0;
    switch (c) {
      case 123 /* { */:
        this.scanPragma(n === 123, s, sl, sc);
        return;
      case 64 /* @ */:
        {
          // rusty/OSCAT `@EXTERNAL` marker: kept as a pragma on the following POU
          if (isIdentStart(n)) {
            let p = pos + 1;
            while (p < end && isIdentPart(text.charCodeAt(p))) p++;
            this.pos = p;
            this.addTrivia(true, 'pragma', s, sl, sc, p);
            return;
          }
          this.pos = pos + 1;
          this.diagnostics.push(diagnostic('ST1005', this.span(s, sl, sc, pos + 1), '@'));
          this.push(T.Bad, s, sl, sc);
          return;
        }
      case 40 /* ( */:
      case 47 /* / */:
        // only a comment's opening comes here from step (`(*`, `//`, `/*`)
        this.scanComment(PAIRS[(c << 7) | n]!, s, sl, sc);
        return;
      case 39 /* ' */:
      case 34 /* " */:
        this.scanString(c);
        this.push(c === 39 ? T.String : T.WString, s, sl, sc);
        return;
      case 37 /* % */:
        this.scanAddress();
        this.push(T.Address, s, sl, sc);
        return;
    }
    this.badCharacter(c, s, sl, sc);
  }

  /** The end-of-file token; the scan's result (`lend`: the scratch table itself, see {@link fitted}). */
  finish(lend: boolean): ScanResult {
    const tokens = this.tokens;
    const pos = this.pos;
    const eofCol = pos - this.lineStart + 1;
    if (tokens.count === tokens.kind.length) tokens.grow();
    const i = tokens.count++;
    const d = tokens.data;
    const f = i * TOKEN_FIELDS;
    tokens.kind[i] = T.EOF;
    d[f + TK_START] = pos;
    d[f + TK_END] = pos;
    d[f + TK_LINE] = this.ln;
    d[f + TK_COL] = eofCol;
    d[f + TK_TRIVIA] = this.trivia.length;
    d[f + TK_NL] = 1;
    d[f + TK_HASH] = 0;
    return {
      text: this.text,
      file: this.file,
      tokens: this.fitted(lend),
      trivia: this.trivia,
      diagnostics: this.diagnostics,
      lines: this.lineTable(),
    };
  }

  /**
   * The line starts of the range: after every line feed in it, as `step`, comments and pragmas
   * count them (a CR alone was made a line feed by {@link scan}). Made in one native search at
   * the end rather than kept at every line break, where the scan's loops are hottest.
   */
  lineTable(): SpanLines {
    const text = this.text;
    const end = this.countedEnd;
    let buf = lineStarts;
    buf[0] = this.firstLineStart;
    let n = 1;
    for (let i = text.indexOf('\n', this.start); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
      if (n === buf.length) {
        const grown = new Int32Array(n * 2);
        grown.set(buf);
        buf = lineStarts = grown;
      }
      buf[n++] = i + 1;
    }
    const starts = buf.slice(0, n);
    // a very long file's table is not kept for the life of the process
    if (buf.length > 1 << 16) lineStarts = new Int32Array(4096);
    return new SpanLines(this.file, this.firstLine, starts);
  }

  /**
   * The table to hand out: the scratch table's tokens copied into a slab table of their size;
   * with `lend`, the scratch table itself, lent until {@link giveBack} (a reader's parser reads
   * one body and gives it back: its tokens then touch no fresh memory at all).
   */
  fitted(lend: boolean): Tokens {
    const t = this.tokens;
    if (t !== scratch) return t;
    const n = t.count;
    if (lend) {
      // the tokens past EOF read as EOF (0), as in a fitted table
      if (t.kind.length < n + COPY_PAD) t.grow();
      t.kind.fill(0, n, n + COPY_PAD);
      t.data.fill(0, n * TOKEN_FIELDS, (n + COPY_PAD) * TOKEN_FIELDS);
      scratchLent = true;
      return t;
    }
    const out = new Tokens(n + COPY_PAD);
    out.data.set(t.data.subarray(0, n * TOKEN_FIELDS));
    out.kind.set(t.kind.subarray(0, n));
    out.count = n;
    return out;
  }

  addTrivia(pragma: boolean, style: Trivia['style'], s: number, sl: number, sc: number, e: number): void {
    this.trivia.push({
      pragma,
      style,
      start: s,
      end: e,
      line: sl,
      column: sc,
      endLine: this.ln,
      endColumn: e - this.lineStart + 1,
      ownLine: !this.lineHasToken,
    });
  }

  /** A character that starts no token: one diagnostic per run of them. */
  badCharacter(c: number, s: number, sl: number, sc: number): void {
    let pos = s + 1;
    // a lone surrogate pair counts as one character
    if (c >= 0xd800 && c <= 0xdbff && pos < this.end) pos++;
    this.pos = pos;
    const tokens = this.tokens;
    const last = tokens.count > 0 ? tokens.kind[tokens.count - 1] : -1;
    // report a run of bad characters once
    if (last !== T.Bad || tokens.data[(tokens.count - 1) * TOKEN_FIELDS + TK_END] !== s) {
      this.diagnostics.push(diagnostic('ST1005', this.span(s, sl, sc, pos), this.text.slice(s, pos)));
    }
    this.push(T.Bad, s, sl, sc);
  }

  /** `{...}` pragmas; MATIEC/Beremiz `{{ C code }}` blocks end at `}}`, pragmas at the first `}`. */
  scanPragma(cBlock: boolean, s: number, sl: number, sc: number): void {
    const text = this.text;
    const pos = this.pos;
    const cEnd = cBlock ? text.indexOf('}}', pos + 2) : -1;
    const close = cBlock ? (cEnd < 0 ? -1 : cEnd + 1) : text.indexOf('}', pos + 1);
    if (close < 0 || close >= this.end) {
      this.pos = this.end;
      this.countedEnd = s;
      this.diagnostics.push(diagnostic('ST1009', this.span(s, sl, sc, s + 1)));
      return;
    }
    for (let i = pos; i < close; i++) {
      if (text.charCodeAt(i) === 10) {
        this.ln++;
        this.lineStart = i + 1;
      }
    }
    this.pos = close + 1;
    this.addTrivia(true, 'pragma', s, sl, sc, close + 1);
  }

  scanAddress(): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos + 1;
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (isIdentPart(d) || d === 42) pos++;
      else if (d === 46 && pos + 1 < end && isDigit(text.charCodeAt(pos + 1))) pos++;
      else break;
    }
    this.pos = pos;
  }

  /**
   * A comment from `s` (line `sl`, column `sc`), `pair` its opening ({@link LINE_COMMENT},
   * {@link NESTED_COMMENT} or {@link BLOCK_COMMENT}), called by `seldom` only. One method for
   * all three: the kind met first after it was optimised sends it alone back to the interpreter
   * (decision 0177).
   */
  scanComment(pair: number, s: number, sl: number, sc: number): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos;
    if (pair === LINE_COMMENT) {
      const eol = text.indexOf('\n', pos);
      pos = eol < 0 || eol > end ? end : eol;
      this.pos = pos;
      let e = pos;
      if (e > s && text.charCodeAt(e - 1) === 13) e--;
      this.addTrivia(false, 'line', s, sl, sc, e);
      return;
    }
    const nested = pair === NESTED_COMMENT;
    let ln = this.ln;
    let lineStart = this.lineStart;
    const close = nested ? 41 : 47;
    pos += 2;
    let depth = 1;
    // where the comment ends if comments do not nest (IEC 61131-3 2nd edition, MATIEC, CODESYS V2)
    let firstClose = -1;
    let firstCloseLn = 0;
    let firstCloseLineStart = 0;
    // from one `*` to the next with native searches (every opening and closing mark has
    // one), counting the line breaks passed; comments are most of a library's text
    let nl = text.indexOf('\n', pos);
    while (pos < end) {
      let star = text.indexOf('*', pos);
      if (star < 0 || star >= end) star = end;
      while (nl >= 0 && nl < star) {
        ln++;
        lineStart = nl + 1;
        nl = text.indexOf('\n', lineStart);
      }
      if (star === end) {
        pos = end;
        break;
      }
      if (nested && star - 1 >= pos && text.charCodeAt(star - 1) === 40 /* ( */) {
        pos = star + 1;
        depth++;
        continue;
      }
      if (star + 1 < end && text.charCodeAt(star + 1) === close) {
        pos = star + 2;
        if (firstClose < 0) {
          firstClose = pos;
          firstCloseLn = ln;
          firstCloseLineStart = lineStart;
        }
        if (--depth === 0) break;
        continue;
      }
      pos = star + 1;
    }
    if (depth > 0 && firstClose >= 0) {
      // unbalanced when nested: the source was written for non-nesting comments
      pos = firstClose;
      ln = firstCloseLn;
      lineStart = firstCloseLineStart;
      depth = 0;
    }
    this.pos = pos;
    this.ln = ln;
    this.lineStart = lineStart;
    if (depth > 0) {
      this.diagnostics.push(
        diagnostic('ST1003', {
          file: this.file,
          line: sl,
          column: sc,
          endLine: sl,
          endColumn: sc + 2,
          offset: s,
          endOffset: s + 2,
        }),
      );
    }
    this.addTrivia(false, nested ? 'block' : 'c-block', s, sl, sc, pos);
  }

  scanString(quote: number): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos;
    const s = pos;
    const sl = this.ln;
    const sc = pos - this.lineStart + 1;
    pos++;
    // the character after a `$` is escaped (a quote or `$` among them), unless it is a line
    // break. One path for every character: the first `$` of a run finds the optimised code
    // ready for it, where a branch of its own sent it back to the interpreter
    let escaped = false;
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (!escaped && d === quote) {
        this.pos = pos + 1;
        return;
      }
      if (d === 10) break;
      escaped = !escaped && d === 36 /* $ */;
      pos++;
    }
    if (pos > end) pos = end;
    this.pos = pos;
    this.diagnostics.push(diagnostic('ST1004', this.span(s, sl, sc, pos)));
  }

  scanDigits(hex: boolean): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const d = text.charCodeAt(pos);
      if (hex ? isHex(d) : isDigit(d) || d === 95) pos++;
      else break;
    }
    this.pos = pos;
  }

  scanNumber(): number {
    const text = this.text;
    const end = this.end;
    this.scanDigits(false);
    if (this.pos < end && text.charCodeAt(this.pos) === 35 /* # */) {
      this.pos++;
      this.scanDigits(true);
      return T.Int;
    }
    let kind: number = T.Int;
    if (this.pos + 1 < end && text.charCodeAt(this.pos) === 46 && isDigit(text.charCodeAt(this.pos + 1))) {
      this.pos++;
      this.scanDigits(false);
      kind = T.Real;
    }
    if (this.pos < end && (text.charCodeAt(this.pos) | 32) === 101 /* e */) {
      let p = this.pos + 1;
      const sign = p < end ? text.charCodeAt(p) : 0;
      if (sign === 43 || sign === 45) p++;
      if (p < end && isDigit(text.charCodeAt(p))) {
        this.pos = p;
        this.scanDigits(false);
        kind = T.Real;
      }
    }
    return kind;
  }

  scanTypedLiteral(prefix: string): void {
    const text = this.text;
    const end = this.end;
    this.pos++; // '#'
    if (DURATION_PREFIXES.has(prefix) || DATE_PREFIXES.has(prefix)) {
      const dateLike = DATE_PREFIXES.has(prefix);
      // `T# 300ms`: blanks between `#` and a duration's digits are part of the literal, as MATIEC
      // (OpenPLC, Beremiz) reads them (decision 0168)
      if (!dateLike) {
        let p = this.pos;
        while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
        if (p > this.pos && p < end && isDigit(text.charCodeAt(p))) this.pos = p;
      }
      const first = this.pos;
      let pos = first;
      while (pos < end) {
        const d = text.charCodeAt(pos);
        if (isIdentPart(d) || d === 46 || d === 58) pos++;
        else if ((d === 45 || d === 43) && (dateLike || pos === first)) pos++;
        else break;
      }
      this.pos = pos;
      return;
    }
    const d = this.pos < end ? text.charCodeAt(this.pos) : 0;
    if (d === 43 || d === 45) this.pos++;
    const e = this.pos < end ? text.charCodeAt(this.pos) : 0;
    if (isDigit(e)) this.scanNumber();
    else if (e === 39 || e === 34) this.scanString(e);
    else {
      let pos = this.pos;
      while (pos < end && isIdentPart(text.charCodeAt(pos))) pos++;
      this.pos = pos;
    }
  }
}

/** Token kinds of the one-character punctuation (0: none). */
const SINGLE = new Uint8Array(128);
SINGLE[40 /* ( */] = T.LParen;
SINGLE[47 /* / */] = T.Slash;
SINGLE[58 /* : */] = T.Colon;
SINGLE[61 /* = */] = T.Eq;
SINGLE[60 /* < */] = T.Lt;
SINGLE[62 /* > */] = T.Gt;
SINGLE[42 /* * */] = T.Star;
SINGLE[46 /* . */] = T.Dot;
SINGLE[59 /* ; */] = T.Semi;
SINGLE[44 /* , */] = T.Comma;
SINGLE[41 /* ) */] = T.RParen;
SINGLE[91 /* [ */] = T.LBracket;
SINGLE[93 /* ] */] = T.RBracket;
SINGLE[94 /* ^ */] = T.Caret;
SINGLE[43 /* + */] = T.Plus;
SINGLE[45 /* - */] = T.Minus;
SINGLE[38 /* & */] = T.Amp;

/** Token kinds of the two-character punctuation, at `first << 7 | second` (0: none). */
const PAIRS = new Uint8Array(128 * 128);
const setPair = (a: string, b: string, kind: number): void => {
  PAIRS[(a.charCodeAt(0) << 7) | b.charCodeAt(0)] = kind;
};
setPair(':', '=', T.Assign);
setPair('=', '>', T.Output);
setPair('<', '=', T.Le);
setPair('<', '>', T.Ne);
setPair('>', '=', T.Ge);
setPair('*', '*', T.Power);
setPair('.', '.', T.DotDot);
/** Comment openings in {@link PAIRS}: above every token kind there. */
const FIRST_COMMENT_PAIR = 253;
const LINE_COMMENT = 253;
const NESTED_COMMENT = 254;
const BLOCK_COMMENT = 255;
setPair('/', '/', LINE_COMMENT);
setPair('(', '*', NESTED_COMMENT);
setPair('/', '*', BLOCK_COMMENT);

/** 0–25 for a letter of either case, 26 for `_`, else -1. */
function letterIndex(c: number): number {
  const l = c | 32;
  if (l >= 97 && l <= 122) return l - 97;
  return c === 95 ? 26 : -1;
}

/** Longest keyword. */
const KEYWORD_MAX = 18;

/**
 * By length and first letter ({@link letterIndex}), a bit per last letter that some keyword
 * has: most identifiers are told from keywords by these three, without a string of their own.
 */
const KEYWORD_ENDS = new Int32Array((KEYWORD_MAX + 1) * 27);
for (const k of KEYWORDS) {
  const at = k.length * 27 + letterIndex(k.charCodeAt(0));
  KEYWORD_ENDS[at] = KEYWORD_ENDS[at]! | (1 << letterIndex(k.charCodeAt(k.length - 1)));
}

/**
 * The kind of the word `text[s, e)`: a keyword's, else `T.Ident`. `ascii`: the word has no
 * other characters (`toUpperCase` may turn others into keyword letters: `ſ`, `ı`, `ﬆ`).
 */
function wordKind(text: string, s: number, e: number, ascii: boolean): number {
  const len = e - s;
  if (len < 2 || len > KEYWORD_MAX) return T.Ident;
  if (ascii) {
    const first = letterIndex(text.charCodeAt(s));
    const last = letterIndex(text.charCodeAt(e - 1));
    if (last < 0 || (KEYWORD_ENDS[len * 27 + first]! & (1 << last)) === 0) return T.Ident;
  }
  // spellings repeat: remember each one's kind instead of upper-casing every identifier
  const spelling = text.slice(s, e);
  let cached = spellingKinds.get(spelling);
  if (cached === undefined) {
    cached = keywordMap.get(spelling.toUpperCase()) ?? T.Ident;
    if (spellingKinds.size > 100_000) spellingKinds.clear();
    // a key of its own: a slice would keep the file's text alive as long as the cache
    spellingKinds.set(ownString(spelling), cached);
  }
  return cached;
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

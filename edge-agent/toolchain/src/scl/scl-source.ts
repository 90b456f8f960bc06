/**
 * The SCL scanner and the first half of lowering: a TIA Portal external
 * source (`.scl`, `.db`, `.udt`) becomes Structured Text the IEC parser
 * reads, with a map back to the file so every node's span points into the
 * `.scl` text.
 *
 * The generated text keeps every line of the file on its line: SCL-only
 * tokens are blanked in place (attributes `{ ... }`, `VERSION : 0.1`,
 * `TITLE = ...`, `BEGIN`, `REGION`, the `#` of locals), quoted names become
 * plain names of the same length, and what ST needs in addition (the
 * `VAR_GLOBAL` of a data block, the `:` after a UDT name) is inserted
 * without a line break. {@link SclSource.toFile} maps an offset of the
 * generated text back to the file.
 */
import { KEYWORDS } from '../iec';

/** A quoted name of the file: `"Motor 1"` at `offset` (the opening quote), `name` without quotes. */
interface QuotedName {
  offset: number;
  end: number;
  name: string;
}

/** A data block found in the file, for the reader to finish (initial values, kind). */
interface DataBlockInfo {
  /** The DB name without quotes. */
  name: string;
  /** Offset of `DATA_BLOCK`. */
  offset: number;
  /** Generated name of its structure type (global DBs), renamed by the reader. */
  structType?: string;
  /** Generated name of the program holding its BEGIN assignments, removed by the reader. */
  initProgram?: string;
  /** The declared type of an instance DB or a DB of a UDT, as written (without quotes). */
  typeName?: string;
}

/** What {@link lowerSclText} returns. */
export interface SclSource {
  /** Structured Text for the IEC parser. */
  st: string;
  /** Quoted names by the offset of their opening quote. */
  quoted: Map<number, QuotedName>;
  /** Offsets of identifiers written with a leading `#` (the offset of the `#`). */
  hashed: Set<number>;
  /** Offsets in the file of identifiers that start one character after a quote or `#`, mapped to the quote or `#`. */
  startFix: Map<number, number>;
  /** Offsets in the file of closing quotes, for spans that end just before them. */
  endFix: Set<number>;
  /** AX names spelled like an IEC keyword (`Action`), read with `_` for their first letter: the name by its offset. */
  escaped: Map<number, string>;
  dataBlocks: DataBlockInfo[];
  /**
   * Byte/word/double-word slices written to (`#w.%B1 := x`), by the file
   * offset of their `%`: the text reads as the bit access `.%X1`, and the
   * reader makes the assignment one bit assignment per bit of the slice.
   */
  sliceWrites: Map<number, { bits: number; index: number }>;
  /**
   * Variables declared over others (`b AT w : Array[0..15] of Bool`, or
   * structure members whose explicit offsets `AT %B0` overlap), by the file
   * offset of the declared name, with the overlaid name as written (decision 0040).
   */
  overlays: Map<number, string>;
  /**
   * Offsets of the `(` of structure start values given by position
   * (`"udt" := (32, (), TRUE)`), read as `[32, [], TRUE]` and named by the reader.
   */
  positional: Set<number>;
  /** Maps an offset of `st` to an offset of the file (inserted text maps to where it was inserted). */
  toFile(offset: number): number;
}

type TokKind = 'word' | 'quoted' | 'number' | 'string' | 'punct';

/** Reserved words of the IEC parser: a quoted SCL name spelled like one (`"type"`) must not read as it. */
let reserved: Set<string> | undefined;
/** Built on first use: `../iec` and this module import each other, so KEYWORDS is not there at load time. */
const isReserved = (word: string): boolean => (reserved ??= new Set<string>(KEYWORDS)).has(word);
/** IEC keywords that SIMATIC AX does not reserve, so AX code names methods with them (`METHOD Action`). */
const AX_NOT_RESERVED = new Set(['ACTION', 'END_ACTION']);
/** Words after which an operand starts (so a `div` after them is a variable, not the operator). */
const STATEMENT_WORDS = new Set([
  'IF',
  'ELSIF',
  'THEN',
  'ELSE',
  'CASE',
  'OF',
  'FOR',
  'TO',
  'BY',
  'DO',
  'WHILE',
  'REPEAT',
  'UNTIL',
  'RETURN',
  'NOT',
  'AND',
  'OR',
  'XOR',
  'MOD',
  'DIV',
  'BEGIN',
]);
/** Section flags of IEC that S7-300 SCL lets a variable be named (`retain : BOOL;`), read as names where a name stands. */
const SECTION_FLAGS = new Set(['RETAIN', 'NON_RETAIN', 'PERSISTENT', 'CONSTANT']);
/** IEC keywords of features SCL does not have, so SCL code names variables with them (`action : Bool`). */
const SCL_NOT_RESERVED = new Set([
  ...AX_NOT_RESERVED,
  'METHOD',
  'END_METHOD',
  'PROPERTY',
  'END_PROPERTY',
  'INTERFACE',
  'END_INTERFACE',
  'UNION',
  'END_UNION',
  'RESOURCE',
  'END_RESOURCE',
  'CONFIGURATION',
  'END_CONFIGURATION',
  'THIS',
  'SUPER',
  'JMP',
  'REF_TO',
  'AND_THEN',
  'OR_ELSE',
  'INITIAL_STEP',
  'END_STEP',
  'END_TRANSITION',
  'END_GET',
  'END_SET',
  'END_CLASS',
  'VAR_INST',
  'VAR_GENERIC',
  'VAR_ACCESS',
  'VAR_CONFIG',
]);

interface Tok {
  k: TokKind;
  s: number;
  e: number;
  /** Upper-case text of words. */
  up: string;
}

/** Identifier characters as the IEC scanner reads them (letters, `_`, any non-ASCII but BOM and NBSP). */
const isIdentStart = (c: number): boolean => {
  const lower = c | 32;
  return (lower >= 97 && lower <= 122) || c === 95 || (c > 127 && c !== 0xfeff && c !== 0xa0);
};
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

/** Index of the last element of ascending `sorted` that is <= `x` (0 when none is). */
export function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Words that begin a block of an external source, with the word that ends it. */
const BLOCKS: Record<string, string> = {
  FUNCTION_BLOCK: 'END_FUNCTION_BLOCK',
  FUNCTION: 'END_FUNCTION',
  ORGANIZATION_BLOCK: 'END_ORGANIZATION_BLOCK',
  DATA_BLOCK: 'END_DATA_BLOCK',
  TYPE: 'END_TYPE',
};

/** Block properties written between the name and the declarations (TIA Portal "block properties"). */
const HEADER_WITH_VALUE = new Set(['VERSION', 'AUTHOR', 'FAMILY', 'NAME']);
const HEADER_FLAGS = new Set([
  'KNOW_HOW_PROTECT',
  'NON_RETAIN',
  'RETAIN',
  'UNLINKED',
  'READ_ONLY',
  'DB_SPECIFIC',
]);

/**
 * Siemens literal prefixes the IEC scanner does not know, and how many of
 * their leading characters are blanked: `W#16#FF` → `  16#FF`, `S5T#2s` → `  T#2s`.
 */
const PREFIX_BLANK: Record<string, number> = {
  B: 2,
  W: 2,
  DW: 3,
  LW: 3,
  L: 2,
  S5T: 2,
  S5TIME: 2,
  C: 2,
};

/**
 * The first token of the operand that ends at token `last`: a name followed by
 * `.name` and `[...]` parts (`#a[#i].n`, `"DB".x`), read backwards; -1 when
 * `last` does not end one.
 */
function operandStart(toks: readonly Tok[], last: number): number {
  let b = last;
  let start = -1;
  while (b >= 0) {
    const tok = toks[b]!;
    if (tok.up === ']') {
      let depth = 0;
      while (b >= 0) {
        if (toks[b]!.up === ']') depth++;
        else if (toks[b]!.up === '[') depth--;
        if (depth === 0) break;
        b--;
      }
      b--;
      continue;
    }
    if (tok.k === 'word' || tok.k === 'quoted') {
      start = b;
      if (toks[b - 1]?.up === '.') {
        b -= 2;
        continue;
      }
    }
    break;
  }
  return start;
}

/** Lowers one SCL source text to Structured Text with a position map. Never throws. */
export function lowerSclText(text: string, options: { ax?: boolean } = {}): SclSource {
  // SIMATIC AX is IEC text: "..." is a WSTRING, {...} a pragma, # no local marker, no TIA blocks
  const ax = options.ax === true;
  // the lowered text as UTF-16 code units: edits in place, one decode per piece
  const out = new Uint16Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
  // a byte order mark (TIA Portal writes one) becomes a blank: the IEC scanner would drop it and shift every offset
  if (out[0] === 0xfeff) out[0] = 32;
  const put = (at: number, word: string): void => {
    for (let k = 0; k < word.length; k++) out[at + k] = word.charCodeAt(k);
  };
  const decoder = new TextDecoder('utf-16le');
  const textOf = (from: number, to: number): string => decoder.decode(out.subarray(from, to));
  const quoted = new Map<number, QuotedName>();
  const hashed = new Set<number>();
  const startFix = new Map<number, number>();
  const endFix = new Set<number>();
  const escaped = new Map<number, string>();
  const toks: Tok[] = [];
  const blank = (s: number, e: number): void => {
    for (let i = s; i < e; i++) {
      const c = out[i]!;
      if (c !== 10 && c !== 13) out[i] = 32;
    }
  };
  const lineEnd = (from: number): number => {
    let i = from;
    while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    return i;
  };

  // ---- scan: comments and strings are copied, SCL-only tokens blanked
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 32 || c === 9 || c === 0xfeff || c === 0xa0 || c === 12 || c === 11) {
      i++;
      continue;
    }
    const nx = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (c === 47 && nx === 47) {
      i = lineEnd(i);
      continue;
    }
    if (c === 40 && nx === 42) {
      const close = text.indexOf('*)', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 47 && nx === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 39) {
      // 'text' with $-escapes ($' is a quote inside the string)
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 39 && text.charCodeAt(j) !== 10)
        j += text.charCodeAt(j) === 36 ? 2 : 1;
      toks.push({ k: 'string', s: i, e: Math.min(n, j + 1), up: '' });
      i = Math.min(n, j + 1);
      continue;
    }
    if (c === 34 && ax) {
      const close = text.indexOf('"', i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === 34) {
      const close = text.indexOf('"', i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (close < 0 || (nl >= 0 && nl < close)) {
        // an unclosed quote: leave it for the parser to report
        toks.push({ k: 'punct', s: i, e: i + 1, up: '"' });
        i++;
        continue;
      }
      const name = text.slice(i + 1, close);
      quoted.set(i, { offset: i, end: close + 1, name });
      // `"Motor 1"` → ` Motor_1 `; a name that cannot start an identifier takes the quote's place
      const first = name.length > 0 ? name.charCodeAt(0) : 48;
      let j = i + 1;
      for (const ch of name) {
        const code = ch.charCodeAt(0);
        const ok = ch.length === 1 && isIdentPart(code);
        for (let u = 0; u < ch.length; u++) out[j + u] = ok ? code : 95;
        j += ch.length;
      }
      if (isIdentStart(first) && name.length > 0 && !isReserved(name.toUpperCase())) {
        out[i] = 32;
        // `#"x"`: the identifier already starts at the `#`
        if (!startFix.has(i + 1)) startFix.set(i + 1, i);
      } else {
        // `"1st"`, `"type"`: the identifier starts at the quote, `_1st`, `_type`
        out[i] = 95;
        if (hashed.has(i - 1)) startFix.set(i, i - 1);
      }
      out[close] = 32;
      endFix.add(close);
      toks.push({ k: 'quoted', s: i, e: close + 1, up: name.toUpperCase() });
      i = close + 1;
      continue;
    }
    if (c === 123 && ax) {
      const close = text.indexOf('}', i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === 123) {
      // attributes `{ S7_Optimized_Access := 'TRUE' }`, also between a name and its `:`
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 125) {
        if (text.charCodeAt(j) === 39) {
          j++;
          while (j < n && text.charCodeAt(j) !== 39) j++;
        }
        j++;
      }
      blank(i, Math.min(n, j + 1));
      i = Math.min(n, j + 1);
      continue;
    }
    if (c === 35 && !ax) {
      // `#local` / `#"quoted local"`; a `#` inside a literal follows a digit or letter and is not seen here
      if (isIdentStart(nx) || nx === 34) {
        out[i] = 32;
        hashed.add(i);
        if (isIdentStart(nx)) startFix.set(i + 1, i);
        else startFix.set(i + 2, i);
        i++;
        continue;
      }
      toks.push({ k: 'punct', s: i, e: i + 1, up: '#' });
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const up = text.slice(i, j).toUpperCase();
      if (j < n && text.charCodeAt(j) === 35) {
        // a typed literal: fix Siemens prefixes, then skip the literal's text
        const cut = ax ? undefined : PREFIX_BLANK[up];
        if (cut !== undefined) {
          blank(i, i + cut);
          // the literal's span covers its Siemens prefix
          startFix.set(i + cut, i);
        }
        let k = j + 1;
        while (k < n && (isIdentPart(text.charCodeAt(k)) || '#.:-+'.includes(text[k]!))) k++;
        toks.push({ k: 'number', s: i, e: k, up });
        i = k;
        continue;
      }
      if (
        ((ax ? AX_NOT_RESERVED : SCL_NOT_RESERVED).has(up) ||
          (!ax &&
            SECTION_FLAGS.has(up) &&
            (/^[ \t]*[:),;]/.test(text.slice(j, j + 40)) ||
              /^[(,=]$/.test(toks[toks.length - 1]?.up ?? '')))) &&
        !hashed.has(i - 1)
      ) {
        out[i] = 95;
        escaped.set(i, text.slice(i, j));
      } else if (hashed.has(i - 1) && isReserved(up)) {
        // `#function`: the local `"function"`, read as `_unction` and renamed back by its `#`
        out[i] = 95;
        escaped.set(i - 1, text.slice(i, j));
      }
      toks.push({ k: 'word', s: i, e: j, up });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < n && (isIdentPart(text.charCodeAt(j)) || text.charCodeAt(j) === 35)) j++;
      // a real: 1.5, 1.0E-3 (but not a range 1..5)
      if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
        j++;
        while (j < n && (isIdentPart(text.charCodeAt(j)) || '+-'.includes(text[j]!))) {
          const ch = text[j]!;
          if ((ch === '+' || ch === '-') && !/[eE]/.test(text[j - 1]!)) break;
          j++;
        }
      }
      toks.push({ k: 'number', s: i, e: j, up: '' });
      i = j;
      continue;
    }
    // AX assignment attempt `ref ?= other` (IEC 61131-3 ed. 3): read as an assignment (decision 0040)
    if (ax && c === 63 && nx === 61) {
      out[i] = 58;
      toks.push({ k: 'punct', s: i, e: i + 2, up: ':=' });
      i += 2;
      continue;
    }
    // compound assignments `+=`, `-=`, `*=`, `/=` are one token
    if ('+-*/'.includes(text[i]!) && text[i + 1] === '=') {
      toks.push({ k: 'punct', s: i, e: i + 2, up: text.slice(i, i + 2) });
      i += 2;
      continue;
    }
    toks.push({ k: 'punct', s: i, e: i + 1, up: text[i]! });
    i++;
  }

  /** Text inserted into the lowered ST (no line breaks), by file offset. */
  const inserts: { at: number; text: string }[] = [];

  // ---- CASE labels that are characters: `'0':` → `CHAR#'0':` (the IEC parser reads typed ones)
  let caseDepth = 0;
  for (let t = 0; t < toks.length; t++) {
    const tok = toks[t]!;
    if (tok.k === 'word' && !hashed.has(tok.s - 1) && toks[t - 1]?.up !== '.') {
      if (tok.up === 'CASE') caseDepth++;
      else if (tok.up === 'END_CASE') caseDepth = Math.max(0, caseDepth - 1);
    }
    if (caseDepth === 0 || tok.k !== 'string' || toks[t - 1]?.up === '#') continue;
    // a label list ends in `:` (not `:=`) before anything but labels, commas and `..`
    if (!/^(OF|;|,|\.)$/.test(toks[t - 1]?.up ?? '')) continue;
    let f = t + 1;
    while (f < toks.length && (toks[f]!.up === ',' || toks[f]!.up === '.' || toks[f]!.k !== 'punct')) f++;
    if (toks[f]?.up === ':' && toks[f + 1]?.up !== '=') inserts.push({ at: tok.s, text: 'CHAR#' });
  }

  // ---- statement-level words: REGION, END_REGION, GOTO
  for (let t = 0; t < toks.length; t++) {
    const tok = toks[t]!;
    if (tok.k !== 'word' || hashed.has(tok.s - 1)) continue;
    const prev = toks[t - 1];
    if (prev && prev.k === 'punct' && prev.up === '.') continue;
    if (tok.up === 'REGION') {
      const e = lineEnd(tok.s);
      blank(tok.s, e);
      while (toks[t + 1] && toks[t + 1]!.s < e) t++;
    } else if (tok.up === 'END_REGION') {
      // `END_REGION name`: the name is free text up to the line's end
      const e = lineEnd(tok.s);
      blank(tok.s, tok.e);
      while (toks[t + 1] && toks[t + 1]!.s < e) {
        t++;
        blank(toks[t]!.s, toks[t]!.e);
      }
    } else if (tok.up === 'GOTO') {
      put(tok.s, 'JMP ');
    } else if (
      tok.up === 'DIV' &&
      prev &&
      (prev.k === 'punct' ? prev.up === ')' || prev.up === ']' : !STATEMENT_WORDS.has(prev.up))
    ) {
      // S7 SCL integer division `a DIV b`: the IEC `/` of two integers (decision 0022)
      put(tok.s, ' / ');
    }
  }

  // ---- compound assignments: `#a[#i].n += x;` → `a[i].n := a[i].n + (x);` (inserted text, no line break)
  for (let t = 0; t < toks.length; t++) {
    const op = toks[t]!;
    if (op.k !== 'punct' || op.up.length !== 2 || op.up[1] !== '=' || !'+-*/'.includes(op.up[0]!)) continue;
    const start = operandStart(toks, t - 1);
    let end = t + 1;
    let depth = 0;
    while (end < toks.length && !(depth === 0 && toks[end]!.up === ';')) {
      const u = toks[end]!.up;
      if (u === '(' || u === '[') depth++;
      else if (u === ')' || u === ']') depth--;
      end++;
    }
    if (start < 0 || end >= toks.length) continue;
    const target = textOf(toks[start]!.s, op.s).trim();
    blank(op.s, op.e);
    inserts.push({ at: op.s, text: `:= ${target} ${op.up[0]} (` });
    inserts.push({ at: toks[end]!.s, text: ')' });
  }

  // ---- byte/word/double-word slices read as values: `#w.%B1` → `(SHR(IN := w, N := 8) AND 16#FF)`;
  // a slice written to (`#w.%B1 := x`) reads as the bit access `w.%X1` and is recorded for the reader
  const sliceWrites = new Map<number, { bits: number; index: number }>();
  for (let t = 2; t < toks.length; t++) {
    const part = toks[t]!;
    const m = part.k === 'word' ? /^([BWD])(\d+)$/.exec(part.up) : null;
    if (!m || toks[t - 1]!.up !== '%' || toks[t - 2]!.up !== '.') continue;
    const bits = m[1] === 'B' ? 8 : m[1] === 'W' ? 16 : 32;
    if (toks[t + 1]?.up === ':' && toks[t + 2]?.up === '=' && toks[t + 1]!.e === toks[t + 2]!.s) {
      put(part.s, 'X');
      sliceWrites.set(toks[t - 1]!.s, { bits, index: Number(m[2]) });
      continue;
    }
    const start = operandStart(toks, t - 3);
    if (start < 0) continue;
    const mask = m[1] === 'B' ? '16#FF' : m[1] === 'W' ? '16#FFFF' : '16#FFFF_FFFF';
    blank(toks[t - 2]!.s, part.e);
    inserts.push({ at: toks[start]!.s, text: '(SHR(IN := ' });
    inserts.push({ at: part.e, text: `, N := ${bits * Number(m[2])}) AND ${mask})` });
  }

  // ---- declarations: CONST sections, AT overlays and offsets, array start values without brackets
  const overlays = new Map<number, string>();
  const positional = new Set<number>();
  lowerDeclarations(toks, text, { blank, put, inserts, overlays, positional, hashed });

  // ---- blocks
  const dataBlocks: DataBlockInfo[] = [];
  const word = (t: number): string => (toks[t]?.k === 'word' ? toks[t]!.up : '');
  const findWord = (from: number, w: string): number => {
    for (let t = from; t < toks.length; t++) if (word(t) === w) return t;
    return -1;
  };
  const nameOf = (tok: Tok | undefined): string =>
    !tok ? '' : tok.k === 'quoted' ? quoted.get(tok.s)!.name : text.slice(tok.s, tok.e);
  /** Blanks block properties after the name; returns the first token that is not one. */
  const skipHeader = (from: number): number => {
    let t = from;
    while (t < toks.length) {
      const w = word(t);
      const next = toks[t + 1];
      if (w === 'TITLE' && next?.up === '=') {
        const e = lineEnd(toks[t]!.s);
        blank(toks[t]!.s, e);
        while (toks[t] && toks[t]!.s < e) t++;
      } else if (HEADER_WITH_VALUE.has(w) && next?.up === ':') {
        const e = lineEnd(toks[t]!.s);
        blank(toks[t]!.s, e);
        while (toks[t] && toks[t]!.s < e) t++;
      } else if (HEADER_FLAGS.has(w)) {
        blank(toks[t]!.s, toks[t]!.e);
        t++;
      } else return t;
    }
    return t;
  };

  let t = ax ? toks.length : 0;
  let dbCount = 0;
  while (t < toks.length) {
    const w = word(t);
    const endWord = BLOCKS[w];
    if (!endWord) {
      t++;
      continue;
    }
    const start = toks[t]!;
    const endT = findWord(t + 1, endWord);
    const nameTok = toks[t + 1];
    if (w === 'ORGANIZATION_BLOCK') {
      put(start.s, 'PROGRAM');
      blank(start.s + 7, start.e);
      if (endT >= 0) {
        // right-aligned, so the PROGRAM's span ends where END_ORGANIZATION_BLOCK does
        const e = toks[endT]!;
        blank(e.s, e.e - 11);
        put(e.e - 11, 'END_PROGRAM');
      }
    }
    if (w === 'FUNCTION_BLOCK' || w === 'FUNCTION' || w === 'ORGANIZATION_BLOCK') {
      let h = t + 2;
      if (w === 'FUNCTION' && toks[h]?.up === ':') h += 2;
      h = skipHeader(h);
      const begin = findWord(h, 'BEGIN');
      if (begin >= 0 && (endT < 0 || begin < endT)) blank(toks[begin]!.s, toks[begin]!.e);
      t = endT >= 0 ? endT + 1 : toks.length;
      continue;
    }
    if (w === 'TYPE') {
      // `TYPE "udt" STRUCT ... END_STRUCT; END_TYPE` → `TYPE udt : STRUCT ...`
      // (`TYPE "udt" : STRUCT`, the IEC spelling, already has it)
      if (nameTok && (nameTok.k === 'quoted' || nameTok.k === 'word')) {
        if (toks[t + 2]?.up !== ':') inserts.push({ at: nameTok.e, text: ' :' });
        skipHeader(toks[t + 2]?.up === ':' ? t + 3 : t + 2);
      }
      t = endT >= 0 ? endT + 1 : toks.length;
      continue;
    }
    // DATA_BLOCK
    const k = dbCount++;
    const info: DataBlockInfo = { name: nameOf(nameTok), offset: start.s };
    dataBlocks.push(info);
    put(start.s, 'VAR_GLOBAL');
    let h = skipHeader(t + 2);
    const begin = findWord(h, 'BEGIN');
    const stop = begin >= 0 && (endT < 0 || begin < endT) ? begin : endT >= 0 ? endT : toks.length;
    const afterName = nameTok ? nameTok.e : start.e;
    const first = toks[h];
    if (first && (word(h) === 'STRUCT' || word(h) === 'VAR')) {
      info.structType = `__SCL_DB_${k}`;
      inserts.push({ at: afterName, text: ` : ${info.structType}; END_VAR TYPE ${info.structType} :` });
      if (word(h) === 'VAR') {
        // one or more VAR sections become the members of one structure
        let firstVar = true;
        while (h < stop) {
          if (word(h) === 'VAR') {
            blank(toks[h]!.s, toks[h]!.e);
            if (firstVar) inserts.push({ at: toks[h]!.s, text: 'STRUCT' });
            firstVar = false;
            h++;
            while (h < stop && (word(h) === 'RETAIN' || word(h) === 'NON_RETAIN' || word(h) === 'CONSTANT')) {
              blank(toks[h]!.s, toks[h]!.e);
              h++;
            }
          } else if (word(h) === 'END_VAR') {
            blank(toks[h]!.s, toks[h]!.e);
            if (toks[h + 1]?.up === ';') blank(toks[h + 1]!.s, toks[h + 1]!.e);
            h++;
          } else h++;
        }
        inserts.push({ at: toks[stop]?.s ?? n, text: 'END_STRUCT; ' });
      }
      inserts.push({ at: toks[stop]?.s ?? n, text: 'END_TYPE ' });
    } else if (first && h < stop) {
      // an instance DB (`"FB_Motor"`) or a DB of a UDT: a global of that type
      info.typeName = nameOf(first);
      inserts.push({ at: afterName, text: ' :' });
      inserts.push({ at: first.e, text: '; END_VAR' });
    } else inserts.push({ at: afterName, text: ' : __SCL_EMPTY_DB; END_VAR' });
    if (begin >= 0 && begin === stop) {
      blank(toks[begin]!.s, toks[begin]!.e);
      info.initProgram = `__SCL_DBINIT_${k}`;
      inserts.push({ at: toks[begin]!.s, text: `PROGRAM ${info.initProgram} ` });
    }
    if (endT >= 0) {
      blank(toks[endT]!.s, toks[endT]!.e);
      if (info.initProgram) inserts.push({ at: toks[endT]!.s, text: 'END_PROGRAM' });
    }
    t = endT >= 0 ? endT + 1 : toks.length;
  }

  // ---- assemble: inserted text at its place, in order
  inserts.sort((a, b) => a.at - b.at);
  const pieces: string[] = [];
  /** Starts of generated runs: generated offset, file offset, length of copied text (0 for inserted text). */
  const genStart: number[] = [];
  const fileStart: number[] = [];
  const copied: number[] = [];
  let from = 0;
  let gen = 0;
  const copy = (to: number): void => {
    if (to <= from) return;
    pieces.push(textOf(from, to));
    genStart.push(gen);
    fileStart.push(from);
    copied.push(to - from);
    gen += to - from;
    from = to;
  };
  for (const ins of inserts) {
    copy(ins.at);
    pieces.push(ins.text);
    genStart.push(gen);
    fileStart.push(ins.at);
    copied.push(0);
    gen += ins.text.length;
  }
  copy(n);
  const st = pieces.join('');
  const toFile = (offset: number): number => {
    if (genStart.length === 0) return offset;
    const lo = lastAtOrBefore(genStart, offset);
    const d = offset - genStart[lo]!;
    const len = copied[lo]!;
    if (len === 0) return fileStart[lo]!;
    return fileStart[lo]! + Math.min(d, len);
  };
  return {
    st,
    quoted,
    hashed,
    startFix,
    endFix,
    escaped,
    dataBlocks,
    sliceWrites,
    overlays,
    positional,
    toFile,
  };
}

/** Bits of an elementary type for overlap of explicit member offsets; undefined for others. */
const TYPE_BITS: Record<string, number> = {
  BOOL: 1,
  BYTE: 8,
  SINT: 8,
  USINT: 8,
  CHAR: 8,
  WORD: 16,
  INT: 16,
  UINT: 16,
  WCHAR: 16,
  DWORD: 32,
  DINT: 32,
  UDINT: 32,
  REAL: 32,
  TIME: 32,
  LWORD: 64,
  LINT: 64,
  ULINT: 64,
  LREAL: 64,
  LTIME: 64,
};

/** The IEC type of a classic SCL constant `name := value;` by the literal it holds. */
function constantType(valueToks: readonly Tok[], text: string): string {
  const raw = valueToks.map((t) => text.slice(t.s, t.e)).join('');
  const up = raw.toUpperCase();
  if (/^'/.test(raw)) return valueToks.length === 1 && raw.length === 3 ? 'CHAR' : 'STRING';
  if (/^(TRUE|FALSE)$/.test(up)) return 'BOOL';
  if (/^(T|TIME|S5T|S5TIME)#/.test(up)) return 'TIME';
  if (/^(LT|LTIME)#/.test(up)) return 'LTIME';
  if (/^(D|DATE)#/.test(up)) return 'DATE';
  if (/^(TOD|TIME_OF_DAY)#/.test(up)) return 'TOD';
  if (/^(DT|DATE_AND_TIME)#/.test(up)) return 'DT';
  if (/^[+-]?\d[\d_]*\.\d|^[+-]?\d[\d_]*E/.test(up)) return 'REAL';
  const m = /^([+-]?)(\d[\d_]*)$/.exec(up);
  if (m) {
    const v = Number(m[2]!.replace(/_/g, '')) * (m[1] === '-' ? -1 : 1);
    return v >= -32768 && v <= 32767 ? 'INT' : 'DINT';
  }
  if (/^(B#)?16#[0-9A-F_]{1,2}$/.test(up)) return 'BYTE';
  if (/^(W#)?16#[0-9A-F_]{1,4}$/.test(up)) return 'WORD';
  if (/^(DW#)?16#[0-9A-F_]+$/.test(up)) return 'DWORD';
  return 'DINT';
}

/**
 * Declaration forms of SCL the IEC parser does not read, lowered in place:
 * - `CONST name := value; END_CONST` (S7-300 SCL) → `VAR CONSTANT name : <type> := value; END_VAR`,
 *   the type taken from the literal (decision 0040);
 * - `b AT w : T` (a view of `w`) → `b : T`, recorded as an overlay;
 * - `m AT %B4 : T` / `AT %X4.0` (an explicit member offset, AX and standard-access
 *   structures) → `m : T`, recorded as an overlay when it overlaps an earlier member;
 * - `a : Array[1..4] of Byte := 1, 2;` (start values without brackets) → `:= [1, 2];`;
 * - `VAR_INPUT DB_SPECIFIC` → `VAR_INPUT`.
 */
function lowerDeclarations(
  toks: readonly Tok[],
  text: string,
  ctx: {
    blank: (s: number, e: number) => void;
    put: (at: number, word: string) => void;
    inserts: { at: number; text: string }[];
    overlays: Map<number, string>;
    positional: Set<number>;
    hashed: ReadonlySet<number>;
  },
): void {
  const { blank, inserts, overlays } = ctx;
  const isWord = (t: number, w: string): boolean => toks[t]?.k === 'word' && toks[t]!.up === w;
  let inConst = false;
  let inDecl = false;
  /** Bit ranges taken by explicit offsets in the current structure. */
  let taken: [number, number][] = [];
  for (let t = 0; t < toks.length; t++) {
    const tok = toks[t]!;
    const w = tok.k === 'word' && !ctx.hashed.has(tok.s - 1) && toks[t - 1]?.up !== '.' ? tok.up : '';
    // `LABEL a; b; END_LABEL` (S7-300 SCL declares its jump labels; IEC does not)
    if (w === 'LABEL' && !inDecl) {
      let e = t + 1;
      while (e < toks.length && !isWord(e, 'END_LABEL') && !isWord(e, 'BEGIN')) e++;
      if (isWord(e, 'END_LABEL')) {
        const last = toks[e + 1]?.up === ';' ? e + 1 : e;
        blank(tok.s, toks[last]!.e);
        t = last;
        continue;
      }
    }
    if (w === 'CONST' && !inDecl) {
      blank(tok.s, tok.e);
      inserts.push({ at: tok.s, text: 'VAR CONSTANT' });
      inConst = true;
      continue;
    }
    if (w === 'END_CONST') {
      blank(tok.s, tok.e);
      if (toks[t + 1]?.up === ';') blank(toks[t + 1]!.s, toks[t + 1]!.e);
      inserts.push({ at: tok.s, text: 'END_VAR' });
      inConst = false;
      continue;
    }
    if (
      inConst &&
      /^(;|CONST|CONSTANT)$/.test(toks[t - 1]?.up ?? '') &&
      (tok.k === 'word' || tok.k === 'quoted') &&
      toks[t + 1]?.up === ':' &&
      toks[t + 2]?.up === '='
    ) {
      let e = t + 3;
      while (e < toks.length && toks[e]!.up !== ';' && !isWord(e, 'END_CONST')) e++;
      inserts.push({ at: tok.e, text: ` : ${constantType(toks.slice(t + 3, e), text)}` });
      t = e;
      continue;
    }
    if (/^VAR(_INPUT|_OUTPUT|_IN_OUT|_TEMP|_STAT)?$/.test(w) || w === 'STRUCT') {
      inDecl = true;
      // `VAR CONSTANT name := value;` without a type reads as CONST does
      if (w === 'VAR' && isWord(t + 1, 'CONSTANT')) inConst = true;
      if (w === 'STRUCT') taken = [];
      if (isWord(t + 1, 'DB_SPECIFIC')) blank(toks[t + 1]!.s, toks[t + 1]!.e);
      continue;
    }
    if (w === 'END_VAR' || w === 'BEGIN' || w === 'END_TYPE') {
      inDecl = false;
      inConst = false;
    }
    if (w === 'END_STRUCT') taken = [];
    if (!inDecl) continue;
    if (w === 'AT' && (toks[t - 1]?.k === 'word' || toks[t - 1]?.k === 'quoted')) {
      const name = toks[t - 1]!;
      const next = toks[t + 1];
      if (next?.up === '%') {
        const addr = toks[t + 2];
        const m = addr?.k === 'word' ? /^([XBWDL])(\d+)$/.exec(addr.up) : null;
        if (!m) continue;
        // `AT %X4.0`: byte 4, bit 0
        let end = t + 3;
        let bit = 0;
        if (m[1] === 'X' && toks[t + 3]?.up === '.' && toks[t + 4]?.k === 'number') {
          bit = Number(text.slice(toks[t + 4]!.s, toks[t + 4]!.e));
          end = t + 5;
        }
        blank(tok.s, toks[end - 1]!.e);
        const colon = toks[end]?.up === ':' ? end + 1 : -1;
        const size = colon > 0 ? TYPE_BITS[toks[colon]?.up ?? ''] : undefined;
        const start = Number(m[2]) * 8 + bit;
        const range: [number, number] = [start, start + (size ?? 8)];
        if (taken.some(([a, b]) => range[0] < b && a < range[1]))
          overlays.set(name.s, text.slice(toks[t + 1]!.s, toks[end - 1]!.e));
        taken.push(range);
        t = end - 1;
        continue;
      }
      if (next && (next.k === 'word' || next.k === 'quoted') && toks[t + 2]?.up === ':') {
        blank(tok.s, next.e);
        overlays.set(name.s, text.slice(next.s, next.e));
        t++;
        continue;
      }
    }
    // start values of an array without brackets: `:= 1, 2, 3;`
    if (tok.up === ':' && toks[t + 1]?.up === '=' && toks[t + 1]!.s === tok.e) {
      let b = t - 1;
      let isArray = false;
      while (b >= 0 && toks[b]!.up !== ';' && !/^(VAR.*|STRUCT)$/.test(toks[b]!.up)) {
        if (toks[b]!.k === 'word' && toks[b]!.up === 'ARRAY') isArray = true;
        b--;
      }
      let e = t + 2;
      let depth = 0;
      let comma = false;
      const first = toks[e];
      while (e < toks.length && !(depth === 0 && toks[e]!.up === ';')) {
        const u = toks[e]!.up;
        if (u === '(' || u === '[') depth++;
        else if (u === ')' || u === ']') depth--;
        else if (u === ',' && depth === 0) comma = true;
        else if (toks[e]!.k === 'word' && /^(END_VAR|END_STRUCT)$/.test(u)) break;
        e++;
      }
      // `:= 3(W#16#0)`: one repetition alone starts an array as a list of values does
      const repetition = first?.k === 'number' && toks[t + 3]?.up === '(' && toks[e - 1]?.up === ')';
      if (
        isArray &&
        (comma || repetition) &&
        first &&
        first.up !== '[' &&
        first.up !== '(' &&
        toks[e]?.up === ';'
      ) {
        inserts.push({ at: first.s, text: '[' });
        inserts.push({ at: toks[e]!.s, text: ']' });
      }
      if (first?.up === '(' && toks[e]?.up === ';') positionalGroups(toks, t + 2, e, ctx);
      t = e - 1;
    }
  }
}

/**
 * Structure start values given by position, `(32, (), [1, 2], TRUE)`, in
 * tokens [from, to): each group that is not a call, a repetition `3(x)`, a
 * parenthesised expression or a named initialiser `(a := 1)` becomes `[...]`
 * and its offset is recorded; the reader gives the values their member names.
 */
function positionalGroups(
  toks: readonly Tok[],
  from: number,
  to: number,
  ctx: { put: (at: number, word: string) => void; positional: Set<number> },
): void {
  // matching parentheses and what each group holds at its own depth
  const open: number[] = [];
  const groups: { o: number; c: number; comma: boolean; named: boolean }[] = [];
  const byOpen = new Map<number, { o: number; c: number; comma: boolean; named: boolean }>();
  for (let t = from; t < to; t++) {
    const u = toks[t]!.up;
    if (u === '(' || u === '[') {
      open.push(t);
      if (u === '(') {
        const g = { o: t, c: -1, comma: false, named: false };
        byOpen.set(t, g);
        groups.push(g);
      }
    } else if (u === ')' || u === ']') {
      const o = open.pop();
      const g = o === undefined ? undefined : byOpen.get(o);
      if (g) g.c = t;
    } else if (open.length > 0) {
      const g = byOpen.get(open[open.length - 1]!);
      if (!g) continue;
      if (u === ',') g.comma = true;
      if (u === ':' && toks[t + 1]?.up === '=') g.named = true;
    }
  }
  const outer = byOpen.get(from);
  // `:= (x + 1) * 2` is an expression, not a start value by position
  if (
    !outer ||
    outer.c < 0 ||
    (!outer.comma && outer.c !== from + 1 && toks[from + 1]?.up !== '(' && toks[from + 1]?.up !== '[')
  )
    return;
  for (const g of groups) {
    if (g.c < 0 || g.named) continue;
    const prev = toks[g.o - 1]!;
    // `3(16#0000)` repeats, `f(x)` calls
    if (g.o !== from && (prev.k === 'number' || prev.k === 'word' || prev.k === 'quoted')) continue;
    ctx.put(toks[g.o]!.s, '[');
    ctx.put(toks[g.c]!.s, ']');
    ctx.positional.add(toks[g.o]!.s);
  }
}

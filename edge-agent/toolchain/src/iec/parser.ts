/**
 * Recursive-descent parser for Structured Text (IEC 61131-3 3rd edition §6–§7
 * plus the CODESYS/TwinCAT object forms). It never throws to its caller: a
 * broken statement yields one diagnostic, the parser skips to the statement's
 * end (`;`, a block keyword or a closing END_x) and goes on. A closing keyword
 * that belongs to an outer open block ends the inner block with ST1002
 * instead of being swallowed, so one missing END_IF gives one diagnostic.
 */
import type {
  AccessModifier,
  ActionDecl,
  ArrayDimension,
  ArrayInitElement,
  AssignmentStatement,
  BinaryOperator,
  CallArgument,
  CallExpression,
  CaseBranch,
  CaseLabel,
  CaseStatement,
  Comment,
  CompilationUnit,
  ConfigurationDecl,
  DeclaredName,
  DirectAddress,
  ElsifClause,
  EnumType,
  EnumValue,
  Expression,
  FieldInitializer,
  ForStatement,
  FunctionBlockDecl,
  FunctionDecl,
  GlobalVarList,
  Identifier,
  IfStatement,
  Initializer,
  InterfaceDecl,
  MethodDecl,
  NamedType,
  NodeBase,
  Pragma,
  ProgramDecl,
  ProgramInstance,
  PropertyAccessor,
  PropertyDecl,
  RepeatStatement,
  ResourceDecl,
  SetResetTarget,
  SfcActionAssociation,
  SfcQualifier,
  SfcStep,
  SfcTransition,
  SourceFormat,
  Span,
  Statement,
  TaskDecl,
  TopLevelDeclaration,
  TryStatement,
  TypeBlock,
  TypeDecl,
  TypeSpec,
  VarBlock,
  VarDecl,
  VarSection,
  WhileStatement,
} from './ast';
import { GVL_NAME_ATTRIBUTE, SpanLines, TextSpan } from './ast';
import { type Diagnostic, type DiagnosticCode, diagnostic } from './diagnostics';
import {
  DATE_KIND,
  DURATION_KIND,
  decodeDate,
  decodeDateAndTime,
  decodeDuration,
  decodeInteger,
  decodeReal,
  decodeString,
  decodeTimeOfDay,
  nsToMs,
} from './literals';
import { ownText } from './own-text';
import {
  charsHash,
  giveBack,
  KEYWORD_BASE,
  kw,
  type ScanResult,
  scan,
  T,
  TK_COL,
  TK_END,
  TK_HASH,
  TK_LINE,
  TK_NL,
  TK_START,
  TK_TRIVIA,
  TOKEN_FIELDS,
  type Tokens,
  tokenKindName,
} from './scanner';

/** What {@link parseSource} returns. */
export interface ParseResult {
  unit: CompilationUnit;
  diagnostics: Diagnostic[];
}

/** Options for parsing a source text. */
export interface ParseOptions {
  /** Recorded in the unit. @default 'st' */
  format?: SourceFormat;
  /**
   * `false`: make no `Comment` nodes (no `leadingComments`/`trailingComments`, `unit.comments`
   * empty). Pragmas and everything else are made as before: for a caller that never reads
   * comments (`compile`), whose trees then cost less to make and to keep (decision 0173).
   * @default true
   */
  comments?: boolean;
}

/** The largest ULINT and the smallest LINT: the bounds of every integer and of LTIME's nanoseconds. */
const MAX_ULINT = 2n ** 64n - 1n;
const MIN_LINT = -(2n ** 63n);

// thrown to unwind to the nearest recovery point; the diagnostic is already recorded
const SYNC = { sync: true };

const K = {
  IF: kw('IF'),
  THEN: kw('THEN'),
  ELSIF: kw('ELSIF'),
  ELSE: kw('ELSE'),
  END_IF: kw('END_IF'),
  CASE: kw('CASE'),
  OF: kw('OF'),
  END_CASE: kw('END_CASE'),
  FOR: kw('FOR'),
  TO: kw('TO'),
  BY: kw('BY'),
  DO: kw('DO'),
  END_FOR: kw('END_FOR'),
  WHILE: kw('WHILE'),
  END_WHILE: kw('END_WHILE'),
  REPEAT: kw('REPEAT'),
  UNTIL: kw('UNTIL'),
  END_REPEAT: kw('END_REPEAT'),
  EXIT: kw('EXIT'),
  CONTINUE: kw('CONTINUE'),
  RETURN: kw('RETURN'),
  JMP: kw('JMP'),
  AND: kw('AND'),
  OR: kw('OR'),
  XOR: kw('XOR'),
  NOT: kw('NOT'),
  MOD: kw('MOD'),
  AND_THEN: kw('AND_THEN'),
  OR_ELSE: kw('OR_ELSE'),
  TRUE: kw('TRUE'),
  FALSE: kw('FALSE'),
  VAR: kw('VAR'),
  VAR_ACCESS: kw('VAR_ACCESS'),
  END_VAR: kw('END_VAR'),
  CONSTANT: kw('CONSTANT'),
  RETAIN: kw('RETAIN'),
  NON_RETAIN: kw('NON_RETAIN'),
  PERSISTENT: kw('PERSISTENT'),
  AT: kw('AT'),
  PROGRAM: kw('PROGRAM'),
  END_PROGRAM: kw('END_PROGRAM'),
  FUNCTION: kw('FUNCTION'),
  END_FUNCTION: kw('END_FUNCTION'),
  FUNCTION_BLOCK: kw('FUNCTION_BLOCK'),
  END_FUNCTION_BLOCK: kw('END_FUNCTION_BLOCK'),
  METHOD: kw('METHOD'),
  END_METHOD: kw('END_METHOD'),
  PROPERTY: kw('PROPERTY'),
  END_PROPERTY: kw('END_PROPERTY'),
  INTERFACE: kw('INTERFACE'),
  END_INTERFACE: kw('END_INTERFACE'),
  ACTION: kw('ACTION'),
  END_ACTION: kw('END_ACTION'),
  TYPE: kw('TYPE'),
  END_TYPE: kw('END_TYPE'),
  STRUCT: kw('STRUCT'),
  END_STRUCT: kw('END_STRUCT'),
  UNION: kw('UNION'),
  END_UNION: kw('END_UNION'),
  ARRAY: kw('ARRAY'),
  REF_TO: kw('REF_TO'),
  THIS: kw('THIS'),
  SUPER: kw('SUPER'),
  CONFIGURATION: kw('CONFIGURATION'),
  END_CONFIGURATION: kw('END_CONFIGURATION'),
  RESOURCE: kw('RESOURCE'),
  END_RESOURCE: kw('END_RESOURCE'),
  END_GET: kw('END_GET'),
  END_SET: kw('END_SET'),
  END_CLASS: kw('END_CLASS'),
  INITIAL_STEP: kw('INITIAL_STEP'),
  END_STEP: kw('END_STEP'),
  END_TRANSITION: kw('END_TRANSITION'),
  TRY: kw('__TRY'),
  CATCH: kw('__CATCH'),
  FINALLY: kw('__FINALLY'),
  ENDTRY: kw('__ENDTRY'),
};

const VAR_SECTIONS: ReadonlyMap<number, VarSection> = new Map(
  (
    [
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
      'VAR_GENERIC',
    ] as const
  ).map((s) => [kw(s), s]),
);

const TOP_LEVEL = new Set([K.PROGRAM, K.FUNCTION, K.FUNCTION_BLOCK, K.INTERFACE, K.TYPE, K.CONFIGURATION]);
const MEMBER_START = new Set([K.METHOD, K.PROPERTY, K.ACTION]);
const END_KEYWORDS = new Set([
  K.END_IF,
  K.END_CASE,
  K.END_FOR,
  K.END_WHILE,
  K.END_REPEAT,
  K.END_VAR,
  K.END_PROGRAM,
  K.END_FUNCTION,
  K.END_FUNCTION_BLOCK,
  K.END_METHOD,
  K.END_PROPERTY,
  K.END_INTERFACE,
  K.END_ACTION,
  K.END_TYPE,
  K.END_STRUCT,
  K.END_UNION,
  K.END_CONFIGURATION,
  K.END_RESOURCE,
  K.END_GET,
  K.END_SET,
  K.END_CLASS,
  K.END_STEP,
  K.END_TRANSITION,
  K.CATCH,
  K.FINALLY,
  K.ENDTRY,
  K.INITIAL_STEP,
  K.ELSE,
  K.ELSIF,
  K.UNTIL,
  K.THEN,
  K.DO,
  K.OF,
]);
const OPEN_NAME = new Map<number, string>([
  [K.END_IF, 'IF'],
  [K.END_CASE, 'CASE'],
  [K.END_FOR, 'FOR'],
  [K.END_WHILE, 'WHILE'],
  [K.END_REPEAT, 'REPEAT'],
  [K.END_PROGRAM, 'PROGRAM'],
  [K.END_FUNCTION, 'FUNCTION'],
  [K.END_FUNCTION_BLOCK, 'FUNCTION_BLOCK'],
  [K.END_METHOD, 'METHOD'],
  [K.END_PROPERTY, 'PROPERTY'],
  [K.END_INTERFACE, 'INTERFACE'],
  [K.END_ACTION, 'ACTION'],
  [K.END_TYPE, 'TYPE'],
  [K.END_STRUCT, 'STRUCT'],
  [K.END_UNION, 'UNION'],
  [K.END_CONFIGURATION, 'CONFIGURATION'],
  [K.END_RESOURCE, 'RESOURCE'],
  [K.END_GET, 'GET'],
  [K.END_SET, 'SET'],
  [K.END_VAR, 'VAR'],
  [K.END_CLASS, 'CLASS'],
  [K.END_STEP, 'STEP'],
  [K.END_TRANSITION, 'TRANSITION'],
  [K.ENDTRY, '__TRY'],
]);

const BINARY_LEVELS: ReadonlyArray<ReadonlyMap<number, BinaryOperator>> = [
  new Map([
    [K.OR, 'OR'],
    [K.OR_ELSE, 'OR_ELSE'],
  ]),
  new Map([[K.XOR, 'XOR']]),
  new Map<number, BinaryOperator>([
    [K.AND, 'AND'],
    [T.Amp, 'AND'],
    [K.AND_THEN, 'AND_THEN'],
  ]),
  new Map<number, BinaryOperator>([
    [T.Eq, '='],
    [T.Ne, '<>'],
  ]),
  new Map<number, BinaryOperator>([
    [T.Lt, '<'],
    [T.Gt, '>'],
    [T.Le, '<='],
    [T.Ge, '>='],
  ]),
  new Map<number, BinaryOperator>([
    [T.Plus, '+'],
    [T.Minus, '-'],
  ]),
  new Map<number, BinaryOperator>([
    [T.Star, '*'],
    [T.Slash, '/'],
    [K.MOD, 'MOD'],
  ]),
  new Map<number, BinaryOperator>([[T.Power, '**']]),
];

/**
 * Deepest nesting of expressions and statements the parser follows (each level
 * is a few stack frames). Real code nests a few levels; the limit covers generated
 * code (1,024 levels), and beyond it the parser reports ST1017 once instead of overflowing.
 * Flat shapes never count against it: a 20,000-term `a OR b OR ...` chain and
 * a run of prefix operators (`NOT NOT ... x`) are read iteratively.
 */
export const MAX_NESTING_DEPTH = 1024;
const MAX_DEPTH = MAX_NESTING_DEPTH;

/**
 * `list` with `item` appended, or a new list of `item` alone when `list` is absent or empty
 * (and not shared). A list grown by `push` from `[]` keeps room for 16 elements, and most nodes
 * carry one comment or pragma, most calls one or two arguments.
 */
function add<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined || list.length === 0) return [item];
  list.push(item);
  return list;
}

/**
 * `list` at its own length: a copy of a list grown by `push` (which keeps room for 16 more),
 * the list itself when empty. Every list of a tree survives the parse, and the collector copies
 * the room with it (decision 0142).
 */
function fit<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}

/**
 * A list made by {@link add} at its own length: a one-element list is made at its length
 * already. One function for every such list, so that its copying path has run (on a call's
 * arguments) by the time a rarer list (a second index) first needs it.
 */
function fitList<T>(list: T[]): T[] {
  return list.length > 1 ? list.slice() : list;
}

/**
 * A new, empty list of statements. Every list {@link Parser.statements} fills is made here, at
 * one array literal: V8 then makes them all as lists of objects once the first has held a
 * statement, where a literal of their own (the first REPEAT's body) made a list of small
 * integers, and pushing a statement onto it sent `statements`' optimised code back to the
 * interpreter.
 */
function statementList(): Statement[] {
  return [];
}

/** A new, empty list of declarations: one array literal for all of them, as {@link statementList}. */
function declList(): VarDecl[] {
  return [];
}

/** Moves leading comments/pragmas collected early onto the finished node. */
function copyLeading(from: NodeBase, to: NodeBase): void {
  if (from.pragmas) to.pragmas = from.pragmas;
  if (from.leadingComments) to.leadingComments = from.leadingComments;
}

/**
 * Strings of tokens read lately, by a hash of their characters (decision 0142). The same name
 * is one string in every node that holds it instead of a copy (or a slice of the file) per use:
 * a dense TwinCAT library names its variables thousands of times. A slot holds the last string
 * that hashed to it, so the table never holds more than `INTERNED.length` strings.
 */
const INTERNED: (string | undefined)[] = new Array(8192).fill(undefined);

/**
 * `text.slice(s, e)` (as {@link ownText}: a copy), or the interned string equal to it. `hash`:
 * the token's {@link charsHash} if the scanner made it (a word's), else 0.
 */
function tokenString(text: string, s: number, e: number, hash: number): string {
  // long tokens (string literals, mostly) are seldom repeated; one `slice` call for both paths
  // so that the first long one does not meet optimised code without feedback for it
  let slot = -1;
  if (e - s <= 48) {
    let h = hash === 0 ? charsHash(text, s, e) : hash;
    h = Math.imul(h ^ (e - s), 0x01000193);
    slot = (h ^ (h >>> 15)) & (INTERNED.length - 1);
    const known = INTERNED[slot];
    if (known !== undefined && known.length === e - s && text.startsWith(known, s)) return known;
  }
  const made = ownText(text, s, e);
  if (slot >= 0) INTERNED[slot] = made;
  return made;
}

/**
 * Placeholder span of a node whose real span is set once its last token is read (saves an
 * allocation); all zeros, as a plain span was. A {@link TextSpan}, as the one that replaces
 * it: a node's `span` field then sees one class of object.
 */
const PENDING: Span = new TextSpan(new SpanLines('', 0, new Int32Array([1])), 0, 0);

/** Binary operator precedence by token kind (0 = not an operator), from BINARY_LEVELS: OR lowest. */
const BIN_PREC = new Uint8Array(KEYWORD_BASE + 128);
const BIN_OP: (BinaryOperator | undefined)[] = [];
BINARY_LEVELS.forEach((ops, level) => {
  for (const [kind, op] of ops) {
    BIN_PREC[kind] = level + 1;
    BIN_OP[kind] = op;
  }
});

const SFC_QUALIFIERS = new Set(['N', 'R', 'S', 'P', 'P0', 'P1', 'L', 'D', 'SD', 'DS', 'SL']);
const TIMED_QUALIFIERS = new Set(['L', 'D', 'SD', 'DS', 'SL']);

/**
 * The statement a token kind starts, read from its token `s` (`Parser.statementInner`); set
 * in the parser's static block (its rules are private). Undefined for the kinds read otherwise.
 */
const STATEMENT_RULES: (((p: Parser, s: number) => Statement | undefined) | undefined)[] = new Array(
  KEYWORD_BASE + 129,
).fill(undefined);
/** The index in {@link STATEMENT_RULES} of a label's rule (`lbl:`): no token kind. */
const LABEL_RULE = KEYWORD_BASE + 128;

/** +1 for `(` and `[`, -1 for `)` and `]`, else 0, by token kind. */
const BRACKET_STEP = new Int8Array(KEYWORD_BASE + 128);
BRACKET_STEP[T.LParen] = 1;
BRACKET_STEP[T.LBracket] = 1;
BRACKET_STEP[T.RParen] = -1;
BRACKET_STEP[T.RBracket] = -1;

/** Token kinds that end a statement list (closing keywords, declarations). */
const STOPS = new Uint8Array(KEYWORD_BASE + 128);

for (const k of [...END_KEYWORDS, ...TOP_LEVEL, ...VAR_SECTIONS.keys(), ...MEMBER_START, T.EOF]) STOPS[k] = 1;

/** Parses one ST source text into a compilation unit. Never throws. */
export function parseSource(text: string, fileName: string, options: ParseOptions = {}): ParseResult {
  const format = options.format ?? 'st';
  try {
    const p = new Parser(scan(text, fileName), format, options.comments !== false);
    return p.parseUnit();
  } catch (err) {
    // last line of defence: the depth guard should make this unreachable
    const span: Span = {
      file: fileName,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      offset: 0,
      endOffset: 0,
    };
    const unit: CompilationUnit = {
      kind: 'CompilationUnit',
      file: fileName,
      format,
      declarations: [],
      comments: [],
      span,
    };
    const why =
      err instanceof RangeError
        ? `nesting deeper than ${MAX_DEPTH} levels`
        : `internal parser error: ${String(err)}`;
    return { unit, diagnostics: [diagnostic('ST1012', span, fileName, why)] };
  }
}

/** Internal entry for readers: a parser over `text[start, end)` with real file positions. */
export function createParser(
  text: string,
  file: string,
  start: number,
  end: number,
  line: number,
  column: number,
  format: SourceFormat,
  comments = true,
): Parser {
  // the scanner's scratch table, lent: finishRange (or release) gives it back (decision 0167)
  return new Parser(scan(text, file, start, end, line, column, true), format, comments);
}

/** The parser over one scanned range. Readers use its partial entry points. */
export class Parser {
  readonly diagnostics: Diagnostic[];
  private readonly text: string;
  private readonly file: string;
  /** The scan's line starts, which the spans made here read their lines from. */
  private readonly lines: SpanLines;
  private readonly tk: Tokens;
  private readonly kinds: Uint16Array;
  /** The tokens' Int32 fields ({@link TOKEN_FIELDS} per token). */
  private readonly td: Int32Array;
  private readonly trivia: ScanResult['trivia'];
  private readonly comments: Comment[] = [];
  /** The first comment made of each trivia entry (by index), whose text and span later ones share. */
  private readonly madeComments: (Comment | undefined)[] = [];
  private triviaAt = 0;
  private i = 0;
  private readonly open: number[] = [];
  /** Nesting of expressions (parentheses, calls, indices), types and initialisers being read. */
  private depth = 0;
  /** Nesting of statements being read. */
  private stmtDepth = 0;
  /** Set by ST1017: the input was too deep and the rest is skipped. */
  private gaveUp = false;
  private readonly format: SourceFormat;
  /** Make `Comment` nodes ({@link ParseOptions.comments}); pragmas are made either way. */
  private readonly keepComments: boolean;
  /**
   * Set by a reader that parsed decoded text: maps an offset of that text to
   * its position in the original file (the reader remaps spans with it).
   */
  offsetMap?: (offset: number) => Span;

  constructor(scanned: ScanResult, format: SourceFormat, comments = true) {
    this.text = scanned.text;
    this.file = scanned.file;
    this.lines = scanned.lines;
    this.tk = scanned.tokens;
    this.kinds = scanned.tokens.kind;
    this.td = scanned.tokens.data;
    this.trivia = scanned.trivia;
    this.diagnostics = scanned.diagnostics;
    this.format = format;
    this.keepComments = comments;
  }

  // ------------------------------------------------------------------ tokens

  private k(): number {
    return this.kinds[this.i]!;
  }
  private peek(n = 1): number {
    const j = this.i + n;
    return j < this.tk.count ? this.kinds[j]! : T.EOF;
  }
  private tokText(j?: number): string {
    // `this.i` read on every call, not only when no token is given: optimised code made while
    // every call gave one had no feedback for the read and went back to the interpreter
    const at = this.i;
    const f = (j === undefined ? at : j) * TOKEN_FIELDS;
    return tokenString(this.text, this.td[f + TK_START]!, this.td[f + TK_END]!, this.td[f + TK_HASH]!);
  }
  /** Is token j the contextual word `w` (upper case)? */
  private isWord(w: string, j = this.i): boolean {
    if (this.kinds[j] !== T.Ident) return false;
    const s = this.td[j * TOKEN_FIELDS + TK_START]!;
    const e = this.td[j * TOKEN_FIELDS + TK_END]!;
    return e - s === w.length && this.text.slice(s, e).toUpperCase() === w;
  }
  private span(from: number, to = this.i - 1): Span {
    const d = this.td;
    if (to < from) to = from;
    // lines and columns read from the scan's line table when asked (decision 0109); past the
    // end-of-file token the table reads zeros, and that span is made as it always was
    if (to < this.tk.count)
      return new TextSpan(this.lines, d[from * TOKEN_FIELDS + TK_START]!, d[to * TOKEN_FIELDS + TK_END]!);
    const f = from * TOKEN_FIELDS;
    const t = to * TOKEN_FIELDS;
    const endOffset = d[t + TK_END]!;
    return {
      file: this.file,
      line: d[f + TK_LINE]!,
      column: d[f + TK_COL]!,
      endLine: d[t + TK_LINE]!,
      endColumn: d[t + TK_COL]! + endOffset - d[t + TK_START]!,
      offset: d[f + TK_START]!,
      endOffset,
    };
  }
  /**
   * The span of tokens `from` to the last one read, as {@link span} makes it; `same` itself when
   * it is that range (a positional argument or a case value is its expression): a tree keeps
   * every span it holds, and an equal one need not be a second object.
   */
  private spanOr(same: Span, from: number): Span {
    const d = this.td;
    const to = Math.max(from, this.i - 1);
    if (
      same.offset === d[from * TOKEN_FIELDS + TK_START] &&
      same.endOffset === d[to * TOKEN_FIELDS + TK_END] &&
      same.file === this.file
    )
      return same;
    return this.span(from);
  }
  private describe(j = this.i): string {
    const k = this.kinds[j]!;
    if (k === T.EOF) return 'end of file';
    if (k >= KEYWORD_BASE) return this.tokText(j).toUpperCase();
    const txt = this.tokText(j);
    return `'${txt.length > 24 ? `${txt.slice(0, 24)}...` : txt}'`;
  }
  private report(code: DiagnosticCode, span: Span, ...args: (string | number)[]): void {
    // after ST1017 the rest of the input is skipped: the blocks it leaves open are not news
    if (this.gaveUp) return;
    this.diagnostics.push(diagnostic(code, span, ...args));
  }
  private fail(expected: string): never {
    // the scanner already reported a bad character
    if (this.kinds[this.i] === T.Bad) throw SYNC;
    if (this.gaveUp) throw SYNC;
    this.report('ST1001', this.span(this.i, this.i), expected, this.describe());
    throw SYNC;
  }
  private expect(kind: number, what?: string): number {
    if (this.kinds[this.i] !== kind) this.fail(what ?? tokenKindName(kind));
    return this.i++;
  }
  private accept(kind: number): boolean {
    if (this.kinds[this.i] === kind) {
      this.i++;
      return true;
    }
    return false;
  }
  private ident(what = 'a name'): DeclaredName {
    const k = this.k();
    if (k !== T.Ident) this.fail(what);
    const j = this.i++;
    return { name: this.tokText(j), span: this.span(j, j) };
  }
  /** A dotted name `A.B.C` (namespaces, library-qualified types). */
  private qualifiedName(what = 'a name'): DeclaredName {
    const first = this.ident(what);
    if (this.k() !== T.Dot || this.peek() !== T.Ident) return first;
    const s = this.i - 1;
    let name = first.name;
    while (this.k() === T.Dot && this.peek() === T.Ident) {
      this.i++;
      name += `.${this.tokText(this.i++)}`;
    }
    return { name, span: this.span(s) };
  }

  // ------------------------------------------------------------ comments

  private toComment(idx: number, ownLine: boolean): Comment {
    const tr = this.trivia[idx]!;
    // a comment attached to a node is listed in the unit's comments too: the two share text and span
    const made = this.madeComments[idx];
    if (made) return { kind: 'Comment', style: made.style, text: made.text, ownLine, span: made.span };
    const c: Comment = {
      kind: 'Comment',
      style: tr.style === 'pragma' ? 'block' : tr.style,
      text: ownText(this.text, tr.start, tr.end),
      ownLine,
      span: this.triviaSpan(idx),
    };
    this.madeComments[idx] = c;
    return c;
  }
  /** The span of trivia entry `idx` (a comment or pragma). */
  private triviaSpan(idx: number): Span {
    const tr = this.trivia[idx]!;
    return new TextSpan(this.lines, tr.start, tr.end);
  }
  private toPragma(idx: number): Pragma {
    const c = this.toComment(idx, true);
    const text = c.text.startsWith('@') ? c.text : c.text.slice(1, -1).trim();
    const m = /^attribute\s+'([^']*)'(?:\s*:=\s*'([^']*)')?\s*$/i.exec(text);
    if (!m) return { kind: 'Pragma', text, span: c.span };
    // one literal with `attribute` (adding it after gave the pragma an out-of-object store)
    const attribute = m[2] === undefined ? { name: m[1]! } : { name: m[1]!, value: m[2] };
    return { kind: 'Pragma', text, span: c.span, attribute };
  }
  /** Is a `{attribute 'gvl_name' := …}` pragma pending before token `at`? */
  private gvlNameBefore(at: number): boolean {
    const upto = this.td[at * TOKEN_FIELDS + TK_TRIVIA]!;
    for (let j = this.triviaAt; j < upto; j++) {
      const tr = this.trivia[j]!;
      if (tr.pragma && /^\{\s*attribute\s+'gvl_name'/i.test(this.text.slice(tr.start, tr.end))) return true;
    }
    return false;
  }
  /** Attaches comments/pragmas pending before token `at` to `node` as leading. */
  private leading(node: NodeBase, at: number): void {
    const upto = this.td[at * TOKEN_FIELDS + TK_TRIVIA]!;
    for (; this.triviaAt < upto; this.triviaAt++) {
      const tr = this.trivia[this.triviaAt]!;
      if (tr.pragma) node.pragmas = add(node.pragmas, this.toPragma(this.triviaAt));
      else if (this.keepComments)
        node.leadingComments = add(node.leadingComments, this.toComment(this.triviaAt, true));
    }
  }
  /** Attaches comments inside the node and those after it on its last line as trailing. */
  private trailing(node: NodeBase): void {
    const last = this.i - 1;
    // a comment that starts on the line where the node (or the comment before it) ends trails it;
    // before the first token every comment does (no read before the table: optimised code met
    // that read out of bounds and was thrown away). Past every offset: the largest Int32, a
    // literal (`Number.POSITIVE_INFINITY`, read first after the code was optimised, had no
    // feedback and threw it away)
    let endLine = last < 0 ? 0 : this.td[last * TOKEN_FIELDS + TK_LINE]!;
    const endOff = last < 0 ? 0x7fffffff : this.td[last * TOKEN_FIELDS + TK_END]!;
    const upto = this.td[this.i * TOKEN_FIELDS + TK_TRIVIA]!;
    for (; this.triviaAt < upto; this.triviaAt++) {
      const tr = this.trivia[this.triviaAt]!;
      if (tr.start >= endOff && (tr.line !== endLine || tr.ownLine)) break;
      if (tr.start >= endOff) endLine = tr.endLine;
      if (tr.pragma) node.pragmas = add(node.pragmas, this.toPragma(this.triviaAt));
      else if (this.keepComments)
        node.trailingComments = add(node.trailingComments, this.toComment(this.triviaAt, false));
    }
  }
  /** Comments left before a closing keyword go after the last node of the list, on their own lines. */
  private dangling(list: NodeBase[]): void {
    const lastNode = list[list.length - 1];
    if (!lastNode) return;
    const upto = this.td[this.i * TOKEN_FIELDS + TK_TRIVIA]!;
    for (; this.triviaAt < upto; this.triviaAt++) {
      const tr = this.trivia[this.triviaAt]!;
      if (tr.pragma) lastNode.trailingPragmas = add(lastNode.trailingPragmas, this.toPragma(this.triviaAt));
      else if (this.keepComments)
        lastNode.trailingComments = add(lastNode.trailingComments, this.toComment(this.triviaAt, true));
    }
  }

  /**
   * Like {@link dangling} for the body of a compound statement; comments in an
   * empty body ride on an empty statement so they stay inside the block.
   */
  private danglingInBlock(list: Statement[]): void {
    if (list.length > 0) {
      this.dangling(list);
      return;
    }
    const upto = this.td[this.i * TOKEN_FIELDS + TK_TRIVIA]!;
    if (this.triviaAt >= upto) return;
    // the span of the first comment or pragma (made here alone when comments are not)
    const span = this.keepComments
      ? this.toComment(this.triviaAt, true).span
      : this.triviaSpan(this.triviaAt);
    const empty: Statement = { kind: 'Empty', span };
    this.leading(empty, this.i);
    list.push(empty);
  }

  // ------------------------------------------------------------ recovery

  /** Is `k` a closing/continuation keyword some open block is waiting for? */
  private expectedByOpen(k: number): boolean {
    if (k === T.EOF || TOP_LEVEL.has(k)) return true;
    const open = this.open;
    for (let j = open.length - 1; j >= 0; j--) {
      const e = open[j]!;
      if (e === k) return true;
      if ((k === K.ELSE || k === K.ELSIF) && (e === K.END_IF || e === K.END_CASE)) return true;
      if (k === K.UNTIL && e === K.END_REPEAT) return true;
      if ((k === K.CATCH || k === K.FINALLY) && e === K.ENDTRY) return true;
      if (
        (VAR_SECTIONS.has(k) || MEMBER_START.has(k)) &&
        (e === K.END_FUNCTION_BLOCK ||
          e === K.END_PROGRAM ||
          e === K.END_FUNCTION ||
          e === K.END_METHOD ||
          e === K.END_CLASS)
      ) {
        return true;
      }
    }
    return false;
  }
  /** Skips the rest of a broken statement. */
  private syncStatement(): void {
    let depth = 0;
    while (true) {
      const k = this.k();
      if (k === T.EOF) return;
      if (k === T.LParen || k === T.LBracket) depth++;
      else if ((k === T.RParen || k === T.RBracket) && depth > 0) depth--;
      else if (k === T.Semi) {
        this.i++;
        return;
      } else if (END_KEYWORDS.has(k) || TOP_LEVEL.has(k) || VAR_SECTIONS.has(k) || MEMBER_START.has(k)) {
        // a THEN/DO/OF ends a broken header; the block keyword is the block's own business
        if (k === K.THEN || k === K.DO || k === K.OF) return;
        if (this.expectedByOpen(k)) return;
        return;
      } else if (this.td[this.i * TOKEN_FIELDS + TK_NL] && depth === 0 && this.startsStatementKeyword(k))
        return;
      this.i++;
    }
  }
  private startsStatementKeyword(k: number): boolean {
    return (
      k === K.IF ||
      k === K.CASE ||
      k === K.FOR ||
      k === K.WHILE ||
      k === K.REPEAT ||
      k === K.RETURN ||
      k === K.EXIT ||
      k === K.CONTINUE ||
      k === K.JMP ||
      k === K.TRY
    );
  }
  /**
   * Closes a block: consumes `endKind` (and an optional `;`), or reports it
   * missing without consuming what belongs to an outer block.
   * Returns false when a stray token was skipped and the caller should parse more.
   */
  private closeBlock(endKind: number, openTok: number): boolean {
    const k = this.k();
    if (k === endKind) {
      this.i++;
      // `END_IF;` — a ';' on a later line is an empty statement of its own (the printer's
      // form of a body holding only a comment)
      if (!this.td[this.i * TOKEN_FIELDS + TK_NL]) this.accept(T.Semi);
      return true;
    }
    if (this.expectedByOpen(k) || k === T.EOF) {
      this.report(
        'ST1002',
        this.span(this.i, this.i),
        OPEN_NAME.has(endKind) ? tokenKindName(endKind) : 'END',
        OPEN_NAME.get(endKind) ?? '',
        this.td[openTok * TOKEN_FIELDS + TK_LINE]!,
      );
      return true;
    }
    this.report('ST1001', this.span(this.i, this.i), tokenKindName(endKind), this.describe());
    this.i++;
    return false;
  }

  // ------------------------------------------------------------ unit

  parseUnit(): ParseResult {
    const declarations: TopLevelDeclaration[] = [];
    const unit: CompilationUnit = {
      kind: 'CompilationUnit',
      file: this.file,
      format: this.format,
      declarations,
      comments: this.comments,
      span: this.span(0, Math.max(0, this.tk.count - 1)),
    };
    while (this.k() !== T.EOF) {
      const before = this.i;
      try {
        const d = this.topLevel(declarations);
        if (d) declarations.push(d);
      } catch (e) {
        if (e !== SYNC) throw e;
        this.syncTopLevel();
      }
      if (this.i === before) this.i++;
    }
    this.finishUnit(unit);
    return { unit, diagnostics: this.diagnostics };
  }

  /** Collects all comments into the unit and gives unclaimed ones to the last declaration. */
  finishUnit(unit: CompilationUnit): void {
    const lastDecl = unit.declarations[unit.declarations.length - 1];
    for (; this.triviaAt < this.trivia.length; this.triviaAt++) {
      const tr = this.trivia[this.triviaAt]!;
      if (tr.pragma || !lastDecl || !this.keepComments) continue;
      lastDecl.trailingComments = add(lastDecl.trailingComments, this.toComment(this.triviaAt, tr.ownLine));
    }
    if (!this.keepComments) return;
    for (let j = 0; j < this.trivia.length; j++) {
      const tr = this.trivia[j]!;
      if (!tr.pragma) this.comments.push(this.toComment(j, tr.ownLine));
    }
  }

  // ------------------------------------------------------------ entry points for XML readers

  /**
   * A TwinCAT `<Declaration>` range: a POU or interface header with its VAR
   * blocks (the END keyword is optional there), or TYPE / VAR_GLOBAL text.
   */
  declarationPart(): TopLevelDeclaration[] {
    const out: TopLevelDeclaration[] = [];
    while (this.k() !== T.EOF) {
      const before = this.i;
      try {
        const k = this.k();
        if (k === K.PROGRAM || k === K.FUNCTION_BLOCK) out.push(this.pou(k, true));
        else if (k === K.FUNCTION) out.push(this.functionDecl(true));
        else if (k === K.INTERFACE) out.push(this.interfaceDecl(true));
        else {
          const d = this.topLevel(out);
          if (d) out.push(d);
        }
      } catch (e) {
        if (e !== SYNC) throw e;
        this.syncTopLevel();
      }
      if (this.i === before) this.i++;
    }
    return out;
  }

  /** A TwinCAT `<Method>` or `<Property>` declaration range; undefined (with a diagnostic) when it is something else. */
  memberDeclaration(): MethodDecl | PropertyDecl | undefined {
    try {
      const k = this.k();
      if (k === K.METHOD) return this.method(true);
      if (k === K.PROPERTY) return this.property(true);
      this.fail('METHOD or PROPERTY');
    } catch (e) {
      if (e !== SYNC) throw e;
      return undefined;
    }
  }

  /** A TwinCAT `<Get>`/`<Set>` declaration range (VAR blocks only). */
  accessorDeclaration(which: 'GET' | 'SET'): PropertyAccessor {
    try {
      return this.accessor(which, true);
    } catch (e) {
      if (e !== SYNC) throw e;
      return {
        kind: 'PropertyAccessor',
        accessor: which,
        varBlocks: [],
        body: statementList(),
        span: this.span(0, 0),
      };
    }
  }

  /**
   * Ends a range: attaches leftover comments to `last` (own lines) and returns every comment of
   * the range (none when comments are not made).
   */
  finishRange(last: NodeBase | undefined): Comment[] {
    for (; this.triviaAt < this.trivia.length; this.triviaAt++) {
      const tr = this.trivia[this.triviaAt]!;
      if (tr.pragma || !last || !this.keepComments) continue;
      last.trailingComments = add(last.trailingComments, this.toComment(this.triviaAt, true));
    }
    const all: Comment[] = [];
    for (let j = 0; this.keepComments && j < this.trivia.length; j++) {
      const tr = this.trivia[j]!;
      if (!tr.pragma) all.push(this.toComment(j, tr.ownLine));
    }
    this.release();
    return all;
  }

  /**
   * Done with the tokens: a table lent by the scanner goes back to it ({@link createParser}).
   * Nothing may read this parser's tokens afterwards; its diagnostics and comments stay.
   */
  release(): void {
    giveBack(this.tk);
  }

  /** The span of the whole scanned range (for nodes built by readers). */
  rangeSpan(): Span {
    return this.span(0, Math.max(0, this.tk.count - 1));
  }

  private syncTopLevel(): void {
    while (this.k() !== T.EOF && !TOP_LEVEL.has(this.k()) && !VAR_SECTIONS.has(this.k())) this.i++;
  }

  private topLevel(decls: TopLevelDeclaration[]): TopLevelDeclaration | undefined {
    const k = this.k();
    if (k === T.Semi) {
      // a stray ';' after END_x (CODESYS and TwinCAT accept it)
      this.i++;
      return undefined;
    }
    if (k === K.PROGRAM || k === K.FUNCTION_BLOCK) return this.pou(k, false);
    if (k === T.Ident && this.peek() === T.Ident && this.isWord('CLASS')) return this.pou(k, false);
    if (k === K.FUNCTION) return this.functionDecl(false);
    if (k === K.INTERFACE) return this.interfaceDecl();
    if (k === K.TYPE) return this.typeBlock();
    if (k === K.CONFIGURATION) return this.configuration();
    if (VAR_SECTIONS.has(k)) {
      const s = this.i;
      const gvl: GlobalVarList = { kind: 'GlobalVarList', varBlocks: [], span: this.span(s, s) };
      this.leading(gvl, s);
      // `{attribute 'gvl_name' := 'GVL_X'}` names the list (the printer writes a named list so);
      // a block after another such pragma starts the next list
      const named =
        gvl.pragmas?.findIndex((p) => p.attribute?.name.toLowerCase() === GVL_NAME_ATTRIBUTE) ?? -1;
      const value = named >= 0 ? gvl.pragmas?.[named]?.attribute?.value : undefined;
      if (value) {
        gvl.name = value;
        gvl.pragmas?.splice(named, 1);
        if (gvl.pragmas?.length === 0) delete gvl.pragmas;
      }
      while (VAR_SECTIONS.has(this.k()) && !(gvl.varBlocks.length > 0 && this.gvlNameBefore(this.i)))
        gvl.varBlocks.push(this.varBlock());
      gvl.span = this.span(s);
      this.trailing(gvl);
      return gvl;
    }
    if (MEMBER_START.has(k)) {
      // METHOD/PROPERTY/ACTION written after END_FUNCTION_BLOCK (some ST exports): attach to that POU
      let owner: ProgramDecl | FunctionBlockDecl | undefined;
      for (let j = decls.length - 1; j >= 0 && !owner; j--) {
        const d = decls[j]!;
        if (d.kind === 'FunctionBlock' || d.kind === 'Program') owner = d;
      }
      if (owner) {
        this.member(owner, k);
        return undefined;
      }
    }
    this.report('ST1010', this.span(this.i, this.i), this.describe());
    this.i++;
    this.syncTopLevel();
    return undefined;
  }

  // ------------------------------------------------------------ POUs

  private modifiers(): { access?: AccessModifier; abstract: boolean; final: boolean } {
    const out: { access?: AccessModifier; abstract: boolean; final: boolean } = {
      abstract: false,
      final: false,
    };
    while (this.k() === T.Ident && this.peek() === T.Ident) {
      if (this.isWord('ABSTRACT')) out.abstract = true;
      else if (this.isWord('FINAL')) out.final = true;
      else if (this.isWord('PUBLIC')) out.access = 'PUBLIC';
      else if (this.isWord('PRIVATE')) out.access = 'PRIVATE';
      else if (this.isWord('PROTECTED')) out.access = 'PROTECTED';
      else if (this.isWord('INTERNAL')) out.access = 'INTERNAL';
      else break;
      this.i++;
    }
    return out;
  }

  /**
   * PROGRAM or FUNCTION_BLOCK. With `declarationOnly` (TwinCAT `<Declaration>`)
   * the header and VAR blocks are read and the end keyword is optional.
   */
  pou(k: number, declarationOnly: boolean): ProgramDecl | FunctionBlockDecl {
    const s = this.i;
    const isProgram = k === K.PROGRAM;
    // CLASS (§6.6.5) is the contextual word at a declaration's start
    const isClass = k === T.Ident;
    this.i++;
    const mods = this.modifiers();
    const name = this.ident();
    const endKind = isProgram ? K.END_PROGRAM : isClass ? K.END_CLASS : K.END_FUNCTION_BLOCK;
    let node: ProgramDecl | FunctionBlockDecl;
    if (isProgram) {
      node = {
        kind: 'Program',
        name: name.name,
        nameSpan: name.span,
        varBlocks: [],
        body: statementList(),
        methods: [],
        properties: [],
        actions: [],
        span: name.span,
      };
      if (mods.access) node.access = mods.access;
    } else {
      const fb: FunctionBlockDecl = {
        kind: 'FunctionBlock',
        name: name.name,
        nameSpan: name.span,
        abstract: mods.abstract,
        final: mods.final,
        implements: [],
        varBlocks: [],
        body: statementList(),
        methods: [],
        properties: [],
        actions: [],
        span: name.span,
      };
      if (mods.access) fb.access = mods.access;
      if (isClass) fb.isClass = true;
      while (this.k() === T.Ident) {
        if (this.isWord('EXTENDS')) {
          this.i++;
          fb.extends = this.qualifiedName().name;
        } else if (this.isWord('IMPLEMENTS')) {
          this.i++;
          this.nameList(fb.implements);
        } else break;
      }
      node = fb;
    }
    return this.pouRest(node, endKind, s, declarationOnly);
  }

  /** What every POU shares after its header: `;`, declarations, body, END_x, its span and comments. */
  private pouRest<N extends ProgramDecl | FunctionBlockDecl | FunctionDecl | MethodDecl>(
    node: N,
    endKind: number,
    s: number,
    declarationOnly: boolean,
  ): N {
    this.leading(node, s);
    this.accept(T.Semi);
    this.pouContents(node, endKind, s, declarationOnly);
    node.varBlocks = fit(node.varBlocks);
    node.body = fit(node.body);
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  private pouContents(
    node: ProgramDecl | FunctionBlockDecl | FunctionDecl | MethodDecl,
    endKind: number,
    openTok: number,
    declarationOnly: boolean,
  ): void {
    this.open.push(endKind);
    try {
      while (true) {
        const k = this.k();
        if (VAR_SECTIONS.has(k)) {
          node.varBlocks.push(this.varBlock());
          continue;
        }
        if (declarationOnly) {
          if (k === endKind) {
            this.i++;
            this.accept(T.Semi);
          } else if (k !== T.EOF) {
            this.report('ST1001', this.span(this.i, this.i), 'VAR or end of declaration', this.describe());
          }
          return;
        }
        if (MEMBER_START.has(k) && node.kind !== 'Function' && node.kind !== 'Method') {
          this.member(node, k);
          continue;
        }
        if ((node.kind === 'Program' || node.kind === 'FunctionBlock') && this.atSfcElement()) {
          this.sfcElement(node);
          continue;
        }
        if (k === endKind || this.expectedByOpen(k)) {
          this.dangling(node.body);
          if (this.closeBlock(endKind, openTok)) return;
          continue;
        }
        const before = this.i;
        this.statements(node.body);
        if (this.i === before) {
          if (this.closeBlock(endKind, openTok)) return;
        }
      }
    } finally {
      this.open.pop();
    }
  }

  /** `a, b.c, d` — a list of (qualified) names; a trailing comma is accepted (TwinCAT writes one). */
  private nameList(out: string[]): void {
    do {
      if (out.length > 0 && this.k() !== T.Ident) return;
      out.push(this.qualifiedName().name);
    } while (this.accept(T.Comma));
  }

  private member(node: ProgramDecl | FunctionBlockDecl, k: number): void {
    if (k === K.METHOD) node.methods.push(this.method(false));
    else if (k === K.PROPERTY) node.properties.push(this.property(false));
    else node.actions.push(this.action());
  }

  /** FUNCTION name [: type]; `declarationOnly` as for {@link pou}. */
  functionDecl(declarationOnly: boolean): FunctionDecl {
    const s = this.i++;
    const mods = this.modifiers();
    const name = this.ident();
    const node: FunctionDecl = {
      kind: 'Function',
      name: name.name,
      nameSpan: name.span,
      varBlocks: [],
      body: statementList(),
      span: name.span,
    };
    if (mods.access) node.access = mods.access;
    return this.callableRest(node, K.END_FUNCTION, s, declarationOnly);
  }

  /** METHOD [mods] name [: type]; in interfaces and `declarationOnly` the body is absent. */
  method(declarationOnly: boolean): MethodDecl {
    const s = this.i++;
    const mods = this.modifiers();
    const name = this.ident();
    const node: MethodDecl = {
      kind: 'Method',
      name: name.name,
      nameSpan: name.span,
      abstract: mods.abstract,
      final: mods.final,
      varBlocks: [],
      body: statementList(),
      span: name.span,
    };
    if (mods.access) node.access = mods.access;
    return this.callableRest(node, K.END_METHOD, s, declarationOnly);
  }

  /** What FUNCTION and METHOD share after the name: `[: type]`, `;`, declarations, body, END_x. */
  private callableRest<N extends FunctionDecl | MethodDecl>(
    node: N,
    endKind: number,
    s: number,
    declarationOnly: boolean,
  ): N {
    if (this.accept(T.Colon)) node.returnType = this.typeSpec();
    return this.pouRest(node, endKind, s, declarationOnly);
  }

  /** PROPERTY [mods] name : type [GET ... END_GET] [SET ... END_SET] END_PROPERTY. */
  property(declarationOnly: boolean): PropertyDecl {
    const s = this.i++;
    const mods = this.modifiers();
    const name = this.ident();
    this.expect(T.Colon);
    const type = this.typeSpec();
    const node: PropertyDecl = {
      kind: 'Property',
      name: name.name,
      nameSpan: name.span,
      abstract: mods.abstract,
      final: mods.final,
      type,
      span: name.span,
    };
    if (mods.access) node.access = mods.access;
    this.leading(node, s);
    this.accept(T.Semi);
    if (!declarationOnly) {
      this.open.push(K.END_PROPERTY);
      try {
        do {
          while (this.isWord('GET') || this.isWord('SET')) {
            const acc = this.accessor(this.isWord('GET') ? 'GET' : 'SET', false);
            if (acc.accessor === 'GET') node.get = acc;
            else node.set = acc;
          }
        } while (!this.closeBlock(K.END_PROPERTY, s));
      } finally {
        this.open.pop();
      }
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  /** `GET [access] VAR... body END_GET`; readers pass `headerless` for a TwinCAT accessor's declaration/body pair. */
  accessor(which: 'GET' | 'SET', headerless: boolean): PropertyAccessor {
    const s = this.i;
    if (!headerless) this.i++;
    const mods = headerless ? { abstract: false, final: false } : this.modifiers();
    const node: PropertyAccessor = {
      kind: 'PropertyAccessor',
      accessor: which,
      varBlocks: [],
      body: statementList(),
      span: this.span(s, s),
    };
    if (mods.access) node.access = mods.access;
    this.leading(node, s);
    this.accept(T.Semi);
    while (VAR_SECTIONS.has(this.k())) node.varBlocks.push(this.varBlock());
    if (!headerless) {
      const endKind = which === 'GET' ? K.END_GET : K.END_SET;
      this.open.push(endKind);
      try {
        while (true) {
          this.statements(node.body);
          this.dangling(node.body);
          if (this.closeBlock(endKind, s)) break;
        }
      } finally {
        this.open.pop();
      }
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  /** ACTION name [:] body END_ACTION. */
  action(): ActionDecl {
    const s = this.i++;
    const name = this.ident();
    this.accept(T.Colon);
    const node: ActionDecl = {
      kind: 'Action',
      name: name.name,
      nameSpan: name.span,
      body: statementList(),
      span: name.span,
    };
    this.leading(node, s);
    this.open.push(K.END_ACTION);
    try {
      while (true) {
        this.statements(node.body);
        this.dangling(node.body);
        if (this.closeBlock(K.END_ACTION, s)) break;
      }
    } finally {
      this.open.pop();
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  /** INTERFACE name [EXTENDS a, b] (METHOD | PROPERTY)* END_INTERFACE. */
  interfaceDecl(declarationOnly = false): InterfaceDecl {
    const s = this.i++;
    const name = this.ident();
    const node: InterfaceDecl = {
      kind: 'Interface',
      name: name.name,
      nameSpan: name.span,
      extends: [],
      methods: [],
      properties: [],
      span: name.span,
    };
    if (this.isWord('EXTENDS')) {
      this.i++;
      this.nameList(node.extends);
    }
    this.leading(node, s);
    this.accept(T.Semi);
    this.open.push(K.END_INTERFACE);
    try {
      while (true) {
        const k = this.k();
        if (k === K.METHOD) node.methods.push(this.method(false));
        else if (k === K.PROPERTY) node.properties.push(this.property(false));
        else if (declarationOnly && k === T.EOF) break;
        else if (this.closeBlock(K.END_INTERFACE, s)) break;
      }
    } finally {
      this.open.pop();
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  // ------------------------------------------------------------ TYPE

  /** TYPE decl; decl; ... END_TYPE */
  typeBlock(): TypeBlock {
    const s = this.i++;
    const node: TypeBlock = { kind: 'TypeBlock', types: [], span: this.span(s, s) };
    this.leading(node, s);
    this.open.push(K.END_TYPE);
    try {
      while (this.k() === T.Ident || this.k() === T.Semi) {
        if (this.accept(T.Semi)) continue;
        try {
          node.types.push(this.typeDecl());
        } catch (e) {
          if (e !== SYNC) throw e;
          this.syncDecl(K.END_TYPE);
        }
      }
      this.dangling(node.types);
      while (!this.closeBlock(K.END_TYPE, s)) {
        while (this.k() === T.Ident) {
          try {
            node.types.push(this.typeDecl());
          } catch (e) {
            if (e !== SYNC) throw e;
            this.syncDecl(K.END_TYPE);
          }
        }
      }
    } finally {
      this.open.pop();
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  private typeDecl(): TypeDecl {
    const s = this.i;
    const lead: NodeBase = { span: PENDING };
    this.leading(lead, s);
    const mods = this.modifiers();
    const name = this.ident('a type name');
    let ext: string | undefined;
    if (this.isWord('EXTENDS')) {
      this.i++;
      ext = this.qualifiedName().name;
    }
    this.expect(T.Colon);
    const type = this.typeSpec();
    if (ext !== undefined && type.kind === 'StructType') type.extends = ext;
    const node: TypeDecl = { kind: 'TypeDecl', name: name.name, nameSpan: name.span, type, span: name.span };
    if (mods.access) node.access = mods.access;
    if (this.accept(T.Assign)) node.init = this.initializer();
    copyLeading(lead, node);
    this.semicolon('type declaration');
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  private semicolon(after: string): void {
    if (this.accept(T.Semi)) return;
    const k = this.k();
    // CODESYS accepts END_STRUCT/END_UNION without ';' before END_TYPE or the next declaration
    const prev = this.kinds[this.i - 1];
    if (prev === K.END_STRUCT || prev === K.END_UNION) return;
    // END_STRUCT/END_VAR/END_TYPE right after the last item: tolerated by CODESYS; IEC wants ';'
    if (this.td[this.i * TOKEN_FIELDS + TK_NL] || END_KEYWORDS.has(k) || k === T.EOF) {
      this.report('ST1011', this.span(this.i - 1, this.i - 1), after);
      return;
    }
    this.fail("';'");
  }

  private syncDecl(endKind: number): void {
    while (true) {
      const k = this.k();
      if (k === T.EOF || k === endKind || this.expectedByOpen(k)) return;
      this.i++;
      if (k === T.Semi) return;
    }
  }

  /** A type as written after `:` in a declaration. */
  typeSpec(inVarDecl = false): TypeSpec {
    if (++this.depth + this.stmtDepth > MAX_DEPTH) this.tooDeep();
    try {
      return this.typeSpecInner(inVarDecl);
    } finally {
      this.depth--;
    }
  }

  private typeSpecInner(inVarDecl: boolean): TypeSpec {
    const s = this.i;
    const k = this.k();
    if (k === K.ARRAY) {
      this.i++;
      this.expect(T.LBracket);
      const dimensions: ArrayDimension[] = [];
      do {
        const ds = this.i;
        if (this.k() === T.Star) {
          this.i++;
          dimensions.push({ kind: 'ArrayDimension', star: true, span: this.span(ds) });
        } else {
          const low = this.expression();
          this.expect(T.DotDot);
          const high = this.expression();
          dimensions.push({ kind: 'ArrayDimension', star: false, low, high, span: this.span(ds) });
        }
      } while (this.accept(T.Comma));
      this.expect(T.RBracket);
      this.expect(K.OF);
      const elementType = this.typeSpec();
      return { kind: 'ArrayType', dimensions: fit(dimensions), elementType, span: this.span(s) };
    }
    if (k === K.REF_TO) {
      this.i++;
      return { kind: 'PointerType', syntax: 'REF_TO', target: this.typeSpec(), span: this.span(s) };
    }
    if (k === K.STRUCT || k === K.UNION) {
      this.i++;
      let overlap = false;
      if (k === K.STRUCT && this.isWord('OVERLAP')) {
        this.i++;
        overlap = true;
      }
      const end = k === K.STRUCT ? K.END_STRUCT : K.END_UNION;
      const members = declList();
      this.open.push(end);
      try {
        while (true) {
          this.varDecls(members, end);
          this.dangling(members);
          if (this.closeBlockNoSemi(end, s)) break;
        }
      } finally {
        this.open.pop();
      }
      if (k === K.UNION) return { kind: 'UnionType', members, span: this.span(s) };
      return overlap
        ? { kind: 'StructType', overlap, members, span: this.span(s) }
        : { kind: 'StructType', members, span: this.span(s) };
    }
    if (k === T.LParen) return this.enumType(s, undefined);
    if (k === T.Ident) {
      if (this.isWord('POINTER') && this.peek() === K.TO) {
        this.i += 2;
        return { kind: 'PointerType', syntax: 'POINTER TO', target: this.typeSpec(), span: this.span(s) };
      }
      if (this.isWord('REFERENCE') && this.peek() === K.TO) {
        this.i += 2;
        return { kind: 'ReferenceType', target: this.typeSpec(), span: this.span(s) };
      }
      if (this.isWord('STRING') || this.isWord('WSTRING')) {
        const wide = this.isWord('WSTRING');
        this.i++;
        if (this.k() === T.LParen || this.k() === T.LBracket) {
          const close = this.k() === T.LParen ? T.RParen : T.RBracket;
          this.i++;
          const length = this.expression();
          this.expect(close);
          return { kind: 'StringType', wide, length, span: this.span(s) };
        }
        return { kind: 'StringType', wide, span: this.span(s) };
      }
      const name = this.qualifiedName('a type');
      const named: NamedType = { kind: 'NamedType', name: name.name, span: name.span };
      if (this.k() === T.Lt) {
        // FB_Buffer<64, 2>: arguments of the FB's VAR_GENERIC constants; read below
        // the comparison operators so the closing '>' ends the list
        this.i++;
        const args: Expression[] = [];
        do args.push(this.binary(6));
        while (this.accept(T.Comma));
        this.expect(T.Gt, "'>'");
        named.genericArgs = args;
        named.span = this.span(s);
      }
      if (this.k() === T.LParen) {
        // INT (0..100) is a subrange; INT (A := 1, B) an enum with a base type
        const a = this.peek();
        const b = this.peek(2);
        // in a VAR declaration `FB_X(a)` passes FB_init arguments; in TYPE it is an enum with a base type
        if (!inVarDecl && a === T.Ident && (b === T.Assign || b === T.Comma || b === T.RParen))
          return this.enumType(s, named);
        if (a === T.RParen) return named; // FB_init with no arguments, handled by caller
        if (this.looksLikeRange()) {
          this.i++;
          const low = this.expression();
          this.expect(T.DotDot);
          const high = this.expression();
          this.expect(T.RParen);
          return { kind: 'SubrangeType', base: named, low, high, span: this.span(s) };
        }
      }
      return named;
    }
    this.report('ST1015', this.span(this.i, this.i), this.describe());
    throw SYNC;
  }

  private closeBlockNoSemi(endKind: number, openTok: number): boolean {
    if (this.k() === endKind) {
      this.i++;
      return true;
    }
    return this.closeBlock(endKind, openTok);
  }

  /** After `(`: is there a `..` before the matching `)`? */
  private looksLikeRange(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.tk.count && j < this.i + 64; j++) {
      const k = this.kinds[j]!;
      if (k === T.LParen) depth++;
      else if (k === T.RParen) {
        if (--depth === 0) return false;
      } else if (k === T.DotDot && depth === 1) return true;
      else if (k === T.Semi || k === T.EOF) return false;
    }
    return false;
  }

  private enumType(s: number, prefixBase: NamedType | undefined): EnumType {
    this.expect(T.LParen);
    const values: EnumValue[] = [];
    do {
      if (values.length > 0 && this.k() === T.RParen) break;
      const vs = this.i;
      const name = this.ident('an enumeration value');
      const v: EnumValue = { kind: 'EnumValue', name: name.name, span: name.span };
      if (this.accept(T.Assign)) v.value = this.expression();
      v.span = this.span(vs);
      this.leading(v, vs);
      values.push(v);
    } while (this.accept(T.Comma));
    this.expect(T.RParen);
    const node: EnumType = { kind: 'EnumType', values, span: this.span(s) };
    if (prefixBase) node.baseType = prefixBase;
    else if (this.k() === T.Ident) {
      // CODESYS: (A, B) INT — the base type follows the list
      const n = this.qualifiedName('a type');
      node.baseType = { kind: 'NamedType', name: n.name, span: n.span };
    }
    node.span = this.span(s);
    return node;
  }

  // ------------------------------------------------------------ VAR

  /** VAR_xxx [qualifiers] decl* END_VAR */
  varBlock(): VarBlock {
    const s = this.i;
    const section = VAR_SECTIONS.get(this.k())!;
    this.i++;
    const node: VarBlock = {
      kind: 'VarBlock',
      section,
      constant: false,
      retain: false,
      nonRetain: false,
      persistent: false,
      decls: declList(),
      span: this.span(s, s),
    };
    while (true) {
      const k = this.k();
      if (k === K.CONSTANT) node.constant = true;
      else if (k === K.RETAIN) node.retain = true;
      else if (k === K.NON_RETAIN) node.nonRetain = true;
      else if (k === K.PERSISTENT) node.persistent = true;
      else if (
        this.isWord('PUBLIC') ||
        this.isWord('PRIVATE') ||
        this.isWord('PROTECTED') ||
        this.isWord('INTERNAL')
      ) {
        if (this.peek() === T.Colon || this.peek() === T.Comma) break;
        node.access = this.tokText().toUpperCase() as AccessModifier;
      } else break;
      this.i++;
    }
    this.leading(node, s);
    this.trailing(node);
    this.open.push(K.END_VAR);
    try {
      while (true) {
        this.varDecls(node.decls, K.END_VAR);
        this.dangling(node.decls);
        if (this.closeBlock(K.END_VAR, s)) break;
      }
    } finally {
      this.open.pop();
    }
    node.decls = fit(node.decls);
    node.span = this.span(s);
    return node;
  }

  private varDecls(out: VarDecl[], endKind: number): void {
    while (this.k() === T.Ident || this.k() === T.Semi) {
      if (this.k() === T.Semi) {
        // an empty declaration `x : T;;` (TwinCAT accepts it)
        this.i++;
        continue;
      }
      try {
        out.push(this.varDecl());
      } catch (e) {
        if (e !== SYNC) throw e;
        this.syncDecl(endKind);
      }
    }
  }

  private varDecl(): VarDecl {
    const s = this.i;
    // claim comments before the declaration now, before nested nodes (enum values, struct members) do
    const lead: NodeBase = { span: PENDING };
    this.leading(lead, s);
    const names: DeclaredName[] = [this.qualifiedName()];
    while (this.accept(T.Comma)) names.push(this.qualifiedName());
    let location: DirectAddress | undefined;
    if (this.accept(K.AT)) {
      if (this.k() !== T.Address) this.fail('an address like %IX0.0');
      location = this.address(this.i++);
    }
    this.expect(T.Colon);
    const type = this.typeSpec(true);
    const node: VarDecl = { kind: 'VarDecl', names, type, span: PENDING };
    if (location) node.location = location;
    if (type.kind === 'NamedType' && this.k() === T.LParen) node.constructorArgs = this.callArgs();
    else if (type.kind === 'ArrayType' && this.k() === T.LBracket && this.peek() === T.LParen) {
      // an array of FBs with FB_init arguments per element (TwinCAT)
      this.i++;
      const each: CallArgument[][] = [];
      do {
        if (each.length > 0 && this.k() === T.RBracket) break;
        each.push(this.callArgs());
      } while (this.accept(T.Comma));
      this.expect(T.RBracket);
      node.elementConstructorArgs = each;
    }
    if (this.accept(T.Assign)) node.init = this.initializer();
    copyLeading(lead, node);
    this.semicolon('declaration');
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  private address(j: number): DirectAddress {
    const text = this.tokText(j);
    const span = this.span(j, j);
    const m = /^%([IQM])([XBWDL])?(\*|\d+(?:\.\d+)*)?$/i.exec(text);
    if (!m || m[3] === undefined) {
      this.report('ST1016', span, text);
      return { kind: 'DirectAddress', text, area: 'M', size: 'X', address: [], unspecified: true, span };
    }
    const star = m[3] === '*';
    return {
      kind: 'DirectAddress',
      text,
      area: m[1]!.toUpperCase() as 'I' | 'Q' | 'M',
      size: (m[2]?.toUpperCase() ?? 'X') as DirectAddress['size'],
      address: star ? [] : m[3].split('.').map(Number),
      unspecified: star,
      span,
    };
  }

  /** `expr`, `[a, b, 3(0)]` or `(field := v, ...)`. */
  initializer(): Initializer {
    if (++this.depth + this.stmtDepth > MAX_DEPTH) this.tooDeep();
    try {
      return this.initializerInner();
    } finally {
      this.depth--;
    }
  }

  private initializerInner(): Initializer {
    const s = this.i;
    const k = this.k();
    if (k === T.LBracket) {
      this.i++;
      const elements: ArrayInitElement[] = [];
      if (this.k() !== T.RBracket) {
        do {
          if (elements.length > 0 && this.k() === T.RBracket) break;
          const es = this.i;
          if (this.k() === T.Int && this.peek() === T.LParen) {
            const repeat = this.primary();
            this.expect(T.LParen);
            const el: ArrayInitElement = { kind: 'ArrayInitElement', repeat, span: this.span(es) };
            if (this.k() !== T.RParen) el.value = this.initializer();
            this.expect(T.RParen);
            el.span = this.span(es);
            elements.push(el);
          } else {
            const value = this.initializer();
            // an element without a repeat count covers what its value does: one span for both
            elements.push({ kind: 'ArrayInitElement', value, span: this.spanOr(value.span, es) });
          }
        } while (this.accept(T.Comma));
      }
      this.expect(T.RBracket);
      return { kind: 'ArrayInitializer', elements, span: this.span(s) };
    }
    if (k === T.LParen && this.peek() === T.RParen) {
      // `fb : FB_List := ();` — every member at its default (TwinCAT)
      this.i += 2;
      return { kind: 'StructInitializer', fields: [], span: this.span(s) };
    }
    if (k === T.LParen && this.peek() === T.Ident && this.peek(2) === T.Assign) {
      this.i++;
      const fields: FieldInitializer[] = [];
      do {
        if (fields.length > 0 && this.k() === T.RParen) break;
        const fs = this.i;
        const name = this.ident('a field name');
        this.expect(T.Assign);
        const value = this.initializer();
        fields.push({
          kind: 'FieldInitializer',
          name: name.name,
          nameSpan: name.span,
          value,
          span: this.span(fs),
        });
      } while (this.accept(T.Comma));
      this.expect(T.RParen);
      return { kind: 'StructInitializer', fields, span: this.span(s) };
    }
    return this.expression();
  }

  // ------------------------------------------------------------ CONFIGURATION

  private configuration(): ConfigurationDecl {
    const s = this.i++;
    const name = this.ident();
    const node: ConfigurationDecl = {
      kind: 'Configuration',
      name: name.name,
      nameSpan: name.span,
      varBlocks: [],
      resources: [],
      tasks: [],
      programs: [],
      span: name.span,
    };
    this.leading(node, s);
    this.open.push(K.END_CONFIGURATION);
    try {
      while (true) {
        const k = this.k();
        if (VAR_SECTIONS.has(k)) node.varBlocks.push(this.varBlock());
        else if (k === K.RESOURCE) node.resources.push(this.resource());
        else if (!this.taskOrProgram(node.tasks, node.programs) && this.closeBlock(K.END_CONFIGURATION, s))
          break;
      }
    } finally {
      this.open.pop();
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  private resource(): ResourceDecl {
    const s = this.i++;
    const name = this.ident();
    let on = '';
    if (this.isWord('ON')) {
      this.i++;
      on = this.qualifiedName('a processor type').name;
    }
    const node: ResourceDecl = {
      kind: 'Resource',
      name: name.name,
      nameSpan: name.span,
      on,
      varBlocks: [],
      tasks: [],
      programs: [],
      span: name.span,
    };
    this.leading(node, s);
    this.open.push(K.END_RESOURCE);
    try {
      while (true) {
        const k = this.k();
        if (VAR_SECTIONS.has(k)) node.varBlocks.push(this.varBlock());
        else if (!this.taskOrProgram(node.tasks, node.programs) && this.closeBlock(K.END_RESOURCE, s)) break;
      }
    } finally {
      this.open.pop();
    }
    node.span = this.span(s);
    this.trailing(node);
    return node;
  }

  /** Parses a TASK or a PROGRAM instance if one starts here; returns false otherwise. */
  private taskOrProgram(tasks: TaskDecl[], programs: ProgramInstance[]): boolean {
    const s = this.i;
    try {
      if (this.isWord('TASK')) {
        this.i++;
        const name = this.ident();
        const task: TaskDecl = { kind: 'Task', name: name.name, nameSpan: name.span, span: name.span };
        this.expect(T.LParen);
        if (this.k() !== T.RParen) {
          do {
            const p = this.ident('SINGLE, INTERVAL or PRIORITY');
            this.expect(T.Assign);
            const v = this.expression();
            const pn = p.name.toUpperCase();
            if (pn === 'SINGLE') task.single = v;
            else if (pn === 'INTERVAL') {
              task.interval = v;
              if (v.kind === 'TimeLiteral') task.intervalMs = v.ms;
            } else if (pn === 'PRIORITY') {
              task.priority = v;
              if (v.kind === 'IntegerLiteral' && typeof v.value === 'number') task.priorityValue = v.value;
            } else this.report('ST1001', p.span, 'SINGLE, INTERVAL or PRIORITY', `'${p.name}'`);
          } while (this.accept(T.Comma));
        }
        this.expect(T.RParen);
        this.leading(task, s);
        this.semicolon('TASK');
        task.span = this.span(s);
        this.trailing(task);
        tasks.push(task);
        return true;
      }
      if (this.k() === K.PROGRAM) {
        this.i++;
        let retain: 'RETAIN' | 'NON_RETAIN' | undefined;
        if (this.accept(K.RETAIN)) retain = 'RETAIN';
        else if (this.accept(K.NON_RETAIN)) retain = 'NON_RETAIN';
        const name = this.ident();
        let task: string | undefined;
        if (this.isWord('WITH')) {
          this.i++;
          task = this.ident('a task name').name;
        }
        this.expect(T.Colon);
        const prog = this.qualifiedName('a program type');
        const inst: ProgramInstance = {
          kind: 'ProgramInstance',
          name: name.name,
          nameSpan: name.span,
          program: prog.name,
          args: [],
          span: name.span,
        };
        if (retain) inst.retain = retain;
        if (task !== undefined) inst.task = task;
        if (this.k() === T.LParen) inst.args = this.callArgs();
        this.leading(inst, s);
        this.semicolon('PROGRAM');
        inst.span = this.span(s);
        this.trailing(inst);
        programs.push(inst);
        return true;
      }
    } catch (e) {
      if (e !== SYNC) throw e;
      this.syncStatement();
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------ statements

  /** Parses statements into `out` until a token that cannot start one. Readers use it for a body range. */
  statements(out: Statement[]): void {
    while (true) {
      const k = this.k();
      if (STOPS[k] === 1) return;
      if (this.open.length > 0 && this.open[this.open.length - 1] === K.END_CASE && this.looksLikeCaseLabel())
        return;
      if (k === T.Ident && this.atSfcElement()) return;
      // a lone ';' too: STATEMENT_RULES reads it (emptyStatement)
      const before = this.i;
      try {
        const st = this.statement();
        if (st) out.push(st);
      } catch (e) {
        if (e !== SYNC) throw e;
        this.syncStatement();
      }
      if (this.i === before) {
        // nothing consumed: the token cannot start anything here
        if (this.k() !== T.Bad) this.report('ST1007', this.span(this.i, this.i), this.describe());
        this.i++;
      }
    }
  }

  /**
   * VAR blocks (any section) at the start of a body range. Beremiz pastes a PLCopen `<ST>` body
   * after the POU's declarations, so MATIEC reads such blocks as the POU's own; a block after a
   * statement stays an error of {@link body}.
   */
  leadingVarBlocks(): VarBlock[] {
    const out: VarBlock[] = [];
    while (VAR_SECTIONS.has(this.k())) out.push(this.varBlock());
    return out;
  }

  /** Parses a whole body range (TwinCAT `<ST>`, PLCopen `<ST>`) until EOF. */
  body(): Statement[] {
    const out = statementList();
    while (this.k() !== T.EOF) {
      const before = this.i;
      this.statements(out);
      if (this.k() !== T.EOF) {
        if (this.i === before) {
          this.report('ST1007', this.span(this.i, this.i), this.describe());
          this.i++;
        }
      }
    }
    this.dangling(out);
    return fit(out);
  }

  private statement(): Statement | undefined {
    if (++this.stmtDepth + this.depth > MAX_DEPTH) this.tooDeep();
    try {
      return this.statementInner();
    } finally {
      this.stmtDepth--;
    }
  }

  private statementInner(): Statement | undefined {
    const s = this.i;
    const k = this.k();
    // every statement a keyword (or a lone ';') starts, by one call through a table: a kind met
    // late in a file (the first REPEAT, JMP or lone ';') finds statementInner's optimised code
    // ready for it, where a branch of its own, never run when TurboFan compiled it, sent the
    // function back to the interpreter and had it compiled again (a deoptimisation)
    // a label (`lbl:`) has a rule of its own, past every token kind
    const rule = STATEMENT_RULES[k === T.Ident && this.peek() === T.Colon ? LABEL_RULE : k];
    if (rule !== undefined) return rule(this, s);
    if (this.startsExpression(k)) return this.simpleStatement(s);
    return undefined;
  }

  /** `lbl:` from its name at token `s`. */
  private labelStatement(s: number): Statement {
    const name = this.tokText(s);
    this.i += 2;
    const st: Statement = { kind: 'Label', name, span: this.span(s) };
    this.leading(st, s);
    this.trailing(st);
    return st;
  }

  /** A compound statement `st` read from token `s`: its comments and span. */
  private compound(st: Statement, s: number): Statement {
    this.leading(st, s);
    st.span = this.span(s);
    this.trailing(st);
    return st;
  }

  /** A lone ';' at token `s`: an empty statement kept only when pragmas or comments ride on it (the printer's form of a commented empty block). */
  private emptyStatement(s: number): Statement | undefined {
    this.i++;
    if (this.triviaAt >= this.td[s * TOKEN_FIELDS + TK_TRIVIA]!) return undefined;
    const empty: Statement = { kind: 'Empty', span: this.span(s) };
    this.leading(empty, s);
    return empty;
  }

  /** `RETURN;`, or TwinCAT's `RETURN(condition);`. */
  private returnStatement(s: number): Statement {
    if (this.peek() !== T.LParen) return this.exitStatement(s, K.RETURN);
    this.i++;
    const st: Statement = { kind: 'Return', condition: this.primary(), span: PENDING };
    this.endSimple(st, s, 'RETURN');
    return st;
  }

  /** `EXIT;`, `CONTINUE;`, `RETURN;` (`k` the keyword). */
  private exitStatement(s: number, k: number): Statement {
    this.i++;
    const st: Statement = {
      kind: k === K.EXIT ? 'Exit' : k === K.CONTINUE ? 'Continue' : 'Return',
      span: PENDING,
    };
    this.endSimple(st, s, k === K.EXIT ? 'EXIT' : k === K.CONTINUE ? 'CONTINUE' : 'RETURN');
    return st;
  }

  /** `JMP label;` */
  private jumpStatement(s: number): Statement {
    this.i++;
    const label = this.ident('a label');
    const st: Statement = { kind: 'Jump', label: label.name, span: PENDING };
    this.endSimple(st, s, 'JMP');
    return st;
  }

  static {
    const R = STATEMENT_RULES;
    R[K.IF] = (p, s) => p.compound(p.ifStatement(), s);
    R[K.CASE] = (p, s) => p.compound(p.caseStatement(), s);
    R[K.FOR] = (p, s) => p.compound(p.forStatement(), s);
    R[K.WHILE] = (p, s) => p.compound(p.whileStatement(), s);
    R[K.REPEAT] = (p, s) => p.compound(p.repeatStatement(), s);
    R[K.TRY] = (p, s) => p.compound(p.tryStatement(), s);
    R[K.RETURN] = (p, s) => p.returnStatement(s);
    R[K.EXIT] = (p, s) => p.exitStatement(s, K.EXIT);
    R[K.CONTINUE] = (p, s) => p.exitStatement(s, K.CONTINUE);
    R[K.JMP] = (p, s) => p.jumpStatement(s);
    R[T.Semi] = (p, s) => p.emptyStatement(s);
    R[LABEL_RULE] = (p, s) => p.labelStatement(s);
  }

  private endSimple(st: Statement, s: number, what: string): void {
    this.leading(st, s);
    this.semicolon(what);
    st.span = this.span(s);
    this.trailing(st);
  }

  private startsExpression(k: number): boolean {
    return (
      k === T.Ident ||
      k === K.THIS ||
      k === K.SUPER ||
      k === T.LParen ||
      k === T.Address ||
      k === T.Int ||
      k === T.Real ||
      k === T.String ||
      k === T.WString ||
      k === T.Typed ||
      k === K.TRUE ||
      k === K.FALSE ||
      k === K.NOT ||
      k === T.Minus ||
      k === T.Plus ||
      (k === T.Dot && this.peek() === T.Ident) // `.gVar := 1;` (global namespace operator)
    );
  }

  private simpleStatement(s: number): Statement {
    const target = this.postfix();
    const k = this.k();
    let st: Statement;
    if (k === T.Assign) {
      this.i++;
      st = { kind: 'Assignment', operator: ':=', target, value: this.assignedValue(), span: PENDING };
    } else if (
      k === T.Ident &&
      this.peek() === T.Eq &&
      this.td[this.i * TOKEN_FIELDS + TK_END] === this.td[(this.i + 1) * TOKEN_FIELDS + TK_START] &&
      (this.isWord('REF') || this.isWord('S') || this.isWord('R'))
    ) {
      const op = this.tokText().toUpperCase() as 'REF' | 'S' | 'R';
      this.i += 2;
      const operator = op === 'REF' ? 'REF=' : op === 'S' ? 'S=' : 'R=';
      const value = this.expression();
      st =
        operator !== 'REF=' && this.setOrReset()
          ? this.setResetChain(operator, target, value, s)
          : { kind: 'Assignment', operator, target, value, span: this.span(s) };
    } else if (target.kind === 'Call') {
      st = { kind: 'CallStatement', call: target, span: PENDING };
    } else this.fail("':='");
    this.endSimple(st, s, 'statement');
    return st;
  }

  /** Is the current token `S=` or `R=` written as one word (an identifier glued to `=`)? */
  private setOrReset(): boolean {
    return (
      this.k() === T.Ident &&
      this.peek() === T.Eq &&
      this.td[this.i * TOKEN_FIELDS + TK_END] === this.td[(this.i + 1) * TOKEN_FIELDS + TK_START] &&
      (this.isWord('S') || this.isWord('R'))
    );
  }

  /**
   * `a S= b R= c R= d;` after its second operand (`b`): each operand followed by `S=`/`R=` is
   * one more target; the last is the value all of them refer to.
   */
  private setResetChain(
    operator: 'S=' | 'R=',
    target: Expression,
    second: Expression,
    s: number,
  ): AssignmentStatement {
    const moreTargets: SetResetTarget[] = [];
    let next = second;
    while (this.setOrReset()) {
      const op = this.isWord('S') ? 'S=' : 'R=';
      this.i += 2;
      moreTargets.push({ operator: op, target: next });
      next = this.expression();
    }
    return { kind: 'Assignment', operator, target, value: next, span: this.span(s), moreTargets };
  }

  /**
   * The right side of `:=`; a further `:=` makes a chained assignment
   * `a := b := 0` (CODESYS/TwinCAT), read right to left: `a := (b := 0)`.
   */
  private assignedValue(): Expression {
    const s = this.i;
    const value = this.expression();
    if (this.k() !== T.Assign) return value;
    this.i++;
    const rest = this.assignedValue();
    return { kind: 'AssignmentExpression', target: value, value: rest, span: this.span(s) };
  }

  /** `__TRY body [__CATCH[(exc)] body] [__FINALLY body] __ENDTRY` (CODESYS/TwinCAT). */
  private tryStatement(): Statement {
    const s = this.i++;
    const node: TryStatement = { kind: 'Try', body: statementList(), span: PENDING };
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.ENDTRY);
    try {
      let current = node.body;
      while (true) {
        if (this.block(current, K.ENDTRY, s, [K.CATCH, K.FINALLY])) break;
        if (this.k() === K.CATCH) {
          this.i++;
          if (this.accept(T.LParen)) {
            node.catchVariable = this.ident('an exception variable').name;
            this.expect(T.RParen);
          }
          node.catchBody = statementList();
          current = node.catchBody;
        } else {
          this.i++;
          node.finallyBody = statementList();
          current = node.finallyBody;
        }
      }
    } finally {
      this.open.pop();
    }
    return node;
  }

  // ------------------------------------------------------------ textual SFC (§6.7.1)

  /** Does an SFC element start here: `[INITIAL_]STEP name:` or `TRANSITION ... FROM`? */
  private atSfcElement(): boolean {
    const k = this.k();
    if (k === K.INITIAL_STEP) return true;
    if (k !== T.Ident) return false;
    const len = this.td[this.i * TOKEN_FIELDS + TK_END]! - this.td[this.i * TOKEN_FIELDS + TK_START]!;
    if (len === 4) return this.isWord('STEP') && this.peek() === T.Ident && this.peek(2) === T.Colon;
    if (len === 10 && this.isWord('TRANSITION')) {
      const n = this.peek();
      return (
        n === T.LParen ||
        (n === T.Ident &&
          (this.isWord('FROM', this.i + 1) || this.peek(2) === T.LParen || this.isWord('FROM', this.i + 2)))
      );
    }
    return false;
  }

  private sfcElement(node: ProgramDecl | FunctionBlockDecl): void {
    const sfc = (node.sfc ??= {
      kind: 'SfcNetwork',
      steps: [],
      transitions: [],
      span: this.span(this.i, this.i),
    });
    try {
      if (this.k() === K.INITIAL_STEP || this.isWord('STEP')) sfc.steps.push(this.sfcStep());
      else sfc.transitions.push(this.sfcTransition());
    } catch (e) {
      if (e !== SYNC) throw e;
      this.syncStatement();
    }
    // from its first token (read at its start) to the last one read
    sfc.span = new TextSpan(this.lines, sfc.span.offset, this.td[(this.i - 1) * TOKEN_FIELDS + TK_END]!);
  }

  private sfcStep(): SfcStep {
    const s = this.i;
    const initial = this.k() === K.INITIAL_STEP;
    this.i++;
    const name = this.ident('a step name');
    this.expect(T.Colon);
    const step: SfcStep = {
      kind: 'SfcStep',
      name: name.name,
      nameSpan: name.span,
      initial,
      actions: [],
      span: PENDING,
    };
    this.leading(step, s);
    this.trailing(step);
    this.open.push(K.END_STEP);
    try {
      while (this.k() === T.Ident) {
        const as = this.i;
        const action = this.qualifiedName('an action name').name;
        const assoc: SfcActionAssociation = {
          kind: 'SfcActionAssociation',
          action,
          indicators: [],
          span: PENDING,
        };
        if (this.accept(T.LParen)) {
          if (this.k() === T.Ident && SFC_QUALIFIERS.has(this.tokText().toUpperCase())) {
            assoc.qualifier = this.tokText(this.i++).toUpperCase() as SfcQualifier;
            if (TIMED_QUALIFIERS.has(assoc.qualifier)) {
              this.expect(T.Comma);
              assoc.time = this.expression();
            }
          }
          while (this.accept(T.Comma))
            assoc.indicators.push(this.qualifiedName('an indicator variable').name);
          this.expect(T.RParen);
        }
        this.semicolon('action association');
        assoc.span = this.span(as);
        step.actions.push(assoc);
      }
      this.closeBlock(K.END_STEP, s);
    } finally {
      this.open.pop();
    }
    step.span = this.span(s);
    return step;
  }

  private sfcTransition(): SfcTransition {
    const s = this.i++;
    const t: SfcTransition = {
      kind: 'SfcTransition',
      from: [],
      to: [],
      condition: { kind: 'BoolLiteral', value: false, raw: 'FALSE', span: this.span(s, s) },
      span: PENDING,
    };
    this.leading(t, s);
    if (this.k() === T.Ident && !this.isWord('FROM')) t.name = this.ident().name;
    if (this.accept(T.LParen)) {
      const p = this.ident('PRIORITY');
      if (p.name.toUpperCase() !== 'PRIORITY') this.report('ST1001', p.span, 'PRIORITY', `'${p.name}'`);
      this.expect(T.Assign);
      t.priority = this.expression();
      this.expect(T.RParen);
    }
    if (!this.isWord('FROM')) this.fail('FROM');
    this.i++;
    this.stepList(t.from);
    if (this.k() !== K.TO) this.fail('TO');
    this.i++;
    this.stepList(t.to);
    if (this.accept(T.Colon)) this.expect(T.Assign);
    else this.expect(T.Assign, "':='");
    this.open.push(K.END_TRANSITION);
    try {
      t.condition = this.expression();
      this.semicolon('transition condition');
      this.closeBlock(K.END_TRANSITION, s);
    } finally {
      this.open.pop();
    }
    t.span = this.span(s);
    this.trailing(t);
    return t;
  }

  private stepList(out: string[]): void {
    if (this.accept(T.LParen)) {
      do out.push(this.ident('a step name').name);
      while (this.accept(T.Comma));
      this.expect(T.RParen);
    } else out.push(this.ident('a step name').name);
  }

  /** A header expression (IF cond THEN): on error skip to `terminator` so the block still parses. */
  private headerExpression(terminator: number): Expression {
    const s = this.i;
    try {
      const e = this.expression();
      // `IF b := (i = 1) THEN`: an assignment that is also the condition (CODESYS/TwinCAT ExST,
      // Beckhoff Infosys "ExST assignment as expression"), as in parentheses; not a CASE selector
      if (this.k() !== T.Assign || terminator === K.OF) return e;
      this.i++;
      return { kind: 'AssignmentExpression', target: e, value: this.assignedValue(), span: this.span(s) };
    } catch (e) {
      if (e !== SYNC) throw e;
      while (
        this.k() !== terminator &&
        this.k() !== T.EOF &&
        this.k() !== T.Semi &&
        !this.expectedByOpen(this.k())
      )
        this.i++;
      return { kind: 'Identifier', name: '', span: this.span(s) };
    }
  }

  private block(out: Statement[], endKind: number, openTok: number, stopAt: number[]): boolean {
    // returns true when the block was closed by endKind (or reported missing)
    while (true) {
      this.statements(out);
      const k = this.k();
      if (stopAt.includes(k)) return false;
      this.danglingInBlock(out);
      if (this.closeBlock(endKind, openTok)) return true;
    }
  }

  private ifStatement(): Statement {
    const s = this.i++;
    const condition = this.headerExpression(K.THEN);
    this.expect(K.THEN);
    // biome-ignore lint/suspicious/noThenProperty: `then` is an array, never callable, so not a thenable
    const node: IfStatement = { kind: 'If', condition, then: statementList(), elsifs: [], span: PENDING };
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.END_IF);
    try {
      let current = node.then;
      let clause: ElsifClause | undefined;
      let clauseStart = 0;
      while (true) {
        const closed = this.block(current, K.END_IF, s, [K.ELSIF, K.ELSE]);
        if (clause) clause.span = this.span(clauseStart, this.lastBodyToken(clauseStart));
        clause = undefined;
        if (closed) break;
        if (this.k() === K.ELSIF) {
          clauseStart = this.i++;
          const c = this.headerExpression(K.THEN);
          this.expect(K.THEN);
          clause = { kind: 'Elsif', condition: c, body: statementList(), span: this.span(clauseStart) };
          this.trailing(clause);
          node.elsifs.push(clause);
          current = clause.body;
        } else {
          this.i++;
          node.else = statementList();
          current = node.else;
        }
      }
    } finally {
      this.open.pop();
    }
    // biome-ignore lint/suspicious/noThenProperty: `then` is an array, never callable, so not a thenable
    node.then = fit(node.then);
    for (const c of node.elsifs) c.body = fit(c.body);
    if (node.elsifs.length > 0) node.elsifs = fit(node.elsifs);
    if (node.else) node.else = fit(node.else);
    return node;
  }

  /** Index of the last token of a clause that ended before the current token. */
  private lastBodyToken(start: number): number {
    let j = this.i - 1;
    const k = this.kinds[j];
    if (k === T.Semi && j > start && this.kinds[j - 1] === K.END_IF) j -= 2;
    else if (k === K.END_IF) j -= 1;
    return Math.max(start, j);
  }

  /** Comments on the header line of a compound statement belong to the statement. */
  private trailingHeader(node: NodeBase): void {
    this.trailing(node);
  }

  private caseStatement(): Statement {
    const s = this.i++;
    const selector = this.headerExpression(K.OF);
    this.expect(K.OF);
    const node: CaseStatement = { kind: 'Case', selector, branches: [], span: PENDING };
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.END_CASE);
    try {
      let guard = -1;
      while (true) {
        if (this.i === guard) this.i++;
        guard = this.i;
        const k = this.k();
        if (k === K.ELSE) {
          this.i++;
          this.accept(T.Colon);
          node.else = statementList();
          this.statements(node.else);
          this.danglingInBlock(node.else);
          if (this.closeBlock(K.END_CASE, s)) break;
          continue;
        }
        if (k === K.END_CASE || this.expectedByOpen(k) || k === T.EOF) {
          const last = node.branches[node.branches.length - 1];
          if (last) this.danglingInBlock(last.body);
          if (this.closeBlock(K.END_CASE, s)) break;
          continue;
        }
        const bs = this.i;
        try {
          const labels = this.caseLabels();
          this.expect(T.Colon);
          const branch: CaseBranch = {
            kind: 'CaseBranch',
            labels,
            body: statementList(),
            span: this.span(bs),
          };
          this.leading(branch, bs);
          this.trailing(branch);
          node.branches.push(branch);
          this.statements(branch.body);
          branch.body = fit(branch.body);
          branch.span = this.span(bs);
        } catch (e) {
          if (e !== SYNC) throw e;
          this.syncStatement();
          this.statements(statementList());
        }
      }
    } finally {
      this.open.pop();
    }
    return node;
  }

  private caseLabels(): CaseLabel[] {
    const labels: CaseLabel[] = [];
    do {
      const ls = this.i;
      const low = this.expression();
      if (this.accept(T.DotDot)) {
        const high = this.expression();
        labels.push({ kind: 'CaseRange', low, high, span: this.span(ls) });
      } else labels.push({ kind: 'CaseValue', value: low, span: this.spanOr(low.span, ls) });
    } while (this.accept(T.Comma));
    return fit(labels);
  }

  /** Inside CASE: do the next tokens form `label[, label][..x]:` rather than a statement? */
  private looksLikeCaseLabel(): boolean {
    const first = this.k();
    // a statement never starts with a literal: untyped character strings are labels too (SCL, AX)
    if (
      first === T.Int ||
      first === T.Typed ||
      first === T.Minus ||
      first === T.Plus ||
      first === T.String ||
      first === T.WString
    )
      return true;
    if (first !== T.Ident && first !== T.LParen) return false;
    // a label list ends in ':' at bracket depth 0; a comma or '..' there can only be a label list too.
    // Inside brackets (a call's arguments `F(a, b);`) commas say nothing.
    let depth = 0;
    for (let j = this.i; j < this.tk.count && j < this.i + 256; j++) {
      const k = this.kinds[j]!;
      // opening and closing brackets by one step: a closing one, rarer, uses the code an opening one ran
      const step = BRACKET_STEP[k]!;
      if (step !== 0) {
        depth += step;
        if (depth < 0) return false;
      } else if (depth === 0) {
        if (k === T.Colon || k === T.Comma || k === T.DotDot) return true;
        if (k === T.Ident || k === T.Dot || k === T.Int || k === T.Typed || k === T.Minus || k === T.Plus)
          continue;
        if (k === T.Star || k === T.Slash) continue;
        return false;
      } else if (k === T.Semi || k === T.EOF || k === T.Assign) return false;
    }
    return false;
  }

  private forStatement(): Statement {
    const s = this.i++;
    let variable: Identifier;
    let from: Expression;
    let to: Expression;
    let by: Expression | undefined;
    let target: Expression | undefined;
    try {
      if (this.k() !== T.Ident) this.fail('a loop variable');
      const v = this.postfix();
      if (v.kind === 'Identifier') variable = v;
      else {
        variable = { kind: 'Identifier', name: '', span: v.span };
        target = v;
      }
      this.expect(T.Assign);
      from = this.expression();
      this.expect(K.TO);
      to = this.expression();
      if (this.accept(K.BY)) by = this.expression();
    } catch (e) {
      if (e !== SYNC) throw e;
      while (this.k() !== K.DO && this.k() !== T.EOF && this.k() !== T.Semi && !this.expectedByOpen(this.k()))
        this.i++;
      const err: Identifier = { kind: 'Identifier', name: '', span: this.span(s) };
      variable = err;
      from = err;
      to = err;
    }
    this.expect(K.DO);
    const node: ForStatement = { kind: 'For', variable, from, to, body: statementList(), span: PENDING };
    if (by) node.by = by;
    if (target) node.target = target;
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.END_FOR);
    try {
      this.block(node.body, K.END_FOR, s, []);
    } finally {
      this.open.pop();
    }
    node.body = fit(node.body);
    return node;
  }

  private whileStatement(): Statement {
    const s = this.i++;
    const condition = this.headerExpression(K.DO);
    this.expect(K.DO);
    const node: WhileStatement = { kind: 'While', condition, body: statementList(), span: PENDING };
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.END_WHILE);
    try {
      this.block(node.body, K.END_WHILE, s, []);
    } finally {
      this.open.pop();
    }
    return node;
  }

  private repeatStatement(): Statement {
    const s = this.i++;
    const node: RepeatStatement = {
      kind: 'Repeat',
      body: statementList(),
      until: { kind: 'Identifier', name: '', span: this.span(s, s) },
      span: this.span(s),
    };
    this.leading(node, s);
    this.trailingHeader(node);
    this.open.push(K.END_REPEAT);
    try {
      while (true) {
        this.statements(node.body);
        if (this.k() === K.UNTIL) break;
        this.danglingInBlock(node.body);
        if (this.expectedByOpen(this.k()) || this.k() === T.EOF) {
          this.report(
            'ST1002',
            this.span(this.i, this.i),
            'UNTIL',
            'REPEAT',
            this.td[s * TOKEN_FIELDS + TK_LINE]!,
          );
          return node;
        }
        this.report('ST1001', this.span(this.i, this.i), 'UNTIL', this.describe());
        this.i++;
      }
      this.danglingInBlock(node.body);
      this.i++;
      node.until = this.headerExpression(K.END_REPEAT);
      this.closeBlock(K.END_REPEAT, s);
      return node;
    } finally {
      this.open.pop();
    }
  }

  // ------------------------------------------------------------ expressions

  /** A full expression (IEC 61131-3 Table 71 precedence). */
  expression(): Expression {
    // recursion depth guard: hostile input must not overflow the stack
    if (++this.depth + this.stmtDepth > MAX_DEPTH) this.tooDeep();
    try {
      return this.binary(1);
    } finally {
      this.depth--;
    }
  }

  private tooDeep(): never {
    this.report('ST1017', this.span(this.i, this.i), MAX_DEPTH);
    this.gaveUp = true;
    // skip the rest of the input: nothing sensible can follow
    this.i = this.tk.count - 1;
    throw SYNC;
  }

  /** Precedence climbing over BIN_PREC; all binary operators are left-associative (§7.3.2). */
  private binary(minPrec: number): Expression {
    const s = this.i;
    let left = this.unary();
    while (true) {
      const k = this.kinds[this.i]!;
      const prec = BIN_PREC[k]!;
      if (prec === 0 || prec < minPrec) return left;
      this.i++;
      const right = this.binary(prec + 1);
      left = { kind: 'Binary', operator: BIN_OP[k]!, left, right, span: this.span(s) };
    }
  }

  private unary(): Expression {
    let k = this.k();
    if (k !== T.Minus && k !== T.Plus && k !== K.NOT) return this.postfix();
    if (k === K.NOT && this.peek() === T.LParen && this.isFormalCall(this.i + 1)) return this.postfix();
    // a run of prefix operators is read in a loop, not by recursion (hostile `NOT NOT ... x`)
    const starts: number[] = [];
    while (
      (k === T.Minus || k === T.Plus || k === K.NOT) &&
      !(k === K.NOT && this.peek() === T.LParen && this.isFormalCall(this.i + 1))
    ) {
      starts.push(this.i++);
      k = this.k();
    }
    let e = this.postfix();
    for (let j = starts.length - 1; j >= 0; j--) {
      const s = starts[j]!;
      const op = this.kinds[s]!;
      e = {
        kind: 'Unary',
        operator: op === K.NOT ? 'NOT' : op === T.Minus ? '-' : '+',
        operand: e,
        span: this.span(s),
      };
    }
    return e;
  }

  /** Does the `(` at token j open a formal argument list (`NOT(IN := x)`), i.e. `name :=` or `name =>` follows? */
  private isFormalCall(j: number): boolean {
    const a = this.kinds[j + 1];
    const b = this.kinds[j + 2];
    return a === T.Ident && (b === T.Assign || b === T.Output);
  }

  private postfix(): Expression {
    const s = this.i;
    let e = this.primary();
    while (true) {
      const k = this.k();
      if (k === T.Dot) e = this.dotted(e, s);
      else if (k === T.LBracket) {
        this.i++;
        // the first index and the next (`a[i, j]`) by the same code: a second index met late in
        // a file then finds postfix's optimised code ready for it (a branch of its own, not run
        // when TurboFan compiled postfix, sent it back to the interpreter)
        let indices: Expression[] | undefined;
        do {
          indices = add(indices, this.expression());
        } while (this.accept(T.Comma));
        this.expect(T.RBracket);
        e = { kind: 'Index', object: e, indices: fitList(indices), span: this.span(s) };
      } else if (k === T.Caret) {
        this.i++;
        e = { kind: 'Deref', operand: e, span: this.span(s) };
      } else if (k === T.LParen) {
        const args = this.callArgs();
        const call: CallExpression = { kind: 'Call', callee: e, args, span: this.span(s) };
        e = call;
      } else return e;
    }
  }

  /**
   * What follows `e.` (`e` read from token `s`): a member, or a bit (`.0`, `.%X3`). Every dot
   * comes here, and the method is too large for TurboFan to inline into postfix under
   * `compile`'s budget: a first bit access met late sends only this back to the interpreter.
   */
  private dotted(e: Expression, s: number): Expression {
    const n = this.peek();
    this.i++;
    // the keyword test first: it runs on every member, so a member named by a keyword
    // (`.ON`) met late finds it compiled (a name is an identifier far more often)
    if (n >= KEYWORD_BASE || n === T.Ident) {
      const j = this.i++;
      return {
        kind: 'Member',
        object: e,
        member: this.tokText(j),
        memberSpan: this.span(j, j),
        span: this.span(s),
      };
    }
    if (n === T.Int) {
      const j = this.i++;
      const bit = this.literal(j);
      return { kind: 'BitAccess', object: e, bit, explicit: false, span: this.span(s) };
    }
    if (n === T.Address && /^%X\d+$/i.test(this.tokText(this.i))) {
      const j = this.i++;
      const t = this.tokText(j);
      const bit: Expression = {
        kind: 'IntegerLiteral',
        value: Number(t.slice(2)),
        base: 10,
        raw: t.slice(2),
        span: this.span(j, j),
      };
      return { kind: 'BitAccess', object: e, bit, explicit: true, span: this.span(s) };
    }
    this.fail('a member name');
  }

  /** `( [arg {, arg}] )` with positional, `name := v`, `name => v`, `NOT name => v`. */
  callArgs(): CallArgument[] {
    this.expect(T.LParen);
    let args: CallArgument[] = [];
    if (this.accept(T.RParen)) return args;
    do {
      // `fbPower(Axis := stAxis,);` — TwinCAT accepts a trailing comma
      if (args.length > 0 && this.k() === T.RParen) break;
      const s = this.i;
      const k = this.k();
      if (k === T.Ident && (this.peek() === T.Assign || this.peek() === T.Output)) {
        const name = this.tokText();
        const nameSpan = this.span(s, s);
        this.i++;
        const direction = this.kinds[this.i++] === T.Output ? 'output' : 'input';
        args = add(args, this.namedArg(s, name, nameSpan, direction, false));
      } else if (k === K.NOT && this.peek() === T.Ident && this.peek(2) === T.Output) {
        this.i++;
        const name = this.tokText();
        const nameSpan = this.span(this.i, this.i);
        this.i += 2;
        args = add(args, this.namedArg(s, name, nameSpan, 'output', true));
      } else {
        // a type as argument (`POINTER TO T`, `ARRAY [..] OF T` for `__NEW`, `SIZEOF`) or an expression
        const value: Expression = this.startsTypeArgument(k)
          ? { kind: 'TypeArgument', type: this.typeSpec(), span: this.span(s) }
          : this.expression();
        args = add(args, {
          kind: 'CallArgument',
          direction: 'input',
          negated: false,
          value,
          span: this.spanOr(value.span, s),
        });
      }
    } while (this.accept(T.Comma));
    this.expect(T.RParen);
    return fitList(args);
  }

  /**
   * The rest of `name := v` / `name => v` from its value on, `s` its first token. One literal
   * with the value or one without: adding `value` to a finished argument gave each an
   * out-of-object property store.
   */
  private namedArg(
    s: number,
    name: string,
    nameSpan: Span,
    direction: 'input' | 'output',
    negated: boolean,
  ): CallArgument {
    // `IN := ,` leaves an input unconnected (TwinCAT writes it); `Q =>` an output unbound
    if (this.k() === T.Comma || this.k() === T.RParen)
      return { kind: 'CallArgument', name, nameSpan, direction, negated, span: this.span(s) };
    const value = this.expression();
    return { kind: 'CallArgument', name, nameSpan, direction, negated, span: this.span(s), value };
  }

  /** `POINTER TO T`, `REFERENCE TO T`, `REF_TO T`, `ARRAY [..] OF T` as an argument (`__NEW`, `SIZEOF`). */
  private startsTypeArgument(k: number): boolean {
    if (k === K.REF_TO || k === K.ARRAY) return true;
    return k === T.Ident && this.peek() === K.TO && (this.isWord('POINTER') || this.isWord('REFERENCE'));
  }

  private primary(): Expression {
    const s = this.i;
    const k = this.k();
    switch (k) {
      case T.Ident:
        this.i++;
        return { kind: 'Identifier', name: this.tokText(s), span: this.span(s, s) };
      case T.Dot:
        // `.gVar`, `.GVL.gVar`: the TwinCAT/CODESYS global namespace operator names the global
        // even where a local hides it; a dot not followed by a name is refused (CODESYS C0183)
        if (this.peek() !== T.Ident) {
          this.i++;
          this.report('ST1001', this.span(this.i, this.i), "a global name after '.'", this.describe());
          throw SYNC;
        }
        this.i += 2;
        return { kind: 'Identifier', name: this.tokText(s + 1), span: this.span(s, s + 1), global: true };
      case K.AND:
      case K.OR:
      case K.XOR:
      case K.NOT:
      case K.MOD:
        // the standard functions' call forms `AND(a, b)`, `NOT(IN := x)` (IEC 61131-3 Table 28)
        if (this.peek() !== T.LParen) {
          this.report('ST1008', this.span(s, s), this.describe());
          throw SYNC;
        }
        this.i++;
        return { kind: 'Identifier', name: this.tokText(s), span: this.span(s, s) };
      case T.LParen: {
        this.i++;
        let expression = this.expression();
        if (this.k() === T.Assign) {
          // `IF (n := n + 1) > 10 THEN` — an assignment as a value (CODESYS/TwinCAT)
          this.i++;
          const value = this.assignedValue();
          expression = { kind: 'AssignmentExpression', target: expression, value, span: this.span(s + 1) };
        }
        this.expect(T.RParen);
        return { kind: 'Paren', expression, span: this.span(s) };
      }
      case K.THIS:
        this.i++;
        return { kind: 'This', span: this.span(s, s) };
      case K.SUPER:
        this.i++;
        return { kind: 'Super', span: this.span(s, s) };
      case T.Address:
        this.i++;
        return this.address(s);
      case T.Int:
      case T.Real:
      case T.String:
      case T.WString:
      case T.Typed:
      case K.TRUE:
      case K.FALSE:
        this.i++;
        return this.literal(s);
      default:
        if (k !== T.Bad) this.report('ST1008', this.span(s, s), this.describe());
        throw SYNC;
    }
  }

  private literal(j: number): Expression {
    const k = this.kinds[j]!;
    const raw = this.tokText(j);
    const span = this.span(j, j);
    if (k === K.TRUE || k === K.FALSE) return { kind: 'BoolLiteral', value: k === K.TRUE, raw, span };
    if (k === T.Int) return this.intLiteral(raw, raw, undefined, span, false);
    if (k === T.Real) return this.realLiteral(raw, raw, undefined, span);
    if (k === T.String || k === T.WString)
      return this.stringLiteral(raw, raw, k === T.WString, undefined, span);
    // typed: PREFIX#body
    const hash = raw.indexOf('#');
    const prefix = raw.slice(0, hash);
    const up = prefix.toUpperCase();
    const body = raw.slice(hash + 1);
    const dur = DURATION_KIND[up];
    if (dur) {
      // `T# 300ms` (blanks after `#`, decision 0168): the raw text keeps them
      const ns = decodeDuration(
        body.charCodeAt(0) === 32 || body.charCodeAt(0) === 9 ? body.trimStart() : body,
      );
      if (ns === undefined) this.report('ST1006', span, 'duration', raw);
      // LTIME counts nanoseconds in 64 bits (IEC 61131-3 §6.4.2, Table 10); TwinCAT's is unsigned, so its
      // largest value LTIME#213503d23h34m33s709ms551us615ns is 2^64-1 ns. Nothing holds more.
      else if (ns > MAX_ULINT || ns < MIN_LINT)
        this.report(
          'ST1018',
          span,
          'duration',
          raw,
          'beyond 64 bits of nanoseconds (LTIME, about 213,503 days)',
        );
      const v = ns ?? 0n;
      return { kind: 'TimeLiteral', type: dur, ms: nsToMs(v), ns: v, raw, span };
    }
    const dk = DATE_KIND[up];
    if (dk) {
      const ns =
        dk === 'DATE' || dk === 'LDATE'
          ? decodeDate(body)
          : dk === 'TOD' || dk === 'LTOD'
            ? decodeTimeOfDay(body)
            : decodeDateAndTime(body);
      if (ns === undefined) this.report('ST1006', span, 'date/time', raw);
      const v = ns ?? 0n;
      return { kind: 'DateTimeLiteral', type: dk, ms: nsToMs(v), ns: v, raw, span };
    }
    const c = body.charCodeAt(0);
    const digitStart = (c >= 48 && c <= 57) || c === 45 || c === 43;
    if (up === 'BOOL') {
      const b = body.toUpperCase();
      if (b !== 'TRUE' && b !== 'FALSE' && b !== '0' && b !== '1') this.report('ST1006', span, 'BOOL', raw);
      return { kind: 'BoolLiteral', value: b === 'TRUE' || b === '1', typeName: prefix, raw, span };
    }
    if (c === 39 || c === 34) return this.stringLiteral(body, raw, c === 34, prefix, span);
    if (digitStart) {
      if (body.indexOf('#') < 0 && (up === 'REAL' || up === 'LREAL' || /[.eE]/.test(body)))
        return this.realLiteral(body, raw, prefix, span);
      return this.intLiteral(body, raw, prefix, span, true);
    }
    return { kind: 'EnumLiteral', typeName: prefix, value: body, span };
  }

  private intLiteral(
    text: string,
    raw: string,
    typeName: string | undefined,
    span: Span,
    signed: boolean,
  ): Expression {
    let negative = false;
    let t = text;
    if (signed && (t.startsWith('-') || t.startsWith('+'))) {
      negative = t.startsWith('-');
      t = t.slice(1);
    }
    const d = decodeInteger(t);
    if (!d) this.report('ST1006', span, 'integer', raw);
    let value: number | bigint = d?.value ?? 0;
    if (negative) value = typeof value === 'bigint' ? -value : -value;
    // ULINT and LINT are the widest integer types (IEC 61131-3 §6.4.2, Table 10)
    if (typeof value === 'bigint' && (value > MAX_ULINT || value < MIN_LINT))
      this.report('ST1018', span, 'integer', raw, 'no integer type holds it (LINT/ULINT are 64 bits)');
    const lit: Expression = { kind: 'IntegerLiteral', value, base: d?.base ?? 10, raw, span };
    // any prefix, an integer type's or a user alias's or subrange's: the checker resolves it
    if (typeName !== undefined) lit.typeName = typeName;
    return lit;
  }

  private realLiteral(text: string, raw: string, typeName: string | undefined, span: Span): Expression {
    const v = decodeReal(text);
    if (v === undefined) this.report('ST1006', span, 'REAL', raw);
    const lit: Expression = { kind: 'RealLiteral', value: v ?? 0, raw, span };
    if (typeName !== undefined) lit.typeName = typeName;
    return lit;
  }

  private stringLiteral(
    text: string,
    raw: string,
    wide: boolean,
    typeName: string | undefined,
    span: Span,
  ): Expression {
    const v = decodeString(text, wide);
    if (v === undefined && text.length >= 2 && text[0] === text[text.length - 1])
      this.report('ST1006', span, 'string', raw);
    const lit: Expression = { kind: 'StringLiteral', value: v ?? text.slice(1), wide, raw, span };
    if (typeName !== undefined) lit.typeName = typeName;
    return lit;
  }
}

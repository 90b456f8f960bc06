/**
 * The Structured Text syntax tree (IEC 61131-3 3rd edition plus the common
 * CODESYS/TwinCAT forms).
 *
 * Conventions — other concerns (virtual PLC, safety verifier, transformers)
 * build on these, so they are stable: fields are added, never renamed.
 *
 * - Every node is an object with a string `kind` (discriminated unions) and a
 *   `span` pointing into the ORIGINAL file (for TwinCAT/PLCopen XML the span is
 *   inside the XML file, not inside an extracted snippet).
 * - Names are kept as written; IEC 61131-3 §6.1.2 makes identifiers and
 *   keywords case-insensitive, so compare with {@link sameName} /
 *   lower-case keys, never with `===` on raw names.
 * - Literal values are decoded (see each literal node). Durations: `ms` is a
 *   JS number of milliseconds (fractional below 1 ms), `ns` the exact bigint of
 *   nanoseconds — TIME and LTIME literals both carry both, LTIME users should
 *   read `ns`. Date/time-of-day points likewise (ms/ns since 1970-01-01T00:00
 *   UTC, or since midnight for TIME_OF_DAY).
 * - Integers are `number` when they fit in a safe JS integer, else `bigint`
 *   (LINT/ULINT/LWORD literals beyond 2^53).
 * - Pragmas (`{attribute 'x'}`, `{warning ...}`) are attached to the node
 *   that follows them in `pragmas`. Comments are attached for the printer:
 *   `leadingComments` on their own lines before the node, `trailingComments`
 *   after it (same line, or `ownLine` for comments left at the end of a block).
 *   Every comment of a file is also listed in `CompilationUnit.comments`.
 */

/** A source range. Lines and columns are 1-based; `endColumn` and `endOffset` are exclusive; offsets are 0-based UTF-16 indices into the original file text. */
export interface Span {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

/**
 * The line starts of one scanned range, where the parser's spans ({@link TextSpan}) find their
 * lines and columns. Entry 0 is where the range's first line starts (before the range when it
 * starts mid-line, as a body inside an XML file does), on line `firstLine`.
 */
export class SpanLines {
  readonly file: string;
  readonly firstLine: number;
  readonly starts: Int32Array;
  constructor(file: string, firstLine: number, starts: Int32Array) {
    this.file = file;
    this.firstLine = firstLine;
    this.starts = starts;
  }
  /** The index in `starts` of the line that holds `offset`. */
  lineIndex(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The key of a {@link TextSpan}'s line table: a symbol, so that walkers of a tree's keys and its JSON do not meet it. */
export const SPAN_LINES: unique symbol = Symbol('spanLines');

/**
 * A span the parser made: the range's offsets and its scan's line table; `file`, `line`,
 * `column`, `endLine` and `endColumn` are read from the table when asked (decision 0109). A
 * tree holds one span per node, most of a dense tree's bytes, and hardly any is ever asked
 * its line. Its JSON is a plain span's, the same seven fields in the same order. A token never
 * spans lines (a string ends at a line break), so a span's end is on its last token's line.
 * Like a plain span it can be written to: a field written is kept on the span itself, as the
 * L5X model cites the XML file's lines ({@link Span}'s fields are not read-only).
 */
export class TextSpan implements Span {
  readonly [SPAN_LINES]: SpanLines;
  offset: number;
  endOffset: number;
  constructor(lines: SpanLines, offset: number, endOffset: number) {
    this[SPAN_LINES] = lines;
    this.offset = offset;
    this.endOffset = endOffset;
  }
  get file(): string {
    return this[SPAN_LINES].file;
  }
  set file(value: string) {
    keep(this, 'file', value);
  }
  get line(): number {
    const lines = this[SPAN_LINES];
    return lines.firstLine + lines.lineIndex(this.offset);
  }
  set line(value: number) {
    keep(this, 'line', value);
  }
  get column(): number {
    const lines = this[SPAN_LINES];
    return this.offset - lines.starts[lines.lineIndex(this.offset)]! + 1;
  }
  set column(value: number) {
    keep(this, 'column', value);
  }
  get endLine(): number {
    const lines = this[SPAN_LINES];
    return lines.firstLine + lines.lineIndex(this.endOffset);
  }
  set endLine(value: number) {
    keep(this, 'endLine', value);
  }
  get endColumn(): number {
    const lines = this[SPAN_LINES];
    return this.endOffset - lines.starts[lines.lineIndex(this.endOffset)]! + 1;
  }
  set endColumn(value: number) {
    keep(this, 'endColumn', value);
  }
  toJSON(): Span {
    return {
      file: this.file,
      line: this.line,
      column: this.column,
      endLine: this.endLine,
      endColumn: this.endColumn,
      offset: this.offset,
      endOffset: this.endOffset,
    };
  }
}

/** Writes `key` on `span` itself, where it then hides the class's computed field. */
function keep(
  span: TextSpan,
  key: 'file' | 'line' | 'column' | 'endLine' | 'endColumn',
  value: unknown,
): void {
  Object.defineProperty(span, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A comment: `(* *)` (nestable), `/* *\/` or `//`. `text` is the raw text including its delimiters. */
export interface Comment {
  kind: 'Comment';
  style: 'block' | 'c-block' | 'line';
  text: string;
  /** True when nothing but whitespace precedes it on its line. */
  ownLine: boolean;
  span: Span;
}

/** A pragma `{...}`. For `{attribute 'name' := 'value'}` the attribute fields are filled. */
export interface Pragma {
  kind: 'Pragma';
  /** Raw text between the braces, trimmed; for the rusty/OSCAT marker `@EXTERNAL` the marker itself. */
  text: string;
  /** Set for `{attribute 'name'}` / `{attribute 'name' := 'value'}`. */
  attribute?: { name: string; value?: string };
  span: Span;
}

/** Fields shared by every node. */
export interface NodeBase {
  span: Span;
  /** Pragmas written right before this node. */
  pragmas?: Pragma[];
  leadingComments?: Comment[];
  trailingComments?: Comment[];
  /** Pragmas left at the end of a block after this node (`{END_IF}` of conditional compilation). */
  trailingPragmas?: Pragma[];
}

/** A declared name with its own position. */
export interface DeclaredName {
  name: string;
  span: Span;
}

// ---------------------------------------------------------------------------
// Compilation unit and top-level declarations

/** Where the unit was read from; spans always point into `file`. `scl`: Siemens SCL, read by `toolchain/src/scl`. */
export type SourceFormat = 'st' | 'twincat' | 'plcopen' | 'scl';

/** One source file (or one XML file's worth of POUs/DUTs/GVLs). */
export interface CompilationUnit extends NodeBase {
  kind: 'CompilationUnit';
  file: string;
  format: SourceFormat;
  declarations: TopLevelDeclaration[];
  /** Every comment of the file in source order (also attached to nodes). */
  comments: Comment[];
}

export type TopLevelDeclaration =
  | ProgramDecl
  | FunctionDecl
  | FunctionBlockDecl
  | InterfaceDecl
  | TypeBlock
  | GlobalVarList
  | ConfigurationDecl;

/** Program organisation units that have a body. */
export type Pou = ProgramDecl | FunctionDecl | FunctionBlockDecl;

/** Language of a POU body as found; LD bodies are converted to ST statements. */
export type BodyLanguage = 'ST' | 'LD' | 'FBD' | 'IL' | 'SFC';

/** Member access modifier (CODESYS/TwinCAT, IEC 61131-3 §6.6.5). */
export type AccessModifier = 'PUBLIC' | 'PRIVATE' | 'PROTECTED' | 'INTERNAL';

/** `PROGRAM name ... END_PROGRAM` (§6.6.4). */
export interface ProgramDecl extends NodeBase {
  kind: 'Program';
  name: string;
  nameSpan: Span;
  /** `PROGRAM INTERNAL P` (CODESYS/TwinCAT library visibility). */
  access?: AccessModifier;
  varBlocks: VarBlock[];
  body: Statement[];
  bodyLanguage?: BodyLanguage;
  methods: MethodDecl[];
  properties: PropertyDecl[];
  actions: ActionDecl[];
  /** Textual SFC (§6.7.1) written as the body instead of statements; see `sfc-to-st.ts`. */
  sfc?: SfcNetwork;
}

/** `FUNCTION name : T ... END_FUNCTION` (§6.6.2). `returnType` is absent when not written (an error the checker reports). */
export interface FunctionDecl extends NodeBase {
  kind: 'Function';
  name: string;
  nameSpan: Span;
  /** `FUNCTION INTERNAL F : T` (CODESYS/TwinCAT library visibility). */
  access?: AccessModifier;
  returnType?: TypeSpec;
  varBlocks: VarBlock[];
  body: Statement[];
  bodyLanguage?: BodyLanguage;
}

/**
 * `FUNCTION_BLOCK [ABSTRACT|FINAL] name [EXTENDS b] [IMPLEMENTS i, j]` (§6.6.3, §6.6.5).
 * A `CLASS ... END_CLASS` (§6.6.5) is read as a function block without a body, `isClass` set.
 */
export interface FunctionBlockDecl extends NodeBase {
  kind: 'FunctionBlock';
  name: string;
  nameSpan: Span;
  /** Written as `CLASS` (IEC 61131-3 §6.6.5): no body, methods only. */
  isClass?: boolean;
  access?: AccessModifier;
  abstract: boolean;
  final: boolean;
  extends?: string;
  implements: string[];
  varBlocks: VarBlock[];
  body: Statement[];
  bodyLanguage?: BodyLanguage;
  methods: MethodDecl[];
  properties: PropertyDecl[];
  actions: ActionDecl[];
  /** Textual SFC (§6.7.1) written as the body instead of statements; see `sfc-to-st.ts`. */
  sfc?: SfcNetwork;
}

// ---------------------------------------------------------------------------
// Sequential function charts (§6.7), textual or read from graphical SFC

/**
 * The steps and transitions of a POU written in SFC. Its actions are the
 * POU's `actions` (ACTION name: ... END_ACTION); an association may also
 * name a BOOL variable, which the step then drives.
 */
export interface SfcNetwork extends NodeBase {
  kind: 'SfcNetwork';
  steps: SfcStep[];
  transitions: SfcTransition[];
}

/** `[INITIAL_]STEP name: action(qualifier[, time]); ... END_STEP`. */
export interface SfcStep extends NodeBase {
  kind: 'SfcStep';
  name: string;
  nameSpan: Span;
  initial: boolean;
  actions: SfcActionAssociation[];
}

/** Action qualifiers (§6.7.4.4, Table 74). */
export type SfcQualifier = 'N' | 'R' | 'S' | 'P' | 'P0' | 'P1' | 'L' | 'D' | 'SD' | 'DS' | 'SL';

/** `Fill(N)`, `Heat(L, T#10s)`, `Alarm(S, , Lamp)` — an action (or BOOL variable) with its qualifier. */
export interface SfcActionAssociation extends NodeBase {
  kind: 'SfcActionAssociation';
  action: string;
  /** Absent means N. */
  qualifier?: SfcQualifier;
  /** The duration of L, D, SD, DS, SL. */
  time?: Expression;
  /** Indicator variables written after the qualifier. */
  indicators: string[];
}

/** `TRANSITION [name] [(PRIORITY := n)] FROM a TO (b, c) := condition; END_TRANSITION`. */
export interface SfcTransition extends NodeBase {
  kind: 'SfcTransition';
  name?: string;
  priority?: Expression;
  from: string[];
  to: string[];
  condition: Expression;
}

/** `METHOD [access] [ABSTRACT|FINAL] name [: T] ... END_METHOD` (§6.6.5.4). Interface/abstract methods have an empty body. */
export interface MethodDecl extends NodeBase {
  kind: 'Method';
  name: string;
  nameSpan: Span;
  access?: AccessModifier;
  abstract: boolean;
  final: boolean;
  returnType?: TypeSpec;
  varBlocks: VarBlock[];
  body: Statement[];
  bodyLanguage?: BodyLanguage;
}

/** `PROPERTY [access] name : T` with GET/SET accessors (CODESYS/TwinCAT). */
export interface PropertyDecl extends NodeBase {
  kind: 'Property';
  name: string;
  nameSpan: Span;
  access?: AccessModifier;
  abstract: boolean;
  final: boolean;
  type: TypeSpec;
  get?: PropertyAccessor;
  set?: PropertyAccessor;
}

/** The GET or SET part of a property. */
export interface PropertyAccessor extends NodeBase {
  kind: 'PropertyAccessor';
  accessor: 'GET' | 'SET';
  access?: AccessModifier;
  varBlocks: VarBlock[];
  body: Statement[];
}

/** `ACTION name: ... END_ACTION` (CODESYS/TwinCAT actions of a POU). */
export interface ActionDecl extends NodeBase {
  kind: 'Action';
  name: string;
  nameSpan: Span;
  body: Statement[];
  bodyLanguage?: BodyLanguage;
}

/** `INTERFACE name [EXTENDS a, b] ... END_INTERFACE` (§6.6.6). */
export interface InterfaceDecl extends NodeBase {
  kind: 'Interface';
  name: string;
  nameSpan: Span;
  extends: string[];
  methods: MethodDecl[];
  properties: PropertyDecl[];
}

/** `TYPE ... END_TYPE`, holding one or more type declarations (§6.4.4). */
export interface TypeBlock extends NodeBase {
  kind: 'TypeBlock';
  types: TypeDecl[];
}

/** `Name : spec [:= init];` inside a TYPE block. */
export interface TypeDecl extends NodeBase {
  kind: 'TypeDecl';
  name: string;
  nameSpan: Span;
  /** `TYPE INTERNAL T :` (TwinCAT library visibility). */
  access?: AccessModifier;
  type: TypeDefinition;
  init?: Initializer;
}

/** VAR_GLOBAL blocks outside any POU (a plain .st file or a TwinCAT GVL). `name` is the GVL name when known. */
/**
 * The attribute naming a global variable list in plain ST (`{attribute 'gvl_name' := 'GVL_X'}`
 * before its VAR_GLOBAL): what the printer writes for a named list read from PLCopen, and how a
 * library interface file names one.
 */
export const GVL_NAME_ATTRIBUTE = 'gvl_name';

export interface GlobalVarList extends NodeBase {
  kind: 'GlobalVarList';
  name?: string;
  varBlocks: VarBlock[];
}

// ---------------------------------------------------------------------------
// Configuration, resources, tasks (§6.8.2) — what the virtual PLC schedules

/** `CONFIGURATION name ... END_CONFIGURATION`. Tasks/programs written directly in it form an implicit resource. */
export interface ConfigurationDecl extends NodeBase {
  kind: 'Configuration';
  name: string;
  nameSpan: Span;
  varBlocks: VarBlock[];
  resources: ResourceDecl[];
  tasks: TaskDecl[];
  programs: ProgramInstance[];
}

/** `RESOURCE name ON processor ... END_RESOURCE`. */
export interface ResourceDecl extends NodeBase {
  kind: 'Resource';
  name: string;
  nameSpan: Span;
  on: string;
  varBlocks: VarBlock[];
  tasks: TaskDecl[];
  programs: ProgramInstance[];
}

/** `TASK name (INTERVAL := T#10ms, PRIORITY := 1)` or `(SINGLE := trigger, PRIORITY := 2)`. */
export interface TaskDecl extends NodeBase {
  kind: 'Task';
  name: string;
  nameSpan: Span;
  single?: Expression;
  interval?: Expression;
  priority?: Expression;
  /** The interval in milliseconds when `interval` is a TIME literal. */
  intervalMs?: number;
  /** The priority when `priority` is an integer literal. */
  priorityValue?: number;
}

/** `PROGRAM inst [WITH task] : ProgType [(args)];` — binds a program instance to a task. */
export interface ProgramInstance extends NodeBase {
  kind: 'ProgramInstance';
  name: string;
  nameSpan: Span;
  retain?: 'RETAIN' | 'NON_RETAIN';
  task?: string;
  program: string;
  args: CallArgument[];
}

// ---------------------------------------------------------------------------
// Variables

export type VarSection =
  | 'VAR'
  | 'VAR_INPUT'
  | 'VAR_OUTPUT'
  | 'VAR_IN_OUT'
  | 'VAR_TEMP'
  | 'VAR_GLOBAL'
  | 'VAR_EXTERNAL'
  | 'VAR_INST'
  | 'VAR_STAT'
  | 'VAR_CONFIG'
  | 'VAR_ACCESS'
  | 'VAR_GENERIC';

/** `VAR_xxx [CONSTANT] [RETAIN|NON_RETAIN] [PERSISTENT] ... END_VAR` (§6.5.1). */
export interface VarBlock extends NodeBase {
  kind: 'VarBlock';
  section: VarSection;
  constant: boolean;
  retain: boolean;
  nonRetain: boolean;
  persistent: boolean;
  access?: AccessModifier;
  decls: VarDecl[];
}

/** `a, b [AT %IX0.0] : T [:= init];` — several names share one type. */
export interface VarDecl extends NodeBase {
  kind: 'VarDecl';
  names: DeclaredName[];
  location?: DirectAddress;
  type: TypeSpec;
  init?: Initializer;
  /** CODESYS FB_init arguments: `fb : FB_X(a := 1);` */
  constructorArgs?: CallArgument[];
  /** FB_init arguments per element of an array of FBs: `afb : ARRAY[1..2] OF FB_X[(a := 1), (a := 2)];` */
  elementConstructorArgs?: CallArgument[][];
}

/** A located variable address `%IX0.1`, `%QW4`, `%MD10`, or the TwinCAT placeholder `%I*` (§6.5.5). */
export interface DirectAddress extends NodeBase {
  kind: 'DirectAddress';
  /** Raw text, e.g. `%IX0.1`. */
  text: string;
  area: 'I' | 'Q' | 'M';
  /** X (bit, default), B, W, D, L. */
  size: 'X' | 'B' | 'W' | 'D' | 'L';
  /** Hierarchical address parts; empty for `*`. */
  address: number[];
  /** `%I*`: address assigned by the configuration. */
  unspecified: boolean;
}

// ---------------------------------------------------------------------------
// Types

/** A type as written where a variable, return value or array element is declared. */
export type TypeSpec =
  | NamedType
  | StringType
  | ArrayType
  | PointerType
  | ReferenceType
  | SubrangeType
  | EnumType
  | StructType
  | UnionType;

/** What a TYPE declaration may define: any TypeSpec (an alias when it is a NamedType). */
export type TypeDefinition = TypeSpec;

/** An elementary (`INT`, `TIME`) or user-defined (`ST_Motor`, `TON`, `Lib.T`) type name. */
export interface NamedType extends NodeBase {
  kind: 'NamedType';
  name: string;
  /** Arguments of a generic FB's VAR_GENERIC constants: `FB_Buffer<64>` (CODESYS 3.5.18+). */
  genericArgs?: Expression[];
}

/** `STRING`, `STRING(80)`, `STRING[80]`, `WSTRING(n)`. */
export interface StringType extends NodeBase {
  kind: 'StringType';
  wide: boolean;
  length?: Expression;
}

/** `ARRAY [l1..h1, l2..h2] OF T`; `ARRAY [*] OF T` for variable-length in/out arrays. */
export interface ArrayType extends NodeBase {
  kind: 'ArrayType';
  dimensions: ArrayDimension[];
  elementType: TypeSpec;
}

/** One array dimension; `star` for `*` (then low/high are absent). */
export interface ArrayDimension extends NodeBase {
  kind: 'ArrayDimension';
  star: boolean;
  low?: Expression;
  high?: Expression;
}

/** `POINTER TO T` (CODESYS) or `REF_TO T` (IEC 61131-3 §6.4.4.10); both dereference with `^`. */
export interface PointerType extends NodeBase {
  kind: 'PointerType';
  syntax: 'POINTER TO' | 'REF_TO';
  target: TypeSpec;
}

/** `REFERENCE TO T` (CODESYS/TwinCAT): implicitly dereferenced alias, bound with `REF=`. */
export interface ReferenceType extends NodeBase {
  kind: 'ReferenceType';
  target: TypeSpec;
}

/** `INT (0..100)` (§6.4.4.4). */
export interface SubrangeType extends NodeBase {
  kind: 'SubrangeType';
  base: NamedType;
  low: Expression;
  high: Expression;
}

/** `(A, B := 5, C) [base type]`, e.g. `(Idle := 0, Run := 1) INT` or `INT (Idle := 0, Run := 1)` (§6.4.4.3). */
export interface EnumType extends NodeBase {
  kind: 'EnumType';
  baseType?: NamedType;
  values: EnumValue[];
}

/** One enumerator, with its explicit value when written. */
export interface EnumValue extends NodeBase {
  kind: 'EnumValue';
  name: string;
  value?: Expression;
}

/** `STRUCT [EXTENDS base] ... END_STRUCT` (§6.4.4.6). Members are VarDecls (names, type, init, AT). */
export interface StructType extends NodeBase {
  kind: 'StructType';
  extends?: string;
  /** `STRUCT OVERLAP` (§6.4.4.6.2): members share storage. */
  overlap?: boolean;
  members: VarDecl[];
}

/** `UNION ... END_UNION` (CODESYS/TwinCAT). */
export interface UnionType extends NodeBase {
  kind: 'UnionType';
  members: VarDecl[];
}

// ---------------------------------------------------------------------------
// Initialisers (§6.5.2)

export type Initializer = Expression | ArrayInitializer | StructInitializer;

/** `[1, 2, 3(0)]` — elements with optional repetition `n(value)`. */
export interface ArrayInitializer extends NodeBase {
  kind: 'ArrayInitializer';
  elements: ArrayInitElement[];
}

/** One element: `value`, or `count(value)`, or `count()` (count default values). */
export interface ArrayInitElement extends NodeBase {
  kind: 'ArrayInitElement';
  repeat?: Expression;
  value?: Initializer;
}

/** `(a := 1, b := (x := 2))` — structure and FB instance initialisers (`fb : TON := (PT := T#5s)`). */
export interface StructInitializer extends NodeBase {
  kind: 'StructInitializer';
  fields: FieldInitializer[];
}

export interface FieldInitializer extends NodeBase {
  kind: 'FieldInitializer';
  name: string;
  nameSpan: Span;
  value: Initializer;
}

// ---------------------------------------------------------------------------
// Statements (§7.3.3)

export type Statement =
  | AssignmentStatement
  | CallStatement
  | IfStatement
  | CaseStatement
  | ForStatement
  | WhileStatement
  | RepeatStatement
  | ExitStatement
  | ContinueStatement
  | ReturnStatement
  | JumpStatement
  | LabelStatement
  | TryStatement
  | EmptyStatement;

/** `:=` assign, `REF=` bind a reference, `S=`/`R=` set/reset when the right side is TRUE (CODESYS). */
export type AssignmentOperator = ':=' | 'REF=' | 'S=' | 'R=';

export interface AssignmentStatement extends NodeBase {
  kind: 'Assignment';
  operator: AssignmentOperator;
  target: Expression;
  value: Expression;
  /**
   * `a S= b R= c;`: the further set/reset targets of the line, in order, each with its own
   * operator. Every target refers to `value`, the operand at the end of the line (Beckhoff
   * Infosys "ExST assignment S=/R=", multiple assignments; CODESYS alike), not to the target
   * after it. Absent for a single assignment.
   */
  moreTargets?: SetResetTarget[];
}

/** One further target of a line of several `S=`/`R=` assignments. */
export interface SetResetTarget {
  operator: 'S=' | 'R=';
  target: Expression;
}

/** A function, FB instance, method or action call used as a statement: `fbTimer(IN := x, PT := T#1s, Q => y);`. */
export interface CallStatement extends NodeBase {
  kind: 'CallStatement';
  call: CallExpression;
}

export interface IfStatement extends NodeBase {
  kind: 'If';
  condition: Expression;
  then: Statement[];
  elsifs: ElsifClause[];
  else?: Statement[];
}

export interface ElsifClause extends NodeBase {
  kind: 'Elsif';
  condition: Expression;
  body: Statement[];
}

export interface CaseStatement extends NodeBase {
  kind: 'Case';
  selector: Expression;
  branches: CaseBranch[];
  else?: Statement[];
}

/** `1, 3..5, E.Idle: statements` */
export interface CaseBranch extends NodeBase {
  kind: 'CaseBranch';
  labels: CaseLabel[];
  body: Statement[];
}

export type CaseLabel = CaseValue | CaseRange;

export interface CaseValue extends NodeBase {
  kind: 'CaseValue';
  value: Expression;
}

export interface CaseRange extends NodeBase {
  kind: 'CaseRange';
  low: Expression;
  high: Expression;
}

/** `FOR i := from TO to [BY step] DO ... END_FOR` */
export interface ForStatement extends NodeBase {
  kind: 'For';
  /** The control variable. When it is not a plain name (CODESYS accepts `FOR a[1] := ...`), `name` is '' and `target` holds it. */
  variable: Identifier;
  /** The control variable when it is an array element or member; takes precedence over `variable`. */
  target?: Expression;
  from: Expression;
  to: Expression;
  by?: Expression;
  body: Statement[];
}

export interface WhileStatement extends NodeBase {
  kind: 'While';
  condition: Expression;
  body: Statement[];
}

export interface RepeatStatement extends NodeBase {
  kind: 'Repeat';
  body: Statement[];
  until: Expression;
}

export interface ExitStatement extends NodeBase {
  kind: 'Exit';
}

export interface ContinueStatement extends NodeBase {
  kind: 'Continue';
}

export interface ReturnStatement extends NodeBase {
  kind: 'Return';
  /** TwinCAT `RETURN(condition);`: returns only when the condition is TRUE (it is evaluated either way). */
  condition?: Expression;
}

/** `JMP label;` */
export interface JumpStatement extends NodeBase {
  kind: 'Jump';
  label: string;
}

/** `label:` — marks the position of the next statement. */
export interface LabelStatement extends NodeBase {
  kind: 'Label';
  name: string;
}

/** `__TRY ... __CATCH(exc) ... __FINALLY ... __ENDTRY` (CODESYS/TwinCAT exception handling). */
export interface TryStatement extends NodeBase {
  kind: 'Try';
  body: Statement[];
  /** Present when a `__CATCH` part is written; `catchVariable` is its `(exc)` name when given. */
  catchBody?: Statement[];
  catchVariable?: string;
  finallyBody?: Statement[];
}

/** A lone `;`. The parser drops these; the type exists for tools that build bodies. */
export interface EmptyStatement extends NodeBase {
  kind: 'Empty';
}

// ---------------------------------------------------------------------------
// Expressions (§7.3.2)

export type Expression =
  | Identifier
  | MemberExpression
  | IndexExpression
  | BitAccessExpression
  | DerefExpression
  | CallExpression
  | UnaryExpression
  | BinaryExpression
  | ParenExpression
  | ThisExpression
  | SuperExpression
  | DirectAddress
  | AssignmentExpression
  | TypeArgument
  | Literal;

export type Literal =
  | IntegerLiteral
  | RealLiteral
  | BoolLiteral
  | StringLiteral
  | TimeLiteral
  | DateTimeLiteral
  | EnumLiteral;

/** A variable, constant, POU, enum value or type name. */
export interface Identifier extends NodeBase {
  kind: 'Identifier';
  name: string;
  /**
   * Written `.name` (TwinCAT/CODESYS global namespace operator): the global, GVL, POU or type of
   * that name, never a local or member that hides it. Absent on ordinary names.
   */
  global?: true;
}

/** `a.b` — struct field, FB member, method, property, `Enum.Value`, `GVL.x` or namespace. */
export interface MemberExpression extends NodeBase {
  kind: 'Member';
  object: Expression;
  member: string;
  memberSpan: Span;
}

/** `a[i, j]` */
export interface IndexExpression extends NodeBase {
  kind: 'Index';
  object: Expression;
  indices: Expression[];
}

/** `w.3` or `w.%X3` — one bit of an ANY_BIT variable (§6.5.3). `bit` is an integer literal or a constant name. */
export interface BitAccessExpression extends NodeBase {
  kind: 'BitAccess';
  object: Expression;
  bit: Expression;
  /** Written as `.%X3` rather than `.3`. */
  explicit: boolean;
}

/** `p^` */
export interface DerefExpression extends NodeBase {
  kind: 'Deref';
  operand: Expression;
}

/** `f(x, y)`, `fb(IN := x, Q => y)`, `obj.Method()`, `ADR(x)`. */
export interface CallExpression extends NodeBase {
  kind: 'Call';
  callee: Expression;
  args: CallArgument[];
}

/** `x` (positional), `name := x` (input/in-out), `name => v` / `NOT name => v` (output). `value` is absent for `Q =>` with nothing bound. */
export interface CallArgument extends NodeBase {
  kind: 'CallArgument';
  name?: string;
  nameSpan?: Span;
  direction: 'input' | 'output';
  negated: boolean;
  value?: Expression;
}

export type UnaryOperator = 'NOT' | '-' | '+';

export interface UnaryExpression extends NodeBase {
  kind: 'Unary';
  operator: UnaryOperator;
  operand: Expression;
}

/** `&` is read as `AND`; `AND_THEN`/`OR_ELSE` are the CODESYS short-circuit forms. */
export type BinaryOperator =
  | 'OR'
  | 'OR_ELSE'
  | 'XOR'
  | 'AND'
  | 'AND_THEN'
  | '='
  | '<>'
  | '<'
  | '>'
  | '<='
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | 'MOD'
  | '**';

export interface BinaryExpression extends NodeBase {
  kind: 'Binary';
  operator: BinaryOperator;
  left: Expression;
  right: Expression;
}

/** Parentheses as written (kept so printing preserves the author's grouping). */
export interface ParenExpression extends NodeBase {
  kind: 'Paren';
  expression: Expression;
}

/**
 * An assignment used as a value (CODESYS/TwinCAT): the right side of a
 * chained assignment `a := b := 0;` (stored as `a := (b := 0)`), or
 * `IF (n := n + 1) > 10 THEN`. Its value is the value assigned.
 */
export interface AssignmentExpression extends NodeBase {
  kind: 'AssignmentExpression';
  target: Expression;
  value: Expression;
}

/** A type written where an argument goes: `__NEW(POINTER TO ST_Node, n)`, `SIZEOF(REFERENCE TO INT)`. */
export interface TypeArgument extends NodeBase {
  kind: 'TypeArgument';
  type: TypeSpec;
}

/** `THIS` (a pointer; `THIS^` is a DerefExpression of it). */
export interface ThisExpression extends NodeBase {
  kind: 'This';
}

/** `SUPER` (a pointer; `SUPER^.M()` calls the base implementation). */
export interface SuperExpression extends NodeBase {
  kind: 'Super';
}

/** `42`, `16#FF`, `2#1010_1010`, `INT#-5`, `UINT#16#FFFF`. */
export interface IntegerLiteral extends NodeBase {
  kind: 'IntegerLiteral';
  /** Number when a safe integer, bigint beyond 2^53. Sign of a typed literal (`INT#-5`) is included. */
  value: number | bigint;
  base: 2 | 8 | 10 | 16;
  /** Type prefix as written (`INT` for `INT#5`), absent when untyped. */
  typeName?: string;
  raw: string;
}

/** `3.14`, `1.0E-3`, `REAL#1.5`. */
export interface RealLiteral extends NodeBase {
  kind: 'RealLiteral';
  value: number;
  typeName?: string;
  raw: string;
}

/** `TRUE`, `FALSE`, `BOOL#1`. */
export interface BoolLiteral extends NodeBase {
  kind: 'BoolLiteral';
  value: boolean;
  typeName?: string;
  raw: string;
}

/** `'text'` (STRING) or `"text"` (WSTRING); `value` has `$` escapes decoded (§6.3.3). */
export interface StringLiteral extends NodeBase {
  kind: 'StringLiteral';
  value: string;
  wide: boolean;
  typeName?: string;
  raw: string;
}

/** `T#1h2m3s4ms`, `TIME#-5s`, `LTIME#5us`. `ms` is milliseconds as a number, `ns` exact nanoseconds. */
export interface TimeLiteral extends NodeBase {
  kind: 'TimeLiteral';
  type: 'TIME' | 'LTIME';
  ms: number;
  ns: bigint;
  raw: string;
}

/**
 * `D#2024-01-31`, `TOD#12:30:00.5`, `DT#2024-01-31-12:30:00` and their L- forms.
 * DATE/DT: ms/ns since 1970-01-01T00:00:00 UTC; TOD: ms/ns since midnight.
 */
export interface DateTimeLiteral extends NodeBase {
  kind: 'DateTimeLiteral';
  type: 'DATE' | 'LDATE' | 'TOD' | 'LTOD' | 'DT' | 'LDT';
  ms: number;
  ns: bigint;
  raw: string;
}

/** `E_State#Running` — a typed enumeration value (§6.4.2). `E_State.Running` parses as a MemberExpression. */
export interface EnumLiteral extends NodeBase {
  kind: 'EnumLiteral';
  typeName: string;
  value: string;
}

// ---------------------------------------------------------------------------

/** Any node of the tree. */
export type Node =
  | CompilationUnit
  | TopLevelDeclaration
  | MethodDecl
  | PropertyDecl
  | PropertyAccessor
  | ActionDecl
  | TypeDecl
  | ResourceDecl
  | TaskDecl
  | ProgramInstance
  | VarBlock
  | VarDecl
  | TypeSpec
  | ArrayDimension
  | EnumValue
  | ArrayInitializer
  | ArrayInitElement
  | StructInitializer
  | FieldInitializer
  | Statement
  | ElsifClause
  | CaseBranch
  | CaseLabel
  | CallArgument
  | SfcNetwork
  | SfcStep
  | SfcActionAssociation
  | SfcTransition
  | Expression;

/** IEC 61131-3 names are case-insensitive (§6.1.2). */
export function sameName(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

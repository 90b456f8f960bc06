/**
 * Reads a TIA Portal external source (`.scl`, `.db`, `.udt`) into the one IEC
 * syntax tree: the text is lowered to Structured Text by `scl-source.ts`,
 * parsed by the IEC parser, and every span is mapped back into the SCL file.
 *
 * How SCL meets the IEC model (the checker, the virtual PLC, the safety
 * verifier and the diff read the result unchanged):
 * - `ORGANIZATION_BLOCK` is a PROGRAM (OB1 the cyclic one), `FUNCTION_BLOCK`
 *   and `FUNCTION` are themselves; `TYPE "udt" STRUCT` is a TYPE.
 * - A global `DATA_BLOCK` with `STRUCT`/`VAR` members is a global variable of
 *   a structure type named `"<DB name>"` (with the quotes, so it never meets
 *   a name of the program); an instance DB or a DB of a UDT is a global of
 *   that type. The assignments after `BEGIN` become initial values.
 * - Quoted names keep their text (`"Motor 1"` is the name `Motor 1`); `#x`
 *   is the local `x`; spans include the quotes and the `#`.
 * - `REGION`/`END_REGION` lower to their statements; `GOTO` is a jump.
 * - Siemens instruction types map to the IEC ones: `TON_TIME` → TON,
 *   `IEC_TIMER` → the timer its `.TON(...)`/`.TOF(...)`/`.TP(...)` call names,
 *   `CTU_INT` → CTU, `S5Time` → TIME (see decision 0022).
 */
import {
  type ArrayInitializer,
  type CallExpression,
  type CompilationUnit,
  type Diagnostic,
  diagnostic,
  type Expression,
  type FieldInitializer,
  type GlobalVarList,
  type Initializer,
  type NamedType,
  type ParseResult,
  parseSource,
  type Span,
  type Statement,
  type StructInitializer,
  type StructType,
  type TimeLiteral,
  type TopLevelDeclaration,
  type TypeBlock,
  type TypeSpec,
  type VarBlock,
  type VarDecl,
  walk,
} from '../iec';
import { lastAtOrBefore, lowerSclText, type SclSource } from './scl-source';

/** Siemens instruction and data types and the IEC types that model them (upper case). */
export const SIEMENS_TYPE_MAP: Readonly<Record<string, string>> = {
  TON_TIME: 'TON',
  TOF_TIME: 'TOF',
  TP_TIME: 'TP',
  TON_LTIME: 'LTON',
  TOF_LTIME: 'LTOF',
  TP_LTIME: 'LTP',
  IEC_TIMER: 'TON',
  IEC_LTIMER: 'LTON',
  CTU_INT: 'CTU',
  CTD_INT: 'CTD',
  CTUD_INT: 'CTUD',
  CTU_DINT: 'CTU',
  CTD_DINT: 'CTD',
  CTUD_DINT: 'CTUD',
  CTU_SINT: 'CTU',
  CTU_UINT: 'CTU',
  CTU_UDINT: 'CTU',
  IEC_COUNTER: 'CTU',
  IEC_SCOUNTER: 'CTU',
  IEC_DCOUNTER: 'CTU',
  IEC_UCOUNTER: 'CTU',
  IEC_UDCOUNTER: 'CTU',
  S5TIME: 'TIME',
  // hardware and system identifiers are numbers in the CPU
  HW_ANY: 'UINT',
  HW_IO: 'UINT',
  HW_DEVICE: 'UINT',
  HW_DPMASTER: 'UINT',
  HW_DPSLAVE: 'UINT',
  HW_IOSYSTEM: 'UINT',
  HW_SUBMODULE: 'UINT',
  HW_MODULE: 'UINT',
  HW_INTERFACE: 'UINT',
  HW_IEPORT: 'UINT',
  HW_HSC: 'UINT',
  HW_PWM: 'UINT',
  HW_PTO: 'UINT',
  CONN_ANY: 'UINT',
  CONN_OUC: 'UINT',
  CONN_PRG: 'UINT',
  CONN_R_ID: 'DWORD',
  PORT: 'UINT',
  PIP: 'UINT',
  RTM: 'UINT',
  DB_WWW: 'UINT',
  DB_DYN: 'UINT',
  OB_ANY: 'INT',
  OB_DELAY: 'INT',
  OB_TOD: 'INT',
  OB_CYCLIC: 'INT',
  OB_ATT: 'INT',
  OB_PCYCLE: 'INT',
  OB_HWINT: 'INT',
  OB_DIAG: 'INT',
  OB_TIMEERROR: 'INT',
  OB_STARTUP: 'INT',
  EVENT_ANY: 'DWORD',
  EVENT_ATT: 'DWORD',
  EVENT_HWINT: 'DWORD',
};

/** Instructions called on a multi-instance of IEC_TIMER / IEC_COUNTER (`#t.TON(IN := ..., PT := ...)`). */
const INSTANCE_CALLS = new Set(['TON', 'TOF', 'TP', 'CTU', 'CTD', 'CTUD']);

/** Where each line of a text starts (line breaks as the IEC scanner reads them: LF, CRLF, lone CR). */
class LineStarts {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const line = lastAtOrBefore(this.starts, offset);
    return { line: line + 1, column: offset - this.starts[line]! + 1 };
  }
}

/** Extra facts about a unit read from SCL, for the printer (by unit). */
export interface SclUnitInfo {
  /** The original text. */
  text: string;
  /** Offsets of quoted names (opening quote) and their names. */
  quoted: ReadonlyMap<number, string>;
  /** Offsets of `#` that mark locals. */
  hashed: ReadonlySet<number>;
  /** Offsets of structure start values given by position (`(32, (), TRUE)`, read as `[...]`). */
  positional: ReadonlySet<number>;
}

const INFO = new WeakMap<CompilationUnit, SclUnitInfo>();

/** The SCL facts of a unit read by {@link readScl}; undefined for other units. */
export function sclInfo(unit: CompilationUnit): SclUnitInfo | undefined {
  return INFO.get(unit);
}

/** Is this a file name of a TIA Portal external source? */
export function isSclFile(fileName: string): boolean {
  return /\.(scl|db|udt)$/i.test(fileName);
}

/**
 * Parses one SCL source (`.scl`, `.db`, `.udt`) into an IEC compilation unit
 * whose spans point into `text`. Never throws.
 */
export function readScl(text: string, fileName: string): ParseResult {
  try {
    return readSclUnchecked(text, fileName);
  } catch (err) {
    return internalError(text, fileName, err);
  }
}

/** A reader bug must not crash the agent: it is reported on the file (fail closed). */
function internalError(text: string, fileName: string, err: unknown): ParseResult {
  const lines = new LineStarts(text);
  const unit = parseSource('', fileName, { format: 'scl' }).unit;
  unit.span = spanOf(0, text.length, lines, fileName);
  return {
    unit,
    diagnostics: [diagnostic('ST1012', unit.span, fileName, `internal SCL reader error: ${String(err)}`)],
  };
}

/**
 * Reads SIMATIC AX text (already stripped of its namespace directives, same
 * length as `original`) through the SCL lowering in AX mode: slices and
 * compound assignments lowered, spans mapped back. Never throws.
 */
export function readLoweredAx(text: string, fileName: string, original: string): ParseResult {
  try {
    return readSclUnchecked(text, fileName, true, original);
  } catch (err) {
    return internalError(original, fileName, err);
  }
}

function readSclUnchecked(text: string, fileName: string, ax = false, original = text): ParseResult {
  const src = lowerSclText(text, { ax });
  const parsed = parseSource(src.st, fileName, { format: 'scl' });
  const lines = new LineStarts(text);
  const unit = parsed.unit;
  remapSpans(unit, src, lines, fileName);
  const diagnostics = parsed.diagnostics.map((d) => remapDiagnostic(d, src, lines));
  rename(unit, src);
  lowerSliceWrites(unit, src);
  namePositionalValues(unit, src.positional, structsOf([unit]));
  markOverlays(unit, src);
  typeCharStarts(unit);
  lowerInstanceCalls(unit);
  finishDataBlocks(unit, src, diagnostics);
  lowerBlocks(unit, src);
  checkS5Time(unit, text, diagnostics);
  unit.span = spanOf(0, text.length, lines, fileName);
  INFO.set(unit, {
    positional: src.positional,
    text: original,
    quoted: new Map([...src.quoted].map(([o, q]) => [o, q.name])),
    hashed: src.hashed,
  });
  return { unit, diagnostics };
}

function spanOf(offset: number, endOffset: number, lines: LineStarts, file: string): Span {
  const a = lines.position(offset);
  const b = lines.position(endOffset);
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset, endOffset };
}

function fileRange(src: SclSource, offset: number, endOffset: number): [number, number] {
  let s = src.toFile(offset);
  let e = endOffset <= offset ? s : src.toFile(endOffset);
  s = src.startFix.get(s) ?? s;
  if (src.endFix.has(e)) e++;
  if (e < s) e = s;
  return [s, e];
}

const SPAN_KEYS = new Set(['span', 'nameSpan', 'memberSpan']);

/**
 * Every object of the tree once (nodes, declared names, comments), spans
 * excepted, in an iterative walk; `fn` runs before the object's fields are
 * followed, so what it puts there is walked too. The IEC visitor walks nodes
 * only; spans and declared names need this one.
 */
function eachObject(root: object, fn: (o: Record<string, unknown>) => void): void {
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const o = stack.pop()! as Record<string, unknown>;
    if (seen.has(o)) continue;
    seen.add(o);
    fn(o);
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (v !== null && typeof v === 'object' && !SPAN_KEYS.has(key)) stack.push(v);
    }
  }
}

/** Every span of the tree (nodes, names, members, comments) mapped into the SCL file. */
function remapSpans(unit: CompilationUnit, src: SclSource, lines: LineStarts, file: string): void {
  const done = new Map<Span, Span>();
  const map = (sp: Span): Span => {
    let m = done.get(sp);
    if (!m) {
      const [s, e] = fileRange(src, sp.offset, sp.endOffset);
      m = spanOf(s, e, lines, file);
      done.set(sp, m);
    }
    return m;
  };
  eachObject(unit, (o) => {
    for (const key of SPAN_KEYS) if (o[key] && typeof o[key] === 'object') o[key] = map(o[key] as Span);
  });
}

function remapDiagnostic(d: Diagnostic, src: SclSource, lines: LineStarts): Diagnostic {
  const [s, e] = fileRange(src, d.offset ?? 0, d.endOffset ?? d.offset ?? 0);
  const a = lines.position(s);
  const b = lines.position(e);
  return {
    ...d,
    line: a.line,
    column: a.column,
    endLine: b.line,
    endColumn: b.column,
    offset: s,
    endOffset: e,
  };
}

/** Quoted names get their text back; generated names their SCL meaning; Siemens types their IEC model. */
function rename(unit: CompilationUnit, src: SclSource): void {
  const quotedAt = (offset: number): string | undefined =>
    src.quoted.get(offset)?.name ??
    (src.hashed.has(offset) ? src.quoted.get(offset + 1)?.name : undefined) ??
    src.escaped.get(offset);
  const generated = new Map<string, string>();
  for (const db of src.dataBlocks)
    if (db.structType) generated.set(db.structType.toLowerCase(), `"${db.name}"`);
  eachObject(unit, (o) => {
    if (typeof o.name === 'string') {
      const at = (o.nameSpan ?? o.span) as Span | undefined;
      const q = at ? quotedAt(at.offset) : undefined;
      if (q !== undefined) o.name = q;
      else {
        const g = generated.get((o.name as string).toLowerCase());
        if (g) o.name = g;
      }
      if (o.kind === 'NamedType') {
        const model = SIEMENS_TYPE_MAP[(o.name as string).toUpperCase()];
        if (model) {
          (o as unknown as NamedType & { sclName?: string }).sclName = o.name as string;
          o.name = model;
        }
      }
    }
    if (o.kind === 'Member' && o.memberSpan) {
      const q = quotedAt((o.memberSpan as Span).offset);
      if (q !== undefined) o.member = q;
    }
  });
}

/**
 * `#t.TON(IN := x, PT := T#1s)` on an IEC_TIMER multi-instance calls the
 * timer itself: the callee becomes `#t`, and a `t : IEC_TIMER` declared in
 * the same unit becomes the timer type the call names.
 */
function lowerInstanceCalls(unit: CompilationUnit): void {
  const kindOf = new Map<string, string>();
  eachObject(unit, (o) => {
    if (o.kind === 'Call') {
      const call = o as unknown as CallExpression;
      const callee = call.callee;
      if (callee.kind === 'Member' && INSTANCE_CALLS.has(callee.member.toUpperCase())) {
        const root = rootName(callee.object);
        if (root) kindOf.set(root.toLowerCase(), callee.member.toUpperCase());
        call.callee = callee.object;
      }
    }
  });
  if (kindOf.size === 0) return;
  forEachVarDecl(unit, (d) => {
    for (const nm of d.names) {
      const k = kindOf.get(nm.name.toLowerCase());
      if (k) retypeTimer(d.type, k);
    }
  });
}

function retypeTimer(t: TypeSpec, instruction: string): void {
  if (t.kind === 'ArrayType') retypeTimer(t.elementType, instruction);
  else if (t.kind === 'NamedType') {
    const scl = ((t as NamedType & { sclName?: string }).sclName ?? '').toUpperCase();
    if (scl === 'IEC_TIMER' || scl.startsWith('IEC_') || scl === 'IEC_COUNTER') t.name = instruction;
    if (scl === 'IEC_LTIMER') t.name = `L${instruction}`;
  }
}

function rootName(e: Expression): string | undefined {
  let x = e;
  while (x.kind === 'Index' || x.kind === 'Member') x = x.object;
  return x.kind === 'Identifier' ? x.name : undefined;
}

function forEachVarDecl(unit: CompilationUnit, visit: (d: VarDecl) => void): void {
  eachObject(unit, (o) => {
    if (o.kind === 'VarDecl') visit(o as unknown as VarDecl);
  });
}

/** S5TIME holds 0 .. 2h46m30s (999 units of the 10 s time base); a longer `S5T#` literal is an error, as in TIA Portal. */
const S5TIME_MAX_MS = 9_990_000;

/** The S5 time base of a duration: the finest of 10 ms, 100 ms, 1 s, 10 s whose 999 units hold it. */
function s5TimeBase(ms: number): number {
  return ms <= 9_990 ? 10 : ms <= 99_900 ? 100 : ms <= 999_000 ? 1000 : 10_000;
}

/**
 * An `S5T#` literal beyond 2h46m30s is an error; one finer than its time
 * base holds is truncated to the base, as the CPU stores it (`S5T#1234MS` is
 * 1230 ms), with a warning naming both (decision 0040).
 */
function checkS5Time(unit: CompilationUnit, text: string, diagnostics: Diagnostic[]): void {
  eachObject(unit, (o) => {
    if (o.kind === 'TimeLiteral') {
      const lit = o as unknown as TimeLiteral;
      const sp = lit.span;
      const raw = text.slice(sp.offset, sp.endOffset);
      if (!/^S5T/i.test(raw)) return;
      const ms = lit.ms;
      if (ms < 0 || ms > S5TIME_MAX_MS) {
        diagnostics.push(diagnostic('ST1018', sp, 'S5TIME', raw, 'the S5 format holds 0 .. 2h46m30s'));
        return;
      }
      const base = s5TimeBase(ms);
      const stored = Math.floor(ms / base) * base;
      if (stored === ms) return;
      lit.ms = stored;
      lit.ns = BigInt(stored) * 1_000_000n;
      diagnostics.push(diagnostic('ST3001', sp, raw, `S5TIME (${stored} ms, time base ${base} ms)`));
    }
  });
}

/**
 * `#w.%B1 := x;` (a byte, word or double word of a bit string written to)
 * becomes one bit assignment per bit of the slice, `w.%X8 := x.%X0; ...
 * w.%X15 := x.%X7;` (an integer literal gives its bits as TRUE/FALSE): the
 * IEC tree has bit access only, and the checker and the virtual PLC know it.
 * `x` is read once per bit (decision 0040).
 */
function lowerSliceWrites(unit: CompilationUnit, src: SclSource): void {
  if (src.sliceWrites.size === 0) return;
  const expand = (s: Statement): Statement[] | undefined => {
    if (s.kind !== 'Assignment' || s.operator !== ':=' || s.target.kind !== 'BitAccess') return undefined;
    const target = s.target;
    const slice = src.sliceWrites.get(target.bit.span.offset);
    if (!slice) return undefined;
    const sp = s.span;
    const lit = (n: number, at: Span): Expression => ({
      kind: 'IntegerLiteral',
      value: n,
      base: 10,
      raw: String(n),
      span: at,
    });
    const value = s.value;
    const constant = value.kind === 'IntegerLiteral' ? BigInt(value.value) : undefined;
    const out: Statement[] = [];
    for (let j = 0; j < slice.bits; j++) {
      const bit: Expression =
        constant !== undefined
          ? {
              kind: 'BoolLiteral',
              value: ((constant >> BigInt(j)) & 1n) === 1n,
              raw: ((constant >> BigInt(j)) & 1n) === 1n ? 'TRUE' : 'FALSE',
              span: value.span,
            }
          : { kind: 'BitAccess', object: value, bit: lit(j, value.span), explicit: true, span: value.span };
      out.push({
        kind: 'Assignment',
        operator: ':=',
        target: {
          kind: 'BitAccess',
          object: target.object,
          bit: lit(slice.index * slice.bits + j, target.bit.span),
          explicit: true,
          span: target.span,
        },
        value: bit,
        span: sp,
      });
    }
    return out;
  };
  eachObject(unit, (o) => {
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (!Array.isArray(v) || SPAN_KEYS.has(key)) continue;
      if (!v.some((x) => (x as { kind?: string })?.kind === 'Assignment')) continue;
      o[key] = (v as Statement[]).flatMap((x) => expand(x) ?? [x]);
    }
  });
}

/**
 * `c : Char := 'A';` (also `'$00'`, and the elements of an array of Char): a
 * one-character string start value of a Char is a character literal in SCL,
 * typed as `CHAR#'A'` would be; the text stays as written.
 */
function typeCharStarts(unit: CompilationUnit): void {
  const charType = (t: TypeSpec): string | undefined => {
    if (t.kind === 'ArrayType') return charType(t.elementType);
    const n = t.kind === 'NamedType' ? t.name.toUpperCase() : '';
    return n === 'CHAR' || n === 'WCHAR' ? n : undefined;
  };
  const mark = (init: Initializer | undefined, type: string): void => {
    if (!init) return;
    if (init.kind === 'ArrayInitializer') for (const el of init.elements) mark(el.value, type);
    else if (init.kind === 'StringLiteral' && !init.typeName && [...init.value].length === 1)
      init.typeName = type;
  };
  forEachVarDecl(unit, (d) => {
    const t = charType(d.type);
    if (t) mark(d.init, t);
  });
}

/** IEC elementary type names (a value of one is never a structure). */
const ELEMENTARY =
  /^(BOOL|BYTE|WORD|DWORD|LWORD|S?INT|U?[SDL]?INT|UINT|REAL|LREAL|L?TIME|DATE|TOD|TIME_OF_DAY|DT|DATE_AND_TIME|W?CHAR|W?STRING)$/i;

/** Structure types declared in `units`, by lower-case name. */
function structsOf(units: readonly CompilationUnit[]): Map<string, StructType> {
  const structs = new Map<string, StructType>();
  for (const unit of units)
    for (const d of unit.declarations)
      if (d.kind === 'TypeBlock')
        for (const t of d.types) if (t.type.kind === 'StructType') structs.set(t.name.toLowerCase(), t.type);
  return structs;
}

/**
 * Structure start values given by position in SCL units whose structure
 * type another unit of the project declares: named as {@link readScl} names
 * the ones whose type is in the same file. A project loader calls it once
 * all units are read, before checking.
 */
export function nameSclStartValues(units: readonly CompilationUnit[]): void {
  const pending = units.filter((u) => (INFO.get(u)?.positional.size ?? 0) > 0);
  if (pending.length === 0) return;
  const structs = structsOf(units);
  for (const u of pending) namePositionalValues(u, INFO.get(u)!.positional, structs);
}

/**
 * S7-300 SCL calls a function block through its instance data block as
 * `"FB"."DB"(...)`; the lowered tree reads that as a member `DB` of `FB`.
 * Where `FB` is a function block of the project (and no global of that
 * name), the call becomes the call of the instance `"DB"(...)`, as TIA writes
 * it, and a DB the project does not declare (STEP 7 creates it with the
 * call) becomes a global instance of `FB` at the call's DB name. A project
 * loader calls it once all units are read, before checking.
 */
export function callSclInstanceDbs(units: readonly CompilationUnit[]): void {
  const scl = units.filter((u) => u.format === 'scl');
  if (scl.length === 0) return;
  const fbs = new Map<string, string>();
  const globals = new Set<string>();
  for (const u of units)
    for (const d of u.declarations) {
      if (d.kind === 'FunctionBlock' && !d.isClass) fbs.set(d.name.toLowerCase(), d.name);
      if (d.kind === 'GlobalVarList')
        for (const b of d.varBlocks)
          for (const v of b.decls) for (const n of v.names) globals.add(n.name.toLowerCase());
    }
  if (fbs.size === 0) return;
  for (const u of scl) {
    const made: VarDecl[] = [];
    walk(u, (node) => {
      if (node.kind !== 'CallStatement') return;
      const callee = node.call.callee;
      if (callee.kind !== 'Member' || callee.object.kind !== 'Identifier') return;
      const fb = fbs.get(callee.object.name.toLowerCase());
      if (fb === undefined || globals.has(callee.object.name.toLowerCase())) return;
      node.call.callee = { kind: 'Identifier', name: callee.member, span: callee.memberSpan };
      if (globals.has(callee.member.toLowerCase())) return;
      globals.add(callee.member.toLowerCase());
      made.push({
        kind: 'VarDecl',
        names: [{ name: callee.member, span: callee.memberSpan }],
        type: { kind: 'NamedType', name: fb, span: callee.object.span },
        span: callee.span,
      });
    });
    if (made.length === 0) continue;
    const at = made[0]!.span;
    const block: VarBlock = {
      kind: 'VarBlock',
      section: 'VAR_GLOBAL',
      constant: false,
      retain: false,
      nonRetain: false,
      persistent: false,
      decls: made,
      span: at,
    };
    u.declarations.push({ kind: 'GlobalVarList', varBlocks: [block], span: at });
  }
}

/**
 * Structure start values given by position (`"udt" := (32, (), TRUE)`, read
 * as `[32, [], TRUE]`) get their member names from the structure type when
 * `structs` holds it (a TIA Portal export puts a UDT's dependencies in the
 * same file; {@link nameSclStartValues} adds the project's); `()` keeps a
 * member's default. A value whose structure is not known stays positional,
 * and the checker reports it.
 */
function namePositionalValues(
  unit: CompilationUnit,
  positional: ReadonlySet<number>,
  structs: ReadonlyMap<string, StructType>,
): void {
  if (positional.size === 0) return;
  const isPositional = (i: Initializer | undefined): i is ArrayInitializer =>
    i?.kind === 'ArrayInitializer' && positional.has(i.span.offset);
  const membersOf = (t: TypeSpec): { name: string; type: TypeSpec }[] | undefined => {
    const st =
      t.kind === 'StructType' ? t : t.kind === 'NamedType' ? structs.get(t.name.toLowerCase()) : undefined;
    return st?.members.flatMap((m) => m.names.map((nm) => ({ name: nm.name, type: m.type })));
  };
  const convert = (init: Initializer, type: TypeSpec): Initializer => {
    if (type.kind === 'ArrayType' && init.kind === 'ArrayInitializer') {
      for (const el of init.elements) if (el.value) el.value = convert(el.value, type.elementType);
      return init;
    }
    if (!isPositional(init)) return init;
    const members = membersOf(type);
    // only `()` all the way down: every member keeps its default, whatever the type declares
    const allDefault = (i: Initializer): boolean =>
      isPositional(i) &&
      i.elements.every((el) => !el.repeat && el.value !== undefined && allDefault(el.value));
    if (!members && allDefault(init)) return { kind: 'StructInitializer', fields: [], span: init.span };
    if (!members) {
      // `(5)` around a value of an elementary type is the value; another file's structure waits for the project
      const only = init.elements.length === 1 ? init.elements[0]!.value : undefined;
      const elementary = type.kind === 'NamedType' && ELEMENTARY.test(type.name);
      return only && elementary && !init.elements[0]!.repeat ? only : init;
    }
    const fields: FieldInitializer[] = [];
    init.elements.forEach((el, i) => {
      const m = members[i];
      if (!m || !el.value || (isPositional(el.value) && el.value.elements.length === 0)) return;
      // a value by position has no name in the file: an empty name span where the value starts
      const at = el.span;
      fields.push({
        kind: 'FieldInitializer',
        name: m.name,
        nameSpan: {
          file: at.file,
          line: at.line,
          column: at.column,
          offset: at.offset,
          endLine: at.line,
          endColumn: at.column,
          endOffset: at.offset,
        },
        value: convert(el.value, m.type),
        span: el.span,
      });
    });
    return { kind: 'StructInitializer', fields, span: init.span };
  };
  forEachVarDecl(unit, (d) => {
    if (d.init?.kind === 'ArrayInitializer') d.init = convert(d.init, d.type);
  });
}

/**
 * A variable declared over another (`b AT w : T`, or a member whose explicit
 * offset overlaps an earlier one) shares memory the virtual PLC does not
 * model: its type becomes `AT_OVERLAY`, a generic of the Siemens library, so
 * the checker accepts its uses and the simulator refuses the program naming
 * it. The declared type stays on the node as `declared` (decision 0040).
 */
function markOverlays(unit: CompilationUnit, src: SclSource): void {
  if (src.overlays.size === 0) return;
  forEachVarDecl(unit, (d) => {
    const over = d.names.find((nm) => src.overlays.has(nm.span.offset));
    if (!over) return;
    const type: NamedType & { declared?: TypeSpec; overlays?: string } = {
      kind: 'NamedType',
      name: 'AT_OVERLAY',
      span: d.type.span,
    };
    type.declared = d.type;
    type.overlays = src.overlays.get(over.span.offset)!;
    d.type = type;
  });
}

/** The parameters NORM_X and SCALE_X take, by name. */
function namedArgs(call: CallExpression): Map<string, Expression> | undefined {
  const m = new Map<string, Expression>();
  for (const a of call.args) {
    if (!a.name || !a.value || a.direction !== 'input') return undefined;
    m.set(a.name.toUpperCase(), a.value);
  }
  return m.has('MIN') && m.has('VALUE') && m.has('MAX') && m.size === 3 ? m : undefined;
}

function paren(e: Expression, span: Span): Expression {
  return { kind: 'Paren', expression: e, span };
}

function bin(op: '+' | '-' | '*' | '/', left: Expression, right: Expression, span: Span): Expression {
  return { kind: 'Binary', operator: op, left, right, span };
}

/**
 * NORM_X and SCALE_X become the arithmetic the TIA Portal help gives them,
 * in REAL: `NORM_X = (VALUE - MIN) / (MAX - MIN)`, `SCALE_X = VALUE * (MAX - MIN) + MIN`.
 * The call's span is kept on the expression, so an edit replaces the call.
 */
function lowerScaling(call: CallExpression): Expression | undefined {
  if (call.callee.kind !== 'Identifier') return undefined;
  const which = call.callee.name.toUpperCase();
  if (which !== 'NORM_X' && which !== 'SCALE_X') return undefined;
  const a = namedArgs(call);
  if (!a) return undefined;
  const sp = call.span;
  const min = paren(a.get('MIN')!, sp);
  const max = paren(a.get('MAX')!, sp);
  const value = paren(a.get('VALUE')!, sp);
  const range = paren(bin('-', max, min, sp), sp);
  // `* 1.0` makes integer operands REAL (NORM_X's result is REAL or LREAL)
  const one: Expression = { kind: 'RealLiteral', value: 1, raw: '1.0', span: sp };
  const e =
    which === 'NORM_X'
      ? bin('/', bin('*', paren(bin('-', value, min, sp), sp), one, sp), range, sp)
      : bin('+', bin('*', value, range, sp), min, sp);
  return paren(e, sp);
}

/**
 * Per block: `FUNCTION "f" : Void` has no result; a block that writes or
 * reads `ENO` gets the implicit BOOL output; NORM_X/SCALE_X become arithmetic.
 */
/** TIA's typed forms of generic instructions, `LIMIT_REAL`, `SCALE_X_REAL`, `MAX_DINT`: the generic one. */
const TYPED_GENERIC = new RegExp(
  `^(LIMIT|MIN|MAX|SEL|MUX|NORM_X|SCALE_X)_(${ELEMENTARY.source.slice(2, -2)})$`,
  'i',
);

function lowerBlocks(unit: CompilationUnit, src: SclSource): void {
  for (const d of unit.declarations) {
    if (d.kind !== 'Function' && d.kind !== 'FunctionBlock' && d.kind !== 'Program') continue;
    if (
      d.kind === 'Function' &&
      d.returnType?.kind === 'NamedType' &&
      d.returnType.name.toUpperCase() === 'VOID'
    )
      d.returnType = undefined;
    let usesEno = false;
    eachObject(d.body, (o) => {
      if (o.kind === 'Identifier' && (o.name as string).toUpperCase() === 'ENO') usesEno = true;
      for (const key of Object.keys(o)) {
        const v = o[key] as Record<string, unknown> | null;
        if (v?.kind !== 'Call' || SPAN_KEYS.has(key)) continue;
        const call = v as unknown as CallExpression;
        // an unquoted name is an instruction (TIA quotes the program's own blocks)
        const typed = call.callee.kind === 'Identifier' ? TYPED_GENERIC.exec(call.callee.name) : null;
        if (typed && call.callee.kind === 'Identifier' && !src.quoted.has(call.callee.span.offset))
          call.callee.name = typed[1]!.toUpperCase();
        const lowered = lowerScaling(call);
        if (lowered) o[key] = lowered;
      }
    });
    const declared = d.varBlocks.some((b) =>
      b.decls.some((v) => v.names.some((nm) => nm.name.toUpperCase() === 'ENO')),
    );
    if (usesEno && !declared && d.kind !== 'Program') {
      const span = d.nameSpan;
      d.varBlocks.push({
        kind: 'VarBlock',
        section: 'VAR_OUTPUT',
        constant: false,
        retain: false,
        nonRetain: false,
        persistent: false,
        decls: [
          {
            kind: 'VarDecl',
            names: [{ name: 'ENO', span }],
            type: { kind: 'NamedType', name: 'BOOL', span },
            span,
          },
        ],
        span,
      });
    }
  }
}

/**
 * Data blocks: the program holding a DB's BEGIN assignments is removed and
 * each `member := value;` becomes the member's initial value (on the
 * structure's member, or as a field of the instance's initialiser).
 */
function finishDataBlocks(unit: CompilationUnit, src: SclSource, diagnostics: Diagnostic[]): void {
  if (src.dataBlocks.length === 0) return;
  const inits = new Map<string, Statement[]>();
  const kept: TopLevelDeclaration[] = [];
  for (const d of unit.declarations) {
    if (d.kind === 'Program' && d.name.startsWith('__SCL_DBINIT_')) inits.set(d.name, d.body);
    else kept.push(d);
  }
  unit.declarations = kept;
  const structs = new Map<string, StructType>();
  const globals = new Map<string, VarDecl>();
  for (const d of kept) {
    if (d.kind === 'TypeBlock')
      for (const t of (d as TypeBlock).types) if (t.type.kind === 'StructType') structs.set(t.name, t.type);
    if (d.kind === 'GlobalVarList')
      for (const b of (d as GlobalVarList).varBlocks)
        for (const v of b.decls) for (const nm of v.names) globals.set(nm.name, v);
  }
  for (const db of src.dataBlocks) {
    const body = db.initProgram ? inits.get(db.initProgram) : undefined;
    if (!body || body.length === 0) continue;
    const st = db.structType ? structs.get(`"${db.name}"`) : undefined;
    const inst = globals.get(db.name);
    for (const s of body) {
      if (s.kind !== 'Assignment' || s.operator !== ':=') {
        diagnostics.push(
          diagnostic(
            'ST1001',
            s.span,
            `a start value \`member := value;\` of data block "${db.name}"`,
            s.kind,
          ),
        );
        continue;
      }
      const path = memberPath(s.target);
      const spans = memberSpans(s.target);
      if (!path) {
        // array elements and other targets: kept as the DB's actual values, not modelled
        continue;
      }
      if (st) {
        const [first, ...rest] = path;
        const decl = st.members.find((m) =>
          m.names.some((nm) => nm.name.toLowerCase() === first!.toLowerCase()),
        );
        if (!decl) continue;
        decl.init = rest.length === 0 ? s.value : withField(decl.init, rest, s.value, s.span, spans.slice(1));
      } else if (inst) {
        inst.init = withField(inst.init, path, s.value, s.span, spans);
      }
    }
  }
}

/** `a.b.c` as names; undefined for anything else (indexes, calls). */
function memberPath(e: Expression): string[] | undefined {
  if (e.kind === 'Identifier') return [e.name];
  if (e.kind === 'Member') {
    const p = memberPath(e.object);
    return p ? [...p, e.member] : undefined;
  }
  return undefined;
}

/** The spans of the names of `a.b.c`, in order (the identifier's, then each member's). */
function memberSpans(e: Expression): Span[] {
  if (e.kind === 'Identifier') return [e.span];
  if (e.kind === 'Member') return [...memberSpans(e.object), e.memberSpan];
  return [];
}

/** Sets `path` inside a structure initialiser, creating the levels it needs; `names` are the spans of the path's names. */
function withField(
  init: Initializer | undefined,
  path: string[],
  value: Expression,
  span: Span,
  names: Span[],
): Initializer {
  const target: StructInitializer =
    init && init.kind === 'StructInitializer' ? init : { kind: 'StructInitializer', fields: [], span };
  const [first, ...rest] = path;
  let f: FieldInitializer | undefined = target.fields.find(
    (x) => x.name.toLowerCase() === first!.toLowerCase(),
  );
  const v = rest.length === 0 ? value : withField(f?.value, rest, value, span, names.slice(1));
  if (f) f.value = v;
  else {
    f = { kind: 'FieldInitializer', name: first!, nameSpan: names[0] ?? span, value: v, span };
    target.fields.push(f);
  }
  return target;
}

/**
 * The checker's view of types (IEC 61131-3 §6.4) and its implicit
 * conversion rules. The virtual PLC and the safety verifier read these from
 * `CheckedProject`; they are plain data, compared structurally.
 */
import type {
  ConfigurationDecl,
  EnumType as EnumTypeNode,
  FunctionBlockDecl,
  FunctionDecl,
  InterfaceDecl,
  MethodDecl,
  ProgramDecl,
  PropertyDecl,
  StructType as StructTypeNode,
  UnionType as UnionTypeNode,
  VarDecl,
  VarSection,
} from './ast';

/** Elementary type names (§6.4.2), plus the TwinCAT machine-size aliases resolved to their 64-bit types. */
export type ElementaryName =
  | 'BOOL'
  | 'SINT'
  | 'INT'
  | 'DINT'
  | 'LINT'
  | 'USINT'
  | 'UINT'
  | 'UDINT'
  | 'ULINT'
  | 'BYTE'
  | 'WORD'
  | 'DWORD'
  | 'LWORD'
  | 'REAL'
  | 'LREAL'
  | 'TIME'
  | 'LTIME'
  | 'DATE'
  | 'LDATE'
  | 'TOD'
  | 'LTOD'
  | 'DT'
  | 'LDT'
  | 'CHAR'
  | 'WCHAR';

export type Type =
  | { kind: 'elementary'; name: ElementaryName }
  | { kind: 'string'; wide: boolean; length: number }
  | { kind: 'array'; dims: { low: number; high: number }[] | 'star'; element: Type }
  | { kind: 'pointer'; target: Type }
  | { kind: 'reference'; target: Type }
  | {
      kind: 'enum';
      name: string;
      base: Type;
      values: Map<string, { name: string; value: number | bigint }>;
      decl?: EnumTypeNode;
      /** `{attribute 'strict'}`: no value of another enumeration is assigned to it, not even with a warning. */
      strict?: boolean;
    }
  | {
      kind: 'struct';
      name: string;
      members: Map<string, VarSymbol>;
      decl?: StructTypeNode;
      union: boolean;
      unionDecl?: UnionTypeNode;
      /** `{attribute 'pack_mode' := 'n'}`: members aligned to at most n bytes. */
      packMode?: number;
    }
  | { kind: 'subrange'; base: Type; low: number; high: number }
  | { kind: 'fb'; pou: PouSymbol }
  | { kind: 'interface'; pou: PouSymbol }
  | { kind: 'program'; pou: PouSymbol }
  /** A function or method used as a value (callee). */
  | { kind: 'callable'; pou: PouSymbol }
  /** A GVL or library namespace (`GVL_Plant.x`). */
  | { kind: 'namespace'; name: string; members: Map<string, VarSymbol> }
  /** An untyped integer literal: converts to any integer/bit/real type it fits. */
  | { kind: 'int-literal'; value: number | bigint }
  /** An untyped real literal. */
  | { kind: 'real-literal' }
  | { kind: 'void' }
  /** The type of something already reported (or declared external): compatible with everything, so no cascade. */
  | { kind: 'error' };

/** A declared variable (or struct member, or FB parameter). */
export interface VarSymbol {
  name: string;
  /** Section it was declared in; struct members use 'VAR'. */
  section: VarSection;
  type: Type;
  constant: boolean;
  retain: boolean;
  persistent: boolean;
  decl: VarDecl;
  /** The POU that declares it; undefined for globals and struct members. */
  owner?: PouSymbol;
  /** GVL name for globals declared in a named list. */
  gvl?: string;
}

export type PouKind =
  | 'program'
  | 'function'
  | 'functionBlock'
  | 'method'
  | 'interface'
  | 'action'
  | 'property';

/** A program organisation unit, method, action or property with its resolved scope. */
export interface PouSymbol {
  kind: PouKind;
  name: string;
  decl?:
    | ProgramDecl
    | FunctionDecl
    | FunctionBlockDecl
    | MethodDecl
    | InterfaceDecl
    | PropertyDecl
    | import('./ast').ActionDecl;
  /** Variables by lower-case name (inputs, outputs, locals…; not inherited ones). */
  vars: Map<string, VarSymbol>;
  /** Inputs, in-outs and outputs in declaration order (positional call order, §6.6.1.7). */
  params: VarSymbol[];
  returnType?: Type;
  /** Base FB (EXTENDS) once resolved. */
  base?: PouSymbol;
  /** Interfaces implemented / extended, once resolved. */
  interfaces: PouSymbol[];
  methods: Map<string, PouSymbol>;
  properties: Map<string, PouSymbol>;
  actions: Map<string, PouSymbol>;
  /** Owning FB/program for methods, actions and properties. */
  parent?: PouSymbol;
  /** Built into the checker (standard library). */
  builtin: boolean;
  /** Declared externally (`@EXTERNAL`, an externals file): body not checked. */
  external: boolean;
  /** Source file, when declared in the project. */
  file?: string;
}

/** A CONFIGURATION with its resources, tasks and program bindings. */
export interface ConfigurationSymbol {
  name: string;
  decl: ConfigurationDecl;
}

export const T_BOOL: Type = { kind: 'elementary', name: 'BOOL' };
export const T_INT: Type = { kind: 'elementary', name: 'INT' };
export const T_DINT: Type = { kind: 'elementary', name: 'DINT' };
export const T_UDINT: Type = { kind: 'elementary', name: 'UDINT' };
export const T_REAL: Type = { kind: 'elementary', name: 'REAL' };
export const T_LREAL: Type = { kind: 'elementary', name: 'LREAL' };
export const T_TIME: Type = { kind: 'elementary', name: 'TIME' };
export const T_BYTE: Type = { kind: 'elementary', name: 'BYTE' };
export const T_STRING: Type = { kind: 'string', wide: false, length: 80 };
export const T_WSTRING: Type = { kind: 'string', wide: true, length: 80 };
export const T_ERROR: Type = { kind: 'error' };
export const T_VOID: Type = { kind: 'void' };

/** Bit width and signedness of the integer and bit-string types. */
const INT_INFO: Partial<Record<ElementaryName, { bits: number; signed: boolean; bit: boolean }>> = {
  SINT: { bits: 8, signed: true, bit: false },
  INT: { bits: 16, signed: true, bit: false },
  DINT: { bits: 32, signed: true, bit: false },
  LINT: { bits: 64, signed: true, bit: false },
  USINT: { bits: 8, signed: false, bit: false },
  UINT: { bits: 16, signed: false, bit: false },
  UDINT: { bits: 32, signed: false, bit: false },
  ULINT: { bits: 64, signed: false, bit: false },
  BYTE: { bits: 8, signed: false, bit: true },
  WORD: { bits: 16, signed: false, bit: true },
  DWORD: { bits: 32, signed: false, bit: true },
  LWORD: { bits: 64, signed: false, bit: true },
  CHAR: { bits: 8, signed: false, bit: true },
  WCHAR: { bits: 16, signed: false, bit: true },
};

export const ELEMENTARY: ReadonlyMap<string, Type> = new Map(
  (
    [
      'BOOL',
      'SINT',
      'INT',
      'DINT',
      'LINT',
      'USINT',
      'UINT',
      'UDINT',
      'ULINT',
      'BYTE',
      'WORD',
      'DWORD',
      'LWORD',
      'REAL',
      'LREAL',
      'TIME',
      'LTIME',
      'DATE',
      'LDATE',
      'TOD',
      'LTOD',
      'DT',
      'LDT',
      'CHAR',
      'WCHAR',
    ] as const
  ).map((n) => [n, { kind: 'elementary', name: n } as Type]),
);

/** Long spellings and vendor aliases of elementary types. */
export const TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['TIME_OF_DAY', 'TOD'],
  ['DATE_AND_TIME', 'DT'],
  ['LTIME_OF_DAY', 'LTOD'],
  ['LDATE_AND_TIME', 'LDT'],
  ['XINT', 'LINT'],
  ['UXINT', 'ULINT'],
  ['XWORD', 'LWORD'],
  ['__XINT', 'LINT'],
  ['__UXINT', 'ULINT'],
  ['__XWORD', 'LWORD'],
  ['BIT', 'BOOL'],
]);

/** Integer info (bits, signed, bit-string) or undefined. */
export function intInfo(t: Type): { bits: number; signed: boolean; bit: boolean } | undefined {
  const u = underlying(t);
  return u.kind === 'elementary' ? INT_INFO[u.name] : undefined;
}

/** Strips subranges and enums to the type values are stored in. */
export function underlying(t: Type): Type {
  if (t.kind === 'subrange') return underlying(t.base);
  return t;
}

export const isBool = (t: Type): boolean => t.kind === 'elementary' && t.name === 'BOOL';
export const isReal = (t: Type): boolean =>
  t.kind === 'real-literal' || (t.kind === 'elementary' && (t.name === 'REAL' || t.name === 'LREAL'));
export const isInteger = (t: Type): boolean => t.kind === 'int-literal' || intInfo(t) !== undefined;
export const isNumeric = (t: Type): boolean => isInteger(t) || isReal(t);
export const isTimeLike = (t: Type): boolean =>
  t.kind === 'elementary' && ['TIME', 'LTIME', 'DATE', 'LDATE', 'TOD', 'LTOD', 'DT', 'LDT'].includes(t.name);
export const isDuration = (t: Type): boolean =>
  t.kind === 'elementary' && (t.name === 'TIME' || t.name === 'LTIME');

/** Human name of a type, for messages (`INT`, `ARRAY[1..3] OF REAL`, `FB TON`). */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'elementary':
      return t.name;
    case 'string':
      return `${t.wide ? 'WSTRING' : 'STRING'}(${t.length})`;
    case 'array':
      return `ARRAY[${t.dims === 'star' ? '*' : t.dims.map((d) => `${d.low}..${d.high}`).join(', ')}] OF ${typeName(t.element)}`;
    case 'pointer':
      return `POINTER TO ${typeName(t.target)}`;
    case 'reference':
      return `REFERENCE TO ${typeName(t.target)}`;
    case 'enum':
    case 'struct':
      return t.name;
    case 'subrange':
      return `${typeName(t.base)}(${t.low}..${t.high})`;
    case 'fb':
    case 'interface':
    case 'program':
    case 'callable':
      return t.pou.name;
    case 'namespace':
      return t.name;
    case 'int-literal':
      return 'integer literal';
    case 'real-literal':
      return 'REAL literal';
    case 'void':
      return 'no value';
    case 'error':
      return '?';
  }
}

/** Outcome of an implicit conversion (§6.4.2 Figure 11, with the CODESYS leniencies as warnings). */
export type Conversion = 'ok' | 'lossy' | 'error';

function fitsLiteral(v: number | bigint, info: { bits: number; signed: boolean }): boolean {
  const b = BigInt(v);
  const bits = BigInt(info.bits);
  const min = info.signed ? -(1n << (bits - 1n)) : 0n;
  const max = info.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return b >= min && b <= max;
}

/** Can a value of type `from` be stored in `to` implicitly? */
export function convert(from: Type, to: Type): Conversion {
  if (from.kind === 'error' || to.kind === 'error') return 'ok';
  if (to.kind === 'reference') return convert(from, to.target);
  if (from.kind === 'reference') return convert(from.target, to);
  const f = underlying(from);
  const t = underlying(to);
  if (f === t) return 'ok';
  if (t.kind === 'void' || f.kind === 'void') return 'error';
  // untyped literals
  if (f.kind === 'int-literal') {
    const info = intInfo(t);
    if (info) return fitsLiteral(f.value, info) ? 'ok' : 'lossy';
    if (isReal(t)) return 'ok';
    if (t.kind === 'enum') return 'lossy';
    if (t.kind === 'pointer') return 'ok';
    if (isTimeLike(t)) return 'lossy';
    if (isBool(t)) return f.value === 0 || f.value === 1 ? 'ok' : 'error';
    // TwinCAT/CODESYS: 0 is the null interface reference (`itf := 0`, `IF itf <> 0`)
    if (t.kind === 'interface') return f.value === 0 || f.value === 0n ? 'ok' : 'error';
    return 'error';
  }
  if (f.kind === 'real-literal') {
    if (isReal(t)) return 'ok';
    if (isInteger(t)) return 'lossy';
    return 'error';
  }
  if (f.kind === 'elementary' && t.kind === 'elementary') {
    if (f.name === t.name) return 'ok';
    if (f.name === 'BOOL' || t.name === 'BOOL') {
      // BOOL into a bit string is a widening (§6.4.2: BOOL is ANY_BIT); the reverse loses data
      const ti = INT_INFO[t.name];
      if (f.name === 'BOOL' && ti?.bit) return 'ok';
      if (f.name === 'BOOL' && ti) return 'error';
      return 'error';
    }
    const fi = INT_INFO[f.name];
    const ti = INT_INFO[t.name];
    if (fi && ti) {
      if (ti.bits > fi.bits && (ti.signed || !fi.signed)) return 'ok';
      if (ti.bits === fi.bits && (fi.bit || ti.bit)) return 'ok';
      return 'lossy';
    }
    if (fi && isReal(t)) return t.name === 'LREAL' || fi.bits <= 16 ? 'ok' : 'lossy';
    if (isReal(f) && isReal(t)) return t.name === 'LREAL' ? 'ok' : 'lossy';
    if (isReal(f) && ti) return 'lossy';
    // time and date types: durations widen TIME → LTIME; bit strings hold them with a warning
    if (f.name === 'TIME' && t.name === 'LTIME') return 'ok';
    if (isTimeLike(f) && isTimeLike(t)) return 'lossy';
    if ((isTimeLike(f) && ti) || (fi && isTimeLike(t))) return 'lossy';
    return 'error';
  }
  if (f.kind === 'string' && t.kind === 'string') return f.wide === t.wide ? 'ok' : 'error';
  if (f.kind === 'enum') {
    // another enumeration is an integer to a non-strict one (CODESYS/TwinCAT compile it)
    if (t.kind === 'enum')
      return f.name.toLowerCase() === t.name.toLowerCase() ? 'ok' : t.strict ? 'error' : 'lossy';
    if (intInfo(t)) return 'ok';
    return 'error';
  }
  if (t.kind === 'enum') return intInfo(f) ? 'lossy' : 'error';
  if (f.kind === 'pointer' || t.kind === 'pointer') {
    // CODESYS lets pointers and machine-size integers mix (ADR results stored in DWORD/LWORD)
    if (f.kind === 'pointer' && t.kind === 'pointer') return 'ok';
    const other = f.kind === 'pointer' ? t : f;
    const info = intInfo(other);
    if (info && info.bits >= 32) return 'ok';
    return 'error';
  }
  if (f.kind === 'array' && t.kind === 'array') {
    if (convert(f.element, t.element) === 'error') return 'error';
    if (f.dims === 'star' || t.dims === 'star') return 'ok';
    if (f.dims.length !== t.dims.length) return 'error';
    for (let i = 0; i < f.dims.length; i++) {
      const a = f.dims[i]!;
      const b = t.dims[i]!;
      if (a.high - a.low !== b.high - b.low) return 'error';
    }
    return 'ok';
  }
  if (f.kind === 'struct' && t.kind === 'struct')
    return f.name.toLowerCase() === t.name.toLowerCase() ? 'ok' : 'error';
  if (f.kind === 'fb' && t.kind === 'fb') return derivesFrom(f.pou, t.pou) ? 'ok' : 'error';
  if (f.kind === 'fb' && t.kind === 'interface') return implementsInterface(f.pou, t.pou) ? 'ok' : 'error';
  if (f.kind === 'interface' && t.kind === 'interface')
    return implementsInterface(f.pou, t.pou) ? 'ok' : 'error';
  return 'error';
}

/** Is `pou` the same as or derived (EXTENDS) from `base`? */
function derivesFrom(pou: PouSymbol, base: PouSymbol): boolean {
  for (let p: PouSymbol | undefined = pou, n = 0; p && n < 64; p = p.base, n++) if (p === base) return true;
  return false;
}

/** Does the FB (or interface) implement `itf`, directly, through its base, or through interface inheritance? */
function implementsInterface(pou: PouSymbol, itf: PouSymbol): boolean {
  const seen = new Set<PouSymbol>();
  const stack: PouSymbol[] = [pou];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (p === itf) return true;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...p.interfaces);
    if (p.base) stack.push(p.base);
  }
  return false;
}

/** The common type of two numeric/bit operands (the wider one; REAL wins over integers). */
export function commonType(a: Type, b: Type): Type {
  const ua = underlying(a);
  const ub = underlying(b);
  if (ua.kind === 'error' || ub.kind === 'error') return T_ERROR;
  if (ua.kind === 'int-literal' && ub.kind === 'int-literal') {
    // typing needs no constant folding: keep the literal of larger magnitude
    const abs = (v: number | bigint): bigint => (BigInt(v) < 0n ? -BigInt(v) : BigInt(v));
    return abs(ua.value) >= abs(ub.value) ? ua : ub;
  }
  if (ua.kind === 'int-literal') return ub.kind === 'real-literal' ? T_REAL : ub;
  if (ub.kind === 'int-literal') return ua.kind === 'real-literal' ? T_REAL : ua;
  if (ua.kind === 'real-literal') return isReal(ub) ? ub : T_REAL;
  if (ub.kind === 'real-literal') return isReal(ua) ? ua : T_REAL;
  if (ua.kind === 'enum') return commonType(ua.base, ub);
  if (ub.kind === 'enum') return commonType(ua, ub.base);
  if (isReal(ua) || isReal(ub)) {
    if (
      (ua.kind === 'elementary' && ua.name === 'LREAL') ||
      (ub.kind === 'elementary' && ub.name === 'LREAL')
    )
      return T_LREAL;
    return T_REAL;
  }
  const ia = intInfo(ua);
  const ib = intInfo(ub);
  if (ia && ib) {
    if (ia.bits !== ib.bits) return ia.bits > ib.bits ? ua : ub;
    return ia.signed ? ua : ub;
  }
  return ua;
}

const ELEMENTARY_BYTES: Partial<Record<ElementaryName, number>> = {
  BOOL: 1,
  CHAR: 1,
  WCHAR: 2,
  REAL: 4,
  LREAL: 8,
  TIME: 4,
  LTIME: 8,
  DATE: 4,
  LDATE: 8,
  TOD: 4,
  LTOD: 8,
  DT: 4,
  LDT: 8,
};

/**
 * Size and alignment in bytes of a type as TwinCAT 3 lays data out on a 64-bit
 * target: every member aligned to its own alignment (at most 8), a structure
 * padded to a multiple of its largest alignment, pointers, references and
 * interfaces 8 bytes, `STRING(n)` n+1 bytes; `pack_mode` lowers a structure's
 * alignment. Undefined for what that does not settle (FBs, `ARRAY[*]`). The checker uses it
 * to fold `SIZEOF(T)` in array bounds (decision 0030); the simulator does not.
 */
export function layoutOf(t: Type): { size: number; align: number } | undefined {
  switch (t.kind) {
    case 'elementary': {
      const info = intInfo(t);
      const size = info ? info.bits / 8 : ELEMENTARY_BYTES[t.name];
      return size === undefined ? undefined : { size, align: size };
    }
    case 'string':
      return t.wide ? { size: 2 * (t.length + 1), align: 2 } : { size: t.length + 1, align: 1 };
    case 'pointer':
    case 'reference':
    case 'interface':
      return { size: 8, align: 8 };
    case 'enum':
    case 'subrange':
      return layoutOf(t.base);
    case 'array': {
      if (t.dims === 'star') return undefined;
      const el = layoutOf(t.element);
      if (!el) return undefined;
      const count = t.dims.reduce((n, d) => n * Math.max(0, d.high - d.low + 1), 1);
      return { size: count * el.size, align: el.align };
    }
    case 'struct': {
      let size = 0;
      let align = 1;
      for (const m of new Set(t.members.values())) {
        const l = layoutOf(m.type);
        if (!l) return undefined;
        const a = Math.min(l.align, t.packMode ?? 8);
        align = Math.max(align, a);
        if (t.union) size = Math.max(size, l.size);
        else size = Math.ceil(size / a) * a + l.size;
      }
      return { size: Math.ceil(size / align) * align, align };
    }
    default:
      return undefined;
  }
}

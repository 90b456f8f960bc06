/**
 * Names and operands: Logix tag references (`Tag.Member[i].5`, aliases,
 * module I/O like `Local:1:I.Data.3`, `S:FS`) and CPT expressions turned
 * into ST with their Logix types, over one scope (controller + program
 * tags, or an Add-On Instruction's parameters and local tags).
 */
import type { L5xAoi, L5xProgram, L5xProject, L5xTag } from './l5x-model';
import {
  INT_BITS,
  LOGIX_ELEMENTARY,
  type LogixType,
  PID_CTL_BITS,
  PREDEFINED_STRUCTS,
  predefinedMemberType,
} from './logix-types';

/** An operand or instruction the simulator does not model; `reason` names it. */
export class Unsupported extends Error {
  /** @param line the 0-based line of a Logix ST routine it happened on, when known */
  constructor(
    readonly reason: string,
    readonly line?: number,
  ) {
    super(reason);
    this.name = 'Unsupported';
  }
}

/** A declared name of the scope. */
export interface TagSymbol {
  /** Logix name as declared. */
  name: string;
  /** ST identifier. */
  iec: string;
  type: LogixType;
  tag?: L5xTag;
  /** For AOI parameters: Input, Output, InOut. */
  usage?: string;
  /** Module I/O or another name typed from its use, not from a declaration. */
  implicit?: boolean;
}

/** A translated operand. */
export interface Operand {
  /** ST text (an lvalue for references, except bits: see `bit`). */
  iec: string;
  type: LogixType;
  /** Root tag symbol of a reference (undefined for literals and expressions). */
  root?: TagSymbol;
  /** Bit of an integer (`Word.3`): ST cannot assign to it, so writers mask the word. */
  bit?: { word: string; wordType: string; n: number };
  literal?: number;
}

const IEC_RESERVED = new Set(
  (
    'ABS ACTION AND ANY ARRAY AT BY CASE CONFIGURATION CONSTANT DO ELSE ELSIF END_IF END_CASE END_FOR END_WHILE ' +
    'END_REPEAT EXIT FALSE FOR FROM FUNCTION FUNCTION_BLOCK IF INITIAL_STEP METHOD MOD NOT OF ON OR POINTER PROGRAM ' +
    'READ_ONLY READ_WRITE REFERENCE REPEAT RESOURCE RETAIN RETURN STEP STRUCT TASK THEN TO TRANSITION TRUE TYPE ' +
    'UNTIL VAR VAR_INPUT VAR_OUTPUT VAR_IN_OUT VAR_GLOBAL VAR_EXTERNAL VAR_TEMP WHILE WITH XOR BOOL SINT INT DINT ' +
    'LINT USINT UINT UDINT ULINT REAL LREAL TIME DATE STRING WSTRING BYTE WORD DWORD LWORD CONTINUE SUPER THIS ' +
    'INTERFACE IMPLEMENTS EXTENDS PROPERTY ABSTRACT FINAL PUBLIC PRIVATE PROTECTED INTERNAL OVERLAP NON_RETAIN ' +
    'TIMER COUNTER CONTROL FBD_TIMER TON TOF TP CTU CTD CTUD R_TRIG F_TRIG SR RS EN ENO'
  ).split(' '),
);

/** The ST identifier for a Logix name (module paths and reserved words get an `LX_` spelling). */
export function iecName(name: string): string {
  if (
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !IEC_RESERVED.has(name.toUpperCase()) &&
    !/__/.test(name) &&
    !name.endsWith('_')
  ) {
    return name;
  }
  return `LX_${name.replace(/[^A-Za-z0-9]/g, '_').replace(/_+/g, '_')}`;
}

/** ST spelling of a Logix type. */
export function iecType(t: LogixType): string {
  if (t.kind === 'elem') return LOGIX_ELEMENTARY[t.name] ?? t.name;
  if (t.kind === 'struct') {
    const up = t.name.toUpperCase();
    if (up === 'STRING') return 'LX_STRING';
    return PREDEFINED_STRUCTS[up] ? up : iecName(t.name);
  }
  return `ARRAY[${t.dims.map((d) => `0..${d - 1}`).join(', ')}] OF ${iecType(t.of)}`;
}

/** The Logix type of a tag declaration. */
export function tagType(dataType: string, dims: number[]): LogixType {
  const up = dataType.toUpperCase();
  const base: LogixType = LOGIX_ELEMENTARY[up]
    ? { kind: 'elem', name: up === 'BIT' ? 'BOOL' : up }
    : { kind: 'struct', name: dataType };
  return dims.length > 0 ? { kind: 'array', of: base, dims } : base;
}

/** Is this Logix type numeric (integer or real)? */
export function isNumeric(t: LogixType): boolean {
  return t.kind === 'elem' && t.name !== 'BOOL';
}

export function isReal(t: LogixType): boolean {
  return t.kind === 'elem' && (t.name === 'REAL' || t.name === 'LREAL');
}

/**
 * Structures the export does not define (module-defined I/O types such as
 * `AB:E300:O:1`, UDTs left out of a partial export): their members are typed
 * from their use, once per project, so every scope and both renderings agree.
 */
const typedFromUse = new WeakMap<L5xProject, Map<string, Map<string, { name: string; type: LogixType }>>>();

/** Resolves names of one scope and the members of its structures. */
export class LogixScope {
  private readonly names = new Map<string, TagSymbol>();
  /** Structure members by lower-case structure name. */
  readonly structs = new Map<string, Map<string, { name: string; type: LogixType }>>();
  /** Structure types the scope uses (for declarations), predefined or user. */
  readonly usedStructs = new Set<string>();
  readonly aoiNames = new Map<string, L5xAoi>();

  /**
   * @param logix render operands as Logix ST writes them (names as declared, conversions
   *   implicit) instead of as the simulator's ST
   */
  constructor(
    readonly project: L5xProject,
    readonly program?: L5xProgram,
    readonly aoi?: L5xAoi,
    readonly logix = false,
  ) {
    for (const [n, members] of Object.entries(PREDEFINED_STRUCTS)) {
      this.structs.set(
        n.toLowerCase(),
        new Map(
          members
            .filter(([m]) => !m.startsWith('LX_'))
            .map(([m, t]) => {
              const pt = predefinedMemberType(t);
              return [m.toLowerCase(), { name: m, type: tagType(pt.name, pt.dims) }];
            }),
        ),
      );
    }
    for (const d of project.dataTypes) {
      this.structs.set(
        d.name.toLowerCase(),
        new Map(
          d.members
            .filter((m) => !m.hidden)
            .map((m) => [
              m.name.toLowerCase(),
              { name: m.name, type: tagType(m.dataType, m.dimension > 0 ? [m.dimension] : []) },
            ]),
        ),
      );
    }
    for (const a of project.aois) {
      this.aoiNames.set(a.name.toLowerCase(), a);
      this.structs.set(
        a.name.toLowerCase(),
        new Map(
          a.parameters
            .filter((p) => p.usage !== 'InOut')
            .map((p) => [
              p.name.toLowerCase(),
              { name: p.name, type: tagType(p.dataType ?? 'DINT', p.dimensions) },
            ]),
        ),
      );
    }
    if (aoi) {
      for (const p of aoi.parameters) this.add(p, p.usage);
      for (const p of aoi.localTags) this.add(p);
    } else {
      for (const t of project.tags) this.add(t);
      for (const t of program?.tags ?? []) this.add(t);
    }
  }

  private add(t: L5xTag, usage?: string): void {
    const sym: TagSymbol = {
      name: t.name,
      iec: iecName(t.name),
      type: t.dataType ? tagType(t.dataType, t.dimensions) : { kind: 'elem', name: 'DINT' },
      tag: t,
      ...(usage ? { usage } : {}),
    };
    this.names.set(t.name.toLowerCase(), sym);
  }

  /** Every symbol referenced so far, and declared ones. */
  symbols(): TagSymbol[] {
    return [...this.names.values()];
  }

  lookup(name: string): TagSymbol | undefined {
    return this.names.get(name.toLowerCase());
  }

  /** Declares a new tag (a conversion's FBD_TIMER or temporary) in this scope. */
  declareNew(name: string, dataType: string): TagSymbol {
    const sym: TagSymbol = { name, iec: iecName(name), type: tagType(dataType, []) };
    this.names.set(name.toLowerCase(), sym);
    return sym;
  }

  /** A name typed from its use (module I/O, which the export does not declare as tags). */
  implicit(name: string, type: LogixType): TagSymbol {
    const key = name.toLowerCase();
    const have = this.names.get(key);
    if (have) return have;
    const sym: TagSymbol = { name, iec: iecName(name), type, implicit: true };
    this.names.set(key, sym);
    return sym;
  }

  member(t: LogixType, name: string): { name: string; type: LogixType } | undefined {
    if (t.kind !== 'struct') return undefined;
    return this.structs.get(t.name.toLowerCase())?.get(name.toLowerCase());
  }

  /** Is this a structure the file does not define (typed from use)? */
  undefinedStruct(t: LogixType): boolean {
    if (t.kind !== 'struct') return false;
    const key = t.name.toLowerCase();
    const have = this.structs.get(key);
    return !have || typedFromUse.get(this.project)?.get(key) === have;
  }

  /**
   * A member of an undefined structure, typed from its use: `want` where the instruction
   * says (BOOL for bit instructions), DINT otherwise. A member used as two types is refused.
   */
  memberFromUse(t: { name: string }, name: string, want: LogixType): { name: string; type: LogixType } {
    const key = t.name.toLowerCase();
    let all = typedFromUse.get(this.project);
    if (!all) {
      all = new Map();
      typedFromUse.set(this.project, all);
    }
    let members = all.get(key);
    if (!members) {
      members = new Map();
      all.set(key, members);
    }
    this.structs.set(key, members);
    const have = members.get(name.toLowerCase());
    if (have) {
      if (iecType(have.type) !== iecType(want)) {
        throw new Unsupported(
          `member ${name} of ${t.name} used as ${iecType(have.type)} and ${iecType(want)}`,
        );
      }
      return have;
    }
    const m = { name, type: want };
    members.set(name.toLowerCase(), m);
    return m;
  }

  /** Marks a structure (and the structures inside it) as used. */
  use(t: LogixType): void {
    if (t.kind === 'array') {
      this.use(t.of);
      return;
    }
    if (t.kind !== 'struct' || this.usedStructs.has(t.name)) return;
    const key = t.name.toLowerCase();
    if (!this.structs.has(key)) {
      const shared = typedFromUse.get(this.project)?.get(key);
      if (!shared) {
        // declared but never reached through a member: an empty structure of its own
        this.memberFromUse(t, 'LX_UNUSED', ELEM('BOOL'));
      } else this.structs.set(key, shared);
    }
    this.usedStructs.add(t.name);
    for (const m of this.structs.get(key)?.values() ?? []) this.use(m.type);
  }
}

const ELEM = (name: string): LogixType => ({ kind: 'elem', name });

/** Parses a number as Logix writes immediates: `5`, `-2.5`, `16#FF`, `2#0101`, `1.0e3`. */
function immediate(s: string): { iec: string; type: LogixType; value: number } | undefined {
  const t = s.replace(/_/g, '');
  const radix = /^([+-]?)(2|8|16)#([0-9A-Fa-f]+)$/.exec(t);
  if (radix) {
    const v = Number.parseInt(radix[3] as string, Number(radix[2])) * (radix[1] === '-' ? -1 : 1);
    const w = v >= 2 ** 31 && v < 2 ** 32 ? v - 2 ** 32 : v;
    return { iec: String(w), type: ELEM('DINT'), value: w };
  }
  if (/^[+-]?\d+$/.test(t)) return { iec: String(Number(t)), type: ELEM('DINT'), value: Number(t) };
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(t)) {
    const v = Number(t);
    const txt = Number.isInteger(v) ? `${v}.0` : String(v);
    return { iec: txt, type: ELEM('REAL'), value: v };
  }
  return undefined;
}

/** Translates a tag reference. `want` types module I/O and is the type a bit context expects. */
export function reference(scope: LogixScope, text: string, want?: LogixType): Operand {
  const s = text.trim();
  if (/^S:FS$/i.test(s)) return { iec: scope.logix ? 'S:FS' : 'LX_FS', type: ELEM('BOOL') };
  if (/^S:/i.test(s)) throw new Unsupported(`status flag ${s}`);
  const m = /^(\\?[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*)/.exec(s);
  if (!m) throw new Unsupported(`operand '${s}'`);
  let head = m[1] as string;
  if (head.startsWith('\\')) throw new Unsupported(`program-scoped reference ${head}`);
  let rest = s.slice(head.length);
  let sym = scope.lookup(head);
  if (sym?.tag?.tagType === 'Alias' && sym.tag.aliasFor) {
    return reference(scope, sym.tag.aliasFor + rest, want);
  }
  if (!sym) {
    if (!head.includes(':')) throw new Unsupported(`tag ${head} is not declared`);
    // Module I/O (`Local:2:I.Data.5`) is not declared as a tag in the export: the whole path is
    // one variable of the type its use asks for.
    head = s;
    rest = '';
    sym = scope.implicit(head, want ?? ELEM('DINT'));
  }
  let iec = scope.logix ? sym.name : sym.iec;
  let type = sym.type;
  let bit: Operand['bit'];
  let p = 0;
  while (p < rest.length) {
    const c = rest[p];
    if (c === '.') {
      const mm = /^\.([A-Za-z_][A-Za-z0-9_]*|\d+)/.exec(rest.slice(p));
      if (!mm) throw new Unsupported(`operand '${s}'`);
      const name = mm[1] as string;
      p += mm[0].length;
      if (/^\d+$/.test(name)) {
        const n = Number(name);
        const bits = type.kind === 'elem' ? INT_BITS[type.name] : undefined;
        if (!bits || n >= bits) throw new Unsupported(`bit ${name} of ${iec}`);
        if (p < rest.length) throw new Unsupported(`operand '${s}'`);
        bit = { word: iec, wordType: (type as { name: string }).name, n };
        iec = `${iec}.${n}`;
        type = ELEM('BOOL');
        continue;
      }
      const pidBit =
        type.kind === 'struct' && type.name.toUpperCase() === 'PID'
          ? PID_CTL_BITS[name.toUpperCase()]
          : undefined;
      if (pidBit !== undefined) {
        if (p < rest.length) throw new Unsupported(`operand '${s}'`);
        bit = { word: `${iec}.CTL`, wordType: 'DINT', n: pidBit };
        iec = scope.logix ? `${iec}.${name}` : `${iec}.CTL.${pidBit}`;
        type = ELEM('BOOL');
        continue;
      }
      let mem = scope.member(type, name);
      if (!mem && type.kind === 'struct' && scope.undefinedStruct(type)) {
        const last = p >= rest.length;
        // `Module:O.Pt02.Data`: a member with members of its own is an undefined structure too
        const nested: LogixType = { kind: 'struct', name: `${type.name}.${name}` };
        mem = scope.memberFromUse(
          type,
          name,
          last && want ? want : /^\.[A-Za-z_]/.test(rest.slice(p)) ? nested : ELEM('DINT'),
        );
      }
      if (!mem)
        throw new Unsupported(
          `member ${name} of ${iec} (${type.kind === 'struct' ? type.name : 'not a structure'})`,
        );
      // Predefined structures keep their member names; user types' members may need an ST spelling.
      const predefined = type.kind === 'struct' && PREDEFINED_STRUCTS[type.name.toUpperCase()];
      iec = `${iec}.${scope.logix || predefined ? mem.name : iecName(mem.name)}`;
      type = mem.type;
    } else if (c === '[') {
      let depth = 0;
      let q = p;
      for (; q < rest.length; q++) {
        if (rest[q] === '[') depth++;
        else if (rest[q] === ']' && --depth === 0) break;
      }
      const inner = rest.slice(p + 1, q);
      if (type.kind !== 'array') throw new Unsupported(`index of ${iec}, which is not an array`);
      const idx = splitTop(inner).map((x) => {
        const e = expression(scope, x);
        if (isReal(e.type)) throw new Unsupported(`REAL index in ${s}`);
        return scope.logix ? e.iec : convert(e, ELEM('DINT'));
      });
      iec = `${iec}[${idx.join(', ')}]`;
      type = type.of;
      p = q + 1;
    } else throw new Unsupported(`operand '${s}'`);
  }
  return { iec, type, root: sym, ...(bit ? { bit } : {}) };
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** `TRUE` / `FALSE` (Logix ST writes them; a ladder operand is 1 or 0), else undefined. */
function boolLiteral(text: string): Operand | undefined {
  const up = text.toUpperCase();
  if (up !== 'TRUE' && up !== 'FALSE') return undefined;
  // no `literal`: a literal converts by its text, and TRUE is no integer's text
  return { iec: up, type: ELEM('BOOL') };
}

/** A source operand: an immediate or a reference. */
export function source(scope: LogixScope, text: string, want?: LogixType): Operand {
  const t = text.trim();
  if (t === '?' || t === '??' || t === '') throw new Unsupported('an operand left unset (?)');
  const imm = immediate(t);
  if (imm) return { iec: imm.iec, type: imm.type, literal: imm.value };
  const bool = boolLiteral(t);
  if (bool) return bool;
  if (/^[A-Za-z_\\]/.test(t) && /^[A-Za-z0-9_:.[\]\\, ]+$/.test(t) && !/\s[A-Za-z]/.test(t)) {
    return reference(scope, t, want);
  }
  return expression(scope, t);
}

/** Converts an operand's ST to type `to` (Logix converts silently; ST needs it spelled). */
export function convert(
  o: { iec: string; type: LogixType; literal?: number },
  to: LogixType,
  logix = false,
): string {
  if (logix) return o.iec;
  if (o.type.kind !== 'elem' || to.kind !== 'elem' || o.type.name === to.name) return o.iec;
  if (o.literal !== undefined && !isReal(o.type) && !isReal(to) && to.name !== 'BOOL') return o.iec;
  if (o.literal !== undefined && isReal(to)) return Number.isInteger(o.literal) ? `${o.literal}.0` : o.iec;
  if (to.name === 'BOOL') return `(${o.iec} <> 0)`;
  if (o.type.name === 'BOOL') return `BOOL_TO_${to.name}(${o.iec})`;
  // Logix rounds a REAL into an integer to the nearest, a tie to the even one (2.5 -> 2).
  if (isReal(o.type) && !isReal(to)) return `TO_${to.name}(LX_RNE(TO_LREAL(${o.iec})))`;
  return `TO_${to.name}(${o.iec})`;
}

/** The type Logix computes a binary operation in: REAL if any operand is, else DINT (LINT if any is). */
export function mathType(...ts: LogixType[]): LogixType {
  if (ts.some((t) => t.kind === 'elem' && t.name === 'LREAL')) return ELEM('LREAL');
  if (ts.some(isReal)) return ELEM('REAL');
  if (ts.some((t) => t.kind === 'elem' && t.name === 'LINT')) return ELEM('LINT');
  return ELEM('DINT');
}

const FUNCS: Record<string, string> = {
  ABS: 'ABS',
  SQR: 'SQRT',
  SQRT: 'SQRT',
  SIN: 'SIN',
  COS: 'COS',
  TAN: 'TAN',
  ASN: 'ASIN',
  ACS: 'ACOS',
  ATN: 'ATAN',
  LN: 'LN',
  LOG: 'LOG',
  TRN: 'TRUNC',
};

interface Tok {
  k: 'num' | 'ref' | 'op' | '(' | ')' | 'fn';
  s: string;
}

function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  let p = 0;
  while (p < text.length) {
    const c = text[p] as string;
    if (/\s/.test(c)) {
      p++;
      continue;
    }
    const rest = text.slice(p);
    const num = /^(\d+#[0-9A-Fa-f_]+|\d[\d_]*(\.\d*)?([eE][+-]?\d+)?|\.\d+)/.exec(rest);
    if (num) {
      out.push({ k: 'num', s: num[0] });
      p += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_\\][A-Za-z0-9_]*(:[A-Za-z0-9_]+)*/.exec(rest);
    if (word) {
      const w = word[0];
      const up = w.toUpperCase();
      p += w.length;
      if (['AND', 'OR', 'XOR', 'NOT', 'MOD'].includes(up)) {
        out.push({ k: 'op', s: up });
        continue;
      }
      let q = p;
      while (q < text.length && /\s/.test(text[q] as string)) q++;
      if (text[q] === '(' && FUNCS[up]) {
        out.push({ k: 'fn', s: up });
        continue;
      }
      if (text[q] === '(') throw new Unsupported(`function ${w} in an expression`);
      // member, bit and index suffixes belong to the reference
      let r = p;
      for (;;) {
        const mm = /^\.([A-Za-z_][A-Za-z0-9_]*|\d+)/.exec(text.slice(r));
        if (mm) {
          r += mm[0].length;
          continue;
        }
        if (text[r] === '[') {
          let depth = 0;
          for (; r < text.length; r++) {
            if (text[r] === '[') depth++;
            else if (text[r] === ']' && --depth === 0) break;
          }
          r++;
          continue;
        }
        break;
      }
      out.push({ k: 'ref', s: text.slice(p - w.length, r) });
      p = r;
      continue;
    }
    const op = /^(\*\*|<=|>=|<>|\|\||&&|[+\-*/=<>&|])/.exec(rest);
    if (op) {
      out.push({
        k: 'op',
        s: op[0] === '&' || op[0] === '&&' ? 'AND' : op[0] === '|' || op[0] === '||' ? 'OR' : op[0],
      });
      p += op[0].length;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ k: c, s: c });
      p++;
      continue;
    }
    throw new Unsupported(`'${c}' in the expression ${text}`);
  }
  return out;
}

/** Expression node types for CPT and compare expressions. */
type Ex = { iec: string; type: LogixType; literal?: number };

const PREC: Record<string, number> = {
  OR: 1,
  XOR: 2,
  AND: 3,
  '=': 4,
  '<>': 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  MOD: 7,
  '**': 8,
};

/** Translates a Logix expression (CPT, CMP) to ST, with the type Logix computes it in. */
export function expression(scope: LogixScope, text: string): Operand {
  const toks = tokens(text);
  let i = 0;
  const primary = (): Ex => {
    const t = toks[i++];
    if (!t) throw new Unsupported(`expression ${text} ends early`);
    if (t.k === 'num') {
      const imm = immediate(t.s);
      if (!imm) throw new Unsupported(`number ${t.s}`);
      return { iec: imm.iec, type: imm.type, literal: imm.value };
    }
    if (t.k === 'ref') return boolLiteral(t.s) ?? reference(scope, t.s);
    if (t.k === '(') {
      const e = binary(0);
      if (toks[i++]?.k !== ')') throw new Unsupported(`unbalanced parentheses in ${text}`);
      return { iec: `(${e.iec})`, type: e.type };
    }
    if (t.k === 'fn') {
      i++;
      const a = binary(0);
      if (toks[i++]?.k !== ')') throw new Unsupported(`unbalanced parentheses in ${text}`);
      if (t.s === 'ABS') return { iec: `ABS(${a.iec})`, type: mathType(a.type) };
      const r = mathType(a.type, ELEM('REAL'));
      return { iec: `${FUNCS[t.s]}(${convert(a, r, scope.logix)})`, type: r };
    }
    if (t.k === 'op' && t.s === '-') {
      const a = unary();
      if (a.literal !== undefined) return { iec: `-${a.iec}`, type: a.type, literal: -a.literal };
      const ty = mathType(a.type);
      return { iec: `-${convert(a, ty, scope.logix)}`, type: ty };
    }
    if (t.k === 'op' && t.s === 'NOT') {
      const a = unary();
      const ty = a.type.kind === 'elem' && a.type.name === 'BOOL' ? a.type : mathType(a.type);
      return { iec: `NOT ${convert(a, ty, scope.logix)}`, type: ty };
    }
    throw new Unsupported(`'${t.s}' in the expression ${text}`);
  };
  const unary = primary;
  const binary = (min: number): Ex => {
    let left = unary();
    for (;;) {
      const t = toks[i];
      if (t?.k !== 'op') return left;
      const prec = PREC[t.s];
      if (prec === undefined || prec <= min) return left;
      i++;
      const right = binary(prec);
      const op = t.s;
      if (['=', '<>', '<', '<=', '>', '>='].includes(op)) {
        const ty = mathType(left.type, right.type);
        left = {
          iec: `${convert(left, ty, scope.logix)} ${op} ${convert(right, ty, scope.logix)}`,
          type: ELEM('BOOL'),
        };
      } else if (op === '**') {
        const ty = mathType(left.type, right.type, ELEM('REAL'));
        left = scope.logix
          ? { iec: `${left.iec} ** ${right.iec}`, type: ty }
          : { iec: `EXPT(${convert(left, ty)}, ${convert(right, ty)})`, type: ty };
      } else if (
        ['AND', 'OR', 'XOR'].includes(op) &&
        left.type.kind === 'elem' &&
        left.type.name === 'BOOL' &&
        right.type.kind === 'elem' &&
        right.type.name === 'BOOL'
      ) {
        left = { iec: `${left.iec} ${op} ${right.iec}`, type: ELEM('BOOL') };
      } else {
        const ty = mathType(left.type, right.type);
        left = {
          iec: `${convert(left, ty, scope.logix)} ${op} ${convert(right, ty, scope.logix)}`,
          type: ty,
        };
      }
    }
  };
  const e = binary(0);
  if (i < toks.length) throw new Unsupported(`'${toks[i]?.s}' in the expression ${text}`);
  return e;
}

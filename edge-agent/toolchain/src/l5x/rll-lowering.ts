/**
 * Ladder (RLL) semantics on the virtual PLC: each rung becomes ST that
 * follows the Logix execution model literally. A rung-condition variable
 * flows left to right; input instructions AND into it, output instructions
 * act on it; a branch starts every leg from the condition at its left rail
 * and ORs the legs. Prescan (before the first scan) runs each instruction's
 * prescan action. Instructions that are not modelled are refused by name.
 * Facts: Rockwell Logix 5000 General Instructions reference (1756-RM003).
 */
import type { L5xAoi, L5xProgram, L5xRoutine } from './l5x-model';
import {
  convert,
  iecName,
  isNumeric,
  isReal,
  type LogixScope,
  mathType,
  type Operand,
  reference,
  source,
  type TagSymbol,
  tagType,
  Unsupported,
} from './logix-operands';
import { lowerLogixSt, type StLoweringHost } from './logix-st';
import {
  lowerStringInstruction,
  STRING_INSTRUCTIONS_MODELLED,
  STRING_INSTRUCTIONS_REFUSED,
  stringSize,
} from './logix-strings';
import { INT_BITS, type LogixType } from './logix-types';
import { parseRung, type RllElement, type RllInstruction, RllSyntaxError } from './rll-parser';
import { childEl, childEls, type XElement } from './xml-scanner';

const BOOL: LogixType = { kind: 'elem', name: 'BOOL' };
const DINT: LogixType = { kind: 'elem', name: 'DINT' };

/** The instructions this module models (AOI calls aside). */
export const MODELLED_INSTRUCTIONS = [
  'XIC',
  'XIO',
  'OTE',
  'OTL',
  'OTU',
  'ONS',
  'OSR',
  'OSF',
  'TON',
  'TOF',
  'RTO',
  'CTU',
  'CTD',
  'RES',
  'EQU',
  'NEQ',
  'LES',
  'LEQ',
  'GRT',
  'GEQ',
  'LIM',
  'MEQ',
  'CMP',
  'ADD',
  'SUB',
  'MUL',
  'DIV',
  'MOD',
  'NEG',
  'CPT',
  'MOV',
  'MVM',
  'CLR',
  'COP',
  'CPS',
  'FLL',
  'SIZE',
  'SCP',
  'JSR',
  'SBR',
  'RET',
  'AFI',
  'NOP',
  'JMP',
  'LBL',
  ...STRING_INSTRUCTIONS_MODELLED,
] as const;

/** What lowering one routine (and what it calls) produced. */
export interface LoweredCode {
  body: string[];
  prescan: string[];
  /** Temporaries to declare (BOOL unless given). */
  temps: Map<string, string>;
  reads: Set<TagSymbol>;
  writes: Set<TagSymbol>;
  /** Timer presets seen (ms): the equivalence check holds inputs long enough for them. */
  presets: Set<number>;
  /** AOIs called (their FUNCTION_BLOCKs must be declared). */
  aois: Set<L5xAoi>;
  /**
   * Where the body comes from: from `index` of `body` on, the element at `offset` of the file
   * (a rung, a line of a Logix ST routine), in body order. Findings about a model statement
   * cite the file by it.
   */
  origins: { index: number; offset: number }[];
}

/**
 * Refusal with the place it happened. `offset` is the failing instruction's offset in the
 * rung text (for a rung), `line` the 0-based line of a Logix ST routine, when known.
 */
export class LoweringError extends Error {
  constructor(
    readonly reason: string,
    readonly where: string,
    readonly offset?: number,
    readonly line?: number,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'LoweringError';
  }
}

/**
 * MOV between two strings of the same string type copies the whole string, its LEN and its
 * characters (Logix controllers that accept string operands in MOV): the same as COP of one
 * element, which is how both sides model it and how the ST writes it (`COP(Src, Dest, 1);`).
 */
/** Is this STRING or a user string type (`Family="StringFamily"`)? */
function isStringType(scope: LogixScope, t: LogixType): boolean {
  return stringSize(scope, t) !== undefined;
}

export function stringMoveAsCopy(scope: LogixScope, ins: RllInstruction): RllInstruction {
  if (ins.name !== 'MOV' || ins.operands.length !== 2) return ins;
  const isString = (t: LogixType) => isStringType(scope, t);
  let s: LogixType;
  let d: LogixType;
  try {
    s = source(scope, ins.operands[0] as string).type;
    d = reference(scope, ins.operands[1] as string).type;
  } catch {
    return ins;
  }
  if (!isString(s) || !isString(d)) return ins;
  return { ...ins, name: 'COP', operands: [ins.operands[0] as string, ins.operands[1] as string, '1'] };
}

/** A REAL literal's text for a constant operand (`0` → `0.0`), or undefined when it has no plain form. */
function realLiteral(v: number): string | undefined {
  const t = String(v);
  if (/e/i.test(t) || !Number.isFinite(v)) return undefined;
  const r = t.includes('.') ? t : `${t}.0`;
  return v < 0 ? `(${r})` : r;
}

/**
 * SCP (Scale with Parameters, 1756-RM003; the formula as Rockwell's MicroLogix reference
 * 1762-RM001 prints it): on a true rung Dest := (In - In Min) * (Scaled Max - Scaled Min) /
 * (In Max - In Min) + Scaled Min, computed in REAL, not clamped (an In outside its range scales
 * outside the scaled one), then stored into Dest as any REAL result is (an integer Dest rounds to
 * the nearest, a tie to the even one). Written as that CPT, which both the model and the ST run.
 * Every subtraction has a REAL side, so a DINT input does not compute in integers: a constant is
 * written as a REAL literal, and an integer tag is accepted only as In (In - a REAL In Min).
 * Refused: In Min or In Max not a constant, or the two equal: what Logix stores when they are
 * equal (a division by zero) was not found documented, so it is not guessed.
 */
export function scpAsCpt(scope: LogixScope, ins: RllInstruction): RllInstruction {
  if (ins.name !== 'SCP') return ins;
  if (ins.operands.length !== 6) throw new Unsupported('SCP needs 6 operands');
  const [input, inMin, inMax, scaledMin, scaledMax, dest] = ins.operands.map((o) => o.trim()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const real = (text: string, role: string): string => {
    const o = source(scope, text);
    if (!isNumeric(o.type)) throw new Unsupported(`SCP on non-numeric operands (${role} ${text})`);
    if (o.literal !== undefined) {
      const r = realLiteral(o.literal);
      if (r === undefined) throw new Unsupported(`SCP ${role} ${text}: no plain REAL literal for it`);
      return r;
    }
    if (isReal(o.type) || role === 'In') return text;
    throw new Unsupported(
      `SCP ${role} ${text} is an integer tag (the ST would subtract in integers where SCP computes in REAL)`,
    );
  };
  const lo = source(scope, inMin).literal;
  const hi = source(scope, inMax).literal;
  if (lo === undefined || hi === undefined)
    throw new Unsupported(
      'SCP with an In Min or In Max that is not a constant (what Logix stores when they are equal is not documented)',
    );
  if (Math.fround(lo) === Math.fround(hi))
    throw new Unsupported(
      'SCP with In Min = In Max (a division by zero; what Logix stores is not documented)',
    );
  const [x, x0, x1, y0, y1] = [
    real(input, 'In'),
    real(inMin, 'In Min'),
    real(inMax, 'In Max'),
    real(scaledMin, 'Scaled Min'),
    real(scaledMax, 'Scaled Max'),
  ];
  return {
    ...ins,
    name: 'CPT',
    operands: [dest, `(${x} - ${x0}) * (${y1} - ${y0}) / (${x1} - ${x0}) + ${y0}`],
  };
}

/** The refusal of an instruction the model does not run, with why where there is a known reason. */
export function notModelled(ins: RllInstruction): Unsupported {
  const head = `instruction ${ins.name} is not modelled`;
  const n = ins.name.toUpperCase();
  if (n === 'GSV' || n === 'SSV')
    return new Unsupported(
      `${head}: it ${n === 'GSV' ? 'reads' : 'writes'} controller state (${(ins.operands[0] ?? '').trim()}) that a simulation cannot give honestly`,
    );
  const why = STRING_INSTRUCTIONS_REFUSED[n];
  if (why) return new Unsupported(`${head}: ${why}`);
  return new Unsupported(head);
}

/** A forward jump of a ladder routine: JMP at the end of rung `from`, its LBL first on rung `to`. */
export interface RllJump {
  label: string;
  from: number;
  to: number;
}

/**
 * A JMP or LBL placed where the conversion does not take it (kept the plain "instruction JMP is
 * not modelled", which compile names as L5X3001): `rung` indexes the routine's rungs.
 */
export class JumpRefusal extends Unsupported {
  constructor(
    name: string,
    readonly rung: number,
    readonly offset: number,
  ) {
    super(`instruction ${name} is not modelled`);
  }
}

/**
 * The jumps of a routine's rungs (index in `rungs`), or a {@link JumpRefusal}. A true JMP skips
 * the rungs after it up to its LBL's rung, which runs (LBL passes power): the rungs between are
 * not executed at all, so their outputs keep their values. Converted only where that is an IF
 * around those rungs: JMP the last instruction of its rung, outside any branch; its LBL the
 * first instruction of a later rung of the same routine; each label on one LBL. A jump back (a
 * loop), a JMP with instructions after it, a JMP or LBL in a branch stay refused.
 */
export function rllJumps(rungs: readonly (readonly RllElement[])[]): RllJump[] {
  const labels = new Map<string, number>();
  const jumps: { label: string; from: number; offset: number }[] = [];
  const inBranch = (es: readonly RllElement[], r: number): void => {
    for (const e of es) {
      if (e.kind === 'branch') for (const l of e.legs) inBranch(l, r);
      else if (e.name === 'JMP' || e.name === 'LBL') throw new JumpRefusal(e.name, r, e.offset);
    }
  };
  rungs.forEach((es, r) => {
    es.forEach((e, k) => {
      if (e.kind === 'branch') {
        for (const l of e.legs) inBranch(l, r);
        return;
      }
      const label = (e.operands[0] ?? '').trim();
      if (e.name === 'LBL') {
        if (k !== 0 || labels.has(label.toLowerCase())) throw new JumpRefusal('LBL', r, e.offset);
        labels.set(label.toLowerCase(), r);
      }
      if (e.name === 'JMP') {
        if (k !== es.length - 1) throw new JumpRefusal('JMP', r, e.offset);
        jumps.push({ label, from: r, offset: e.offset });
      }
    });
  });
  return jumps.map((j) => {
    const to = labels.get(j.label.toLowerCase());
    if (to === undefined || to <= j.from) throw new JumpRefusal('JMP', j.from, j.offset);
    return { label: j.label, from: j.from, to };
  });
}

/** The jumps that skip rung `r` when taken. */
export function jumpsOver(jumps: readonly RllJump[], r: number): RllJump[] {
  return jumps.filter((j) => j.from < r && r < j.to);
}

/** The operands of a routine's SBR (its first instruction), or undefined without one. */
function sbrOperands(r: L5xRoutine): string[] | undefined {
  const first = r.rungs[0];
  if (!first) return undefined;
  let elements: RllElement[];
  try {
    elements = parseRung(first.text);
  } catch {
    return undefined;
  }
  const head = elements[0];
  return head?.kind === 'ins' && head.name === 'SBR' ? head.operands.map((o) => o.trim()) : undefined;
}

/** Emits ST for ladder rungs over one scope. */
export class RllLowering {
  readonly code: LoweredCode = {
    body: [],
    prescan: [],
    temps: new Map(),
    reads: new Set(),
    writes: new Set(),
    presets: new Set(),
    aois: new Set(),
    origins: [],
  };
  /** Offset in the file of the rung or ST line being lowered (see {@link LoweredCode.origins}). */
  private at: number | undefined;
  private tempCount = 0;
  private readonly callStack: string[] = [];
  /** The return parameters of the JSRs being inlined, innermost last. */
  private readonly returns: string[][] = [];
  private readonly prescanned = new Set<string>();
  /** Offset in its rung of the instruction being lowered (for where a refusal points). */
  private current = 0;
  /** The jump flags of the ladder routine being lowered, by label (lower case). */
  private jumpFlags = new Map<string, string>();

  /**
   * @param options.conditionPerRung give each rung a rung-condition variable of its own
   *   (`LX_Tn`) instead of the one shared `rc`: the same behaviour, but a data-flow slice of
   *   one output no longer runs through every rung (the safety verifier's view of a project)
   * @param options.jumpLabels the routine given is one rung of a routine whose jumps convert
   *   (compile's check, rung by rung): these labels' JMPs lower without their IFs
   */
  constructor(
    readonly scope: LogixScope,
    readonly program?: L5xProgram,
    private readonly options: { conditionPerRung?: boolean; jumpLabels?: ReadonlySet<string> } = {},
  ) {}

  private temp(type = 'BOOL'): string {
    const n = `LX_T${this.tempCount++}`;
    this.code.temps.set(n, type);
    return n;
  }

  private read(o: Operand): Operand {
    if (o.root) this.code.reads.add(o.root);
    return o;
  }

  private src(text: string, want?: LogixType): Operand {
    const o = source(this.scope, text, want);
    // expressions: every reference inside counts as read
    if (!o.root) for (const s of this.refsIn(text)) this.code.reads.add(s);
    return this.read(o);
  }

  private refsIn(text: string): TagSymbol[] {
    const out: TagSymbol[] = [];
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*/g)) {
      const s = this.scope.lookup(m[0]);
      if (s) out.push(s);
    }
    return out;
  }

  private dest(text: string, want?: LogixType): Operand {
    const t = text.trim();
    if (t === '?' || t === '') throw new Unsupported('an operand left unset (?)');
    const o = reference(this.scope, t, want);
    if (o.root) {
      this.code.writes.add(o.root);
      // a destination inside an array or a bit is read-modify-write
      this.code.reads.add(o.root);
    }
    for (const s of this.refsIn(t.slice(t.indexOf('[') >= 0 ? t.indexOf('[') : t.length)))
      this.code.reads.add(s);
    return o;
  }

  /** `dest := value` with the conversion Logix applies and bits written by masking the word. */
  assign(d: Operand, value: string, valueType: LogixType, out: string[] = this.code.body): void {
    if (d.bit) {
      const bits = INT_BITS[d.bit.wordType] ?? 32;
      const signed = !d.bit.wordType.startsWith('U');
      const big = BigInt(1) << BigInt(d.bit.n);
      const mask = signed && d.bit.n === bits - 1 ? -big : big;
      const inv = -mask - BigInt(1);
      const v = valueType.kind === 'elem' && valueType.name === 'BOOL' ? value : `(${value}) <> 0`;
      out.push(
        `IF ${v} THEN ${d.bit.word} := ${d.bit.word} OR ${mask}; ELSE ${d.bit.word} := ${d.bit.word} AND ${inv}; END_IF;`,
      );
      return;
    }
    out.push(`${d.iec} := ${convert({ iec: value, type: valueType }, d.type)};`);
  }

  /** Lowers a routine (for JSR: inline, once per call site): its rungs, or its Logix ST statements. */
  routine(r: L5xRoutine, where: string): void {
    if (r.type !== 'RLL' && r.type !== 'ST')
      throw new LoweringError(`routine ${r.name} is ${r.type}, not ladder or ST`, where);
    const key = r.name.toLowerCase();
    if (this.callStack.includes(key)) throw new LoweringError(`JSR recursion into ${r.name}`, where);
    const outer = this.at;
    if (r.type === 'ST') {
      this.callStack.push(key);
      const firstPrescan = !this.prescanned.has(key);
      this.prescanned.add(key);
      const lineEls = childEls(childEl(r.el, 'STContent'), 'Line');
      const host = this.stHost(where, firstPrescan);
      try {
        lowerLogixSt({ ...host, at: (line) => this.origin(lineEls[line]?.start ?? r.el.start) }, r, where);
      } catch (e) {
        if (e instanceof Unsupported)
          throw new LoweringError(e.reason, `${where}/${r.name}`, undefined, e.line);
        throw e;
      }
      this.callStack.pop();
      if (outer !== undefined) this.origin(outer);
      return;
    }
    this.callStack.push(key);
    const hasRet = r.rungs.some((g) => /\bRET\s*\(/i.test(g.text));
    const body = this.code.body;
    if (hasRet) body.push('REPEAT');
    const firstPrescan = !this.prescanned.has(key);
    this.prescanned.add(key);
    const parsed = r.rungs.map((rung) => {
      try {
        return parseRung(rung.text);
      } catch (e) {
        if (e instanceof RllSyntaxError)
          throw new LoweringError(
            `rung text: ${e.message}`,
            `${where}/${r.name} rung ${rung.number}`,
            e.offset,
          );
        throw e;
      }
    });
    let jumps: RllJump[] = [];
    const given = this.callStack.length === 1 ? this.options.jumpLabels : undefined;
    if (given) jumps = [...given].map((label) => ({ label, from: Number.NaN, to: Number.NaN }));
    else if (r.rungs.some((g) => /\b(JMP|LBL)\s*\(/i.test(g.text))) {
      try {
        jumps = rllJumps(parsed);
      } catch (e) {
        if (e instanceof JumpRefusal)
          throw new LoweringError(e.reason, `${where}/${r.name} rung ${r.rungs[e.rung]?.number}`, e.offset);
        throw e;
      }
    }
    // each JMP's flag: set by its rung, cleared each time the routine starts
    const flags = new Map(jumps.map((j) => [j.label.toLowerCase(), this.temp()]));
    const outerFlags = this.jumpFlags;
    this.jumpFlags = flags;
    for (const f of flags.values()) body.push(`${f} := FALSE;`);
    r.rungs.forEach((rung, n) => {
      this.origin(this.textStart(childEl(rung.el, 'Text')) ?? rung.el.start);
      const at = `${where}/${r.name} rung ${rung.number}`;
      const elements = parsed[n] as RllElement[];
      const over = jumpsOver(jumps, n).map((j) => flags.get(j.label.toLowerCase()) as string);
      if (over.length > 0) body.push(`IF NOT (${over.join(' OR ')}) THEN`);
      try {
        const rc = this.options.conditionPerRung ? this.temp() : 'rc';
        body.push(`${rc} := TRUE;`);
        this.current = 0;
        this.sequence(elements, rc, firstPrescan, where);
      } catch (e) {
        if (e instanceof Unsupported) throw new LoweringError(e.reason, at, this.current);
        throw e;
      }
      if (over.length > 0) body.push('END_IF;');
    });
    this.jumpFlags = outerFlags;
    if (hasRet) body.push('UNTIL TRUE END_REPEAT;');
    this.callStack.pop();
    if (outer !== undefined) this.origin(outer);
  }

  /** Where an element's text starts in the file (its CDATA, past the line break before it). */
  private textStart(el: XElement | undefined): number | undefined {
    if (!el) return undefined;
    const text = this.scope.project.text;
    let i = el.contentStart;
    while (i < el.contentEnd && /\s/.test(text[i] as string)) i++;
    return i;
  }

  /** The body lowered from here on comes from the element at `offset` of the file. */
  private origin(offset: number): void {
    this.at = offset;
    const origins = this.code.origins;
    const last = origins[origins.length - 1];
    if (last?.index === this.code.body.length) last.offset = offset;
    else origins.push({ index: this.code.body.length, offset });
  }

  /** Copies a parameter value into its target as MOV does (a structure as a whole). */
  private pass(value: string, target: string, out: string[] = this.code.body): void {
    const v = this.src(value);
    const d = this.dest(target);
    const same =
      v.type.kind === 'struct' &&
      d.type.kind === 'struct' &&
      v.type.name.toLowerCase() === d.type.name.toLowerCase();
    if (same) {
      this.scope.use(d.type);
      out.push(`${d.iec} := ${v.iec};`);
    } else if (isNumeric(v.type) && isNumeric(d.type)) this.assign(d, v.iec, v.type, out);
    else throw new Unsupported(`parameter ${value} passed to ${target} (types differ)`);
  }

  /** What the Logix ST translation writes through. */
  private stHost(where: string, prescan: boolean): StLoweringHost {
    return {
      scope: this.scope,
      body: this.code.body,
      read: (o) => this.read(o),
      write: (o) => {
        if (o.root) this.code.writes.add(o.root);
      },
      preset: (ms) => this.code.presets.add(ms),
      assign: (d, value, type, out) => this.assign(d, value, type, out),
      jsr: (name) => {
        const r = this.program?.routines.find((x) => x.name.toLowerCase() === name.toLowerCase());
        if (!r) throw new Unsupported(`JSR to ${name}, which is not a routine of the program`);
        this.routine(r, where);
      },
      instruction: (name, args) => {
        // an instruction Logix ST calls with the ladder's operands, run as the ladder runs it
        const rc = this.temp();
        this.code.body.push(`${rc} := TRUE;`);
        this.instruction({ kind: 'ins', name, operands: args, offset: 0 }, rc, prescan, where);
      },
      aoi: (name, args) => {
        const aoi = this.scope.aoiNames.get(name.toLowerCase());
        if (!aoi) return false;
        // an AOI called from ST always runs: EnableIn is TRUE
        const rc = this.temp();
        this.code.body.push(`${rc} := TRUE;`);
        this.aoiCall(aoi, { kind: 'ins', name: aoi.name, operands: args, offset: 0 }, rc, prescan);
        return true;
      },
    };
  }

  private sequence(es: readonly RllElement[], rc: string, prescan: boolean, where: string): void {
    for (const e of es) {
      if (e.kind === 'ins') {
        this.current = e.offset;
        this.instruction(e, rc, prescan, where);
      } else {
        const entry = this.temp();
        const acc = this.temp();
        this.code.body.push(`${entry} := ${rc};`, `${acc} := FALSE;`);
        for (const leg of e.legs) {
          this.code.body.push(`${rc} := ${entry};`);
          this.sequence(leg, rc, prescan, where);
          this.code.body.push(`${acc} := ${acc} OR ${rc};`);
        }
        this.code.body.push(`${rc} := ${acc};`);
      }
    }
  }

  private compare(op: string, a: Operand, b: Operand): string {
    const ty = mathType(a.type, b.type);
    return `${convert(a, ty)} ${op} ${convert(b, ty)}`;
  }

  private timer(text: string): Operand {
    const t = this.dest(text);
    if (t.type.kind !== 'struct' || t.type.name.toUpperCase() !== 'TIMER')
      throw new Unsupported(`${text} is not a TIMER`);
    this.scope.use(t.type);
    const v = t.root?.tag?.value;
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.PRE === 'number')
      this.code.presets.add(v.PRE);
    return t;
  }

  /**
   * The preset a rung spells (`TON(T,3000,?)`) against the tag's stored `.PRE`, which is what the
   * model runs. An export writes the two alike; a rung edited by hand or by a tool (3000 → 300)
   * or a tag without data (its `.PRE` read as 0) leaves them apart, and which one the controller
   * then runs is not something the file says: refused by name rather than run with the tag's
   * value while the rung's edit goes unseen (sweep 14).
   */
  private presetAgrees(ins: RllInstruction, x: Operand): void {
    const text = (ins.operands[0] ?? '').trim();
    const spelled = (ins.operands[1] ?? '').trim();
    if (!/^[+-]?\d+$/.test(spelled) || !x.root || x.root.name.toLowerCase() !== text.toLowerCase()) return;
    const v = x.root.tag?.value;
    const stored =
      v && typeof v === 'object' && !Array.isArray(v) && typeof v.PRE === 'number' ? v.PRE : undefined;
    if (stored === Number(spelled)) return;
    throw new Unsupported(
      `${ins.name}(${text},${spelled},…): the rung's preset ${spelled} is not ${text}.PRE of the tag's data (${stored ?? 'no data'}); which one the controller runs is not known`,
    );
  }

  private counter(text: string): Operand {
    const c = this.dest(text);
    if (c.type.kind !== 'struct' || c.type.name.toUpperCase() !== 'COUNTER')
      throw new Unsupported(`${text} is not a COUNTER`);
    this.scope.use(c.type);
    return c;
  }

  private need(ins: RllInstruction, n: number): string[] {
    if (ins.operands.length < n) throw new Unsupported(`${ins.name} needs ${n} operands`);
    return ins.operands;
  }

  /** Lowers one instruction with `rc` as its rung-condition variable. */
  instruction(written: RllInstruction, rc: string, prescan: boolean, where: string): void {
    const ins = scpAsCpt(this.scope, stringMoveAsCopy(this.scope, written));
    const b = this.code.body;
    const pre = prescan ? this.code.prescan : [];
    const bool = (t: string) => {
      const o = this.src(t, BOOL);
      if (!(o.type.kind === 'elem' && o.type.name === 'BOOL')) throw new Unsupported(`${t} is not a BOOL`);
      return o.iec;
    };
    const cmp = (op: string) => {
      const [x, y] = this.need(ins, 2);
      b.push(`${rc} := ${rc} AND (${this.compare(op, this.src(x as string), this.src(y as string))});`);
    };
    switch (ins.name) {
      case 'XIC':
        b.push(`${rc} := ${rc} AND ${bool(this.need(ins, 1)[0] as string)};`);
        return;
      case 'XIO':
        b.push(`${rc} := ${rc} AND NOT ${bool(this.need(ins, 1)[0] as string)};`);
        return;
      case 'OTE': {
        const d = this.dest(this.need(ins, 1)[0] as string, BOOL);
        this.assign(d, rc, BOOL);
        this.assign(d, 'FALSE', BOOL, pre);
        return;
      }
      case 'OTL':
      case 'OTU': {
        const d = this.dest(this.need(ins, 1)[0] as string, BOOL);
        const inner: string[] = [];
        this.assign(d, ins.name === 'OTL' ? 'TRUE' : 'FALSE', BOOL, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'ONS': {
        // Storage bit holds rung-condition-in of the last execution; out is true on its rise.
        const s = this.dest(this.need(ins, 1)[0] as string, BOOL);
        const old = this.temp();
        b.push(`${old} := ${s.iec};`);
        this.assign(s, rc, BOOL);
        b.push(`${rc} := ${rc} AND NOT ${old};`);
        this.assign(s, 'TRUE', BOOL, pre);
        return;
      }
      case 'OSR':
      case 'OSF': {
        const [st, ot] = this.need(ins, 2);
        const s = this.dest(st as string, BOOL);
        const o = this.dest(ot as string, BOOL);
        const old = this.temp();
        b.push(`${old} := ${s.iec};`);
        this.assign(o, ins.name === 'OSR' ? `${rc} AND NOT ${old}` : `NOT ${rc} AND ${old}`, BOOL);
        this.assign(s, rc, BOOL);
        this.assign(s, ins.name === 'OSR' ? 'TRUE' : 'FALSE', BOOL, pre);
        this.assign(o, 'FALSE', BOOL, pre);
        return;
      }
      case 'TON':
      case 'TOF':
      case 'RTO': {
        const t = this.timer(this.need(ins, 1)[0] as string);
        this.presetAgrees(ins, t);
        b.push(`LX_${ins.name}(T := ${t.iec}, RIN := ${rc}, NOW := LX_NOW);`);
        if (ins.name === 'TON')
          pre.push(`${t.iec}.EN := FALSE; ${t.iec}.TT := FALSE; ${t.iec}.DN := FALSE; ${t.iec}.ACC := 0;`);
        if (ins.name === 'TOF')
          pre.push(
            `${t.iec}.EN := FALSE; ${t.iec}.TT := FALSE; ${t.iec}.DN := FALSE; ${t.iec}.ACC := ${t.iec}.PRE;`,
          );
        if (ins.name === 'RTO') pre.push(`${t.iec}.EN := FALSE; ${t.iec}.TT := FALSE;`);
        return;
      }
      case 'CTU':
      case 'CTD': {
        const c = this.counter(this.need(ins, 1)[0] as string);
        this.presetAgrees(ins, c);
        b.push(`LX_${ins.name}(C := ${c.iec}, RIN := ${rc});`);
        pre.push(`${c.iec}.${ins.name === 'CTU' ? 'CU' : 'CD'} := TRUE;`);
        return;
      }
      case 'RES': {
        const x = this.dest(this.need(ins, 1)[0] as string);
        const n = x.type.kind === 'struct' ? x.type.name.toUpperCase() : '';
        this.scope.use(x.type);
        if (n === 'TIMER')
          b.push(
            `IF ${rc} THEN ${x.iec}.ACC := 0; ${x.iec}.EN := FALSE; ${x.iec}.TT := FALSE; ${x.iec}.DN := FALSE; END_IF;`,
          );
        else if (n === 'COUNTER')
          b.push(
            `IF ${rc} THEN ${x.iec}.ACC := 0; ${x.iec}.CU := FALSE; ${x.iec}.CD := FALSE; ${x.iec}.DN := FALSE; ${x.iec}.OV := FALSE; ${x.iec}.UN := FALSE; END_IF;`,
          );
        else if (n === 'CONTROL')
          b.push(
            `IF ${rc} THEN ${x.iec}.POS := 0; ${['EN', 'EU', 'DN', 'EM', 'ER', 'UL', 'IN', 'FD'].map((m) => `${x.iec}.${m} := FALSE;`).join(' ')} END_IF;`,
          );
        else throw new Unsupported(`RES of ${ins.operands[0]}, which is not a TIMER, COUNTER or CONTROL`);
        return;
      }
      case 'EQU':
        cmp('=');
        return;
      case 'NEQ':
        cmp('<>');
        return;
      case 'LES':
        cmp('<');
        return;
      case 'LEQ':
        cmp('<=');
        return;
      case 'GRT':
        cmp('>');
        return;
      case 'GEQ':
        cmp('>=');
        return;
      case 'CMP': {
        const e = this.src(this.need(ins, 1)[0] as string);
        if (!(e.type.kind === 'elem' && e.type.name === 'BOOL'))
          throw new Unsupported('CMP expression is not a comparison');
        b.push(`${rc} := ${rc} AND (${e.iec});`);
        return;
      }
      case 'LIM': {
        // Low <= High: true inside [Low, High]; Low > High: true outside (High, Low).
        const [lo, te, hi] = this.need(ins, 3).map((x) => this.src(x)) as [Operand, Operand, Operand];
        const ty = mathType(lo.type, te.type, hi.type);
        const [l, t, h] = [convert(lo, ty), convert(te, ty), convert(hi, ty)];
        b.push(
          `IF ${l} <= ${h} THEN ${rc} := ${rc} AND (${l} <= ${t} AND ${t} <= ${h}); ELSE ${rc} := ${rc} AND (${t} >= ${l} OR ${t} <= ${h}); END_IF;`,
        );
        return;
      }
      case 'MEQ': {
        const [s, m, c] = this.need(ins, 3).map((x) => this.src(x)) as [Operand, Operand, Operand];
        if ([s, m, c].some((o) => !isNumeric(o.type) || isReal(o.type)))
          throw new Unsupported('MEQ on non-integer operands');
        const ty = mathType(s.type, m.type, c.type);
        b.push(
          `${rc} := ${rc} AND ((${convert(s, ty)} AND ${convert(m, ty)}) = (${convert(c, ty)} AND ${convert(m, ty)}));`,
        );
        return;
      }
      case 'ADD':
      case 'SUB':
      case 'MUL':
      case 'DIV':
      case 'MOD': {
        const [x, y, dt] = this.need(ins, 3);
        const a = this.src(x as string);
        const c = this.src(y as string);
        const d = this.dest(dt as string);
        if (!isNumeric(a.type) || !isNumeric(c.type) || !isNumeric(d.type))
          throw new Unsupported(`${ins.name} on non-numeric operands`);
        const ty = mathType(a.type, c.type);
        const op = { ADD: '+', SUB: '-', MUL: '*', DIV: '/', MOD: 'MOD' }[ins.name] as string;
        if (ins.name === 'MOD' && isReal(ty)) throw new Unsupported('MOD on REAL operands');
        const inner: string[] = [];
        this.assign(d, `${convert(a, ty)} ${op} ${convert(c, ty)}`, ty, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'NEG':
      case 'MOV': {
        const [x, dt] = this.need(ins, 2);
        const a = this.src(x as string);
        const d = this.dest(dt as string);
        if (!isNumeric(a.type) || !isNumeric(d.type))
          throw new Unsupported(`${ins.name} on non-numeric operands`);
        const inner: string[] = [];
        const ty = ins.name === 'NEG' ? mathType(a.type) : a.type;
        this.assign(d, ins.name === 'NEG' ? `-(${convert(a, ty)})` : a.iec, ty, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'CPT': {
        const [dt, ex] = this.need(ins, 2);
        const d = this.dest(dt as string);
        const e = this.src(ex as string);
        if (!isNumeric(d.type)) throw new Unsupported('CPT destination is not numeric');
        const inner: string[] = [];
        this.assign(d, e.iec, e.type, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'MVM': {
        const [x, m, dt] = this.need(ins, 3);
        const a = this.src(x as string);
        const mk = this.src(m as string);
        const d = this.dest(dt as string);
        if ([a, mk, d].some((o) => !isNumeric(o.type) || isReal(o.type)))
          throw new Unsupported('MVM on non-integer operands');
        const ty = mathType(a.type, mk.type, d.type);
        const inner: string[] = [];
        this.assign(
          d,
          `(${convert(a, ty)} AND ${convert(mk, ty)}) OR (${convert(d, ty)} AND NOT ${convert(mk, ty)})`,
          ty,
          inner,
        );
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'CLR': {
        const d = this.dest(this.need(ins, 1)[0] as string);
        if (!isNumeric(d.type)) throw new Unsupported('CLR of a non-numeric tag');
        const inner: string[] = [];
        this.assign(d, isReal(d.type) ? '0.0' : '0', d.type, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'COP':
      case 'CPS':
      case 'FLL':
        // CPS is COP that no I/O update or other task interrupts (1756-RM003); the simulator
        // has neither, so the two copy alike
        this.copy(ins, rc);
        return;
      case 'CONCAT':
      case 'MID':
      case 'DELETE':
      case 'INSERT':
      case 'FIND':
      case 'UPPER':
      case 'LOWER':
      case 'STOD':
      case 'DTOS':
        // string instructions run on a true rung (1756-RM003); logix-strings.ts, decision 0102
        b0(
          b,
          rc,
          lowerStringInstruction(
            {
              scope: this.scope,
              src: (t) => this.src(t),
              dest: (t) => this.dest(t),
              temp: (t) => this.temp(t),
              assign: (d, v, t, out) => this.assign(d, v, t, out),
            },
            ins.name,
            ins.operands,
          ),
        );
        return;
      case 'SIZE': {
        // SIZE(Source, Dimension, Size): the number of elements of one dimension of an array,
        // 0 the leftmost (1756-RM003). A property of the declaration, so Source is not read.
        const [srcText, dimText, sizeText] = this.need(ins, 3);
        const arr = reference(this.scope, srcText as string).type;
        if (arr.kind !== 'array') throw new Unsupported(`SIZE of ${srcText}, which is not an array`);
        const dim = Number((dimText as string).trim());
        const n = arr.dims[dim];
        if (!Number.isInteger(dim) || n === undefined)
          throw new Unsupported(`SIZE of dimension ${dimText} of ${srcText}, which has ${arr.dims.length}`);
        const d = this.dest(sizeText as string);
        if (!isNumeric(d.type)) throw new Unsupported(`SIZE into ${sizeText}, which is not numeric`);
        const inner: string[] = [];
        this.assign(d, String(n), DINT, inner);
        b.push(`IF ${rc} THEN ${inner.join(' ')} END_IF;`);
        return;
      }
      case 'JSR': {
        // JSR(Routine, InputCount, Input..., Return...): the inputs are copied into the SBR's
        // operands before the routine runs, RET's values into the returns (1756-RM003).
        const [name, n, ...params] = this.need(ins, 1);
        const count = n === undefined || n.trim() === '' ? 0 : Number(n.trim());
        if (!Number.isInteger(count) || count < 0 || count > params.length)
          throw new Unsupported(`JSR input count ${n}`);
        const r = this.program?.routines.find(
          (x) => x.name.toLowerCase() === (name as string).trim().toLowerCase(),
        );
        if (!r) throw new Unsupported(`JSR to ${name}, which is not a routine of the program`);
        const inner = this.code.body.length;
        if (count > 0) {
          if (r.type !== 'RLL')
            throw new Unsupported(`JSR with parameters into ${r.name}, which is ${r.type}`);
          const sbr = sbrOperands(r);
          if (!sbr || sbr.length !== count)
            throw new Unsupported(
              `JSR passes ${count} input(s) to ${r.name}, whose SBR takes ${sbr?.length ?? 0}`,
            );
          sbr.forEach((target, k) => {
            this.pass(params[k] as string, target);
          });
        }
        this.returns.push(params.slice(count));
        this.routine(r, where);
        this.returns.pop();
        const lines = this.code.body.splice(inner);
        b.push(`IF ${rc} THEN`, ...lines, 'END_IF;');
        // the inlined lines moved down by the IF
        for (const o of this.code.origins) if (o.index >= inner) o.index++;
        return;
      }
      case 'SBR':
        // its operands were filled by the JSR that called the routine
        return;
      case 'RET': {
        const returns = this.returns[this.returns.length - 1] ?? [];
        if (ins.operands.length !== returns.length)
          throw new Unsupported(
            `RET with ${ins.operands.length} value(s) for ${returns.length} return parameter(s)`,
          );
        const inner: string[] = [];
        ins.operands.forEach((v, k) => {
          this.pass(v, returns[k] as string, inner);
        });
        b.push(`IF ${rc} THEN`, ...inner, 'EXIT;', 'END_IF;');
        return;
      }
      case 'AFI':
        b.push(`${rc} := FALSE;`);
        return;
      case 'JMP': {
        // placed and paired by rllJumps: a true rung skips the rungs up to its LBL
        const flag = this.jumpFlags.get((ins.operands[0] ?? '').trim().toLowerCase());
        if (!flag) throw notModelled(ins);
        b.push(`${flag} := ${rc};`);
        return;
      }
      case 'LBL':
        // passes power; a jump's target (placed as rllJumps allows)
        return;
      case 'NOP':
        return;
      default: {
        const aoi = this.scope.aoiNames.get(ins.name.toLowerCase());
        if (aoi) {
          this.aoiCall(aoi, ins, rc, prescan);
          return;
        }
        throw notModelled(ins);
      }
    }
  }

  private copy(ins: RllInstruction, rc: string): void {
    const [x, dt, ln] = this.need(ins, 3);
    const s = this.src(x as string);
    const d = this.dest(dt as string);
    const len = this.src(ln as string);
    const sameStruct =
      s.type.kind === 'struct' &&
      d.type.kind === 'struct' &&
      s.type.name.toLowerCase() === d.type.name.toLowerCase();
    if (
      !sameStruct &&
      ins.name !== 'FLL' &&
      len.literal === 1 &&
      isStringType(this.scope, s.type) &&
      isStringType(this.scope, d.type)
    ) {
      // One string into a string of another string type: the bytes go over, .LEN first, then
      // as many characters as the smaller DATA holds (the rest of Dest's DATA is kept).
      this.scope.use(s.type);
      this.scope.use(d.type);
      const n = Math.min(stringSize(this.scope, s.type) ?? 0, stringSize(this.scope, d.type) ?? 0);
      const i = this.temp('DINT');
      b0(this.code.body, rc, [
        `${d.iec}.LEN := ${s.iec}.LEN;`,
        `FOR ${i} := 0 TO ${n - 1} DO ${d.iec}.DATA[${i}] := ${s.iec}.DATA[${i}]; END_FOR;`,
      ]);
      return;
    }
    if (!sameStruct && (!isNumeric(s.type) || !isNumeric(d.type))) {
      throw new Unsupported(`${ins.name} between ${s.iec} and ${d.iec} (structures of different types)`);
    }
    if (sameStruct && ins.name === 'FLL') throw new Unsupported('FLL of structures');
    if (sameStruct) this.scope.use(s.type);
    const dm = /^(.*)\[([^\]]*)\]$/.exec(d.iec);
    const dArr = dm ? (dm[1] as string) : d.iec;
    const dIdx = dm ? (dm[2] as string) : '0';
    const dSym = d.root?.type;
    if (!dm || dSym?.kind !== 'array' || dSym.dims.length !== 1) {
      if (len.literal === 1) {
        const inner: string[] = [];
        if (sameStruct) inner.push(`${d.iec} := ${s.iec};`);
        else this.assign(d, s.iec, s.type, inner);
        b0(this.code.body, rc, inner);
        return;
      }
      throw new Unsupported(`${ins.name} into ${dt}, which is not an element of a one-dimension array`);
    }
    const i = this.temp('DINT');
    const n = this.temp('DINT');
    const size = dSym.dims[0] as number;
    const body: string[] = [];
    body.push(
      `${n} := ${convert(len, DINT)};`,
      `IF ${n} > ${size} - (${dIdx}) THEN ${n} := ${size} - (${dIdx}); END_IF;`,
    );
    if (ins.name === 'FLL') {
      body.push(
        `FOR ${i} := 0 TO ${n} - 1 DO ${dArr}[${dIdx} + ${i}] := ${convert(s, (dSym as { of: LogixType }).of)}; END_FOR;`,
      );
    } else {
      const sm = /^(.*)\[([^\]]*)\]$/.exec(s.iec);
      const sameElem =
        sameStruct || (s.type.kind === 'elem' && d.type.kind === 'elem' && s.type.name === d.type.name);
      if (!sm || s.root?.type.kind !== 'array' || !sameElem) {
        throw new Unsupported('COP between arrays of different types');
      }
      const ssize = (s.root.type as { dims: number[] }).dims[0] as number;
      body.push(`IF ${n} > ${ssize} - (${sm[2]}) THEN ${n} := ${ssize} - (${sm[2]}); END_IF;`);
      body.push(
        `FOR ${i} := 0 TO ${n} - 1 DO ${dArr}[${dIdx} + ${i}] := ${sm[1]}[${sm[2]} + ${i}]; END_FOR;`,
      );
    }
    b0(this.code.body, rc, body);
  }

  private aoiCall(aoi: L5xAoi, ins: RllInstruction, rc: string, prescan: boolean): void {
    const [instText, ...args] = ins.operands;
    const inst = this.dest(instText ?? '');
    if (inst.type.kind !== 'struct' || inst.type.name.toLowerCase() !== aoi.name.toLowerCase()) {
      throw new Unsupported(`${instText} is not an instance of ${aoi.name}`);
    }
    this.code.aois.add(aoi);
    const required = aoi.parameters.filter((p) => p.required && !/^Enable(In|Out)$/i.test(p.name));
    if (args.length !== required.length)
      throw new Unsupported(`${aoi.name} call with ${args.length} operands, ${required.length} required`);
    const inputs: string[] = [`EnableIn := ${rc}`, 'LX_NOW := LX_NOW', 'LX_PRESCAN := FALSE'];
    const outputs: string[] = [];
    required.forEach((p, k) => {
      const a = args[k] as string;
      const pt = tagType(p.dataType ?? 'DINT', p.dimensions);
      if (p.usage === 'Input') inputs.push(`${iecName(p.name)} := ${convert(this.src(a, pt), pt)}`);
      else if (p.usage === 'InOut') {
        const d = this.dest(a);
        if (d.bit) throw new Unsupported(`bit ${a} passed to InOut ${p.name}`);
        inputs.push(`${iecName(p.name)} := ${d.iec}`);
      } else {
        const d = this.dest(a, pt);
        const tmp: string[] = [];
        this.assign(d, `${inst.iec}.${iecName(p.name)}`, pt, tmp);
        outputs.push(...tmp);
      }
    });
    this.code.body.push(`${inst.iec}(${inputs.join(', ')});`, ...outputs, `${rc} := ${inst.iec}.EnableOut;`);
    if (prescan) {
      const inOut = required
        .filter((p) => p.usage === 'InOut')
        .map((p) => `${iecName(p.name)} := ${this.dest(args[required.indexOf(p)] as string).iec}`);
      this.code.prescan.push(
        `${inst.iec}(${['EnableIn := FALSE', 'LX_NOW := LX_NOW', 'LX_PRESCAN := TRUE', ...inOut].join(', ')});`,
      );
    }
  }
}

function b0(body: string[], rc: string, inner: string[]): void {
  body.push(`IF ${rc} THEN`, ...inner, 'END_IF;');
}

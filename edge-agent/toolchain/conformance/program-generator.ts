/**
 * A fast-check generator of well-typed Structured Text programs with input
 * timelines, for conformance runs against the reference. It writes nested
 * IF/CASE/FOR/WHILE/REPEAT/EXIT, every integer width with wrap-around,
 * REAL/LREAL, TIME arithmetic, the standard FBs, user FBs with several
 * instances, FUNCTIONs, arrays and structs.
 *
 * It stays inside the part of the language where IEC 61131-3 fixes one
 * answer and steers clear of MATIEC's known departures
 * (docs/decisions/0010-matiec-reference-departures.md):
 * - arithmetic on types narrower than 32 bits is one operation per
 *   assignment, so no intermediate can exceed its type (MATIEC computes in C `int`);
 * - REAL/LREAL expressions hold no literals (MATIEC evaluates them in double),
 *   constants are variables initialised from literals;
 * - no TIME_TO_* / *_TO_TIME (MATIEC counts in seconds);
 * - counters are fed `CU AND CV < PV` / `CD AND CV > 0`, so no counter is
 *   asked to pass PV or 0 (MATIEC stops there, the standard at the INT limits);
 * - a FOR loop variable is never read after its loop; FOR bounds are literals
 *   with at least two iterations;
 * - divisors are positive literals, array indexes are in range by construction.
 */
import fc from 'fast-check';
import type { CaseType, CaseVar, ConformanceCase } from './conformance-case';

type GenFn = fc.GeneratorValue;

const NARROW = ['SINT', 'INT', 'USINT', 'UINT'] as const;
const WIDE = ['DINT', 'LINT', 'UDINT', 'ULINT'] as const;
type IntType = (typeof NARROW)[number] | (typeof WIDE)[number];
type RealType = 'REAL' | 'LREAL';
type ValType = 'BOOL' | IntType | RealType | 'TIME';

const RANGE: Record<IntType, [bigint, bigint]> = {
  SINT: [-128n, 127n],
  INT: [-32768n, 32767n],
  DINT: [-2147483648n, 2147483647n],
  LINT: [-(2n ** 63n), 2n ** 63n - 1n],
  USINT: [0n, 255n],
  UINT: [0n, 65535n],
  UDINT: [0n, 4294967295n],
  ULINT: [0n, 2n ** 64n - 1n],
};

const isNarrow = (t: ValType): t is (typeof NARROW)[number] => (NARROW as readonly string[]).includes(t);
const isInt = (t: ValType): t is IntType => t in RANGE;
const isReal = (t: ValType): t is RealType => t === 'REAL' || t === 'LREAL';

interface Fn {
  name: string;
  ret: ValType;
  params: { name: string; type: ValType }[];
}
interface UserFb {
  name: string;
  inputs: { name: string; type: ValType }[];
  outputs: { name: string; type: ValType }[];
}

/** The variables in scope while generating one POU body. */
class Scope {
  vars = new Map<ValType, string[]>();
  /** REAL/LREAL constants (initialised variables never written). */
  consts = new Map<RealType, string[]>();
  /** Readable expressions of FB outputs, by type. */
  fbOut = new Map<ValType, string[]>();
  /** Std FB instances by kind. */
  stdFbs: { name: string; kind: string }[] = [];
  userFbs: { name: string; fb: UserFb }[] = [];
  arrays: { name: string; elem: ValType; len: number }[] = [];
  structVar?: { name: string; fields: { name: string; type: ValType }[] };
  /** Loop variables free for a new FOR (never read after the loop). */
  loopVars: string[] = [];
  busyLoopVars = new Set<string>();
  /** Loop variables usable as array indexes inside their loop, with their range. */
  activeLoops: { name: string; lo: number; hi: number }[] = [];
  /** Counter variables of WHILE/REPEAT. */
  whileVars: string[] = [];
  loopDepth = 0;
  functions: Fn[] = [];
  /** Inputs: read, never written. */
  readOnly = new Set<string>();
  /** PT of each timer instance, fixed per instance. */
  pt = new Map<string, string>();
  of(t: ValType) {
    return this.vars.get(t) ?? [];
  }
  add(t: ValType, name: string) {
    const l = this.vars.get(t) ?? [];
    l.push(name);
    this.vars.set(t, l);
  }
}

class Builder {
  private stmtBudget: number;
  constructor(
    private readonly g: GenFn,
    budget: number,
  ) {
    this.stmtBudget = budget;
  }
  stmtLeft(): number {
    return this.stmtBudget;
  }
  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }
  bool(p = 0.5): boolean {
    return this.g(fc.double, { min: 0, max: 1, noNaN: true }) < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)] as T;
  }

  intLiteral(t: IntType): string {
    const [lo, hi] = RANGE[t];
    const small = this.bool(0.7);
    let v: bigint;
    if (small) v = BigInt(this.int(t.startsWith('U') ? 0 : -50, 50));
    else {
      const span = hi - lo;
      const r = BigInt(this.int(0, 2 ** 30)) * BigInt(this.int(0, 2 ** 30)) + BigInt(this.int(0, 2 ** 30));
      v = lo + (r % (span + 1n));
      // MATIEC writes a literal beyond 2^31 as a C long, so `u - 2972199212` on a UDINT is
      // computed in 64 bits there (decision 0011); keep UDINT literals within C int
      if (t === 'UDINT') v %= 2n ** 31n;
      // keep LINT/ULINT literals out of the C literal corner cases
      if (v === RANGE.LINT[0] || v === RANGE.DINT[0]) v += 1n;
    }
    return v < 0n ? `(${v})` : `${v}`;
  }

  timeLiteral(): string {
    return `T#${this.pick([20, 30, 50, 80, 100, 150, 200, 250, 300, 500, 750, 1000, 1500])}ms`;
  }

  /** An expression of type t; narrow integers only as leaves. */
  expr(s: Scope, t: ValType, depth: number): string {
    const leaf = depth <= 0 || this.bool(0.35);
    if (t === 'BOOL') return this.boolExpr(s, depth, leaf);
    if (isNarrow(t)) return this.narrowLeaf(s, t, depth);
    if (isInt(t)) return leaf ? this.intLeaf(s, t, depth) : this.wideExpr(s, t, depth);
    if (isReal(t)) return leaf ? this.realLeaf(s, t) : this.realExpr(s, t, depth);
    return leaf ? this.timeLeaf(s) : this.timeExpr(s, depth);
  }

  varOf(s: Scope, t: ValType): string | undefined {
    const cands = [...s.of(t), ...(s.fbOut.get(t) ?? [])];
    for (const a of s.arrays) if (a.elem === t) cands.push(`${a.name}[${this.index(s, a.len)}]`);
    if (s.structVar)
      for (const f of s.structVar.fields) if (f.type === t) cands.push(`${s.structVar.name}.${f.name}`);
    return cands.length ? this.pick(cands) : undefined;
  }

  index(s: Scope, len: number): string {
    const loops = s.activeLoops.filter((l) => l.lo >= 0 && l.hi < len);
    if (loops.length && this.bool(0.6)) return this.pick(loops).name;
    return String(this.int(0, len - 1));
  }

  narrowLeaf(s: Scope, t: IntType, depth: number): string {
    const r = this.int(0, 9);
    if (r < 5) return this.varOf(s, t) ?? this.intLiteral(t);
    if (r < 7) return this.intLiteral(t);
    if (r < 8 && depth > 0) {
      const from = this.pick(WIDE);
      return `${from}_TO_${t}(${this.expr(s, from, depth - 1)})`;
    }
    if (r < 9) {
      const f = s.functions.filter((x) => x.ret === t);
      if (f.length && depth > 0) return this.call(s, this.pick(f), depth);
    }
    return `${this.pick(['MIN', 'MAX'])}(${this.varOf(s, t) ?? this.intLiteral(t)}, ${this.intLiteral(t)})`;
  }

  intLeaf(s: Scope, t: IntType, depth: number): string {
    const r = this.int(0, 9);
    if (r < 6) return this.varOf(s, t) ?? this.intLiteral(t);
    if (r < 8) return this.intLiteral(t);
    if (depth > 0) {
      const f = s.functions.filter((x) => x.ret === t);
      if (f.length) return this.call(s, this.pick(f), depth);
    }
    return this.intLiteral(t);
  }

  wideExpr(s: Scope, t: IntType, depth: number): string {
    const r = this.int(0, 11);
    const sub = () => this.expr(s, t, depth - 1);
    // a binary operation keeps one operand that is not a literal: MATIEC types a literal-only
    // expression by its value, so `(-18) * (-1373391456)` is not a DINT there
    const nonLit = () => {
      const e = sub();
      return /^\(?-?\d+\)?$/.test(e) ? (this.varOf(s, t) ?? e) : e;
    };
    if (r < 5) return `(${nonLit()} ${this.pick(['+', '-', '*'])} ${sub()})`;
    if (r < 6) return `(${sub()} / ${this.int(2, 9)})`;
    if (r < 7) return `(${sub()} MOD ${this.int(2, 9)})`;
    if (r < 8) {
      const from = this.pick([...NARROW, ...WIDE].filter((x) => x !== t));
      return `${from}_TO_${t}(${this.expr(s, from, depth - 1)})`;
    }
    if (r < 9) return `${this.pick(['MIN', 'MAX'])}(${sub()}, ${sub()})`;
    if (r < 10) return `SEL(${this.expr(s, 'BOOL', depth - 1)}, ${sub()}, ${sub()})`;
    if (r < 11 && (t === 'DINT' || t === 'LINT')) {
      const rt = this.pick(['REAL', 'LREAL'] as const);
      const k = this.realConst(s, rt, 1_000_000);
      return `${rt}_TO_${t}(LIMIT(-${k}, ${this.expr(s, rt, depth - 1)}, ${k}))`;
    }
    return `(${sub()} + ${sub()})`;
  }

  realConst(s: Scope, t: RealType, mag?: number): string {
    const list = s.consts.get(t) ?? [];
    if (mag !== undefined) {
      const name = `k${t === 'REAL' ? 'r' : 'l'}_lim`;
      if (!list.includes(name)) {
        list.push(name);
        s.consts.set(t, list);
        constInits.set(name, { type: t, init: mag.toFixed(1) });
      }
      return name;
    }
    return this.pick(list);
  }

  realLeaf(s: Scope, t: RealType): string {
    const r = this.int(0, 9);
    if (r < 5) return this.varOf(s, t) ?? this.realConst(s, t);
    if (r < 8) return this.realConst(s, t);
    const from = this.pick(['INT', 'DINT', 'SINT', 'UINT'] as const);
    return `${from}_TO_${t}(${this.varOf(s, from) ?? this.intLiteral(from)})`;
  }

  realExpr(s: Scope, t: RealType, depth: number): string {
    const r = this.int(0, 9);
    const sub = () => this.expr(s, t, depth - 1);
    if (r < 5) return `(${sub()} ${this.pick(['+', '-', '*'])} ${sub()})`;
    if (r < 6) return `(${sub()} / ${this.realConst(s, t)})`;
    if (r < 7) return `ABS(${sub()})`;
    if (r < 8) return `${this.pick(['MIN', 'MAX'])}(${sub()}, ${sub()})`;
    if (r < 9) {
      const other: RealType = t === 'REAL' ? 'LREAL' : 'REAL';
      return `${other}_TO_${t}(${this.expr(s, other, depth - 1)})`;
    }
    const f = s.functions.filter((x) => x.ret === t);
    if (f.length) return this.call(s, this.pick(f), depth);
    return `(${sub()} + ${sub()})`;
  }

  timeLeaf(s: Scope): string {
    return this.bool(0.6) ? (this.varOf(s, 'TIME') ?? this.timeLiteral()) : this.timeLiteral();
  }

  timeExpr(s: Scope, depth: number): string {
    const r = this.int(0, 3);
    const sub = () => this.expr(s, 'TIME', depth - 1);
    if (r < 2) return `(${sub()} + ${sub()})`;
    if (r < 3) return `${this.pick(['MIN', 'MAX'])}(${sub()}, ${sub()})`;
    return `SEL(${this.expr(s, 'BOOL', depth - 1)}, ${sub()}, ${sub()})`;
  }

  boolExpr(s: Scope, depth: number, leaf: boolean): string {
    if (leaf) {
      const r = this.int(0, 9);
      if (r < 7) return this.varOf(s, 'BOOL') ?? 'FALSE';
      if (r < 8) return this.pick(['TRUE', 'FALSE']);
      return this.compare(s, 0);
    }
    const r = this.int(0, 9);
    const sub = () => this.expr(s, 'BOOL', depth - 1);
    if (r < 4) return `(${sub()} ${this.pick(['AND', 'OR', 'XOR', '&'])} ${sub()})`;
    // `NOT NOT x` is outside the standard's grammar (unary_expression takes a primary_expression)
    if (r < 5) return `NOT (${sub()})`;
    if (r < 9) return this.compare(s, depth - 1);
    const f = s.functions.filter((x) => x.ret === 'BOOL');
    if (f.length) return this.call(s, this.pick(f), depth);
    return sub();
  }

  compare(s: Scope, depth: number): string {
    const t = this.pick<ValType>([
      'INT',
      'DINT',
      'SINT',
      'UINT',
      'LINT',
      'UDINT',
      'REAL',
      'LREAL',
      'TIME',
      'USINT',
    ]);
    const op = this.pick(['<', '<=', '>', '>=', '=', '<>']);
    return `(${this.expr(s, t, depth)} ${op} ${this.expr(s, t, depth)})`;
  }

  call(s: Scope, f: Fn, depth: number): string {
    const args = f.params.map((p) => `${p.name} := ${this.expr(s, p.type, Math.min(depth - 1, 1))}`);
    return `${f.name}(${args.join(', ')})`;
  }

  // ---------------------------------------------------------------- statements

  assignTarget(s: Scope, t: ValType): string | undefined {
    const cands = s.of(t).filter((v) => !s.readOnly.has(v));
    for (const a of s.arrays) if (a.elem === t) cands.push(`${a.name}[${this.index(s, a.len)}]`);
    if (s.structVar)
      for (const f of s.structVar.fields) if (f.type === t) cands.push(`${s.structVar.name}.${f.name}`);
    return cands.length ? this.pick(cands) : undefined;
  }

  assignment(s: Scope, ind: string): string {
    const all: ValType[] = [
      'BOOL',
      'BOOL',
      'INT',
      'SINT',
      'USINT',
      'UINT',
      'DINT',
      'DINT',
      'LINT',
      'UDINT',
      'ULINT',
      'REAL',
      'REAL',
      'LREAL',
      'TIME',
    ];
    const t = this.pick(all.filter((x) => s.of(x).some((v) => !s.readOnly.has(v))));
    const target = this.assignTarget(s, t);
    if (!target) return '';
    if (isNarrow(t)) {
      // one operation per statement: the result is stored (and wrapped) at once
      const r = this.int(0, 9);
      const a = this.varOf(s, t) ?? this.narrowLeaf(s, t, 1);
      const b = this.narrowLeaf(s, t, 0);
      if (r < 6) return `${ind}${target} := ${a} ${this.pick(['+', '-', '*'])} ${b};\n`;
      if (r < 7) return `${ind}${target} := ${a} / ${this.int(1, 9)};\n`;
      if (r < 8) return `${ind}${target} := ${a} MOD ${this.int(2, 9)};\n`;
      return `${ind}${target} := ${a};\n`;
    }
    if (isReal(t)) {
      const k = this.realConst(s, t, 1_000_000);
      return `${ind}${target} := LIMIT(-${k}, ${this.expr(s, t, 3)}, ${k});\n`;
    }
    if (t === 'TIME') {
      return `${ind}${target} := LIMIT(T#0ms, ${this.expr(s, t, 2)}, T#1h);\n`;
    }
    return `${ind}${target} := ${this.expr(s, t, 3)};\n`;
  }

  stdFbCall(s: Scope, ind: string): string {
    if (s.stdFbs.length === 0) return '';
    const fb = this.pick(s.stdFbs);
    const b = () => this.expr(s, 'BOOL', 2);
    switch (fb.kind) {
      case 'TON':
      case 'TOF':
      case 'TP': {
        const pt = s.pt.get(fb.name) ?? this.timeLiteral();
        s.pt.set(fb.name, pt);
        return `${ind}${fb.name}(IN := ${b()}, PT := ${pt});\n`;
      }
      case 'CTU':
        return `${ind}${fb.name}(CU := ${b()} AND (${fb.name}.CV < ${fbPv.get(fb.name)}), R := ${b()}, PV := ${fbPv.get(fb.name)});\n`;
      case 'CTD':
        return `${ind}${fb.name}(CD := ${b()} AND (${fb.name}.CV > 0), LD := ${b()}, PV := ${fbPv.get(fb.name)});\n`;
      case 'CTUD': {
        const pv = fbPv.get(fb.name);
        return `${ind}${fb.name}(CU := ${b()} AND (${fb.name}.CV < ${pv}), CD := ${b()} AND (${fb.name}.CV > 0), R := ${b()}, LD := ${b()}, PV := ${pv});\n`;
      }
      case 'R_TRIG':
      case 'F_TRIG':
        return `${ind}${fb.name}(CLK := ${b()});\n`;
      case 'SR':
        return `${ind}${fb.name}(S1 := ${b()}, R := ${b()});\n`;
      default:
        return `${ind}${fb.name}(S := ${b()}, R1 := ${b()});\n`;
    }
  }

  userFbCall(s: Scope, ind: string): string {
    if (s.userFbs.length === 0) return '';
    const inst = this.pick(s.userFbs);
    const args = inst.fb.inputs.map((p) => `${p.name} := ${this.expr(s, p.type, 2)}`);
    return `${ind}${inst.name}(${args.join(', ')});\n`;
  }

  block(s: Scope, ind: string, n: number, depth: number): string {
    let out = '';
    for (let i = 0; i < n && this.stmtBudget > 0; i++) out += this.statement(s, ind, depth);
    return out || `${ind}${this.assignment(s, '').trim() || ';'}\n`;
  }

  statement(s: Scope, ind: string, depth: number): string {
    this.stmtBudget--;
    const r = this.int(0, 99);
    if (depth <= 0 || r < 40) return this.assignment(s, ind);
    if (r < 50) return this.stdFbCall(s, ind) || this.assignment(s, ind);
    if (r < 55) return this.userFbCall(s, ind) || this.assignment(s, ind);
    const inner = ind + '  ';
    if (r < 68) {
      let o = `${ind}IF ${this.expr(s, 'BOOL', 2)} THEN\n${this.block(s, inner, this.int(1, 3), depth - 1)}`;
      const elsifs = this.int(0, 2);
      for (let i = 0; i < elsifs; i++)
        o += `${ind}ELSIF ${this.expr(s, 'BOOL', 2)} THEN\n${this.block(s, inner, this.int(1, 2), depth - 1)}`;
      if (this.bool()) o += `${ind}ELSE\n${this.block(s, inner, this.int(1, 2), depth - 1)}`;
      return `${o}${ind}END_IF;\n`;
    }
    if (r < 76) {
      const selT = this.pick(['INT', 'DINT', 'USINT'] as const);
      const sel = this.varOf(s, selT) ?? String(this.int(0, 12));
      let o = `${ind}CASE ${sel} OF\n`;
      const used = new Set<number>();
      const arms = this.int(1, 4);
      for (let i = 0; i < arms; i++) {
        const a = this.int(0, 12);
        if (used.has(a) || used.has(a + 1) || used.has(a + 2)) continue;
        let label = String(a);
        const form = this.int(0, 9);
        if (form < 3) {
          label = `${a}..${a + 2}`;
          used.add(a + 1).add(a + 2);
        } else if (form < 5 && !used.has(a + 5) && a + 5 <= 20) {
          label = `${a}, ${a + 5}`;
          used.add(a + 5);
        }
        used.add(a);
        o += `${ind}  ${label}:\n${this.block(s, `${inner}  `, this.int(1, 2), depth - 1)}`;
      }
      if (this.bool()) o += `${ind}ELSE\n${this.block(s, inner, this.int(1, 2), depth - 1)}`;
      return `${o}${ind}END_CASE;\n`;
    }
    if (r < 86) {
      const lv = s.loopVars.find((v) => !s.busyLoopVars.has(v));
      if (!lv) return this.assignment(s, ind);
      s.busyLoopVars.add(lv);
      const lo = this.int(-2, 3);
      const down = this.bool(0.2);
      const by = this.bool(0.3) ? this.int(1, 3) : 1;
      // at least two iterations: MATIEC departs on loops that run once
      const hi = lo + by + this.int(0, 6);
      const head = down
        ? `FOR ${lv} := ${hi} TO ${lo} BY -${by} DO`
        : `FOR ${lv} := ${lo} TO ${hi}${by !== 1 ? ` BY ${by}` : ''} DO`;
      s.activeLoops.push({ name: lv, lo, hi });
      s.loopDepth++;
      let body = this.block(s, inner, this.int(1, 3), depth - 1);
      if (this.bool(0.3))
        body += `${inner}IF ${this.expr(s, 'BOOL', 1)} THEN\n${inner}  EXIT;\n${inner}END_IF;\n`;
      s.loopDepth--;
      s.activeLoops.pop();
      // the loop variable stays busy: it is never read after its loop (MATIEC departs there)
      return `${ind}${head}\n${body}${ind}END_FOR;\n`;
    }
    const wv = s.whileVars.find((v) => !s.busyLoopVars.has(v));
    if (!wv) return this.assignment(s, ind);
    s.busyLoopVars.add(wv);
    const n = this.int(0, 6);
    s.loopDepth++;
    let body = this.block(s, inner, this.int(1, 3), depth - 1);
    if (this.bool(0.3))
      body += `${inner}IF ${this.expr(s, 'BOOL', 1)} THEN\n${inner}  EXIT;\n${inner}END_IF;\n`;
    s.loopDepth--;
    s.busyLoopVars.delete(wv);
    if (this.bool()) {
      return `${ind}${wv} := 0;\n${ind}WHILE ${wv} < ${n} DO\n${body}${inner}${wv} := ${wv} + 1;\n${ind}END_WHILE;\n`;
    }
    return `${ind}${wv} := 0;\n${ind}REPEAT\n${body}${inner}${wv} := ${wv} + 1;\n${ind}UNTIL ${wv} >= ${n}\n${ind}END_REPEAT;\n`;
  }
}

/** REAL constants of the program being generated: name → type and literal (module state per build). */
let constInits = new Map<string, { type: RealType; init: string }>();
/** PV of each counter instance (module state per build). */
let fbPv = new Map<string, number>();

function realLit(b: Builder): string {
  const v = b.int(-2000, 2000) / b.pick([1, 4, 10, 100, 3]);
  const s = v.toFixed(b.int(1, 4));
  return s === '-0.0' || Number(s) === 0 ? '0.5' : s;
}

function addRealConsts(b: Builder, s: Scope, prefix: string) {
  for (const t of ['REAL', 'LREAL'] as const) {
    const n = b.int(2, 4);
    for (let i = 0; i < n; i++) {
      const name = `${prefix}k${t === 'REAL' ? 'r' : 'l'}${i}`;
      constInits.set(name, { type: t, init: realLit(b) });
      const l = s.consts.get(t) ?? [];
      l.push(name);
      s.consts.set(t, l);
    }
  }
}

function constDecls(filter: (name: string) => boolean): string {
  return [...constInits]
    .filter(([n]) => filter(n))
    .map(([n, c]) => `  ${n} : ${c.type} := ${c.init};\n`)
    .join('');
}

const VAL_TYPES: ValType[] = ['BOOL', ...NARROW, ...WIDE, 'REAL', 'LREAL', 'TIME'];

function genFunction(b: Builder, id: number, tag: string): { src: string; fn: Fn } {
  const ret = b.pick<ValType>(['BOOL', 'INT', 'DINT', 'LINT', 'REAL', 'LREAL', 'UDINT']);
  const params = Array.from({ length: b.int(1, 3) }, (_, i) => ({
    name: `a${i}`,
    type: i === 0 ? ret : b.pick<ValType>(['BOOL', 'DINT', 'INT', 'REAL', ret]),
  }));
  const fn: Fn = { name: `UserFn${id}_${tag}`, ret, params };
  const s = new Scope();
  for (const p of params) {
    s.add(p.type, p.name);
    s.readOnly.add(p.name);
  }
  s.add('BOOL', 'tb');
  const prefix = `f${id}_`;
  constInits = new Map();
  addRealConsts(b, s, prefix);
  const tmp = b.pick<ValType>(['DINT', 'BOOL', ret]);
  s.add(tmp, 'tmp');
  const body =
    (b.bool(0.5) ? b.assignment(s, '  ') : '') +
    `  IF ${b.expr(s, 'BOOL', 1)} THEN\n    ${fn.name} := ${b.expr(s, ret, 2)};\n  ELSE\n    ${fn.name} := ${b.expr(s, ret, 2)};\n  END_IF;\n`;
  const src =
    `FUNCTION ${fn.name} : ${ret}\nVAR_INPUT\n${params.map((p) => `  ${p.name} : ${p.type};\n`).join('')}END_VAR\n` +
    `VAR\n  tmp : ${tmp};\n  tb : BOOL;\n${constDecls(() => true)}END_VAR\n${body}END_FUNCTION\n`;
  return { src, fn };
}

function genUserFb(b: Builder, id: number, tag: string, fns: Fn[]): { src: string; fb: UserFb } {
  const inputs = Array.from({ length: b.int(1, 3) }, (_, i) => ({
    name: `in${i}`,
    type: b.pick<ValType>(['BOOL', 'BOOL', 'DINT', 'INT', 'REAL']),
  }));
  const outputs = Array.from({ length: b.int(1, 3) }, (_, i) => ({
    name: `out${i}`,
    type: b.pick<ValType>(['BOOL', 'DINT', 'INT', 'REAL', 'TIME', 'LINT']),
  }));
  const fb: UserFb = { name: `UserFb${id}_${tag}`, inputs, outputs };
  const s = new Scope();
  s.functions = fns;
  for (const p of inputs) {
    s.add(p.type, p.name);
    s.readOnly.add(p.name);
  }
  for (const p of outputs) s.add(p.type, p.name);
  const st: string[] = ['  stb : BOOL;\n'];
  s.add('BOOL', 'stb');
  for (let i = 0; i < b.int(1, 3); i++) {
    const t = b.pick<ValType>(['BOOL', 'DINT', 'INT', 'REAL', 'TIME']);
    s.add(t, `st${i}`);
    st.push(`  st${i} : ${t};\n`);
  }
  const std = b.pick(['TON', 'TOF', 'TP', 'CTU', 'R_TRIG', 'RS']);
  s.stdFbs.push({ name: 'inner', kind: std });
  if (std.startsWith('CT')) fbPv.set('inner', b.int(1, 8));
  s.fbOut.set('BOOL', std === 'RS' ? ['inner.Q1'] : ['inner.Q']);
  if (std === 'CTU') s.fbOut.set('INT', ['inner.CV']);
  if (std.startsWith('T')) s.fbOut.set('TIME', ['inner.ET']);
  s.whileVars = ['w0'];
  s.loopVars = ['i0'];
  const prefix = `b${id}_`;
  constInits = new Map();
  addRealConsts(b, s, prefix);
  const body = b.block(s, '  ', b.int(3, 8), 2);
  const src =
    `FUNCTION_BLOCK ${fb.name}\nVAR_INPUT\n${inputs.map((p) => `  ${p.name} : ${p.type};\n`).join('')}END_VAR\n` +
    `VAR_OUTPUT\n${outputs.map((p) => `  ${p.name} : ${p.type};\n`).join('')}END_VAR\n` +
    `VAR\n${st.join('')}  inner : ${std};\n  w0 : INT;\n  i0 : INT;\n${constDecls(() => true)}END_VAR\n${body}END_FUNCTION_BLOCK\n`;
  return { src, fb };
}

/** Options of {@link programArbitrary}. */
export interface GeneratorOptions {
  /** Statements in the main body, at most. @default 60 */
  maxStatements?: number;
  /** Scans per case. @default [100, 300] */
  scans?: [number, number];
}

/** Builds one case from fast-check's generator function; `id` names it. */
function buildCase(g: GenFn, id: string, options: GeneratorOptions): ConformanceCase {
  const b0 = new Builder(g, 0);
  // POU names are distinct across cases so the reference can translate many in one batch
  const tag = id.replace(/\W/g, '_');
  fbPv = new Map();
  const fnSrc: string[] = [];
  const fns: Fn[] = [];
  for (let i = 0; i < b0.int(0, 2); i++) {
    const { src, fn } = genFunction(b0, i, tag);
    fnSrc.push(src);
    fns.push(fn);
  }
  const fbs: UserFb[] = [];
  const fbSrc: string[] = [];
  for (let i = 0; i < b0.int(0, 2); i++) {
    const { src, fb } = genUserFb(b0, i, tag, fns);
    fbSrc.push(src);
    fbs.push(fb);
  }
  const long = b0.bool(0.15);
  const budget = long ? b0.int(40, options.maxStatements ?? 120) : b0.int(5, 30);
  const b = new Builder(g, budget);
  const s = new Scope();
  s.functions = fns;
  constInits = new Map();
  addRealConsts(b, s, '');

  const inputs: CaseVar[] = [];
  const outputs: CaseVar[] = [];
  const decl: string[] = [];
  const locals: string[] = [];
  const nb = b.int(2, 5);
  for (let i = 0; i < nb; i++) inputs.push({ name: `xb${i}`, type: 'BOOL' });
  for (const t of ['INT', 'DINT', 'REAL'] as const)
    if (b.bool(0.6)) inputs.push({ name: `x${t.toLowerCase()}`, type: t });
  for (const v of inputs) {
    s.add(v.type as ValType, v.name);
    s.readOnly.add(v.name);
  }

  // state variables are outputs, so every value is observed every scan
  for (const t of VAL_TYPES) {
    const n = t === 'BOOL' ? b.int(2, 4) : b.int(0, 2);
    for (let i = 0; i < n; i++) {
      const name = `q${t.toLowerCase()}${i}`;
      outputs.push({ name, type: t as CaseType });
      s.add(t, name);
    }
  }
  // standard FB instances
  const kinds = ['TON', 'TOF', 'TP', 'CTU', 'CTD', 'CTUD', 'R_TRIG', 'F_TRIG', 'SR', 'RS'];
  const nStd = b.int(1, 5);
  for (let i = 0; i < nStd; i++) {
    const kind = b.pick(kinds);
    const name = `fb${i}`;
    s.stdFbs.push({ name, kind });
    locals.push(`  ${name} : ${kind};\n`);
    const add = (t: ValType, e: string) => s.fbOut.set(t, [...(s.fbOut.get(t) ?? []), e]);
    if (kind.startsWith('T')) {
      add('BOOL', `${name}.Q`);
      add('TIME', `${name}.ET`);
      outputs.push({ name: `${name}_q`, type: 'BOOL' }, { name: `${name}_et`, type: 'TIME' });
    } else if (kind === 'CTUD') {
      fbPv.set(name, b.int(1, 10));
      add('BOOL', `${name}.QU`);
      add('BOOL', `${name}.QD`);
      add('INT', `${name}.CV`);
      outputs.push({ name: `${name}_q`, type: 'BOOL' }, { name: `${name}_cv`, type: 'INT' });
    } else if (kind.startsWith('CT')) {
      fbPv.set(name, b.int(1, 10));
      add('BOOL', `${name}.Q`);
      add('INT', `${name}.CV`);
      outputs.push({ name: `${name}_q`, type: 'BOOL' }, { name: `${name}_cv`, type: 'INT' });
    } else if (kind === 'SR' || kind === 'RS') {
      add('BOOL', `${name}.Q1`);
      outputs.push({ name: `${name}_q`, type: 'BOOL' });
    } else {
      add('BOOL', `${name}.Q`);
      outputs.push({ name: `${name}_q`, type: 'BOOL' });
    }
  }
  // user FB instances, several per type
  for (const [fi, fb] of fbs.entries()) {
    const n = b.int(1, 3);
    for (let i = 0; i < n; i++) {
      const name = `ufb${fi}_${i}`;
      s.userFbs.push({ name, fb });
      locals.push(`  ${name} : ${fb.name};\n`);
      for (const o of fb.outputs) {
        s.fbOut.set(o.type, [...(s.fbOut.get(o.type) ?? []), `${name}.${o.name}`]);
      }
    }
  }
  // arrays and a struct
  let typeSrc = '';
  if (b.bool(0.6)) {
    const elem = b.pick<ValType>(['DINT', 'INT', 'BOOL', 'REAL', 'LINT']);
    const len = b.int(3, 8);
    s.arrays.push({ name: 'arr', elem, len });
    locals.push(`  arr : ARRAY[0..${len - 1}] OF ${elem};\n`);
  }
  if (b.bool(0.4)) {
    const fields = [
      { name: 'a', type: b.pick<ValType>(['INT', 'DINT', 'UINT']) },
      { name: 'f', type: 'BOOL' as ValType },
      { name: 'r', type: b.pick<ValType>(['REAL', 'LREAL']) },
    ];
    s.structVar = { name: 'rec', fields };
    typeSrc = `TYPE Rec_${tag} :\nSTRUCT\n${fields.map((f) => `  ${f.name} : ${f.type};\n`).join('')}END_STRUCT;\nEND_TYPE\n`;
    locals.push(`  rec : Rec_${tag};\n`);
  }
  s.loopVars = ['i0', 'i1', 'i2'];
  s.whileVars = ['w0', 'w1'];
  locals.push('  i0, i1, i2 : DINT;\n  w0, w1 : INT;\n');

  let body = '';
  while (b.stmtLeft() > 0) body += b.statement(s, '  ', 3);
  // probes: FB outputs, array and struct contents become outputs
  for (const f of s.stdFbs) {
    if (f.kind.startsWith('T')) body += `  ${f.name}_q := ${f.name}.Q;\n  ${f.name}_et := ${f.name}.ET;\n`;
    else if (f.kind === 'CTUD') body += `  ${f.name}_q := ${f.name}.QU;\n  ${f.name}_cv := ${f.name}.CV;\n`;
    else if (f.kind.startsWith('CT'))
      body += `  ${f.name}_q := ${f.name}.Q;\n  ${f.name}_cv := ${f.name}.CV;\n`;
    else if (f.kind === 'SR' || f.kind === 'RS') body += `  ${f.name}_q := ${f.name}.Q1;\n`;
    else body += `  ${f.name}_q := ${f.name}.Q;\n`;
  }
  for (const a of s.arrays) {
    for (let i = 0; i < a.len; i++) {
      const name = `arr_${i}`;
      outputs.push({ name, type: a.elem as CaseType });
      body += `  ${name} := arr[${i}];\n`;
    }
  }
  if (s.structVar) {
    for (const f of s.structVar.fields) {
      const name = `rec_${f.name}`;
      outputs.push({ name, type: f.type as CaseType });
      body += `  ${name} := rec.${f.name};\n`;
    }
  }
  for (const inst of s.userFbs) {
    for (const o of inst.fb.outputs) {
      const name = `${inst.name}_${o.name}`;
      outputs.push({ name, type: o.type as CaseType });
      body += `  ${name} := ${inst.name}.${o.name};\n`;
    }
  }

  for (const v of inputs) decl.push(`  ${v.name} : ${v.type};\n`);
  const program = `Main_${tag}`;
  const source =
    typeSrc +
    fnSrc.join('') +
    fbSrc.join('') +
    `PROGRAM ${program}\nVAR_INPUT\n${decl.join('')}END_VAR\n` +
    `VAR_OUTPUT\n${outputs.map((o) => `  ${o.name} : ${o.type};\n`).join('')}END_VAR\n` +
    `VAR\n${locals.join('')}${constDecls(() => true)}END_VAR\n${body}END_PROGRAM\n`;

  const [smin, smax] = options.scans ?? [100, 300];
  const scans = b0.int(smin, smax);
  const timeline = genTimeline(b0, inputs, scans);
  return { id, source, program, inputs, outputs, scans, timeline };
}

/** Input holds long enough for timers to elapse (5–80 scans at 10 ms against PTs of 20–1500 ms). */
function genTimeline(
  b: Builder,
  inputs: CaseVar[],
  scans: number,
): [number, Record<string, boolean | number>][] {
  const t = new Map<number, Record<string, boolean | number>>();
  const at = (k: number) => {
    const o = t.get(k) ?? {};
    t.set(k, o);
    return o;
  };
  for (const v of inputs) {
    let k = b.int(0, 20);
    let bv = false;
    while (k < scans) {
      const o = at(k);
      if (v.type === 'BOOL') {
        bv = !bv;
        o[v.name] = bv;
      } else if (v.type === 'REAL') {
        // odd multiples of 1/128 are never an exact half: MATIEC rounds halves to even (decision 0011)
        o[v.name] = Math.fround((2 * b.int(-50000, 50000) + 1) / 128);
      } else if (v.type === 'INT') o[v.name] = b.int(-32768, 32767);
      else o[v.name] = b.bool(0.7) ? b.int(-1000, 1000) : b.int(-2147483648, 2147483647);
      k += b.bool(0.2) ? b.int(1, 3) : b.int(5, 80);
    }
  }
  return [...t].sort((x, y) => x[0] - y[0]);
}

/** An arbitrary of conformance cases; ids come from `idOf(n)` in generation order. */
export function programArbitrary(
  options: GeneratorOptions = {},
  idPrefix = 'gen',
): fc.Arbitrary<ConformanceCase> {
  let n = 0;
  return fc
    .noShrink(fc.gen())
    .map((g) => buildCase(g, `${idPrefix}-${String(n++).padStart(6, '0')}`, options));
}

/** `count` cases from `seed`, deterministic. */
export function generateCases(
  seed: number,
  count: number,
  options: GeneratorOptions = {},
): ConformanceCase[] {
  return fc.sample(programArbitrary(options, `s${seed}`), { seed, numRuns: count });
}

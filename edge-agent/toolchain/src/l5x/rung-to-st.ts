/**
 * Ladder rungs as readable Logix Structured Text. Each rung's condition is
 * built as a boolean expression left to right (branches become OR), and each
 * output instruction becomes one statement: OTE an assignment (a seal-in an
 * IF/ELSIF latch), OTL/OTU and the math/move instructions a guarded IF,
 * timers TONR/TOFR/RTOR on an FBD_TIMER, counters their COUNTER members.
 * Where a rung writes a tag its own condition still needs afterwards, the
 * condition is kept in a BOOL tag first, so the statements mean what the rung
 * meant. The same walk renders the simulator's ST (`logix = false`), so the
 * text that is proven is the text that is written.
 */
import type { L5xProgram, L5xProject, L5xRoutine, L5xTag } from './l5x-model';
import {
  convert,
  isNumeric,
  isReal,
  type LogixScope,
  mathType,
  type Operand,
  reference,
  source,
  type TagSymbol,
  Unsupported,
} from './logix-operands';
import type { LogixType } from './logix-types';
import {
  JumpRefusal,
  jumpsOver,
  LoweringError,
  notModelled,
  type RllJump,
  type RllLowering,
  rllJumps,
  scpAsCpt,
  stringMoveAsCopy,
} from './rll-lowering';
import { instructionsOf, parseRung, type RllElement, type RllInstruction } from './rll-parser';

const BOOL: LogixType = { kind: 'elem', name: 'BOOL' };

type Cond =
  | { k: 'const'; v: boolean }
  | { k: 'atom'; text: string; reads: Set<string>; neg: boolean; cmp: boolean }
  | { k: 'and' | 'or'; xs: Cond[] };

const TRUE: Cond = { k: 'const', v: true };
const FALSE: Cond = { k: 'const', v: false };

function and(a: Cond, b: Cond): Cond {
  if (a.k === 'const') return a.v ? b : FALSE;
  if (b.k === 'const') return b.v ? a : FALSE;
  return { k: 'and', xs: [...(a.k === 'and' ? a.xs : [a]), ...(b.k === 'and' ? b.xs : [b])] };
}

function or(a: Cond, b: Cond): Cond {
  if (a.k === 'const') return a.v ? TRUE : b;
  if (b.k === 'const') return b.v ? TRUE : a;
  return { k: 'or', xs: [...(a.k === 'or' ? a.xs : [a]), ...(b.k === 'or' ? b.xs : [b])] };
}

function negate(c: Cond): Cond {
  if (c.k === 'const') return { k: 'const', v: !c.v };
  if (c.k === 'atom') return { ...c, neg: !c.neg };
  const xs = c.xs.map(negate);
  return xs.slice(1).reduce((acc, x) => (c.k === 'and' ? or(acc, x) : and(acc, x)), xs[0] as Cond);
}

function readsOf(c: Cond, out = new Set<string>()): Set<string> {
  if (c.k === 'atom') for (const r of c.reads) out.add(r);
  else if (c.k !== 'const') for (const x of c.xs) readsOf(x, out);
  return out;
}

function render(c: Cond): string {
  if (c.k === 'const') return c.v ? 'TRUE' : 'FALSE';
  if (c.k === 'atom') {
    if (!c.neg) return c.text;
    return c.cmp ? `NOT (${c.text})` : `NOT ${c.text}`;
  }
  const child = (x: Cond) => {
    if (x.k === 'or' && c.k === 'and') return `(${render(x)})`;
    // a compound atom (LIM outside its limits) keeps its own parentheses inside AND/OR
    if (x.k === 'atom' && !x.neg && /\s(AND|OR|XOR)\s/.test(x.text)) return `(${x.text})`;
    return render(x);
  };
  return c.xs.map(child).join(c.k === 'and' ? ' AND ' : ' OR ');
}

function same(a: Cond, b: Cond): boolean {
  return render(a) === render(b);
}

interface Cell {
  c: Cond;
}

/** One statement: lines, run when `guard` holds (null: always). */
interface Stmt {
  guard: Cond | null;
  lines: string[];
  writes: Set<string>;
  comment?: string;
}

const CONDITIONS = new Set(['XIC', 'XIO', 'EQU', 'NEQ', 'LES', 'LEQ', 'GRT', 'GEQ', 'LIM', 'MEQ', 'CMP']);

/** Instructions that write their first operand. */
const WRITES_FIRST = new Set(['OTE', 'OTL', 'OTU', 'ONS', 'MOV', 'CLR', 'COP', 'CPS', 'FLL']);

/** A branch leg of conditions only (no outputs, no one-shots). */
function pureLeg(leg: readonly RllElement[]): boolean {
  return leg.every((e) => (e.kind === 'ins' ? CONDITIONS.has(e.name) : e.legs.every(pureLeg)));
}

/** A timer the conversion moves to an FBD_TIMER. */
interface TimerPlan {
  /** The TIMER operand: Logix path, ST path, root tag (lower case) and its declaration. */
  timer: { name: string; iec: string; root: string; tag?: L5xTag };
  fbd: TagSymbol;
  kind: 'TON' | 'TOF' | 'RTO';
  /** The TIMER is read elsewhere: copy the FBD_TIMER's state back to it after each call. */
  mirror: boolean;
}

/** What the conversion of one routine needs beyond its statements. */
export interface ConversionPlan {
  timers: Map<string, TimerPlan>;
  /** BOOL tags the conversion adds to keep a rung condition (name → purpose). */
  temps: string[];
  /** Jump flags declared for the routine's JMPs: BOOL tags, with the label they jump to. */
  jumps?: { name: string; label: string }[];
}

/** Plans the timers of a routine: FBD_TIMER names and whether each mirrors back. */
export function planConversion(
  project: L5xProject,
  program: L5xProgram,
  routine: L5xRoutine,
  scope: LogixScope,
): ConversionPlan {
  const timers = new Map<string, TimerPlan>();
  const taken = new Set([...project.tags, ...program.tags].map((t) => t.name.toLowerCase()));
  for (const rung of routine.rungs) {
    const walk = (es: RllElement[]) => {
      for (const e of es) {
        if (e.kind === 'branch') {
          for (const l of e.legs) walk(l);
          continue;
        }
        if (e.name !== 'TON' && e.name !== 'TOF' && e.name !== 'RTO') continue;
        const name = (e.operands[0] ?? '').replace(/\s+/g, '');
        // A timer in a structure or at a constant index of an array (`Unit.Tmr[2]`) gets an
        // FBD_TIMER of its own; an index that varies at run time cannot.
        if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+(,\d+)*\])*$/.test(name)) {
          throw new Unsupported(`timer ${name} at a computed index (not converted to an FBD_TIMER)`);
        }
        const o = reference(scope, name);
        const sym = o.root;
        if (!sym || o.type.kind !== 'struct' || o.type.name.toUpperCase() !== 'TIMER')
          throw new Unsupported(`${name} is not a TIMER`);
        const have = timers.get(name.toLowerCase());
        if (have && have.kind !== e.name)
          throw new Unsupported(`timer ${name} used by both ${have.kind} and ${e.name}`);
        // A second TON on the same timer drives the same FBD_TIMER (each call acts on the state
        // the one before left, as in the ladder); the proof checks that it means the same.
        if (have) continue;
        const base = name.replace(/[[\],.]+/g, '_').replace(/_+$/, '');
        let fbdName = `${base.slice(0, 36)}_FBD`;
        for (let k = 2; taken.has(fbdName.toLowerCase()); k++) fbdName = `${base.slice(0, 34)}_FBD${k}`;
        taken.add(fbdName.toLowerCase());
        const path = name !== sym.name;
        const re = new RegExp(`(^|[^A-Za-z0-9_.])${sym.name}(?![A-Za-z0-9_])`, 'i');
        // A controller-scope timer may be read by any program; a program-scope one by its program.
        const isController = sym.tag !== undefined && project.tags.includes(sym.tag);
        const scanned = isController ? project.programs.flatMap((p) => p.routines) : program.routines;
        const elsewhere = scanned.some(
          (r) => r !== routine && (r.rungs.some((g) => re.test(g.text)) || r.lines.some((l) => re.test(l))),
        );
        timers.set(name.toLowerCase(), {
          timer: { name, iec: o.iec, root: sym.name.toLowerCase(), ...(sym.tag ? { tag: sym.tag } : {}) },
          fbd: scope.declareNew(fbdName, 'FBD_TIMER'),
          kind: e.name,
          // a timer inside a structure is compared with the structure: its state is copied back
          mirror: elsewhere || path,
        });
      }
    };
    walk(parseRung(rung.text));
  }
  return { timers, temps: [] };
}

/** The rendered routine. */
export interface RenderedRoutine {
  lines: string[];
  /** Prescan statements (simulator form: the JSR'd ladder routines' own prescan). */
  prescan: string[];
}

/** Walks a routine's rungs and renders the ST; run once per form with the same plan. */
export class RungWriter {
  private stmts: Stmt[] = [];
  private live: Cell[] = [];
  private pending: { target: Operand; root: string; cell: Cell }[] = [];
  /** The condition of the instruction being converted (live while it is). */
  private cur: Cell | undefined;
  private tempNo = 0;
  private rungNo = 0;
  /** The jump flags of the routine's JMPs, by label (lower case). */
  private jumpFlags = new Map<string, string>();
  /** Prescan-equivalent first-scan statements (storage bits, .CU/.CD, sealed outputs). */
  private firstScan: string[] = [];
  private readonly firstScanKeys = new Set<string>();
  private readonly readAnywhere = new Set<string>();
  private readonly otesWritten = new Set<string>();

  constructor(
    readonly scope: LogixScope,
    readonly plan: ConversionPlan,
    readonly routine: L5xRoutine,
    readonly where: string,
    /** The simulator form's ladder lowering (JSR, COP, FLL and AOI calls reuse it). */
    readonly lowering?: RllLowering,
  ) {}

  private get logix(): boolean {
    return this.scope.logix;
  }

  /** Renders every rung; throws {@link LoweringError} naming the rung. */
  run(): RenderedRoutine {
    const out: string[] = [];
    const rungs = this.routine.rungs.map((r) => ({ r, es: parseRung(r.text) }));
    for (const { es } of rungs) this.collectReads(es);
    let jumps: RllJump[] = [];
    try {
      if (this.routine.rungs.some((g) => /\b(JMP|LBL)\s*\(/i.test(g.text)))
        jumps = rllJumps(rungs.map((x) => x.es));
    } catch (e) {
      if (e instanceof JumpRefusal)
        throw new LoweringError(e.reason, `${this.where} rung ${this.routine.rungs[e.rung]?.number}`);
      throw e;
    }
    this.jumpFlags = new Map(jumps.map((j) => [j.label.toLowerCase(), this.jumpFlag(j.label)]));
    // a rung a jump may skip keeps its OTEs' values: the prescan clear of one is observable
    rungs.forEach(({ es }, n) => {
      if (jumpsOver(jumps, n).length > 0) this.otesOf(es);
    });
    // a JMP another jump may skip leaves its flag from the last scan: clear it first
    for (const j of jumps)
      if (jumpsOver(jumps, j.from).length > 0)
        out.push(`${this.jumpFlags.get(j.label.toLowerCase())} := FALSE;`);
    let open: string | undefined;
    rungs.forEach(({ r, es }, n) => {
      const over = jumpsOver(jumps, n).map((j) => this.jumpFlags.get(j.label.toLowerCase()) as string);
      const key = over.join(' OR ');
      if (open !== undefined && open !== key) {
        out.push('END_IF;');
        open = undefined;
      }
      if (key !== '' && open === undefined) {
        out.push(`IF NOT (${key}) THEN`);
        open = key;
      }
      const at = out.length;
      this.rung(r, es, out);
      if (open !== undefined) for (let i = at; i < out.length; i++) out[i] = `    ${out[i]}`;
    });
    if (open !== undefined) out.push('END_IF;');
    if (this.firstScan.length > 0) {
      const fs = this.logix ? 'S:FS' : 'LX_FS';
      out.unshift(
        ...(this.logix ? ['// First scan: what the ladder did in prescan.'] : []),
        `IF ${fs} THEN`,
        ...this.firstScan.map((l) => `    ${l}`),
        'END_IF;',
      );
    }
    return { lines: out, prescan: this.lowering ? [...this.lowering.code.prescan] : [] };
  }

  /** Renders one rung's statements (its comment first) onto `out`. */
  private rung(r: L5xRoutine['rungs'][number], es: RllElement[], out: string[]): void {
    this.rungNo = r.number;
    this.stmts = [];
    try {
      const cell: Cell = { c: TRUE };
      this.seq(es, cell, false);
      this.cur = undefined;
      this.flushPending();
    } catch (e) {
      if (e instanceof Unsupported) throw new LoweringError(e.reason, `${this.where} rung ${r.number}`);
      throw e;
    }
    if (r.comment && this.logix) for (const l of r.comment.split(/\r?\n/)) out.push(`// ${l}`.trimEnd());
    out.push(...this.renderStmts(this.stmts));
  }

  /** Every bit an OTE of these elements writes counts as read (its prescan clear is kept). */
  private otesOf(es: readonly RllElement[]): void {
    for (const e of es) {
      if (e.kind === 'branch') for (const l of e.legs) this.otesOf(l);
      else if (e.name === 'OTE') this.readAnywhere.add((e.operands[0] ?? '').trim().toLowerCase());
    }
  }

  /** The BOOL tag that holds whether the JMP to `label` was taken this scan. */
  private jumpFlag(label: string): string {
    const base = `${this.routine.name.slice(0, 20)}_Jmp_${label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 14)}`;
    const sym = this.scope.lookup(base) ?? this.scope.declareNew(base, 'BOOL');
    const jumps = this.plan.jumps ?? [];
    this.plan.jumps = jumps;
    if (!jumps.some((j) => j.name === sym.name)) jumps.push({ name: sym.name, label });
    return this.logix ? sym.name : sym.iec;
  }

  /** Bits read before the routine writes them with OTE: their prescan reset is observable. */
  private collectReads(es: RllElement[], written = this.otesWritten): void {
    for (const e of es) {
      if (e.kind === 'branch') for (const l of e.legs) this.collectReads(l, written);
      else {
        const op = (e.operands[0] ?? '').trim().toLowerCase();
        if ((e.name === 'XIC' || e.name === 'XIO') && !written.has(op)) this.readAnywhere.add(op);
        if (e.name === 'OTE') written.add(op);
      }
    }
  }

  private renderStmts(stmts: Stmt[]): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < stmts.length) {
      const s = stmts[i] as Stmt;
      if (s.guard === null || (s.guard.k === 'const' && s.guard.v)) {
        out.push(...s.lines);
        i++;
        continue;
      }
      if (s.guard.k === 'const') {
        i++;
        continue;
      }
      // Statements under the same condition share one IF, unless one writes what the condition reads.
      const group = [...s.lines];
      const reads = readsOf(s.guard);
      const written = new Set(s.writes);
      let j = i + 1;
      while (j < stmts.length) {
        const n = stmts[j] as Stmt;
        if (!n.guard || !same(n.guard, s.guard) || written.has('*') || [...reads].some((r) => written.has(r)))
          break;
        group.push(...n.lines);
        for (const w of n.writes) written.add(w);
        j++;
      }
      out.push(`IF ${render(s.guard)} THEN`, ...group.map((l) => `    ${l}`), 'END_IF;');
      i = j;
    }
    return out;
  }

  private emit(guard: Cond | null, lines: string[], writes: string[]): void {
    this.stmts.push({ guard, lines, writes: new Set(writes) });
  }

  private newTemp(): TagSymbol {
    const base = `${this.routine.name.slice(0, 24)}_R${this.rungNo}_C${this.tempNo++}`;
    const existing = this.scope.lookup(base);
    const sym = existing ?? this.scope.declareNew(base, 'BOOL');
    if (!this.plan.temps.includes(sym.name)) this.plan.temps.push(sym.name);
    return sym;
  }

  private materialize(cell: Cell): void {
    if (cell.c.k === 'const') return;
    const t = this.newTemp();
    const name = this.logix ? t.name : t.iec;
    this.emit(null, [`${name} := ${render(cell.c)};`], [t.name.toLowerCase()]);
    cell.c = { k: 'atom', text: name, reads: new Set([t.name.toLowerCase()]), neg: false, cmp: false };
  }

  /** Before writing `root`: keep every condition still needed that reads it. */
  private hazard(root: string | undefined, current?: Cell, currentLive = false): void {
    const cells = [
      ...this.live,
      ...(current && currentLive ? [current] : []),
      ...this.pending.map((p) => p.cell),
    ];
    for (const cell of cells) {
      if (root === undefined ? cell.c.k !== 'const' : readsOf(cell.c).has(root)) this.materialize(cell);
    }
  }

  private flushPending(only?: string): void {
    const keep: typeof this.pending = [];
    const todo = this.pending;
    this.pending = [];
    for (const p of todo) {
      if (only !== undefined && p.root !== only) {
        keep.push(p);
        continue;
      }
      this.pending = [...keep, ...todo.slice(todo.indexOf(p) + 1)];
      this.hazard(p.root, this.cur, this.cur !== undefined);
      this.emit(null, this.assign(p.target, render(p.cell.c), BOOL), [p.root]);
      this.pending = [];
    }
    this.pending = keep;
  }

  private seq(es: readonly RllElement[], cell: Cell, contLive: boolean): void {
    es.forEach((e, i) => {
      const liveAfter = i < es.length - 1 || contLive;
      if (e.kind === 'ins') {
        this.instruction(e, cell, liveAfter);
        return;
      }
      if (e.legs.every(pureLeg)) {
        // Only conditions in the legs: `entry AND (leg OR leg)`, as an engineer writes it.
        const legs = e.legs.map((leg) => {
          const legCell: Cell = { c: TRUE };
          this.seq(leg, legCell, true);
          return legCell.c;
        });
        cell.c = and(
          cell.c,
          legs.reduce((a, b) => or(a, b), FALSE),
        );
        return;
      }
      const entry: Cell = { c: cell.c };
      // A leg that overwrites what the branch's condition reads would force that condition into
      // a tag midway, after the first leg already spelled it out: keep it in the tag up front.
      const legWrites = e.legs.flatMap((l) => instructionsOf(l)).filter((i) => WRITES_FIRST.has(i.name));
      const entryReads = readsOf(entry.c);
      if (
        e.legs.length > 1 &&
        legWrites.some((i) => this.rootsIn(i.operands[0] ?? '').some((r) => entryReads.has(r)))
      ) {
        this.materialize(entry);
      }
      const acc: Cell = { c: FALSE };
      if (liveAfter) this.live.push(acc);
      e.legs.forEach((leg, j) => {
        const more = j < e.legs.length - 1;
        if (more) this.live.push(entry);
        const legCell: Cell = { c: entry.c };
        this.seq(leg, legCell, liveAfter);
        if (more) this.live.pop();
        if (liveAfter) acc.c = or(acc.c, legCell.c);
      });
      if (liveAfter) this.live.pop();
      cell.c = liveAfter ? acc.c : FALSE;
    });
  }

  /** Applies the timer plan to an operand's text (`T.DN` → `T_FBD.DN`). */
  private mapTimers(text: string, write: boolean): string {
    let t = text;
    for (const [, p] of this.plan.timers) {
      const path = p.timer.name.replace(/[.[\]]/g, (c) => `\\${c}`);
      const re = new RegExp(`(^|[^A-Za-z0-9_.])${path}\\.(DN|ACC|TT|EN)(?![A-Za-z0-9_])`, 'gi');
      if (!re.test(t)) continue;
      if (write) throw new Unsupported(`write to ${p.timer.name} members (the timer becomes ${p.fbd.name})`);
      t = t.replace(re, (_m, pre: string, mem: string) => `${pre}${p.fbd.name}.${mem.toUpperCase()}`);
    }
    return t;
  }

  private rootsIn(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*/g)) {
      const s = this.scope.lookup(m[0]);
      if (s) out.push(s.name.toLowerCase());
    }
    if (/^\s*[A-Za-z_][A-Za-z0-9_]*:/.test(text)) out.push(text.trim().toLowerCase());
    return out;
  }

  private src(text: string, want?: LogixType): { o: Operand; roots: string[] } {
    const t = this.mapTimers(text, false);
    const roots = this.rootsIn(t);
    for (const r of roots) if (this.pending.some((p) => p.root === r)) this.flushPending(r);
    return { o: source(this.scope, t, want), roots };
  }

  private dest(text: string, want?: LogixType): { o: Operand; root: string } {
    const t = this.mapTimers(text.trim(), true);
    if (t === '?' || t === '') throw new Unsupported('an operand left unset (?)');
    const o = reference(this.scope, t, want);
    return { o, root: (o.root?.name ?? t).toLowerCase() };
  }

  private atom(text: string, roots: string[], cmp = false): Cond {
    return { k: 'atom', text, reads: new Set(roots), neg: false, cmp };
  }

  private assign(d: Operand, value: string, type: LogixType): string[] {
    if (this.logix) return [`${d.iec} := ${value};`];
    const lines: string[] = [];
    if (!this.lowering) throw new Error('the simulator form needs the ladder lowering');
    this.lowering.assign(d, value, type, lines);
    return lines;
  }

  private cmp(op: string, a: Operand, b: Operand): string {
    const ty = mathType(a.type, b.type);
    return `${convert(a, ty, this.logix)} ${op} ${convert(b, ty, this.logix)}`;
  }

  /**
   * A line of the first-scan block, once per operand and action: two members of one tag
   * (`Unit.ONS[5]`, `Unit.ONS[30]`) are two lines, as the ladder's prescan acts on each.
   */
  private addFirstScan(key: string, line: string): void {
    const k = `${key}\u0000${line}`;
    if (this.firstScanKeys.has(k)) return;
    this.firstScanKeys.add(k);
    this.firstScan.push(line);
  }

  private instruction(written: RllInstruction, cell: Cell, liveAfter: boolean): void {
    const ins = scpAsCpt(this.scope, stringMoveAsCopy(this.scope, written));
    this.cur = cell;
    const ops = ins.operands;
    const need = (n: number) => {
      if (ops.length < n) throw new Unsupported(`${ins.name} needs ${n} operands`);
      return ops;
    };
    const boolSrc = (t: string) => {
      const { o, roots } = this.src(t, BOOL);
      if (!(o.type.kind === 'elem' && o.type.name === 'BOOL')) throw new Unsupported(`${t} is not a BOOL`);
      return this.atom(o.iec, roots);
    };
    const compare = (op: string) => {
      const [x, y] = need(2);
      const a = this.src(x as string);
      const b = this.src(y as string);
      cell.c = and(cell.c, this.atom(this.cmp(op, a.o, b.o), [...a.roots, ...b.roots], true));
    };
    const ops2 = { EQU: '=', NEQ: '<>', LES: '<', LEQ: '<=', GRT: '>', GEQ: '>=' } as Record<string, string>;
    switch (ins.name) {
      case 'XIC':
        cell.c = and(cell.c, boolSrc(need(1)[0] as string));
        return;
      case 'XIO':
        cell.c = and(cell.c, negate(boolSrc(need(1)[0] as string)));
        return;
      case 'EQU':
      case 'NEQ':
      case 'LES':
      case 'LEQ':
      case 'GRT':
      case 'GEQ':
        compare(ops2[ins.name] as string);
        return;
      case 'CMP': {
        const e = this.src(need(1)[0] as string);
        if (!(e.o.type.kind === 'elem' && e.o.type.name === 'BOOL'))
          throw new Unsupported('CMP expression is not a comparison');
        cell.c = and(cell.c, this.atom(e.o.iec, e.roots, true));
        return;
      }
      case 'LIM': {
        const [lo, te, hi] = need(3).map((x) => this.src(x)) as [
          ReturnType<RungWriter['src']>,
          ReturnType<RungWriter['src']>,
          ReturnType<RungWriter['src']>,
        ];
        const ty = mathType(lo.o.type, te.o.type, hi.o.type);
        const [l, t, h] = [lo, te, hi].map((x) => convert(x.o, ty, this.logix)) as [string, string, string];
        const roots = [...lo.roots, ...te.roots, ...hi.roots];
        if (lo.o.literal !== undefined && hi.o.literal !== undefined) {
          const inside = lo.o.literal <= hi.o.literal;
          cell.c = and(
            cell.c,
            this.atom(inside ? `${l} <= ${t} AND ${t} <= ${h}` : `${t} >= ${l} OR ${t} <= ${h}`, roots, true),
          );
        } else {
          cell.c = and(
            cell.c,
            this.atom(
              `(${l} <= ${h} AND ${l} <= ${t} AND ${t} <= ${h}) OR (${l} > ${h} AND (${t} >= ${l} OR ${t} <= ${h}))`,
              roots,
              true,
            ),
          );
        }
        return;
      }
      case 'MEQ': {
        const [s, m, c] = need(3).map((x) => this.src(x)) as [
          ReturnType<RungWriter['src']>,
          ReturnType<RungWriter['src']>,
          ReturnType<RungWriter['src']>,
        ];
        if ([s, m, c].some((x) => !isNumeric(x.o.type) || isReal(x.o.type)))
          throw new Unsupported('MEQ on non-integer operands');
        const ty = mathType(s.o.type, m.o.type, c.o.type);
        const [a, b, d] = [s, m, c].map((x) => convert(x.o, ty, this.logix)) as [string, string, string];
        cell.c = and(
          cell.c,
          this.atom(`(${a} AND ${b}) = (${d} AND ${b})`, [...s.roots, ...m.roots, ...c.roots], true),
        );
        return;
      }
      case 'AFI':
        cell.c = FALSE;
        return;
      case 'NOP':
        return;
      case 'SBR':
        // The caller's JSR fills its operands; Logix ST takes the same instruction first.
        if (ops.length > 0 && this.logix)
          this.emit(null, [`SBR(${ops.map((o) => o.trim()).join(', ')});`], []);
        return;
      case 'OTE':
        this.ote(need(1)[0] as string, cell, liveAfter);
        return;
      case 'OTL':
      case 'OTU': {
        const { o, root } = this.dest(need(1)[0] as string, BOOL);
        this.hazard(root, cell, liveAfter);
        this.emit(cell.c, this.assign(o, ins.name === 'OTL' ? 'TRUE' : 'FALSE', BOOL), [root]);
        return;
      }
      case 'ONS': {
        const { o, root } = this.dest(need(1)[0] as string, BOOL);
        const s = boolSrc(need(1)[0] as string);
        this.pending.push({ target: o, root, cell: { c: cell.c } });
        cell.c = and(cell.c, negate(s));
        this.addFirstScan(root, this.assign(o, 'TRUE', BOOL).join(' '));
        return;
      }
      case 'OSR':
      case 'OSF': {
        const [st, ot] = need(2);
        const sd = this.dest(st as string, BOOL);
        const od = this.dest(ot as string, BOOL);
        const s = boolSrc(st as string);
        this.hazard(od.root, cell, true);
        const pulse = ins.name === 'OSR' ? and(cell.c, negate(s)) : and(negate(cell.c), s);
        this.emit(null, this.assign(od.o, render(pulse), BOOL), [od.root]);
        this.pending.push({ target: sd.o, root: sd.root, cell: { c: cell.c } });
        this.addFirstScan(sd.root, this.assign(sd.o, ins.name === 'OSR' ? 'TRUE' : 'FALSE', BOOL).join(' '));
        this.addFirstScan(od.root, this.assign(od.o, 'FALSE', BOOL).join(' '));
        return;
      }
      case 'TON':
      case 'TOF':
      case 'RTO':
        this.timer(ins, cell);
        return;
      case 'CTU':
      case 'CTD':
        this.counter(ins, cell);
        return;
      case 'RES':
        this.res(need(1)[0] as string, cell, liveAfter);
        return;
      case 'ADD':
      case 'SUB':
      case 'MUL':
      case 'DIV':
      case 'MOD':
      case 'NEG':
      case 'MOV':
      case 'CPT':
      case 'CLR':
      case 'MVM':
        this.math(ins, cell, liveAfter);
        return;
      case 'CONCAT':
      case 'MID':
      case 'DELETE':
      case 'INSERT':
      case 'FIND':
      case 'UPPER':
      case 'LOWER':
      case 'STOD':
      case 'DTOS': {
        // the same instruction in ST (decision 0102); it writes its last operand only
        const { root } = this.dest(ops[ops.length - 1] ?? '');
        this.hazard(root, cell, liveAfter);
        if (this.logix) {
          this.emit(cell.c, [`${ins.name}(${ops.map((o) => o.trim()).join(', ')});`], [root]);
        } else {
          const low = this.lowering as RllLowering;
          const at = low.code.body.length;
          low.instruction(ins, 'rc', true, this.where);
          const lines = low.code.body.splice(at);
          this.emit(cell.c, ['rc := TRUE;', ...lines], [root]);
        }
        return;
      }
      case 'COP':
      case 'CPS':
      case 'FLL':
      case 'SIZE':
      case 'JSR': {
        this.hazard(undefined, cell, liveAfter);
        if (this.logix) {
          this.emit(cell.c, [`${ins.name}(${ops.map((o) => o.trim()).join(', ')});`], ['*']);
        } else {
          const low = this.lowering as RllLowering;
          const at = low.code.body.length;
          low.instruction(ins, 'rc', true, this.where);
          const lines = low.code.body.splice(at);
          this.emit(cell.c, ['rc := TRUE;', ...lines], ['*']);
        }
        return;
      }
      case 'RET':
        throw new Unsupported('RET (not converted: a routine that returns early stays ladder)');
      case 'JMP': {
        // placed and paired by rllJumps: the last instruction of its rung
        const flag = this.jumpFlags.get((ops[0] ?? '').trim().toLowerCase());
        if (!flag) throw notModelled(ins);
        this.emit(null, [`${flag} := ${render(cell.c)};`], [flag.toLowerCase()]);
        return;
      }
      case 'LBL':
        return;
      default: {
        const aoi = this.scope.aoiNames.get(ins.name.toLowerCase());
        if (!aoi) throw notModelled(ins);
        this.hazard(undefined, cell, liveAfter);
        const inst = this.dest(ops[0] ?? '');
        if (this.logix) {
          this.emit(cell.c, [`${aoi.name}(${ops.map((o) => o.trim()).join(', ')});`], ['*']);
        } else {
          const low = this.lowering as RllLowering;
          const at = low.code.body.length;
          low.instruction(ins, 'rc', false, this.where);
          const lines = low.code.body.splice(at);
          this.emit(cell.c, ['rc := TRUE;', ...lines], ['*']);
        }
        cell.c = and(cell.c, this.atom(`${inst.o.iec}.EnableOut`, [inst.root]));
        return;
      }
    }
  }

  /** OTE: `Out := cond;`, or for a seal-in (`Out` in an OR of the condition) an IF/ELSIF latch. */
  private ote(text: string, cell: Cell, liveAfter: boolean): void {
    const { o, root } = this.dest(text, BOOL);
    if (this.readAnywhere.has(text.trim().toLowerCase()))
      this.addFirstScan(`ote:${root}`, this.assign(o, 'FALSE', BOOL).join(' '));
    this.hazard(root, cell, liveAfter);
    const c = cell.c;
    const self = (x: Cond) => x.k === 'atom' && !x.neg && x.text === o.iec;
    const terms = c.k === 'and' ? c.xs : [c];
    const orIdx = terms.findIndex((t) => t.k === 'or' && t.xs.some(self));
    if (!o.bit && orIdx >= 0) {
      const orTerm = terms[orIdx] as { k: 'or'; xs: Cond[] };
      const set = orTerm.xs.filter((x) => !self(x)).reduce<Cond>((a, x) => or(a, x), FALSE);
      const keep = terms.filter((_, i) => i !== orIdx).reduce<Cond>((a, x) => and(a, x), TRUE);
      if (orTerm.xs.filter(self).length === 1 && !readsOf(set).has(root) && !readsOf(keep).has(root)) {
        const lines =
          keep.k === 'const'
            ? [`IF ${render(set)} THEN`, `    ${o.iec} := TRUE;`, 'END_IF;']
            : [
                `IF ${render(negate(keep))} THEN`,
                `    ${o.iec} := FALSE;`,
                `ELSIF ${render(set)} THEN`,
                `    ${o.iec} := TRUE;`,
                'END_IF;',
              ];
        this.emit(null, lines, [root]);
        return;
      }
    }
    this.emit(null, this.assign(o, render(c), BOOL), [root]);
  }

  private timer(ins: RllInstruction, cell: Cell): void {
    const name = (ins.operands[0] ?? '').trim();
    const p = this.plan.timers.get(name.toLowerCase());
    if (!p) throw new Unsupported(`timer ${name} was not planned`);
    const f = this.logix ? p.fbd.name : p.fbd.iec;
    const t = this.logix ? p.timer.name : p.timer.iec;
    const fr = p.fbd.name.toLowerCase();
    this.hazard(fr, cell, true);
    if (p.mirror) this.hazard(p.timer.root, cell, true);
    const call = this.logix ? `${p.kind}R(${f});` : `LX_${p.kind}R(F := ${f}, NOW := LX_NOW);`;
    this.emit(
      null,
      [`${f}.PRE := ${t}.PRE;`, `${f}.TimerEnable := ${render(cell.c)};`, call, ...this.mirror(p)],
      [fr, ...(p.mirror ? [p.timer.root] : [])],
    );
  }

  private mirror(p: TimerPlan): string[] {
    if (!p.mirror) return [];
    const f = this.logix ? p.fbd.name : p.fbd.iec;
    const t = this.logix ? p.timer.name : p.timer.iec;
    // The simulator's hidden timestamp travels too: after the copy the TIMER is the FBD_TIMER.
    return [...['ACC', 'EN', 'TT', 'DN'], ...(this.logix ? [] : ['LX_TS'])].map(
      (m) => `${t}.${m} := ${f}.${m};`,
    );
  }

  private counter(ins: RllInstruction, cell: Cell): void {
    const { o, root } = this.dest(ins.operands[0] ?? '');
    if (o.type.kind !== 'struct' || o.type.name.toUpperCase() !== 'COUNTER')
      throw new Unsupported(`${ins.operands[0]} is not a COUNTER`);
    this.scope.use(o.type);
    this.hazard(root, cell, true);
    const c = o.iec;
    const up = ins.name === 'CTU';
    const bit = up ? 'CU' : 'CD';
    const inner = up
      ? [`IF ${c}.ACC = 2147483647 THEN`, `    ${c}.OV := TRUE;`, 'END_IF;', `${c}.ACC := ${c}.ACC + 1;`]
      : [`IF ${c}.ACC = -2147483648 THEN`, `    ${c}.UN := TRUE;`, 'END_IF;', `${c}.ACC := ${c}.ACC - 1;`];
    const body = [
      `IF NOT ${c}.${bit} THEN`,
      ...inner.map((l) => `    ${l}`),
      'END_IF;',
      `${c}.DN := ${c}.ACC >= ${c}.PRE;`,
    ];
    this.emit(cell.c, body, [root]);
    this.emit(null, [`${c}.${bit} := ${render(cell.c)};`], [root]);
    this.addFirstScan(`${root}.${bit}`, `${c}.${bit} := TRUE;`);
  }

  private res(text: string, cell: Cell, liveAfter: boolean): void {
    const p = this.plan.timers.get(text.trim().toLowerCase());
    if (p) {
      const f = this.logix ? p.fbd.name : p.fbd.iec;
      this.hazard(p.fbd.name.toLowerCase(), cell, liveAfter);
      const call = this.logix ? `${p.kind}R(${f});` : `LX_${p.kind}R(F := ${f}, NOW := LX_NOW);`;
      this.emit(
        cell.c,
        [`${f}.Reset := TRUE;`, call, `${f}.Reset := FALSE;`, ...this.mirror(p)],
        [p.fbd.name.toLowerCase()],
      );
      return;
    }
    const { o, root } = this.dest(text);
    const n = o.type.kind === 'struct' ? o.type.name.toUpperCase() : '';
    this.scope.use(o.type);
    const members =
      n === 'TIMER'
        ? ['ACC := 0', 'EN := FALSE', 'TT := FALSE', 'DN := FALSE']
        : n === 'COUNTER'
          ? ['ACC := 0', 'CU := FALSE', 'CD := FALSE', 'DN := FALSE', 'OV := FALSE', 'UN := FALSE']
          : n === 'CONTROL'
            ? ['POS := 0', ...['EN', 'EU', 'DN', 'EM', 'ER', 'UL', 'IN', 'FD'].map((m) => `${m} := FALSE`)]
            : undefined;
    if (!members) throw new Unsupported(`RES of ${text}, which is not a TIMER, COUNTER or CONTROL`);
    this.hazard(root, cell, liveAfter);
    this.emit(
      cell.c,
      members.map((m) => `${o.iec}.${m};`),
      [root],
    );
  }

  private math(ins: RllInstruction, cell: Cell, liveAfter: boolean): void {
    const ops = ins.operands;
    const need = (n: number) => {
      if (ops.length < n) throw new Unsupported(`${ins.name} needs ${n} operands`);
    };
    let destText: string;
    let value: string;
    let vtype: LogixType;
    const lg = this.logix;
    switch (ins.name) {
      case 'ADD':
      case 'SUB':
      case 'MUL':
      case 'DIV':
      case 'MOD': {
        need(3);
        const a = this.src(ops[0] as string).o;
        const b = this.src(ops[1] as string).o;
        if (!isNumeric(a.type) || !isNumeric(b.type))
          throw new Unsupported(`${ins.name} on non-numeric operands`);
        vtype = mathType(a.type, b.type);
        if (ins.name === 'MOD' && isReal(vtype)) throw new Unsupported('MOD on REAL operands');
        const op = { ADD: '+', SUB: '-', MUL: '*', DIV: '/', MOD: 'MOD' }[ins.name] as string;
        value = `${convert(a, vtype, lg)} ${op} ${convert(b, vtype, lg)}`;
        destText = ops[2] as string;
        break;
      }
      case 'NEG':
      case 'MOV': {
        need(2);
        const a = this.src(ops[0] as string).o;
        if (!isNumeric(a.type)) throw new Unsupported(`${ins.name} on non-numeric operands`);
        vtype = ins.name === 'NEG' ? mathType(a.type) : a.type;
        value = ins.name === 'NEG' ? `-(${convert(a, vtype, lg)})` : a.iec;
        destText = ops[1] as string;
        break;
      }
      case 'CPT': {
        need(2);
        const e = this.src(ops[1] as string).o;
        vtype = e.type;
        value = e.iec;
        destText = ops[0] as string;
        break;
      }
      case 'CLR': {
        need(1);
        destText = ops[0] as string;
        const d0 = this.dest(destText).o;
        vtype = d0.type;
        value = isReal(d0.type) ? '0.0' : '0';
        break;
      }
      default: {
        need(3);
        const a = this.src(ops[0] as string).o;
        const m = this.src(ops[1] as string).o;
        destText = ops[2] as string;
        const d0 = this.src(destText).o;
        if ([a, m, d0].some((x) => !isNumeric(x.type) || isReal(x.type)))
          throw new Unsupported('MVM on non-integer operands');
        vtype = mathType(a.type, m.type, d0.type);
        const [sa, sm, sd] = [a, m, d0].map((x) => convert(x, vtype, lg));
        value = `(${sa} AND ${sm}) OR (${sd} AND NOT ${sm})`;
      }
    }
    const { o, root } = this.dest(destText);
    if (!isNumeric(o.type)) throw new Unsupported(`${ins.name} into ${destText}, which is not numeric`);
    this.hazard(root, cell, liveAfter);
    this.emit(cell.c, this.assign(o, value, vtype), [root]);
  }
}

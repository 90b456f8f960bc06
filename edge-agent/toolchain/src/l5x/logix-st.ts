/**
 * Logix Structured Text routines on the virtual PLC: each statement of a
 * `Type="ST"` routine is translated into the simulator's ST over the same
 * tag scope the ladder lowering uses, so an ST routine can be simulated on its
 * own and a ladder JSR into it runs it. Logix ST as 1756-PM007 describes it:
 * assignments convert to the destination's type (REAL into an integer rounds
 * to the nearest, a tie to the even one), IF/CASE/FOR/WHILE/REPEAT, and the
 * timers TONR/TOFR/RTOR on FBD_TIMER. Anything else is refused by name.
 */
import type { L5xRoutine } from './l5x-model';
import {
  convert,
  expression,
  type LogixScope,
  type Operand,
  reference,
  source,
  Unsupported,
} from './logix-operands';
import { STRING_INSTRUCTIONS_MODELLED, STRING_INSTRUCTIONS_REFUSED } from './logix-strings';
import type { LogixType } from './logix-types';

const BOOL: LogixType = { kind: 'elem', name: 'BOOL' };
const DINT: LogixType = { kind: 'elem', name: 'DINT' };

/** What the translation needs from the ladder lowering it runs inside. */
export interface StLoweringHost {
  readonly scope: LogixScope;
  /** Lines of the model body. */
  readonly body: string[];
  /** Registers a tag the routine reads / writes (for inputs and compared outputs). */
  read(o: Operand): void;
  write(o: Operand): void;
  /** A preset (ms) of a timer, for the scan time of the proof. */
  preset(ms: number): void;
  /** `dest := value` with Logix's conversion, bits masked into their word. */
  assign(d: Operand, value: string, valueType: LogixType, out: string[]): void;
  /** Inlines a JSR target routine. */
  jsr(name: string): void;
  /** Runs COP, CPS, FLL, SIZE or a string instruction as the ladder instruction of the same operands. */
  instruction(name: string, args: string[]): void;
  /** Runs an Add-On Instruction call (`Motor_Ctl(Inst, A, B)`, EnableIn TRUE); false when `name` is no AOI. */
  aoi(name: string, args: string[]): boolean;
  /** The statement lowered next starts at this 0-based line of the routine (where model lines come from). */
  at?(line: number): void;
}

/** The Logix ST timer instructions on FBD_TIMER and the library function of each. */
const TIMERS: Record<string, string> = { TONR: 'LX_TONR', TOFR: 'LX_TOFR', RTOR: 'LX_RTOR' };

/** The text with its comments (line, parenthesis-star and slash-star) blanked; strings are refused. */
function stripComments(text: string, where: string): string {
  let out = '';
  let p = 0;
  while (p < text.length) {
    const two = text.slice(p, p + 2);
    if (two === '//') {
      const e = text.indexOf('\n', p);
      p = e < 0 ? text.length : e;
    } else if (two === '(*' || two === '/*') {
      const e = text.indexOf(two === '(*' ? '*)' : '*/', p + 2);
      if (e < 0) throw new Unsupported(`${where}: a comment is never closed`);
      // keep the comment's line ends, so lines still count as in the file
      out += ` ${text.slice(p, e).replace(/[^\n]/g, '')}`;
      p = e + 2;
    } else if (text[p] === "'" || text[p] === '"') {
      throw new Unsupported(`${where}: string literals are not modelled`);
    } else out += text[p++];
  }
  return out;
}

/** Reads Logix ST statement by statement and writes the model's ST. */
class StReader {
  private p = 0;
  private readonly text: string;
  /** Open blocks, innermost last (`CASE` takes labels before its statements). */
  private readonly blocks: string[] = [];

  constructor(
    private readonly host: StLoweringHost,
    text: string,
    private readonly where: string,
  ) {
    this.text = stripComments(text, where);
  }

  private fail(what: string): never {
    const line = this.text.slice(0, this.p).split('\n').length - 1;
    throw new Unsupported(`${this.where}: ${what}`, line);
  }

  private skipSpace(): void {
    while (this.p < this.text.length && /\s/.test(this.text[this.p] as string)) this.p++;
  }

  /** The text up to the keyword `kw` (outside brackets), the keyword consumed. */
  private until(kw: string): string {
    const re = new RegExp(`\\b${kw}\\b`, 'i');
    const m = re.exec(this.text.slice(this.p));
    if (!m) this.fail(`${kw} missing`);
    const s = this.text.slice(this.p, this.p + m.index);
    this.p += m.index + kw.length;
    return s.trim();
  }

  /** The text up to the next `;` at bracket depth 0, the `;` consumed. */
  private statementText(): string {
    let depth = 0;
    for (let q = this.p; q < this.text.length; q++) {
      const c = this.text[q];
      if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') depth--;
      else if (c === ';' && depth === 0) {
        const s = this.text.slice(this.p, q).trim();
        this.p = q + 1;
        return s;
      }
    }
    return this.fail(`statement '${this.text.slice(this.p).trim().slice(0, 40)}' has no ';'`);
  }

  private cond(text: string): string {
    const e = expression(this.host.scope, text);
    this.readsOf(text);
    return convert(e, BOOL);
  }

  /** Registers every tag an expression reads. */
  private readsOf(text: string): void {
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*/g)) {
      const s = this.host.scope.lookup(m[0]);
      if (s) this.host.read({ iec: s.iec, type: s.type, root: s });
    }
  }

  private keyword(): string | undefined {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.p));
    return m?.[0].toUpperCase();
  }

  /** Reads every statement; a refusal without a line gets the line of the statement being read. */
  run(): void {
    try {
      this.statements();
    } catch (e) {
      if (e instanceof Unsupported && e.line === undefined)
        throw new Unsupported(e.reason, this.text.slice(0, this.p).split('\n').length - 1);
      throw e;
    }
  }

  private statements(): void {
    const b = this.host.body;
    // the line of `p`, counted on from the last statement's start
    let line = 0;
    let counted = 0;
    for (;;) {
      this.skipSpace();
      if (this.p >= this.text.length) break;
      if (this.host.at) {
        for (; counted < this.p; counted++) if (this.text.charCodeAt(counted) === 10) line++;
        this.host.at(line);
      }
      if (this.blocks[this.blocks.length - 1] === 'CASE') {
        const label =
          /^([-+]?\d[\d_]*(\.\.[-+]?\d[\d_]*)?\s*,\s*)*[-+]?\d[\d_]*(\.\.[-+]?\d[\d_]*)?\s*:(?!=)/.exec(
            this.text.slice(this.p),
          );
        if (label) {
          b.push(label[0].replace(/_/g, ''));
          this.p += label[0].length;
          continue;
        }
      }
      const kw = this.keyword();
      const take = () => {
        this.p += (kw as string).length;
      };
      switch (kw) {
        case 'IF':
          take();
          b.push(`IF ${this.cond(this.until('THEN'))} THEN`);
          this.blocks.push('IF');
          continue;
        case 'ELSIF':
          take();
          b.push(`ELSIF ${this.cond(this.until('THEN'))} THEN`);
          continue;
        case 'ELSE':
          take();
          b.push('ELSE');
          continue;
        case 'CASE': {
          take();
          const sel = this.until('OF');
          this.readsOf(sel);
          b.push(`CASE ${convert(expression(this.host.scope, sel), DINT)} OF`);
          this.blocks.push('CASE');
          continue;
        }
        case 'FOR': {
          take();
          const head = this.until('DO');
          const m = /^(.+?):=(.+?)\bTO\b(.+?)(?:\bBY\b(.+))?$/is.exec(head);
          if (!m) this.fail(`FOR ${head}`);
          const v = reference(this.host.scope, (m[1] as string).trim());
          if (v.type.kind !== 'elem' || v.bit) this.fail(`FOR variable ${m[1]}`);
          this.host.write(v);
          const part = (t: string) => {
            this.readsOf(t);
            return convert(expression(this.host.scope, t), v.type);
          };
          const by = m[4] ? ` BY ${part(m[4])}` : '';
          b.push(`FOR ${v.iec} := ${part(m[2] as string)} TO ${part(m[3] as string)}${by} DO`);
          this.blocks.push('FOR');
          continue;
        }
        case 'WHILE':
          take();
          b.push(`WHILE ${this.cond(this.until('DO'))} DO`);
          this.blocks.push('WHILE');
          continue;
        case 'REPEAT':
          take();
          b.push('REPEAT');
          this.blocks.push('REPEAT');
          continue;
        case 'UNTIL': {
          take();
          const c = this.cond(this.until('END_REPEAT'));
          this.close('REPEAT');
          b.push(`UNTIL ${c} END_REPEAT;`);
          this.skipSemicolon();
          continue;
        }
        case 'END_IF':
        case 'END_CASE':
        case 'END_FOR':
        case 'END_WHILE':
          take();
          this.close(kw.slice(4));
          b.push(`${kw};`);
          this.skipSemicolon();
          continue;
        case 'EXIT':
          take();
          if (!this.blocks.some((x) => x === 'FOR' || x === 'WHILE' || x === 'REPEAT'))
            this.fail('EXIT outside a loop');
          b.push('EXIT;');
          this.skipSemicolon();
          continue;
        case 'RETURN':
          this.fail('RETURN is not modelled in ST routines');
      }
      this.simple(this.statementText());
    }
    if (this.blocks.length > 0) this.fail(`${this.blocks[this.blocks.length - 1]} is never closed`);
  }

  private skipSemicolon(): void {
    this.skipSpace();
    if (this.text[this.p] === ';') this.p++;
  }

  private close(block: string): void {
    if (this.blocks.pop() !== block) this.fail(`END_${block} without ${block}`);
  }

  /** An assignment or an instruction call. */
  private simple(s: string): void {
    if (s === '') return;
    if (/\[:=\]/.test(s)) this.fail('non-retentive assignment [:=] is not modelled');
    const at = s.indexOf(':=');
    if (at > 0) {
      const d = reference(this.host.scope, s.slice(0, at).trim());
      const rhs = s.slice(at + 2).trim();
      this.readsOf(rhs);
      const e = source(this.host.scope, rhs, d.type);
      if (
        d.type.kind !== 'elem' &&
        !(e.type.kind === d.type.kind && JSON.stringify(e.type) === JSON.stringify(d.type))
      )
        this.fail(`assignment of ${rhs} to the structure ${s.slice(0, at).trim()}`);
      this.host.write(d);
      this.host.assign(d, e.iec, e.type, this.host.body);
      return;
    }
    const call = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)$/.exec(s);
    if (!call) this.fail(`statement '${s}'`);
    const name = (call[1] as string).toUpperCase();
    const args = (call[2] as string).split(',').map((a) => a.trim());
    const lib = TIMERS[name];
    if (lib) {
      if (args.length !== 1) this.fail(`${name} takes its FBD_TIMER tag only`);
      const t = reference(this.host.scope, args[0] as string);
      if (t.type.kind !== 'struct' || t.type.name.toUpperCase() !== 'FBD_TIMER')
        this.fail(`${args[0]} is not an FBD_TIMER`);
      this.host.scope.use(t.type);
      this.host.read(t);
      this.host.write(t);
      const v = t.root?.tag?.value;
      if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.PRE === 'number')
        this.host.preset(v.PRE);
      this.host.body.push(`${lib}(F := ${t.iec}, NOW := LX_NOW);`);
      return;
    }
    if (name === 'JSR') {
      if (args.length > 2 || (args[1] !== undefined && args[1] !== '0')) this.fail('JSR with parameters');
      this.host.jsr(args[0] as string);
      return;
    }
    // ladder-to-st writes these in ST as the same instruction under the rung's condition
    if (
      name === 'COP' ||
      name === 'CPS' ||
      name === 'FLL' ||
      name === 'SIZE' ||
      (STRING_INSTRUCTIONS_MODELLED as readonly string[]).includes(name)
    ) {
      this.host.instruction(name, args);
      return;
    }
    if (this.host.aoi(name, args)) return;
    const why = STRING_INSTRUCTIONS_REFUSED[name];
    this.fail(`instruction ${name} is not modelled in ST${why ? `: ${why}` : ''}`);
  }
}

/** Translates a Logix ST routine's lines into the model body. Throws {@link Unsupported}. */
export function lowerLogixSt(host: StLoweringHost, routine: L5xRoutine, where: string): void {
  new StReader(host, routine.lines.join('\n'), `${where}/${routine.name}`).run();
}

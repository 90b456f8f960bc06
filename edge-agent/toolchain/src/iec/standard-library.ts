/**
 * The one table of standard functions (IEC 61131-3 §6.6.2.5, 3rd edition
 * Tables 22–37) and of the standard FBs' pin aliases: parameter names, arity,
 * result type rule and what the function computes. The checker types calls
 * with it; the simulator's code generator emits each call from its
 * `semantics`; nobody else keeps a list of standard function names.
 */
import {
  commonType,
  T_BOOL,
  T_DINT,
  T_ERROR,
  T_INT,
  T_LREAL,
  T_REAL,
  T_STRING,
  T_UDINT,
  T_WSTRING,
  type Type,
  underlying,
} from './types';

/**
 * What a standard function computes, for code generators. Functions of one
 * family share an entry shape (`real-math` with the math function's name,
 * `fold` with the operator the arguments are joined with, ...).
 */
export type StdSemantics =
  | { kind: 'abs' }
  | {
      kind: 'real-math';
      fn: 'sqrt' | 'ln' | 'log' | 'exp' | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan';
    }
  | { kind: 'real-math2'; fn: 'atan2' | 'pow' }
  /** `ADD(a, b, c)` is `a + b + c`: the arguments joined left to right with the operator. */
  | { kind: 'fold'; operator: '+' | '*' | '-' | '/' | 'MOD' | 'AND' | 'OR' | 'XOR' }
  /** `GT(a, b, c)` is `a > b AND b > c` (§6.6.2.5.9: comparisons of extensible arity hold pairwise). */
  | { kind: 'compare'; operator: '>' | '>=' | '=' | '<=' | '<' | '<>' }
  | { kind: 'not' }
  | { kind: 'min-max'; max: boolean }
  | { kind: 'limit' }
  | { kind: 'sel' }
  | { kind: 'mux' }
  | { kind: 'move' }
  | { kind: 'shift'; fn: 'shl' | 'shr' | 'rol' | 'ror' }
  | {
      kind: 'string';
      fn: 'len' | 'left' | 'right' | 'mid' | 'concat' | 'insert' | 'del' | 'replace' | 'find';
    }
  | {
      kind: 'date-time';
      fn:
        | 'day-of-week'
        | 'add-tod-time'
        | 'add-dt-time'
        | 'sub-dt-dt'
        | 'sub-tod-tod'
        | 'sub-date-date'
        | 'concat-date-tod'
        | 'concat-date'
        | 'concat-tod';
    }
  | { kind: 'bound'; upper: boolean }
  | { kind: 'clock' }
  | { kind: 'address' }
  | { kind: 'is-valid-ref' }
  | { kind: 'sizeof' }
  | { kind: 'trunc' }
  /** Target services (memory, dynamic allocation, atomics) a virtual PLC cannot give the same meaning. */
  | { kind: 'target-service' };

/** A standard function: parameter names, arity, result rule and semantics. */
export interface StdFunctionDef {
  name: string;
  /**
   * Formal parameter names in positional order (§6.6.1.4.2). For an extensible
   * function the last name ends in `1` and counts on: `IN1, IN2, IN3, ...`.
   */
  params: readonly string[];
  min: number;
  /** Maximum argument count; Infinity for extensible functions (ADD, MAX, CONCAT...). */
  max: number;
  result: (args: Type[]) => Type;
  /** Argument positions that must be variables (ADR, REF, BITADR). */
  lvalueArgs?: number[];
  semantics: StdSemantics;
}

// untyped literals stay untyped so `i := ABS(-5)` fits an INT
const first = (args: Type[]): Type => args[0] ?? T_ERROR;
const common = (args: Type[]): Type => {
  if (args.length === 0) return T_ERROR;
  let t = args[0]!;
  for (let i = 1; i < args.length; i++) t = commonType(t, args[i]!);
  return t;
};
const realOf = (args: Type[]): Type => {
  const a = underlying(args[0] ?? T_ERROR);
  if (a.kind === 'error') return T_ERROR;
  return a.kind === 'elementary' && a.name === 'LREAL' ? T_LREAL : T_REAL;
};
const fixed = (t: Type) => (): Type => t;
const strOf = (args: Type[]): Type => {
  const a = args[0];
  return a?.kind === 'string' && a.wide ? T_WSTRING : T_STRING;
};
const el = (name: string): Type => ({ kind: 'elementary', name }) as Type;
const INF = Number.POSITIVE_INFINITY;

const defs: StdFunctionDef[] = [];
function def(
  name: string,
  params: readonly string[],
  min: number,
  max: number,
  result: (args: Type[]) => Type,
  semantics: StdSemantics,
  lvalueArgs?: number[],
): void {
  defs.push({ name, params, min, max, result, semantics, ...(lvalueArgs ? { lvalueArgs } : {}) });
}

// numeric (§6.6.2.5.3, Table 23)
def('ABS', ['IN'], 1, 1, first, { kind: 'abs' });
for (const [n, fn] of [
  ['SQRT', 'sqrt'],
  ['LN', 'ln'],
  ['LOG', 'log'],
  ['EXP', 'exp'],
  ['SIN', 'sin'],
  ['COS', 'cos'],
  ['TAN', 'tan'],
  ['ASIN', 'asin'],
  ['ACOS', 'acos'],
  ['ATAN', 'atan'],
] as const)
  def(n, ['IN'], 1, 1, realOf, { kind: 'real-math', fn });
def('ATAN2', ['Y', 'X'], 2, 2, realOf, { kind: 'real-math2', fn: 'atan2' });
// arithmetic (§6.6.2.5.4, Table 24)
def('ADD', ['IN1'], 2, INF, common, { kind: 'fold', operator: '+' });
def('MUL', ['IN1'], 2, INF, common, { kind: 'fold', operator: '*' });
def('SUB', ['IN1', 'IN2'], 2, 2, common, { kind: 'fold', operator: '-' });
def('DIV', ['IN1', 'IN2'], 2, 2, common, { kind: 'fold', operator: '/' });
def('MOD', ['IN1', 'IN2'], 2, 2, common, { kind: 'fold', operator: 'MOD' });
def('EXPT', ['IN1', 'IN2'], 2, 2, realOf, { kind: 'real-math2', fn: 'pow' });
def('MOVE', ['IN'], 1, 1, first, { kind: 'move' });
// bit shift and bitwise Boolean (§6.6.2.5.5, Tables 25 and 26)
for (const [n, fn] of [
  ['SHL', 'shl'],
  ['SHR', 'shr'],
  ['ROL', 'rol'],
  ['ROR', 'ror'],
] as const)
  def(n, ['IN', 'N'], 2, 2, first, { kind: 'shift', fn });
def('AND', ['IN1'], 2, INF, common, { kind: 'fold', operator: 'AND' });
def('OR', ['IN1'], 2, INF, common, { kind: 'fold', operator: 'OR' });
def('XOR', ['IN1'], 2, INF, common, { kind: 'fold', operator: 'XOR' });
def('NOT', ['IN'], 1, 1, first, { kind: 'not' });
// selection and comparison (§6.6.2.5.8 Table 28, §6.6.2.5.9 Table 29)
def('SEL', ['G', 'IN0', 'IN1'], 3, 3, (a) => common(a.slice(1)), { kind: 'sel' });
def('MAX', ['IN1'], 2, INF, common, { kind: 'min-max', max: true });
def('MIN', ['IN1'], 2, INF, common, { kind: 'min-max', max: false });
def('LIMIT', ['MN', 'IN', 'MX'], 3, 3, common, { kind: 'limit' });
def('MUX', ['K', 'IN0'], 2, INF, (a) => common(a.slice(1)), { kind: 'mux' });
for (const [n, operator] of [
  ['GT', '>'],
  ['GE', '>='],
  ['EQ', '='],
  ['LE', '<='],
  ['LT', '<'],
] as const)
  def(n, ['IN1'], 2, INF, fixed(T_BOOL), { kind: 'compare', operator });
def('NE', ['IN1', 'IN2'], 2, 2, fixed(T_BOOL), { kind: 'compare', operator: '<>' });
// strings (§6.6.2.5.11, Table 29)
def('LEN', ['IN'], 1, 1, fixed(T_INT), { kind: 'string', fn: 'len' });
def('LEFT', ['IN', 'L'], 2, 2, strOf, { kind: 'string', fn: 'left' });
def('RIGHT', ['IN', 'L'], 2, 2, strOf, { kind: 'string', fn: 'right' });
def('MID', ['IN', 'L', 'P'], 3, 3, strOf, { kind: 'string', fn: 'mid' });
def('CONCAT', ['IN1'], 2, INF, strOf, { kind: 'string', fn: 'concat' });
def('INSERT', ['IN1', 'IN2', 'P'], 3, 3, strOf, { kind: 'string', fn: 'insert' });
def('DELETE', ['IN', 'L', 'P'], 3, 3, strOf, { kind: 'string', fn: 'del' });
def('REPLACE', ['IN1', 'IN2', 'L', 'P'], 4, 4, strOf, { kind: 'string', fn: 'replace' });
def('FIND', ['IN1', 'IN2'], 2, 2, fixed(T_INT), { kind: 'string', fn: 'find' });
// CODESYS: the length of a WSTRING
def('WLEN', ['IN'], 1, 1, fixed(T_INT), { kind: 'string', fn: 'len' });
// time and date (§6.6.2.5.7, 3rd edition Tables 35–37)
def('DAY_OF_WEEK', ['IN'], 1, 1, fixed(el('USINT')), { kind: 'date-time', fn: 'day-of-week' });
def('ADD_TOD_TIME', ['IN1', 'IN2'], 2, 2, fixed(el('TOD')), { kind: 'date-time', fn: 'add-tod-time' });
def('ADD_DT_TIME', ['IN1', 'IN2'], 2, 2, fixed(el('DT')), { kind: 'date-time', fn: 'add-dt-time' });
def('SUB_DT_DT', ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'date-time', fn: 'sub-dt-dt' });
def('SUB_TOD_TOD', ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'date-time', fn: 'sub-tod-tod' });
def('SUB_DATE_DATE', ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'date-time', fn: 'sub-date-date' });
def('CONCAT_DATE_TOD', ['DATE', 'TOD'], 2, 2, fixed(el('DT')), { kind: 'date-time', fn: 'concat-date-tod' });
// a duration times / by a number (2nd edition Table 30 MULTIME/DIVTIME, 3rd edition MUL_TIME/DIV_TIME;
// MATIEC compiles the OSCAT ports' MULTIME calls)
for (const n of ['MULTIME', 'MUL_TIME'])
  def(n, ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'fold', operator: '*' });
for (const n of ['DIVTIME', 'DIV_TIME'])
  def(n, ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'fold', operator: '/' });
// durations added and subtracted (2nd edition Table 30 ADD_TIME/SUB_TIME; MATIEC compiles them)
def('ADD_TIME', ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'fold', operator: '+' });
def('SUB_TIME', ['IN1', 'IN2'], 2, 2, fixed(el('TIME')), { kind: 'fold', operator: '-' });
def('CONCAT_DATE', ['YEAR', 'MONTH', 'DAY'], 3, 3, fixed(el('DATE')), {
  kind: 'date-time',
  fn: 'concat-date',
});
def('CONCAT_TOD', ['HOUR', 'MINUTE', 'SECOND', 'MILLISECOND'], 4, 4, fixed(el('TOD')), {
  kind: 'date-time',
  fn: 'concat-tod',
});
// CODESYS: TIME() reads the PLC's clock (in the virtual PLC: the virtual clock)
def('TIME', [], 0, 0, fixed(el('TIME')), { kind: 'clock' });
// 3rd edition §6.5.3 (variable-length arrays): the bounds of dimension DIM of an array
def('LOWER_BOUND', ['ARR', 'DIM'], 2, 2, fixed(T_DINT), { kind: 'bound', upper: false });
def('UPPER_BOUND', ['ARR', 'DIM'], 2, 2, fixed(T_DINT), { kind: 'bound', upper: true });
// truncation (§6.6.2.5.2)
def('TRUNC', ['IN'], 1, 1, fixed(T_DINT), { kind: 'trunc' });
// CODESYS/TwinCAT operators used as functions
def('SIZEOF', ['IN'], 1, 1, fixed(T_UDINT), { kind: 'sizeof' }, []);
def('ADR', ['IN'], 1, 1, (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }), { kind: 'address' }, [0]);
def('REF', ['IN'], 1, 1, (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }), { kind: 'address' }, [0]);
def('ADRINST', ['IN'], 0, 1, (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }), {
  kind: 'target-service',
});
def('BITADR', ['IN'], 1, 1, fixed(T_UDINT), { kind: 'target-service' }, [0]);
def('__NEW', ['TYPE', 'SIZE'], 1, 2, fixed({ kind: 'pointer', target: T_ERROR }), { kind: 'target-service' });
def('__DELETE', ['IN'], 1, 1, fixed(T_BOOL), { kind: 'target-service' });
def('__QUERYINTERFACE', ['IN', 'OUT'], 2, 2, fixed(T_BOOL), { kind: 'target-service' });
def('__QUERYPOINTER', ['IN', 'OUT'], 2, 2, fixed(T_BOOL), { kind: 'target-service' });
def('__ISVALIDREF', ['IN'], 1, 1, fixed(T_BOOL), { kind: 'is-valid-ref' });
def('TEST_AND_SET', ['IN'], 1, 1, fixed(T_BOOL), { kind: 'target-service' });
// TwinCAT/CODESYS: the name of the calling POU as a STRING, filled in by the compiler
def('__POUNAME', [], 0, 0, fixed(T_STRING), { kind: 'target-service' });

/** Standard functions by upper-case name. */
export const STANDARD_FUNCTIONS: ReadonlyMap<string, StdFunctionDef> = new Map(defs.map((d) => [d.name, d]));

/**
 * The formal name of positional parameter `index` of a standard function
 * (`IN3` for an extensible function's third input), or undefined past its arity.
 */
export function stdParamName(fn: StdFunctionDef, index: number): string | undefined {
  if (index >= fn.max) return undefined;
  if (index < fn.params.length - 1 || fn.max !== INF) return fn.params[index];
  const last = fn.params[fn.params.length - 1]!;
  const m = /^(.*?)(\d+)$/.exec(last);
  if (!m) return undefined;
  return `${m[1]}${Number(m[2]) + index - (fn.params.length - 1)}`;
}

/**
 * The argument expressions of a standard function call in positional order,
 * named arguments (`NOT(IN := x)`, `SEL(G := c, IN0 := a, IN1 := b)`) put in
 * their parameter's place. EN/ENO are left out. Undefined when a name is not a
 * parameter of `fn` or a position is given twice.
 */
export function stdArgumentOrder<A extends { name?: string | undefined; direction: string }>(
  fn: StdFunctionDef,
  args: readonly A[],
): A[] | undefined {
  const out: A[] = [];
  let positional = 0;
  // an indexed loop: the checker calls this at every standard call, in cold code where for-of
  // makes an iterator result per step
  for (let ai = 0; ai < args.length; ai++) {
    const a = args[ai]!;
    if (a.name !== undefined && /^(EN|ENO)$/i.test(a.name)) continue;
    if (a.direction !== 'input') return undefined;
    if (a.name === undefined) {
      // after a named argument a positional one takes the next free place
      // (`FIND(STR1 := s, '.')`, `RIGHT(STR := s, n)`: TwinCAT compiles both)
      while (out[positional] !== undefined) positional++;
      out[positional++] = a;
      continue;
    }
    const up = a.name.toUpperCase();
    let idx = -1;
    for (let i = 0; i < Math.max(fn.params.length, args.length); i++)
      if (stdParamName(fn, i) === up) {
        idx = i;
        break;
      }
    if (idx < 0) idx = CODESYS_STRING_PARAMS.get(fn.name)?.indexOf(up) ?? -1;
    if (idx < 0 || out[idx] !== undefined) return undefined;
    out[idx] = a;
  }
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) return undefined;
  return out;
}

/**
 * CODESYS Standard's formal parameter names of the string functions, by position
 * (`FIND(STR1 := s, STR2 := 'x')`, `LEFT(STR := s, SIZE := 3)`), next to IEC's IN1, L, P.
 */
const CODESYS_STRING_PARAMS: ReadonlyMap<string, readonly string[]> = new Map([
  ['CONCAT', ['STR1', 'STR2']],
  ['LEN', ['STR']],
  ['LEFT', ['STR', 'SIZE']],
  ['RIGHT', ['STR', 'SIZE']],
  ['MID', ['STR', 'LEN', 'POS']],
  ['FIND', ['STR1', 'STR2']],
  ['INSERT', ['STR1', 'STR2', 'POS']],
  ['DELETE', ['STR', 'LEN', 'POS']],
  ['REPLACE', ['STR1', 'STR2', 'L', 'P']],
  // the WSTRING forms (Tc2_Standard, CODESYS Standard64) name theirs the same way
  ['WCONCAT', ['STR1', 'STR2']],
  ['WLEN', ['STR']],
  ['WLEFT', ['STR', 'SIZE']],
  ['WRIGHT', ['STR', 'SIZE']],
  ['WMID', ['STR', 'LEN', 'POS']],
  ['WFIND', ['STR1', 'STR2']],
  ['WINSERT', ['STR1', 'STR2', 'POS']],
  ['WDELETE', ['STR', 'LEN', 'POS']],
  ['WREPLACE', ['STR1', 'STR2', 'L', 'P']],
]);

/**
 * Alternative pin names of the standard FBs: the 3rd edition's long names of
 * the bistables (§6.6.3.5.1, Table 43: SR has `SET1`/`RESET`, RS has
 * `SET`/`RESET1`) next to the short ones the FB is declared with.
 */
export const STD_FB_PIN_ALIASES: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  [
    'SR',
    new Map([
      ['SET1', 'S1'],
      ['RESET', 'R'],
    ]),
  ],
  [
    'RS',
    new Map([
      ['SET', 'S'],
      ['RESET1', 'R1'],
    ]),
  ],
  // CODESYS Standard names the counters' reset and load inputs RESET and LOAD (IEC: R, LD)
  ['CTU', new Map([['RESET', 'R']])],
  ['CTD', new Map([['LOAD', 'LD']])],
  [
    'CTUD',
    new Map([
      ['RESET', 'R'],
      ['LOAD', 'LD'],
    ]),
  ],
]);

/** The declared pin name behind `pin` of standard FB `fb` (itself when it is not an alias). */
export function stdFbPin(fb: string, pin: string): string {
  return STD_FB_PIN_ALIASES.get(fb.toUpperCase())?.get(pin.toUpperCase()) ?? pin;
}

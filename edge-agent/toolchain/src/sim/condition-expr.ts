/**
 * The small expression language of equivalence assumptions and relations:
 * ST operators (NOT, AND, OR, XOR, =, <>, <, <=, >, >=, +, -, *, /), literals
 * (TRUE, FALSE, numbers, T#… durations in ms, 'strings'), dotted names, and
 * `->` for implication (`new -> old`: never TRUE where old is FALSE).
 * Names are case-insensitive, as in ST.
 */
import { parseDuration } from './iec-time';
import { SIM_ERROR_CODES, SimError } from './sim-errors';

/** A parsed condition. */
export type CondExpr =
  | { k: 'lit'; v: boolean | number | string }
  | { k: 'name'; name: string }
  | { k: 'not'; e: CondExpr }
  | { k: 'neg'; e: CondExpr }
  | { k: 'bin'; op: string; a: CondExpr; b: CondExpr };

const TOKEN =
  /\s*(?:(T#[\w.#-]+|TIME#[\w.#-]+)|(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|('(?:[^']|'')*')|([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*|\[\d+(?:,\d+)*\])*)|(->|<=|>=|<>|[=<>()+\-*/]))/y;

/** Parses a condition; throws SimError(BAD_INPUT) with the position on a syntax error. */
export function parseCondition(text: string): CondExpr {
  const toks: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `cannot read '${text}' at column ${pos + 1}`);
    toks.push((m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]) as string);
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => toks[i]?.toUpperCase();
  const fail = (msg: string): never => {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `'${text}': ${msg}`);
  };
  const binary = (ops: string[], next: () => CondExpr) => (): CondExpr => {
    let a = next();
    while (ops.includes(peek() ?? '')) {
      const op = peek() as string;
      i++;
      a = { k: 'bin', op, a, b: next() };
    }
    return a;
  };
  const primary = (): CondExpr => {
    const t = toks[i++];
    if (t === undefined) return fail('unexpected end');
    const u = t.toUpperCase();
    if (u === '(') {
      const e = implication();
      if (toks[i++] !== ')') fail("expected ')'");
      return e;
    }
    if (u === 'NOT') return { k: 'not', e: primary() };
    if (u === '-') return { k: 'neg', e: primary() };
    if (u === 'TRUE' || u === 'FALSE') return { k: 'lit', v: u === 'TRUE' };
    if (/^\d/.test(t)) return { k: 'lit', v: Number(t) };
    if (t.startsWith("'")) return { k: 'lit', v: t.slice(1, -1).replace(/''/g, "'") };
    if (/^(T|TIME)#/i.test(t)) {
      const ms = parseDuration(t);
      if (ms === undefined) fail(`bad duration ${t}`);
      return { k: 'lit', v: ms as number };
    }
    if (/^[A-Za-z_]/.test(t)) return { k: 'name', name: t };
    return fail(`unexpected '${t}'`);
  };
  const mul = binary(['*', '/'], primary);
  const add = binary(['+', '-'], mul);
  const cmp = binary(['=', '<>', '<', '<=', '>', '>='], add);
  const and = binary(['AND', '&'], cmp);
  const xor = binary(['XOR'], and);
  const or = binary(['OR'], xor);
  // implication is right-associative and binds loosest
  const implication = (): CondExpr => {
    const a = or();
    if (peek() === '->') {
      i++;
      return { k: 'bin', op: '->', a, b: implication() };
    }
    return a;
  };
  const e = implication();
  if (i < toks.length) fail(`unexpected '${toks[i]}'`);
  return e;
}

/** Names used by a condition (as written). */
export function conditionNames(e: CondExpr, out: string[] = []): string[] {
  if (e.k === 'name') out.push(e.name);
  else if (e.k === 'not' || e.k === 'neg') conditionNames(e.e, out);
  else if (e.k === 'bin') {
    conditionNames(e.a, out);
    conditionNames(e.b, out);
  }
  return out;
}

type V = boolean | number | bigint | string;

function num(v: V): number {
  return typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? Number(v) : Number(v);
}

/** Evaluates a condition with a name lookup. */
export function evalCondition(e: CondExpr, lookup: (name: string) => V): V {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'name':
      return lookup(e.name);
    case 'not': {
      const v = evalCondition(e.e, lookup);
      return typeof v === 'boolean' ? !v : ~num(v);
    }
    case 'neg':
      return -num(evalCondition(e.e, lookup));
    case 'bin': {
      const a = evalCondition(e.a, lookup);
      if (e.op === '->') return !a || Boolean(evalCondition(e.b, lookup));
      const b = evalCondition(e.b, lookup);
      switch (e.op) {
        case 'AND':
        case '&':
          return typeof a === 'boolean' ? a && Boolean(b) : num(a) & num(b);
        case 'OR':
          return typeof a === 'boolean' ? a || Boolean(b) : num(a) | num(b);
        case 'XOR':
          return typeof a === 'boolean' ? a !== Boolean(b) : num(a) ^ num(b);
        case '=':
          return typeof a === 'string' || typeof b === 'string' ? String(a) === String(b) : num(a) === num(b);
        case '<>':
          return typeof a === 'string' || typeof b === 'string' ? String(a) !== String(b) : num(a) !== num(b);
        case '<':
          return num(a) < num(b);
        case '<=':
          return num(a) <= num(b);
        case '>':
          return num(a) > num(b);
        case '>=':
          return num(a) >= num(b);
        case '+':
          return num(a) + num(b);
        case '-':
          return num(a) - num(b);
        case '*':
          return num(a) * num(b);
        default:
          return num(b) === 0 ? Number.NaN : num(a) / num(b);
      }
    }
  }
}

/**
 * The one constant evaluator (IEC 61131-3 §6.5.1: VAR CONSTANT, array bounds,
 * string lengths, subrange and enumeration values, CASE labels, repetition
 * counts). The checker and the simulator's code generator both fold constants
 * with it; what a *name* means is the caller's answer (its scopes), so the two
 * cannot disagree on arithmetic.
 */
import type { EnumLiteral, Expression, Identifier, MemberExpression } from './ast';

/** A compile-time value: integers (bigint past 53 bits), reals, Booleans, strings, durations and dates in ms. */
export type ConstantValue = number | bigint | boolean | string;

/**
 * What a name means to the caller: its value, the initialiser expression of a
 * constant to evaluate in turn, or undefined when it is not a constant.
 */
export type ConstantResolver = (
  name: Identifier | MemberExpression | EnumLiteral,
) => ConstantValue | { init: Expression } | undefined;

/** The size in bytes of the type (or typed name) an argument of SIZEOF names, or undefined when not known. */
type SizeOfResolver = (arg: Expression) => number | undefined;

/** Deeper than this (or a constant defined by itself) is "not a constant", never a stack overflow. */
export const MAX_CONSTANT_DEPTH = 256;

/**
 * Folds `e` to a value, or undefined when it is not a constant expression.
 * Integer `/` truncates toward zero and `MOD` takes the dividend's sign
 * (§6.6.2.5.4, Table 24); division by zero is not a constant.
 *
 * @example
 * evaluateConstant(parseExpr('SIZE - 1'), (n) => (n.kind === 'Identifier' && n.name === 'SIZE' ? 4 : undefined)); // 3
 */
export function evaluateConstant(
  e: Expression,
  resolve: ConstantResolver,
  depth = 0,
  sizeOf?: SizeOfResolver,
): ConstantValue | undefined {
  if (depth > MAX_CONSTANT_DEPTH) return undefined;
  const sub = (x: Expression): ConstantValue | undefined => evaluateConstant(x, resolve, depth + 1, sizeOf);
  switch (e.kind) {
    case 'IntegerLiteral':
    case 'RealLiteral':
    case 'BoolLiteral':
    case 'StringLiteral':
      return e.value;
    case 'TimeLiteral':
    case 'DateTimeLiteral':
      return e.ms;
    case 'Paren':
      return sub(e.expression);
    case 'Unary': {
      const v = sub(e.operand);
      if (v === undefined) return undefined;
      if (e.operator === 'NOT') return typeof v === 'boolean' ? !v : undefined;
      if (e.operator === '-') return typeof v === 'bigint' || typeof v === 'number' ? -v : undefined;
      return typeof v === 'bigint' || typeof v === 'number' ? v : undefined;
    }
    case 'Binary': {
      const a = sub(e.left);
      if (a === undefined) return undefined;
      const b = sub(e.right);
      if (b === undefined) return undefined;
      return binary(e.operator, a, b);
    }
    case 'Identifier':
    case 'Member':
    case 'EnumLiteral': {
      const r = resolve(e);
      if (r === undefined) return undefined;
      if (typeof r === 'object' && 'init' in r) return sub(r.init);
      return r;
    }
    case 'Call': {
      // SIZEOF(T) / XSIZEOF(T) of a type whose size the caller knows (TwinCAT: `ARRAY[0..SIZEOF(ST_X) - 1]`)
      const arg = e.args.length === 1 && !e.args[0]!.name ? e.args[0]!.value : undefined;
      if (!sizeOf || !arg || e.callee.kind !== 'Identifier' || !/^X?SIZEOF$/i.test(e.callee.name))
        return undefined;
      return sizeOf(arg);
    }
    default:
      return undefined;
  }
}

function binary(op: string, a: ConstantValue, b: ConstantValue): ConstantValue | undefined {
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    switch (op) {
      case 'AND':
      case 'AND_THEN':
        return a && b;
      case 'OR':
      case 'OR_ELSE':
        return a || b;
      case 'XOR':
      case '<>':
        return a !== b;
      case '=':
        return a === b;
      default:
        return undefined;
    }
  }
  if ((typeof a !== 'number' && typeof a !== 'bigint') || (typeof b !== 'number' && typeof b !== 'bigint'))
    return undefined;
  const x = Number(a);
  const y = Number(b);
  const ints = Number.isInteger(x) && Number.isInteger(y);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? undefined : ints ? Math.trunc(x / y) : x / y;
    case 'MOD':
      return y === 0 ? undefined : x % y;
    case '=':
      return x === y;
    case '<>':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
    default:
      return undefined;
  }
}

/** The value when it is an integer (array bounds, lengths, counts), else undefined. */
export function integerConstant(v: ConstantValue | undefined): number | bigint | undefined {
  if (typeof v === 'bigint') return v;
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

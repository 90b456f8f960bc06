/**
 * Shapes of initialisers (§6.5.2) that the parser cannot tell apart without
 * knowing the names: `[N(7)]` repeats 7 N times when N is a constant, but reads
 * like a call of a function N.
 */
import type { ArrayInitElement, Expression, Identifier } from './ast';

/**
 * The repetition of an array initialiser element counted by a name
 * (`N(7)`, `N()`), when `e` has that shape; whether the name is an integer
 * constant is the caller's question to the model.
 */
export function repeatedByName(e: ArrayInitElement): { repeat: Identifier; value?: Expression } | undefined {
  if (e.repeat || !e.value || e.value.kind !== 'Call') return undefined;
  const call = e.value;
  if (call.callee.kind !== 'Identifier' || call.args.length > 1) return undefined;
  const arg = call.args[0];
  if (arg && (arg.name !== undefined || arg.direction !== 'input' || !arg.value)) return undefined;
  return { repeat: call.callee, ...(arg?.value ? { value: arg.value } : {}) };
}

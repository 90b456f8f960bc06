/**
 * Parses a ladder rung in the Logix neutral text form, e.g.
 * `XIC(Start)[XIO(Stop),OTE(Run)];`: instructions with their operands as
 * text, and branches (`[leg,leg]`) whose legs are instruction sequences.
 */

/** An instruction with its operands as written (`?` for an unset operand). */
export interface RllInstruction {
  kind: 'ins';
  name: string;
  operands: string[];
  /** Offset in the rung text. */
  offset: number;
}

/** A branch: parallel legs, each a sequence. */
export interface RllBranch {
  kind: 'branch';
  legs: RllElement[][];
  offset: number;
}

/** One element of a rung. */
export type RllElement = RllInstruction | RllBranch;

/** A rung's text could not be parsed; `offset` points into it. */
export class RllSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RllSyntaxError';
  }
}

/** Parses one rung's neutral text into its elements (the final `;` is optional). */
export function parseRung(text: string): RllElement[] {
  let p = 0;
  const n = text.length;
  const ws = () => {
    while (p < n && /\s/.test(text[p] as string)) p++;
  };
  const seq = (stop: string): RllElement[] => {
    const out: RllElement[] = [];
    for (;;) {
      ws();
      if (p >= n) return out;
      const c = text[p] as string;
      if (stop.includes(c)) return out;
      if (c === '[') {
        const at = p++;
        const legs: RllElement[][] = [seq(',]')];
        for (;;) {
          ws();
          if (text[p] === ',') {
            p++;
            legs.push(seq(',]'));
            continue;
          }
          if (text[p] === ']') {
            p++;
            break;
          }
          throw new RllSyntaxError('branch is never closed', at);
        }
        out.push({ kind: 'branch', legs, offset: at });
        continue;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(p));
      if (!m) throw new RllSyntaxError(`unexpected '${c}'`, p);
      const at = p;
      p += m[0].length;
      ws();
      const operands: string[] = [];
      if (text[p] === '(') {
        p++;
        operands.push(...operandList());
      }
      out.push({ kind: 'ins', name: m[0].toUpperCase(), operands, offset: at });
    }
  };
  const operandList = (): string[] => {
    const ops: string[] = [];
    let depth = 0;
    let start = p;
    for (; p < n; p++) {
      const c = text[p] as string;
      if (c === "'" || c === '"') {
        const close = text.indexOf(c, p + 1);
        if (close < 0) throw new RllSyntaxError('string is never closed', p);
        p = close;
      } else if (c === '(' || c === '[') depth++;
      else if ((c === ')' || c === ']') && depth > 0) depth--;
      else if (depth === 0 && (c === ',' || c === ')')) {
        const op = text.slice(start, p).trim();
        if (c === ')') {
          if (op !== '' || ops.length > 0) ops.push(op);
          p++;
          return ops;
        }
        ops.push(op);
        start = p + 1;
      }
    }
    throw new RllSyntaxError('operand list is never closed', start);
  };
  const elements = seq(';');
  ws();
  if (p < n && text[p] === ';') p++;
  ws();
  if (p < n) throw new RllSyntaxError(`unexpected '${text[p]}' after the rung`, p);
  return elements;
}

/** Every instruction of a rung, branches flattened, in order. */
export function instructionsOf(elements: readonly RllElement[]): RllInstruction[] {
  const out: RllInstruction[] = [];
  const walk = (es: readonly RllElement[]) => {
    for (const e of es) {
      if (e.kind === 'ins') out.push(e);
      else for (const l of e.legs) walk(l);
    }
  };
  walk(elements);
  return out;
}

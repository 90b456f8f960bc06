/**
 * Instruction List → Structured Text (IEC 61131-3 2nd edition §3.2, kept in
 * PLCopen XML exports of older projects). The current result (CR) is kept
 * as an ST expression and written out by ST/S/R/JMPC/CAL/RET; after `ST v`
 * the CR is `v` itself, so an expression is never evaluated twice with a
 * changed operand. Deferred operators `AND( ... )` nest. Labels stay labels,
 * jumps become JMP.
 */

/** What {@link ilToSt} returns: ST lines, variables they need, and the IL lines it could not convert. */
export interface IlConversion {
  lines: string[];
  /** `_IL_CR : T;` when a current result is carried across a jump to a label. */
  vars: string[];
  errors: { line: number; message: string }[];
}

const BINARY: Record<string, string> = {
  AND: 'AND',
  '&': 'AND',
  OR: 'OR',
  XOR: 'XOR',
  ADD: '+',
  SUB: '-',
  MUL: '*',
  DIV: '/',
  MOD: 'MOD',
  GT: '>',
  GE: '>=',
  EQ: '=',
  NE: '<>',
  LE: '<=',
  LT: '<',
};

/** Removes `(* *)` comments (nestable) and `//` comments, keeping line breaks. */
function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const n = text[i + 1];
    if (c === '(' && n === '*') {
      depth++;
      i++;
      continue;
    }
    if (depth > 0 && c === '*' && n === ')') {
      depth--;
      i++;
      continue;
    }
    if (depth === 0 && c === '/' && n === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    if (depth > 0) {
      if (c === '\n') out += '\n';
      continue;
    }
    out += c;
  }
  return out;
}

const LABEL = /^([A-Za-z_][A-Za-z0-9_]*)\s*:(?!=)\s*(.*)$/;

/**
 * Converts an IL body. `typeOf` gives the declared type of a variable; it
 * types the `_IL_CR` variable that carries the current result to a label
 * whose code uses it without loading first (§3.2: a jump keeps the CR).
 */
export function ilToSt(
  text: string,
  typeOf: (name: string) => string | undefined = () => undefined,
): IlConversion {
  const lines: string[] = [];
  const vars: string[] = [];
  const errors: IlConversion['errors'] = [];
  let cr: string | undefined;
  const stack: { op: string; cr: string; negate: boolean }[] = [];
  const src = stripComments(text).split('\n');
  // labels whose code starts without LD/LDN receive the CR from every way in
  const carried = new Map<string, string | undefined>();
  src.forEach((raw, idx) => {
    const m = LABEL.exec(raw.trim());
    if (!m) return;
    let next = m[2]!.trim();
    let stored: string | undefined;
    for (let j = idx + 1; !next && j < src.length; j++) next = src[j]!.trim();
    if (/^LDN?\b/i.test(next)) return;
    for (let j = idx; j < src.length && stored === undefined; j++) {
      const st = /\bSTN?\s+([A-Za-z_][A-Za-z0-9_.]*)/i.exec(src[j]!);
      if (st) stored = typeOf(st[1]!);
    }
    carried.set(m[1]!.toUpperCase(), stored);
  });
  const carry = (label: string): void => {
    if (!carried.has(label.toUpperCase()) || cr === undefined || cr === '_IL_CR') return;
    if (vars.length === 0) {
      const t = carried.get(label.toUpperCase());
      if (t === undefined) throw new Error(`cannot tell the type of the result carried to ${label}`);
      vars.push(`_IL_CR : ${t};`);
    }
    lines.push(`_IL_CR := ${cr};`);
  };
  let reachable = true;
  src.forEach((raw, idx) => {
    let line = raw.trim();
    if (!line) return;
    const label = LABEL.exec(line);
    if (label) {
      try {
        if (reachable) carry(label[1]!);
      } catch (err) {
        errors.push({ line: idx + 1, message: (err as Error).message });
      }
      lines.push(`${label[1]}:`);
      cr = carried.has(label[1]!.toUpperCase()) ? '_IL_CR' : undefined;
      reachable = true;
      line = label[2]!.trim();
      if (!line) return;
    }
    const m = /^([A-Za-z_&][A-Za-z0-9_]*|\))\s*(\(?)\s*(.*)$/.exec(line);
    if (!m) {
      errors.push({ line: idx + 1, message: `cannot read '${line}'` });
      return;
    }
    const op = m[1]!.toUpperCase();
    const open = m[2] === '(';
    const operand = m[3]!.trim();
    const need = (): string => {
      if (cr === undefined) throw new Error('no current result (LD first)');
      return cr;
    };
    try {
      if (op === ')') {
        const top = stack.pop();
        if (!top) throw new Error("')' without a deferred operator");
        const inner = need();
        cr = binary(top.cr, top.op, top.negate ? `NOT (${inner})` : inner);
        return;
      }
      if (op === 'LD' || op === 'LDN') {
        cr = op === 'LD' ? operand : `NOT (${operand})`;
        return;
      }
      if (op === 'ST' || op === 'STN') {
        const v = need();
        lines.push(`${operand} := ${op === 'ST' ? v : `NOT (${v})`};`);
        cr = op === 'ST' ? operand : `NOT (${operand})`;
        return;
      }
      if (op === 'S' || op === 'R') {
        lines.push(`IF ${need()} THEN ${operand} := ${op === 'S' ? 'TRUE' : 'FALSE'}; END_IF;`);
        return;
      }
      if (op === 'NOT') {
        cr = `NOT (${need()})`;
        return;
      }
      const base = op.endsWith('N') && BINARY[op.slice(0, -1)] ? op.slice(0, -1) : op;
      const negate = base !== op;
      if (BINARY[base]) {
        const left = need();
        if (open) {
          stack.push({ op: base, cr: left, negate });
          cr = operand || undefined;
          return;
        }
        cr = binary(left, base, negate ? `NOT (${operand})` : operand);
        return;
      }
      if (op === 'JMP' || op === 'JMPC' || op === 'JMPCN') {
        if (op === 'JMP') {
          carry(operand);
          lines.push(`JMP ${operand};`);
          reachable = false;
        } else lines.push(`IF ${op === 'JMPC' ? need() : `NOT (${need()})`} THEN JMP ${operand}; END_IF;`);
        return;
      }
      if (op === 'RET' || op === 'RETC' || op === 'RETCN') {
        if (op === 'RET') lines.push('RETURN;');
        else lines.push(`IF ${op === 'RETC' ? need() : `NOT (${need()})`} THEN RETURN; END_IF;`);
        return;
      }
      if (op === 'CAL' || op === 'CALC' || op === 'CALCN') {
        const call = /\)\s*$/.test(operand) ? `${operand};` : `${operand}();`;
        if (op === 'CAL') lines.push(call);
        else lines.push(`IF ${op === 'CALC' ? need() : `NOT (${need()})`} THEN ${call} END_IF;`);
        return;
      }
      // a function call: the CR is the first argument (§3.2.2)
      if (/^[A-Z_][A-Z0-9_]*$/.test(op) && cr !== undefined) {
        cr = `${m[1]}(${[cr, ...(operand ? splitArgs(operand) : [])].join(', ')})`;
        return;
      }
      throw new Error(`unknown operator ${m[1]}`);
    } catch (err) {
      errors.push({ line: idx + 1, message: (err as Error).message });
    }
  });
  if (stack.length > 0) errors.push({ line: src.length, message: "a deferred '(' is never closed" });
  return { lines, vars, errors };
}

function binary(left: string, op: string, right: string): string {
  return `(${left}) ${BINARY[op]} (${right})`;
}

/** Splits `a, f(b, c), 'x,y'` at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const c of s) {
    if (quote) {
      cur += c;
      if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

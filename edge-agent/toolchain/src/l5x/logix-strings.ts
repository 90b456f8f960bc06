/**
 * Logix's string instructions on the virtual PLC (decision 0102). A string is `LEN : DINT` and
 * `DATA : ARRAY[0..n-1] OF SINT` with its type's own size (82 for STRING, the DATA member's
 * dimension for a user string type); its text is the first LEN bytes of DATA.
 *
 * Each instruction is lowered to ST over those members, the same text on the ladder side and
 * on the ST side of a proof (the converted ST calls the same instruction with the same operands).
 * Facts are Rockwell's instruction reference (Logix 5000 General Instructions, 1756-RM003, and
 * the Logix Designer online help of the same instructions), in our words:
 *
 * - CONCAT(SourceA, SourceB, Dest): A's characters, then B's.
 * - MID(Source, Qty, Start, Dest): Qty characters of Source from position Start (1 = first).
 * - DELETE(Source, Qty, Start, Dest): Source without its Qty characters from position Start.
 * - INSERT(SourceA, SourceB, Start, Dest): B placed so that its first character is at position
 *   Start of A ('AD', 'BC', 2 gives 'ABCD').
 * - FIND(Source, Search, Start, Result): the position of the first Search in Source at or after
 *   Start, 0 when there is none.
 * - UPPER/LOWER(Source, Dest): the letters a-z (A-Z) changed case, other bytes kept.
 * - STOD(Source, Dest): Dest is cleared; leading characters that are not digits are skipped,
 *   a minus sign just before the first digit makes it negative, the first group of digits is the
 *   number (so '12.7' gives 12).
 * - DTOS(Source, Dest): the integer's decimal digits, a minus sign first when negative.
 *
 * Where the controller faults (a LEN outside 0..size; CONCAT/INSERT/DELETE/UPPER/LOWER/MID/DTOS
 * whose result does not fit Dest; a Start or Qty out of range, MID's Start + Qty past the DATA
 * size as its page writes it; FIND in an empty Source; STOD of a number beyond Dest's type) and
 * where the reference leaves the case open (MID or DELETE reaching past LEN, INSERT past LEN + 1,
 * a Qty below 1, an empty Search), the model stops the
 * program with a runtime fault (an index out of range of `LX_FAULT`): both sides of a proof stop
 * at the same instruction of the same scan, and nothing after it is compared.
 */
import { isNumeric, isReal, type LogixScope, type Operand, Unsupported } from './logix-operands';
import { type LogixType, STRING_SIZE } from './logix-types';

/** The string instructions modelled here. */
export const STRING_INSTRUCTIONS_MODELLED = [
  'CONCAT',
  'MID',
  'DELETE',
  'INSERT',
  'FIND',
  'UPPER',
  'LOWER',
  'STOD',
  'DTOS',
] as const;

/** String instructions still refused, with why. */
export const STRING_INSTRUCTIONS_REFUSED: Readonly<Record<string, string>> = {
  RTOS: 'the text a REAL becomes (digits, exponent, rounding) is not documented precisely enough to model',
  STOR: 'how text becomes a REAL (exponents, rounding, more digits than a REAL holds) is not documented precisely enough to model',
};

/** The DATA size of a string type, or undefined when `t` is not STRING or a user string type. */
export function stringSize(scope: LogixScope, t: LogixType): number | undefined {
  if (t.kind !== 'struct') return undefined;
  if (t.name.toUpperCase() === 'STRING') return STRING_SIZE;
  const d = scope.project.dataTypes.find(
    (x) => x.name.toLowerCase() === t.name.toLowerCase() && x.family === 'StringFamily',
  );
  if (!d) return undefined;
  const data = d.members.find((m) => m.name.toUpperCase() === 'DATA');
  const len = d.members.find((m) => m.name.toUpperCase() === 'LEN');
  if (!data || !len || data.dimension <= 0 || data.dataType.toUpperCase() !== 'SINT') return undefined;
  return data.dimension;
}

/** What lowering a string instruction needs from the ladder lowering. */
export interface StringHost {
  scope: LogixScope;
  src(text: string): Operand;
  dest(text: string): Operand;
  /** A new temporary of the given ST type. */
  temp(type: string): string;
  /** `dest := value` with Logix's conversion (into `out`). */
  assign(d: Operand, value: string, valueType: LogixType, out: string[]): void;
}

const DINT: LogixType = { kind: 'elem', name: 'DINT' };
const INTEGER_LIMITS: Record<string, [number, number]> = {
  SINT: [-128, 127],
  INT: [-32768, 32767],
  DINT: [-2147483648, 2147483647],
};

/** The statements of one string instruction, run when its rung is true. */
export function lowerStringInstruction(
  host: StringHost,
  name: string,
  operands: readonly string[],
): string[] {
  const need = (n: number) => {
    if (operands.length !== n) throw new Unsupported(`${name} needs ${n} operands`);
    return operands.map((o) => o.trim());
  };
  const str = (text: string, write: boolean): { o: Operand; n: number } => {
    const o = write ? host.dest(text) : host.src(text);
    const n = stringSize(host.scope, o.type);
    if (n === undefined) throw new Unsupported(`${name} operand ${text} is not a string`);
    host.scope.use(o.type);
    return { o, n };
  };
  const num = (text: string): Operand => {
    const o = host.src(text);
    if (!isNumeric(o.type) || isReal(o.type))
      throw new Unsupported(`${name} operand ${text} is not an integer (SINT, INT, DINT)`);
    return o;
  };
  const i = host.temp('DINT');
  const k = host.temp('DINT');
  const n = host.temp('DINT');
  const fault = host.temp('ARRAY[0..0] OF DINT');
  const code = host.temp('DINT');
  /** The controller faults (or the case is not documented): the program stops here. */
  const stop = (c: number) => `${code} := ${c}; ${fault}[${code}] := 0;`;
  const lenOk = (s: { o: Operand; n: number }) =>
    `IF ${s.o.iec}.LEN < 0 OR ${s.o.iec}.LEN > ${s.n} THEN ${stop(51)} END_IF;`;
  const buf = (size: number) => host.temp(`ARRAY[0..${Math.max(1, size) - 1}] OF SINT`);
  /** Dest := the first `len` bytes of `b`. */
  const store = (d: { o: Operand; n: number }, b: string, len: string) => [
    `IF ${len} > ${d.n} THEN ${stop(51)} END_IF;`,
    `FOR ${i} := 0 TO ${len} - 1 DO ${d.o.iec}.DATA[${i}] := ${b}[${i}]; END_FOR;`,
    `${d.o.iec}.LEN := ${len};`,
  ];
  const int = (o: Operand) =>
    o.type.kind === 'elem' && o.type.name === 'DINT' ? o.iec : `TO_DINT(${o.iec})`;
  switch (name) {
    case 'CONCAT': {
      const [a0, b0, d0] = need(3) as [string, string, string];
      const a = str(a0, false);
      const b = str(b0, false);
      const d = str(d0, true);
      const t = buf(a.n + b.n);
      return [
        lenOk(a),
        lenOk(b),
        `FOR ${i} := 0 TO ${a.o.iec}.LEN - 1 DO ${t}[${i}] := ${a.o.iec}.DATA[${i}]; END_FOR;`,
        `FOR ${i} := 0 TO ${b.o.iec}.LEN - 1 DO ${t}[${a.o.iec}.LEN + ${i}] := ${b.o.iec}.DATA[${i}]; END_FOR;`,
        `${n} := ${a.o.iec}.LEN + ${b.o.iec}.LEN;`,
        ...store(d, t, n),
      ];
    }
    case 'MID':
    case 'DELETE': {
      const [s0, q0, p0, d0] = need(4) as [string, string, string, string];
      const s = str(s0, false);
      const qty = num(q0);
      const start = num(p0);
      const d = str(d0, true);
      const t = buf(s.n);
      const q = host.temp('DINT');
      const p = host.temp('DINT');
      const head = [
        lenOk(s),
        `${q} := ${int(qty)}; ${p} := ${int(start)};`,
        // Start within 1..size and Qty >= 1 (documented); the characters named must lie within
        // LEN (DELETE documents Start + Qty <= LEN + 1; for MID reaching past LEN is left open,
        // and MID's own limit, Start + Qty <= the DATA size, is taken as written)
        `IF ${p} < 1 OR ${p} > ${s.n} OR ${q} < 1 OR ${p} + ${q} > ${s.o.iec}.LEN + 1 THEN ${stop(56)} END_IF;`,
        ...(name === 'MID' ? [`IF ${p} + ${q} > ${s.n} THEN ${stop(56)} END_IF;`] : []),
      ];
      if (name === 'MID')
        return [
          ...head,
          `FOR ${i} := 0 TO ${q} - 1 DO ${t}[${i}] := ${s.o.iec}.DATA[${p} - 1 + ${i}]; END_FOR;`,
          ...store(d, t, q),
        ];
      return [
        ...head,
        `FOR ${i} := 0 TO ${p} - 2 DO ${t}[${i}] := ${s.o.iec}.DATA[${i}]; END_FOR;`,
        `FOR ${i} := ${p} - 1 + ${q} TO ${s.o.iec}.LEN - 1 DO ${t}[${i} - ${q}] := ${s.o.iec}.DATA[${i}]; END_FOR;`,
        `${n} := ${s.o.iec}.LEN - ${q};`,
        ...store(d, t, n),
      ];
    }
    case 'INSERT': {
      const [a0, b0, p0, d0] = need(4) as [string, string, string, string];
      const a = str(a0, false);
      const b = str(b0, false);
      const start = num(p0);
      const d = str(d0, true);
      const t = buf(a.n + b.n);
      const p = host.temp('DINT');
      const A = a.o.iec;
      const B = b.o.iec;
      return [
        lenOk(a),
        lenOk(b),
        `${p} := ${int(start)};`,
        `IF ${p} < 1 OR ${p} > ${a.n} OR ${p} > ${A}.LEN + 1 THEN ${stop(56)} END_IF;`,
        `FOR ${i} := 0 TO ${p} - 2 DO ${t}[${i}] := ${A}.DATA[${i}]; END_FOR;`,
        `FOR ${i} := 0 TO ${B}.LEN - 1 DO ${t}[${p} - 1 + ${i}] := ${B}.DATA[${i}]; END_FOR;`,
        `FOR ${i} := ${p} - 1 TO ${A}.LEN - 1 DO ${t}[${B}.LEN + ${i}] := ${A}.DATA[${i}]; END_FOR;`,
        `${n} := ${A}.LEN + ${B}.LEN;`,
        ...store(d, t, n),
      ];
    }
    case 'FIND': {
      const [s0, f0, p0, r0] = need(4) as [string, string, string, string];
      const s = str(s0, false);
      const f = str(f0, false);
      const start = num(p0);
      const r = host.dest(r0);
      if (!isNumeric(r.type) || isReal(r.type)) throw new Unsupported(`FIND Result ${r0} is not an integer`);
      const p = host.temp('DINT');
      const hit = host.temp('BOOL');
      const S = s.o.iec;
      const F = f.o.iec;
      const out: string[] = [
        lenOk(s),
        lenOk(f),
        `${p} := ${int(start)};`,
        `IF ${S}.LEN = 0 OR ${p} < 1 OR ${p} > ${s.n} OR ${F}.LEN = 0 THEN ${stop(56)} END_IF;`,
        `${n} := 0;`,
        `FOR ${i} := ${p} TO ${S}.LEN - ${F}.LEN + 1 DO`,
        `  ${hit} := TRUE;`,
        `  FOR ${k} := 0 TO ${F}.LEN - 1 DO`,
        `    IF ${S}.DATA[${i} - 1 + ${k}] <> ${F}.DATA[${k}] THEN ${hit} := FALSE; EXIT; END_IF;`,
        '  END_FOR;',
        `  IF ${hit} THEN ${n} := ${i}; EXIT; END_IF;`,
        'END_FOR;',
      ];
      host.assign(r, n, DINT, out);
      return out;
    }
    case 'UPPER':
    case 'LOWER': {
      const [s0, d0] = need(2) as [string, string];
      const s = str(s0, false);
      const d = str(d0, true);
      const t = buf(s.n);
      const [lo, hi, shift] = name === 'UPPER' ? [97, 122, '- 32'] : [65, 90, '+ 32'];
      return [
        lenOk(s),
        `FOR ${i} := 0 TO ${s.o.iec}.LEN - 1 DO`,
        `  ${t}[${i}] := ${s.o.iec}.DATA[${i}];`,
        `  IF ${t}[${i}] >= ${lo} AND ${t}[${i}] <= ${hi} THEN ${t}[${i}] := ${t}[${i}] ${shift}; END_IF;`,
        'END_FOR;',
        ...store(d, t, `${s.o.iec}.LEN`),
      ];
    }
    case 'STOD': {
      const [s0, d0] = need(2) as [string, string];
      const s = str(s0, false);
      const d = host.dest(d0);
      const lim = d.type.kind === 'elem' && !d.bit ? INTEGER_LIMITS[d.type.name] : undefined;
      if (!lim) throw new Unsupported(`STOD into ${d0}, which is not a SINT, INT or DINT`);
      const v = host.temp('LINT');
      const neg = host.temp('BOOL');
      const S = s.o.iec;
      const digit = (x: string) => `${S}.DATA[${x}] >= 48 AND ${S}.DATA[${x}] <= 57`;
      const out = [
        lenOk(s),
        `${v} := 0; ${neg} := FALSE; ${i} := 0;`,
        `WHILE ${i} < ${S}.LEN DO`,
        `  IF ${digit(i)} THEN EXIT; END_IF;`,
        `  ${i} := ${i} + 1;`,
        'END_WHILE;',
        `IF ${i} > 0 AND ${i} < ${S}.LEN THEN`,
        `  ${neg} := ${S}.DATA[${i} - 1] = 45;`,
        'END_IF;',
        `WHILE ${i} < ${S}.LEN DO`,
        `  IF NOT (${digit(i)}) THEN EXIT; END_IF;`,
        `  ${v} := ${v} * 10 + TO_LINT(${S}.DATA[${i}] - 48);`,
        `  IF ${v} > 2147483648 THEN ${stop(53)} END_IF;`,
        `  ${i} := ${i} + 1;`,
        'END_WHILE;',
        `IF ${neg} THEN ${v} := -${v}; END_IF;`,
        `IF ${v} < ${lim[0]} OR ${v} > ${lim[1]} THEN ${stop(53)} END_IF;`,
      ];
      host.assign(d, v, { kind: 'elem', name: 'LINT' }, out);
      return out;
    }
    case 'DTOS': {
      const [s0, d0] = need(2) as [string, string];
      const src = host.src(s0);
      if (!(src.type.kind === 'elem' && INTEGER_LIMITS[src.type.name]))
        throw new Unsupported(`DTOS of ${s0}, which is not a SINT, INT or DINT`);
      const d = str(d0, true);
      const t = buf(11);
      const v = host.temp('LINT');
      const m = host.temp('LINT');
      return [
        `${v} := TO_LINT(${src.iec});`,
        `${n} := 0;`,
        `IF ${v} < 0 THEN ${t}[0] := 45; ${n} := 1; ${v} := -${v}; END_IF;`,
        // the digits, most significant first: count them, then fill from the right
        `${m} := 1; ${i} := 1;`,
        `WHILE ${v} >= ${m} * 10 DO ${m} := ${m} * 10; ${i} := ${i} + 1; END_WHILE;`,
        `WHILE ${i} > 0 DO`,
        `  ${t}[${n}] := TO_SINT(48 + (${v} / ${m}) MOD 10);`,
        `  ${n} := ${n} + 1; ${i} := ${i} - 1; ${m} := ${m} / 10;`,
        'END_WHILE;',
        ...store(d, t, n),
      ];
    }
    default:
      throw new Unsupported(`instruction ${name} is not modelled`);
  }
}

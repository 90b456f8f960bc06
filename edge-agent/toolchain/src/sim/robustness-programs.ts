/**
 * Test support (robustness property tests and `scripts/robustness.ts`, never
 * the package's entry points): generators of well-typed and of mutated ST
 * programs, and {@link runPipeline}, which takes a source through parse,
 * check, compile and a few scans and says whether anything went wrong
 * *inside* the toolchain. Issue 14, point 2: whatever the checker accepts
 * simulates or is refused with SIM_UNSUPPORTED naming file and line — never an
 * internal error, a RangeError or a false runtime fault.
 */
import fc from 'fast-check';
import { checkProject, parseSource } from '../iec';
import { SIM_ERROR_CODES, SIM_FAULT_CODES, SimError } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** How a source fared; `internal` is the only bad outcome. */
export type PipelineOutcome =
  | { kind: 'parse-error' | 'check-error' | 'no-program' | 'ran' }
  | { kind: 'unsupported'; message: string }
  | { kind: 'fault'; code: string }
  | { kind: 'internal'; stage: string; message: string };

/** Faults a program can legitimately cause (division by zero, index, watchdog, references). */
const PROGRAM_FAULTS = new Set<string>([
  SIM_FAULT_CODES.DIV_BY_ZERO,
  SIM_FAULT_CODES.INDEX_OUT_OF_RANGE,
  SIM_FAULT_CODES.WATCHDOG,
  SIM_FAULT_CODES.NULL_REFERENCE,
]);

/**
 * Parses, checks, compiles and scans `source`. `recursive` says the program
 * may recurse on purpose (then a RECURSION fault is the program's, not ours).
 */
export function runPipeline(source: string, file = 'gen.st', scans = 3, recursive = false): PipelineOutcome {
  let stage = 'parse';
  try {
    const { unit, diagnostics: parse } = parseSource(source, file);
    if (parse.some((d) => d.code === 'ST1012'))
      return { kind: 'internal', stage, message: parse[0]!.message };
    if (parse.some((d) => d.severity === 'error')) return { kind: 'parse-error' };
    stage = 'check';
    const { checked, diagnostics } = checkProject([unit]);
    const internal = diagnostics.find((d) => d.code === 'ST1012');
    if (internal) return { kind: 'internal', stage, message: internal.message };
    if (diagnostics.some((d) => d.severity === 'error')) return { kind: 'check-error' };
    stage = 'compile';
    let plc: ReturnType<typeof compileProgram>;
    try {
      // the checker's bound model itself: the simulator reads names, types and constants from it
      plc = compileProgram({ ...checked, diagnostics });
    } catch (err) {
      if (err instanceof SimError && err.code === SIM_ERROR_CODES.NO_PROGRAM) return { kind: 'no-program' };
      if (
        err instanceof SimError &&
        err.code === SIM_ERROR_CODES.UNSUPPORTED &&
        err.location?.file === file &&
        err.location.line > 0 &&
        !/internal/i.test(err.message)
      )
        return { kind: 'unsupported', message: err.message };
      throw err;
    }
    stage = 'scan';
    const fault = plc.scan(scans);
    if (!fault) return { kind: 'ran' };
    if (PROGRAM_FAULTS.has(fault.code) || (recursive && fault.code === SIM_FAULT_CODES.RECURSION))
      return { kind: 'fault', code: fault.code };
    return { kind: 'internal', stage, message: `${fault.code}: ${fault.message}` };
  } catch (err) {
    return { kind: 'internal', stage, message: String(err instanceof Error ? (err.stack ?? err) : err) };
  }
}

// ---------------------------------------------------------------- well-typed programs

const INTS = ['i0', 'i1', 'i2', 'Arr[(i0 MOD 4 + 4) MOD 4]', 'Cnt.CV'];
const BOOLS = ['b0', 'b1', 'Tmr.Q', 'Edge.Q', 'Latch.Q1'];

/** An INT expression up to `depth` levels. */
function intExpr(depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(fc.constantFrom(...INTS), fc.integer({ min: -300, max: 300 }).map(String));
  if (depth <= 0) return leaf;
  const sub = intExpr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    fc.tuple(sub, fc.constantFrom('+', '-', '*', '/', 'MOD'), sub).map(([a, o, b]) => `(${a} ${o} ${b})`),
    sub.map((a) => `-${a}`),
    sub.map((a) => `ABS(${a})`),
    fc.tuple(sub, sub).map(([a, b]) => `MAX(${a}, ${b}, 7)`),
    sub.map((a) => `LIMIT(-100, ${a}, 100)`),
    fc.tuple(boolExpr(depth - 1), sub, sub).map(([g, a, b]) => `SEL(${g}, ${a}, ${b})`),
    sub.map((a) => `DINT_TO_INT(INT_TO_DINT(${a}) * 3)`),
  );
}

/** A BOOL expression up to `depth` levels. */
function boolExpr(depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(fc.constantFrom(...BOOLS), fc.constantFrom('TRUE', 'FALSE'));
  if (depth <= 0) return leaf;
  const sub = boolExpr(depth - 1);
  const ints = intExpr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    fc
      .tuple(sub, fc.constantFrom('AND', 'OR', 'XOR', 'AND_THEN', 'OR_ELSE'), sub)
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    sub.map((a) => `NOT ${a}`),
    fc
      .tuple(ints, fc.constantFrom('<', '>', '=', '<>', '<=', '>='), ints)
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc.tuple(sub, sub).map(([a, b]) => `AND(${a}, ${b}, b1)`),
  );
}

/** A long chain of one operator, `n` terms (the shape of generated permissive logic). */
const longChain = fc
  .tuple(fc.integer({ min: 2, max: 3000 }), fc.constantFrom('OR', 'AND', '+', '*', 'XOR'))
  .map(([n, op]) => {
    const bool = op === 'OR' || op === 'AND' || op === 'XOR';
    const terms = Array.from({ length: n }, (_, k) => (bool ? BOOLS[k % BOOLS.length] : INTS[k % 3]));
    return bool ? `b1 := ${terms.join(` ${op} `)};` : `i2 := ${terms.join(` ${op} `)};`;
  });

/** A statement up to `depth` levels of nesting. */
function statement(depth: number): fc.Arbitrary<string> {
  const simple = fc.oneof(
    fc
      .tuple(fc.constantFrom('i1', 'i2', 'Arr[(i1 MOD 4 + 4) MOD 4]'), intExpr(2))
      .map(([v, e]) => `${v} := ${e};`),
    fc.tuple(fc.constantFrom('b0', 'b1'), boolExpr(2)).map(([v, e]) => `${v} := ${e};`),
    boolExpr(1).map((e) => `Tmr(IN := ${e}, PT := T#30ms);`),
    boolExpr(1).map((e) => `Cnt(CU := ${e}, R := Cnt.Q, PV := 5);`),
    boolExpr(1).map((e) => `Edge(CLK := ${e});`),
    fc.tuple(boolExpr(1), boolExpr(1)).map(([s, r]) => `Latch(SET1 := ${s}, RESET := ${r});`),
    intExpr(1).map((e) => `i1 := F_Scale(i2, ${e});`),
  );
  if (depth <= 0) return simple;
  const body = fc.array(statement(depth - 1), { minLength: 1, maxLength: 3 }).map((l) => l.join('\n'));
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    fc.tuple(boolExpr(2), body, body).map(([c, a, b]) => `IF ${c} THEN\n${a}\nELSE\n${b}\nEND_IF;`),
    fc
      .tuple(intExpr(1), body, body)
      .map(([s, a, b]) => `CASE ${s} OF\n1, 3: ${a}\n5..9: ${b}\nELSE i2 := 0;\nEND_CASE;`),
    fc.tuple(fc.integer({ min: 0, max: 4 }), body).map(([n, b]) => `FOR k := 0 TO ${n} DO\n${b}\nEND_FOR;`),
    fc
      .tuple(body, boolExpr(1))
      .map(([b, c]) => `w := 0;\nWHILE w < 3 DO\nw := w + 1;\n${b}\nIF ${c} THEN EXIT; END_IF\nEND_WHILE;`),
    body.map((b) => `w := 0;\nREPEAT\nw := w + 1;\n${b}\nUNTIL w >= 2 END_REPEAT;`),
  );
}

/** A well-typed program: a FUNCTION, then a PROGRAM with timers, counters, edges, latches and a long chain. */
export const wellTypedProgram: fc.Arbitrary<string> = fc
  .tuple(fc.array(statement(3), { minLength: 1, maxLength: 12 }), fc.option(longChain, { nil: undefined }))
  .map(
    ([stmts, chain]) => `FUNCTION F_Scale : INT
VAR_IN_OUT Raw : INT; END_VAR
VAR_INPUT Gain : INT; END_VAR
F_Scale := LIMIT(-1000, Raw, 1000) * (Gain MOD 5);
END_FUNCTION
PROGRAM Gen
VAR_INPUT b0 : BOOL; i0 : INT; END_VAR
VAR_OUTPUT b1 : BOOL; i1 : INT; i2 : INT; END_VAR
VAR CONSTANT N : INT := 4; END_VAR
VAR
  Arr : ARRAY[0..N - 1] OF INT := [N(1)];
  k : INT; w : INT;
  Tmr : TON; Cnt : CTU; Edge : R_TRIG; Latch : SR;
END_VAR
${stmts.join('\n')}
${chain ?? ''}
END_PROGRAM
`,
  );

// ---------------------------------------------------------------- mutated programs

/** One edit of a program's text: what a hurried engineer or a broken export does to it. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ' NOT ',
      ' OR ',
      '(',
      ')',
      ';',
      ' END_IF',
      ' IF TRUE THEN ',
      ' := ',
      ' T#5s ',
      ' 16#FF ',
      '[',
      ']',
      ' .Q ',
      ' AND(',
      ' CASE x OF 1: ',
      ' 1.5e3 ',
      "'",
      '"',
      '(*',
    ),
  }),
);

/** `source` with a few random edits. */
export function mutatedProgram(sources: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...sources), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([src, edits]) => {
      let text = src;
      for (const m of edits) {
        const at = text.length === 0 ? 0 : m.at % text.length;
        if (m.op === 'delete') text = text.slice(0, at) + text.slice(at + m.len);
        else if (m.op === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
        else {
          const lines = text.split('\n');
          const i = m.at % lines.length;
          if (m.op === 'duplicate-line') lines.splice(i, 0, lines[i]!);
          else {
            const j = m.to % lines.length;
            [lines[i], lines[j]] = [lines[j]!, lines[i]!];
          }
          text = lines.join('\n');
        }
      }
      return text;
    });
}

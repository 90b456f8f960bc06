/**
 * Issue 14, point 2: programs of any realistic size go through checker, code
 * generator and simulation, and whatever the checker accepts either simulates
 * or is refused with SIM_UNSUPPORTED naming file and line. Documented limits:
 * docs/virtual-plc.md ("Size limits") and decision 0012.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { mutatedProgram, runPipeline, wellTypedProgram } from './robustness-programs';
import { SIM_ERROR_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

const prog = (body: string) =>
  `PROGRAM Plant\nVAR_INPUT a : BOOL; b : BOOL; i : INT; END_VAR\nVAR_OUTPUT q : BOOL; x : INT; r : REAL; END_VAR\n${body}\nEND_PROGRAM\n`;

function simulate(src: string, inputs: Record<string, boolean | number> = {}) {
  const { unit } = parseSource(src, 'plant.st');
  const { checked, diagnostics } = checkProject([unit]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plc = compileProgram({ units: checked.units, diagnostics, checked });
  for (const [k, v] of Object.entries(inputs)) plc.set(k, v);
  expect(plc.scan(2)).toBeNull();
  return plc;
}

const N = 20_000;
const nest = (depth: number, wrap: (inner: string) => string) => {
  let s = 'x := x + 1;';
  for (let k = 0; k < depth; k++) s = wrap(s);
  return s;
};

describe('20,000-term expressions', () => {
  it('a left-deep OR chain (a generated permissive)', () => {
    const terms = Array.from({ length: N }, (_, k) => (k === N - 1 ? 'b' : 'a'));
    expect(simulate(prog(`q := ${terms.join(' OR ')};`), { b: true }).get('q')).toBe(true);
    expect(simulate(prog(`q := ${terms.join(' AND ')};`), { a: true, b: true }).get('q')).toBe(true);
    expect(simulate(prog(`q := ${terms.join(' XOR ')};`), { a: true, b: true }).get('q')).toBe(false);
  });

  it('INT addition and REAL multiplication chains wrap and round like the short forms', () => {
    // 20,000 × i with i = 7 wraps in INT: 140000 mod 65536 = 8928
    const add = simulate(prog(`x := ${Array(N).fill('i').join(' + ')};`), { i: 7 });
    expect(add.get('x')).toBe(140_000 - 2 * 65_536);
    const mul = simulate(prog(`r := 1.0; r := ${Array(N).fill('r').join(' * ')} * 2.0;`));
    expect(mul.get('r')).toBe(2);
  });

  it('20,000 NOTs, a right-nested chain 1,000 deep and AND() with 20,000 arguments', () => {
    expect(simulate(prog(`q := ${'NOT '.repeat(N)}a;`), { a: true }).get('q')).toBe(true);
    expect(simulate(prog(`q := ${'NOT '.repeat(N + 1)}a;`), { a: true }).get('q')).toBe(false);
    expect(simulate(prog(`x := ${'-'.repeat(1001)}i;`), { i: 5 }).get('x')).toBe(-5);
    const right = `q := ${'a OR ('.repeat(1000)}b${')'.repeat(1000)};`;
    expect(simulate(prog(right), { b: true }).get('q')).toBe(true);
    expect(simulate(prog(`q := AND(${Array(N).fill('a').join(', ')});`), { a: true }).get('q')).toBe(true);
  });
});

describe('1,000-deep nesting', () => {
  it.each([
    ['IF', (s: string) => `IF a THEN ${s} END_IF;`],
    ['CASE', (s: string) => `CASE i OF 0: ${s} END_CASE;`],
    ['FOR', (s: string) => `FOR i := 0 TO 0 DO ${s} END_FOR;`],
    ['WHILE', (s: string) => `WHILE a AND x = 0 DO ${s} END_WHILE;`],
    ['REPEAT', (s: string) => `REPEAT ${s} UNTIL TRUE END_REPEAT;`],
    ['IF/ELSIF/ELSE', (s: string) => `IF NOT a THEN x := 7; ELSIF a THEN ${s} ELSE x := 9; END_IF;`],
  ])('%s nested 1,000 deep runs its innermost statement', (_kind, wrap) => {
    const plc = simulate(prog(`x := 0;\n${nest(1000, wrap)}`), { a: true });
    expect(plc.get('x')).toBe(1);
  });

  it('EXIT out of a loop nested 600 deep', () => {
    const body = nest(600, (s) => `IF a THEN ${s} END_IF;`).replace('x := x + 1;', 'x := x + 1; EXIT;');
    const plc = simulate(prog(`x := 0;\nWHILE TRUE DO\n${body}\nEND_WHILE;`), { a: true });
    expect(plc.get('x')).toBe(1);
  });

  it('1,000 nested calls are refused with SIM_UNSUPPORTED naming the file and line, not an internal error', () => {
    const src = prog(`x := 1;\nx := ${'ABS('.repeat(1000)}i${')'.repeat(1000)};`);
    const { unit } = parseSource(src, 'deep.st');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(() => compileProgram([unit])).toThrow(
      expect.objectContaining({
        code: SIM_ERROR_CODES.UNSUPPORTED,
        location: expect.objectContaining({ file: 'deep.st', line: 5 }),
      }),
    );
  });
});

// Issue 14 asks CI to run 2,000 programs: 400 generated and 1,600 mutated (the long run is
// scripts/robustness.ts, decision 0015).
describe('generated and mutated programs (fast-check)', () => {
  it('no internal error, RangeError or false fault over 400 generated well-typed programs', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(wellTypedProgram, (src) => {
        const out = runPipeline(src);
        kinds.set(out.kind, (kinds.get(out.kind) ?? 0) + 1);
        if (out.kind === 'internal') throw new Error(`${out.stage}: ${out.message}\n${src}`);
        // generated programs are well typed: the checker must accept them
        expect(out.kind).not.toBe('check-error');
      }),
      { numRuns: 400, seed: 14 },
    );
    expect(kinds.get('ran') ?? 0).toBeGreaterThan(120);
  }, 300_000);

  it('no internal error over 1,600 mutations of the plant fixtures', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/sim');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.st'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    fc.assert(
      fc.property(mutatedProgram(sources), (src) => {
        const out = runPipeline(src, 'mutated.st');
        if (out.kind === 'internal') throw new Error(`${out.stage}: ${out.message}\n${src}`);
      }),
      { numRuns: 1600, seed: 61131 },
    );
  }, 300_000);
});

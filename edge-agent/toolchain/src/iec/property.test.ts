import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { astEqual } from './ast-utils';
import { checkProject } from './checker';
import type { Diagnostic } from './diagnostics';
import { ilToSt } from './il-to-st';
import { parseSource } from './parser';
import { printUnit } from './printer';
import { readSource } from './project';
import { fixtureFiles } from './test-fixtures';

function insideFile(text: string, d: Diagnostic): boolean {
  const lines = text.split('\n').length;
  return (
    d.offset >= 0 &&
    d.endOffset <= text.length &&
    d.offset <= d.endOffset &&
    d.line >= 1 &&
    d.line <= lines &&
    d.endLine >= d.line &&
    d.endLine <= lines &&
    d.column >= 1
  );
}

const TOKENS = [
  'IF',
  'THEN',
  'ELSE',
  'END_IF',
  'CASE',
  'OF',
  'END_CASE',
  'FOR',
  'TO',
  'DO',
  'END_FOR',
  'WHILE',
  'END_WHILE',
  'REPEAT',
  'UNTIL',
  'VAR',
  'END_VAR',
  'PROGRAM',
  'END_PROGRAM',
  'FUNCTION_BLOCK',
  'END_FUNCTION_BLOCK',
  'METHOD',
  'TYPE',
  'STRUCT',
  'END_STRUCT',
  'END_TYPE',
  ':=',
  '=>',
  ':',
  ';',
  ',',
  '.',
  '..',
  '(',
  ')',
  '[',
  ']',
  '^',
  '+',
  '-',
  '*',
  '/',
  '**',
  '=',
  '<>',
  '<',
  '>=',
  'AND',
  'OR',
  'NOT',
  'MOD',
  'x',
  'fb',
  'T#5s',
  '16#FF',
  '1.5',
  "'s$'",
  '(*',
  '*)',
  '//',
  '{',
  '}',
  '\n',
  ' ',
  '%IX0.0',
  'INT#-5',
  'E#A',
  '"w"',
  '@',
  'REF=',
  'S=',
];

const programs = fixtureFiles().map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));

describe('robustness properties', () => {
  it('never throws on token soup, and every diagnostic lies inside the file', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 200 }), (toks) => {
        const text = toks.join(' ');
        const r = parseSource(text, 'soup.st');
        for (const d of r.diagnostics) expect(insideFile(text, d)).toBe(true);
        const c = checkProject([r.unit]);
        for (const d of c.diagnostics) expect(d.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary unicode text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'grapheme' }), (text) => {
        const r = parseSource(text, 'u.st');
        for (const d of r.diagnostics) expect(insideFile(text, d)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated fixtures (ST, TwinCAT, PLCopen); diagnostics stay inside the file', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...programs),
        fc.nat(),
        fc.nat({ max: 40 }),
        fc.constantFrom('', ';', 'END_IF', '(*', "'", ']]>', '<', 'IF x THEN', ':=', '\n'),
        ({ file, text }, at, del, insert) => {
          const pos = at % (text.length + 1);
          const mutated = text.slice(0, pos) + insert + text.slice(pos + del);
          const r = readSource(mutated, file);
          for (const d of r.diagnostics) expect(insideFile(mutated, d)).toBe(true);
          const c = checkProject([r.unit]);
          for (const d of c.diagnostics) expect(d.endOffset).toBeLessThanOrEqual(mutated.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// random well-formed programs: print → parse must give the same tree
const ident = fc.constantFrom('a', 'b', 'Speed', 'fbTimer', 'x_1');
const literal = fc.oneof(
  fc.nat({ max: 100000 }).map(String),
  fc.constantFrom(
    'T#1h2m',
    'TRUE',
    '16#FF',
    '2.5E3',
    "'it$'s'",
    'INT#-7',
    'E_State#Run',
    'LTIME#5us',
    'D#2024-02-29',
  ),
);
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    ident,
    literal,
    fc
      .tuple(
        tie('e'),
        fc.constantFrom('+', '-', '*', '/', 'MOD', '**', 'AND', 'OR', 'XOR', '=', '<>', '<=', '>'),
        tie('e'),
      )
      .map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('e').map((e) => `(${e})`),
    tie('e').map((e) => `NOT ${e}`),
    tie('e').map((e) => `-${e}`),
    fc.tuple(ident, tie('e')).map(([f, e]) => `${f}(${e})`),
    fc.tuple(ident, tie('e')).map(([a, e]) => `${a}[${e}]`),
    ident.map((a) => `${a}.Q`),
  ),
})).e;
const stmt: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(ident, expr).map(([a, e]) => `${a} := ${e};`),
    fc.tuple(ident, expr).map(([a, e]) => `${a}(IN := ${e}, Q => b);`),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 3 }), fc.array(tie('s'), { maxLength: 2 }))
      .map(([c, t, e]) => `IF ${c} THEN\n${t.join('\n')}\nELSE\n${e.join('\n')}\nEND_IF;`),
    fc
      .tuple(ident, fc.array(tie('s'), { maxLength: 3 }))
      .map(([s, b]) => `CASE ${s} OF\n1, 2..4:\n${b.join('\n')}\nEND_CASE;`),
    fc
      .tuple(ident, fc.array(tie('s'), { maxLength: 3 }))
      .map(([i, b]) => `FOR ${i} := 1 TO 10 BY 2 DO\n${b.join('\n')}\nEND_FOR;`),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 3 }))
      .map(([c, b]) => `WHILE ${c} DO\n${b.join('\n')}\nEND_WHILE;`),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 3 }))
      .map(([c, b]) => `REPEAT\n${b.join('\n')}\nUNTIL ${c}\nEND_REPEAT;`),
    fc.constantFrom('EXIT;', 'RETURN;', 'CONTINUE;', '(* note *)\nx := 1; // tail'),
  ),
})).s;

describe('IL conversion property', () => {
  it('never throws on IL-like text and every ST line it writes parses inside a POU', () => {
    const ops = [
      'LD',
      'LDN',
      'ST',
      'STN',
      'S',
      'R',
      'AND',
      'ANDN',
      'OR',
      'XOR',
      'ADD',
      'SUB',
      'GT',
      'JMPC',
      'JMP',
      'CAL',
      'RET',
      'NOT',
      ')',
    ];
    const instr = fc.tuple(
      fc.constantFrom(...ops),
      fc.constantFrom('a', 'b', 'c', '1', 'L1', 'fb1'),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(instr, { maxLength: 30 }), (list) => {
        const operand = (op: string, arg: string): string =>
          op.startsWith('JMP') ? 'L1' : op === 'CAL' ? 'fb1' : arg === 'L1' || arg === 'fb1' ? 'a' : arg;
        const text = list
          .map(([op, arg, label]) => `${label ? 'L1: ' : ''}${op} ${operand(op, arg)}`)
          .join('\n');
        const r = ilToSt(text, () => 'INT');
        expect(Array.isArray(r.errors)).toBe(true);
        const src = `FUNCTION_BLOCK F\nVAR a, b, c : INT; fb1 : TON; _IL_CR : INT; END_VAR\n${r.lines.join('\n')}\nEND_FUNCTION_BLOCK\n`;
        const parsed = parseSource(src, 'il.st');
        // what it writes for the instructions it converted is valid ST
        expect(parsed.diagnostics).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('round-trip property', () => {
  it('print(parse(program)) re-parses to the same tree and printing is idempotent', () => {
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), (stmts) => {
        const text = `PROGRAM P\nVAR\n    a, b : INT;\nEND_VAR\n${stmts.join('\n')}\nEND_PROGRAM\n`;
        const first = parseSource(text, 'gen.st');
        expect(first.diagnostics).toEqual([]);
        const printed = printUnit(first.unit);
        const second = parseSource(printed, 'printed.st');
        expect(second.diagnostics).toEqual([]);
        expect(astEqual(first.unit, second.unit)).toBe(true);
        expect(printUnit(second.unit)).toBe(printed);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * What the converters of graphical bodies (PLCopen LD/FBD/SFC/IL, TwinCAT
 * network lists) share: generated ST whose every line remembers the XML
 * element it came from, parsed and pointed back at those elements.
 */
import type { Span, Statement } from './ast';
import { remapSpans } from './ast-utils';
import type { Diagnostic } from './diagnostics';
import { createParser } from './parser';

/** Generated ST, one origin per line. */
export class Gen {
  readonly lines: string[] = [];
  readonly origins: Span[] = [];
  push(line: string, origin: Span): void {
    for (const l of line.split('\n')) {
      this.lines.push(l);
      this.origins.push(origin);
    }
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Pushes diagnostics into `into` with their positions sent through `map`. */
export function pushMapped(
  into: Diagnostic[],
  diagnostics: readonly Diagnostic[],
  map: (s: Span) => Span,
): void {
  for (const d of diagnostics) {
    const o = map({ ...d });
    into.push({
      ...d,
      line: o.line,
      column: o.column,
      endLine: o.endLine,
      endColumn: o.endColumn,
      offset: o.offset,
      endOffset: o.endOffset,
    });
  }
}

/** Parses generated statements; every span and diagnostic points at its line's origin (else `fallback`). */
export function parseGeneratedBody(
  g: Gen,
  file: string,
  format: 'plcopen' | 'twincat',
  fallback: Span,
  diagnostics: Diagnostic[],
  comments = true,
): Statement[] {
  const text = g.text();
  const p = createParser(text, file, 0, text.length, 1, 1, format, comments);
  const statements = p.body();
  p.release();
  const map = (s: Span): Span => g.origins[s.line - 1] ?? fallback;
  remapSpans(statements, map);
  pushMapped(diagnostics, p.diagnostics, map);
  return statements;
}

/**
 * Standard functions drawn as FBD boxes that have an ST operator (IEC 61131-3
 * Table 29/30/31): written infix, so the converted body reads like hand-written ST.
 */
const INFIX_BOXES: Readonly<Record<string, string>> = {
  AND: 'AND',
  OR: 'OR',
  XOR: 'XOR',
  ADD: '+',
  SUB: '-',
  MUL: '*',
  DIV: '/',
  MOD: 'MOD',
  EXPT: '**',
  GT: '>',
  GE: '>=',
  EQ: '=',
  NE: '<>',
  LE: '<=',
  LT: '<',
};

/** Boxes whose inputs chain with their operator however many there are (associative, extensible). */
const CHAINABLE = new Set(['AND', 'OR', 'XOR', 'ADD', 'MUL']);

/**
 * The ST operator a function box of `inputs` inputs is written with, or undefined when it is
 * written as a call. Two inputs: any box of {@link INFIX_BOXES}. More: only the associative
 * ones; IEC 61131-3 chains the extensible comparisons pairwise, `GT(a, b, c)` is
 * `(a > b) AND (b > c)`, which `a > b > c` (read `(a > b) > c`) is not, and SUB, DIV, MOD,
 * EXPT and NE take two inputs, so the call lets the checker say so (ST2010).
 */
export function infixOf(box: string, inputs: number): string | undefined {
  const up = box.toUpperCase();
  const op = INFIX_BOXES[up];
  if (!op || inputs < 2) return undefined;
  return inputs === 2 || CHAINABLE.has(up) ? op : undefined;
}

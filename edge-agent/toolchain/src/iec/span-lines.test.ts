import { describe, expect, it } from 'vitest';
import { SPAN_LINES, type Span, TextSpan } from './ast';
import { parseSource } from './parser';
import { readSource } from './project';

// Decision 0109: the parser's spans keep offsets and their scan's line table, and read lines and
// columns from it when asked. These pin that what they answer is what the text says, at the
// edges the scanner counts lines by (CRLF, a CR alone, comments over lines, a comment that does
// not nest, a body mid-line in XML, an unclosed pragma), and that a span reads, prints and is
// written to as a plain one.

/** Line and column of `offset` counted from the text: a line feed, or a CR not before one, ends a line. */
function positionOf(text: string, offset: number, line = 1, lineStart = 0): [number, number] {
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return [line, offset - lineStart + 1];
}

/** Every span object under `root` (once each). */
function spansOf(root: unknown): Span[] {
  const out = new Set<Span>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (v instanceof TextSpan) {
      out.add(v);
      continue;
    }
    for (const x of Object.values(v)) stack.push(x);
  }
  return [...out];
}

function expectTextPositions(text: string, root: unknown): number {
  const spans = spansOf(root);
  for (const s of spans) {
    expect([s.line, s.column], `start of ${s.offset}-${s.endOffset}`).toEqual(positionOf(text, s.offset));
    expect([s.endLine, s.endColumn], `end of ${s.offset}-${s.endOffset}`).toEqual(
      positionOf(text, s.endOffset),
    );
  }
  return spans.length;
}

const PROGRAM = [
  'PROGRAM P',
  'VAR',
  '  x : INT; (* a comment',
  '  over two lines *) s : STRING := $$ ;',
  '  // a line comment',
  "  t : STRING := 'a$'b$$';",
  'END_VAR',
  '(* not nesting: (* closed once *)',
  'x := x + 1; /* c',
  ' block */ x := 2;',
  'END_PROGRAM',
  '',
].join('\n');

describe('spans read their lines from the scan', () => {
  it.each([
    ['LF', PROGRAM],
    ['CRLF', PROGRAM.replace(/\n/g, '\r\n')],
    ['CR alone', PROGRAM.replace(/\n/g, '\r')],
  ])('answer the text positions of every node and comment (%s)', (_, text) => {
    const { unit } = parseSource(text, 'p.st');
    expect(expectTextPositions(text, unit)).toBeGreaterThan(20);
    expect(unit.comments.length).toBe(4);
  });

  it('count from the body inside an XML file, its first line mid-line', () => {
    const xml = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<TcPlcObject><POU Name="P"><Declaration><![CDATA[PROGRAM P',
      'VAR x : INT; END_VAR]]></Declaration>',
      '    <Implementation><ST><![CDATA[x := 1;',
      '  x := x + 2;]]></ST></Implementation></POU></TcPlcObject>',
    ].join('\n');
    const { unit, diagnostics } = readSource(xml, 'P.TcPOU');
    expect(diagnostics).toEqual([]);
    const body = (unit.declarations[0] as { body: { span: Span }[] }).body;
    expect(body[0]!.span).toMatchObject({ line: 4, column: 34, endLine: 4, endColumn: 41 });
    expect(body[1]!.span).toMatchObject({ line: 5, column: 3, endLine: 5, endColumn: 14 });
    expect(expectTextPositions(xml, unit.declarations)).toBeGreaterThan(5);
  });

  it('leave the line breaks of an unclosed pragma uncounted, as the scanner does', () => {
    const text = "PROGRAM P\nx := 1;\n{attribute 'a'\n\n\n";
    const { diagnostics } = parseSource(text, 'p.st');
    // the end of the file is read on the pragma's line (3), not on line 6
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['ST1009', 3],
      ['ST1002', 3],
    ]);
  });
});

describe('a parser span reads as a plain one', () => {
  const { unit } = parseSource('PROGRAM P\nVAR x : INT; END_VAR\nx := 1;\nEND_PROGRAM\n', 'p.st');
  const span = (unit.declarations[0] as { body: { span: Span }[] }).body[0]!.span;

  it('has the seven fields of a plain span in its JSON, in their order', () => {
    expect(span).toBeInstanceOf(TextSpan);
    expect(JSON.stringify(span)).toBe(
      '{"file":"p.st","line":3,"column":1,"endLine":3,"endColumn":8,"offset":31,"endOffset":38}',
    );
    expect((span as TextSpan).toJSON()).toEqual({
      file: 'p.st',
      line: 3,
      column: 1,
      endLine: 3,
      endColumn: 8,
      offset: 31,
      endOffset: 38,
    });
  });

  it('keeps its line table out of its keys', () => {
    expect(Object.keys(span)).toEqual(['offset', 'endOffset']);
    expect(SPAN_LINES in span).toBe(true);
    expect('line' in span && 'file' in span).toBe(true);
  });

  it('keeps a field written to it, as a plain span does', () => {
    const copy = parseSource('PROGRAM P\nx := 1;\nEND_PROGRAM\n', 'q.st').unit.span as TextSpan;
    copy.line = 40;
    copy.endLine = 42;
    expect(copy.line).toBe(40);
    expect(copy.column).toBe(1);
    expect(JSON.parse(JSON.stringify(copy))).toEqual({
      file: 'q.st',
      line: 40,
      column: 1,
      endLine: 42,
      endColumn: 1,
      offset: 0,
      endOffset: copy.endOffset,
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { Expression, ProgramDecl, Statement } from './ast';
import { parseSource } from './parser';
import { scan, T, TK_END, TK_START, TOKEN_FIELDS } from './scanner';

// The rules decision 0177 moved onto shared code (a statement keyword's rule by table, a second
// index by the first index's loop, `$` in a string and comments by one path each): what each
// reads, at the edges the rewrites touched.

const prog = (body: string): string => `PROGRAM P\nVAR\n  x : INT;\nEND_VAR\n${body}\nEND_PROGRAM\n`;
const body = (src: string, comments = true): Statement[] => {
  const { unit, diagnostics } = parseSource(prog(src), 't.st', comments ? {} : { comments: false });
  expect(diagnostics).toEqual([]);
  return (unit.declarations[0] as ProgramDecl).body;
};
const assigned = (st: Statement | undefined): Expression => {
  if (st?.kind !== 'Assignment') throw new Error(`not an assignment: ${st?.kind}`);
  return st.value;
};

describe('statements read by the rule table', () => {
  it('reads every keyword statement, in any order, with its span', () => {
    const src = [
      'REPEAT x := x + 1; UNTIL x > 3 END_REPEAT;',
      'WHILE x < 9 DO EXIT; END_WHILE;',
      'FOR x := 1 TO 3 DO CONTINUE; END_FOR;',
      'RETURN(x > 1);',
      'JMP lbl;',
      'lbl: RETURN;',
      'IF x = 0 THEN x := 1; END_IF',
      'CASE x OF 1: x := 2; END_CASE',
    ].join('\n');
    const kinds = body(src).map((s) => s.kind);
    expect(kinds).toEqual(['Repeat', 'While', 'For', 'Return', 'Jump', 'Label', 'Return', 'If', 'Case']);
    const [repeat, loop, , ret, jmp, , bare] = body(src);
    expect(repeat?.kind === 'Repeat' && repeat.body.length).toBe(1);
    expect(loop?.kind === 'While' && loop.body[0]?.kind).toBe('Exit');
    expect(ret?.kind === 'Return' && ret.condition?.kind).toBe('Paren');
    expect(jmp?.kind === 'Jump' && jmp.label).toBe('lbl');
    expect(bare?.kind === 'Return' && bare.condition).toBeUndefined();
    // a statement's span runs from its keyword to its semicolon
    const text = prog(src);
    expect(text.slice(ret!.span.offset, ret!.span.endOffset)).toBe('RETURN(x > 1);');
    expect(text.slice(repeat!.span.offset, repeat!.span.endOffset)).toBe(
      'REPEAT x := x + 1; UNTIL x > 3 END_REPEAT;',
    );
  });

  it('keeps a lone semicolon only when a comment or pragma rides on it', () => {
    expect(body('x := 1; ; ;').map((s) => s.kind)).toEqual(['Assignment']);
    const kept = body('x := 1;\n(* nothing to do *) ;');
    expect(kept.map((s) => s.kind)).toEqual(['Assignment', 'Empty']);
    expect(kept[1]!.leadingComments?.[0]?.text).toContain('nothing to do');
    // the trivia decides, not whether comments are made: the tree without them keeps it too
    expect(body('x := 1;\n(* nothing to do *) ;', false).map((s) => s.kind)).toEqual(['Assignment', 'Empty']);
    // in a REPEAT body as at the top
    const rep = body('REPEAT\n  x := 1;\n  (* wait *) ;\nUNTIL TRUE END_REPEAT;')[0];
    expect(rep?.kind === 'Repeat' && rep.body.map((s) => s.kind)).toEqual(['Assignment', 'Empty']);
  });
});

describe('postfix and case labels', () => {
  it('reads one index or several into a list of their own length', () => {
    const one = assigned(body('x := a[1];')[0]);
    const two = assigned(body('x := a[1, x + 2];')[0]);
    expect(one.kind === 'Index' && one.indices.map((i) => i.kind)).toEqual(['IntegerLiteral']);
    expect(two.kind === 'Index' && two.indices.map((i) => i.kind)).toEqual(['IntegerLiteral', 'Binary']);
  });

  it('reads a member named by a keyword, and bits by number or %X', () => {
    const e = assigned(body('x := a.TO;')[0]);
    expect(e.kind === 'Member' && e.member).toBe('TO');
    const [bit, address] = body('x := a.b.3;\nx := a.%X12;').map(assigned);
    expect(bit).toMatchObject({
      kind: 'BitAccess',
      explicit: false,
      object: { kind: 'Member', member: 'b' },
    });
    expect(bit?.kind === 'BitAccess' && bit.bit).toMatchObject({ kind: 'IntegerLiteral', value: 3 });
    expect(address).toMatchObject({ kind: 'BitAccess', explicit: true, bit: { value: 12, raw: '12' } });
  });

  it('tells a call statement in a case branch from a label list by its brackets', () => {
    const c = body('CASE x OF\n1: f(a, (b));\n2, 3: g[1] := 0;\nEND_CASE')[0];
    if (c?.kind !== 'Case') throw new Error('no CASE');
    expect(c.branches.map((b) => b.body.map((s) => s.kind))).toEqual([['CallStatement'], ['Assignment']]);
    expect(c.branches[1]!.labels).toHaveLength(2);
  });
});

describe('strings and comments by one path', () => {
  const stringOf = (src: string): Expression => assigned(body(`x := ${src};`)[0]);

  it('reads $ escapes: a quote, a dollar, hex codes', () => {
    expect(stringOf("'a$'b$$c$41'")).toMatchObject({ kind: 'StringLiteral', value: "a'b$cA" });
    expect(stringOf('"$"$0041"')).toMatchObject({ kind: 'StringLiteral', value: '"A', wide: true });
  });

  it('ends an unclosed string at a line break, even one after $', () => {
    for (const src of ["PROGRAM P x := 'ab$\n;", "PROGRAM P x := 'ab\n;"]) {
      const r = scan(src, 't.st');
      const i = Array.from(r.tokens.kind.subarray(0, r.tokens.count)).indexOf(T.String);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['ST1004']);
      expect(
        src.slice(r.tokens.data[i * TOKEN_FIELDS + TK_START], r.tokens.data[i * TOKEN_FIELDS + TK_END]),
      ).toBe(src.slice(src.indexOf("'"), src.indexOf('\n')));
    }
  });

  it('ends a string with a $ last in its range at the range end', () => {
    const text = "xx 'ab$ yy";
    const r = scan(text, 't.st', 3, 7);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['ST1004']);
    expect(r.tokens.kind[0]).toBe(T.String);
    expect([r.tokens.data[TK_START], r.tokens.data[TK_END]]).toEqual([3, 7]);
  });

  it('reads line, block and nested comments wherever they come first', () => {
    const src = '/* c */ x := 1; // line\n(* a (* nested *) b *) x := 2;\n// last';
    const { unit } = parseSource(prog(src), 't.st');
    const texts = unit.comments.map((c) => [c.style, c.text]);
    expect(texts).toEqual([
      ['c-block', '/* c */'],
      ['line', '// line'],
      ['block', '(* a (* nested *) b *)'],
      ['line', '// last'],
    ]);
    expect(body(src).map((s) => s.kind)).toEqual(['Assignment', 'Assignment']);
  });
});

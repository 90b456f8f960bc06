import { describe, expect, it } from 'vitest';
import type {
  AssignmentStatement,
  CallStatement,
  CaseStatement,
  Expression,
  FunctionBlockDecl,
  IfStatement,
  ProgramDecl,
  RepeatStatement,
  Statement,
  TopLevelDeclaration,
  TypeBlock,
  WhileStatement,
} from './ast';
import { astEqual } from './ast-utils';
import { activeNodes, evaluateCondition } from './conditional-compilation';
import { createParser, MAX_NESTING_DEPTH, parseSource } from './parser';
import { printNode, printUnit } from './printer';
import {
  charsHash,
  indexInRange,
  scan,
  TK_END,
  TK_HASH,
  TK_LINE,
  TK_START,
  TOKEN_FIELDS,
  type Tokens,
} from './scanner';

/** The line of token i. */
const lineOf = (t: Tokens, i: number): number | undefined => t.data[i * TOKEN_FIELDS + TK_LINE];

const prog = (body: string, vars = ''): string => `PROGRAM P\nVAR\n${vars}\nEND_VAR\n${body}\nEND_PROGRAM\n`;
const firstProgram = (src: string): ProgramDecl => {
  const { unit } = parseSource(src, 't.st');
  const d = unit.declarations[0];
  if (d?.kind !== 'Program') throw new Error('no program');
  return d;
};
const literalOf = (text: string): Expression => {
  const p = firstProgram(prog(`x := ${text};`));
  return (p.body[0] as AssignmentStatement).value;
};

describe('literals', () => {
  it('decodes durations into ms and exact ns', () => {
    const t = literalOf('T#1h2m3s4ms');
    expect(t).toMatchObject({ kind: 'TimeLiteral', type: 'TIME', ms: 3_723_004, ns: 3_723_004_000_000n });
    expect(literalOf('LTIME#5us')).toMatchObject({
      kind: 'TimeLiteral',
      type: 'LTIME',
      ns: 5000n,
      ms: 0.005,
    });
    expect(literalOf('TIME#-1.5s')).toMatchObject({ ms: -1500 });
  });
  it("reads blanks between a duration's `#` and its digits as MATIEC does (request iec-06)", () => {
    expect(literalOf('T# 300ms')).toMatchObject({ kind: 'TimeLiteral', ms: 300, raw: 'T# 300ms' });
    expect(literalOf('TIME#  1s_5ms')).toMatchObject({ ms: 1005 });
    expect(literalOf('LTIME#\t2us')).toMatchObject({ type: 'LTIME', ns: 2000n });
    // printed as written, re-read the same
    const r = parseSource('PROGRAM P\nVAR t : TIME; END_VAR\nt := T# 30000ms;\nEND_PROGRAM\n', 't.st');
    expect(r.diagnostics).toEqual([]);
    expect(printUnit(r.unit)).toContain('t := T# 30000ms;');
    // a blank before anything but a digit is not part of it
    const bad = parseSource('PROGRAM P\nVAR t : TIME; END_VAR\nt := T# s;\nEND_PROGRAM\n', 'b.st');
    expect(bad.diagnostics.map((d) => d.code)).toContain('ST1006');
  });
  it('decodes integers in every base, typed literals and bigints', () => {
    expect(literalOf('16#FF')).toMatchObject({ kind: 'IntegerLiteral', value: 255, base: 16 });
    expect(literalOf('2#1010_1010')).toMatchObject({ value: 170, base: 2 });
    expect(literalOf('INT#-5')).toMatchObject({ value: -5, typeName: 'INT' });
    expect(literalOf('UINT#16#FFFF')).toMatchObject({ value: 65535, typeName: 'UINT' });
    expect(literalOf('LWORD#16#FFFFFFFFFFFFFFFF')).toMatchObject({ value: 18446744073709551615n });
    expect(literalOf('1_000')).toMatchObject({ value: 1000 });
  });
  it('decodes reals, booleans, strings with $ escapes, dates and enum literals', () => {
    expect(literalOf('1.5E-3')).toMatchObject({ kind: 'RealLiteral', value: 0.0015 });
    expect(literalOf('BOOL#1')).toMatchObject({ kind: 'BoolLiteral', value: true });
    expect(literalOf("'It$'s $N$$'")).toMatchObject({
      kind: 'StringLiteral',
      value: "It's \n$",
      wide: false,
    });
    expect(literalOf('"$0041"')).toMatchObject({ kind: 'StringLiteral', value: 'A', wide: true });
    expect(literalOf('D#1970-01-02')).toMatchObject({
      kind: 'DateTimeLiteral',
      type: 'DATE',
      ms: 86_400_000,
    });
    expect(literalOf('TOD#00:00:01.5')).toMatchObject({ type: 'TOD', ms: 1500 });
    expect(literalOf('DT#1970-01-01-00:01:00')).toMatchObject({ type: 'DT', ms: 60_000 });
    expect(literalOf('E_State#Idle')).toMatchObject({
      kind: 'EnumLiteral',
      typeName: 'E_State',
      value: 'Idle',
    });
  });
  it('reports a malformed literal once', () => {
    const { diagnostics } = parseSource(prog('x := T#5q;'), 't.st');
    expect(diagnostics.map((d) => d.code)).toEqual(['ST1006']);
  });
});

describe('statements and expressions', () => {
  it('follows IEC precedence: unary minus binds tighter than **, AND tighter than OR', () => {
    const e = literalOf('-a ** 2 + b * c OR d AND e');
    expect(e).toMatchObject({
      kind: 'Binary',
      operator: 'OR',
      left: { operator: '+', left: { operator: '**', left: { kind: 'Unary', operator: '-' } } },
      right: { operator: 'AND' },
    });
  });
  it('parses calls with inputs, outputs, negated outputs and method calls on THIS^', () => {
    const p = firstProgram(
      prog('fb(IN := a, PT := T#1s, Q => q, NOT ET => e); THIS^.M(1, 2); p^.x := ADR(y);'),
    );
    expect(p.body[0]).toMatchObject({
      kind: 'CallStatement',
      call: {
        args: [
          { name: 'IN', direction: 'input' },
          { name: 'PT' },
          { name: 'Q', direction: 'output', negated: false },
          { name: 'ET', direction: 'output', negated: true },
        ],
      },
    });
    expect(p.body[1]).toMatchObject({
      call: { callee: { kind: 'Member', object: { kind: 'Deref', operand: { kind: 'This' } } } },
    });
    expect(p.body[2]).toMatchObject({ target: { kind: 'Member', object: { kind: 'Deref' } } });
  });
  it('parses CASE with lists, ranges and enum labels, and REF=, S=, R=', () => {
    const p = firstProgram(
      prog(
        'CASE s OF\n1, 3..5: a := 1;\nE.Run: a := 2; b := 3;\nELSE a := 0;\nEND_CASE\nr REF= a; q S= a; q R= b;',
      ),
    );
    const c = p.body[0]!;
    expect(c).toMatchObject({
      kind: 'Case',
      branches: [
        { labels: [{ kind: 'CaseValue' }, { kind: 'CaseRange' }] },
        { labels: [{ value: { kind: 'Member', member: 'Run' } }], body: [{}, {}] },
      ],
      else: [{ kind: 'Assignment' }],
    });
    expect(p.body.slice(1).map((s) => (s as AssignmentStatement).operator)).toEqual(['REF=', 'S=', 'R=']);
  });
  it('treats keywords and names case-insensitively and keeps names as written', () => {
    const p = firstProgram('program P\nvar X : int; end_var\nif x > 0 then X := 1; end_if\nend_program');
    expect(p.body[0]).toMatchObject({ kind: 'If' });
    expect((p.body[0] as IfStatement).then[0]).toMatchObject({ target: { name: 'X' } });
  });
  it('skips nested (* *), /* */ and // comments and keeps them for the printer', () => {
    const { unit, diagnostics } = parseSource(
      prog('(* outer (* inner *) still *)\nx := 1; // tail\n/* c */ y := 2;'),
      't.st',
    );
    expect(diagnostics).toEqual([]);
    expect(unit.comments.map((c) => c.style)).toEqual(['block', 'line', 'c-block']);
    const p = unit.declarations[0] as ProgramDecl;
    expect(p.body[0]!.leadingComments?.[0]?.text).toBe('(* outer (* inner *) still *)');
    expect(p.body[0]!.trailingComments?.[0]?.text).toBe('// tail');
  });
  it('gives every node a span into the file', () => {
    const p = firstProgram(prog('  x := 1;'));
    expect(p.body[0]!.span).toMatchObject({ line: 5, column: 3, endLine: 5, endColumn: 10 });
  });
  it('gives a positional argument and a case value the span of their expression, one object', () => {
    const p = firstProgram(prog('F(a.b, (1), x := 2);\nCASE s OF\nE.Run, 3: ;\nEND_CASE'));
    const args = (p.body[0] as CallStatement).call.args;
    expect(args[0]!.span).toBe(args[0]!.value!.span);
    expect(args[1]!.span).toBe(args[1]!.value!.span);
    expect(args[1]!.span).toMatchObject({ line: 5, column: 8, endColumn: 11 });
    expect(args[2]!.span).not.toBe(args[2]!.value!.span);
    const labels = (p.body[1] as CaseStatement).branches[0]!.labels;
    expect(labels.map((l) => l.kind === 'CaseValue' && l.span === l.value.span)).toEqual([true, true]);
  });
});

describe('declarations', () => {
  it('reads OO function blocks: EXTENDS, IMPLEMENTS, ABSTRACT, methods and properties', () => {
    const src = `FUNCTION_BLOCK ABSTRACT FB_B EXTENDS FB_A IMPLEMENTS I_X, I_Y
VAR_INPUT CONSTANT k : INT := 1; END_VAR
METHOD PROTECTED M : BOOL
VAR_INPUT a : INT; END_VAR
M := a > k;
END_METHOD
PROPERTY PUBLIC P : INT
GET
P := k;
END_GET
SET
END_SET
END_PROPERTY
END_FUNCTION_BLOCK`;
    const { unit, diagnostics } = parseSource(src, 'fb.st');
    expect(diagnostics).toEqual([]);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    expect(fb).toMatchObject({ abstract: true, extends: 'FB_A', implements: ['I_X', 'I_Y'] });
    expect(fb.varBlocks[0]).toMatchObject({ section: 'VAR_INPUT', constant: true });
    expect(fb.methods[0]).toMatchObject({ name: 'M', access: 'PROTECTED', returnType: { name: 'BOOL' } });
    expect(fb.properties[0]).toMatchObject({ name: 'P', get: { body: [{}] }, set: { body: [] } });
  });
  it('reads every kind of TYPE and variable declaration', () => {
    const src = `TYPE
  E : (A := 1, B, C := 10) UINT := B;
  E2 : DWORD (X := 16#1, Y := 16#2);
  S EXTENDS Base : STRUCT a, b : INT := 5; END_STRUCT
  U : UNION w : WORD; b : ARRAY[0..1] OF BYTE; END_UNION;
  R : INT (0..100);
  Al : LREAL;
END_TYPE
VAR_GLOBAL RETAIN PERSISTENT
  m AT %MD10 : ARRAY[1..2, 0..3] OF STRING(20) := [2(''), 6('x')];
  q AT %Q* : BOOL;
  p : POINTER TO REF_TO INT;
  r : REFERENCE TO ST_X;
  fb : TON := (PT := T#5s);
  ws : WSTRING[40];
END_VAR`;
    const { unit, diagnostics } = parseSource(src, 't.st');
    expect(diagnostics).toEqual([]);
    expect(unit.declarations[0]).toMatchObject({
      kind: 'TypeBlock',
      types: [
        {
          type: {
            kind: 'EnumType',
            baseType: { name: 'UINT' },
            values: [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
          },
          init: { name: 'B' },
        },
        { type: { kind: 'EnumType', baseType: { name: 'DWORD' } } },
        {
          type: { kind: 'StructType', extends: 'Base', members: [{ names: [{ name: 'a' }, { name: 'b' }] }] },
        },
        { type: { kind: 'UnionType' } },
        { type: { kind: 'SubrangeType', base: { name: 'INT' } } },
        { type: { kind: 'NamedType', name: 'LREAL' } },
      ],
    });
    expect(unit.declarations[1]).toMatchObject({
      kind: 'GlobalVarList',
      varBlocks: [
        {
          retain: true,
          persistent: true,
          decls: [
            {
              location: { area: 'M', size: 'D', address: [10] },
              type: { kind: 'ArrayType', dimensions: [{}, {}] },
              init: { kind: 'ArrayInitializer', elements: [{ repeat: {} }, {}] },
            },
            { location: { unspecified: true, area: 'Q' } },
            {
              type: {
                kind: 'PointerType',
                syntax: 'POINTER TO',
                target: { kind: 'PointerType', syntax: 'REF_TO' },
              },
            },
            { type: { kind: 'ReferenceType' } },
            { init: { kind: 'StructInitializer', fields: [{ name: 'PT' }] } },
            { type: { kind: 'StringType', wide: true } },
          ],
        },
      ],
    });
  });
  it('reads configurations with task intervals, priorities and program bindings', () => {
    const src = `CONFIGURATION C
RESOURCE R ON PLC
  TASK Fast(INTERVAL := T#10ms, PRIORITY := 1);
  PROGRAM Main WITH Fast : PRG_Main;
END_RESOURCE
END_CONFIGURATION`;
    const { unit, diagnostics } = parseSource(src, 'c.st');
    expect(diagnostics).toEqual([]);
    expect(unit.declarations[0]).toMatchObject({
      kind: 'Configuration',
      resources: [
        {
          name: 'R',
          on: 'PLC',
          tasks: [{ name: 'Fast', intervalMs: 10, priorityValue: 1 }],
          programs: [{ name: 'Main', task: 'Fast', program: 'PRG_Main' }],
        },
      ],
    });
  });
  it('attaches pragmas and attributes to the following node', () => {
    const { unit } = parseSource("{attribute 'hide'}\n@EXTERNAL FUNCTION F : INT\nEND_FUNCTION", 'p.st');
    expect(unit.declarations[0]?.pragmas?.map((p) => p.attribute?.name ?? p.text)).toEqual([
      'hide',
      '@EXTERNAL',
    ]);
  });
});

describe('error recovery', () => {
  it('reports one missing END_IF once, naming the IF line, and keeps parsing', () => {
    const src = prog('IF a THEN\n  x := 1;\ny := 2;', 'a : BOOL; x, y : INT;');
    const { unit, diagnostics } = parseSource(src, 't.st');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: 'ST1002',
      message: 'expected END_IF to close IF at line 5',
    });
    expect((unit.declarations[0] as ProgramDecl).body[0]).toMatchObject({ kind: 'If' });
  });
  it('gives one diagnostic per broken statement, no cascade', () => {
    const src = prog('x := ;\ny := 2;\nz := (1 + ;\nw := 3;');
    const { unit, diagnostics } = parseSource(src, 't.st');
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['ST1008', 5],
      ['ST1008', 7],
    ]);
    const names = (unit.declarations[0] as ProgramDecl).body.map(
      (s) => ((s as AssignmentStatement).target as { name: string }).name,
    );
    expect(names).toEqual(['y', 'w']);
  });
  it('reports a missing semicolon once and keeps both statements', () => {
    const { unit, diagnostics } = parseSource(prog('x := 1\ny := 2;'), 't.st');
    expect(diagnostics.map((d) => d.code)).toEqual(['ST1011']);
    expect((unit.declarations[0] as ProgramDecl).body).toHaveLength(2);
  });
  it('recovers inside an IF condition without losing the block', () => {
    const { unit, diagnostics } = parseSource(prog('IF a + THEN x := 1; END_IF;\ny := 1;'), 't.st');
    expect(diagnostics).toHaveLength(1);
    const body = (unit.declarations[0] as ProgramDecl).body;
    expect((body[0] as IfStatement).then).toHaveLength(1);
    expect(body).toHaveLength(2);
  });
  it('skips a stray END_WHILE with one diagnostic', () => {
    const { diagnostics } = parseSource(prog('x := 1;\nEND_WHILE;\ny := 2;'), 't.st');
    expect(diagnostics.map((d) => d.code)).toEqual(['ST1001']);
  });
  it('refuses hostile nesting with one diagnostic instead of overflowing the stack', () => {
    const deep = prog(`x := ${'('.repeat(50_000)}1${')'.repeat(50_000)};\n${'IF x THEN '.repeat(20_000)}`);
    const { diagnostics } = parseSource(deep, 'deep.st');
    expect(diagnostics[0]).toMatchObject({ code: 'ST1017' });
    expect(diagnostics.length).toBeLessThanOrEqual(2);
  });
  it('reads 9,400 nested NOTs and a 20,000-term OR chain without throwing (issue 14)', () => {
    const nots = parseSource(prog(`bTrip := ${'NOT '.repeat(9400)}bSensor;`), 'nots.st');
    expect(nots.diagnostics).toEqual([]);
    let e = ((nots.unit.declarations[0] as ProgramDecl).body[0] as AssignmentStatement).value;
    let depth = 0;
    while (e.kind === 'Unary') {
      depth++;
      e = e.operand;
    }
    expect(depth).toBe(9400);
    const terms = Array.from({ length: 20_000 }, (_, i) => `aAlarm[${i}]`).join(' OR ');
    const ors = parseSource(prog(`bAnyAlarm := ${terms};`), 'or.st');
    expect(ors.diagnostics).toEqual([]);
    let b = ((ors.unit.declarations[0] as ProgramDecl).body[0] as AssignmentStatement).value;
    let n = 1;
    while (b.kind === 'Binary') {
      n++;
      b = b.left;
    }
    expect(n).toBe(20_000);
  });
  it('follows 1,000-deep nesting of IF and parentheses; beyond the limit one ST1017 and nothing else', () => {
    const ifs = `${'IF bEnable THEN\n'.repeat(1000)}nLevel := ${'('.repeat(10)}1${')'.repeat(10)};\n${'END_IF;\n'.repeat(1000)}`;
    expect(parseSource(prog(ifs), 'ifs.st').diagnostics).toEqual([]);
    const parens = `rOut := ${'('.repeat(1000)}rIn${')'.repeat(1000)};`;
    expect(parseSource(prog(parens), 'parens.st').diagnostics).toEqual([]);
    const tooDeep = `${'IF bEnable THEN\n'.repeat(MAX_NESTING_DEPTH + 1)}x := 1;`;
    expect(parseSource(prog(tooDeep), 'deep.st').diagnostics.map((d) => d.code)).toEqual(['ST1017']);
    const types = parseSource(`TYPE T : ${'POINTER TO '.repeat(5000)}INT; END_TYPE`, 't.st');
    expect(types.diagnostics.map((d) => d.code)).toEqual(['ST1017']);
  });
  it('parses a call with several positional arguments inside a CASE arm and its ELSE (issue 14)', () => {
    const src = prog(
      `CASE nStep OF
    10: LIMIT_Check(rValue, 0.0, 100.0);
        nStep := 20;
    20, 30: fbLog.Write(nStep, 'done', TRUE);
    ELSE
        fbLog.Write(nStep, 'unknown', FALSE);
        MEMSET(ADR(aBuf), 0, SIZEOF(aBuf));
    END_CASE;`,
    );
    const { unit, diagnostics } = parseSource(src, 't.st');
    expect(diagnostics).toEqual([]);
    const c = (unit.declarations[0] as ProgramDecl).body[0] as CaseStatement;
    expect(c.branches.map((b) => b.body.map((s) => s.kind))).toEqual([
      ['CallStatement', 'Assignment'],
      ['CallStatement'],
    ]);
    expect(c.else?.map((s) => s.kind)).toEqual(['CallStatement', 'CallStatement']);
    expect((c.else![0] as CallStatement).call.args).toHaveLength(3);
  });
  it('parses the function forms AND(..), OR(..), XOR(..), NOT(IN := x) as calls (issue 14)', () => {
    const p = firstProgram(
      prog(
        'bRun := AND(bAuto, bReady, NOT(IN := bFault)); bAny := OR(b1, b2) XOR XOR(b3, b4); bInv := NOT(bRun);',
      ),
    );
    const [a, b, c] = p.body as AssignmentStatement[];
    expect(a!.value).toMatchObject({
      kind: 'Call',
      callee: { kind: 'Identifier', name: 'AND' },
      args: [{}, {}, { value: { kind: 'Call', callee: { name: 'NOT' }, args: [{ name: 'IN' }] } }],
    });
    expect(b!.value).toMatchObject({
      kind: 'Binary',
      operator: 'XOR',
      left: { kind: 'Call', callee: { name: 'OR' } },
      right: { kind: 'Call', callee: { name: 'XOR' } },
    });
    // NOT with a plain parenthesised operand stays the operator
    expect(c!.value).toMatchObject({ kind: 'Unary', operator: 'NOT', operand: { kind: 'Paren' } });
  });
  it('reads comments written for non-nesting compilers (MATIEC, CODESYS V2) when nesting leaves them open', () => {
    // `(* old: (* x *)` closes at the first `*)` there; with nesting it would swallow the file
    const src = prog('(* old code: (* disabled x := 2; *)\nx := 1;', 'x : INT;');
    const { unit, diagnostics } = parseSource(src, 'oscat.st');
    expect(diagnostics).toEqual([]);
    expect((unit.declarations[0] as ProgramDecl).body).toMatchObject([{ kind: 'Assignment' }]);
    // balanced nested comments still nest (3rd edition, CODESYS 3, TwinCAT)
    const nested = parseSource(prog('(* a (* b *) still comment x := 2; *)\nx := 1;', 'x : INT;'), 'n.st');
    expect((nested.unit.declarations[0] as ProgramDecl).body).toHaveLength(1);
  });
  it('reports unterminated comments and strings without throwing', () => {
    expect(parseSource(prog("s := 'abc"), 't.st').diagnostics.some((d) => d.code === 'ST1004')).toBe(true);
    expect(
      parseSource('PROGRAM P (* never closed', 't.st').diagnostics.some((d) => d.code === 'ST1003'),
    ).toBe(true);
  });
});

/** Parses, checks the shape, then prints and re-parses: same tree, and printing is idempotent. */
function roundTrips(src: string): ProgramDecl | FunctionBlockDecl | TopLevelDeclaration[] {
  const first = parseSource(src, 'dialect.st');
  expect(first.diagnostics).toEqual([]);
  const printed = printUnit(first.unit);
  const second = parseSource(printed, 'printed.st');
  expect(second.diagnostics).toEqual([]);
  expect(astEqual(first.unit, second.unit)).toBe(true);
  expect(printUnit(second.unit)).toBe(printed);
  const d = first.unit.declarations;
  return d.length === 1 && (d[0]!.kind === 'Program' || d[0]!.kind === 'FunctionBlock') ? d[0]! : d;
}
const fb = (body: string, vars = ''): string =>
  `FUNCTION_BLOCK FB_Axis\nVAR\n${vars}\nEND_VAR\n${body}\nEND_FUNCTION_BLOCK\n`;
const bodyOf = (src: string): Statement[] => (roundTrips(src) as FunctionBlockDecl).body;

describe('TwinCAT 3 / CODESYS 3.5 dialect (issue 15), each printed back and re-read', () => {
  it('trailing commas in argument lists, initialisers, enums and EXTENDS/IMPLEMENTS lists', () => {
    const d = roundTrips(
      `TYPE E_Mode : (Idle := 0, Auto, Manual, ) UDINT; END_TYPE
FUNCTION_BLOCK FB_Axis IMPLEMENTS I_Axis, I_Reset,
VAR
    aLimits : ARRAY[0..1] OF LREAL := [-100.0, 100.0, ];
    stPos : ST_Pos := (rX := 1.0, rY := 2.0, );
END_VAR
fbMcPower(Axis := stAxisRef, Enable := TRUE, Enable_Positive := TRUE,);
END_FUNCTION_BLOCK`,
    ) as TopLevelDeclaration[];
    const f = d[1] as FunctionBlockDecl;
    expect(f.implements).toEqual(['I_Axis', 'I_Reset']);
    expect((f.body[0] as CallStatement).call.args.map((a) => a.name)).toEqual([
      'Axis',
      'Enable',
      'Enable_Positive',
    ]);
  });
  it('an empty declaration after an initialiser (`;;`) and stray semicolons between POUs', () => {
    const f = roundTrips(
      `${fb('fbHome(Execute := bHome);', 'fbHome : FB_HomeNC(AxisRef := stAxis);;\n    bHome : BOOL;')};`,
    ) as FunctionBlockDecl;
    expect(f.varBlocks[0]!.decls.map((v) => v.names[0]!.name)).toEqual(['fbHome', 'bHome']);
  });
  it('attributes and pragmas are kept on their node and printed back', () => {
    const d = roundTrips(`{attribute 'qualified_only'}
{attribute 'strict'}
TYPE E_State : (Idle, Run); END_TYPE
${fb("{warning 'check the homing mode'}\nnMode := 1;", "{attribute 'hide'}\n    nMode : INT;")}`) as TopLevelDeclaration[];
    expect(d[0]!.pragmas?.map((p) => p.attribute?.name)).toEqual(['qualified_only', 'strict']);
    const f = d[1] as FunctionBlockDecl;
    expect(f.varBlocks[0]!.decls[0]!.pragmas?.[0]?.attribute).toEqual({ name: 'hide' });
    expect(f.body[0]!.pragmas?.[0]?.text).toBe("warning 'check the homing mode'");
  });
  it('{IF defined(...)} conditional compilation keeps both branches and the closing {END_IF}', () => {
    const body = bodyOf(
      fb(`{IF defined (pou:MC_Power)}
fbPower(Axis := stAxis, Enable := bEnable);
{ELSE}
bSimulated := TRUE;
{END_IF}`),
    );
    expect(body.map((s) => s.kind)).toEqual(['CallStatement', 'Assignment']);
    expect(body[0]!.pragmas?.[0]?.text).toBe('IF defined (pou:MC_Power)');
    expect(body[1]!.pragmas?.[0]?.text).toBe('ELSE');
    expect(body[1]!.trailingPragmas?.[0]?.text).toBe('END_IF');
  });
  it('FUNCTION/PROGRAM with INTERNAL access, CLASS, interfaces extending several', () => {
    const d = roundTrips(`FUNCTION INTERNAL F_Scramble : DWORD
VAR_INPUT k : DWORD; END_VAR
F_Scramble := ROL(k * 16#CC9E2D51, 15);
END_FUNCTION
PROGRAM INTERNAL MAIN
END_PROGRAM
CLASS CL_Counter EXTENDS CL_Base IMPLEMENTS I_Count
VAR n : DINT; END_VAR
METHOD PUBLIC Inc : DINT
Inc := n := n + 1;
END_METHOD
END_CLASS
INTERFACE I_MotionAxis EXTENDS __SYSTEM.IQueryInterface, I_Base,
PROPERTY Enabled : BOOL
END_PROPERTY
END_INTERFACE`) as TopLevelDeclaration[];
    expect(d[0]).toMatchObject({ kind: 'Function', access: 'INTERNAL' });
    expect(d[1]).toMatchObject({ kind: 'Program', access: 'INTERNAL' });
    expect(d[2]).toMatchObject({
      kind: 'FunctionBlock',
      isClass: true,
      extends: 'CL_Base',
      methods: [{ name: 'Inc' }],
    });
    expect(d[3]).toMatchObject({ kind: 'Interface', extends: ['__SYSTEM.IQueryInterface', 'I_Base'] });
  });
  it('properties, methods and actions inside a function block', () => {
    const f = roundTrips(`FUNCTION_BLOCK FB_Valve
VAR bOpen : BOOL; END_VAR
METHOD PRIVATE Open : BOOL
VAR_INPUT bForce : BOOL; END_VAR
bOpen := TRUE;
Open := bOpen;
END_METHOD
PROPERTY PUBLIC IsOpen : BOOL
GET
IsOpen := bOpen;
END_GET
END_PROPERTY
ACTION Close:
bOpen := FALSE;
END_ACTION
END_FUNCTION_BLOCK`) as FunctionBlockDecl;
    expect([f.methods[0]!.access, f.properties[0]!.get?.body.length, f.actions[0]!.name]).toEqual([
      'PRIVATE',
      1,
      'Close',
    ]);
  });
  it('REFERENCE TO, POINTER TO, __NEW with a type, __DELETE, __ISVALIDREF, REF=', () => {
    const body = bodyOf(
      fb(
        `pBuckets := __NEW(POINTER TO ST_Bucket, TO_UDINT(nCount));
pNode := __NEW(ST_Node);
IF __ISVALIDREF(refAxis) THEN
    refAxis REF= stAxis;
    __DELETE(pNode);
END_IF`,
        'refAxis : REFERENCE TO AXIS_REF;\n    pNode : POINTER TO ST_Node;\n    pBuckets : POINTER TO ST_Bucket;',
      ),
    );
    expect((body[0] as AssignmentStatement).value).toMatchObject({
      kind: 'Call',
      args: [
        { value: { kind: 'TypeArgument', type: { kind: 'PointerType', target: { name: 'ST_Bucket' } } } },
        {},
      ],
    });
    expect(((body[2] as IfStatement).then[0] as AssignmentStatement).operator).toBe('REF=');
  });
  it('S= and R= set/reset assignments, bit access .0 and .%X0, JMP and labels', () => {
    const body = bodyOf(
      fb(`bLatch S= bStart;
bLatch R= bStop;
wStatus.0 := bReady;
wStatus.%X15 := bError;
IF bSkip THEN JMP lblEnd; END_IF
nCount := nCount + 1;
lblEnd:
bDone := TRUE;`),
    );
    expect(body.map((s) => (s.kind === 'Assignment' ? s.operator : s.kind))).toEqual([
      'S=',
      'R=',
      ':=',
      ':=',
      'If',
      ':=',
      'Label',
      ':=',
    ]);
    expect((body[3] as AssignmentStatement).target).toMatchObject({ kind: 'BitAccess', explicit: true });
  });
  it('UNION, STRUCT OVERLAP, enum base types, namespaces Lib.FB', () => {
    const d = roundTrips(`TYPE U_Word :
UNION
    nWord : WORD;
    aBytes : ARRAY[0..1] OF BYTE;
END_UNION
END_TYPE
TYPE ST_Com : STRUCT OVERLAP nRaw : DWORD; rVal : REAL; END_STRUCT END_TYPE
TYPE E_Dir : (Fwd := 1, Bwd := -1) INT; END_TYPE
PROGRAM MAIN
VAR fbDelay : Tc2_Standard.TON; END_VAR
fbDelay(IN := TRUE, PT := T#1S);
nLen := Tc2_Standard.LEN('abc');
END_PROGRAM`) as TopLevelDeclaration[];
    expect((d[0] as TypeBlock).types[0]!.type.kind).toBe('UnionType');
    expect((d[1] as TypeBlock).types[0]!.type).toMatchObject({ kind: 'StructType', overlap: true });
    expect((d[2] as TypeBlock).types[0]!.type).toMatchObject({ kind: 'EnumType', baseType: { name: 'INT' } });
    expect((d[3] as ProgramDecl).varBlocks[0]!.decls[0]!.type).toMatchObject({ name: 'Tc2_Standard.TON' });
  });
  it('VAR_INST, VAR_STAT, VAR CONSTANT PERSISTENT and VAR_GENERIC with FB_X<6>', () => {
    const d = roundTrips(`FUNCTION_BLOCK FB_Ring
VAR_GENERIC CONSTANT
    N : UDINT := 16;
END_VAR
VAR CONSTANT PERSISTENT
    cMax : INT := 10;
END_VAR
VAR
    aBuf : ARRAY[0..N - 1] OF INT;
    fbSub : FB_Ring<6>;
    fbPair : Lib.FB_Pair<4, 2 * N>;
END_VAR
METHOD Push
VAR_INST nCalls : UDINT; END_VAR
VAR_STAT nTotal : UDINT; END_VAR
nCalls := nCalls + 1;
END_METHOD
END_FUNCTION_BLOCK`) as FunctionBlockDecl;
    expect(f_sections(d)).toEqual(['VAR_GENERIC', 'VAR', 'VAR']);
    expect(d.varBlocks[1]).toMatchObject({ constant: true, persistent: true });
    expect(d.varBlocks[2]!.decls[1]!.type).toMatchObject({ name: 'FB_Ring', genericArgs: [{ value: 6 }] });
    expect(d.methods[0]!.varBlocks.map((b) => b.section)).toEqual(['VAR_INST', 'VAR_STAT']);
  });
  it('typed literals, wide strings, LTIME', () => {
    const body = bodyOf(
      fb(`nRaw := UINT#16#FFFF; sMsg := "Temp $00B0C"; tCycle := LTIME#1ms500us; eMode := E_Mode#Auto;`),
    );
    expect(body.map((s) => (s as AssignmentStatement).value.kind)).toEqual([
      'IntegerLiteral',
      'StringLiteral',
      'TimeLiteral',
      'EnumLiteral',
    ]);
    expect((body[2] as AssignmentStatement).value).toMatchObject({ type: 'LTIME', ns: 1_500_000n });
  });
  it('__TRY/__CATCH/__FINALLY/__ENDTRY with the exception variable', () => {
    const body = bodyOf(
      fb(`__TRY
    rRatio := rA / rB;
__CATCH(exc)
    rRatio := 0;
    eLastError := exc;
__FINALLY
    bDone := TRUE;
__ENDTRY`),
    );
    expect(body[0]).toMatchObject({
      kind: 'Try',
      catchVariable: 'exc',
      body: [{}],
      catchBody: [{}, {}],
      finallyBody: [{}],
    });
  });
  it('chained assignment and an assignment inside a condition', () => {
    const body = bodyOf(
      fb(`THIS^.pHead := THIS^.pTail := 0;
IF (nIdx := nIdx + 1) >= nMax THEN
    nIdx := 0;
END_IF`),
    );
    expect((body[0] as AssignmentStatement).value).toMatchObject({
      kind: 'AssignmentExpression',
      target: { kind: 'Member', member: 'pTail' },
      value: { kind: 'IntegerLiteral', value: 0 },
    });
    expect((body[1] as IfStatement).condition).toMatchObject({
      left: { kind: 'Paren', expression: { kind: 'AssignmentExpression' } },
    });
  });
  it('an assignment as the whole condition of IF, ELSIF, WHILE and UNTIL (ExST, request iec-01)', () => {
    const body = bodyOf(
      fb(
        `IF b := (i = 1) THEN i := i + 1; ELSIF a := TRUE THEN i := 0; END_IF
WHILE a := FALSE DO i := 1; END_WHILE
REPEAT i := 2; UNTIL b := c := TRUE END_REPEAT`,
        'a, b, c : BOOL; i : INT;',
      ),
    );
    const [ifs, whiles, repeats] = body as [IfStatement, WhileStatement, RepeatStatement];
    expect(ifs.condition).toMatchObject({
      kind: 'AssignmentExpression',
      target: { kind: 'Identifier', name: 'b' },
      value: { kind: 'Paren', expression: { kind: 'Binary', operator: '=' } },
      span: { column: 4, endColumn: 16 },
    });
    expect(ifs.elsifs[0]!.condition).toMatchObject({
      kind: 'AssignmentExpression',
      target: { name: 'a' },
      value: { kind: 'BoolLiteral', value: true },
    });
    expect(whiles.condition).toMatchObject({ kind: 'AssignmentExpression', target: { name: 'a' } });
    // chained, right to left as after `:=` elsewhere
    expect(repeats.until).toMatchObject({
      kind: 'AssignmentExpression',
      target: { name: 'b' },
      value: { kind: 'AssignmentExpression', target: { name: 'c' } },
    });
  });
  it('several S=/R= targets on one line, all of the last operand (request iec-02)', () => {
    const body = bodyOf(
      fb('a R= b R= c R= d;\nbSet S= bReset R= F_Sample(bIn := bVar);', 'a, b, c, d : BOOL;'),
    );
    expect(body[0]).toMatchObject({
      kind: 'Assignment',
      operator: 'R=',
      target: { name: 'a' },
      moreTargets: [
        { operator: 'R=', target: { name: 'b' } },
        { operator: 'R=', target: { name: 'c' } },
      ],
      value: { kind: 'Identifier', name: 'd' },
    });
    expect(body[1]).toMatchObject({
      operator: 'S=',
      target: { name: 'bSet' },
      moreTargets: [{ operator: 'R=', target: { name: 'bReset' } }],
      value: { kind: 'Call' },
    });
    // a single one has no list
    expect(bodyOf(fb('a S= b;'))[0]).not.toHaveProperty('moreTargets');
  });
  it('a CASE selector stays an expression: `:=` after it is an error', () => {
    const r = parseSource(fb('CASE i := 1 OF 1: i := 2; END_CASE', 'i : INT;'), 'case.st');
    expect(r.diagnostics.map((d) => d.code)).toContain('ST1001');
  });
  it('__POUNAME, __POSITION and XSIZEOF are ordinary calls', () => {
    const body = bodyOf(fb('sSource := __POUNAME(); sPos := __POSITION(); nBytes := XSIZEOF(aBuf);'));
    expect(
      body.map((s) => ((s as AssignmentStatement).value as { callee: { name: string } }).callee.name),
    ).toEqual(['__POUNAME', '__POSITION', 'XSIZEOF']);
  });
  it('RETURN(condition), unconnected inputs `IN := ,`, arrays of FBs with per-element FB_init, TYPE INTERNAL', () => {
    const d = roundTrips(`TYPE INTERNAL ST_Block :
STRUCT
    fMin : LREAL;
END_STRUCT
END_TYPE
FUNCTION_BLOCK FB_Stage
VAR
    afbState : ARRAY[1..2] OF FB_StateConfig[
        (sName := 'OUT', fPosition := 0),
        (sName := 'IN', fPosition := 10)];
END_VAR
RETURN(bInit := fT <= 0);
tRecover(IN := , PT := tRecoverDelay);
fbValve(i_xOverride := , iq_stValve => );
END_FUNCTION_BLOCK`) as TopLevelDeclaration[];
    expect((d[0] as TypeBlock).types[0]).toMatchObject({ access: 'INTERNAL', name: 'ST_Block' });
    const f = d[1] as FunctionBlockDecl;
    expect(f.varBlocks[0]!.decls[0]!.elementConstructorArgs?.map((a) => a.map((x) => x.name))).toEqual([
      ['sName', 'fPosition'],
      ['sName', 'fPosition'],
    ]);
    expect(f.body[0]).toMatchObject({
      kind: 'Return',
      condition: { kind: 'Paren', expression: { kind: 'AssignmentExpression' } },
    });
    expect((f.body[1] as CallStatement).call.args[0]).toMatchObject({ name: 'IN', direction: 'input' });
    expect((f.body[1] as CallStatement).call.args[0]!.value).toBeUndefined();
  });
  it('textual SFC: INITIAL_STEP, STEP with qualified actions, TRANSITION with priority and step lists', () => {
    const p = roundTrips(`PROGRAM SFC_Mixer
VAR bStart, bFull, bStop, bValve : BOOL; tDelay : TIME := T#2s; END_VAR
INITIAL_STEP Idle:
END_STEP
STEP Fill:
    Valve(N);
    Heater(L, T#10s);
    Alarm(S, lampAlarm);
END_STEP
STEP Mix:
    Stir(P1);
    Motor(D, tDelay);
END_STEP
TRANSITION FROM Idle TO Fill := bStart;
END_TRANSITION
TRANSITION T_Full (PRIORITY := 1) FROM Fill TO Mix := bFull AND NOT bStop;
END_TRANSITION
TRANSITION FROM Mix TO Idle := Mix.T > T#5s;
END_TRANSITION
ACTION Valve:
    bValve := TRUE;
END_ACTION
END_PROGRAM`) as ProgramDecl;
    expect(p.sfc?.steps.map((s) => [s.name, s.initial, s.actions.map((a) => a.qualifier ?? 'N')])).toEqual([
      ['Idle', true, []],
      ['Fill', false, ['N', 'L', 'S']],
      ['Mix', false, ['P1', 'D']],
    ]);
    expect(p.sfc!.steps[1]!.actions[2]!.indicators).toEqual(['lampAlarm']);
    expect(p.sfc?.transitions[1]).toMatchObject({
      name: 'T_Full',
      priority: { value: 1 },
      from: ['Fill'],
      to: ['Mix'],
    });
    expect(p.actions.map((a) => a.name)).toEqual(['Valve']);
    // a variable named Step is still a variable
    expect(bodyOf(fb('Step := Step + 1;', 'Step : INT;'))[0]!.kind).toBe('Assignment');
  });
});

function f_sections(d: FunctionBlockDecl): string[] {
  return d.varBlocks.map((b) => b.section);
}

describe('conditional compilation with a define set (activeNodes)', () => {
  const src = `FUNCTION_BLOCK FB_Axis
VAR
{IF defined (pou:MC_Power)}
    fbPower : MC_Power;
{ELSE}
    bSimulatedPower : BOOL;
{END_IF}
END_VAR
{IF defined (pou:MC_Power)}
fbPower(Axis := stAxis, Enable := bEnable);
{ELSIF defined(SIMULATION) AND NOT defined(FAST)}
bSimulatedPower := bEnable;
{ELSE}
bSimulatedPower := TRUE;
{END_IF}
nCycles := nCycles + 1;
END_FUNCTION_BLOCK
`;
  const fb = parseSource(src, 'cc.st').unit.declarations[0] as FunctionBlockDecl;
  const names = (defines: string[]): string[] => [
    ...activeNodes(fb.varBlocks[0]!.decls, new Set(defines)).map((d) => d.names[0]!.name),
    ...activeNodes(fb.body, new Set(defines)).map((s) => printNode(s, { comments: false }).trim()),
  ];
  it('keeps every branch in the tree and picks one per configuration', () => {
    expect(fb.body).toHaveLength(4);
    expect(names(['MC_Power'])).toEqual([
      'fbPower',
      'fbPower(Axis := stAxis, Enable := bEnable);',
      'nCycles := nCycles + 1;',
    ]);
    expect(names(['SIMULATION'])).toEqual([
      'bSimulatedPower',
      'bSimulatedPower := bEnable;',
      'nCycles := nCycles + 1;',
    ]);
    expect(names(['SIMULATION', 'FAST'])).toEqual([
      'bSimulatedPower',
      'bSimulatedPower := TRUE;',
      'nCycles := nCycles + 1;',
    ]);
    expect(evaluateCondition('defined(variable: x) OR (NOT defined(y))', new Set(['Y']))).toBe(false);
  });
});

describe('literals no type can hold and CR-only line endings', () => {
  const errors = (text: string) =>
    parseSource(text, 'plant.st').diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);

  it('reports an integer beyond 64 bits and a duration beyond LTIME by name and place', () => {
    const src = [
      'PROGRAM Mixer',
      'VAR total : LINT; dwell : LTIME; END_VAR',
      'total := 99999999999999999999999;',
      'dwell := LT#999999999999d;',
      'total := 18446744073709551615;',
      'dwell := LTIME#213503D23H34M33S709MS551US615NS;', // TwinCAT's largest LTIME
      'END_PROGRAM',
    ].join('\n');
    expect(errors(src)).toEqual([
      'ST1018 3:10 integer literal 99999999999999999999999 is out of range: no integer type holds it (LINT/ULINT are 64 bits)',
      'ST1018 4:10 duration literal LT#999999999999d is out of range: beyond 64 bits of nanoseconds (LTIME, about 213,503 days)',
    ]);
  });

  it('reads a file saved with CR alone as line ends: comments stay on their lines', () => {
    const src =
      'PROGRAM Main\rVAR\r  x : INT; // set point\r  y : INT;\rEND_VAR\rx := 1; // start\ry := 2;\rEND_PROGRAM\r';
    const r = parseSource(src, 'mac.st');
    expect(r.diagnostics).toEqual([]);
    const body = (r.unit.declarations[0] as ProgramDecl).body;
    expect(body.map((s) => s.span.line)).toEqual([6, 7]);
  });

  it('reads untyped character strings as CASE labels (SCL, AX)', () => {
    const r = parseSource(
      "PROGRAM P\nVAR c : CHAR; v : INT; END_VAR\nCASE c OF '1', '2': v := 1; \"3\": v := 2; ELSE v := 3; END_CASE;\nEND_PROGRAM\n",
      'c.st',
    );
    expect(r.diagnostics).toEqual([]);
    const cs = (r.unit.declarations[0] as ProgramDecl).body[0] as CaseStatement;
    expect(cs.branches.map((b) => b.labels.length)).toEqual([2, 1]);
  });

  it("names a global list from {attribute 'gvl_name'} and starts a new list at the next one", () => {
    const r = parseSource(
      "VAR_GLOBAL a : INT; END_VAR\n{attribute 'gvl_name' := 'GVL_A'}\n{attribute 'qualified_only'}\nVAR_GLOBAL b : INT; END_VAR\nVAR_GLOBAL CONSTANT c : INT := 1; END_VAR\n{attribute 'gvl_name' := 'GVL_B'}\nVAR_GLOBAL d : INT; END_VAR\n",
      'g.st',
    );
    expect(r.diagnostics).toEqual([]);
    const lists = r.unit.declarations.map((d) =>
      d.kind === 'GlobalVarList'
        ? { name: d.name, blocks: d.varBlocks.length, pragmas: d.pragmas?.map((p) => p.attribute?.name) }
        : d.kind,
    );
    expect(lists).toEqual([
      { name: undefined, blocks: 1, pragmas: undefined },
      { name: 'GVL_A', blocks: 2, pragmas: ['qualified_only'] },
      { name: 'GVL_B', blocks: 1, pragmas: undefined },
    ]);
  });

  it('looks for lone CRs in the scanned range only (a reader scans many bodies of one file)', () => {
    expect(indexInRange('ab\rcd\r', '\r', 3, 5)).toBe(-1);
    expect(indexInRange('ab\rcd\r', '\r', 0, 5)).toBe(2);
    expect(indexInRange('ab\rcd\r', '\r', 3, 6)).toBe(5);
    // a body in the middle of a file whose later part has CR line ends: its lines are its own
    const text = `x := 1;\ny := 2;\n${'(* other body *)\r'.repeat(3)}`;
    const r = scan(text, 'f.xml', 0, 15, 1, 1);
    expect(r.diagnostics).toEqual([]);
    expect(lineOf(r.tokens, r.tokens.count - 2)).toBe(2);
  });

  it('reads a lone CR inside a scanned range as a line end, not a CR whose LF follows the range', () => {
    // CRLF body ending at its CR (the LF is the next body's): no line is added
    const crlf = 'x := 1;\r\ny := 2;\r\nz := 3;\r\n';
    const a = scan(crlf, 'f.xml', 0, crlf.length - 1, 1, 1);
    expect(lineOf(a.tokens, a.tokens.count - 1)).toBe(3);
    // a lone CR in the middle of a range is a line break
    const mac = 'x := 1;\ry := 2;\r\nz := 3;';
    const b = scan(mac, 'f.st', 0, mac.length, 1, 1);
    expect(lineOf(b.tokens, b.tokens.count - 2)).toBe(3);
    expect(lineOf(b.tokens, 4)).toBe(2);
  });
});

describe('token strings', () => {
  it('gives every name as written when names share a table slot, repeat, or are long', () => {
    // 20,000 distinct names overflow the interning table (8,192 slots): colliding names replace
    // each other there and must still come back as their own text
    const names = Array.from({ length: 20000 }, (_, i) => `v${i.toString(36)}_${(i * 7919) % 1000}`);
    const long = `x${'y'.repeat(60)}`;
    const lines = names.map((n, i) => `${n} := ${names[(i * 31) % names.length]} + ${long};`);
    const body = firstProgram(prog(lines.join('\n'))).body as AssignmentStatement[];
    expect(body).toHaveLength(names.length);
    body.forEach((st, i) => {
      expect(st.target).toMatchObject({ kind: 'Identifier', name: names[i] });
      expect(st.value).toMatchObject({
        kind: 'Binary',
        left: { kind: 'Identifier', name: names[(i * 31) % names.length] },
        right: { kind: 'Identifier', name: long },
      });
    });
    // the same name read twice is one string; `Cc` is not `cC` (case is kept)
    const p = firstProgram(prog('Ab := Ab;\nCc := cC;'));
    const [a, c] = p.body as AssignmentStatement[];
    expect(a!.target).toMatchObject({ name: 'Ab' });
    expect(a!.value).toMatchObject({ name: 'Ab' });
    expect(c!.target).toMatchObject({ name: 'Cc' });
    expect(c!.value).toMatchObject({ name: 'cC' });
  });
});

describe("readers' parsers and the scanner's scratch table (decision 0167)", () => {
  it('lends the scratch table to one parser at a time; the next has a table of its own', () => {
    const a = createParser('x := 1; y := x + 2;', 'a.st', 0, 19, 1, 1, 'twincat');
    // a is still reading: b must not scan into a's table
    const b = createParser('IF c THEN d := 3; END_IF', 'b.st', 0, 24, 1, 1, 'twincat');
    const printed = (p: typeof a): string[] => p.body().map((s) => printNode(s).trim().replace(/\s+/g, ' '));
    expect(printed(a)).toEqual(['x := 1;', 'y := x + 2;']);
    expect(printed(b)).toEqual(['IF c THEN d := 3; END_IF;']);
    a.finishRange(undefined);
    b.finishRange(undefined);
    // given back: later parsers read as before, one after the other
    for (const src of ['z := 4;', 'w := z * 5;']) {
      const p = createParser(src, 'c.st', 0, src.length, 1, 1, 'twincat');
      expect(printed(p)).toEqual([src]);
      p.finishRange(undefined);
    }
  });
});

describe('token hashes', () => {
  it("stores each word's charsHash, and 0 for other tokens", () => {
    const text = 'PROGRAM P x := fbMotionStage_1 + 16#FF; T#5S; Ä1 := "s"; END_PROGRAM';
    const { tokens } = scan(text, 't.st');
    for (let i = 0; i < tokens.count; i++) {
      const f = i * TOKEN_FIELDS;
      const s = tokens.data[f + TK_START]!;
      const e = tokens.data[f + TK_END]!;
      const word = /^[\p{L}_][\p{L}\p{N}_]*$/u.test(text.slice(s, e));
      expect(tokens.data[f + TK_HASH]).toBe(word ? charsHash(text, s, e) : 0);
    }
  });
});

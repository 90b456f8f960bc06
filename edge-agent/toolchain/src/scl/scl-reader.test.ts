import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallStatement,
  checkProject,
  type FunctionBlockDecl,
  type FunctionDecl,
  type GlobalVarList,
  type IfStatement,
  type Node,
  type ProgramDecl,
  type Span,
  type TypeBlock,
  walk,
} from '../iec';
import { readScl } from './scl-reader';

const FIX = join(__dirname, '../../fixtures/scl');
const read = (name: string) => readFileSync(join(FIX, name), 'utf8');
const textOf = (text: string, s: Span) => text.slice(s.offset, s.endOffset);

/** Line and column of an offset, counted by hand (the reader's own table is under test). */
function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split('\n');
  return [before.length, before[before.length - 1]!.length + 1];
}

describe('readScl: TIA Portal sources into the IEC syntax tree', () => {
  it('reads a function block with attributes, VERSION, TITLE, AUTHOR, BEGIN, REGION and #locals', () => {
    const text = read('FB_Guard.scl');
    const { unit, diagnostics } = readScl(text, 'FB_Guard.scl');
    expect(diagnostics).toEqual([]);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    expect(fb.kind).toBe('FunctionBlock');
    expect(fb.name).toBe('FB_Guard');
    expect(textOf(text, fb.nameSpan)).toBe('"FB_Guard"');
    expect(fb.varBlocks.map((b) => b.section)).toEqual(['VAR_INPUT', 'VAR_OUTPUT', 'VAR']);
    // a quoted parameter keeps its name with the space; the attribute between name and type is gone
    expect(fb.varBlocks[0]!.decls.map((d) => d.names[0]!.name)).toEqual(['DoorClosed', 'Reset PB']);
    expect(textOf(text, fb.varBlocks[0]!.decls[1]!.names[0]!.span)).toBe('"Reset PB"');
    // TON_TIME is modelled by the IEC TON
    expect(fb.varBlocks[2]!.decls[0]!.type).toMatchObject({ kind: 'NamedType', name: 'TON' });
    // REGION lowers to its statements: the timer call is the first statement of the body
    const first = fb.body[0] as CallStatement;
    expect(first.kind).toBe('CallStatement');
    expect(textOf(text, first.call.callee.span)).toBe('#debounce');
    const iff = fb.body[2] as IfStatement;
    expect(iff.kind).toBe('If');
    // every span lies in the .scl file, at the right line and column
    walk(unit, (n: Node) => {
      if (n.kind === 'CompilationUnit') return undefined;
      expect(n.span.file).toBe('FB_Guard.scl');
      expect([n.span.line, n.span.column]).toEqual(lineCol(text, n.span.offset));
      expect(n.span.endOffset).toBeLessThanOrEqual(text.length);
      return undefined;
    });
    const callArg = (fb.body[1] as CallStatement).call.args[0]!;
    expect(textOf(text, callArg.value!.span)).toBe('#"Reset PB"');
    expect(callArg.value).toMatchObject({ kind: 'Identifier', name: 'Reset PB' });
  });

  it('reads a UDT, a global DB (STRUCT and VAR forms), an instance DB and an OB', () => {
    const udt = readScl(read('press-udt.udt'), 'press-udt.udt');
    expect(udt.diagnostics).toEqual([]);
    const tb = udt.unit.declarations[0] as TypeBlock;
    expect(tb.types[0]!.name).toBe('PressStatus');
    expect(tb.types[0]!.type.kind).toBe('StructType');

    const text = read('guard-main.scl');
    const main = readScl(text, 'guard-main.scl');
    expect(main.diagnostics).toEqual([]);
    const kinds = main.unit.declarations.map((d) => d.kind);
    expect(kinds).toEqual(['GlobalVarList', 'GlobalVarList', 'TypeBlock', 'Program']);
    const inst = main.unit.declarations[0] as GlobalVarList;
    expect(inst.varBlocks[0]!.decls[0]!.names[0]!.name).toBe('GuardDB');
    expect(inst.varBlocks[0]!.decls[0]!.type).toMatchObject({ kind: 'NamedType', name: 'FB_Guard' });
    const plant = main.unit.declarations[1] as GlobalVarList;
    expect(plant.varBlocks[0]!.decls[0]!.type).toMatchObject({ kind: 'NamedType', name: '"Plant"' });
    const ob = main.unit.declarations[3] as ProgramDecl;
    expect(ob.name).toBe('Main');
    expect(textOf(text, ob.span)).toMatch(/^ORGANIZATION_BLOCK "Main"[\s\S]*END_ORGANIZATION_BLOCK$/);

    const var_ = readScl(
      'DATA_BLOCK "Cfg"\nNON_RETAIN\nVAR\n   speed : Int := 5;\n   on : Bool;\nEND_VAR\nBEGIN\n   speed := 9;\nEND_DATA_BLOCK\n',
      'cfg.db',
    );
    expect(var_.diagnostics).toEqual([]);
    const members = (var_.unit.declarations[1] as TypeBlock).types[0]!.type;
    expect(members).toMatchObject({ kind: 'StructType' });
    // the BEGIN assignment is the start value
    expect((members as { members: { init?: unknown }[] }).members[0]!.init).toMatchObject({
      kind: 'IntegerLiteral',
      value: 9,
    });
  });

  it('checks the whole guard project with the IEC checker (0 diagnostics)', () => {
    const units = ['FB_Guard.scl', 'guard-main.scl', 'press-udt.udt'].map((f) => readScl(read(f), f).unit);
    const { diagnostics } = checkProject(units);
    expect(diagnostics).toEqual([]);
    const blocks = readScl(read('blocks.scl'), 'blocks.scl').unit;
    expect(checkProject([blocks]).diagnostics).toEqual([]);
  });

  it('reads Siemens literals, Void functions, ENO, GOTO, CONTINUE and EXIT', () => {
    const text = [
      'FUNCTION "Util" : Void',
      '   VAR_INPUT w : Word; END_VAR',
      '   VAR_TEMP i : Int; t : S5Time; d : DWord; END_VAR',
      'BEGIN',
      '   #d := DW#16#FFFF_0000;',
      '   #t := S5T#2S;',
      '   FOR #i := 0 TO 10 DO',
      '      IF #i = 3 THEN CONTINUE; END_IF;',
      '      IF #i = 8 THEN EXIT; END_IF;',
      '   END_FOR;',
      '   IF #w = W#16#FF THEN GOTO done; END_IF;',
      '   ENO := FALSE;',
      'done: ;',
      'END_FUNCTION',
    ].join('\n');
    const { unit, diagnostics } = readScl(text, 'util.scl');
    expect(diagnostics).toEqual([]);
    const f = unit.declarations[0] as FunctionDecl;
    expect(f.returnType).toBeUndefined();
    // the implicit ENO output is declared because the body writes it
    expect(f.varBlocks.at(-1)!.decls[0]!.names[0]!.name).toBe('ENO');
    const kinds: string[] = [];
    walk(f, (n: Node) => {
      kinds.push(n.kind);
      return undefined;
    });
    expect(kinds).toEqual(expect.arrayContaining(['Continue', 'Exit', 'Jump', 'Label']));
    expect(checkProject([unit]).diagnostics).toEqual([]);
  });

  it('an S5TIME literal beyond 2h46m30s is an error; Siemens literal spans include their prefix', () => {
    const text =
      'FUNCTION_BLOCK "S5"\nVAR t : S5Time; w : Word; END_VAR\nBEGIN\n   #t := S5T#2H46M30S;\n   #t := S5T#3H;\n   #w := W#16#00FF;\nEND_FUNCTION_BLOCK\n';
    const { unit, diagnostics } = readScl(text, 's5.scl');
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['ST1018', 5, 10]]);
    expect(diagnostics[0]!.message).toContain('S5T#3H');
    const body = (unit.declarations[0] as FunctionBlockDecl).body;
    const values = body.map((s) => (s.kind === 'Assignment' ? textOf(text, s.value.span) : ''));
    expect(values).toEqual(['S5T#2H46M30S', 'S5T#3H', 'W#16#00FF']);
  });

  it('reports a syntax error with the .scl file, line and column', () => {
    const text = 'FUNCTION_BLOCK "Bad"\nBEGIN\n   #x := ;\nEND_FUNCTION_BLOCK\n';
    const { diagnostics } = readScl(text, 'bad.scl');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]).toMatchObject({ file: 'bad.scl', line: 3, severity: 'error' });
    expect(diagnostics[0]!.column).toBeGreaterThanOrEqual(9);
  });

  it('SCL token soup: never throws, every diagnostic and span inside the file', () => {
    const TOKENS = [
      'FUNCTION_BLOCK',
      'FUNCTION',
      'ORGANIZATION_BLOCK',
      'DATA_BLOCK',
      'TYPE',
      'END_FUNCTION_BLOCK',
      'END_DATA_BLOCK',
      'END_TYPE',
      'BEGIN',
      'VAR',
      'VAR_INPUT',
      'END_VAR',
      'STRUCT',
      'END_STRUCT',
      'REGION x',
      'END_REGION',
      'GOTO',
      '"Q Name"',
      '"',
      '#x',
      '#"a b"',
      '#',
      "{ S7_Optimized_Access := 'TRUE' }",
      '{',
      '}',
      'VERSION : 0.1',
      'TITLE = t',
      ':=',
      '+=',
      ';',
      ':',
      '(',
      ')',
      '[',
      ']',
      '.',
      ',',
      'W#16#FF',
      'S5T#2S',
      'T#5S',
      '16#',
      '1',
      '2.5',
      "'s'",
      '// c',
      '(* c',
      '*)',
      'IF',
      'THEN',
      'END_IF',
      '\n',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }), (toks) => {
        const text = toks.join(' ');
        const r = readScl(text, 'soup.scl');
        for (const d of r.diagnostics) {
          expect(d.offset ?? 0).toBeGreaterThanOrEqual(0);
          expect(d.endOffset ?? 0).toBeLessThanOrEqual(text.length);
        }
        walk(r.unit, (n: Node) => {
          expect(n.span.endOffset).toBeLessThanOrEqual(text.length);
          expect(n.span.offset).toBeLessThanOrEqual(n.span.endOffset);
          return undefined;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on truncated or garbled input', () => {
    const text = read('blocks.scl');
    for (let cut = 0; cut < text.length; cut += 97) {
      const r = readScl(text.slice(0, cut), 'cut.scl');
      for (const d of r.diagnostics) expect(d.offset ?? 0).toBeLessThanOrEqual(cut);
    }
    expect(() => readScl('"unclosed\n{ attr\n#', 'x.scl')).not.toThrow();
  });
});

/**
 * Forms found in public TIA Portal and SIMATIC AX sources that the reader
 * once refused (docs/siemens-scl.md, corpus): each from a realistic snippet,
 * read, checked and where it has a meaning in the virtual PLC, simulated.
 */
import { describe, expect, it } from 'vitest';
import {
  type AssignmentStatement,
  astEqual,
  checkProject,
  type FunctionBlockDecl,
  type VarDecl,
} from '../iec';
import { compileProgram } from '../sim';
import { readAx } from './ax-reader';
import { applySclEdits, formatAx, formatScl, printScl } from './scl-printer';
import { nameSclStartValues, readScl } from './scl-reader';
import { siemensLibrary } from './siemens-library';

function readClean(text: string, file = 'snippet.scl') {
  const r = readScl(text, file);
  expect(r.diagnostics).toEqual([]);
  return r.unit;
}

function plcOf(text: string) {
  const unit = readClean(text);
  const { checked, diagnostics } = checkProject([unit]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram(checked, { program: 'Main' });
}

describe('byte, word and double-word slices written to', () => {
  // the shape of an IO-Link status word assembled from a record (LIOLink)
  const text = [
    'DATA_BLOCK "Rec"',
    "{ S7_Optimized_Access := 'TRUE' }",
    'VERSION : 0.1',
    '   STRUCT',
    '      status : Word;',
    '      flags : DWord;',
    '      hi : Byte;',
    '      lo : Byte;',
    '   END_STRUCT;',
    'BEGIN',
    'END_DATA_BLOCK',
    '',
    'ORGANIZATION_BLOCK "Main"',
    'VERSION : 0.1',
    '   VAR_TEMP',
    '      tempStatusWord : Word;',
    '   END_VAR',
    'BEGIN',
    '   #tempStatusWord := 16#0000;',
    '   #tempStatusWord.%B1 := "Rec".hi;',
    '   #tempStatusWord.%B0 := "Rec".lo;',
    '   #tempStatusWord.%X3 := TRUE;',
    '   "Rec".status := #tempStatusWord;',
    '   "Rec".flags.%W1 := 16#BEEF;',
    '   "Rec".flags.%B0 := #tempStatusWord.%B1;',
    'END_ORGANIZATION_BLOCK',
    '',
  ].join('\n');

  it('read as one bit assignment per bit, spans on the written slice', () => {
    const unit = readClean(text);
    const ob = unit.declarations.find((d) => d.kind === 'Program')!;
    const body = (ob as unknown as { body: AssignmentStatement[] }).body;
    // 1 + 8 + 8 + 1 + 1 + 16 + 8 statements
    expect(body.length).toBe(43);
    const first = body[1]!;
    expect(text.slice(first.span.offset, first.span.endOffset)).toBe('#tempStatusWord.%B1 := "Rec".hi;');
    expect(first.target.kind).toBe('BitAccess');
  });

  it('simulate: the slice lands in its bits, the rest of the word stays', () => {
    const plc = plcOf(text);
    plc.set('Rec.hi', 0x12);
    plc.set('Rec.lo', 0x34);
    plc.set('Rec.flags', 0x1111_1111);
    plc.scan();
    // 0x1234 with bit 3 set
    expect(plc.get('Rec.status')).toBe(0x123c);
    // word 1 of the double word is 16#BEEF, byte 0 is byte 1 of the status word
    expect(plc.get('Rec.flags')).toBe(0xbeef_1112);
  });

  it('fmt keeps a slice write and reads back to the same tree', () => {
    const once = formatScl(text);
    expect(formatScl(once)).toBe(once);
    expect(readScl(once, 'snippet.scl').diagnostics).toEqual([]);
  });

  it('SIMATIC AX: a slice of a local written to', () => {
    const ax = [
      'NAMESPACE Simatic.Ax.Demo',
      '    FUNCTION Pack : WORD',
      '        VAR_INPUT hi : BYTE; lo : BYTE; END_VAR',
      '        VAR_TEMP w : WORD; END_VAR',
      '        w.%B1 := hi;',
      '        w.%B0 := lo;',
      '        Pack := w;',
      '    END_FUNCTION',
      'END_NAMESPACE',
      '',
    ].join('\n');
    const r = readAx(ax, 'Pack.st');
    expect(r.diagnostics).toEqual([]);
  });
});

describe('TYPE with the IEC colon', () => {
  it('TYPE "UDT_Fan" : STRUCT reads as TYPE "UDT_Fan" STRUCT does', () => {
    const text = [
      'TYPE "UDT_Fan" :',
      'STRUCT',
      '    Run : Bool;',
      '    Speed : Real;',
      'END_STRUCT;',
      'END_TYPE',
      '',
    ].join('\n');
    const unit = readClean(text);
    const tb = unit.declarations[0] as unknown as { types: { name: string }[] };
    expect(tb.types.map((t) => t.name)).toEqual(['UDT_Fan']);
  });
});

describe('names spelled like IEC keywords, END_REGION with a name', () => {
  it('"type" and #function are names; END_REGION name is free text', () => {
    const text = [
      'FUNCTION_BLOCK "Profile"',
      'VERSION : 2.0',
      '   VAR_INPUT',
      '      "function" : Int;   // 0: no_func, 1: rd_all',
      '   END_VAR',
      '   VAR',
      '      "type" { ExternalAccessible := \'False\'} : Byte;',
      '      statStatus : Word;',
      '   END_VAR',
      '   VAR CONSTANT',
      '      FUNC_NOTHING : Int := 0;',
      '      FUNC_READ : Int := 1;',
      '   END_VAR',
      'BEGIN',
      '   REGION STATE_MACHINE',
      '      CASE #function OF',
      '         #FUNC_NOTHING:',
      '            #statStatus := 16#7000;',
      '         #FUNC_READ:',
      '            #"type" := 2;',
      '      END_CASE;',
      '   END_REGION STATE_MACHINE',
      'END_FUNCTION_BLOCK',
      '',
    ].join('\n');
    const unit = readClean(text);
    expect(unit.format).toBe('scl');
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const names = fb.varBlocks.flatMap((b) => b.decls.flatMap((d: VarDecl) => d.names.map((n) => n.name)));
    expect(names).toEqual(['function', 'type', 'statStatus', 'FUNC_NOTHING', 'FUNC_READ']);
    const nameSpan = fb.varBlocks[0]!.decls[0]!.names[0]!.span;
    expect(text.slice(nameSpan.offset, nameSpan.endOffset)).toBe('"function"');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('S7-300 SCL declarations', () => {
  // the shape of a classic PI controller and a Modbus poll block
  const text = [
    'FUNCTION_BLOCK "PI_Regler"',
    'TITLE = PI controller',
    'AUTHOR : Goosy',
    'NAME : PI',
    '   VAR_INPUT',
    '      Sollwert : Real;',
    '      Istwert : Real;',
    '   END_VAR',
    '   VAR_INPUT DB_SPECIFIC',
    '      LogicStartAddress : Int;',
    '   END_VAR',
    '   VAR_OUTPUT',
    '      Stellgroesse : Real;',
    '   END_VAR',
    '   VAR',
    '      rem_staddr : ARRAY  [1 .. 6 ] OF BYTE  := B#16#C0, B#16#A8, B#16#0, B#16#1;',
    '      window : ARRAY[0..3] OF INT := 2(7), 9;',
    '   END_VAR',
    '   CONST',
    '      UnteresLimit := 0.0;   // unteres Limit',
    '      OberesLimit  := 100.0;',
    '      S7_SPAN := 27648;',
    '      S7_BIG := 100000;',
    '      Wartezeit := T#2S;',
    '   END_CONST',
    'BEGIN',
    '   #Stellgroesse := LIMIT(MN := #UnteresLimit, IN := #Sollwert - #Istwert, MX := #OberesLimit);',
    'END_FUNCTION_BLOCK',
    '',
  ].join('\n');

  it('CONST takes its type from the literal; arrays start without brackets; DB_SPECIFIC is a section flag', () => {
    const unit = readClean(text);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const constants = fb.varBlocks.find((b) => b.constant)!;
    const typed = constants.decls.map((d) => [
      d.names[0]!.name,
      d.type.kind === 'NamedType' ? d.type.name : '?',
    ]);
    expect(typed).toEqual([
      ['UnteresLimit', 'REAL'],
      ['OberesLimit', 'REAL'],
      ['S7_SPAN', 'INT'],
      ['S7_BIG', 'DINT'],
      ['Wartezeit', 'TIME'],
    ]);
    const staddr = fb.varBlocks.flatMap((b) => b.decls).find((d) => d.names[0]!.name === 'rem_staddr')!;
    expect(staddr.init?.kind).toBe('ArrayInitializer');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('an array that starts with one repetition, 3 (W#16#0), as S7-300 blocks write it', () => {
    const unit = readClean(
      [
        'FUNCTION_BLOCK "Job"',
        'VAR',
        '    RESERV_0 : ARRAY  [1 .. 3 ] OF WORD  := 3 (W#16#7) ;    // reserved',
        '    FLAGS : ARRAY [0..3] OF BOOL := 2(TRUE), 2(FALSE);',
        'END_VAR',
        'BEGIN',
        'END_FUNCTION_BLOCK',
        '',
      ].join('\n'),
    );
    const decls = (unit.declarations[0] as FunctionBlockDecl).varBlocks.flatMap((b) => b.decls);
    expect(decls.map((d) => d.init?.kind)).toEqual(['ArrayInitializer', 'ArrayInitializer']);
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('DIV, untyped VAR CONSTANT and variables named like IEC keywords (action, method)', () => {
    const timer = [
      'FUNCTION_BLOCK "Timer_Proc"',
      'VAR CONSTANT',
      '    S7_ZERO := 0;',
      '    S7_SPAN := 27648;',
      'END_VAR',
      'VAR_INPUT count : DInt; div : DInt; END_VAR',
      'VAR_OUTPUT minutes : DInt; action : Bool; method : Int; END_VAR',
      'BEGIN',
      '  minutes := (count - count MOD 60) DIV 60;',
      '  IF div <> 0 THEN minutes := minutes DIV div; END_IF;',
      '  action := minutes > S7_ZERO;',
      '  method := S7_SPAN;',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "TDB" "Timer_Proc" BEGIN count := -185; div := 1; END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "TDB"(); END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const unit = readClean(timer);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const names = fb.varBlocks.flatMap((b) => b.decls.flatMap((d: VarDecl) => d.names.map((n) => n.name)));
    expect(names).toEqual(['S7_ZERO', 'S7_SPAN', 'count', 'div', 'minutes', 'action', 'method']);
    const plc = plcOf(timer);
    plc.scan();
    // (-185 - -5) DIV 60 = -3 (toward zero), as `/` of two integers
    expect(plc.get('TDB.minutes')).toBe(-3);
    expect(plc.get('TDB.action')).toBe(false);
    expect(plc.get('TDB.method')).toBe(27648);
  });

  it('a parameter named retain, a LABEL section and GOTO (an MQTT client of an S7-300)', () => {
    const text = [
      'FUNCTION "Publish" : Byte',
      'VAR_INPUT',
      '    qos : INT := 0;',
      '    retain : BOOL := false;',
      'END_VAR',
      'VAR_TEMP n : INT; END_VAR',
      'LABEL',
      '    Out;',
      'END_LABEL',
      '    n := 0;',
      '    IF qos > 2 THEN GOTO Out; END_IF;',
      '    n := qos;',
      'Out:',
      '    Publish := SHL(IN := INT_TO_BYTE(n), N := 1) OR BOOL_TO_BYTE(retain);',
      'END_FUNCTION',
      'DATA_BLOCK "Flags" VAR RETAIN b : Byte; END_VAR BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main"',
      'BEGIN',
      '    "Flags".b := "Publish"(qos := 1, retain := TRUE);',
      'END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const unit = readClean(text);
    const fn = unit.declarations[0] as unknown as { varBlocks: { decls: VarDecl[] }[] };
    expect(fn.varBlocks[0]!.decls.map((d) => d.names[0]!.name)).toEqual(['qos', 'retain']);
    // the virtual PLC does not run jumps: simulate the same function without them
    const plc = plcOf(text.replace('    IF qos > 2 THEN GOTO Out; END_IF;\n', '').replace('Out:\n', ''));
    plc.scan();
    expect(plc.get('Flags.b')).toBe(3);
  });

  it('an AT overlay reads, checks, and the virtual PLC refuses it by name', () => {
    const over = [
      'FUNCTION_BLOCK "MB_Poll"',
      '   VAR_INPUT',
      '      DATA : DWord;',
      '      Pointer_S AT DATA : STRUCT',
      '         SyntaxID : BYTE;',
      '         DataType : BYTE;',
      '         Length : WORD;',
      '      END_STRUCT;',
      '   END_VAR',
      '   VAR_OUTPUT n : Word; END_VAR',
      'BEGIN',
      '   #n := #Pointer_S.Length;',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "PollDB" "MB_Poll" BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "PollDB"(DATA := 16#10020004); END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const unit = readClean(over);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const decl = fb.varBlocks[0]!.decls[1]!;
    expect(decl.type.kind === 'NamedType' && decl.type.name).toBe('AT_OVERLAY');
    // the program refuses to simulate, naming the overlay's type at the declaration
    const { checked } = checkProject([unit]);
    expect(() => compileProgram(checked, { program: 'Main' })).toThrow(/AT_OVERLAY/);
  });

  it('explicit member offsets: apart they read as members, overlapping ones as an overlay', () => {
    const ax = [
      'TYPE',
      '    Layout : STRUCT',
      '        Signals_0 AT %B0 : WORD;',
      '        Signals_1 AT %B2 : WORD;',
      '        ready AT %X4.0 : BOOL;',
      '        lowByte AT %B1 : BYTE;',
      '    END_STRUCT;',
      'END_TYPE',
      '',
    ].join('\n');
    const r = readAx(ax, 'Layout.st');
    expect(r.diagnostics).toEqual([]);
    const decls = (r.unit.declarations[0] as unknown as { types: { type: { members: VarDecl[] } }[] })
      .types[0]!.type.members;
    const types = decls.map((d) => (d.type.kind === 'NamedType' ? d.type.name : d.type.kind));
    expect(types).toEqual(['WORD', 'WORD', 'BOOL', 'AT_OVERLAY']);
  });
});

describe('character CASE labels and SIMATIC AX forms', () => {
  it("'0': labels read as CHAR literals; a string argument in a branch stays a string", () => {
    const text = [
      'FUNCTION "HexDigit" : Int',
      '   VAR_INPUT c : Char; END_VAR',
      'BEGIN',
      '   CASE #c OF',
      "      '0': #HexDigit := 0;",
      "      '1', '2': #HexDigit := 1;",
      "      'A'..'F': #HexDigit := LEN(CONCAT(IN1 := 'a', IN2 := 'b'));",
      '   END_CASE;',
      'END_FUNCTION',
      '',
    ].join('\n');
    const unit = readClean(text);
    const fn = unit.declarations[0] as unknown as {
      body: { branches: { labels: { value?: { typeName?: string } }[]; body: unknown[] }[] }[];
    };
    const labels = fn.body[0]!.branches.flatMap((b) => b.labels);
    expect(labels.map((l) => l.value?.typeName)).toEqual(['CHAR', 'CHAR', 'CHAR', undefined]);
    const call = JSON.stringify(fn.body[0]!.branches[2]!.body);
    expect(call).not.toContain('CHAR');
    // and simulates: the selector's character picks the branch (no branch: the 9 set before)
    const plc = plcOf(
      text
        .replace("LEN(CONCAT(IN1 := 'a', IN2 := 'b'))", '2')
        .replace('BEGIN\n', 'BEGIN\n   #HexDigit := 9;\n') +
        'DATA_BLOCK "D" STRUCT c : Char; v : Int; END_STRUCT; BEGIN END_DATA_BLOCK\n' +
        'ORGANIZATION_BLOCK "Main" BEGIN "D".v := "HexDigit"(c := "D".c); END_ORGANIZATION_BLOCK\n',
    );
    const picked = ['0', '1', '2', 'C', 'F', 'G', 'x'].map((c) => {
      plc.set('D.c', c);
      plc.scan();
      return plc.get('D.v');
    });
    expect(picked).toEqual([0, 1, 1, 2, 2, 9, 9]);
  });

  it('AX: ?=, a qualified enumeration value, USING inside a POU, INTERFACE PUBLIC', () => {
    const ax = [
      'NAMESPACE Simatic.Ax.Demo',
      '    INTERFACE PUBLIC IItem',
      '        METHOD Action : BOOL END_METHOD',
      '    END_INTERFACE',
      '    TYPE Direction : (Positive, Negative); END_TYPE',
      '    FUNCTION Pick : BOOL',
      '        USING Simatic.Ax.Demo;',
      '        VAR_INPUT item : IItem; d : Direction; END_VAR',
      '        VAR_TEMP other : IItem; END_VAR',
      '        other ?= item;',
      '        Pick := d = Demo.Direction#Negative AND other.Action();',
      '    END_FUNCTION',
      'END_NAMESPACE',
      '',
    ].join('\n');
    const r = readAx(ax, 'Pick.st');
    expect(r.diagnostics).toEqual([]);
    const iface = r.unit.declarations.find((d) => d.kind === 'Interface') as unknown as {
      methods: { name: string }[];
    };
    expect(iface.methods[0]!.name).toBe('Action');
  });
});

describe('S5TIME literals keep the resolution of their time base', () => {
  it('S5T#1234MS is 1230 ms with a warning; exact ones are kept', () => {
    const text = [
      'DATA_BLOCK "Presets"',
      '   STRUCT',
      '      fine : S5Time;',
      '      coarse : S5Time;',
      '      exact : S5Time;',
      '   END_STRUCT;',
      'BEGIN',
      'END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main"',
      'BEGIN',
      '   "Presets".fine := S5T#1234MS;',
      '   "Presets".coarse := S5T#2M30S123MS;',
      '   "Presets".exact := S5T#2H;',
      'END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const r = readScl(text, 'presets.scl');
    r.diagnostics.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    expect(r.diagnostics.map((d) => [d.code, d.line, d.severity])).toEqual([
      ['ST3001', 11, 'warning'],
      ['ST3001', 12, 'warning'],
    ]);
    expect(r.diagnostics[0]!.message).toContain('1230 ms, time base 10 ms');
    const { checked } = checkProject([r.unit]);
    const plc = compileProgram(checked, { program: 'Main' });
    plc.scan();
    expect(plc.get('Presets.fine')).toBe(1230);
    expect(plc.get('Presets.coarse')).toBe(150_000);
    expect(plc.get('Presets.exact')).toBe(7_200_000);
  });
});

describe('structure start values by position, byte order mark', () => {
  // the shape of a LIOLink configuration UDT: an array, nested structures, defaults as ()
  const text = [
    '\uFEFFTYPE "Starter"',
    'VERSION : 0.1',
    '   STRUCT',
    '      mode : Byte := 16#01;',
    '      limit : Int;',
    '   END_STRUCT;',
    'END_TYPE',
    '',
    'TYPE "Config"',
    'VERSION : 0.1',
    '   STRUCT',
    '      reserved : Array[0..4] of Byte;',
    '      starter1 : "Starter";',
    '      starter2 : "Starter";',
    '      other : "Declared_Elsewhere";',
    '      flag : Bool;',
    '   END_STRUCT;',
    'END_TYPE',
    '',
    'DATA_BLOCK "Cfg"',
    '   STRUCT',
    '      actual : "Config" := ([16#21, 3(16#00), 16#05], (16#02, 7), (), ((), ()), TRUE);',
    '   END_STRUCT;',
    'BEGIN',
    'END_DATA_BLOCK',
    'ORGANIZATION_BLOCK "Main"',
    'BEGIN',
    'END_ORGANIZATION_BLOCK',
    '',
  ].join('\n');

  it('read with member names; () keeps the default; values land in the simulated DB', () => {
    const unit = readClean(text);
    const starter = unit.declarations[0] as unknown as {
      types: { nameSpan: { offset: number; endOffset: number } }[];
    };
    // the byte order mark does not shift spans
    const sp = starter.types[0]!.nameSpan;
    expect(text.slice(sp.offset, sp.endOffset)).toBe('"Starter"');
    // "Declared_Elsewhere" is another file's type: the checker names it, nothing else
    const { checked, diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      "unknown type 'Declared_Elsewhere'",
    ]);
    expect(checked).toBeDefined();
  });

  it("another file's structure type: named once the project's units are read", () => {
    const udt = readClean(
      [
        'TYPE "Limits"',
        '   STRUCT',
        '      lo : Int := -1;',
        '      hi : Int;',
        '   END_STRUCT;',
        'END_TYPE',
        '',
      ].join('\n'),
      'Limits.udt',
    );
    const db = readClean(
      [
        'DATA_BLOCK "Lim"',
        '   STRUCT',
        '      a : "Limits" := (5, 7);',
        '      b : "Limits" := ((), 9);',
        '      n : Int := (3);',
        '   END_STRUCT;',
        'BEGIN',
        'END_DATA_BLOCK',
        'ORGANIZATION_BLOCK "Main"',
        'BEGIN',
        'END_ORGANIZATION_BLOCK',
        '',
      ].join('\n'),
      'Lim.db',
    );
    // read alone, the values wait for their type
    expect(checkProject([udt, db]).diagnostics.filter((d) => d.severity === 'error').length).toBe(2);
    nameSclStartValues([udt, db]);
    const { checked, diagnostics } = checkProject([udt, db]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram(checked, { program: 'Main' });
    plc.scan();
    expect([plc.get('Lim.a.lo'), plc.get('Lim.a.hi'), plc.get('Lim.b.lo'), plc.get('Lim.b.hi')]).toEqual([
      5, 7, -1, 9,
    ]);
    expect(plc.get('Lim.n')).toBe(3);
  });

  it('simulates the named start values when every type is known', () => {
    const known = text.replace('      other : "Declared_Elsewhere";\n', '').replace('((), ()), ', '');
    const plc = plcOf(known);
    plc.scan();
    expect(plc.get('Cfg.actual.reserved[0]')).toBe(0x21);
    expect(plc.get('Cfg.actual.reserved[3]')).toBe(0);
    expect(plc.get('Cfg.actual.reserved[4]')).toBe(5);
    expect(plc.get('Cfg.actual.starter1.mode')).toBe(2);
    expect(plc.get('Cfg.actual.starter1.limit')).toBe(7);
    // () keeps the UDT's own start value
    expect(plc.get('Cfg.actual.starter2.mode')).toBe(1);
    expect(plc.get('Cfg.actual.flag')).toBe(true);
  });
});

describe('edits on a source with a byte order mark', () => {
  it('an edit replaces exactly its statement; the rest, BOM included, stays byte for byte', () => {
    const text = [
      '\uFEFFFUNCTION_BLOCK "FB_Valve"',
      "{ S7_Optimized_Access := 'TRUE' }",
      'VERSION : 0.1',
      '   VAR_INPUT open : Bool; END_VAR',
      '   VAR_OUTPUT out : Bool; END_VAR',
      'BEGIN',
      '\t#out := #open;',
      'END_FUNCTION_BLOCK',
      '',
    ].join('\r\n');
    const unit = readClean(text);
    expect(printScl(unit)).toBe(text);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const edited = applySclEdits(unit, [{ node: fb.body[0]!, replacement: '#out := #open AND NOT #out;' }]);
    expect(edited).toBe(text.replace('#out := #open;', '#out := #open AND NOT #out;'));
  });
});

describe("TIA's typed instruction names", () => {
  it('LIMIT_REAL, SCALE_X_REAL(NORM_X_INT(...)) and MAX_DINT are the generic instructions', () => {
    const text = [
      'DATA_BLOCK "AI" STRUCT raw : Int; pv : Real; top : DInt; END_STRUCT; BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main"',
      'BEGIN',
      '   "AI".pv := SCALE_X_REAL(MIN := 0.0, MAX := 100.0, VALUE := NORM_X_INT(MIN := 0, VALUE := "AI".raw, MAX := 27648));',
      '   "AI".pv := LIMIT_REAL(MN := 0.0, IN := "AI".pv, MX := 80.0);',
      '   "AI".top := MAX_DINT(IN1 := 7, IN2 := INT_TO_DINT("AI".raw));',
      'END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const plc = plcOf(text);
    plc.set('AI.raw', 13824);
    plc.scan();
    expect(plc.get('AI.pv')).toBeCloseTo(50, 4);
    expect(plc.get('AI.top')).toBe(13824);
    plc.set('AI.raw', 27648);
    plc.scan();
    expect(plc.get('AI.pv')).toBeCloseTo(80, 4);
  });
});

describe('system instructions the LIOLink library calls', () => {
  it('PEEK_WORD, VariantGet and GETIO_PART check against their interfaces; the simulator refuses them by name', async () => {
    const text = [
      'FUNCTION_BLOCK "Reader"',
      '   VAR_INPUT hwId : HW_IO; data : Variant; END_VAR',
      '   VAR_OUTPUT w : Word; d : DWord; END_VAR',
      '   VAR inst : GETIO_PART; buffer : Array[0..31] of Byte; END_VAR',
      'BEGIN',
      '   #w := PEEK_WORD(area := 16#84, dbNumber := 1, byteOffset := 2);',
      '   VariantGet(SRC := #data, DST => #d);',
      '   #inst(ID := #hwId, OFFSET := 0, LEN := 32, INPUTS := #buffer);',
      'END_FUNCTION_BLOCK',
      'DATA_BLOCK "ReaderDB" "Reader" BEGIN END_DATA_BLOCK',
      'ORGANIZATION_BLOCK "Main" BEGIN "ReaderDB"(hwId := 262); END_ORGANIZATION_BLOCK',
      '',
    ].join('\n');
    const unit = readClean(text);
    const lib = await siemensLibrary();
    const { diagnostics } = checkProject([unit], { externals: lib.units });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { checked } = checkProject([unit]);
    expect(() => compileProgram(checked, { program: 'Main' })).toThrow(/Variant|PEEK_WORD|GETIO_PART/);
  });
});

describe('formatAx: fmt for SIMATIC AX', () => {
  it('indents by nesting, is idempotent and reads to the same tree', () => {
    const text = [
      'NAMESPACE Simatic.Ax.Demo',
      'CLASS PUBLIC Sorter',
      'VAR PUBLIC',
      'state : INT;   ',
      'END_VAR',
      'METHOD PUBLIC Run : BOOL',
      'VAR_INPUT item : INT; END_VAR',
      'IF item > 0 THEN',
      'state := THIS.Kind();',
      'ELSE',
      'CASE state OF',
      '1: state := 2;',
      'ELSE',
      'state := 0;',
      'END_CASE;',
      'END_IF;',
      'Run := TRUE;   // trailing blanks of a comment stay   ',
      'END_METHOD',
      'METHOD PRIVATE Kind : INT',
      'Kind := 1;',
      'END_METHOD',
      'END_CLASS',
      'END_NAMESPACE',
      '',
    ].join('\n');
    const once = formatAx(text);
    expect(once.split('\n')).toEqual([
      'NAMESPACE Simatic.Ax.Demo',
      '    CLASS PUBLIC Sorter',
      '        VAR PUBLIC',
      '            state : INT;',
      '        END_VAR',
      '        METHOD PUBLIC Run : BOOL',
      '            VAR_INPUT item : INT; END_VAR',
      '            IF item > 0 THEN',
      '                state := THIS.Kind();',
      '            ELSE',
      '                CASE state OF',
      '                    1: state := 2;',
      '                    ELSE',
      '                        state := 0;',
      '                END_CASE;',
      '            END_IF;',
      '            Run := TRUE;   // trailing blanks of a comment stay   ',
      '        END_METHOD',
      '        METHOD PRIVATE Kind : INT',
      '            Kind := 1;',
      '        END_METHOD',
      '    END_CLASS',
      'END_NAMESPACE',
      '',
    ]);
    expect(formatAx(once)).toBe(once);
    const a = readAx(text, 'Sorter.st');
    const b = readAx(once, 'Sorter.st');
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(astEqual(a.unit, b.unit)).toBe(true);
  });
});

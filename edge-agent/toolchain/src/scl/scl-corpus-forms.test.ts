/**
 * Forms found in public TIA Portal and SIMATIC AX sources that the reader
 * once refused (docs/siemens-scl.md, corpus): each from a realistic snippet,
 * read, checked and where it has a meaning in the virtual PLC, simulated.
 */
import { describe, expect, it } from 'vitest';
import { type AssignmentStatement, checkProject, type FunctionBlockDecl, type VarDecl } from '../iec';
import { compileProgram } from '../sim';
import { readAx } from './ax-reader';
import { formatScl } from './scl-printer';
import { readScl } from './scl-reader';

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
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const names = fb.varBlocks.flatMap((b) => b.decls.flatMap((d: VarDecl) => d.names.map((n) => n.name)));
    expect(names).toEqual(['function', 'type', 'statStatus', 'FUNC_NOTHING', 'FUNC_READ']);
    const nameSpan = fb.varBlocks[0]!.decls[0]!.names[0]!.span;
    expect(text.slice(nameSpan.offset, nameSpan.endOffset)).toBe('"function"');
    const { diagnostics } = checkProject([unit]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkProject, type FunctionBlockDecl } from '../iec';
import { isAxText, readAx } from './ax-reader';

const AX = [
  'USING System.Timer;',
  '',
  'NAMESPACE Plant.Cells',
  '    /// A conveyor as an AX class',
  '    CLASS Conveyor',
  '        VAR PUBLIC',
  '            running : BOOL;',
  '        END_VAR',
  '        METHOD PUBLIC Start',
  '            running := TRUE;',
  '        END_METHOD',
  '    END_CLASS',
  '',
  '    CLASS FastConveyor EXTENDS Conveyor',
  '        METHOD PUBLIC OVERRIDE Start',
  '            running := NOT running;',
  '        END_METHOD',
  '    END_CLASS',
  'END_NAMESPACE',
  '',
].join('\n');

describe('SIMATIC AX structured text', () => {
  it('reads NAMESPACE, USING, CLASS and METHOD OVERRIDE into the IEC tree with spans in the file', () => {
    expect(isAxText(AX)).toBe(true);
    expect(isAxText('PROGRAM p\nEND_PROGRAM\n')).toBe(false);
    const { unit, diagnostics } = readAx(AX, 'cells.st');
    expect(diagnostics).toEqual([]);
    const classes = unit.declarations as FunctionBlockDecl[];
    expect(classes.map((c) => [c.name, c.isClass, c.extends])).toEqual([
      ['Conveyor', true, undefined],
      ['FastConveyor', true, 'Conveyor'],
    ]);
    const m = classes[1]!.methods[0]!;
    expect(m.name).toBe('Start');
    expect(AX.slice(m.nameSpan.offset, m.nameSpan.endOffset)).toBe('Start');
    expect(m.nameSpan.line).toBe(15);
    expect(checkProject([unit]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('leaves USING and NAMESPACE inside comments and strings alone', () => {
    const text =
      "// USING x;\nPROGRAM p\nVAR s : STRING := 'NAMESPACE y'; using : INT; END_VAR\nusing := 1;\nEND_PROGRAM\n";
    expect(isAxText(text)).toBe(false);
    expect(readAx(text, 'p.st').diagnostics).toEqual([]);
  });

  it('reads an enumeration value written with blanks after its #', () => {
    const text = 'TYPE S : (A, B); END_TYPE\nPROGRAM p\nVAR s : S; END_VAR\ns := S#  B;\nEND_PROGRAM\n';
    const { unit, diagnostics } = readAx(text, 'e.st');
    expect(diagnostics).toEqual([]);
    const body = (unit.declarations[1] as unknown as { body: { value: unknown }[] }).body;
    expect(body[0]!.value).toMatchObject({ kind: 'EnumLiteral', typeName: 'S', value: 'B' });
  });

  it('AX text gets the slice reads and compound assignments of the SCL lowering, strings stay strings', () => {
    const text = [
      'NAMESPACE N',
      '    FUNCTION f : BYTE',
      '        VAR_INPUT w : WORD; END_VAR',
      '        VAR_TEMP n : INT; s : WSTRING; END_VAR',
      '        n += 2;',
      '        s := "quoted text";',
      '        f := w.%B1;',
      '    END_FUNCTION',
      'END_NAMESPACE',
    ].join('\n');
    const { unit, diagnostics } = readAx(text, 'f.st');
    expect(diagnostics).toEqual([]);
    expect(checkProject([unit]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const body = (unit.declarations[0] as unknown as { body: { value: { kind: string } }[] }).body;
    expect(body.map((s) => s.value.kind)).toEqual(['Binary', 'StringLiteral', 'Paren']);
  });
});

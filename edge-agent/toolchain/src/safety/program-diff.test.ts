import { describe, expect, it } from 'vitest';
import { diffPrograms, isEmptyDiff } from './program-diff';
import { stIndex } from './test-helpers';

const BASE = `PROGRAM Main
VAR_INPUT
    In1 : BOOL;
    In2 : BOOL;
END_VAR
VAR_OUTPUT
    Out1 : BOOL;
    Count : INT;
END_VAR
VAR
    Tmp : BOOL;
END_VAR
Tmp := In1 AND In2;
IF Tmp THEN
    Out1 := TRUE;
    Count := Count + 1;
END_IF;
END_PROGRAM
`;

function isEmptyDiffBack(before: string): boolean {
  return isEmptyDiff(diffPrograms(stIndex({ 'main.st': before }), stIndex({ 'main.st': BASE })));
}

function diff(after: string) {
  return diffPrograms(stIndex({ 'main.st': BASE }), stIndex({ 'main.st': after }));
}

describe('program diff', () => {
  it('sees no change in pragmas and attributes added or removed', () => {
    const annotated = BASE.replace(
      '    Out1 := TRUE;',
      "    {warning 'check lamp wiring'}\n    Out1 := TRUE;",
    )
      .replace('    Tmp : BOOL;', "    {attribute 'hide'}\n    Tmp : BOOL;")
      .replace('PROGRAM Main', "{attribute 'call_after_init'}\nPROGRAM Main");
    expect(isEmptyDiff(diff(annotated))).toBe(true);
    expect(isEmptyDiffBack(annotated)).toBe(true);
  });

  it('sees no change in comments and layout', () => {
    const d = diff(BASE.replace('Tmp := In1 AND In2;', '(* both *)\nTmp :=\n    In1 AND In2; // and'));
    expect(isEmptyDiff(d)).toBe(true);
  });

  it('treats a consistently renamed local as no change', () => {
    const d = diff(BASE.replaceAll('Tmp', 'Both_In'));
    expect(d.statements).toEqual([]);
    expect(d.decls).toEqual([]);
    expect(d.renames.get('main')?.get('tmp')).toBe('both_in');
  });

  it('reports an edit inside an IF at the statement it touches', () => {
    const d = diff(BASE.replace('Count := Count + 1;', 'Count := Count + 2;'));
    expect(d.statements).toHaveLength(1);
    const c = d.statements[0]!;
    expect(c.kind).toBe('modified');
    expect(c.old?.kind).toBe('Assignment');
    expect(c.new?.span.line).toBe(16);
  });

  it('reports a changed condition as a header change and a new declaration', () => {
    const d = diff(
      BASE.replace('IF Tmp THEN', 'IF Tmp OR In2 THEN').replace(
        '    Tmp : BOOL;',
        '    Tmp : BOOL;\n    Spare : INT;',
      ),
    );
    expect(d.statements.map((s) => [s.kind, s.headerOnly])).toEqual([['modified', true]]);
    expect(d.decls.map((x) => [x.name, !!x.old, !!x.new])).toEqual([['Spare', false, true]]);
  });

  it('reports a moved statement as removed and added', () => {
    const d = diff(
      BASE.replace(
        '    Out1 := TRUE;\n    Count := Count + 1;',
        '    Count := Count + 1;\n    Out1 := TRUE;',
      ),
    );
    expect(d.statements.map((s) => s.kind).sort()).toEqual(['added', 'removed']);
  });
});

import { describe, expect, it } from 'vitest';
import type { AssignmentStatement, ProgramDecl } from './ast';
import { astEqual } from './ast-utils';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { printUnit } from './printer';

/** A GVL with N and a program whose local N hides it; `.N` and `.GVL.N` name the global. */
const HIDDEN = `VAR_GLOBAL CONSTANT
  N : INT := 3;
END_VAR
PROGRAM P
VAR
  N : BOOL;
  a : ARRAY[1...N] OF INT;
  b : ARRAY[0..(.N - 1)] OF INT;
  x : INT;
END_VAR
x := .N;
x := .N + a[3] + b[2];
END_PROGRAM`;

describe('global namespace operator (TwinCAT/CODESYS `.name`)', () => {
  it('parses `.N` and `1...N` as a global name, flagged on the Identifier', () => {
    const r = parseSource(HIDDEN, 'g.st');
    expect(r.diagnostics).toEqual([]);
    const p = r.unit.declarations[1] as ProgramDecl;
    const v = (p.body[0] as AssignmentStatement).value;
    expect(v).toMatchObject({
      kind: 'Identifier',
      name: 'N',
      global: true,
      span: { column: 6, endColumn: 8 },
    });
    const plain = (p.body[1] as AssignmentStatement).target;
    expect(plain).toEqual(expect.not.objectContaining({ global: expect.anything() }));
  });

  it('prints the dot back and reads what it printed', () => {
    const first = parseSource(HIDDEN, 'g.st').unit;
    const printed = printUnit(first);
    expect(printed).toContain('.N');
    const second = parseSource(printed, 'printed.st');
    expect(second.diagnostics).toEqual([]);
    expect(astEqual(first, second.unit)).toBe(true);
    expect(printUnit(second.unit)).toBe(printed);
  });

  it('binds `.N` to the global where a local BOOL hides it: no type errors, array bounds from the global', () => {
    const parsed = parseSource(HIDDEN, 'g.st');
    expect(parsed.diagnostics).toEqual([]);
    const r = checkProject([parsed.unit]);
    expect(r.diagnostics).toEqual([]);
    // without the dot the local BOOL is meant
    const local = checkProject([parseSource(HIDDEN.replace('x := .N;', 'x := N;'), 'g.st').unit]);
    expect(local.diagnostics.map((d) => [d.code, d.line])).toEqual([['ST2004', 11]]);
  });

  it('names a GVL through the dot: `.GVL.N`, and in an array bound', () => {
    const src = `{attribute 'qualified_only'}
{attribute 'gvl_name' := 'GVL'}
VAR_GLOBAL CONSTANT
  MAX : UINT := 4;
END_VAR
PROGRAM P
VAR
  GVL : INT;
  a : ARRAY[1...GVL.MAX] OF UINT;
  x : UINT;
END_VAR
x := .GVL.MAX + a[4];
END_PROGRAM`;
    const u = parseSource(src, 'gvl.st');
    expect(u.diagnostics).toEqual([]);
    expect(printUnit(u.unit)).toContain('x := .GVL.MAX + a[4];');
    expect(checkProject([u.unit]).diagnostics).toEqual([]);
  });

  it('`.gVar` of a qualified_only list is ST2033 as `gVar` is; `.GVL.gVar` is the way', () => {
    // Beckhoff Infosys "Attribute 'qualified_only'": such a list's variables "can only be
    // addressed by specifying the global variable list name"; the dot opens the global
    // namespace, it does not name the list
    const src = (use: string): string => `{attribute 'qualified_only'}
{attribute 'gvl_name' := 'GVL'}
VAR_GLOBAL
  gVar : INT;
END_VAR
PROGRAM P
VAR
  gVar : BOOL;
END_VAR
${use} := 1;
END_PROGRAM`;
    const codes = (use: string): string[] =>
      checkProject([parseSource(src(use), 'q.st').unit]).diagnostics.map((d) => d.code);
    expect(codes('.GVL.gVar')).toEqual([]);
    expect(codes('.gVar')).toEqual(['ST2033']);
  });

  it('refuses a dot not followed by a name with a clear message', () => {
    const r = parseSource('PROGRAM P\nVAR x : INT; END_VAR\nx := . 5;\nx := .;\nEND_PROGRAM', 'bad.st');
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['ST1001', 3, "expected a global name after '.' but found '5'"],
      ['ST1001', 4, "expected a global name after '.' but found ';'"],
    ]);
  });
});

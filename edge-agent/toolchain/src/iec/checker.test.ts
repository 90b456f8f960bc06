import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import type { AssignmentStatement, ProgramDecl } from './ast';
import { checkProject } from './checker';
import type { Diagnostic } from './diagnostics';
import { parseSource } from './parser';
import { loadProject } from './project';
import { FIXTURES } from './test-fixtures';
import { typeName } from './types';

const check = (...sources: string[]): Diagnostic[] => {
  const units = sources.map((s, i) => {
    const r = parseSource(s, `f${i}.st`);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  return checkProject(units).diagnostics;
};
const codes = (...sources: string[]): string[] => check(...sources).map((d) => d.code);
const prog = (vars: string, body: string): string =>
  `PROGRAM P\nVAR\n${vars}\nEND_VAR\n${body}\nEND_PROGRAM\n`;

describe('checker on the plant fixtures', () => {
  it('checks every fixture (ST, TwinCAT, PLCopen) together with no diagnostics', async () => {
    const { project, diagnostics } = await loadProject([FIXTURES]);
    expect(diagnostics).toEqual([]);
    expect(project.files.length).toBeGreaterThanOrEqual(13);
    const checked = project.checked!;
    // symbol tables the virtual PLC and the safety verifier read
    expect(checked.lookupPou('prg_press')?.kind).toBe('program');
    expect(checked.lookupPou('TON')?.builtin).toBe(true);
    expect(checked.globals.get('bestopok')).toMatchObject({
      section: 'VAR_GLOBAL',
      decl: { location: { area: 'I' } },
    });
    expect(checked.globals.get('max_alarms')?.constant).toBe(true);
    const mix = checked.lookupType('E_MixState');
    expect(mix?.kind === 'enum' && mix.values.get('mixing')?.value).toBe(30);
    const valve = checked.lookupPou('FB_Valve')!;
    expect([...valve.methods.keys()]).toEqual(['reset']);
    expect(valve.interfaces.map((i) => i.name)).toEqual(['I_Actuator']);
    const plant = checked.configurations.find((c) => c.name === 'Plant');
    expect(plant?.resources[0]?.tasks.map((t) => t.intervalMs)).toEqual([10, 100]);
  });
});

describe('no cascade after syntax errors', () => {
  it('shows only the syntax error when a broken declaration leaves names unresolved', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'iec-chk-')), 'broken.st');
    writeFileSync(f, 'PROGRAM P\nVAR\n  y : ;\nEND_VAR\ny := 2;\nEND_PROGRAM\n');
    const { diagnostics } = await loadProject([f]);
    expect(diagnostics.map((d) => d.code)).toEqual(['ST1015']);
  });
});

describe('types of expressions', () => {
  it('records the resolved type of every expression', () => {
    const { unit } = parseSource(
      prog('a : INT; r : REAL; t : TIME; fb : TON;', 'r := a * 2.5;\nt := fb.ET + T#1s;'),
      'p.st',
    );
    const { checked, diagnostics } = checkProject([unit]);
    expect(diagnostics).toEqual([]);
    const body = (unit.declarations[0] as ProgramDecl).body as AssignmentStatement[];
    expect(typeName(checked.typeOf(body[0]!.value)!)).toBe('REAL');
    expect(typeName(checked.typeOf(body[1]!.value)!)).toBe('TIME');
    expect(checked.references.get(body[0]!.target)).toMatchObject({ name: 'r', section: 'VAR' });
  });
});

describe('semantic errors', () => {
  it('unknown names and types, once per POU', () => {
    expect(codes(prog('x : INT; y : T_Nope;', 'x := z + z;'))).toEqual(['ST2002', 'ST2001']);
  });
  it('duplicate declarations across files', () => {
    expect(codes(prog('', ''), prog('', ''))).toEqual(['ST2003']);
    expect(codes(prog('a : INT; a : BOOL;', ''))).toEqual(['ST2003']);
  });
  it('assignment compatibility and implicit conversions', () => {
    expect(codes(prog('i : INT; b : BOOL;', 'i := b;'))).toEqual(['ST2004']);
    expect(codes(prog('i : INT; d : DINT;', 'i := d;'))).toEqual(['ST3001']);
    expect(codes(prog('i : INT; d : DINT;', 'd := i;'))).toEqual([]);
    expect(codes(prog('s : STRING; i : INT;', 's := i;'))).toEqual(['ST2004']);
    expect(codes(prog('t : TIME;', 't := T#1s * 2;'))).toEqual([]);
  });
  it('writes to constants, FB outputs from outside and physical inputs', () => {
    expect(codes(`PROGRAM P\nVAR CONSTANT k : INT := 1; END_VAR\nk := 2;\nEND_PROGRAM`)).toEqual(['ST2006']);
    expect(codes(prog('t : TON;', 't.Q := TRUE;'))).toEqual(['ST2007']);
    expect(codes(prog('x AT %IX0.0 : BOOL;', 'x := TRUE;'))).toEqual(['ST2007']);
  });
  it('names the project FUNCTION a call took where it shadows a standard function', () => {
    const fn = 'FUNCTION SEL : BOOL\nVAR_INPUT A, B, C : BOOL; END_VAR\nSEL := A;\nEND_FUNCTION\n';
    const d = check(fn, prog('x : BOOL; w : INT;', 'w := SEL(x, 0, w + 1);'));
    expect(d.map((x) => [x.code, x.message])).toContainEqual([
      'ST2004',
      'cannot assign INT to BOOL (C of the FUNCTION SEL declared at f0.st:1, not the standard SEL)',
    ]);
    // a project FUNCTION with a name of its own keeps the short form
    const own = check(fn.replaceAll('SEL', 'PICK'), prog('x : BOOL; w : INT;', 'w := PICK(x, 0, w + 1);'));
    expect(own.map((x) => x.message)).toContain('cannot assign INT to BOOL (C)');
  });
  it('call arguments: names, directions, counts and FB type calls', () => {
    expect(codes(prog('t : TON;', 't(IN := TRUE, XX := 1);'))).toEqual(['ST2008']);
    expect(codes(prog('t : TON; q : BOOL;', 't(IN := TRUE, Q := q);'))).toEqual(['ST2009']);
    expect(codes(prog('t : TON;', 't(IN := 5);'))).toEqual(['ST2004']);
    expect(codes(prog('x : INT;', 'x := LIMIT(1, 2);'))).toEqual(['ST2010']);
    expect(codes(prog('', 'TON(IN := TRUE);'))).toEqual(['ST2012']);
    expect(
      codes(
        'FUNCTION F : INT\nVAR_INPUT a : INT; END_VAR\nVAR_IN_OUT b : INT; END_VAR\nF := a + b;\nEND_FUNCTION\n',
        prog('x : INT;', 'x := F(1, 2);'),
      ),
    ).toEqual(['ST2021']);
  });
  it('control flow rules: BOOL conditions, CASE selectors, FOR variables, EXIT, labels', () => {
    expect(codes(prog('i : INT;', 'IF i THEN i := 0; END_IF;'))).toEqual(['ST2018']);
    expect(codes(prog('r : REAL; i : INT;', 'CASE r OF 1: i := 0; END_CASE;'))).toEqual(['ST2014']);
    expect(codes(prog('r : REAL;', 'FOR r := 1 TO 3 DO END_FOR;'))).toEqual(['ST2019']);
    expect(codes(prog('', 'EXIT;'))).toEqual(['ST2020']);
    expect(codes(prog('', 'JMP nowhere;'))).toEqual(['ST2023']);
    expect(codes(prog('i : INT;', 'CASE i OF 1: i := 0; 1: i := 2; END_CASE;'))).toEqual(['ST3005']);
  });
  it('a JMP finds a label anywhere in its own body, before or after it, and none of another POU', () => {
    // the labels of a body are read at its first JMP (decision 0180): a forward jump, a label
    // inside an IF, a second JMP, and a label of another program that does not count
    const body =
      'IF b THEN JMP lblEnd; END_IF;\nlblTop: b := FALSE;\nIF b THEN lblIn: JMP lblTop; END_IF;\nJMP lblIn;\nlblEnd: ;';
    expect(codes(prog('b : BOOL;', body))).toEqual([]);
    const other = 'PROGRAM Q\nVAR b : BOOL; END_VAR\nb := TRUE;\nlblOnlyHere: b := FALSE;\nEND_PROGRAM\n';
    const d = check(prog('b : BOOL;', 'JMP lblOnlyHere;\nJMP LBLTOP;\nlblTop: ;'), other);
    expect(d.map((x) => [x.code, x.message.includes('lblOnlyHere')])).toEqual([['ST2023', true]]);
  });
  it('several S=/R= targets on one line: each a writable BOOL (request iec-02)', () => {
    expect(codes(prog('a, b, c, d : BOOL;', 'a R= b R= c R= d;\na S= b R= c;'))).toEqual([]);
    expect(codes(prog('a, d : BOOL; n : INT;', 'a S= n R= d;'))).toEqual(['ST2018']);
    expect(codes(prog('a, d : BOOL; END_VAR VAR CONSTANT k : BOOL := TRUE;', 'a S= k R= d;'))).toEqual([
      'ST2006',
    ]);
  });
  it('comparison functions want inputs of one kind, as the operators do (request iec-08)', () => {
    expect(codes(prog('b, e : BOOL; i, j : INT;', 'e := EQ(b, i, j);'))).toEqual(['ST2005']);
    expect(codes(prog('e : BOOL; i, j : INT; r : REAL;', 'e := EQ(i, j, 3);\ne := GT(r, i, 2);'))).toEqual(
      [],
    );
  });
  it('ADD_TIME and SUB_TIME add and subtract durations (request iec-08)', () => {
    const src = prog(
      'a : TIME := T#5s; b : TIME := T#2s; c, d : TIME;',
      'c := SUB_TIME(a, b);\nd := ADD_TIME(a, b);',
    );
    expect(codes(src)).toEqual([]);
    const plc = compileProgram([parseSource(src, 'p.st').unit], { program: 'P' });
    plc.scan(1);
    expect([plc.get('c'), plc.get('d')]).toEqual([3000, 7000]);
  });
  it('functions need a return type (plain ST)', () => {
    expect(codes('FUNCTION F\nVAR_INPUT a : INT; END_VAR\nEND_FUNCTION\n')).toEqual(['ST2013']);
  });
  it('names a missing vendor library, and accepts declared externals', () => {
    const src = prog('s : T_MaxString;', 'ADSLOGSTR(1, s, s);');
    const diags = check(src);
    expect(diags.map((d) => d.code)).toEqual(['ST2017', 'ST2017']);
    expect(diags[0]!.message).toContain('Tc2_System');
    const unit = parseSource(src, 'p.st').unit;
    expect(checkProject([unit], { externalNames: ['T_MaxString', 'ADSLOGSTR'] }).diagnostics).toEqual([]);
    const stub = parseSource(
      '@EXTERNAL FUNCTION ADSLOGSTR : DINT\nVAR_INPUT a : DWORD; b : STRING; c : STRING; END_VAR\nEND_FUNCTION\nTYPE T_MaxString : STRING(255); END_TYPE',
      's.st',
    ).unit;
    expect(checkProject([unit], { externals: [stub] }).diagnostics.map((d) => d.code)).toEqual([]);
  });
  it('resolves inherited members, methods, properties and interfaces', () => {
    const src = `FUNCTION_BLOCK FB_A
VAR_OUTPUT q : BOOL; END_VAR
METHOD M : INT
M := 1;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_B EXTENDS FB_A
VAR x : INT; END_VAR
x := M() + SUPER^.M();
q := TRUE;
END_FUNCTION_BLOCK
${prog('b : FB_B; v : INT;', 'b(); v := b.M(); IF b.q THEN v := 0; END_IF;')}`;
    expect(codes(src)).toEqual([]);
  });
});

describe('calls as vendors write them (issue 14)', () => {
  it('maps positional arguments in declaration order, VAR_IN_OUT before VAR_INPUT', () => {
    const fn = `FUNCTION F_Fill : BOOL
VAR_IN_OUT Buffer : ARRAY[1..4] OF INT; END_VAR
VAR_INPUT Value : INT; END_VAR
Buffer[1] := Value;
F_Fill := TRUE;
END_FUNCTION
`;
    expect(codes(fn + prog('b : ARRAY[1..4] OF INT; ok : BOOL;', 'ok := F_Fill(b, 7);'))).toEqual([]);
    // swapped, the array goes to the INT input and the literal to the in-out
    expect(codes(fn + prog('b : ARRAY[1..4] OF INT; ok : BOOL;', 'ok := F_Fill(7, b);'))).toEqual([
      'ST2021',
      'ST2004',
    ]);
  });

  it("knows SR's SET1/RESET and RS's SET/RESET1 (3rd edition long pin names)", () => {
    expect(
      codes(
        prog(
          's : SR; r : RS; a : BOOL;',
          's(SET1 := a, RESET := a); r(SET := a, RESET1 := a); s(S1 := a, R := a);',
        ),
      ),
    ).toEqual([]);
    expect(codes(prog('s : SR; a : BOOL;', 's(SET := a);'))).toEqual(['ST2008']);
  });

  it('accepts the function forms AND, OR, XOR and NOT(IN := x), and names a wrong formal parameter', () => {
    expect(
      codes(
        prog(
          'a : BOOL; b : BOOL; c : BOOL; w : WORD;',
          'c := AND(a, b, c); c := OR(IN1 := a, IN2 := b); c := XOR(a, b); c := NOT(IN := a); w := AND(w, WORD#16#FF);',
        ),
      ),
    ).toEqual([]);
    expect(codes(prog('a : BOOL;', 'a := NOT(X := a);'))).toEqual(['ST2008']);
    expect(codes(prog('a : BOOL;', 'a := AND(a);'))).toEqual(['ST2010']);
  });

  it('reads [N(7)] as seven repeated N times when N is a constant', () => {
    expect(
      codes(prog('a : ARRAY[1..5] OF INT := [N(7), 2(1)];\nEND_VAR\nVAR CONSTANT N : INT := 3;', '')),
    ).toEqual([]);
  });
});

describe('structure member initial values', () => {
  it('are checked like variables: an unknown name is ST2001 (a mutation the simulator met)', () => {
    const src = `VAR_GLOBAL CONSTANT T_MIX : TIME := T#5s; END_VAR
TYPE E_Step : (Idle, Mix); END_TYPE
TYPE ST_Recipe :
STRUCT
  MixTime : TIME := s;
  Mixing : TIME := T_MIX;
  First : E_Step := Mix;
END_STRUCT;
END_TYPE
PROGRAM P VAR r : ST_Recipe; END_VAR r.First := Idle; END_PROGRAM`;
    const { diagnostics } = checkProject([parseSource(src, 'recipe.st').unit]);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['ST2001', 5]]);
  });
});

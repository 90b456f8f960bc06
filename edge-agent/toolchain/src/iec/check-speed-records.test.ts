import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { loadProject } from './project';
import { FIXTURES } from './test-fixtures';

// A check without expression records (`recordExpressions: false`, what `compile` asks for,
// decision 0124) keeps only the records its own rules read back, those of the variables written:
// its diagnostics must be those of a full check, and its project must refuse to be read as whole.

/** Every rule that reads a written variable's records back: targets, outputs, constants, REF=. */
const WRITES = `
FUNCTION_BLOCK FB_A
VAR_INPUT i : INT; END_VAR
VAR_OUTPUT q : INT; END_VAR
VAR CONSTANT k : INT := 1; END_VAR
q := i;
i := 2;
k := 3;
END_FUNCTION_BLOCK
FUNCTION F : INT
VAR_INPUT x : INT; END_VAR
VAR_OUTPUT y : INT; END_VAR
F := x;
y := x;
END_FUNCTION
TYPE S : STRUCT a : INT; b : ARRAY[0..3] OF BOOL; END_STRUCT END_TYPE
PROGRAM Main
VAR
  fb : FB_A;
  arr : ARRAY[1..3] OF S;
  n : INT;
  r : REAL;
  w : WORD;
  b1, b2 : BOOL;
  ref : REFERENCE TO INT;
  notRef : INT;
END_VAR
VAR CONSTANT c : INT := 5; cs : S; END_VAR
fb.q := 1;
fb(i := 1, q => n);
fb(i := 1, q => c);
n := F(x := 1, y => arr[2].a);
n := F(x := 1, y => cs.a);
arr[n].b[1] := TRUE;
arr[1].a := n;
cs.a := 1;
c := 2;
w.3 := TRUE;
b1 S= b2;
FOR n := 1 TO 3 DO r := r + 1.0; END_FOR;
FOR r := 1 TO 3 DO n := n + 1; END_FOR;
ref REF= n;
notRef REF= n;
IF (n := n + 1) > 10 THEN n := 0; END_IF;
Main := 1;
END_PROGRAM
`;

describe('a check without expression records', () => {
  it('reports what a full check reports where variables are written', () => {
    const { unit } = parseSource(WRITES, 'writes.st');
    const full = checkProject([unit]);
    const lean = checkProject([unit], { recordExpressions: false });
    expect(full.diagnostics.length).toBeGreaterThan(5);
    expect(lean.diagnostics).toEqual(full.diagnostics);
  });

  it('reports what a full check reports on every fixture project', async () => {
    for (const sub of ['st', 'twincat', 'plcopen']) {
      const dir = join(FIXTURES, sub);
      const full = await loadProject([dir]);
      const lean = await loadProject([dir], { recordExpressions: false });
      expect(lean.diagnostics, sub).toEqual(full.diagnostics);
    }
  });

  it('looks an unknown name up once, and finds a global declared after a list that names it', () => {
    const { unit } = parseSource(
      `VAR_GLOBAL a : INT := later; END_VAR
VAR_GLOBAL later : INT := 1; END_VAR
PROGRAM P1
VAR x : INT; END_VAR
x := later + nowhere + nowhere;
END_PROGRAM
PROGRAM P2
VAR x : INT; END_VAR
x := nowhere + later;
END_PROGRAM
`,
      'names.st',
    );
    const { diagnostics } = checkProject([unit], { recordExpressions: false });
    const unknown = diagnostics.filter((d) => d.code === 'ST2001').map((d) => `${d.line}:${d.message}`);
    // the global is found wherever it is named; the unknown name is reported once per POU
    expect(unknown.map((m) => m.split(':')[0])).toEqual(['5', '9']);
    expect(unknown.every((m) => m.includes("'nowhere'"))).toBe(true);
  });

  it('refuses to hand out the records it did not keep', () => {
    const { unit } = parseSource(WRITES, 'writes.st');
    const { checked } = checkProject([unit], { recordExpressions: false });
    expect(() => checked.exprTypes).toThrow(/recordExpressions/);
    expect(() => checked.references).toThrow(/recordExpressions/);
    const main = unit.declarations.find((d) => d.kind === 'Program');
    const first = main?.kind === 'Program' ? main.body[0] : undefined;
    expect(first?.kind).toBe('Assignment');
    if (first?.kind === 'Assignment') expect(() => checked.typeOf(first.value)).toThrow(/recordExpressions/);
    const spec = main?.kind === 'Program' ? main.varBlocks[0]?.decls[0]?.type : undefined;
    expect(spec).toBeDefined();
    if (spec) expect(() => checked.typeOfSpec(spec)).toThrow(/recordExpressions/);
    // the tables of declarations stay whole
    expect(checked.lookupPou('FB_A')?.name).toBe('FB_A');
  });
});

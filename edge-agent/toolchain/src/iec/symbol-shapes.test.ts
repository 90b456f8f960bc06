import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckedProject } from './binder';
import { checkProject } from './checker';
import { parseSource } from './parser';
import { loadProject } from './project';
import { FIXTURES } from './test-fixtures';
import type { PouSymbol, VarSymbol } from './types';

// Every POU symbol, and every variable symbol, is made with the same fields in the same order
// (the optional ones present as undefined), so V8 gives each kind one hidden class and the
// check's reads of them stay monomorphic (decision 0180). A field added later to some symbols
// only (a POU's file, result, base or parent; a variable's owner or list) splits the class.

const SOURCE = `
TYPE ST_Point : STRUCT x : REAL; y : REAL; END_STRUCT END_TYPE
TYPE E_Mode : (Idle, Run) := Idle; END_TYPE
VAR_GLOBAL
  gCount : INT;
END_VAR
FUNCTION F_Add : INT
VAR_INPUT a : INT; b : INT; END_VAR
F_Add := a + b;
END_FUNCTION
INTERFACE I_Motor
METHOD Start : BOOL
END_METHOD
END_INTERFACE
FUNCTION_BLOCK FB_Base
VAR_INPUT bEnable : BOOL; END_VAR
VAR_OUTPUT bDone : BOOL; END_VAR
METHOD Start : BOOL
VAR_INPUT nSpeed : INT; END_VAR
Start := bEnable;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Motor EXTENDS FB_Base IMPLEMENTS I_Motor
VAR p : ST_Point; t : TON; m : E_Mode; END_VAR
t(IN := bEnable, PT := T#1S);
bDone := t.Q;
END_FUNCTION_BLOCK
PROGRAM Main
VAR fb : FB_Motor; n : INT; END_VAR
fb(bEnable := TRUE);
n := F_Add(1, gCount);
n := ABS(n);
END_PROGRAM
`;

/** The symbols of SOURCE and of the TwinCAT fixtures (a named global variable list among them). */
async function symbols(): Promise<{ pous: PouSymbol[]; vars: VarSymbol[] }> {
  const { project } = await loadProject([join(FIXTURES, 'twincat')]);
  const projects: CheckedProject[] = [
    checkProject([parseSource(SOURCE, 'a.st').unit]).checked,
    project.checked!,
  ];
  const pous = new Set<PouSymbol>();
  const vars = new Set<VarSymbol>();
  const add = (p: PouSymbol): void => {
    if (pous.has(p)) return;
    pous.add(p);
    for (const v of p.vars.values()) vars.add(v);
    for (const m of [p.methods, p.properties, p.actions]) for (const x of m.values()) add(x);
  };
  for (const checked of projects) {
    for (const p of checked.pous.values()) add(p);
    // the standard functions called (made when first called) and every symbol referred to
    for (const t of checked.exprTypes.values()) if (t.kind === 'callable') add(t.pou);
    for (const r of checked.references.values()) if ('section' in r) vars.add(r);
    for (const v of checked.globals.values()) vars.add(v);
    for (const t of checked.types.values())
      if (t.kind === 'struct') for (const v of t.members.values()) vars.add(v);
  }
  return { pous: [...pous], vars: [...vars] };
}

describe('symbol shapes (decision 0180)', () => {
  it('gives every POU symbol the same fields in the same order', async () => {
    const { pous } = await symbols();
    // user POUs with and without a result, a method (parent), an FB with a base, an interface,
    // the standard library's blocks and a standard function (no file)
    expect(pous.some((p) => p.builtin && p.file === undefined)).toBe(true);
    expect(pous.some((p) => p.kind === 'method' && p.parent !== undefined)).toBe(true);
    expect(pous.some((p) => p.base !== undefined)).toBe(true);
    const keys = new Set(pous.map((p) => Object.keys(p).join(',')));
    expect([...keys]).toEqual([
      'kind,name,decl,vars,params,returnType,base,interfaces,methods,properties,actions,parent,builtin,external,file',
    ]);
  });

  it('gives every variable symbol the same fields in the same order', async () => {
    const { vars } = await symbols();
    // locals (owner), globals in a named list (gvl) and struct members (neither)
    expect(vars.some((v) => v.owner !== undefined)).toBe(true);
    expect(vars.some((v) => v.gvl !== undefined)).toBe(true);
    expect(vars.some((v) => v.section === 'VAR' && v.owner === undefined)).toBe(true);
    const keys = new Set(vars.map((v) => Object.keys(v).join(',')));
    expect([...keys]).toEqual(['name,section,type,constant,retain,persistent,decl,owner,gvl']);
  });
});

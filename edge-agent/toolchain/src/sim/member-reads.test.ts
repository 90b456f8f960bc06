import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { cacheMemberReads, membersReachable } from './member-reads';
import { compileProgram, VirtualPlc } from './virtual-plc';

function project(src: string) {
  const r = checkProject([parseSource(src, 'reads.st').unit]);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { ...r.checked, diagnostics: r.diagnostics };
}

describe('member reads held in locals (generated code)', () => {
  it('reads a member read twice and never written once, at the start of the function', () => {
    const fn =
      'function B0$1(s,$l){{const $t1=s.f4;$t1.f0=(s.f0===true);B1($t1);}if((s.f4.f5===true)){s.f3=(((s.f3+1))|0);}}';
    expect(cacheMemberReads(fn)).toBe(
      'function B0$1(s,$l){const $m_f4=s.f4;{const $t1=$m_f4;$t1.f0=(s.f0===true);B1($t1);}if(($m_f4.f5===true)){s.f3=(((s.f3+1))|0);}}',
    );
  });

  it('leaves written members, instances passed on, computed keys, strings and other functions alone', () => {
    const same = (fn: string) => expect(cacheMemberReads(fn)).toBe(fn);
    same('function B1(s){s.f1=s.f2+s.f1;s.f1++;}'); // f1 written; f2 read once
    same('function B1(s){s.f3+=1;s.f3=s.f3*2;}');
    same('function B1(s){if(s.f1>0){M1_0(s);}s.f2=s.f1;}'); // the instance goes to a method
    same('function B1(s){B1$0(s,undefined);x=s.f1+s.f1;}'); // ... to a chunk
    same('function B1(s){s[s.f1]=s.f1;}');
    same('function B1(s){$t=s.f1+s.f1;$u="s.f1";}');
    same('function M1_0(s){return s.f1+s.f1;}');
  });

  it('is switched off for the whole module by references, pointers, program paths and globals', () => {
    expect(membersReachable(['function B1(s){x=s.f1;}'])).toBe(false);
    for (const b of ['$ref(s,"f1")', '$deref(s.f2,4).o', '$rt.pix(s.f2,1,3)', '$P["p0"].f1', '$G.g1.f2=1'])
      expect(membersReachable(['function B1(s){x=s.f1;}', `function B2(s){${b};}`])).toBe(true);
  });

  it('bench (b): the plant reads its inputs and each instance once per chunk', () => {
    const src = VirtualPlc.generatedSource(
      project(`FUNCTION_BLOCK U
VAR_INPUT Enable : BOOL; Sp : REAL; END_VAR
VAR_OUTPUT Alarm : BOOL; END_VAR
Alarm := Enable AND Sp > 3.0;
END_FUNCTION_BLOCK
PROGRAM Plant
VAR_INPUT Enable : BOOL; Sp : REAL; END_VAR
VAR_OUTPUT Alarms : DINT; END_VAR
VAR U0 : U; U1 : U; END_VAR
Alarms := 0;
U0(Enable := Enable, Sp := Sp); IF U0.Alarm THEN Alarms := Alarms + 1; END_IF;
U1(Enable := Enable, Sp := Sp + 1.0); IF U1.Alarm THEN Alarms := Alarms + 1; END_IF;
END_PROGRAM
`),
      { program: 'Plant' },
    );
    const b0 = src.split('\n').find((l) => l.startsWith('function B0(')) as string;
    expect(b0).toMatch(/^function B0\(s\)\{const \$m_f\d+=s\.f\d+/);
    expect(b0).not.toMatch(/s\.f0===true/);
  });
});

describe('member reads held in locals keep every value (fallbacks)', () => {
  it('a pointer made in one chunk and written through by an FB called in the next', () => {
    // 24 statements fill the first chunk; the reads of n are in the second, where nothing but
    // the module-wide check sees that W can write n through p
    const fill = Array.from({ length: 23 }, (_, i) => `x${i} := ${i};`).join('\n');
    const vars = Array.from({ length: 23 }, (_, i) => `x${i} : INT;`).join(' ');
    const plc = compileProgram(
      project(`FUNCTION_BLOCK W
VAR_INPUT p : POINTER TO INT; END_VAR
p^ := p^ + 1;
END_FUNCTION_BLOCK
PROGRAM Main
VAR n : INT := 5; p : POINTER TO INT; w : W; r1 : INT; r2 : INT; ${vars} END_VAR
p := ADR(n);
${fill}
r1 := n; w(p := p); r2 := n;
END_PROGRAM
`),
      { program: 'Main' },
    );
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('r1'), plc.get('r2'), plc.get('n')]).toEqual([5, 6, 6]);
  });

  it('a method of the instance that changes a member between two reads of it', () => {
    const plc = compileProgram(
      project(`FUNCTION_BLOCK F
VAR a : INT := 1; r1 : INT; r2 : INT; END_VAR
METHOD Inc : BOOL
a := a + 1;
Inc := TRUE;
END_METHOD
r1 := a; THIS^.Inc(); r2 := a;
END_FUNCTION_BLOCK
PROGRAM Main
VAR f : F; r1 : INT; r2 : INT; END_VAR
f(); r1 := f.r1; r2 := f.r2;
END_PROGRAM
`),
      { program: 'Main' },
    );
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('r1'), plc.get('r2')]).toEqual([1, 2]);
  });

  it('an instance held by a global, whose input another FB writes through the global', () => {
    const plc = compileProgram(
      project(`VAR_GLOBAL g : C; END_VAR
FUNCTION_BLOCK Poke
VAR_EXTERNAL g : C; END_VAR
g.a := g.a + 10;
END_FUNCTION_BLOCK
FUNCTION_BLOCK C
VAR_INPUT a : INT; END_VAR
VAR p : Poke; r1 : INT; r2 : INT; END_VAR
r1 := a; p(); r2 := a;
END_FUNCTION_BLOCK
PROGRAM Main
VAR r1 : INT; r2 : INT; END_VAR
g(a := 1); r1 := g.r1; r2 := g.r2;
END_PROGRAM
`),
      { program: 'Main' },
    );
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('r1'), plc.get('r2')]).toEqual([1, 11]);
  });
});

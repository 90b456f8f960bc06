import { parseSource } from '@plcfleet/toolchain/iec';
import { compileProgram } from '@plcfleet/toolchain/sim';
import { describe, expect, it } from 'vitest';
import { compileInstrumented } from './branch-coverage';

/** A mode selector (CASE), a limit check in a function, a latch in an FB, and a division. */
const SOURCE = `
FUNCTION Clamp : INT
VAR_INPUT x : INT; hi : INT; END_VAR
IF x > hi THEN
  Clamp := hi;
ELSE
  Clamp := x;
END_IF;
END_FUNCTION

FUNCTION_BLOCK Latch
VAR_INPUT s : BOOL; r : BOOL; END_VAR
VAR_OUTPUT q : BOOL; END_VAR
IF r THEN q := FALSE; ELSIF s THEN q := TRUE; END_IF;
END_FUNCTION_BLOCK

PROGRAM Main
VAR_INPUT Mode : INT; Level : INT; Divisor : INT := 1; Go : BOOL; Halt : BOOL; END_VAR
VAR_OUTPUT Out : INT; Running : BOOL; Ratio : INT; END_VAR
VAR L : Latch; END_VAR
CASE Mode OF
  0: Out := 0;
  1, 2: Out := Clamp(Level, 100);
  3..5: Out := -1;
END_CASE;
L(s := Go, r := Halt);
Running := L.q;
Ratio := Level / Divisor;
END_PROGRAM
`;

const files = [{ name: 'main.st', text: SOURCE }];

describe('compileInstrumented', () => {
  it('counts the IF/ELSIF/ELSE branches and CASE arms a run takes, in functions and FBs too', () => {
    const c = compileInstrumented(files);
    const { plc } = c;
    // Nothing ran yet: nothing is taken.
    expect(c.coverage().branches).toMatchObject({ total: 5, taken: 0 });
    expect(c.coverage().caseArms).toMatchObject({ total: 4, taken: 0 });
    plc.set('Mode', 1);
    plc.set('Level', 150);
    plc.scan();
    plc.set('Go', true);
    plc.scan();
    expect(plc.get('Out')).toBe(100);
    expect(plc.get('Running')).toBe(true);
    const r = c.coverage();
    expect(r.caseArms).toEqual({
      total: 4,
      taken: 1,
      notTaken: [
        'main.st:22 CASE Mode OF 0',
        'main.st:24 CASE Mode OF 3..5',
        'main.st:21 CASE Mode (no ELSE: no label matched)',
      ],
    });
    expect(r.branches).toEqual({
      total: 5,
      taken: 3,
      notTaken: ['main.st:4 ELSE', 'main.st:14 IF r'],
    });
    plc.set('Level', 50);
    plc.set('Mode', 9);
    plc.set('Halt', true);
    plc.scan();
    plc.set('Mode', 1);
    plc.scan();
    expect(c.coverage().branches).toEqual({ total: 5, taken: 5, notTaken: [] });
    expect(c.coverage().caseArms.notTaken).toEqual([
      'main.st:22 CASE Mode OF 0',
      'main.st:24 CASE Mode OF 3..5',
    ]);
  });

  it('leaves the program as written: same outputs, same fault lines, nothing added to the normal simulator', () => {
    const c = compileInstrumented(files);
    const plain = compileProgram([parseSource(SOURCE, 'main.st').unit]);
    expect(plain.listVariables().some((v) => /PLCFLEET/i.test(v.name))).toBe(false);
    for (const [mode, level] of [
      [0, 10],
      [2, 300],
      [4, 7],
      [7, -3],
    ] as const) {
      for (const p of [c.plc, plain]) {
        p.set('Mode', mode);
        p.set('Level', level);
        p.scan();
      }
      expect(c.plc.get('Out')).toBe(plain.get('Out'));
    }
    c.plc.set('Divisor', 0);
    plain.set('Divisor', 0);
    const f1 = c.plc.scan();
    const f2 = plain.scan();
    expect(f1).not.toBeNull();
    expect({ code: f1!.code, file: f1!.file, line: f1!.line }).toEqual({
      code: f2!.code,
      file: f2!.file,
      line: f2!.line,
    });
    expect(f1!.line).toBe(28);
  });

  it('picks a mark name the program does not use, and refuses a program that does not compile', () => {
    const clash = `PROGRAM P\nVAR_OUTPUT PLCFLEET_COVERAGE : BOOL; END_VAR\nVAR_INPUT a : BOOL; END_VAR\nIF a THEN PLCFLEET_COVERAGE := TRUE; END_IF;\nEND_PROGRAM\n`;
    const c = compileInstrumented([{ name: 'p.st', text: clash }]);
    c.plc.set('a', true);
    c.plc.scan();
    expect(c.plc.get('PLCFLEET_COVERAGE')).toBe(true);
    expect(c.coverage().branches).toEqual({
      total: 2,
      taken: 1,
      notTaken: ['p.st:4 (no ELSE: no condition true)'],
    });
    expect(() =>
      compileInstrumented([{ name: 'bad.st', text: 'PROGRAM P\nx := 1;\nEND_PROGRAM\n' }]),
    ).toThrow(/program does not compile: bad\.st:2:1: /);
  });
});

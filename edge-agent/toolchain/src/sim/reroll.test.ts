import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { reroll } from './reroll';
import { compileProgram, VirtualPlc } from './virtual-plc';

function tables() {
  const decls: string[] = [];
  return { decls, add: (d: string) => decls.push(d) };
}

describe('reroll (generated code)', () => {
  it('turns a run of statements that differ in integer member keys and numbers into one loop', () => {
    const codes = Array.from(
      { length: 6 },
      (_, k) => `{const $t${k}=s[${10 + k}];$t${k}.f0=s[0];$t${k}.f1=$fr((s[1]+${k}));B1($t${k});}`,
    );
    const t = tables();
    const out = reroll(codes, 'B0', t.add);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^for\(let \$i=0,\$o=0;\$i<6;/);
    // the keys and numbers that differ, row by row; s[0] and s[1] are the same in every call
    expect(t.decls).toEqual(['const B0$R0=[10,0,11,1,12,2,13,3,14,4,15,5];']);
    // running the loop does what the straight code did
    const run = (code: string) => {
      const calls: unknown[] = [];
      const s: Record<number, unknown> = { 0: true, 1: 0.5 };
      for (let k = 0; k < 6; k++) s[10 + k] = { k };
      new Function('s', '$fr', 'B1', `${t.decls.join('')}${code}`)(s, Math.fround, (o: unknown) =>
        calls.push(structuredClone(o)),
      );
      return calls;
    };
    expect(run(out.join(''))).toEqual(run(codes.join('')));
  });

  it('finds a repeated group of several statements and keeps the rest as written', () => {
    const group = (k: number) => [`s[${100 + k}]=s[${200 + k}]+${k};`, `if(s[${100 + k}]>3){s[5]=1;}`];
    const codes = ['s[1]=0;', ...[0, 1, 2, 3, 4].flatMap(group), 's[2]=1;'];
    const out = reroll(codes, 'P', tables().add);
    expect(out).toHaveLength(3);
    expect(out[0]).toBe('s[1]=0;');
    expect(out[1]).toMatch(/^for\(.*\$i<5;/);
    expect(out[2]).toBe('s[2]=1;');
  });

  it('leaves alone what a loop could change: strings, break/continue/return, outside temporaries, named members', () => {
    const same = (mk: (k: number) => string) => {
      const codes = Array.from({ length: 6 }, (_, k) => mk(k));
      expect(reroll(codes, 'B0', tables().add)).toEqual(codes);
    };
    same((k) => `s[${10 + k}]=$s.cut("a${k}",4);`);
    same((k) => `if(s[${10 + k}]){break;}`);
    same((k) => `s[${10 + k}]=$t9+${k};`);
    // a named member read through a key from a table is a slow lookup: not rerolled
    same((k) => `{const $t${k}=s.f${10 + k};B1($t${k});}`);
    // too few repetitions
    const three = [0, 1, 2].map((k) => `s[${10 + k}]=${k};`);
    expect(reroll(three, 'B0', tables().add)).toEqual(three);
  });
});

describe('a plant program of 1,100 FB instances runs rerolled, with the same results and fault locations', () => {
  const N = 1100;
  const source = (faultAt: number) => `FUNCTION_BLOCK FB_Count
VAR_INPUT Step : DINT; Run : BOOL; END_VAR
VAR_OUTPUT Total : DINT; Q : BOOL; END_VAR
VAR T : TON; END_VAR
T(IN := Run, PT := T#30ms);
IF Run THEN Total := Total + Step; END_IF;
Q := T.Q;
END_FUNCTION_BLOCK
PROGRAM Plant
VAR_INPUT Run : BOOL; Div : DINT := ${faultAt}; END_VAR
VAR_OUTPUT Done : DINT; Sum : DINT; END_VAR
VAR
${Array.from({ length: N }, (_, k) => `U${k} : FB_Count;`).join('\n')}
END_VAR
Done := 0;
${Array.from({ length: N }, (_, k) => `U${k}(Step := ${k}, Run := Run);\nIF U${k}.Q THEN Done := Done + 1000 / (Div - ${k}); END_IF;`).join('\n')}
END_PROGRAM
`;

  function compile(faultAt: number) {
    const u = parseSource(source(faultAt), 'plant.st');
    expect(u.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const r = checkProject([u.unit]);
    return { ...r.checked, diagnostics: r.diagnostics };
  }

  it('loops in the generated code; every instance computes its own values', () => {
    const project = compile(-1);
    expect(VirtualPlc.generatedSource(project, { program: 'Plant' })).toMatch(
      /for\(let \$i=0,\$o=0;\$i<\d+;/,
    );
    const plc = compileProgram(project, { program: 'Plant' });
    plc.set('Run', true);
    expect(plc.scan(5)).toBeNull();
    // scans 0..4 at 0..40 ms: Q from the scan at 30 ms (scan 3); Done sums 1000 / (-1 - k)
    expect(plc.get('U0.Total')).toBe(0);
    expect(plc.get('U7.Total')).toBe(35);
    expect(plc.get('U1099.Total')).toBe(5495);
    expect(plc.get('U1099.Q')).toBe(true);
    let done = 0;
    for (let k = 0; k < N; k++) done += Math.trunc(1000 / (-1 - k));
    expect(plc.get('Done')).toBe(done);
  });

  it('a fault inside the run names the line of the statement that faulted', () => {
    const plc = compileProgram(compile(700), { program: 'Plant' });
    plc.set('Run', true);
    const f = plc.scan(5);
    const line =
      source(700).split('\n').indexOf('IF U700.Q THEN Done := Done + 1000 / (Div - 700); END_IF;') + 1;
    expect(line).toBeGreaterThan(N);
    expect(f).toMatchObject({ code: 'DIV_BY_ZERO', line, scan: 3 });
  });
});

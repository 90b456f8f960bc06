import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { compileProgram } from './virtual-plc';

describe('global namespace operator `.name` in the simulator', () => {
  it('reads and writes the global where a local or an FB member of that name hides it', () => {
    const r = parseSource(
      `{attribute 'gvl_name' := 'GVL'}
VAR_GLOBAL
  g : INT := 7;
  w : INT;
END_VAR
VAR_GLOBAL CONSTANT
  LEN : INT := 4;
END_VAR
FUNCTION_BLOCK FB
VAR g : INT := 100; END_VAR
VAR_OUTPUT o : INT; END_VAR
o := .g + g;
END_FUNCTION_BLOCK
PROGRAM P
VAR
  g : INT := 1;
  w : INT;
  LEN : BOOL;
  fb : FB;
  arr : ARRAY[1...LEN] OF INT;
  a : INT; b : INT; c : INT; n : DINT;
END_VAR
a := .g;
b := g;
.w := 5;
w := 9;
fb();
c := fb.o;
n := UPPER_BOUND(arr, 1);
END_PROGRAM`,
      'g.st',
    );
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([r.unit]);
    expect(plc.scan(1)).toBeNull();
    expect([plc.get('a'), plc.get('b'), plc.get('c'), plc.get('n')]).toEqual([7, 1, 107, 4]);
    expect([plc.get('w'), plc.get('GVL.w')]).toEqual([9, 5]);
  });
});

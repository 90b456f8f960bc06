import { describe, expect, it } from 'vitest';
import { checkProject, parseSource } from '../iec';
import { SIM_FAULT_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** `p[i]` on a POINTER TO T, as CODESYS reads it: the i-th T after the one p points at. */
function plc(body: string, vars: string) {
  const r = checkProject([
    parseSource(`PROGRAM P\nVAR ${vars} END_VAR\n${body}\nEND_PROGRAM\n`, 'ptr.st').unit,
  ]);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram({ ...r.checked, diagnostics: r.diagnostics });
}

const ARRAY =
  'a : ARRAY[0..3] OF LREAL := [1.0, 2.0, 3.0, 4.0]; p : POINTER TO LREAL; x : LREAL; y : LREAL; i : INT := 2;';

describe('indexing a pointer', () => {
  it('reads and writes the elements after the one it points at', () => {
    const p = plc('p := ADR(a[1]); x := p[i]; p[0] := 9.5; y := p[-1];', ARRAY);
    expect(p.scan(1)).toBeNull();
    expect(p.get('x')).toBe(4);
    expect(p.get('a[1]')).toBe(9.5);
    expect(p.get('y')).toBe(1);
  });

  it('a pointer to a whole array points at its first element', () => {
    const p = plc('p := ADR(a); x := p[3];', ARRAY);
    expect(p.scan(1)).toBeNull();
    expect(p.get('x')).toBe(4);
  });

  it('stops the PLC when the index leaves the array, as a[k] does', () => {
    const p = plc('p := ADR(a[2]); x := p[i];', ARRAY);
    expect(p.scan(1)).toMatchObject({
      code: SIM_FAULT_CODES.INDEX_OUT_OF_RANGE,
      line: 3,
      message: expect.stringContaining('element 4 of 4'),
    });
  });

  it('from a variable that is no array element only [0] exists; unbound is NULL_REFERENCE', () => {
    const one = plc('p := ADR(x); p[0] := 2.5; y := p[0];', ARRAY);
    expect(one.scan(1)).toBeNull();
    expect(one.get('y')).toBe(2.5);
    expect(plc('p := ADR(x); y := p[1];', ARRAY).scan(1)).toMatchObject({
      code: SIM_FAULT_CODES.INDEX_OUT_OF_RANGE,
    });
    expect(plc('y := p[1];', ARRAY).scan(1)).toMatchObject({ code: SIM_FAULT_CODES.NULL_REFERENCE });
  });
});

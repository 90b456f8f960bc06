import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SimError } from './sim-errors';
import { compileProgram } from './virtual-plc';

// Public-code sweep 13: TwinCAT and CODESYS let a POU call a PROGRAM by name, as its one
// instance. The simulator does not run that, and said "function Drive (not a standard function
// the simulator knows)", as if the name were unknown. A cell of ours, written for the test.
const CELL = `VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
END_VAR
PROGRAM Drive
run := req;
END_PROGRAM
PROGRAM GuardStop
IF NOT guard THEN
  run := FALSE;
END_IF;
END_PROGRAM
PROGRAM Main
Drive();
GuardStop();
END_PROGRAM
`;

describe('a PROGRAM called from another POU (sweep 13)', () => {
  it('is refused as a program call, naming it and what runs instead', () => {
    const r = parseSource(CELL, 'cell.st');
    expect(r.diagnostics).toEqual([]);
    let error: unknown;
    try {
      compileProgram([r.unit], { program: 'Main' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SimError);
    const e = error as SimError;
    expect(e.code).toBe('SIM_UNSUPPORTED');
    expect(e.message).toMatch(
      /a call of PROGRAM Drive from another POU .* not simulated; run the programs from a CONFIGURATION's task/,
    );
    expect(e.message).not.toMatch(/standard function/);
    expect(e.location).toMatchObject({ line: 15, column: 1 });
  });
});

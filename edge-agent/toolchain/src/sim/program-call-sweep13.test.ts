import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { compileProgram } from './virtual-plc';

// Public-code sweep 13: TwinCAT and CODESYS let a POU call a PROGRAM by name, as its one
// instance. The simulator first said "function Drive (not a standard function the simulator
// knows)", then refused the call by name; since decision 0094 it runs it (program-calls.test.ts
// has the semantics). A cell of ours, written for the test.
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
  it('runs the called programs in order, each as its one instance', () => {
    const r = parseSource(CELL, 'cell.st');
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([r.unit], { program: 'Main' });
    plc.set('req', true);
    plc.set('guard', true);
    plc.scan();
    expect(plc.fault).toBeNull();
    expect(plc.get('run')).toBe(true);
    // GuardStop runs after Drive: without the guard the output is off at the end of the scan
    plc.set('guard', false);
    plc.scan();
    expect(plc.get('run')).toBe(false);
  });
});

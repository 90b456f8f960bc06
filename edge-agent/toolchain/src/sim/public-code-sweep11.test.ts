import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SimError } from './sim-errors';
import { compileProgram } from './virtual-plc';

/** The SimError compileProgram throws for one ST text, or undefined when it compiles. */
function refusalOf(text: string): SimError | undefined {
  const r = parseSource(text, 'sweep11.st');
  try {
    compileProgram([r.unit]);
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  return undefined;
}

// Forms met in public code (public-code sweep 11); each program here is written for the test.
describe('forms of public code in the simulator (sweep 11)', () => {
  // An OpenPLC project (two programs, one CONFIGURATION) declares VAR_EXTERNALs no VAR_GLOBAL
  // backs. MATIEC refuses it ("The external variable does not match with any global
  // variable"); the simulator said "internal: no memory slot", as if it were its own defect.
  it('refuses a VAR_EXTERNAL that names no global, naming the variable', () => {
    const e = refusalOf(`PROGRAM Lamps
VAR_EXTERNAL door_closed : BOOL; END_VAR
VAR_OUTPUT lamp : BOOL; END_VAR
lamp := door_closed;
END_PROGRAM`);
    expect(e?.code).toBe('SIM_UNKNOWN_NAME');
    expect(e?.message).toMatch(/VAR_EXTERNAL 'door_closed' names no VAR_GLOBAL/);
    expect(e?.message).not.toMatch(/internal/);
    expect(e?.location).toMatchObject({ line: 4, column: 9 });
  });

  it('still runs a VAR_EXTERNAL that a CONFIGURATION global backs', () => {
    const r = parseSource(
      `PROGRAM Lamps
VAR_EXTERNAL door_closed : BOOL; END_VAR
VAR_OUTPUT lamp : BOOL; END_VAR
lamp := NOT door_closed;
END_PROGRAM
CONFIGURATION Cell
  VAR_GLOBAL door_closed : BOOL := TRUE; END_VAR
  RESOURCE R ON PLC
    TASK T (INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM L WITH T : Lamps;
  END_RESOURCE
END_CONFIGURATION`,
      'sweep11.st',
    );
    expect(r.diagnostics).toEqual([]);
    const plc = compileProgram([r.unit]);
    expect(plc.scan(10)).toBeNull();
    expect(plc.get('L.lamp')).toBe(false);
  });
});

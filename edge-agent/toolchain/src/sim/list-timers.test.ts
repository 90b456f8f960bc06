import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { compileProgram } from './virtual-plc';

const SRC = `FUNCTION_BLOCK Unit
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Done : BOOL; END_VAR
VAR Delay : TON; Off : TOF; END_VAR
Delay(IN := Run, PT := T#250ms);
Off(IN := Run, PT := T#40ms);
Done := Delay.Q;
END_FUNCTION_BLOCK

FUNCTION_BLOCK Cell
VAR Inner : Unit; END_VAR
Inner(Run := TRUE);
END_FUNCTION_BLOCK

PROGRAM Main
VAR_INPUT Go : BOOL; END_VAR
VAR_OUTPUT Ready : BOOL; END_VAR
VAR
  T1 : TON;
  U : Unit;
  Units : ARRAY[1..2] OF Unit;
  C : Cell;
  Pulse : TP;
  Count : CTU;
END_VAR
T1(IN := Go, PT := T#100ms);
U(Run := Go);
Units[2](Run := TRUE);
C();
Pulse(IN := FALSE, PT := T#5ms);
Ready := U.Done;
END_PROGRAM
`;

describe('VirtualPlc.listTimers', () => {
  it('lists the standard timers of the program and inside FB instances, with IN and PT now', () => {
    const r = parseSource(SRC, 'timers.st');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plc = compileProgram({ units: [r.unit] });
    plc.set('Go', true);
    plc.scan();
    const byPath = Object.fromEntries(plc.listTimers().map((t) => [t.path, t]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'T1',
        'U.Delay',
        'U.Off',
        'Units[1].Delay',
        'Units[1].Off',
        'Units[2].Delay',
        'Units[2].Off',
        'C.Inner.Delay',
        'C.Inner.Off',
        'Pulse',
      ].sort(),
    );
    expect(byPath['T1']).toEqual({ path: 'T1', type: 'TON', in: true, pt: 100 });
    expect(byPath['U.Delay']).toEqual({ path: 'U.Delay', type: 'TON', in: true, pt: 250 });
    expect(byPath['Units[1].Delay']).toMatchObject({ in: false, pt: 0 }); // never called
    expect(byPath['C.Inner.Off']).toEqual({ path: 'C.Inner.Off', type: 'TOF', in: true, pt: 40 });
    expect(byPath['Pulse']).toMatchObject({ type: 'TP', in: false, pt: 5 });
    // each path reads back through get
    expect(plc.get('C.Inner.Delay.PT')).toBe(250);
  });
});

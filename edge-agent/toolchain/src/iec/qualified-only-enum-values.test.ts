/**
 * Bare names and the values of `{attribute 'qualified_only'}` enumerations. TwinCAT writes such a
 * value `E.value` only, so a bare name is not it. Public pcdshub/lcls-twincat-motion calls TcUnit's
 * `TEST('…')` beside its own `E_…Error.TEST` (qualified_only): 90 false "'TEST' cannot be called";
 * lcls-plc-sample-delivery-system assigns a bare `Init` of a plain enumeration while a qualified_only
 * one, read first, also has an `Init`.
 */
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import { checkProject } from './checker';
import { parseSource } from './parser';

const ENUMS = `{attribute 'qualified_only'}
TYPE E_Fault :
(
    Init := 0,
    Probe := 16#FFFF
) UDINT;
END_TYPE
TYPE E_Phase :
(
    Idle := 1,
    Init := 10
);
END_TYPE
`;

const units = (main: string) =>
  [ENUMS, main].map((s, i) => {
    const r = parseSource(s, `f${i}.st`, { format: 'twincat' });
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });

describe('bare names beside values of a qualified_only enumeration', () => {
  it('are not its values: a bare name is a library name when the enumeration is the only holder', () => {
    const r = checkProject(
      units("PROGRAM MAIN\nVAR n : UDINT; END_VAR\nProbe('first');\nn := E_Fault.Probe;\nEND_PROGRAM\n"),
      { libraryReferences: [{ name: 'TcUnit' }] },
    );
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['ST2017', expect.stringContaining("'Probe' comes from vendor library TcUnit")],
    ]);
  });

  const main =
    'PROGRAM MAIN\nVAR e : E_Phase; f : E_Fault; i : DINT; END_VAR\ne := Init;\ni := Init;\nf := E_Fault.Init;\nEND_PROGRAM\n';

  it("are another enumeration's value", () => {
    expect(checkProject(units(main)).diagnostics).toEqual([]);
  });

  // before: the simulator picked a bare value itself (the wanted type's, else the first
  // declared), and `i := Init` ran as E_Fault.Init (0); now it takes the checker's binding
  it("run with that enumeration's value", () => {
    const plc = compileProgram(units(main));
    plc.scan(1);
    expect(plc.get('MAIN.i')).toBe(10);
  });
});

/**
 * A VAR_EXTERNAL must match a VAR_GLOBAL (request h1-h2-02; IEC 61131-3 §6.5.2.2). An OpenPLC
 * project whose programs declared 40 externals no global list backed checked clean; MATIEC
 * refuses it ("The external variable does not match with any global variable").
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { parseSource } from './parser';

const PROGRAM = `PROGRAM P
VAR_EXTERNAL
  lamp_ok : BOOL;
  nCount : INT;
END_VAR
VAR_OUTPUT
  q : BOOL;
END_VAR
  q := lamp_ok AND nCount > 0;
END_PROGRAM
`;

function check(...texts: string[]): [string, number, number, string][] {
  const units = texts.map((t, i) => {
    const r = parseSource(t, `u${i}.st`);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  return checkProject(units).diagnostics.map((d) => [d.code, d.line, d.column, d.message]);
}

const configuration = (globals: string) => `CONFIGURATION C
${globals}  RESOURCE R ON PLC
    TASK t(INTERVAL := T#10ms, PRIORITY := 0);
    PROGRAM i WITH t : P;
  END_RESOURCE
END_CONFIGURATION
`;

describe('VAR_EXTERNAL and the globals of the project', () => {
  it('refuses an external that no VAR_GLOBAL of the configuration declares, at its name', () => {
    expect(check(PROGRAM, configuration(''))).toEqual([
      ['ST2034', 3, 3, "VAR_EXTERNAL 'lamp_ok' matches no VAR_GLOBAL of the project"],
      ['ST2034', 4, 3, "VAR_EXTERNAL 'nCount' matches no VAR_GLOBAL of the project"],
    ]);
  });

  it('accepts externals that the configuration, a resource or a global list declares', () => {
    expect(
      check(PROGRAM, configuration('  VAR_GLOBAL\n    LAMP_OK : BOOL;\n    nCount : INT;\n  END_VAR\n')),
    ).toEqual([]);
    expect(
      check(PROGRAM, configuration(''), 'VAR_GLOBAL\n  lamp_ok : BOOL;\nEND_VAR\n').map((d) => d.slice(0, 2)),
    ).toEqual([['ST2034', 4]]);
  });

  it('leaves a POU checked apart from its project (no globals, no configuration) as it was', () => {
    expect(check(PROGRAM)).toEqual([]);
  });
});

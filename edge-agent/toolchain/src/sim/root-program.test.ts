/**
 * With no CONFIGURATION and no task file, a project of several PROGRAMs where exactly one is
 * called by no other POU runs that one (its sub-programs run where it calls them, decision 0094),
 * as a TwinCAT MAIN does; two or more uncalled programs still need `--program`, named.
 */
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SimError } from './sim-errors';
import { VirtualPlc } from './virtual-plc';

const units = (src: string) => {
  const r = parseSource(src, 'p.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [r.unit];
};

const SUB = `PROGRAM PRG_Count
VAR_OUTPUT n : INT; END_VAR
n := n + 1;
END_PROGRAM
`;

describe('the program a project without a configuration runs', () => {
  it('is the one program no POU calls', () => {
    const plc = new VirtualPlc({
      units: units(`${SUB}PROGRAM MAIN
VAR_OUTPUT total : INT; END_VAR
PRG_Count();
total := PRG_Count.n * 10;
END_PROGRAM
`),
    });
    plc.scan(3);
    expect(plc.get('total')).toBe(30);
    expect(plc.programs.map((p) => p.program)).toEqual(['MAIN']);
  });

  it('is asked for when two programs are called by none, naming them', () => {
    const run = () =>
      new VirtualPlc({
        units: units(`${SUB}PROGRAM PRG_Other
VAR_OUTPUT m : INT; END_VAR
m := m + 2;
END_PROGRAM
`),
      });
    expect(run).toThrow(SimError);
    expect(run).toThrow(
      'several programs (PRG_Count, PRG_Other) and no CONFIGURATION or task file: choose one with --program',
    );
  });
});

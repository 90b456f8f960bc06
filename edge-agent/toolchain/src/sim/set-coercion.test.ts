import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { parseScenarioFile, runScenarioFile } from './scenario';
import { SIM_ERROR_CODES } from './sim-errors';
import { compileProgram } from './virtual-plc';

const SRC = `TYPE E_Mode : (Off := 0, Auto := 1, Hand := 2); END_TYPE
PROGRAM Main
VAR_INPUT
  Count : INT; Level : UINT; Total : DINT; Big : LINT; Flag : BOOL; Ratio : REAL;
  Delay : TIME; Name : STRING(4); Mode : E_Mode;
END_VAR
VAR_OUTPUT Twice : INT; END_VAR
Twice := Count * 2;
END_PROGRAM
`;

function plc() {
  const r = parseSource(SRC, 'coerce.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram([r.unit]);
}

const badInput = (message: string) => expect.objectContaining({ code: SIM_ERROR_CODES.BAD_INPUT, message });

describe('VirtualPlc.set: values a type cannot hold (ADR 0155)', () => {
  it('by default converts a number as a PLC stores it: wraps, truncates, cuts (differential proofs rely on it)', () => {
    const p = plc();
    p.set('Count', 70000);
    expect(p.get('Count')).toBe(4464);
    p.set('Level', -1);
    expect(p.get('Level')).toBe(65535);
    p.set('Total', 2.7);
    expect(p.get('Total')).toBe(2);
    p.set('Flag', 2);
    expect(p.get('Flag')).toBe(true);
    p.set('Name', 'Pump7');
    expect(p.get('Name')).toBe('Pump');
  });

  it('with exact, refuses each naming the variable, the type and the value', () => {
    const p = plc();
    const exact = { exact: true };
    expect(() => p.set('Count', 70000, exact)).toThrow(
      badInput('Count: 70000 is not a value of INT (-32768..32767)'),
    );
    expect(() => p.set('Level', -1, exact)).toThrow(badInput('Level: -1 is not a value of UINT (0..65535)'));
    expect(() => p.set('Total', 2.5, exact)).toThrow(
      badInput('Total: 2.5 is not a value of DINT (not a whole number)'),
    );
    expect(() => p.set('Big', 2n ** 63n, exact)).toThrow(
      badInput('Big: 9223372036854775808 is not a value of LINT (-9223372036854775808..9223372036854775807)'),
    );
    expect(() => p.set('Flag', 2, exact)).toThrow(
      badInput('Flag: 2 is not a value of BOOL (TRUE, FALSE, 1 or 0)'),
    );
    expect(() => p.set('Count', true, exact)).toThrow(badInput('Count: true is not a value of INT'));
    expect(() => p.set('Name', 'Pump7', exact)).toThrow(
      badInput('Name: "Pump7" is not a value of STRING(4) (5 characters)'),
    );
    expect(() => p.set('Mode', 7, exact)).toThrow(badInput('Mode: 7 is not a value of E_Mode'));
    expect(() => p.set('Delay', 1.5, exact)).toThrow(
      badInput('Delay: 1.5 is not a value of TIME (not a whole number of ms)'),
    );
    expect(() => p.force('Count', -40000, exact)).toThrow(
      badInput('Count: -40000 is not a value of INT (-32768..32767)'),
    );
    // nothing was written
    expect([p.get('Count'), p.get('Level'), p.get('Flag'), p.get('Name')]).toEqual([0, 0, false, '']);
  });

  it('with exact, takes every value that fits, at the limits and in the spellings a wire or a file gives', () => {
    const p = plc();
    const exact = { exact: true };
    p.set('Count', -32768, exact);
    p.set('Level', '65535', exact);
    p.set('Big', -(2n ** 63n), exact);
    p.set('Flag', 1, exact);
    p.set('Ratio', Number.NaN, exact); // a live REAL may be NaN
    p.set('Delay', 250, exact);
    p.set('Name', 'Pump', exact);
    p.set('Mode', 2, exact);
    expect([
      p.get('Count'),
      p.get('Level'),
      p.get('Big'),
      p.get('Flag'),
      p.get('Delay'),
      p.get('Mode'),
    ]).toEqual([-32768, 65535, -(2n ** 63n), true, 250, 'Hand']);
    expect(p.get('Ratio')).toBeNaN();
  });

  it('always refuses a value of the wrong kind, which was silently 0 or FALSE', () => {
    const p = plc();
    p.set('Count', 5);
    expect(() => p.set('Count', 'abc')).toThrow(
      badInput('Count: "abc" is not a value of INT (not a number)'),
    );
    expect(() => p.set('Count', '')).toThrow(badInput('Count: "" is not a value of INT (not a number)'));
    expect(() => p.set('Total', Number.NaN)).toThrow(
      badInput('Total: NaN is not a value of DINT (not a number)'),
    );
    expect(() => p.set('Count', { x: 1 })).toThrow(badInput('Count: an object is not a value of INT'));
    expect(() => p.set('Flag', 'yes')).toThrow(badInput('Flag: "yes" is not a value of BOOL'));
    expect(() => p.set('Ratio', 'fast')).toThrow(
      badInput('Ratio: "fast" is not a value of REAL (not a number)'),
    );
    expect(() => p.set('Delay', '1 s')).toThrow(
      badInput('Delay: "1 s" is not a value of TIME (give ms, or a duration: T#1s, TIME#1m30s, 1s, 250ms)'),
    );
    expect(p.get('Count')).toBe(5);
    p.set('Flag', ' true ');
    expect(p.get('Flag')).toBe(true);
  });

  it('a TIME is given in ms or as an IEC duration; a form read two ways is refused (was: "1s" refused)', () => {
    const p = plc();
    const given: [string | number, number][] = [
      [1500, 1500],
      ['1500', 1500],
      ['T#1s', 1000],
      ['t#1m30s', 90_000],
      ['TIME#-250ms', -250],
      ['1s', 1000],
      ['250ms', 250],
      ['1h_2m', 3_720_000],
      ['T#1.5s', 1500],
    ];
    for (const [v, ms] of given) {
      p.set('Delay', v, { exact: true });
      expect([v, p.get('Delay')]).toEqual([v, ms]);
    }
    for (const v of ['1 s', '1sec', '1s1m', '1.5s200ms', 'LTIME#1s', 'T#', '#1s', 's']) {
      expect(() => p.set('Delay', v)).toThrow(
        badInput(
          `Delay: ${JSON.stringify(v)} is not a value of TIME (give ms, or a duration: T#1s, TIME#1m30s, 1s, 250ms)`,
        ),
      );
    }
  });

  it('an LTIME takes LT#, LTIME# and the TIME forms, held as ns', () => {
    const r = parseSource('PROGRAM L\nVAR_INPUT d : LTIME; END_VAR\nEND_PROGRAM\n', 'l.st');
    const p = compileProgram([r.unit]);
    for (const [v, ns] of [
      ['LT#1s', 1_000_000_000n],
      ['LTIME#1ms', 1_000_000n],
      ['T#2s', 2_000_000_000n],
      ['1us', 1000n],
      [5, 5_000_000n],
    ] as const) {
      p.set('d', v, { exact: true });
      expect([v, p.get('d')]).toEqual([v, ns]);
    }
    expect(() => p.set('d', '1 us')).toThrow(
      badInput(
        'd: "1 us" is not a value of LTIME (give ms, or a duration: LT#1s, LTIME#1m30s, T#1s, 1s, 250ms)',
      ),
    );
  });

  it('a scenario sets exactly: a value out of its variable’s range is the scenario’s error', () => {
    const r = parseSource(SRC, 'coerce.st');
    const file = parseScenarioFile(
      'scenarios:\n  - name: overfill\n    steps:\n      - { at: 0ms, set: { Count: 40000 } }\n      - { at: 10ms, expect: { Twice: 14464 } }\n',
      'overfill.yaml',
    );
    expect(() => runScenarioFile([r.unit], file)).toThrow(
      badInput('Count: 40000 is not a value of INT (-32768..32767)'),
    );
  });
});

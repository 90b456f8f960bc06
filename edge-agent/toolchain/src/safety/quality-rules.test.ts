import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const BEFORE = `PROGRAM Calc
VAR_OUTPUT
    Result : REAL;
END_VAR
Result := 1.0;
END_PROGRAM
`;

const AFTER = `FUNCTION Fact : DINT
VAR_INPUT
    N : DINT;
END_VAR
IF N <= 1 THEN
    Fact := 1;
ELSE
    Fact := N * Fact2(N - 1);
END_IF;
END_FUNCTION

FUNCTION Fact2 : DINT
VAR_INPUT
    N : DINT;
END_VAR
Fact2 := Fact(N);
END_FUNCTION

PROGRAM Calc
VAR_OUTPUT
    Result : REAL;
    Same : BOOL;
    Step : INT;
END_VAR
VAR
    Divisor : REAL;
    I : INT;
    Sum : INT;
END_VAR
VAR_TEMP
    Pulse : TON;
    Scratch : INT;
END_VAR
Sum := Scratch + 1;
Result := 10.0 / Divisor;
Same := Result = 2.5;
FOR I := 1 TO 10 DO
    I := I + 1;
END_FOR;
CASE Step OF
    0: Step := 1;
    1: Step := 0;
END_CASE;
Pulse(IN := TRUE, PT := T#1S);
Sum := DINT_TO_INT(Fact(3));
RETURN;
Step := 5;
END_PROGRAM
`;

describe('quality rules', () => {
  it('report the PLCopen classics on changed POUs as warnings only', async () => {
    const r = await verifySafety({
      before: stProject({ 'calc.st': BEFORE }),
      after: stProject({ 'calc.st': AFTER }),
      policy: testPolicy({}),
      mode: 'quick',
    });
    expect(r.verdict).toBe('pass');
    const rules = new Set(r.findings.map((f) => f.rule));
    for (const rule of [
      'quality/unreachable-code',
      'quality/use-before-init',
      'quality/real-equality',
      'quality/recursion',
      'quality/for-variable-modified',
      'quality/case-without-else',
      'quality/timer-in-temp',
      'quality/division-by-zero',
    ])
      expect(rules.has(rule), rule).toBe(true);
    expect(r.findings.every((f) => f.category === 'quality' && f.severity === 'warning')).toBe(true);
    expect(r.findings.find((f) => f.rule === 'quality/real-equality')?.message).toContain('CP8');
    expect(r.findings.find((f) => f.rule === 'quality/unreachable-code')?.line).toBe(47);
  });

  it('stay silent on a clean change', async () => {
    const r = await verifySafety({
      before: stProject({ 'calc.st': BEFORE }),
      after: stProject({ 'calc.st': BEFORE.replace('Result := 1.0;', 'Result := 2.0;') }),
      policy: testPolicy({}),
      mode: 'quick',
    });
    expect(r.findings).toEqual([]);
  });
});

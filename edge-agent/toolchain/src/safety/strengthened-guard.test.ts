/**
 * forcing/constant-assignment on a write that keeps its guard and only gains conjuncts: the
 * start became harder (`IF PB1 THEN` → `IF PB1 AND NOT PB2 THEN`), nothing was assigned anew
 * (tester, public extralsc/openPLC_watertank shape). A weaker guard, or an ELSE branch whose
 * IF condition was strengthened (it then runs more often), still counts.
 */
import { describe, expect, it } from 'vitest';
import { projectFromSources } from './safety-project';
import { testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const program = (body: string) => `PROGRAM LatchLogic
VAR_INPUT
  PB1 : BOOL;
  PB2 : BOOL;
  TANK_FULL : BOOL;
END_VAR
VAR_OUTPUT
  PUMP : BOOL;
END_VAR
${body}
END_PROGRAM
`;
const OLD =
  'IF NOT TANK_FULL THEN\n  IF PB1 THEN\n    PUMP := TRUE;\n  END_IF;\nELSE\n  PUMP := FALSE;\nEND_IF;';

async function constantFindings(after: string): Promise<string[]> {
  const r = await verifySafety({
    before: projectFromSources({ 'p.st': program(OLD) }),
    after: projectFromSources({ 'p.st': program(after) }),
    policy: testPolicy({ permissives: ['PUMP'] }),
    mode: 'quick',
  });
  return r.findings.filter((f) => f.rule === 'forcing/constant-assignment').map((f) => f.message);
}

describe('a constant write whose guard is strengthened', () => {
  it('is no forced constant', async () => {
    expect(await constantFindings(OLD.replace('IF PB1 THEN', 'IF PB1 AND NOT PB2 THEN'))).toEqual([]);
    expect(await constantFindings(OLD.replace('IF PB1 THEN', 'IF (NOT PB2 AND PB1) THEN'))).toEqual([]);
  });

  it('is one when the guard is weakened or the write moves to a branch that runs more often', async () => {
    expect(await constantFindings(OLD.replace('IF PB1 THEN', 'IF PB1 OR PB2 THEN'))).toHaveLength(1);
    const elseTrue = 'IF NOT TANK_FULL AND PB2 THEN\n  PUMP := FALSE;\nELSE\n  PUMP := TRUE;\nEND_IF;';
    const before = 'IF NOT TANK_FULL THEN\n  PUMP := FALSE;\nELSE\n  PUMP := TRUE;\nEND_IF;';
    const r = await verifySafety({
      before: projectFromSources({ 'p.st': program(before) }),
      after: projectFromSources({ 'p.st': program(elseTrue) }),
      policy: testPolicy({ permissives: ['PUMP'] }),
      mode: 'quick',
    });
    expect(r.findings.map((f) => f.rule)).toContain('forcing/constant-assignment');
  });
});

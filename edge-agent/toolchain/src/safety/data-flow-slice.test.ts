import { describe, expect, it } from 'vitest';
import { backwardSlice } from './data-flow-slice';
import { resolvePolicy, resolveSignalName } from './policy-resolution';
import { stIndex, testPolicy } from './test-helpers';

const SOURCES = {
  'gvl.st': `VAR_GLOBAL
    Door AT %IX0.0 : BOOL;
    Lock AT %IX0.1 : BOOL;
    Lamp AT %QX0.0 : BOOL;
    Zone_OK : BOOL;
END_VAR
`,
  'mon.st': `FUNCTION_BLOCK Mon
VAR_INPUT
    A : BOOL;
    Unused : BOOL;
    Delay : TIME := T#200MS;
END_VAR
VAR_OUTPUT
    OK : BOOL;
END_VAR
VAR
    T1 : TON;
END_VAR
T1(IN := A, PT := Delay);
OK := T1.Q;
END_FUNCTION_BLOCK
`,
  'zone.st': `PROGRAM Zone
VAR_OUTPUT
    Permit : BOOL;
    Counter : INT;
END_VAR
VAR
    M : Mon;
END_VAR
VAR CONSTANT
    LIMIT : INT := 10;
END_VAR
M(A := Door AND Lock, Unused := Lamp);
Zone_OK := M.OK;
IF Counter < LIMIT THEN
    Permit := Zone_OK;
END_IF;
Counter := Counter + 1;
Lamp := NOT Zone_OK;
END_PROGRAM
`,
  'other.st': `PROGRAM Other
VAR_OUTPUT
    Ready : BOOL;
END_VAR
Ready := Zone_OK AND Door;
END_PROGRAM
`,
};

describe('backward slice', () => {
  const ix = stIndex(SOURCES);
  const slice = backwardSlice(ix, ['zone::permit']);

  it('follows writes, conditions, constants, FB instances and their parameters', () => {
    for (const k of [
      'global::zone_ok',
      'global::door',
      'global::lock',
      'zone::m',
      'zone::counter',
      'zone::limit',
      'mon::delay',
      'mon::t1',
    ])
      expect(slice.vars.has(k), k).toBe(true);
    expect(slice.pous.has('mon')).toBe(true);
  });

  it('leaves out what cannot influence the criterion', () => {
    expect(slice.vars.has('other::ready')).toBe(false);
    // inside the FB, an input that no output depends on is left out
    expect(slice.vars.has('mon::unused')).toBe(false);
    const lines = [...slice.statements].map((s) => `${s.span.file}:${s.span.line}`);
    expect(lines).not.toContain('other.st:5');
    expect(lines).toContain('zone.st:14');
    expect(lines).toContain('zone.st:17');
  });
});

describe('policy resolution', () => {
  const ix = stIndex(SOURCES);

  it('matches names case-insensitively, globals first, PROGRAM.var exactly', () => {
    expect(resolveSignalName(ix, 'zone_ok').map((v) => v.key)).toEqual(['global::zone_ok']);
    expect(resolveSignalName(ix, 'PERMIT').map((v) => v.key)).toEqual(['zone::permit']);
    expect(resolveSignalName(ix, 'Zone.Counter').map((v) => v.key)).toEqual(['zone::counter']);
    expect(resolveSignalName(ix, 'Other.Permit')).toEqual([]);
  });

  it('reports names that resolve to nothing', () => {
    const r = resolvePolicy(
      ix,
      testPolicy({ safetySignals: ['Zone_OK', 'Guard_Closed'], certifiedPous: [{ name: 'Nope' }] }),
    );
    expect(r.unresolved).toEqual([{ name: 'Guard_Closed', role: 'safety' }]);
    expect(r.unresolvedPous).toEqual(['Nope']);
  });
});

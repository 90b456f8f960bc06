/**
 * The arguments of an FB instance's declaration, `fb : FB_X(a, p := b)`, are a call of FB_X's
 * FB_init without its first two inputs (request h1-h2-04; Beckhoff, "FB_init": bInitRetains and
 * bInCopyCode are set by the runtime, the additional inputs when declaring an instance).
 */
import { describe, expect, it } from 'vitest';
import type { Expression } from './ast';
import { checkProject } from './checker';
import { parseSource } from './parser';

const LIMIT = `FUNCTION_BLOCK FB_Limit
VAR_OUTPUT nMax : INT; END_VAR
METHOD FB_init : BOOL
VAR_INPUT bInitRetains : BOOL; bInCopyCode : BOOL; nLimit : INT; END_VAR
nMax := nLimit;
FB_init := TRUE;
END_METHOD
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Derived EXTENDS FB_Limit
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Plain
VAR_OUTPUT q : BOOL; END_VAR
END_FUNCTION_BLOCK
`;

function check(vars: string) {
  const text = `${LIMIT}PROGRAM Main
VAR CONSTANT nLim : INT := 4; END_VAR
VAR
${vars}
END_VAR
END_PROGRAM
`;
  const { unit, diagnostics } = parseSource(text, 'main.st');
  expect(diagnostics).toEqual([]);
  return checkProject([unit]);
}

describe('FB_init arguments of a declaration', () => {
  it('binds the names they use and accepts what FB_init takes, inherited too', () => {
    const r = check(`  a : FB_Limit(nLim);
  b : FB_Limit(nLimit := nLim + 1);
  c : FB_Derived(nLim);
  d : ARRAY[1..2] OF FB_Limit[(nLim), (nLimit := 2)];`);
    expect(r.diagnostics).toEqual([]);
    const bound = [...r.checked.references.keys()].filter(
      (e: Expression) => e.kind === 'Identifier' && e.name === 'nLim',
    );
    expect(bound).toHaveLength(4);
  });

  it('refuses an unknown parameter, a wrong type, too many arguments and arguments without FB_init', () => {
    const r = check(`  c : FB_Limit(nLimt := 1);
  d : FB_Limit(TRUE);
  e : FB_Limit(1, 2);
  f : FB_Plain(nLim);`);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['ST2008', 17, "'FB_Limit.FB_init' has no parameter 'nLimt'"],
      ['ST2004', 18, 'cannot assign BOOL to INT (nLimit)'],
      ['ST2010', 19, "'FB_Limit.FB_init' takes 1 argument(s) but got 2"],
      ['ST2010', 20, "'FB_Plain.FB_init' takes 0 argument(s) but got 1"],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { semanticHash } from './certified-rules';
import { stProject } from './test-helpers';

const FB = `FUNCTION_BLOCK Guard
VAR_INPUT
    A : BOOL;
    B : BOOL;
END_VAR
VAR_OUTPUT
    OK : BOOL;
END_VAR
VAR
    T1 : TON;
END_VAR
T1(IN := A AND B, PT := T#1S);
OK := T1.Q AND (A);
END_FUNCTION_BLOCK
`;

function hash(text: string): string | undefined {
  return semanticHash(stProject({ 'guard.st': text }), 'GUARD');
}

describe('semantic hash', () => {
  it('ignores pragmas and attributes (a POU, a declaration, a statement)', () => {
    const annotated = FB.replace('FUNCTION_BLOCK Guard', "{attribute 'reflection'}\nFUNCTION_BLOCK Guard")
      .replace('    A : BOOL;', "    {attribute 'hide'}\n    A : BOOL;")
      .replace('OK := T1.Q AND (A);', "{warning 'review the guard timing'}\nOK := T1.Q AND (A);");
    expect(annotated).not.toBe(FB);
    expect(hash(annotated)).toBe(hash(FB));
    expect(hash(FB.replace('T#1S', 'T#2S'))).not.toBe(hash(FB));
  });

  it('ignores comments, layout, letter case, parentheses and literal spelling', () => {
    const same = `(* certified *)
function_block guard
var_input a : BOOL; b : BOOL; END_VAR
VAR_OUTPUT ok : BOOL; END_VAR   // outputs
VAR t1 : TON; END_VAR
t1(IN := a AND b,
   PT := T#1000ms);
ok := t1.q AND a;
END_FUNCTION_BLOCK`;
    expect(hash(same)).toBe(hash(FB));
    expect(hash(FB)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any change of behaviour', () => {
    expect(hash(FB.replace('T#1S', 'T#2S'))).not.toBe(hash(FB));
    expect(hash(FB.replace('A AND B', 'A OR B'))).not.toBe(hash(FB));
    expect(hash(FB.replace('T1 : TON', 'T1 : TOF'))).not.toBe(hash(FB));
    expect(hash(FB.replace('OK := T1.Q AND (A);', 'OK := T1.Q;'))).not.toBe(hash(FB));
  });

  it('is undefined for a POU that does not exist', () => {
    expect(semanticHash(stProject({ 'guard.st': FB }), 'Other')).toBeUndefined();
  });
});

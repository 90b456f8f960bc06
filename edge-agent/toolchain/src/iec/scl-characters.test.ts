/**
 * Characters of Siemens SCL (request h1-h2-03). TIA Portal ("STRING" data type): `#s[2]` is the
 * second character of a STRING, a CHAR (of a WSTRING a WCHAR), and a character constant is
 * written in quotes like a one-character string. CODESYS and TwinCAT keep BYTE/WORD for `s[i]`.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { readSource } from './project';

const FB = (body: string) => `FUNCTION_BLOCK "CharTest"
{ S7_Optimized_Access := 'TRUE' }
VERSION : 0.1
   VAR_INPUT
      str : String[8];
      c : Char;
      w : WString[4];
   END_VAR
   VAR_OUTPUT
      isDigit : Bool;
      d2 : Bool;
      ch : Char;
      wc : WChar;
      s : String[4];
      b : Byte;
   END_VAR
BEGIN
${body}
END_FUNCTION_BLOCK
`;

function check(file: string, text: string): [string, number, string][] {
  const r = readSource(text, file);
  expect(r.diagnostics).toEqual([]);
  return checkProject([r.unit]).diagnostics.map((d) => [d.code, d.line, d.message]);
}

describe('SCL characters', () => {
  it('reads a STRING element as a CHAR and a quoted character as a CHAR beside one', () => {
    expect(
      check(
        'chars.scl',
        FB(`	#isDigit := #c >= '0' AND #c <= '9';
	#ch := #str[1];
	#d2 := #str[2] >= '0' OR '0' = #c;
	#ch := 'A';
	#wc := #w[1];
	#s := 'A';`),
      ),
    ).toEqual([]);
  });

  it('still refuses a string of two characters as a CHAR', () => {
    expect(
      check(
        'chars.scl',
        FB(`	#ch := 'AB';
	#d2 := #c = 'AB';`),
      ).map((d) => d.slice(0, 2)),
    ).toEqual([
      ['ST2004', 18],
      ['ST2005', 19],
    ]);
  });

  it('keeps BYTE for a STRING element in CODESYS-style ST', () => {
    const st = `FUNCTION_BLOCK FB
VAR_INPUT str : STRING[8]; END_VAR
VAR_OUTPUT b : BYTE; c : CHAR; END_VAR
b := str[1];
c := 'A';
END_FUNCTION_BLOCK
`;
    expect(check('fb.st', st).map((d) => d[0])).toEqual(['ST2004']);
  });
});

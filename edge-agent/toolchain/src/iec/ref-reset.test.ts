/**
 * `r REF= 0` resets a reference in TwinCAT (request h1-h2-05, part 2): TwinCAT.OpenFramework's
 * libraries do it, and Beckhoff's REFERENCE page says a reference is initialised with 0 and can
 * be invalid (0). Plain ST keeps refusing an integer bound to a reference.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from './checker';
import { readSource } from './project';

const BODY = `r REF= t;
r REF= 0;
r REF= 1;`;

const POU = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4026.12">
  <POU Name="FB_Holder" Id="{4c2e8a17-63b0-4f5d-9e21-0d7a5b3c8f64}" SpecialFunc="None">
    <Declaration><![CDATA[FUNCTION_BLOCK FB_Holder
VAR
	t : TON;
	r : REFERENCE TO TON;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[${BODY}]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;

const ST = `FUNCTION_BLOCK FB_Holder
VAR
  t : TON;
  r : REFERENCE TO TON;
END_VAR
${BODY}
END_FUNCTION_BLOCK
`;

function codes(file: string, text: string): [string, number][] {
  const r = readSource(text, file);
  expect(r.diagnostics).toEqual([]);
  return checkProject([r.unit]).diagnostics.map((d) => [d.code, d.line]);
}

describe('REF= 0', () => {
  it('resets a reference in TwinCAT; another integer is still refused', () => {
    expect(codes('FB_Holder.TcPOU', POU)).toEqual([['ST2004', 13]]);
  });
  it('is refused in plain ST like any integer', () => {
    expect(codes('holder.st', ST)).toEqual([
      ['ST2004', 7],
      ['ST2004', 8],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

// Public-code sweep 11: on a TwinCAT FB in ladder (a network list) whose NC contact was made NO,
// the finding quoted the XML of the network for both versions, cut at 160 characters, so the old
// and the new text read the same and nobody could see what had changed. A statement read from a
// graphical body is now quoted as the ST it was read as. The program below is ours.

/** A PLCopen LD program: Permit := Guard AND NOT Tripped (the trip contact `negated`). */
function gateLadder(tripNegated: boolean): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201">
  <fileHeader companyName="plcfleet tests" productName="sweep11" productVersion="1" creationDateTime="2026-12-07T00:00:00" />
  <contentHeader name="Gate">
    <coordinateInfo>
      <fbd><scaling x="1" y="1" /></fbd>
      <ld><scaling x="1" y="1" /></ld>
      <sfc><scaling x="1" y="1" /></sfc>
    </coordinateInfo>
  </contentHeader>
  <types>
    <dataTypes />
    <pous>
      <pou name="GateLogic" pouType="program">
        <interface>
          <inputVars>
            <variable name="Guard" address="%IX0.0"><type><BOOL /></type></variable>
            <variable name="Tripped" address="%IX0.1"><type><BOOL /></type></variable>
          </inputVars>
          <outputVars>
            <variable name="Permit" address="%QX0.0"><type><BOOL /></type></variable>
          </outputVars>
        </interface>
        <body>
          <LD>
            <leftPowerRail localId="1">
              <position x="0" y="0" />
              <connectionPointOut formalParameter="" />
            </leftPowerRail>
            <contact localId="2" negated="false">
              <position x="40" y="20" />
              <connectionPointIn><connection refLocalId="1" /></connectionPointIn>
              <connectionPointOut />
              <variable>Guard</variable>
            </contact>
            <contact localId="3" negated="${tripNegated}">
              <position x="80" y="20" />
              <connectionPointIn><connection refLocalId="2" /></connectionPointIn>
              <connectionPointOut />
              <variable>Tripped</variable>
            </contact>
            <coil localId="4" negated="false" storage="none">
              <position x="120" y="20" />
              <connectionPointIn><connection refLocalId="3" /></connectionPointIn>
              <connectionPointOut />
              <variable>Permit</variable>
            </coil>
            <rightPowerRail localId="5">
              <position x="160" y="0" />
              <connectionPointIn><connection refLocalId="4" /></connectionPointIn>
            </rightPowerRail>
          </LD>
        </body>
      </pou>
    </pous>
  </types>
  <instances>
    <configurations>
      <configuration name="Cfg">
        <resource name="Res">
          <task name="Fast" interval="T#10ms" priority="1">
            <pouInstance name="Gate" typeName="GateLogic" />
          </task>
        </resource>
      </configuration>
    </configurations>
  </instances>
</project>
`;
}

describe('evidence quoted from a graphical body', () => {
  it('quotes a changed ladder rung as ST, old and new told apart, not as its XML', async () => {
    const r = await verifySafety({
      before: stProject({ 'gate.xml': gateLadder(true) }),
      after: stProject({ 'gate.xml': gateLadder(false) }),
      policy: testPolicy({ permissives: ['GateLogic.Permit'] }),
      mode: 'quick',
    });
    const slice = r.findings.find((f) => f.rule === 'safety-logic/slice-changed');
    expect(slice, JSON.stringify(r.findings)).toBeDefined();
    expect(slice?.message).not.toContain('<');
    const m = /changed `(.*)` to `(.*)`$/.exec(slice?.message ?? '');
    expect(m?.[1]).toMatch(/NOT Tripped/);
    expect(m?.[2]).not.toMatch(/NOT Tripped/);
    expect(m?.[2]).toMatch(/Tripped/);
  });

  it('still quotes a statement of an ST file as written', async () => {
    const st = (e: string) =>
      `PROGRAM GateLogic\nVAR_INPUT Guard AT %IX0.0 : BOOL; Tripped AT %IX0.1 : BOOL; END_VAR\nVAR_OUTPUT Permit AT %QX0.0 : BOOL; END_VAR\nPermit   :=   ${e};\nEND_PROGRAM\n`;
    const r = await verifySafety({
      before: stProject({ 'gate.st': st('Guard AND NOT Tripped') }),
      after: stProject({ 'gate.st': st('Guard AND Tripped') }),
      policy: testPolicy({ permissives: ['GateLogic.Permit'] }),
      mode: 'quick',
    });
    const slice = r.findings.find((f) => f.rule === 'safety-logic/slice-changed');
    expect(slice?.message).toContain(
      'changed `Permit := Guard AND NOT Tripped;` to `Permit := Guard AND Tripped;`',
    );
  });
});

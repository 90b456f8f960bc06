import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlcopen } from '../iec/index';
import { isPlcopenLadderInput, plcopenLadderToSt } from './plcopen-ladder';

const PUMP = readFileSync(join(import.meta.dirname, '../../fixtures/iec/plcopen/pump-ladder.xml'));

/** A PLCopen project with one LD function block and one LD program (a seal-in), no xhtml prefix. */
function project(): string {
  const contact = (id: number, ref: number, v: string, negated = false) =>
    `<contact localId="${id}" negated="${negated}"><connectionPointIn><connection refLocalId="${ref}"/></connectionPointIn><connectionPointOut/><variable>${v}</variable></contact>`;
  const ld = (out: string) =>
    `<LD>
            <leftPowerRail localId="1"><connectionPointOut formalParameter=""/></leftPowerRail>
            ${contact(2, 1, 'A')}
            ${contact(3, 2, 'B', true)}
            <coil localId="4" negated="false"><connectionPointIn><connection refLocalId="3"/></connectionPointIn><connectionPointOut/><variable>${out}</variable></coil>
          </LD>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201">
  <types>
    <dataTypes/>
    <pous>
      <pou name="Block" pouType="functionBlock">
        <interface>
          <inputVars><variable name="A"><type><BOOL/></type></variable><variable name="B"><type><BOOL/></type></variable></inputVars>
          <outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>
        </interface>
        <body>
          ${ld('Y')}
        </body>
      </pou>
      <pou name="Main" pouType="program">
        <interface>
          <inputVars><variable name="A"><type><BOOL/></type></variable><variable name="B"><type><BOOL/></type></variable></inputVars>
          <outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>
        </interface>
        <body>
          ${ld('Y')}
        </body>
      </pou>
    </pous>
  </types>
  <instances><configurations/></instances>
</project>
`;
}

describe('PLCopen LD → ST', () => {
  it('recognises PLCopen XML and not an L5X', () => {
    expect(isPlcopenLadderInput(PUMP.toString('utf8'))).toBe(true);
    expect(isPlcopenLadderInput('<RSLogix5000Content SchemaRevision="1.0">')).toBe(false);
  });

  it('writes the ST body where the LD was and declares the edge instances it needs', () => {
    const r = plcopenLadderToSt(new Uint8Array(PUMP), 'pump-ladder.xml', { runs: 5 });
    expect(r.routines.map((x) => [x.name, x.converted, x.equivalent, x.reason])).toEqual([
      ['PRG_PumpLadder', true, true, null],
    ]);
    const out = Buffer.from(r.output).toString('utf8');
    const again = readPlcopen(out, 'out.xml');
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const prg = again.unit.declarations.find((d) => d.kind === 'Program');
    expect(prg && 'bodyLanguage' in prg ? prg.bodyLanguage : undefined).not.toBe('LD');
    expect(out).toContain(
      '<xhtml xmlns="http://www.w3.org/1999/xhtml"><![CDATA[PumpMotor := (StartPB OR PumpMotor)',
    );
    expect(out).toContain('<variable name="_LD_RTRIG_11"><type><derived name="R_TRIG" /></type></variable>');
  });

  it('proves a function block through a program that calls it, and the program beside it', () => {
    const text = project();
    const r = plcopenLadderToSt(new Uint8Array(Buffer.from(text)), 'p.xml', { runs: 5 });
    expect(r.routines.map((x) => [x.name, x.equivalent, x.reason])).toEqual([
      ['Block', true, null],
      ['Main', true, null],
    ]);
    const out = Buffer.from(r.output).toString('utf8');
    expect(out).not.toContain('<LD>');
    expect(out).toContain(
      '<ST>\n            <xhtml xmlns="http://www.w3.org/1999/xhtml"><![CDATA[Y := A AND NOT B;]]></xhtml>\n          </ST>',
    );
  });

  it('proves a program that reads nothing from outside with its one run; a global keeps it refused', () => {
    // public-code sweep 10 (an OpenPLC program of constant rungs): it was refused as having no
    // input to drive; with no input, no %I and no global its trace is the only one there is
    const closed = project().replace(
      '<inputVars><variable name="A"><type><BOOL/></type></variable><variable name="B"><type><BOOL/></type></variable></inputVars>\n          <outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>\n        </interface>\n        <body>\n          <LD>\n            <leftPowerRail localId="1"><connectionPointOut formalParameter=""/></leftPowerRail>\n            <contact localId="2" negated="false"><connectionPointIn><connection refLocalId="1"/></connectionPointIn><connectionPointOut/><variable>A</variable></contact>\n            <contact localId="3" negated="true"><connectionPointIn><connection refLocalId="2"/></connectionPointIn><connectionPointOut/><variable>B</variable></contact>\n            <coil localId="4" negated="false"><connectionPointIn><connection refLocalId="3"/></connectionPointIn><connectionPointOut/><variable>Y</variable></coil>\n          </LD>\n        </body>\n      </pou>\n    </pous>',
      '<localVars><variable name="A"><type><BOOL/></type><initialValue><simpleValue value="TRUE"/></initialValue></variable><variable name="B"><type><BOOL/></type></variable></localVars>\n          <outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>\n        </interface>\n        <body>\n          <LD>\n            <leftPowerRail localId="1"><connectionPointOut formalParameter=""/></leftPowerRail>\n            <contact localId="2" negated="false"><connectionPointIn><connection refLocalId="1"/></connectionPointIn><connectionPointOut/><variable>A</variable></contact>\n            <contact localId="3" negated="true"><connectionPointIn><connection refLocalId="2"/></connectionPointIn><connectionPointOut/><variable>B</variable></contact>\n            <coil localId="4" negated="false"><connectionPointIn><connection refLocalId="3"/></connectionPointIn><connectionPointOut/><variable>Y</variable></coil>\n          </LD>\n        </body>\n      </pou>\n    </pous>',
    );
    expect(closed).not.toBe(project());
    const r = plcopenLadderToSt(new Uint8Array(Buffer.from(closed)), 'p.xml', {
      routines: ['Main'],
      runs: 5,
    });
    expect(r.routines.map((x) => [x.name, x.equivalent, x.runs, x.reason])).toEqual([
      ['Main', true, 1, null],
    ]);
    // a global another POU could write is an input nobody drives: still refused, by the simulator
    const withGlobal = closed.replace(
      '<instances><configurations/></instances>',
      '<instances><configurations><configuration name="C"><globalVars><variable name="G"><type><BOOL/></type></variable></globalVars></configuration></configurations></instances>',
    );
    const g = plcopenLadderToSt(new Uint8Array(Buffer.from(withGlobal)), 'p.xml', {
      routines: ['Main'],
      runs: 5,
    });
    expect(g.routines[0]?.equivalent).toBe(false);
    expect(g.routines[0]?.reason).toMatch(/no inputs both versions share/);
  });

  it('refuses a function block with nothing to compare, naming it', () => {
    const text = project().replace(
      '<outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>',
      '<localVars><variable name="Y"><type><BOOL/></type></variable></localVars>',
    );
    const r = plcopenLadderToSt(new Uint8Array(Buffer.from(text)), 'p.xml', { routines: ['Block'], runs: 5 });
    expect(r.routines[0]?.reason).toBe(
      'Block: a function block without outputs of elementary type has nothing to compare',
    );
  });

  it('keeps the input bytes when a named POU is not proven and names an unknown one', () => {
    const bytes = new Uint8Array(
      Buffer.from(
        project().replace(
          '<outputVars><variable name="Y"><type><BOOL/></type></variable></outputVars>',
          '<localVars><variable name="Y"><type><BOOL/></type></variable></localVars>',
        ),
      ),
    );
    expect(plcopenLadderToSt(bytes, 'p.xml', { routines: ['Block'], runs: 5 }).output).toBe(bytes);
    expect(() => plcopenLadderToSt(bytes, 'p.xml', { routines: ['Nope'] })).toThrow(
      'no POU Nope with an LD body in the file',
    );
  });
});

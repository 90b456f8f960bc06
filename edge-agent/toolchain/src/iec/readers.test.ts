import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionBlockDecl, ProgramDecl } from './ast';
import { readPlcopen } from './plcopen-reader';
import { printNode } from './printer';
import { FIXTURES } from './test-fixtures';
import { readTwinCat } from './twincat-reader';

describe('TwinCAT reader', () => {
  const file = join(FIXTURES, 'twincat/FB_Valve.TcPOU');
  const text = readFileSync(file, 'utf8');

  it('reads declaration, body, methods, properties and actions with positions in the XML file', () => {
    const { unit, diagnostics } = readTwinCat(text, file);
    expect(diagnostics).toEqual([]);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    expect(fb).toMatchObject({ kind: 'FunctionBlock', name: 'FB_Valve', implements: ['I_Actuator'] });
    expect(fb.methods.map((m) => m.name)).toEqual(['Reset']);
    expect(fb.properties[0]).toMatchObject({ name: 'IsOpen', get: { body: [{ kind: 'Assignment' }] } });
    expect(fb.actions[0]).toMatchObject({ name: 'ForceClose', body: [{}, {}] });
    // the first body statement sits on the line of <ST><![CDATA[ in the XML
    const first = fb.body[0]!;
    const xmlLine = text.slice(0, first.span.offset).split('\n').length;
    expect(first.span.line).toBe(xmlLine);
    expect(text.slice(first.span.offset, first.span.endOffset)).toBe(
      'bDriveOpen := bOpenCmd AND NOT bOpened AND NOT bFault;',
    );
  });

  it('points diagnostics into the XML file', () => {
    const broken = text.replace('bDriveClose := NOT bOpenCmd', 'bDriveClose := NOT');
    const { diagnostics } = readTwinCat(broken, file);
    expect(diagnostics).toHaveLength(1);
    const lineText = broken.split('\n')[diagnostics[0]!.line - 1]!;
    expect(lineText).toContain('bDriveClose := NOT AND');
  });

  it('reports broken XML as ST1012 without throwing', () => {
    const { diagnostics } = readTwinCat('<TcPlcObject><POU Name="x">', 'bad.TcPOU');
    expect(diagnostics.map((d) => d.code)).toEqual(['ST1012']);
  });
});

describe('PLCopen reader', () => {
  const file = join(FIXTURES, 'plcopen/pump-ladder.xml');
  const text = readFileSync(file, 'utf8');

  it('converts the LD body to equivalent ST', () => {
    const { unit, diagnostics } = readPlcopen(text, file);
    expect(diagnostics).toEqual([]);
    const prog = unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
    expect(prog.bodyLanguage).toBe('LD');
    expect(prog.body.map((s) => printNode(s, { comments: false }).trim())).toEqual([
      'PumpMotor := (StartPB OR PumpMotor) AND StopPB AND NOT Overload;',
      'RunDelay(IN := PumpMotor, PT := Delay);',
      'Running := RunDelay.Q;',
      'Elapsed := RunDelay.ET;',
      '_LD_RTRIG_11(CLK := Overload);',
      'IF _LD_RTRIG_11.Q THEN\n    FaultLamp := TRUE;\nEND_IF;',
      'IF AckPB AND NOT Overload THEN\n    FaultLamp := FALSE;\nEND_IF;',
    ]);
    // each converted statement points at its LD element in the XML
    const coilLine = text.split('\n').findIndex((l) => l.includes('<coil localId="6"')) + 1;
    expect(prog.body[0]!.span.line).toBe(coilLine);
  });

  it('reads ST bodies in place, entities decoded, interfaces, data types and configurations', () => {
    const { unit } = readPlcopen(text, file);
    const fn = unit.declarations.find((d) => d.kind === 'Function');
    expect(fn).toMatchObject({
      name: 'F_Scale',
      returnType: { name: 'REAL' },
      body: [{ kind: 'If', condition: { operator: '<=' } }],
    });
    expect(unit.declarations[0]).toMatchObject({ kind: 'TypeBlock', types: [{ name: 'E_LadderMode' }] });
    expect(unit.declarations.at(-1)).toMatchObject({
      kind: 'Configuration',
      resources: [
        {
          tasks: [{ name: 'LadderTask', intervalMs: 20 }],
          programs: [{ name: 'PumpLadder', task: 'LadderTask' }],
        },
      ],
    });
  });

  it('reports an unconvertible ladder element with ST1014', () => {
    const broken = text.replace('<connection refLocalId="5" />', '<connection refLocalId="99" />');
    const { diagnostics } = readPlcopen(broken, file);
    expect(diagnostics.map((d) => d.code)).toContain('ST1014');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import type { FunctionBlockDecl, IfStatement, ProgramDecl, TypeBlock } from './ast';
import { parseSource } from './parser';
import { readPlcopen } from './plcopen-reader';
import { readPlcProj } from './plcproj-reader';
import { printNode } from './printer';
import { sfcToSt } from './sfc-to-st';
import { FIXTURES } from './test-fixtures';
import { readTsProj, readTwinCat } from './twincat-reader';
import { applyXmlEdits } from './xml-edits';

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

describe('TwinCAT encrypted files (request iec-04)', () => {
  it('says what the file is in one ST1012, not the XML scanner on binary data', () => {
    const text = 'TcEncryptedFile~\u0001\u0002<\u0003=\u00bf\u00b2';
    for (const read of [readTwinCat, readPlcProj, readTsProj])
      expect(read(text, 'X.TcPOU').diagnostics.map((d) => [d.code, d.message])).toEqual([
        [
          'ST1012',
          "cannot read X.TcPOU: it is a TwinCAT encrypted file (TcEncryptedFile, readable only with TwinCAT's key)",
        ],
      ]);
  });
});

describe('TwinCAT LD/FBD network lists (<NWL>) become ST (issue 15)', () => {
  const file = join(FIXTURES, 'twincat/FB_VentInterlock.TcPOU');
  const text = readFileSync(file, 'utf8');

  it('converts FB calls, operators, negated contacts and EN boxes; a commented-out network is not compiled', () => {
    const { unit, diagnostics } = readTwinCat(text, file);
    expect(diagnostics).toEqual([]);
    const fb = unit.declarations[0] as FunctionBlockDecl;
    expect(fb.bodyLanguage).toBe('LD');
    expect(fb.body.map((s) => printNode(s).trim())).toEqual([
      'tofSpinDown(IN := (bTurboRunning OR bTurboStarting), PT := T#2M);',
      'bVentAllowed := ((NOT tofSpinDown.Q) AND bOpenRequest);',
      'IF bGaugeOk THEN\n    _NWL_EN_128 := (rPressure < rSetpoint);\nEND_IF;',
      'bPressureOk := _NWL_EN_128;',
    ]);
    // every statement points at the network item it came from, in the XML file
    for (const s of fb.body) expect(text.slice(s.span.offset, s.span.offset + 5)).toBe('<o t=');
    expect(text.slice(fb.body[0]!.span.offset, fb.body[0]!.span.endOffset)).toContain('"TOF"');
  });

  it('runs in the virtual PLC as the ladder reads', () => {
    const { unit } = readTwinCat(text, file);
    const main = parseSource(
      'PROGRAM Main\nVAR\n    fb : FB_VentInterlock;\n    bRun, bOpen, bGauge : BOOL;\n    rP : REAL := 5.0;\n    bVent, bPOk : BOOL;\nEND_VAR\nfb(bTurboRunning := bRun, bOpenRequest := bOpen, bGaugeOk := bGauge, rPressure := rP, rSetpoint := 10.0);\nbVent := fb.bVentAllowed;\nbPOk := fb.bPressureOk;\nEND_PROGRAM\n',
      'main.st',
    ).unit;
    const plc = compileProgram([unit, main], { program: 'Main', cycleMs: 1000 });
    plc.set('bOpen', true);
    plc.scan(1);
    expect([plc.get('bVent'), plc.get('bPOk')]).toEqual([true, false]);
    plc.set('bRun', true);
    plc.set('bGauge', true);
    plc.scan(1);
    expect([plc.get('bVent'), plc.get('bPOk')]).toEqual([false, true]);
    // the gauge goes invalid: the LT box no longer runs and keeps its last result
    plc.set('bGauge', false);
    plc.set('rP', 50.0);
    plc.set('bRun', false);
    plc.scan(60);
    expect([plc.get('bVent'), plc.get('bPOk')]).toEqual([false, true]);
    // two minutes after the turbo stopped, venting is allowed again
    plc.scan(61);
    expect(plc.get('bVent')).toBe(true);
  });

  it('refuses what it does not read by name, on the element, and keeps the rest', () => {
    const flagged = text.replace(/(<v n="Operand">"tofSpinDown\.Q"<\/v>[\s\S]*?<v n="Flags">)1</, '$14<');
    const { unit, diagnostics } = readTwinCat(flagged, file);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'ST1014',
        'ladder network 2 of FB_VentInterlock cannot be converted: operand tofSpinDown.Q with flags 4 (only negation, 1, is read)',
      ],
    ]);
    const at = diagnostics[0]!;
    expect(flagged.slice(at.offset, at.offset + 40)).toContain('<o n="Operand" t="Operand">');
    expect((unit.declarations[0] as FunctionBlockDecl).body).toHaveLength(3);
    // a CFC body is refused by language, POU and position, never dropped
    const cfc = text.replace(/<NWL>[\s\S]*<\/NWL>/, '<CFC><XmlArchive /></CFC>');
    const refused = readTwinCat(cfc, file).diagnostics;
    expect(refused.map((d) => [d.code, d.line, d.message])).toEqual([
      [
        'ST1013',
        cfc.slice(0, cfc.indexOf('<CFC>')).split('\n').length,
        'CFC bodies are not read (POU FB_VentInterlock); TwinCAT ST and LD/FBD (NWL) bodies are',
      ],
    ]);
    const jump = text.replace('<o t="BoxTreeAssign">', '<o t="BoxTreeJump">');
    expect(readTwinCat(jump, file).diagnostics[0]?.message).toBe(
      'ladder network 2 of FB_VentInterlock cannot be converted: a BoxTreeJump network item',
    );
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

describe('PLCopen XML as CODESYS 3.5 writes it (issue 15)', () => {
  const file = join(FIXTURES, 'plcopen/codesys-dosing.xml');
  const text = readFileSync(file, 'utf8');
  const { unit, diagnostics } = readPlcopen(text, file);
  const byName = (n: string) => unit.declarations.find((d) => 'name' in d && d.name === n);

  it('decodes xhtml bodies whole, so &lt;&gt; stays <> and positions point into the XML', () => {
    expect(diagnostics).toEqual([]);
    const fb = byName('FB_Doser') as FunctionBlockDecl;
    const cond = (fb.body[0] as IfStatement).condition;
    expect(printNode(cond)).toBe('bEnable AND nState <> 2');
    // the node's span is the escaped text in the file
    expect(text.slice(cond.span.offset, cond.span.endOffset)).toBe('bEnable AND nState &lt;&gt; 2');
    expect(text.split('\n')[cond.span.line - 1]).toContain('IF bEnable AND nState &lt;&gt; 2 THEN');
  });
  it('reads methods, properties, inheritance, attributes and interfaces kept in <addData>', () => {
    const fb = byName('FB_Doser') as FunctionBlockDecl;
    expect(fb.implements).toEqual(['I_Doser']);
    expect(fb.pragmas?.[0]?.attribute).toEqual({ name: 'reflection' });
    expect(fb.methods[0]).toMatchObject({ name: 'Reset', access: 'PRIVATE', body: [{}, {}, {}] });
    expect(fb.properties[0]).toMatchObject({ name: 'Total', get: { body: [{ kind: 'Assignment' }] } });
    expect(byName('I_Doser')).toMatchObject({ kind: 'Interface', methods: [{ name: 'Reset' }] });
    const recipe = (unit.declarations[0] as TypeBlock).types[0]!;
    expect(recipe).toMatchObject({
      name: 'ST_Recipe',
      type: { kind: 'StructType', extends: 'ST_RecipeBase' },
    });
  });
  it('reads an application POU from a resource <addData> and converts its FBD body', () => {
    const prg = byName('PLC_PRG') as ProgramDecl;
    expect(prg.bodyLanguage).toBe('FBD');
    expect(prg.body.map((s) => printNode(s).trim())).toEqual([
      'fbDoser(bEnable := bDoseEnable, rFlow := rFlowMeter);',
      'bValveOpen := ((bDoseEnable) AND (NOT (fbDoser.bDone)));',
    ]);
    const cfg = unit.declarations.find((d) => d.kind === 'Configuration');
    expect(cfg).toMatchObject({
      resources: [{ programs: [{ name: 'PLC_PRG', program: 'PLC_PRG', task: 'MainTask' }] }],
    });
  });
  it('reports a body it cannot read by name instead of dropping it', () => {
    const cfc = text.replace(
      /<body>\s*<ST>\s*<xhtml xmlns="http:\/\/www.w3.org\/1999\/xhtml">rTotal := 0\.0;[\s\S]*?<\/ST>\s*<\/body>/,
      '<body><CFC /></body>',
    );
    const r = readPlcopen(cfc, file);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'ST1013',
        'CFC bodies are not read (POU method Reset of FB_Doser); PLCopen ST, LD, FBD, SFC and IL bodies are',
      ],
    ]);
  });
});

describe('PLCopen XML as Beremiz/OpenPLC write it: SFC, IL and FBD bodies become ST (issue 15)', () => {
  const file = join(FIXTURES, 'plcopen/beremiz-mixer.xml');
  const { unit, diagnostics } = readPlcopen(readFileSync(file, 'utf8'), file);

  it('reads every body without a diagnostic', () => {
    expect(diagnostics).toEqual([]);
    const langs = unit.declarations.flatMap((d) => ('bodyLanguage' in d ? [[d.name, d.bodyLanguage]] : []));
    expect(langs).toEqual([
      ['FB_Count', 'IL'],
      ['Mixer', 'SFC'],
    ]);
  });
  it('converts IL with the current result carried across jumps to a label', () => {
    const fb = unit.declarations[0] as FunctionBlockDecl;
    expect(fb.body.map((s) => printNode(s).replace(/\s+/g, ' ').trim())).toEqual([
      'IF Reset THEN JMP ResetCount; END_IF;',
      '_IL_CR := (Count) + (1);',
      'JMP Store;',
      'ResetCount:',
      '_IL_CR := Preset;',
      'Store:',
      'Count := _IL_CR;',
    ]);
  });
  it('runs the converted chart with the standard step, transition and action semantics', () => {
    const plc = compileProgram([unit], { program: 'Mixer' });
    const state = () => ['Idle', 'Fill', 'Mix', 'Drain'].filter((s) => plc.get(`${s}.X`) === true);
    const outs = () => ['InletValve', 'Horn', 'Agitator', 'DrainValve'].filter((o) => plc.get(o) === true);
    expect(state()).toEqual(['Idle']);
    plc.set('StartPB', true);
    plc.scan(1);
    plc.set('StartPB', false);
    // N and L (2 min) while filling; nothing fired on the first scan
    expect([state(), outs(), plc.get('Batches')]).toEqual([['Fill'], ['InletValve', 'Horn'], 0]);
    plc.set('LevelHigh', true);
    plc.scan(1);
    // P1 counts the batch once; D (1 s) holds the agitator off at first
    expect([state(), outs(), plc.get('Batches')]).toEqual([['Mix'], [], 1]);
    plc.scan(150);
    expect([outs(), plc.get('Batches')]).toEqual([['Agitator'], 1]);
    plc.scan(3000);
    // the named transition MixDone (Mix.T >= T#30s) moved on; the inline action drains
    expect([state(), outs()]).toEqual([['Drain'], ['DrainValve']]);
    plc.set('LevelHigh', false);
    plc.scan(1100);
    expect(state()).toEqual(['Idle']);
    // the FBD transition Stopped wins over nothing: from Fill, StopPB jumps back to Idle
    plc.set('StartPB', true);
    plc.scan(1);
    plc.set('StopPB', true);
    plc.scan(1);
    expect(state()).toEqual(['Idle']);
  });
  it('gives an action one final scan after its step is left; a P action runs twice', () => {
    const { plc } = runTextualSfc(
      `PROGRAM Dosing
VAR_INPUT bStart : BOOL; END_VAR
VAR nFillScans, nPulses, nLastFill : INT; bFilling : BOOL; END_VAR
INITIAL_STEP Idle:
END_STEP
STEP Fill:
    CountFill(N);
    Announce(P);
END_STEP
TRANSITION FROM Idle TO Fill := bStart;
END_TRANSITION
TRANSITION FROM Fill TO Idle := Fill.T >= T#30ms;
END_TRANSITION
ACTION CountFill:
    nFillScans := nFillScans + 1;
    bFilling := Fill.X;
END_ACTION
ACTION Announce:
    nPulses := nPulses + 1;
END_ACTION
END_PROGRAM
`,
      'Dosing',
    );
    plc.set('bStart', true);
    plc.scan(1);
    plc.set('bStart', false);
    // Fill is active for 4 scans (T = 0, 10, 20, 30 ms), then Idle
    plc.scan(5);
    expect(plc.get('Fill.X')).toBe(false);
    // 4 scans while Fill was active + the final scan, in which the step is already inactive
    expect([plc.get('nFillScans'), plc.get('bFilling')]).toEqual([5, false]);
    // the pulse action ran on entry and once more in the next scan
    expect(plc.get('nPulses')).toBe(2);
    plc.scan(3);
    expect([plc.get('nFillScans'), plc.get('nPulses')]).toEqual([5, 2]);
  });
  it('converts textual SFC like graphical SFC (sfcToSt)', () => {
    const src = `PROGRAM Lamp
VAR_INPUT bGo : BOOL; END_VAR
VAR_OUTPUT bLamp : BOOL; END_VAR
INITIAL_STEP Off:
END_STEP
STEP On:
    bLamp(N);
END_STEP
TRANSITION FROM Off TO On := bGo;
END_TRANSITION
TRANSITION FROM On TO Off := On.T >= T#50ms;
END_TRANSITION
END_PROGRAM
`;
    const { plc, conv } = runTextualSfc(src, 'Lamp');
    plc.set('bGo', true);
    plc.scan(1);
    plc.set('bGo', false);
    expect(plc.get('bLamp')).toBe(true);
    plc.scan(6);
    expect([plc.get('bLamp'), plc.get('Off.X')]).toEqual([false, true]);
    // the first statement evaluates the first TRANSITION and points at it
    expect(conv.body[0]!.span.line).toBe(9);
  });
});

/** Parses a PROGRAM with textual SFC, converts it with sfcToSt and compiles it for the virtual PLC. */
function runTextualSfc(src: string, program: string) {
  const { unit: u, diagnostics: d } = parseSource(src, `${program}.st`);
  expect(d).toEqual([]);
  const prg = u.declarations[0] as ProgramDecl;
  const conv = sfcToSt(prg)!;
  prg.body = conv.body;
  prg.varBlocks.push({ ...prg.varBlocks[0]!, section: 'VAR', decls: conv.vars });
  delete prg.sfc;
  u.declarations.push(...conv.support);
  return { plc: compileProgram([u], { program }), conv };
}

describe('FBD feedback through an FB instance', () => {
  const xml = `<?xml version="1.0"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201"><types><dataTypes/><pous>
<pou name="Blink" pouType="program"><interface><localVars>
<variable name="T1"><type><derived name="TON"/></type></variable>
<variable name="Lamp"><type><BOOL/></type></variable>
</localVars></interface><body><FBD>
<block localId="1" typeName="TON" instanceName="T1"><position x="10" y="10"/>
<inputVariables>
<variable formalParameter="IN" negated="true"><connectionPointIn><connection refLocalId="1" formalParameter="Q"/></connectionPointIn></variable>
<variable formalParameter="PT"><connectionPointIn><connection refLocalId="2"/></connectionPointIn></variable>
</inputVariables><inOutVariables/><outputVariables><variable formalParameter="Q"><connectionPointOut/></variable></outputVariables></block>
<inVariable localId="2"><position x="0" y="40"/><connectionPointOut/><expression>T#500ms</expression></inVariable>
<outVariable localId="3"><position x="90" y="10"/><connectionPointIn><connection refLocalId="1" formalParameter="Q"/></connectionPointIn><expression>Lamp</expression></outVariable>
</FBD></body></pou></pous></types></project>`;

  it('reads the output the instance kept from its last call instead of refusing the loop', () => {
    const { unit, diagnostics } = readPlcopen(xml, 'blink.xml');
    expect(diagnostics).toEqual([]);
    expect((unit.declarations[0] as ProgramDecl).body.map((s) => printNode(s).trim())).toEqual([
      'T1(IN := NOT (T1.Q), PT := T#500ms);',
      'Lamp := T1.Q;',
    ]);
  });

  it('leaves an output variable wired to nothing unassigned', () => {
    const unwired = xml.replace(
      '</FBD>',
      '<outVariable localId="4"><position x="90" y="60"/><connectionPointIn/><expression>Lamp</expression></outVariable></FBD>',
    );
    const { unit, diagnostics } = readPlcopen(unwired, 'blink.xml');
    expect(diagnostics).toEqual([]);
    expect((unit.declarations[0] as ProgramDecl).body.map((s) => printNode(s).trim())).toEqual([
      'T1(IN := NOT (T1.Q), PT := T#500ms);',
      'Lamp := T1.Q;',
    ]);
  });
});

describe('function boxes of more than two inputs (request iec-05)', () => {
  /** A program `Boxes` with one FBD box `type` over the BOOL (or INT) inputs A, B, C into Y. */
  const boxes = (type: string, t: 'BOOL' | 'INT'): string => `<?xml version="1.0"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201"><types><dataTypes/><pous>
<pou name="Boxes" pouType="program"><interface><localVars>
<variable name="A"><type><${t}/></type></variable>
<variable name="B"><type><${t}/></type></variable>
<variable name="C"><type><${t}/></type></variable>
<variable name="Y"><type><${type === 'ADD' ? t : 'BOOL'}/></type></variable>
</localVars></interface><body><FBD>
<inVariable localId="1"><position x="0" y="0"/><connectionPointOut/><expression>A</expression></inVariable>
<inVariable localId="2"><position x="0" y="20"/><connectionPointOut/><expression>B</expression></inVariable>
<inVariable localId="3"><position x="0" y="40"/><connectionPointOut/><expression>C</expression></inVariable>
<block localId="4" typeName="${type}"><position x="40" y="0"/><inputVariables>
<variable formalParameter="IN1"><connectionPointIn><connection refLocalId="1"/></connectionPointIn></variable>
<variable formalParameter="IN2"><connectionPointIn><connection refLocalId="2"/></connectionPointIn></variable>
<variable formalParameter="IN3"><connectionPointIn><connection refLocalId="3"/></connectionPointIn></variable>
</inputVariables><inOutVariables/><outputVariables><variable formalParameter="OUT"><connectionPointOut/></variable></outputVariables></block>
<outVariable localId="5"><position x="90" y="0"/><connectionPointIn><connection refLocalId="4" formalParameter="OUT"/></connectionPointIn><expression>Y</expression></outVariable>
</FBD></body></pou></pous></types></project>`;

  it('keeps a comparison of three inputs a call, which chains pairwise (IEC 61131-3)', () => {
    const { unit, diagnostics } = readPlcopen(boxes('EQ', 'BOOL'), 'eq.xml');
    expect(diagnostics).toEqual([]);
    expect((unit.declarations[0] as ProgramDecl).body.map((s) => printNode(s).trim())).toEqual([
      'Y := EQ(IN1 := A, IN2 := B, IN3 := C);',
    ]);
    // EQ(FALSE, FALSE, FALSE) is TRUE; the infix chain ((A = B) = C) was FALSE
    const plc = compileProgram([unit], { program: 'Boxes' });
    plc.scan(1);
    expect(plc.get('Y')).toBe(true);
    plc.set('C', true);
    plc.scan(1);
    expect(plc.get('Y')).toBe(false);
  });
  it('writes an associative box of three inputs infix as before', () => {
    const { unit } = readPlcopen(boxes('ADD', 'INT'), 'add.xml');
    expect((unit.declarations[0] as ProgramDecl).body.map((s) => printNode(s).trim())).toEqual([
      'Y := ((A) + (B) + (C));',
    ]);
  });
});

describe('edits written back into the XML (applyXmlEdits)', () => {
  it('escapes a replacement in a CODESYS xhtml body and keeps every other byte', () => {
    const file = join(FIXTURES, 'plcopen/codesys-dosing.xml');
    const text = readFileSync(file, 'utf8');
    const fb = readPlcopen(text, file).unit.declarations.find(
      (d) => d.kind === 'FunctionBlock' && d.name === 'FB_Doser',
    ) as FunctionBlockDecl;
    const last = fb.body[fb.body.length - 1]!;
    const out = applyXmlEdits(text, [{ node: last, replacement: 'bDone := nState = 2 AND rTotal >= 1.0;' }]);
    const at = last.span.offset;
    expect(out.slice(0, at)).toBe(text.slice(0, at));
    expect(out.slice(at)).toContain('bDone := nState = 2 AND rTotal &gt;= 1.0;</xhtml>');
    expect(out.length - text.length).toBe(
      'bDone := nState = 2 AND rTotal &gt;= 1.0;'.length - (last.span.endOffset - last.span.offset),
    );
    // and it reads back with the new statement
    const again = readPlcopen(out, file);
    expect(again.diagnostics).toEqual([]);
    const fb2 = again.unit.declarations.find((d) => d.kind === 'FunctionBlock') as FunctionBlockDecl;
    expect(printNode(fb2.body[fb2.body.length - 1]!).trim()).toBe('bDone := nState = 2 AND rTotal >= 1.0;');
  });
  it('writes CDATA bodies as they are and refuses an edit that is not inside text', () => {
    const file = join(FIXTURES, 'twincat/FB_Valve.TcPOU');
    const text = readFileSync(file, 'utf8');
    const fb = readTwinCat(text, file).unit.declarations[0] as FunctionBlockDecl;
    const out = applyXmlEdits(text, [
      { node: fb.body[0]!, replacement: 'bDriveOpen := bOpenCmd AND NOT bFault;' },
    ]);
    expect(out).toContain('bDriveOpen := bOpenCmd AND NOT bFault;');
    expect(readTwinCat(out, file).diagnostics).toEqual([]);
    const pl = readPlcopen(readFileSync(join(FIXTURES, 'plcopen/codesys-dosing.xml'), 'utf8'), 'x.xml');
    const decl = (pl.unit.declarations[0] as TypeBlock).types[0]!;
    expect(() => applyXmlEdits('<a x="1"/>', [{ node: decl, replacement: 'X : INT;' }])).toThrow(RangeError);
  });
});

describe('PLCopen details of CODESYS 3.5 and Beremiz exports (h1, issue 15)', () => {
  const xml = `<?xml version="1.0"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201"><types><dataTypes/><pous>
<pou name="FB_Base" pouType="functionBlock"><interface><outputVars>
<variable name="Count"><type><INT/></type></variable></outputVars></interface>
<body><ST><xhtml xmlns="http://www.w3.org/1999/xhtml">Count := Count + 1;</xhtml></ST></body></pou>
<pou name="FB_Child" pouType="functionBlock"><interface>
<localVars><variable name="Title"><type><string length="20"/></type><initialValue><simpleValue value="it's $5"/></initialValue></variable>
<variable name="Wide"><type><wstring/></type><initialValue><simpleValue value="w"/></initialValue></variable>
<variable name="Quoted"><type><string/></type><initialValue><simpleValue value="'q'"/></initialValue></variable></localVars>
<addData><data name="http://www.3s-software.com/plcopenxml/pouinheritance" handleUnknown="implementation">
<Inheritance><Extends>FB_Base</Extends></Inheritance></data></addData></interface>
<body><ST><xhtml xmlns="http://www.w3.org/1999/xhtml">Count := Count + GVL_Limits.Step;</xhtml></ST></body></pou>
<pou name="Main" pouType="program"><interface><localVars>
<variable name="C"><type><derived name="FB_Child"/></type></variable></localVars></interface>
<body><ST><xhtml xmlns="http://www.w3.org/1999/xhtml">C();</xhtml></ST></body></pou>
</pous></types><instances><configurations><configuration name="Cfg">
<resource name="Res"><task name="T" interval="PT0.01S" priority="1"><pouInstance name="M" typeName="Main"/></task>
<globalVars name="GVL_Limits" constant="true"><variable name="Step"><type><INT/></type><initialValue><simpleValue value="2"/></initialValue></variable></globalVars>
</resource></configuration></configurations></instances></project>`;

  it('reads inheritance from the interface, named global lists and unquoted string initial values', () => {
    const { unit, diagnostics } = readPlcopen(xml, 'codesys.xml');
    expect(diagnostics).toEqual([]);
    const child = unit.declarations.find((d) => d.kind === 'FunctionBlock' && d.name === 'FB_Child');
    expect((child as FunctionBlockDecl).extends).toBe('FB_Base');
    expect(
      (child as FunctionBlockDecl).varBlocks[0]?.decls.map((d) =>
        printNode(d.init?.kind ? d.init : d).trim(),
      ),
    ).toEqual(["'it$'s $$5'", '"w"', "'q'"]);
    const gvl = unit.declarations.find((d) => d.kind === 'GlobalVarList');
    expect(gvl).toMatchObject({ kind: 'GlobalVarList', name: 'GVL_Limits' });
    // and it runs: Count counts by GVL_Limits.Step through the inherited member
    const plc = compileProgram([unit], { program: 'Main' });
    expect(plc.scan(3)).toBeNull();
    expect(plc.get('C.Count')).toBe(6);
    expect(plc.get('C.Title')).toBe("it's $5");
  });

  it("keeps a CODESYS export's unquoted string initial value an expression", () => {
    const codesys = xml
      .replace(
        '<types>',
        '<fileHeader companyName="x" productName="CODESYS" productVersion="CODESYS V3.5 SP19"/><types>',
      )
      .replace('value="it\'s $5"', "value=\"CONCAT('a', 'b')\"");
    const { unit, diagnostics } = readPlcopen(codesys, 'codesys.xml');
    expect(diagnostics).toEqual([]);
    const child = unit.declarations.find((d) => d.kind === 'FunctionBlock' && d.name === 'FB_Child');
    const init = (child as FunctionBlockDecl).varBlocks[0]?.decls[0]?.init;
    expect(init && printNode(init)).toBe("CONCAT('a', 'b')");
  });
});

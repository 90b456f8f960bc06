/**
 * Two Beremiz forms of PLCopen XML that its generator and MATIEC build (request h2-2, sweep 13):
 * VAR blocks leading an ST body (Beremiz pastes the body after the POU's declarations, so they
 * are the POU's own) and a `<simpleValue>` initial value on a function block instance (the
 * editor stores "0"; the generator leaves it out).
 */
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import type { ProgramDecl } from './ast';
import { checkProject } from './checker';
import { readPlcopen } from './plcopen-reader';
import { readTwinCat } from './twincat-reader';

const project = (pous: string): string => `<?xml version="1.0" encoding="utf-8"?>
<project xmlns="http://www.plcopen.org/xml/tc6_0201" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <fileHeader companyName="x" productName="y" productVersion="1" creationDateTime="2026-12-07T00:00:00"/>
  <types>
    <dataTypes/>
    <pous>
${pous}
    </pous>
  </types>
  <instances><configurations/></instances>
</project>
`;

const counter = `      <pou name="Bump" pouType="functionBlock">
        <interface>
          <inputVars><variable name="step"><type><INT/></type></variable></inputVars>
          <outputVars><variable name="total"><type><INT/></type></variable></outputVars>
        </interface>
        <body><ST><xhtml:p><![CDATA[total := total + step;]]></xhtml:p></ST></body>
      </pou>`;

const program = (body: string, init = ''): string => `      <pou name="Main" pouType="program">
        <interface>
          <localVars>
            <variable name="res"><type><INT/></type></variable>
            <variable name="acc"><type><derived name="Bump"/></type>${init}</variable>
          </localVars>
        </interface>
        <body>
          <ST><xhtml:p><![CDATA[${body}]]></xhtml:p></ST>
        </body>
      </pou>`;

const BODY_VARS = `VAR
  weights : ARRAY[1..3] OF INT := [4, 6, 8];
END_VAR
VAR CONSTANT
  offset : INT := 100;
END_VAR
acc(step := weights[2]);
res := acc.total + offset;`;

const lineOf = (text: string, needle: string): number =>
  text.slice(0, text.indexOf(needle)).split('\n').length;

function read(text: string) {
  const r = readPlcopen(text, 'beremiz.xml');
  const checked = checkProject([r.unit]);
  return { ...r, all: [...r.diagnostics, ...checked.diagnostics] };
}

describe('VAR blocks leading a PLCopen ST body', () => {
  it('joins them to the POU with their XML positions and runs the program', () => {
    const text = project(`${counter}\n${program(BODY_VARS)}`);
    const { unit, all } = read(text);
    expect(all).toEqual([]);
    const main = unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
    expect(
      main.varBlocks.map((b) => [
        b.section,
        b.constant,
        b.decls.map((d) => d.names.map((n) => n.name).join()),
      ]),
    ).toEqual([
      ['VAR', false, ['res', 'acc']],
      ['VAR', false, ['weights']],
      ['VAR', true, ['offset']],
    ]);
    const weights = main.varBlocks[1]!.decls[0]!;
    expect(weights.span.line).toBe(lineOf(text, 'weights : ARRAY'));
    expect(text.slice(weights.span.offset, weights.span.endOffset)).toMatch(
      /^weights : ARRAY\[1\.\.3\] OF INT/,
    );
    expect(main.body.map((s) => s.kind)).toEqual(['CallStatement', 'Assignment']);
    const plc = compileProgram([unit], { program: 'Main' });
    plc.scan(2);
    expect(plc.get('Main.res')).toBe(112);
  });

  it('points a diagnostic in such a block at its XML line', () => {
    const text = project(
      `${counter}\n${program(BODY_VARS.replace('offset : INT := 100;', 'offset : INT := 100'))}`,
    );
    const { all } = read(text);
    expect(all.map((d) => [d.code, d.line])).toEqual([['ST1011', lineOf(text, 'offset : INT := 100')]]);
    const misuse = project(`${counter}\n${program(BODY_VARS.replace('[4, 6, 8]', "'x'"))}`);
    expect(read(misuse).all.map((d) => [d.code, d.line])).toEqual([['ST2004', lineOf(misuse, "'x'")]]);
  });

  it('maps the positions of a body written as escaped text (no CDATA)', () => {
    const text = project(
      program('x').replace(
        '<![CDATA[x]]>',
        'VAR\n  lim : INT := 5;\nEND_VAR\nIF res &lt; lim THEN res := lim; END_IF;',
      ),
    ).replace('<derived name="Bump"/>', '<INT/>');
    const { unit, all } = read(text);
    expect(all).toEqual([]);
    const main = unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
    const lim = main.varBlocks[1]!.decls[0]!;
    expect([lim.span.line, text.slice(lim.span.offset, lim.span.endOffset)]).toEqual([
      lineOf(text, 'lim : INT'),
      'lim : INT := 5;',
    ]);
    const plc = compileProgram([unit], { program: 'Main' });
    plc.scan(1);
    expect(plc.get('Main.res')).toBe(5);
  });

  it('keeps a VAR block after a statement an error', () => {
    const text = project(`${counter}\n${program('res := 1;\nVAR\n  late : INT;\nEND_VAR\nres := 2;')}`);
    const { diagnostics } = read(text);
    expect(diagnostics[0]).toMatchObject({ code: 'ST1007', line: lineOf(text, 'VAR\n  late') });
  });

  it('reads them only as a PLCopen POU body: an action body and a TwinCAT body still refuse them', () => {
    const action = project(`      <pou name="Main" pouType="program">
        <interface><localVars><variable name="res"><type><INT/></type></variable></localVars></interface>
        <actions><action name="Reset"><body><ST><xhtml:p><![CDATA[VAR t : INT; END_VAR
res := 0;]]></xhtml:p></ST></body></action></actions>
        <body><ST><xhtml:p><![CDATA[Reset();]]></xhtml:p></ST></body>
      </pou>`);
    expect(read(action).diagnostics.map((d) => d.code)).toContain('ST1007');
    const tc = readTwinCat(
      `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1"><POU Name="MAIN"><Declaration><![CDATA[PROGRAM MAIN
VAR res : INT; END_VAR]]></Declaration><Implementation><ST><![CDATA[VAR t : INT; END_VAR
res := 1;]]></ST></Implementation></POU></TcPlcObject>`,
      'MAIN.TcPOU',
    );
    expect(tc.diagnostics.map((d) => d.code)).toContain('ST1007');
  });
});

describe('a simpleValue initial value on a function block instance', () => {
  const init = '<initialValue><simpleValue value="0"/></initialValue>';

  it('is dropped with a warning naming the variable at its XML line', () => {
    const text = project(`${counter}\n${program('acc(step := 3);\nres := acc.total;', init)}`);
    const { unit, all } = read(text);
    expect(all.map((d) => [d.code, d.severity, d.line, d.message])).toEqual([
      [
        'ST3011',
        'warning',
        lineOf(text, '<initialValue>'),
        "initial value 0 of 'acc' is dropped: Bump is a function block (Beremiz's generator drops it)",
      ],
    ]);
    const main = unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
    expect(main.varBlocks[0]!.decls[1]!.init).toBeUndefined();
    const plc = compileProgram([unit], { program: 'Main' });
    plc.scan(2);
    expect(plc.get('Main.res')).toBe(6);
  });

  it('is dropped for a standard FB too, and kept for any other derived type', () => {
    const ton = project(
      program('acc.IN := FALSE;', init)
        .replace('<derived name="Bump"/>', '<derived name="TON"/>')
        .replace('acc.IN := FALSE;', 'acc(IN := FALSE);'),
    );
    expect(read(ton).all.map((d) => d.code)).toEqual(['ST3011']);
    const alias = project(
      program('res := acc;', init).replace('<derived name="Bump"/>', '<derived name="Count"/>'),
    ).replace(
      '<dataTypes/>',
      '<dataTypes><dataType name="Count"><baseType><INT/></baseType></dataType></dataTypes>',
    );
    const r = read(alias);
    expect(r.all).toEqual([]);
    const main = r.unit.declarations.find((d) => d.kind === 'Program') as ProgramDecl;
    expect(main.varBlocks[0]!.decls[1]!.init).toBeDefined();
  });

  it('keeps a structValue or a parenthesised simpleValue on an instance (its inputs)', () => {
    const text = project(
      `${counter}\n${program('acc();\nres := acc.total;', '<initialValue><structValue><value member="step"><simpleValue value="5"/></value></structValue></initialValue>')}`,
    );
    const { unit, all } = read(text);
    expect(all).toEqual([]);
    const plc = compileProgram([unit], { program: 'Main' });
    plc.scan(2);
    expect(plc.get('Main.res')).toBe(10);
    const asText = read(text.replace(/<structValue>.*<\/structValue>/, '<simpleValue value="(step := 5)"/>'));
    expect(asText.all).toEqual([]);
    const again = compileProgram([asText.unit], { program: 'Main' });
    again.scan(2);
    expect(again.get('Main.res')).toBe(10);
  });
});

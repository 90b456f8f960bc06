/**
 * Outputs of an FB box in a TwinCAT LD/FBD network wired to variables. The editor writes one
 * output entry per pin, with an empty operand for an unwired one: those were taken as wired and
 * every such network refused (public Keiji01/TwinCAT3 ADSwithHandler: "box FB_ReadADS with
 * outputs wired to variables", four unwired pins). A wired pin is copied after the call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionBlockDecl } from './ast';
import { printNode } from './printer';
import { FIXTURES } from './test-fixtures';
import { readTwinCat } from './twincat-reader';

const file = join(FIXTURES, 'twincat/FB_VentInterlock.TcPOU');
const text = readFileSync(file, 'utf8');

/** An output entry: an operand (empty for an unwired pin), negated with flags 1. */
const entry = (operand: string, flags = 0) =>
  `<o><v n="Operand">"${operand}"</v><v n="Type">""</v><o n="Flags" t="Flags"><v n="Flags">${flags}</v></o></o>`;

/** The fixture with the TOF box's output pins named Q, ET and its entries as given. */
function withTofOutputs(entries: string): string {
  const tof = text.indexOf('"tofSpinDown"');
  const items = text.indexOf('<l2 n="OutputItems" />', tof);
  // the box's own pin names, after its inputs (a nested box has its own before them)
  const params = text.lastIndexOf(
    '<o n="OutputParam" t="ParamList">',
    text.indexOf('<v n="CallType" t="Operator">FunctionBlock</v>', items),
  );
  const names = text.indexOf('<l2 n="Names" />', params);
  return (
    text.slice(0, items) +
    `<l2 n="OutputItems" cet="Operand">${entries}</l2>` +
    text.slice(items + '<l2 n="OutputItems" />'.length, names) +
    '<l2 n="Names" cet="String"><v>Q</v><v>ET</v></l2>' +
    text.slice(names + '<l2 n="Names" />'.length)
  );
}

const body = (source: string) => {
  const { unit, diagnostics } = readTwinCat(source, file);
  return {
    diagnostics,
    body: (unit.declarations[0] as FunctionBlockDecl).body.map((s) => printNode(s).trim()),
  };
};

describe('FB box outputs in a network list', () => {
  const call = 'tofSpinDown(IN := (bTurboRunning OR bTurboStarting), PT := T#2M);';

  it('takes pins with an empty operand as unwired', () => {
    const r = body(withTofOutputs(entry('') + entry('')));
    expect(r.diagnostics).toEqual([]);
    expect(r.body[0]).toBe(call);
    expect(r.body).toEqual(body(text).body);
  });

  it('copies a wired pin after the call, negated when its flags say so', () => {
    const r = body(withTofOutputs(entry('bSpinning') + entry('')));
    expect(r.diagnostics).toEqual([]);
    expect(r.body.slice(0, 2)).toEqual([call, 'bSpinning := tofSpinDown.Q;']);
    const negated = body(withTofOutputs(entry('') + entry('tLeft', 1)));
    expect(negated.body.slice(0, 2)).toEqual([call, 'tLeft := NOT tofSpinDown.ET;']);
  });
});

/**
 * Box inputs the editor left open (an operand `""`) and negated input pins (the box's
 * `InputFlags`), as in public TwinCAT plant projects (SLAC's lcls-plc-* repositories: 13 networks
 * refused with "an operand without a name"). IEC 61131-3 keeps an unconnected FB input at its last
 * value, so the call does not pass it; an operator or function has no such input (decision 0156).
 */
describe('open and negated box inputs in a network list', () => {
  /** The fixture with the first operand named `operand` made empty. */
  const emptied = (operand: string) =>
    text.replace(`<v n="Operand">"${operand}"</v>`, '<v n="Operand">""</v>');

  it('does not pass an FB input left open', () => {
    const r = body(emptied('T#2M'));
    expect(r.diagnostics).toEqual([]);
    expect(r.body[0]).toBe('tofSpinDown(IN := (bTurboRunning OR bTurboStarting));');
  });

  it('refuses an operator input left open, naming the operator', () => {
    const r = body(emptied('bTurboStarting'));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('input 2 of operator OR is not connected (only an FB'),
    ]);
  });

  it('negates an input pin whose flag is 1', () => {
    const or = text.indexOf('<v n="BoxType">"OR"</v>');
    const flags = text.indexOf('<n n="InputFlags" />', or);
    const negated =
      text.slice(0, flags) +
      '<l2 n="InputFlags" cet="Flags"><o><v n="Flags">0</v></o><o><v n="Flags">1</v></o></l2>' +
      text.slice(flags + '<n n="InputFlags" />'.length);
    const r = body(negated);
    expect(r.diagnostics).toEqual([]);
    expect(r.body[0]).toBe('tofSpinDown(IN := (bTurboRunning OR (NOT bTurboStarting)), PT := T#2M);');
  });

  it('refuses an input pin with another flag (an edge)', () => {
    const or = text.indexOf('<v n="BoxType">"OR"</v>');
    const flags = text.indexOf('<n n="InputFlags" />', or);
    const edge =
      text.slice(0, flags) +
      '<l2 n="InputFlags" cet="Flags"><o><v n="Flags">2</v></o><o><v n="Flags">0</v></o></l2>' +
      text.slice(flags + '<n n="InputFlags" />'.length);
    expect(body(edge).diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('input 1 with flags 2'),
    ]);
  });
});

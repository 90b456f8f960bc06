import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  astEqual,
  checkProject,
  type FunctionBlockDecl,
  type IfStatement,
  parseSource,
  type Statement,
} from '../iec';
import { applySclEdits, formatScl, printScl, printSclNode, sclNames } from './scl-printer';
import { readScl } from './scl-reader';

const FIX = join(__dirname, '../../fixtures/scl');
const read = (name: string) => readFileSync(join(FIX, name), 'utf8');

/** One statement parsed from ST, to use as a replacement node. */
function stmt(st: string): Statement {
  const r = parseSource(`PROGRAM p\n${st}\nEND_PROGRAM\n`, 'snippet.st');
  expect(r.diagnostics).toEqual([]);
  return (r.unit.declarations[0] as { body: Statement[] }).body[0]!;
}

describe('SCL printer', () => {
  it('prints an unedited file byte for byte (CRLF, tabs, attributes and all)', () => {
    for (const f of ['FB_Guard.scl', 'guard-main.scl', 'press-udt.udt', 'blocks.scl']) {
      const text = read(f);
      expect(printScl(readScl(text, f).unit)).toBe(text);
      const crlf = text.replace(/\n/g, '\r\n');
      expect(printScl(readScl(crlf, f).unit)).toBe(crlf);
    }
  });

  it('an edit replaces only its node, with #locals and "quoted" names as SCL writes them', () => {
    const text = read('FB_Guard.scl');
    const { unit } = readScl(text, 'FB_Guard.scl');
    const fb = unit.declarations[0] as FunctionBlockDecl;
    const iff = fb.body[2] as IfStatement;
    // a replacement read from SCL (a recipe's ST text cannot name "Reset PB": "..." is a WSTRING in ST)
    const snippet = readScl(
      'FUNCTION_BLOCK "S"\nBEGIN\n   IF NOT #debounce.Q OR #"Reset PB" THEN #latched := FALSE; END_IF;\nEND_FUNCTION_BLOCK\n',
      'snippet.scl',
    ).unit.declarations[0] as FunctionBlockDecl;
    const replacement = snippet.body[0]!;
    const out = applySclEdits(unit, [{ node: iff, replacement }]);
    const before = text.slice(0, iff.span.offset);
    const after = text.slice(iff.span.endOffset);
    expect(out.startsWith(before)).toBe(true);
    expect(out.endsWith(after)).toBe(true);
    const middle = out.slice(before.length, out.length - after.length);
    expect(middle).toContain('IF NOT #debounce.Q OR #"Reset PB" THEN');
    expect(middle).toContain('#latched := FALSE;');
    // the edited file reads and checks again
    const again = readScl(out, 'FB_Guard.scl');
    expect(again.diagnostics).toEqual([]);
    expect(checkProject([again.unit]).diagnostics).toEqual([]);
  });

  it('prints a global data block member and a Siemens instruction type in SCL spelling', () => {
    const { unit } = readScl(read('guard-main.scl'), 'guard-main.scl');
    const names = sclNames(unit, unit.declarations[3]);
    expect(printSclNode(stmt('Plant.Ok := GuardDB.GuardOk AND NOT Plant.Reset;'), names)).toBe(
      '"Plant".Ok := "GuardDB".GuardOk AND NOT "Plant".Reset;\n',
    );
    const fb = readScl(read('FB_Guard.scl'), 'FB_Guard.scl').unit.declarations[0] as FunctionBlockDecl;
    expect(printSclNode(fb.varBlocks[2]!.decls[0]!.type, names)).toBe('TON_TIME');
  });

  it('fmt re-indents by block structure, is idempotent and reads back to the same tree', () => {
    const messy = read('FB_Guard.scl')
      .split('\n')
      .map((l, i) => (i % 2 === 0 ? l.trimStart() : `\t  ${l.trimStart()}  `))
      .join('\n');
    const once = formatScl(messy);
    expect(formatScl(once)).toBe(once);
    expect(once).toContain('\n   VAR_INPUT\n      DoorClosed');
    expect(once).toContain('\n   IF NOT #debounce.Q THEN\n      #latched := FALSE;\n   ELSIF');
    expect(astEqual(readScl(once, 'x.scl').unit, readScl(messy, 'x.scl').unit)).toBe(true);
    const blocks = read('blocks.scl');
    expect(astEqual(readScl(formatScl(blocks), 'b.scl').unit, readScl(blocks, 'b.scl').unit)).toBe(true);
  });
});

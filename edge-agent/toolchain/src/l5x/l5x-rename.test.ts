import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testL5x } from '../testing/test-l5x';
import { checkL5x } from './l5x-check';
import { readL5x } from './l5x-reader';
import { L5xRenameRefused, renameInLogixText, renameL5xTag } from './l5x-rename';
import { writeL5x } from './l5x-writer';

/** The file after the rename, as text. */
function renamed(text: string, from: string, to: string, program?: string): string {
  const project = readL5x(text);
  return Buffer.from(writeL5x(project, renameL5xTag(project, from, to, program).edits)).toString('utf8');
}

describe('renaming a tag inside an L5X', () => {
  const text = testL5x(
    [
      ['Start', 'BOOL'],
      ['Run', 'BOOL'],
      ['N', 'DINT'],
      ['T1', 'TIMER'],
    ],
    { Main: ['XIC(Start)TON(T1,?,?)OTE(Run);', 'XIC(T1.DN)ADD(N,16#10,N);', 'JSR(Calc,0);'] },
    '',
    {
      Calc: [
        '(* Start is the push button',
        '   Start stays *)',
        'IF Start THEN // Start',
        '  N := N + 1;',
        'END_IF;',
      ],
    },
  );

  it('renames the declaration, rung operands and ST names, and nothing in comments, strings or members', () => {
    const after = renamed(text, 'Start', 'Start_PB');
    expect(after).toContain('<Tag Name="Start_PB"');
    expect(after).toContain('XIC(Start_PB)TON(T1,?,?)OTE(Run);');
    expect(after).toContain('IF Start_PB THEN // Start');
    expect(after).toContain('(* Start is the push button');
    expect(after).toContain('   Start stays *)');
    // a member named like the tag, and numbers with letters, are not names of it
    const members = renamed(text, 'N', 'Count');
    expect(members).toContain('XIC(T1.DN)ADD(Count,16#10,Count);');
    expect(members).toContain('  Count := Count + 1;');
    expect(checkL5x(after, 'x.L5X').diagnostics).toEqual([]);
    // every other byte as it was: renaming back gives the file
    expect(renamed(after, 'Start_PB', 'Start')).toBe(text);
  });

  it('says where each edit lands, at the XML line', () => {
    const project = readL5x(text);
    const r = renameL5xTag(project, 'Start', 'Start_PB');
    const lineOf = (s: string) => text.slice(0, text.indexOf(s)).split('\n').length;
    expect(r.places).toEqual([
      { line: lineOf('<Tag Name="Start"'), what: 'tag Start (declaration)' },
      { line: lineOf('<Rung Number="0"'), what: 'P/Main rung 0' },
      { line: lineOf('<Line Number="2"'), what: 'P/Calc line 3' },
    ]);
  });

  it("leaves a program that declares its own tag of the name, and renames a program's tag in it only", () => {
    const shadowed = text.replace(
      '<Tags/>',
      '<Tags>\n<Tag Name="Start" TagType="Base" DataType="BOOL"/>\n</Tags>',
    );
    const controller = renamed(shadowed, 'Start', 'Start_PB');
    expect(controller).toContain('<Tag Name="Start_PB"');
    expect(controller).toContain('XIC(Start)TON(T1,?,?)OTE(Run);');
    const local = renamed(shadowed, 'Start', 'Local_Start', 'P');
    expect(local).toContain('<Tag Name="Start" TagType="Base" DataType="BOOL"></Tag>');
    expect(local).toContain('<Tag Name="Local_Start" TagType="Base" DataType="BOOL"/>');
    expect(local).toContain('XIC(Local_Start)TON(T1,?,?)OTE(Run);');
  });

  it('refuses a name in use, a name Logix refuses, an unknown tag, and an FBD routine naming the tag', () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(L5xRenameRefused);
        return (e as Error).message;
      }
      return 'not refused';
    };
    const project = readL5x(text);
    expect(refusal(() => renameL5xTag(project, 'Start', 'run'))).toMatch(
      /^the controller has a tag run already \(line \d+\)$/,
    );
    expect(refusal(() => renameL5xTag(project, 'Start', 'Start__PB'))).toMatch(/is not a Logix tag name/);
    expect(refusal(() => renameL5xTag(project, 'Stop', 'Stop_PB'))).toBe('no tag Stop in the controller');
    const fbd = text.replace(
      '</Routines>',
      '<Routine Name="Blocks" Type="FBD"><FBDContent><Sheet Number="1"><IRef ID="0" Operand="Start"/></Sheet></FBDContent></Routine>\n</Routines>',
    );
    expect(refusal(() => renameL5xTag(readL5x(fbd), 'Start', 'Start_PB'))).toMatch(
      /^P\/Blocks \(line \d+\) is FBD and names Start: FBD routines are not rewritten by a rename$/,
    );
  });

  it('renames the conveyor plant: Jam_Sensor in three rungs, and the file still checks', () => {
    const plant = readFileSync(
      join(import.meta.dirname, '../../../../examples/plants/ladder-line/ladder-line.L5X'),
      'utf8',
    );
    const project = readL5x(plant);
    const r = renameL5xTag(project, 'Jam_Sensor', 'Jam_Photoeye');
    // one place per edit, at the line the edit starts on
    expect(r.places).toHaveLength(r.edits.length);
    r.edits.forEach((e, k) => {
      expect(r.places[k]!.line).toBe(plant.slice(0, e.start).split('\n').length);
    });
    expect(r.places.map((p) => p.what)).toEqual([
      'tag Jam_Sensor (declaration)',
      expect.stringMatching(/rung/),
      expect.stringMatching(/rung/),
      expect.stringMatching(/rung/),
    ]);
    const after = Buffer.from(writeL5x(project, r.edits)).toString('utf8');
    expect(after).not.toMatch(/Jam_Sensor/);
    expect(checkL5x(after, 'line.L5X').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('leaves operands that name a routine, a label or an object, and rung text without CDATA stays plain', () => {
    expect(
      renameInLogixText(
        'JSR(Seal,0)XIC(Seal)GSV(Program,Seal,MajorFaultRecord,Seal)JMP(Seal)',
        'Seal',
        'Hold',
        undefined,
      ).text,
    ).toBe('JSR(Seal,0)XIC(Hold)GSV(Program,Seal,MajorFaultRecord,Hold)JMP(Seal)');
    const plain = text.replace(
      '<Text><![CDATA[XIC(Start)TON(T1,?,?)OTE(Run);]]></Text>',
      '<Text>XIC(Start)TON(T1,?,?)OTE(Run);</Text>',
    );
    expect(plain).not.toBe(text);
    const after = renamed(plain, 'Start', 'Start_PB');
    expect(after).toContain('<Text>XIC(Start_PB)TON(T1,?,?)OTE(Run);</Text>');
    expect(renamed(after, 'Start_PB', 'Start')).toBe(plain);
  });

  it('renameInLogixText skips instruction names, module paths and strings', () => {
    expect(renameInLogixText('TON(TON,?,?)XIC(Local:1:I.TON)', 'TON', 'T_On', undefined).text).toBe(
      'TON(T_On,?,?)XIC(Local:1:I.TON)',
    );
    expect(renameInLogixText("Msg := 'Start $'Start'; Start := 1;", 'Start', 'Go', {}).text).toBe(
      "Msg := 'Start $'Start'; Go := 1;",
    );
  });
});

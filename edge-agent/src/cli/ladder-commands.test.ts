import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readL5x } from '@plcfleet/toolchain/l5x';
import { describe, expect, it } from 'vitest';
import { LADDER_EXIT, ladderToStCommand } from './ladder-commands';

const EXAMPLE = join(import.meta.dirname, '../../../examples/plants/ladder-line/ladder-line.L5X');
const PLCOPEN_LD = join(import.meta.dirname, '../../toolchain/fixtures/iec/plcopen/pump-ladder.xml');
const dir = mkdtempSync(join(tmpdir(), 'ladder-cli-'));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

const refused = `<?xml version="1.0" encoding="UTF-8"?>
<RSLogix5000Content TargetType="Controller"><Controller Name="C">
<Tags><Tag Name="A" TagType="Base" DataType="BOOL"/><Tag Name="B" TagType="Base" DataType="BOOL"/></Tags>
<Programs><Program Name="P"><Tags/><Routines>
<Routine Name="Ok" Type="RLL"><RLLContent><Rung Number="0" Type="N"><Text><![CDATA[XIC(A)OTE(B);]]></Text></Rung></RLLContent></Routine>
<Routine Name="Shift" Type="RLL"><RLLContent><Rung Number="0" Type="N"><Text><![CDATA[XIC(A)BSL(A,B,A,B);]]></Text></Rung></RLLContent></Routine>
</Routines></Program></Programs></Controller></RSLogix5000Content>
`;

describe('ladder-to-st', () => {
  it('converts the plant, proves every routine and prints the JSON contract', async () => {
    const t = io();
    const out = join(dir, 'line-st.L5X');
    const code = await ladderToStCommand(EXAMPLE, { out, json: true, runs: '10', seed: '7' }, t.io);
    expect(t.err).toEqual([]);
    expect(code).toBe(LADDER_EXIT.OK);
    const json = JSON.parse(t.out[0] as string) as { routines: Record<string, unknown>[] };
    expect(json.routines).toHaveLength(6);
    expect(json.routines[1]).toEqual({
      name: 'MainProgram/Conveyor',
      converted: true,
      equivalent: true,
      runs: 10,
      scans: 300,
      counterexample: null,
      reason: null,
    });
    const written = readL5x(readFileSync(out));
    expect(written.programs[0]?.routines.filter((r) => r.type === 'ST')).toHaveLength(6);
  });

  it('converts only the routines named with --routine', async () => {
    const t = io();
    const out = join(dir, 'conveyor.L5X');
    const code = await ladderToStCommand(
      EXAMPLE,
      { out, routine: ['MainProgram/Conveyor'], runs: '5' },
      t.io,
    );
    expect(code).toBe(LADDER_EXIT.OK);
    expect(t.out).toEqual([
      'MainProgram/Conveyor: ST, proven equivalent (5 runs x 300 scans)',
      `1 of 1 ladder routine(s) converted and proven; wrote ${out}`,
    ]);
  });

  it('says a routine with nothing to compare is equivalent without a run, not proven by 0 runs', async () => {
    const t = io();
    const input = join(dir, 'empty-rung.L5X');
    writeFileSync(input, refused.replace('XIC(A)BSL(A,B,A,B);', ';').replace('Name="Shift"', 'Name="Empty"'));
    const out = join(dir, 'empty-rung-out.L5X');
    const code = await ladderToStCommand(input, { out, runs: '5' }, t.io);
    expect(code, t.err.join('\n')).toBe(LADDER_EXIT.OK);
    expect(t.out).toEqual([
      'P/Ok: ST, proven equivalent (5 runs x 300 scans)',
      'P/Empty: ST, equivalent without a run (no behaviour to compare)',
      `2 of 2 ladder routine(s) converted and proven; wrote ${out}`,
    ]);
  });

  it('exits 1 naming the refused instruction; the proven routine is written, the other stays ladder', async () => {
    const t = io();
    const input = join(dir, 'refused.L5X');
    writeFileSync(input, refused);
    const out = join(dir, 'refused-out.L5X');
    const code = await ladderToStCommand(input, { out, json: true, runs: '5' }, t.io);
    expect(code).toBe(LADDER_EXIT.FAILED);
    const json = JSON.parse(t.out[0] as string) as {
      routines: { name: string; converted: boolean; reason: string | null }[];
    };
    expect(json.routines.map((r) => [r.name, r.converted, r.reason])).toEqual([
      ['P/Ok', true, null],
      ['P/Shift', false, 'P/Shift rung 0: instruction BSL is not modelled'],
    ]);
    expect(readL5x(readFileSync(out)).programs[0]?.routines.map((r) => r.type)).toEqual(['ST', 'RLL']);
  });

  it('puts an ST body in place of a PLCopen LD body, proven, every other byte kept', async () => {
    const t = io();
    const out = join(dir, 'pump-st.xml');
    const code = await ladderToStCommand(PLCOPEN_LD, { out, json: true, runs: '10' }, t.io);
    expect(t.err).toEqual([]);
    expect(code).toBe(LADDER_EXIT.OK);
    expect(JSON.parse(t.out[0] as string)).toEqual({
      routines: [
        {
          name: 'PRG_PumpLadder',
          converted: true,
          equivalent: true,
          runs: 10,
          scans: 300,
          counterexample: null,
          reason: null,
        },
      ],
    });
    const before = readFileSync(PLCOPEN_LD, 'utf8');
    const after = readFileSync(out, 'utf8');
    expect(after).toContain('IF _LD_RTRIG_11.Q THEN');
    expect(after).not.toContain('<LD>');
    // outside the body and the one declaration the ST needs, the file is as it was
    const ld = /<LD>[\s\S]*<\/LD>/;
    const st = /<ST>[\s\S]*?<\/ST>/;
    const decl =
      '            <variable name="_LD_RTRIG_11"><type><derived name="R_TRIG" /></type></variable>\n';
    expect(after.replace(decl, '').replace(st, '<BODY/>')).toBe(before.replace(ld, '<BODY/>'));
  });

  it('exits 2 for a missing or a non-XML input, and for an unknown routine', async () => {
    const out = join(dir, 'never.L5X');
    const st = join(dir, 'p.st');
    writeFileSync(st, 'PROGRAM P END_PROGRAM');
    const plcopen = join(dir, 'p.xml');
    writeFileSync(
      plcopen,
      '<?xml version="1.0"?><project xmlns="http://www.plcopen.org/xml/tc6_0201"></project>',
    );
    const cases: [string, RegExp, string[]][] = [
      [join(dir, 'missing.L5X'), /^error: no such file: .*missing\.L5X$/, []],
      [dir, /^error: .* is a directory; name the L5X or PLCopen XML file$/, []],
      [st, /not well-formed XML|not an L5X/, []],
      [plcopen, /no POU Pump with an LD body/, ['Pump']],
      [EXAMPLE, /no routine MainProgram\/Nope/, ['MainProgram/Nope']],
    ];
    for (const [input, msg, routine] of cases) {
      const t = io();
      expect(await ladderToStCommand(input, { out, routine }, t.io)).toBe(LADDER_EXIT.USAGE);
      expect(t.err.join('\n')).toMatch(msg);
    }
    const t = io();
    expect(await ladderToStCommand(EXAMPLE, {}, t.io)).toBe(LADDER_EXIT.USAGE);
    expect(() => readFileSync(out)).toThrow();
  });

  it('names a malformed file once, with the line and column of the fault (was: the file three times)', async () => {
    const out = join(dir, 'never.st');
    const ld = join(dir, 'cut.xml');
    // a PLCopen project cut off inside its LD body
    writeFileSync(
      ld,
      '<?xml version="1.0"?>\n<project xmlns="http://www.plcopen.org/xml/tc6_0201"><types><pous><pou name="P" pouType="program"><body><LD>',
    );
    const l5x = join(dir, 'cut.L5X');
    writeFileSync(l5x, '<?xml version="1.0"?>\n<RSLogix5000Content><Controller Name="C"><');
    const cases: [string, string][] = [
      [ld, `error: ${ld}:2:109: <LD> is never closed`],
      [l5x, `error: ${l5x}:2:42: not well-formed XML: '<' does not start a tag`],
    ];
    for (const [input, message] of cases) {
      const t = io();
      expect(await ladderToStCommand(input, { out }, t.io)).toBe(LADDER_EXIT.USAGE);
      expect(t.err).toEqual([message]);
    }
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftComparison } from '@plcfleet/protocols';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProgramFile } from '../sources';
import { comparePrograms } from './compare-programs';

const PLANT = join(__dirname, '../../../examples/plants/press-line');

const tcPou = (
  guid: string,
  body: string,
  decl = 'PROGRAM PRG_Door\nVAR_INPUT\n    Door_Closed : BOOL;\nEND_VAR\n',
) =>
  `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">\n  <POU Name="PRG_Door" Id="{${guid}}" SpecialFunc="None">\n    <Declaration><![CDATA[${decl}]]></Declaration>\n    <Implementation>\n      <ST><![CDATA[${body}]]></ST>\n    </Implementation>\n  </POU>\n</TcPlcObject>\n`;

let plant: ProgramFile[];
beforeAll(async () => {
  plant = [];
  for (const name of (await readdir(PLANT)).sort())
    plant.push({ path: name, text: await readFile(join(PLANT, name), 'utf8') });
});

const edit = (files: ProgramFile[], path: string, f: (t: string) => string) =>
  files.map((x) => (x.path === path ? { ...x, text: f(x.text) } : x));

describe('comparePrograms', () => {
  it('finds no drift between a program and itself', () => {
    const c = comparePrograms(plant, plant);
    expect(c).toMatchObject({ status: 'same', pous: [], globals: [], types: [], configuration: false });
    expect(c.releasedSha256).toBe(c.liveSha256);
    expect(DriftComparison.parse(c)).toEqual(c);
  });

  it('ignores formatting, comments and letter case', () => {
    const live = edit(plant, 'Conveyor.st', (t) =>
      t
        .replace(
          '(* Infeed conveyor: runs until a part reaches the press, stops on E-stop. *)',
          '// reformatted',
        )
        .replace(/\n {4}/g, '\n\t')
        .replace('Running := TRUE;', 'running   :=   true ;  (* started *)'),
    );
    const c = comparePrograms(plant, live);
    expect(c.status).toBe('same');
    expect(c.liveSha256).not.toBe(c.releasedSha256);
  });

  it('ignores vendor metadata (TwinCAT GUIDs, product version)', () => {
    const a = [{ path: 'PRG_Door.TcPOU', text: tcPou('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c01', 'x := 1;') }];
    const b = [
      {
        path: 'PRG_Door.TcPOU',
        text: tcPou('00000000-1111-2222-3333-444444444444', 'x := 1;').replace('3.1.4024.12', '3.1.4026.5'),
      },
    ];
    expect(comparePrograms(a, b).status).toBe('same');
    const c = comparePrograms(a, [
      { path: 'PRG_Door.TcPOU', text: tcPou('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c01', 'x := 2;') },
    ]);
    expect(c.status).toBe('drifted');
    expect(c.pous.map((p) => p.pou)).toEqual(['PRG_Door']);
  });

  it('reports changed logic with a short diff naming the POU', () => {
    const live = edit(plant, 'Conveyor.st', (t) =>
      t.replace('Parts_Fed := Parts_Fed + 1;', 'Parts_Fed := Parts_Fed + 2;'),
    );
    const c = comparePrograms(plant, live);
    expect(c.status).toBe('drifted');
    expect(c.pous).toHaveLength(1);
    expect(c.pous[0]).toMatchObject({ pou: 'Conveyor', change: 'modified', file: 'Conveyor.st' });
    expect(c.pous[0]!.diff).toMatch(/^-.*Parts_Fed \+ 1;$/m);
    expect(c.pous[0]!.diff).toMatch(/^\+.*Parts_Fed \+ 2;$/m);
  });

  it('reports a changed initial value and an added POU', () => {
    const live = [
      ...edit(plant, 'Conveyor.st', (t) =>
        t.replace('Speed_Setpoint : REAL := 0.5;', 'Speed_Setpoint : REAL := 0.9;'),
      ),
      { path: 'Extra.st', text: 'FUNCTION_BLOCK Extra\nEND_FUNCTION_BLOCK\n' },
    ];
    const c = comparePrograms(plant, live);
    expect(c.pous.map((p) => `${p.change} ${p.pou}`).sort()).toEqual(['added Extra', 'modified Conveyor']);
  });

  it('compares a file that does not parse byte for byte', () => {
    const broken = [...plant, { path: 'Broken.st', text: 'PROGRAM Broken\nIF THEN\n' }];
    expect(comparePrograms(broken, broken).status).toBe('same');
    const c = comparePrograms(
      broken,
      edit(broken, 'Broken.st', (t) => `${t} `),
    );
    expect(c.status).toBe('drifted');
    expect(c.unparsed.map((u) => u.file)).toEqual(['Broken.st', 'Broken.st']);
  });

  it('answers the same whatever was compared before against the same release (its parse is kept)', () => {
    const logic = edit(plant, 'Conveyor.st', (t) =>
      t.replace('Parts_Fed := Parts_Fed + 1;', 'Parts_Fed := Parts_Fed + 2;'),
    );
    const brokenLive = [...logic, { path: 'Broken.st', text: 'PROGRAM Broken\nIF THEN\n' }];
    const first = comparePrograms(plant, logic);
    // A live file that does not parse leaves it out of both sides' models; then the kept release is used again.
    const withBroken = comparePrograms(plant, brokenLive);
    expect(withBroken.unparsed.map((u) => `${u.side} ${u.file}`)).toEqual(['live Broken.st']);
    expect(comparePrograms(plant, plant).status).toBe('same');
    expect(comparePrograms(plant, logic)).toEqual(first);
    expect(comparePrograms(plant, brokenLive)).toEqual(withBroken);
    // Another release is parsed afresh: against the changed program as release, the plant drifted back.
    const back = comparePrograms(logic, plant);
    expect(back.pous[0]!.diff).toMatch(/^-.*Parts_Fed \+ 2;$/m);
    expect(back.releasedSha256).toBe(first.liveSha256);
  });

  it('answers as if no file were shared with the release (every live file parsed afresh)', () => {
    const cases = [
      edit(plant, 'Conveyor.st', (t) =>
        t.replace('Parts_Fed := Parts_Fed + 1;', 'Parts_Fed := Parts_Fed + 2;'),
      ),
      edit(plant, 'GVL_IO.st', (t) =>
        t.replace('Reset_PB            AT %IX0.2 : BOOL;', 'Reset_PB AT %IX0.2 : INT;'),
      ),
      edit(plant, 'Conveyor.st', (t) => t.replaceAll('Part_Edge', 'Part_Rise')),
      plant.filter((f) => f.path !== 'SafetyLib.st'),
    ];
    // A trailing blank line makes each file differ byte for byte, so none shares the released unit.
    const afresh = (files: ProgramFile[]) => files.map((f) => ({ ...f, text: `${f.text}\n` }));
    for (const live of cases) {
      const shared = comparePrograms(plant, live);
      const own = comparePrograms(plant, afresh(live));
      expect(shared.status).toBe('drifted');
      expect({ ...own, liveSha256: shared.liveSha256 }).toEqual(shared);
    }
  });
});

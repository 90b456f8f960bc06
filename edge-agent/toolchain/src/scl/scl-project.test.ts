import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyPaths, loadProject, readSource, sourceFormat } from '../iec';
import { compileProgram, loadSimProject, parseScenarioFile, runScenarioFile } from '../sim';

const PLANT = join(__dirname, '../../../../examples/plants/siemens-press');

describe('SCL sources in projects (loadProject, formats, the simulator)', () => {
  it('.scl, .udt and data block .db files are readable formats; a database .db is not a source', async () => {
    expect(sourceFormat('Main.scl')).toEqual({ readable: 'scl' });
    expect(sourceFormat('PressTypes.udt')).toEqual({ readable: 'scl' });
    expect(
      sourceFormat('IO.db', 'DATA_BLOCK "IO"\nSTRUCT a : Bool; END_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n'),
    ).toEqual({
      readable: 'scl',
    });
    expect(sourceFormat('state.db', 'SQLite format 3\u0000')).toEqual({ unrelated: true });
    expect(sourceFormat('state.db', 'SQLite format 3\u0000', true)).toHaveProperty('unsupported');
    // still refused by name: Siemens STL
    expect(sourceFormat('OB1.awl')).toEqual({ unsupported: 'Siemens STL (AWL) source' });

    const dir = mkdtempSync(join(tmpdir(), 'scl-project-'));
    writeFileSync(
      join(dir, 'Cell.scl'),
      'FUNCTION_BLOCK "Cell"\nVAR_INPUT a : Bool; END_VAR\nBEGIN\nEND_FUNCTION_BLOCK\n',
    );
    writeFileSync(join(dir, 'state.db'), Buffer.from('SQLite format 3\u0000\u0001\u0002binary'));
    const found = await classifyPaths([dir]);
    expect(found.sources.map((f) => f.slice(dir.length + 1))).toEqual(['Cell.scl']);
    expect(found.refused).toEqual([]);
    const { project, diagnostics } = await loadProject([dir]);
    expect(project.files.map((f) => f.slice(dir.length + 1))).toEqual(['Cell.scl']);
    expect(diagnostics).toEqual([]);
  });

  it('loads and checks the example plant with 0 diagnostics, and a system instruction call against its interface', async () => {
    const { project, diagnostics } = await loadProject([PLANT]);
    expect(diagnostics).toEqual([]);
    expect(project.files).toHaveLength(6);
    const dir = mkdtempSync(join(tmpdir(), 'scl-project-'));
    const clock = [
      'FUNCTION_BLOCK "Clock"',
      'VAR_OUTPUT now : DTL; ret : Int; END_VAR',
      'BEGIN',
      '   #ret := RD_SYS_T(OUT => #now);',
      'END_FUNCTION_BLOCK',
    ].join('\n');
    writeFileSync(join(dir, 'Clock.scl'), clock);
    expect((await loadProject([dir])).diagnostics).toEqual([]);
    writeFileSync(join(dir, 'Clock.scl'), clock.replace('RD_SYS_T', 'RD_SYS_TT'));
    const bad = await loadProject([dir]);
    expect(bad.diagnostics.map((d) => [d.code, d.line])).toEqual([['ST2001', 4]]);
  });

  it('simulates the example plant from its folder: OB1 runs, the guard gates the press valve', async () => {
    const loaded = await loadSimProject([PLANT]);
    const plc = compileProgram(loaded, { program: 'Main' });
    plc.set('IO.E-Stop OK', true);
    plc.set('IO.Two_Hand', true);
    plc.scan(3);
    expect(plc.get('IO.Press_Valve')).toBe(false);
    plc.set('IO.Door_Closed', true);
    plc.scan(1);
    expect(plc.get('IO.Press_Valve')).toBe(true);
    expect(plc.get('IO.Door_Lamp')).toBe(true);
  });

  it("the plant's scenario file passes (guard, two-hand, stroke watchdog)", async () => {
    const loaded = await loadSimProject([PLANT]);
    const file = join(PLANT, 'press.scenarios.yaml');
    const r = runScenarioFile(loaded, parseScenarioFile(readFileSync(file, 'utf8'), file), {});
    expect(r.scenarios.map((x) => [x.name, x.passed])).toEqual([
      ['the press runs only with the door closed, E-stop healthy and two-hand start', true],
      ['a stroke longer than 3 s stops the press', true],
    ]);
  });

  it('reads SIMATIC AX .st files through readSource', () => {
    const r = readSource(
      'USING System;\nNAMESPACE Cells\n  CLASS C\n  END_CLASS\nEND_NAMESPACE\n',
      'cells.st',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.unit.declarations.map((d) => d.kind)).toEqual(['FunctionBlock']);
  });
});

describe('S7-300 SCL: a function block called through its instance data block', () => {
  const FB = [
    'FUNCTION_BLOCK "Dosing"',
    'VAR_INPUT',
    '  Channel : INT;',
    'END_VAR',
    'VAR_OUTPUT',
    '  Done : BOOL;',
    'END_VAR',
    'BEGIN',
    '  Done := Channel > 0;',
    'END_FUNCTION_BLOCK',
    '',
  ].join('\n');
  const CALLS = [
    'DATA_BLOCK "Dose2" "Dosing"',
    'BEGIN',
    'END_DATA_BLOCK',
    '',
    'DATA_BLOCK "Recipe"',
    'STRUCT',
    '  Steps : INT;',
    'END_STRUCT;',
    'BEGIN',
    'END_DATA_BLOCK',
    '',
    'FUNCTION "Cycle" : VOID',
    'VAR_TEMP',
    '  ok : BOOL;',
    'END_VAR',
    '  "Dosing"."Dose1"(Channel := 3);',
    '  "Dosing"."Dose2"(Channel := "Recipe".Steps);',
    '  ok := "Dose1".Done AND "Dose2".Done;',
    '  "Dosing"."Dose1"(Speed := 1);',
    'END_FUNCTION',
    '',
  ].join('\n');

  it('reads "FB"."DB"(...) as the call of FB with that instance DB, declared or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scl-fbdb-'));
    writeFileSync(join(dir, 'Dosing.scl'), FB);
    writeFileSync(join(dir, 'Cycle.scl'), CALLS);
    const { diagnostics } = await loadProject([dir]);
    // the arguments are checked against the FB; the DB's outputs are its members
    expect(diagnostics.map((d) => [d.file.slice(dir.length + 1), d.line, d.code, d.message])).toEqual([
      ['Cycle.scl', 19, 'ST2008', "'Dose1' has no parameter 'Speed'"],
    ]);
  });

  it('runs "FB"."DB"(...) in the simulator as the call of that instance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scl-fbdb-'));
    writeFileSync(join(dir, 'Dosing.scl'), FB);
    writeFileSync(
      join(dir, 'Main.scl'),
      'ORGANIZATION_BLOCK "Main"\nBEGIN\n  "Dosing"."Dose1"(Channel := 3);\nEND_ORGANIZATION_BLOCK\n',
    );
    const { project, diagnostics } = await loadProject([dir]);
    expect(diagnostics).toEqual([]);
    const plc = compileProgram(project.units);
    expect(plc.get('Dose1.Done')).toBe(false);
    expect(plc.scan(1)).toBeNull();
    expect(plc.get('Dose1.Done')).toBe(true);
  });
});

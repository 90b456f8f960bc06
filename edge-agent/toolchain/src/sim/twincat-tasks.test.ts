/**
 * A TwinCAT project runs what its task objects call, in their order: simulated without
 * `--program`, MAIN reads the output PRG_B wrote in the previous cycle, as on the PLC. Before
 * the task file was read the simulator asked which one program to run, and with MAIN alone
 * PRG_B's output never moved.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plcProjFile, programFile, taskFile } from '../testing/twincat-fixtures';
import { loadSimProject } from './load-project';
import { VirtualPlc } from './virtual-plc';

function project(calls: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-tasks-'));
  mkdirSync(join(dir, 'POUs'));
  writeFileSync(join(dir, 'POUs', 'MAIN.TcPOU'), programFile('MAIN', 'n := PRG_B.n * 10;'));
  writeFileSync(join(dir, 'POUs', 'PRG_B.TcPOU'), programFile('PRG_B', 'n := n + 1;'));
  writeFileSync(join(dir, 'PlcTask.TcTTO'), taskFile('PlcTask', calls));
  writeFileSync(
    join(dir, 'Plc.plcproj'),
    plcProjFile(['PlcTask.TcTTO', 'POUs\\MAIN.TcPOU', 'POUs\\PRG_B.TcPOU']),
  );
  return join(dir, 'Plc.plcproj');
}

async function run(plcproj: string, scans: number): Promise<Array<[number, number]>> {
  const loaded = await loadSimProject([plcproj]);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plc = new VirtualPlc({ units: loaded.units, ...(loaded.checked ? { checked: loaded.checked } : {}) });
  const out: Array<[number, number]> = [];
  for (let i = 0; i < scans; i++) {
    plc.scan(1);
    out.push([plc.get('MAIN.n') as number, plc.get('PRG_B.n') as number]);
  }
  return out;
}

describe("a TwinCAT project's task", () => {
  it('runs every program it calls, in its order', async () => {
    expect(await run(project(['MAIN', 'PRG_B']), 3)).toEqual([
      [0, 1],
      [10, 2],
      [20, 3],
    ]);
    // the other order: MAIN sees this cycle's PRG_B
    expect(await run(project(['PRG_B', 'MAIN']), 3)).toEqual([
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
  });
});

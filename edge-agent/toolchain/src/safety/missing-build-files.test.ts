/**
 * The safety loader reads a `.plcproj` whose build lists files not on disk as `compile` and
 * `simulate` do: one ST3012 warning naming them, relative to the project like every file, and a
 * name such a file would declare is unknown naming it (ST2002), not blamed on libraries.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plcProjFile } from '../testing/twincat-fixtures';
import { loadSafetyProject } from './safety-project';

const MAIN = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="MAIN">
    <Declaration><![CDATA[PROGRAM MAIN
VAR pump : FB_Pump; END_VAR]]></Declaration>
    <Implementation><ST><![CDATA[pump();]]></ST></Implementation>
  </POU>
</TcPlcObject>
`;

const PROJECT = plcProjFile(['POUs\\MAIN.TcPOU', 'POUs\\FB_Pump.TcPOU']);

describe('the safety loader on a build with files missing from disk', () => {
  it('warns once and names the missing file at the unknown type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safety-missing-'));
    mkdirSync(join(dir, 'POUs'));
    writeFileSync(join(dir, 'POUs', 'MAIN.TcPOU'), MAIN);
    writeFileSync(join(dir, 'Plc.plcproj'), PROJECT);
    const p = await loadSafetyProject(dir);
    expect(p.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([
      ['ST3012', 'warning', 'Plc.plcproj'],
      ['ST2002', 'error', join('POUs', 'MAIN.TcPOU')],
    ]);
    expect(p.diagnostics[1]?.message).toBe(
      "unknown type 'FB_Pump': the build lists POUs\\FB_Pump.TcPOU, which is not on disk",
    );
  });
});

/**
 * A `.plcproj` whose build lists files that are not on disk, simulated: the loader leaves them
 * out as `compile` does, says so once (ST3012), and a name such a file would declare is an
 * unknown name or type naming that file (ST2001, ST2002), not a guess at the project's libraries (ST2017).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plcProjFile } from '../testing/twincat-fixtures';
import { loadSimProject } from './load-project';
import { VirtualPlc } from './virtual-plc';

const pou = (decl: string, body: string) => `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="MAIN">
    <Declaration><![CDATA[${decl}]]></Declaration>
    <Implementation><ST><![CDATA[${body}]]></ST></Implementation>
  </POU>
</TcPlcObject>
`;

const PROJECT = plcProjFile(['POUs\\MAIN.TcPOU', 'POUs\\FB_Pump.TcPOU']);

/** A project folder with POUs\MAIN.TcPOU on disk and POUs\FB_Pump.TcPOU listed but missing. */
function fixture(main: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-missing-'));
  mkdirSync(join(dir, 'POUs'));
  writeFileSync(join(dir, 'POUs', 'MAIN.TcPOU'), main);
  writeFileSync(join(dir, 'Plc.plcproj'), PROJECT);
  return dir;
}

describe('simulating a build with files missing from disk', () => {
  it('runs what is there and warns once about what is not', async () => {
    const dir = fixture(pou('PROGRAM MAIN\nVAR n : INT; END_VAR', 'n := n + 1;'));
    const loaded = await loadSimProject([join(dir, 'Plc.plcproj')]);
    const warned = loaded.diagnostics.filter((d) => d.code === 'ST3012');
    expect(warned.map((d) => [d.severity, d.file])).toEqual([['warning', join(dir, 'Plc.plcproj')]]);
    expect(warned[0]?.message).toContain('POUs\\FB_Pump.TcPOU');
    const plc = new VirtualPlc(
      { units: loaded.units, ...(loaded.checked ? { checked: loaded.checked } : {}) },
      { program: 'MAIN' },
    );
    plc.scan(3);
    expect(plc.get('n')).toBe(3);
  });

  it('names the missing file where the program uses what it would declare', async () => {
    const dir = fixture(pou('PROGRAM MAIN\nVAR pump : FB_Pump; END_VAR', 'pump();'));
    const loaded = await loadSimProject([join(dir, 'Plc.plcproj')]);
    const unknown = loaded.diagnostics.filter((d) => d.severity === 'error');
    expect(unknown.map((d) => d.code)).toEqual(['ST2002']);
    expect(unknown[0]?.message).toBe(
      "unknown type 'FB_Pump': the build lists POUs\\FB_Pump.TcPOU, which is not on disk",
    );
  });
});

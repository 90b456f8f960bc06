import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { siemensLibraryDir } from '../scl';
import { loadSafetyProject } from './index';

/** A folder with these files (name → text). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'safety-project-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const errors = (p: { diagnostics: { severity: string; code: string; message: string }[] }) =>
  p.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.message]);

describe('the safety loader checks a version as compile does', () => {
  it('checks a Siemens program against the shipped system instructions (RDREC), read once', async () => {
    const dir = folder({
      'Record.scl': [
        'FUNCTION_BLOCK "ReadRecord"',
        'VERSION : 0.1',
        '   VAR',
        '      rd : RDREC;',
        '      buf : Array[0..15] of Byte;',
        '      busy : Bool;',
        '   END_VAR',
        'BEGIN',
        '   #rd(REQ := TRUE, ID := 16#100, INDEX := 2, MLEN := 16, RECORD := #buf);',
        '   #busy := #rd.BUSY;',
        'END_FUNCTION_BLOCK',
        '',
      ].join('\n'),
    });
    expect(errors(await loadSafetyProject(dir))).toEqual([]);
    // the same interface also named by --libraries is not declared twice
    const siemens = join(siemensLibraryDir()!, 'Siemens_System.st');
    expect(errors(await loadSafetyProject(dir, { libraries: [siemens] }))).toEqual([]);
  });

  it("binds a SIMATIC AX namespace only to its own interface, never to Beckhoff's Tc2_MC2", async () => {
    const dir = folder({
      'axis.st': [
        'NAMESPACE Plant.Axes',
        '    USING Siemens.Simatic.MotionControl.Native;',
        '    FUNCTION_BLOCK AxisControl',
        '        VAR',
        '            power : MC_Power;',
        '        END_VAR',
        '        power(Enable := TRUE, StartMode := 1);',
        '    END_FUNCTION_BLOCK',
        'END_NAMESPACE',
        '',
      ].join('\n'),
    });
    const libs = folder({
      'Tc2_MC2.st':
        '@EXTERNAL FUNCTION_BLOCK MC_Power\nVAR_INPUT\n    Enable : BOOL;\nEND_VAR\nEND_FUNCTION_BLOCK\n',
    });
    expect(errors(await loadSafetyProject(dir, { libraries: [join(libs, 'Tc2_MC2.st')] }))).toEqual([
      [
        'ST2017',
        "'MC_Power' comes from vendor library Siemens.Simatic.MotionControl.Native, which this project does not contain (give its interface with --libraries DIR)",
      ],
    ]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProgram, SimError } from '../sim';
import { loadProject } from './index';

const LIBRARIES = join(import.meta.dirname, '../../libraries');
const TC2_SYSTEM = join(LIBRARIES, 'Tc2_System.st');

/** A program that picks its behaviour by the task it runs in (Tc2_System GETCURTASKINDEX). */
const MAIN = `PROGRAM MAIN
VAR
    fbTask : GETCURTASKINDEX;
    nCalls : UDINT;
    bFastTask : BOOL;
END_VAR
fbTask();
bFastTask := fbTask.index = 1;
IF bFastTask THEN
    nCalls := nCalls + 1;
END_IF
END_PROGRAM
`;

function project(model?: string): { main: string; model: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iec-models-'));
  const main = join(dir, 'MAIN.st');
  writeFileSync(main, MAIN);
  const m = join(dir, 'GETCURTASKINDEX.model.st');
  if (model) writeFileSync(m, model);
  return { main, model: m };
}

describe('behaviour models of library POUs (issue 15)', () => {
  it('checks a call of a body-less library FB against its interface, and a simulator refuses to run it', async () => {
    const { main } = project();
    const r = await loadProject([main], { externalsFiles: [TC2_SYSTEM] });
    expect(r.diagnostics).toEqual([]);
    expect(
      r.project.libraryUnits.flatMap((u) => u.declarations.map((d) => ('name' in d ? d.name : ''))),
    ).toContain('GETCURTASKINDEX');
    // the library declaration is not program code: simulating without a model is refused
    let refused: unknown;
    try {
      compileProgram({ units: r.project.units, diagnostics: [] });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(SimError);
    expect((refused as SimError).message).toMatch(/GETCURTASKINDEX/);
  });
  it('uses a site behaviour model in ST in place of the declaration: checked and simulated', async () => {
    const { main, model } = project(`(* site model: this program runs in task 1 *)
FUNCTION_BLOCK GETCURTASKINDEX
VAR_OUTPUT
    index : BYTE;
END_VAR
index := 1;
END_FUNCTION_BLOCK
`);
    const r = await loadProject([main], { externalsFiles: [TC2_SYSTEM], behaviourModels: [model] });
    expect(r.diagnostics).toEqual([]);
    expect(r.project.files).toEqual([main, model]);
    expect(
      r.project.libraryUnits.flatMap((u) => u.declarations.map((d) => ('name' in d ? d.name : ''))),
    ).not.toContain('GETCURTASKINDEX');
    const plc = compileProgram({ units: r.project.units, diagnostics: r.diagnostics });
    plc.scan(3);
    expect(plc.get('MAIN.bFastTask')).toBe(true);
    expect(plc.get('MAIN.nCalls')).toBe(3);
  });
  it('refuses a model that changes the library interface, naming the difference', async () => {
    const { main, model } = project(`FUNCTION_BLOCK GETCURTASKINDEX
VAR_OUTPUT
    index : INT;
END_VAR
index := 1;
END_FUNCTION_BLOCK
`);
    const r = await loadProject([main], { externalsFiles: [TC2_SYSTEM], behaviourModels: [model] });
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.message])).toEqual([
      [
        'ST2031',
        model,
        1,
        "behaviour model 'GETCURTASKINDEX' does not keep the library interface: index : byte of the library is missing or differs",
      ],
    ]);
  });
});

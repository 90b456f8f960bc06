import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProgram, loadSimProject, SimError } from '../sim';
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
  it('checks a call of a body-less library FB against its interface; the simulator refuses it by name and line', async () => {
    const { main } = project();
    const r = await loadProject([main], { externalsFiles: [TC2_SYSTEM] });
    expect(r.diagnostics).toEqual([]);
    expect(
      r.project.libraryUnits.flatMap((u) => u.declarations.map((d) => ('name' in d ? d.name : ''))),
    ).toContain('GETCURTASKINDEX');
    const refusal = refusalOf(() => compileProgram({ ...r.project, diagnostics: r.diagnostics }));
    expect(refusal).toEqual({
      code: 'SIM_UNSUPPORTED',
      location: { file: main, line: 7, column: 1 },
      message: `${main}:7:1: library function block 'GETCURTASKINDEX' (declared in ${TC2_SYSTEM}) has no body to simulate; supply a behaviour model in ST for it (--models)`,
    });
  });
  it('refuses a library FB passed as ordinary program code instead of running it as an empty FB', async () => {
    const { main } = project();
    const r = await loadProject([main, TC2_SYSTEM]);
    expect(r.diagnostics).toEqual([]);
    // without a bound model the simulator checks the units itself: same refusal
    expect(refusalOf(() => compileProgram(r.project.units))?.code).toBe('SIM_UNSUPPORTED');
    expect(refusalOf(() => compileProgram(r.project))?.message).toMatch(/GETCURTASKINDEX/);
  });
  it('refuses a method of a library FB called from program code, naming its owner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iec-models-'));
    const main = join(dir, 'MAIN.st');
    writeFileSync(
      main,
      `PROGRAM MAIN
VAR
    fbAlarm : FB_TcAlarm;
    hr : HRESULT;
END_VAR
hr := fbAlarm.Raise(0);
END_PROGRAM
`,
    );
    const sim = await loadSimProject([main], {
      libraries: [TC2_SYSTEM, join(LIBRARIES, 'Tc3_EventLogger.st')],
    });
    expect(sim.diagnostics).toEqual([]);
    const refusal = refusalOf(() => compileProgram(sim));
    expect(refusal?.code).toBe('SIM_UNSUPPORTED');
    expect(refusal?.location).toEqual({ file: main, line: 6, column: 7 });
    expect(refusal?.message).toMatch(/library method 'FB_TcAlarm\.Raise'/);
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
    const plc = compileProgram({ ...r.project, diagnostics: r.diagnostics });
    plc.scan(3);
    expect(plc.get('MAIN.nCalls')).toBe(3);
    // the same through the simulator's loader
    const sim = await loadSimProject([main], { libraries: [TC2_SYSTEM], behaviourModels: [model] });
    const plc2 = compileProgram(sim);
    plc2.scan(3);
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

/** The SimError a compilation throws, as plain fields (undefined when it compiles). */
function refusalOf(
  compile: () => unknown,
): { code: string; location?: unknown; message: string } | undefined {
  try {
    compile();
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    return { code: err.code, location: err.location, message: err.message };
  }
  return undefined;
}

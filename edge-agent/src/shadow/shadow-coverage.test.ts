import { parseSource } from '@plcfleet/toolchain/iec';
import { compileProgram } from '@plcfleet/toolchain/sim';
import { describe, expect, it } from 'vitest';
import type { BoundTag } from './shadow-binding';
import { CoverageTracker } from './shadow-coverage';

/** Two inputs, two BOOL outputs (one follows an input, one never rises) and a TON. */
const SOURCE = `
PROGRAM Main
VAR_INPUT Go : BOOL; Level : INT; END_VAR
VAR_OUTPUT Run : BOOL; Alarm : BOOL; END_VAR
VAR T : TON; END_VAR
Run := Go;
Alarm := Level > 30000;
T(IN := Go, PT := T#20ms);
END_PROGRAM
`;

const bound = (path: string, role: BoundTag['role'], type: 'BOOL' | 'INT'): BoundTag => ({
  tag: {
    name: path,
    modbus: { table: 'holding', address: 0, type, wordOrder: 'big' },
    opcua: { nodeId: `ns=1;s=${path}`, browseName: path },
  } as BoundTag['tag'],
  path,
  role,
  tolerance: 0,
  ignored: false,
});

describe('CoverageTracker', () => {
  it('counts what varied, toggled and completed, also after a restore of the candidate', () => {
    const plc = compileProgram([parseSource(SOURCE, 'main.st').unit], { cycleMs: 10 });
    const tags = [
      bound('Go', 'input', 'BOOL'),
      bound('Level', 'input', 'INT'),
      bound('Run', 'output', 'BOOL'),
      bound('Alarm', 'output', 'BOOL'),
    ];
    const c = new CoverageTracker(plc, tags);
    const feed = (go: boolean, level: number) => {
      plc.set('Go', go);
      plc.set('Level', level);
      c.input('Go', go);
      c.input('Level', level);
      plc.scan();
      c.scanned();
    };
    feed(false, 5);
    feed(false, 5);
    let r = c.report();
    expect(r.inputs).toMatchObject({ varied: 0, unvaried: ['Go', 'Level'] });
    expect(r.boolOutputs).toMatchObject({ toggled: 0, held: { Run: false, Alarm: false } });
    // a restore replaces the state objects: what is still watched is read through fresh accessors
    const snap = plc.snapshot();
    feed(true, 5);
    plc.restore(snap);
    c.bind();
    feed(true, 7);
    for (let i = 0; i < 3; i++) feed(true, 7);
    r = c.report();
    expect(r.inputs).toMatchObject({ total: 2, varied: 2, unvaried: [] });
    expect(r.boolOutputs).toMatchObject({ total: 2, toggled: 1, untoggled: ['Alarm'] });
    expect(r.timers).toMatchObject({ total: 1, completed: 1 });
    feed(false, 31000);
    r = c.report();
    expect(r.boolOutputs).toMatchObject({ toggled: 2, untoggled: [] });
  });
});

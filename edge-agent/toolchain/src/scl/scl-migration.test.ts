import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CallStatement,
  type CompilationUnit,
  checkProject,
  type FunctionBlockDecl,
  type IfStatement,
  type ProgramDecl,
} from '../iec';
import { compileProgram } from '../sim';
import { applySclEdits, printScl } from './scl-printer';
import { readScl } from './scl-reader';

const PLANT = join(__dirname, '../../../../examples/plants/siemens-press');
const files = readdirSync(PLANT).filter((f) => /\.(scl|db|udt)$/.test(f));
const readAll = (override: Record<string, string> = {}): CompilationUnit[] =>
  files.map((f) => {
    const r = readScl(override[f] ?? readFileSync(join(PLANT, f), 'utf8'), f);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
const unitOf = (units: CompilationUnit[], f: string) => units.find((u) => u.file === f)!;

/**
 * The guard migration (examples/migrations/safety-guard-monitor-siemens.yaml)
 * done on the SCL plant as its recipe does it: the single-sensor IF becomes a
 * SAFETY_GUARD_MONITOR call on the sensor and its redundant twin, the monitor
 * and the twin are declared, and OB1 wires the twin from the I/O DB.
 */
function migrate(units: CompilationUnit[]): Record<string, string> {
  const cellUnit = unitOf(units, 'PressCell.scl');
  const cell = cellUnit.declarations[0] as FunctionBlockDecl;
  let guard: IfStatement | undefined;
  for (const s of cell.body)
    if (
      s.kind === 'If' &&
      s.condition.kind === 'Binary' &&
      s.then.length === 1 &&
      s.then[0]!.kind === 'Assignment'
    )
      guard = s;
  expect(guard).toBeDefined();
  const inputs = cell.varBlocks.find((b) => b.section === 'VAR_INPUT')!;
  const statics = cell.varBlocks.find((b) => b.section === 'VAR')!;
  const firstInput = inputs.decls[0]!;
  const firstStatic = statics.decls[0]!;
  const cellText = printScl(cellUnit);
  const textOf = (n: { span: { offset: number; endOffset: number } }) =>
    cellText.slice(n.span.offset, n.span.endOffset);
  const newCell = applySclEdits(cellUnit, [
    {
      node: guard!,
      replacement: [
        'Door_Closed_Monitor(',
        '    Guard_Sensor_1 := Door_Closed,',
        '    Guard_Sensor_2 := Door_Closed_Redundant,',
        '    Safety_OK => Door_OK',
        ');',
      ].join('\n'),
    },
    { node: firstInput, replacement: `Door_Closed_Redundant : Bool;\n${textOf(firstInput)}` },
    {
      node: firstStatic,
      replacement: `Door_Closed_Monitor : "SAFETY_GUARD_MONITOR";\n${textOf(firstStatic)}`,
    },
  ]);
  const mainUnit = unitOf(units, 'Main.scl');
  const call = (mainUnit.declarations[0] as ProgramDecl).body[0] as CallStatement;
  const firstArg = call.call.args[0]!;
  const mainText = printScl(mainUnit);
  const newMain = applySclEdits(mainUnit, [
    {
      node: firstArg,
      replacement: `${mainText.slice(firstArg.span.offset, firstArg.span.endOffset)},\nDoor_Closed_Redundant := "IO".Door_Closed_Redundant`,
    },
  ]);
  return { 'PressCell.scl': newCell, 'Main.scl': newMain };
}

describe('the guard migration on the SCL example plant', () => {
  it('the plant reads and checks with 0 diagnostics', () => {
    expect(checkProject(readAll()).diagnostics).toEqual([]);
  });

  it('the migrated plant checks, changes only the guard and the declarations, and is at least as safe', () => {
    const before = readAll();
    const edited = migrate(before);
    const after = readAll(edited);
    expect(checkProject(after).diagnostics).toEqual([]);
    // every other byte of the file stays
    const old = readFileSync(join(PLANT, 'PressCell.scl'), 'utf8');
    const oldLines = old.split('\n');
    const newLines = edited['PressCell.scl']!.split('\n');
    const gone = oldLines.filter((l) => !newLines.includes(l)).map((l) => l.trim());
    const added = newLines.filter((l) => !oldLines.includes(l)).map((l) => l.trim());
    // (END_IF; lines remain elsewhere in the file)
    expect(gone).toEqual(['IF #Door_Closed = TRUE THEN', '#Door_OK := TRUE;']);
    expect(added).toEqual([
      'Door_Closed_Redundant : Bool;',
      'Door_Closed_Monitor : "SAFETY_GUARD_MONITOR";',
      'Door_Closed_Monitor(',
      'Guard_Sensor_1 := Door_Closed,',
      'Guard_Sensor_2 := Door_Closed_Redundant,',
      'Safety_OK => Door_OK',
      ');',
    ]);

    const oldPlc = compileProgram(checkProject(before).checked, { program: 'Main' });
    const newPlc = compileProgram(checkProject(after).checked, { program: 'Main' });
    // seeded random I/O with the migration's assumption: the redundant switch follows the door
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let enabled = 0;
    for (let k = 0; k < 2000; k++) {
      if (k % 7 === 0) {
        const io = {
          Door_Closed: rnd() < 0.7,
          'E-Stop OK': rnd() < 0.9,
          Two_Hand: rnd() < 0.6,
          Top_Position: rnd() < 0.5,
        };
        for (const [name, v] of Object.entries(io)) {
          oldPlc.set(`IO.${name}`, v);
          newPlc.set(`IO.${name}`, v);
        }
        newPlc.set('IO.Door_Closed_Redundant', io.Door_Closed);
      }
      expect(oldPlc.scan()).toBeNull();
      expect(newPlc.scan()).toBeNull();
      // relation "new -> old": the new program never enables where the old one does not
      if (newPlc.get('IO.Press_Valve')) expect(oldPlc.get('IO.Press_Valve')).toBe(true);
      expect(newPlc.get('PressCellDB.Status.Strokes')).toBe(oldPlc.get('PressCellDB.Status.Strokes'));
      if (newPlc.get('IO.Press_Valve')) enabled++;
    }
    // the run did enable the press: the relation was tested, not vacuous
    expect(enabled).toBeGreaterThan(50);
  });

  it('a discrepancy between the door switches stops the press only after the migration', () => {
    const before = readAll();
    const after = readAll(migrate(before));
    const plcs = [before, after].map((u) => compileProgram(checkProject(u).checked, { program: 'Main' }));
    for (const plc of plcs) {
      plc.set('IO.Door_Closed', true);
      plc.set('IO.Door_Closed_Redundant', false);
      plc.set('IO.E-Stop OK', true);
      plc.set('IO.Two_Hand', true);
      plc.scan(30);
    }
    expect(plcs[0]!.get('IO.Press_Valve')).toBe(true);
    expect(plcs[1]!.get('IO.Press_Valve')).toBe(false);
    expect(plcs[1]!.get('PressCellDB.Door_Closed_Monitor.Discrepancy_Fault')).toBe(true);
  });
});

import { PlantBinding } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { compileProgram } from '../sim';
import { ClosedLoop } from './closed-loop';
import { closedLoopEquivalence } from './closed-loop-equivalence';

const units = (src: string) => [parseSource(src, 'p.st').unit];

/** A tank: the pump fills it 3 per cycle, the outlet (when open) drains 2 per cycle. */
const TANK = `
PROGRAM Tank
VAR_INPUT
  PumpOn : BOOL;
  OutletOpen : BOOL;
END_VAR
VAR_OUTPUT
  Level : INT := 500;
END_VAR
IF PumpOn THEN Level := Level + 3; END_IF;
IF OutletOpen THEN Level := Level - 2; END_IF;
IF Level < 0 THEN Level := 0; END_IF;
END_PROGRAM
`;

/** Keeps the level between Low and High (hysteresis); Enable is a free input (the operator). */
const controller = (low: number, high: number, form: 'if' | 'expr' = 'if') => `
PROGRAM Ctl
VAR_INPUT
  Level : INT;
  Enable : BOOL := TRUE;
END_VAR
VAR_OUTPUT
  Pump : BOOL;
  Outlet : BOOL := TRUE;
END_VAR
${
  form === 'if'
    ? `IF NOT Enable THEN Pump := FALSE; ELSIF Level < ${low} THEN Pump := TRUE; ELSIF Level > ${high} THEN Pump := FALSE; END_IF;`
    : `Pump := Enable AND (Level < ${low} OR (Pump AND NOT (Level > ${high})));`
}
Outlet := TRUE;
END_PROGRAM
`;

const binding = (delay = 1) =>
  PlantBinding.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'PlantBinding',
    delay,
    sensors: [{ from: 'Level', to: 'Level' }],
    actuators: [
      { from: 'Pump', to: 'PumpOn' },
      { from: 'Outlet', to: 'OutletOpen', delay: 0 },
    ],
  });

describe('ClosedLoop', () => {
  it('closes the loop: the controller holds the tank between its limits, lagging by the binding delay', () => {
    const loop = new ClosedLoop(
      compileProgram(units(controller(400, 600))),
      compileProgram(units(TANK)),
      binding(2),
    );
    const levels: number[] = [];
    let pumpChanges = 0;
    let lastPump = false;
    for (let i = 0; i < 2000; i++) {
      expect(loop.scan()).toBeNull();
      levels.push(loop.plant.get('Level') as number);
      const pump = loop.controller.get('Pump') as boolean;
      if (pump !== lastPump) pumpChanges++;
      lastPump = pump;
    }
    // Drains from 500 to below 400, then cycles: pump on below 400, off above 600.
    expect(Math.min(...levels.slice(500))).toBeGreaterThanOrEqual(390);
    expect(Math.max(...levels.slice(500))).toBeLessThanOrEqual(610);
    expect(Math.max(...levels.slice(500))).toBeGreaterThan(600);
    expect(pumpChanges).toBeGreaterThan(10);
    expect(loop.freeInputs()).toEqual(['Enable']);
  });

  it('reset puts the plant and the values in transit back to the start', () => {
    const controllerPlc = compileProgram(units(controller(400, 600)));
    const start = controllerPlc.snapshot();
    const loop = new ClosedLoop(controllerPlc, compileProgram(units(TANK)), binding(3));
    const run = () => {
      const levels: number[] = [];
      for (let i = 0; i < 300; i++) {
        expect(loop.scan()).toBeNull();
        levels.push(loop.plant.get('Level') as number);
      }
      return levels;
    };
    const first = run();
    expect(first.at(-1)).not.toBe(500);
    controllerPlc.restore(start);
    loop.reset();
    expect(loop.plant.get('Level')).toBe(500);
    expect(run()).toEqual(first);
  });

  it('names a wire end that neither program has', () => {
    const bad = PlantBinding.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'PlantBinding',
      sensors: [{ from: 'Levle', to: 'Level' }],
    });
    expect(
      () => new ClosedLoop(compileProgram(units(controller(400, 600))), compileProgram(units(TANK)), bad),
    ).toThrow(/binding: Levle → Level: the plant has no variable Levle/);
  });

  it('rejects a binding that drives one variable twice', () => {
    const r = PlantBinding.safeParse({
      apiVersion: 'plcfleet/v1',
      kind: 'PlantBinding',
      actuators: [
        { from: 'Pump', to: 'PumpOn' },
        { from: 'Outlet', to: 'PumpOn' },
      ],
    });
    expect(r.success).toBe(false);
  });
});

describe('closedLoopEquivalence', () => {
  it('finds a controller rewritten as one expression equivalent in closed loop', () => {
    const r = closedLoopEquivalence(
      units(controller(400, 600)),
      units(controller(400, 600, 'expr')),
      units(TANK),
      binding(),
      { scans: 5000, seed: 7, changeRate: 0.001 },
    );
    expect(r).toMatchObject({ equivalent: true, scans: 5000, freeInputs: ['Enable'], difference: null });
    expect(r.outputs).toEqual(['Pump', 'Outlet']);
  });

  it('catches a changed limit that only shows once the plant moves the level there', () => {
    const r = closedLoopEquivalence(
      units(controller(400, 600)),
      units(controller(400, 650)),
      units(TANK),
      binding(),
      {
        scans: 5000,
        seed: 7,
        // The operator rarely switches: the level has time to climb past 600.
        changeRate: 0.001,
      },
    );
    expect(r.equivalent).toBe(false);
    expect(r.difference).toMatchObject({ output: 'Pump', old: false, new: true });
  });
});

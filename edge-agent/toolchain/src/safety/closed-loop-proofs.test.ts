/**
 * Safety proofs in closed loop with a plant model (`safety --plant --binding`):
 * the inputs the plant drives follow the plant, so a change that only
 * loosens a permissive in states the machine cannot reach is not refuted, one
 * that does in reachable states is, and a binding that does not fit fails
 * as bad input.
 */
import { PlantBinding } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { SimError } from '../sim';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

/** A tank: the pump fills it 3 per cycle, the open outlet drains 2 per cycle. */
const TANK = `PROGRAM Tank
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

/** Fills below 400, stops above 600; `extra` is OR-ed into the pump permissive. */
const ctl = (extra = '') => `PROGRAM Ctl
VAR_INPUT
  Level : INT;
  Enable : BOOL;
END_VAR
VAR_OUTPUT
  Pump : BOOL;
  Outlet : BOOL := TRUE;
END_VAR
Pump := (Enable AND (Level < 400 OR (Pump AND NOT (Level > 600))))${extra};
Outlet := TRUE;
END_PROGRAM
`;

const binding = (sensor = 'Level') =>
  PlantBinding.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'PlantBinding',
    delay: 1,
    sensors: [{ from: sensor, to: 'Level' }],
    actuators: [
      { from: 'Pump', to: 'PumpOn' },
      { from: 'Outlet', to: 'OutletOpen', delay: 0 },
    ],
  });

const policy = testPolicy({ permissives: ['Pump'] });
const before = stProject({ 'ctl.st': ctl() });
const plant = (sensor?: string) => ({
  program: stProject({ 'tank.st': TANK }).units,
  binding: binding(sensor),
});

describe('safety proofs with a plant model', () => {
  it('does not refute a loosening the plant never reaches (the tank never passes 900), which open loop does', async () => {
    const after = stProject({ 'ctl.st': ctl(' OR (Enable AND Level > 900)') });
    const open = await verifySafety({ before, after, policy, runs: 8 });
    expect(open.findings.map((f) => f.rule)).toContain('permissive/loosened');
    const closed = await verifySafety({ before, after, policy, runs: 8, plant: plant() });
    // The static rules still see a new OR term; the proof is what the plant changes.
    expect(closed.findings.map((f) => f.rule)).not.toContain('permissive/loosened');
    const proof = closed.proofs.find((p) => p.kind === 'permissive')!;
    expect(proof).toMatchObject({ result: 'proven', method: 'random', claim: 'not-refuted' });
  });

  it('refutes a loosening the plant does reach (the tank starts at 500)', async () => {
    const after = stProject({ 'ctl.st': ctl(' OR (Enable AND Level > 450)') });
    const closed = await verifySafety({ before, after, policy, runs: 8, plant: plant() });
    expect(closed.verdict).toBe('fail');
    expect(closed.findings.map((f) => f.rule)).toContain('permissive/loosened');
  });

  it('throws bad input for a binding end the plant does not have', async () => {
    const after = stProject({ 'ctl.st': ctl(' OR (Enable AND Level > 900)') });
    const run = verifySafety({ before, after, policy, plant: plant('Levle') });
    await expect(run).rejects.toBeInstanceOf(SimError);
    await expect(run).rejects.toThrow(/binding: Levle → Level: the plant has no variable Levle/);
  });
});

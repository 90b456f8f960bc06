/**
 * A controller and a plant model (an ST program simulating the machine) scanned in
 * closed loop through a {@link PlantBinding}: in each cycle the controller reads its
 * sensors (plant outputs, delayed), scans, and the plant reads its actuators
 * (controller outputs, delayed) and scans. With `delay: 0` an actuator reaches the
 * plant in the cycle the controller wrote it, and a sensor reaches the controller in
 * the cycle after the plant produced it (the plant scans second).
 */
import type { PlantBinding, PlantWire } from '@plcfleet/protocols';
import { SIM_ERROR_CODES, SimError, type SimFault, type SimValue, type VirtualPlc } from '../sim';

/** A wire with its line of values in transit. */
interface Line {
  wire: PlantWire;
  from: string;
  to: string;
  delay: number;
  inTransit: SimValue[];
  /** What was in transit when the loop was built (for {@link ClosedLoop.reset}). */
  initial: SimValue[];
}

/** The variable of `plc` named `name` (case-insensitive, as ST names are), or throws. */
function variable(plc: VirtualPlc, name: string, side: string, wire: string): string {
  const lower = name.toLowerCase();
  const v = plc.listVariables().find((x) => x.name.toLowerCase() === lower);
  if (!v)
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `binding: ${wire}: the ${side} has no variable ${name}`);
  return v.name;
}

/** Controller and plant in closed loop. */
export class ClosedLoop {
  private readonly sensors: Line[];
  private readonly actuators: Line[];
  /** Controller variables the plant drives: not free inputs of the controller. */
  readonly drivenInputs: ReadonlySet<string>;

  /** Checks every wire's ends against the two programs; throws `SimError` BAD_INPUT naming the first that is missing. */
  constructor(
    readonly controller: VirtualPlc,
    readonly plant: VirtualPlc,
    readonly binding: PlantBinding,
  ) {
    const line = (
      wire: PlantWire,
      fromPlc: VirtualPlc,
      fromSide: string,
      toPlc: VirtualPlc,
      toSide: string,
    ) => {
      const label = `${wire.from} → ${wire.to}`;
      const from = variable(fromPlc, wire.from, fromSide, label);
      const to = variable(toPlc, wire.to, toSide, label);
      const delay = wire.delay ?? binding.delay;
      const initial = Array.from({ length: delay }, () => fromPlc.get(from));
      return { wire, from, to, delay, inTransit: [...initial], initial };
    };
    this.sensors = binding.sensors.map((w) => line(w, plant, 'plant', controller, 'controller'));
    this.actuators = binding.actuators.map((w) => line(w, controller, 'controller', plant, 'plant'));
    this.drivenInputs = new Set(this.sensors.map((l) => l.to));
    this.plantStart = plant.snapshot();
  }

  private readonly plantStart: ReturnType<VirtualPlc['snapshot']>;

  /**
   * Puts the plant and the wires back to where they were when the loop was built (the
   * controller is the caller's: a scenario restores its own start). Each scenario of
   * `test --plant` starts so.
   */
  reset(): void {
    this.plant.restore(this.plantStart);
    for (const l of [...this.sensors, ...this.actuators]) l.inTransit = [...l.initial];
  }

  /** What arrives at the far end of `l` this cycle, given what leaves now. */
  private static carry(l: Line, leaving: SimValue): SimValue {
    if (l.delay === 0) return leaving;
    l.inTransit.push(leaving);
    return l.inTransit.shift()!;
  }

  /**
   * Runs `n` closed-loop cycles; stops at the first fault of either program and returns it
   * (with `side` saying whose), or null.
   */
  scan(n = 1): (SimFault & { side: 'controller' | 'plant' }) | null {
    for (let i = 0; i < n; i++) {
      for (const l of this.sensors) this.controller.set(l.to, ClosedLoop.carry(l, this.plant.get(l.from)));
      const cf = this.controller.scan();
      if (cf) return { ...cf, side: 'controller' };
      for (const l of this.actuators) this.plant.set(l.to, ClosedLoop.carry(l, this.controller.get(l.from)));
      const pf = this.plant.scan();
      if (pf) return { ...pf, side: 'plant' };
    }
    return null;
  }

  /** The controller's inputs the plant does not drive: what a scenario or a random run still sets. */
  freeInputs(): string[] {
    return this.controller.inputNames().filter((n) => !this.drivenInputs.has(n));
  }
}

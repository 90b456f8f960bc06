import { z } from 'zod';
import { ApiVersion, PlcName } from './common';

/** One wire between the plant model and the controller: `from` of one drives `to` of the other. */
export const PlantWire = z.strictObject({
  /** Variable written by the side the wire leaves (a plant output, or a controller output). */
  from: PlcName,
  /** Variable read by the other side (a controller input, or a plant input). */
  to: PlcName,
  /** Scan cycles the value takes to arrive (sensor or actuator lag); the binding's `delay` when absent. */
  delay: z.number().int().min(0).max(10_000).optional(),
});
export type PlantWire = z.infer<typeof PlantWire>;

/**
 * How a plant model (an ST program simulating the machine) closes the loop with a
 * controller: plant outputs become controller inputs (sensors), controller outputs
 * become plant inputs (actuators), each after a delay in scan cycles (YAML or JSON).
 */
export const PlantBinding = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('PlantBinding'),
    name: z.string().min(1).max(200).optional(),
    /** Delay of every wire that names none, in scan cycles. @default 1 */
    delay: z.number().int().min(0).max(10_000).default(1),
    /** Plant output → controller input. */
    sensors: z.array(PlantWire).default([]),
    /** Controller output → plant input. */
    actuators: z.array(PlantWire).default([]),
  })
  .superRefine((b, ctx) => {
    if (b.sensors.length + b.actuators.length === 0)
      ctx.addIssue({ code: 'custom', message: 'a binding needs at least one sensor or actuator wire' });
    // Two wires driving one variable would make the loop depend on the order of copying.
    for (const [side, wires] of [
      ['sensors', b.sensors],
      ['actuators', b.actuators],
    ] as const) {
      const seen = new Set<string>();
      wires.forEach((w, i) => {
        const key = w.to.toLowerCase();
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [side, i, 'to'], message: `${w.to} is driven by two wires` });
        seen.add(key);
      });
    }
  });
export type PlantBinding = z.infer<typeof PlantBinding>;

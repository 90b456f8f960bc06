/**
 * The demo program of `fixtures/plant-io/demo.st`, written as a {@link MemoryRuntime}
 * scan so protocol tests do not depend on the ST toolchain.
 */
import { MemoryRuntime } from './memory-runtime';

/** A runtime behaving like `fixtures/plant-io/demo.st`. */
export function demoMemoryRuntime(): MemoryRuntime {
  return new MemoryRuntime(
    {
      Run: ['BOOL', true],
      Running: ['BOOL', false],
      Setpoint: ['INT', 100],
      Counter: ['DINT', 0],
      CounterLE: ['DINT', 0],
      Ramp: ['REAL', 0],
      RampLE: ['REAL', 0],
      Level: ['UINT', 0],
      Total: ['LINT', 0n],
      Precise: ['LREAL', 0],
      PatternBE: ['UDINT', 0x12345678],
      PatternLE: ['UDINT', 0x12345678],
      PatternReal: ['REAL', 1.5],
      PatternLint: ['LINT', 0x0102030405060708n],
      Trim: ['INT', 0],
    },
    (v) => {
      const run = v.get('run') === true;
      v.set('running', run);
      let counter = v.get('counter') as number;
      if (run) counter = (counter + 1) | 0;
      v.set('counter', counter);
      v.set('counterle', counter);
      const ramp = Math.fround((counter % 1000) * 0.5 + (v.get('trim') as number));
      v.set('ramp', ramp);
      v.set('rample', ramp);
      v.set('level', ((counter % 65536) + 65536) % 65536);
      const total = BigInt.asIntN(64, (v.get('total') as bigint) + BigInt(v.get('setpoint') as number));
      v.set('total', total);
      v.set('precise', Number(total) / 3);
    },
  );
}

/**
 * The served PLC's scan loop keeps its program's clock on wall time (ADR 0122): a PLC's
 * timers follow its clock whatever its scan rate, so a scan loop preempted on a loaded host
 * runs the scans that fell due when it gets the CPU back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PlcScanLoop } from './plc-scan-loop';
import { VirtualPlcRuntime } from './virtual-plc-runtime';

const PROGRAM = `PROGRAM Main
VAR_INPUT Start : BOOL; END_VAR
VAR_OUTPUT Done : BOOL; Scans : DINT; END_VAR
VAR T : TON; END_VAR
T(IN := Start, PT := T#150MS);
Done := T.Q;
Scans := Scans + 1;
END_PROGRAM
`;

let loop: PlcScanLoop | undefined;
afterEach(() => loop?.stop());

/** Keeps this process busy for `ms` (a preemption, as a loaded host gives one). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

const nextScan = (l: PlcScanLoop) =>
  new Promise<void>((resolve) => {
    const off = l.onScan(() => {
      off();
      resolve();
    });
  });

describe('PlcScanLoop on wall time', () => {
  it('runs the scans that fell due while the process was held, so a TON times wall time', async () => {
    const runtime = new VirtualPlcRuntime([{ name: 'main.st', text: PROGRAM }], { cycleMs: 10 });
    loop = new PlcScanLoop(runtime);
    loop.write('Start', true);
    const t0 = performance.now();
    loop.start(10);
    await nextScan(loop);
    const before = loop.scanCount;
    busy(300); // no timer can fire: 30 cycles fall due
    await nextScan(loop);
    const elapsed = performance.now() - t0;
    // the program scanned for the time that passed (not one scan for the held 300 ms)
    expect(loop.scanCount).toBeGreaterThanOrEqual(before + 29);
    expect(loop.scanCount).toBeLessThanOrEqual(Math.floor(elapsed / 10) + 1);
    expect(runtime.read('Scans')).toBe(loop.scanCount);
    // its 150 ms timer ran out within the 300 ms, as a PLC's would
    expect(runtime.read('Done')).toBe(true);
  });

  it('does not make up more than a second: a process stopped longer loses that time', async () => {
    const runtime = new VirtualPlcRuntime([{ name: 'main.st', text: PROGRAM }], { cycleMs: 10 });
    loop = new PlcScanLoop(runtime);
    loop.start(10);
    await nextScan(loop);
    const before = loop.scanCount;
    busy(1500);
    await nextScan(loop);
    expect(loop.scanCount - before).toBeLessThanOrEqual(100);
    expect(loop.scanCount - before).toBeGreaterThanOrEqual(100);
  });
});

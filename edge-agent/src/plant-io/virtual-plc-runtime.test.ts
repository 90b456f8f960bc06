import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PlcScanLoop } from './plc-scan-loop';
import { VirtualPlcRuntime } from './virtual-plc-runtime';

const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));

describe('VirtualPlcRuntime (the real virtual PLC behind the PlcRuntime seam)', () => {
  it('runs demo.st: values change every scan, writes land at the next scan', () => {
    const rt = VirtualPlcRuntime.fromPaths([`${fixtures}demo.st`]);
    const loop = new PlcScanLoop(rt);
    loop.step();
    loop.step();
    expect(rt.read('Counter')).toBe(2);
    expect(rt.read('PatternLint')).toBe(0x0102030405060708n);
    loop.write('Run', false);
    expect(rt.read('Run')).toBe(true);
    expect(loop.read('Run')).toBe(false);
    loop.step();
    expect(rt.read('Counter')).toBe(2);
    expect(rt.read('Running')).toBe(false);
    expect(rt.read('NoSuchVar')).toBeUndefined();
    expect(rt.programFiles().map((f) => f.name)).toEqual(['demo.st']);
  });

  it('online change keeps variables whose declaration is unchanged; a broken program is refused and the old one runs on', async () => {
    const rt = VirtualPlcRuntime.fromPaths([`${fixtures}demo.st`]);
    const loop = new PlcScanLoop(rt);
    for (let i = 0; i < 5; i++) loop.step();
    const source = rt.programFiles()[0]!.text;
    // counts by 10 now, and declares a new variable
    const v2 = source
      .replace('Counter := Counter + 1;', 'Counter := Counter + 10;')
      .replace('Trim : INT;', 'Trim : INT;\n  Extra : INT := 7;');
    const ok = await loop.replaceProgram([{ name: 'demo.st', text: v2 }]);
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.detail).toMatch(/kept \d+ \(.*Counter/);
    expect(ok.ok && ok.detail).toMatch(/reinitialised 1 \(Extra\)/);
    // applied at the scan boundary, then that scan ran the new code on the kept value 5
    expect(rt.read('Counter')).toBe(15);
    loop.step();
    expect(rt.read('Counter')).toBe(25);
    expect(rt.read('Extra')).toBe(7);
    expect(rt.programFiles()[0]!.text).toBe(v2);

    const broken = await loop.replaceProgram([{ name: 'demo.st', text: v2.replace('END_PROGRAM', '') }]);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.reason).toMatch(/does not compile: demo\.st:\d+:\d+/);
    loop.step();
    expect(rt.read('Counter')).toBe(45);
    expect(rt.programFiles()[0]!.text).toBe(v2);
  });

  it('refuses a program that does not compile at start, with the location', () => {
    expect(
      () =>
        new VirtualPlcRuntime([
          { name: 'x.st', text: 'PROGRAM Main\nVAR a : INT; END_VAR\na := b;\nEND_PROGRAM\n' },
        ]),
    ).toThrow(/does not compile: x\.st:3/);
  });
});

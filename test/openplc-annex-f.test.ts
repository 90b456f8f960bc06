/**
 * OpenPLC's (MATIEC's) PID, RAMP, DERIVATIVE, INTEGRAL and HYSTERESIS, shipped as behaviour
 * models (edge-agent/toolchain/models/openplc, decision 0098): a tank loop that calls them
 * without declaring them, as OpenPLC programs do, is refused without the models and simulated
 * with them — scan for scan as MATIEC runs the same program with its own blocks. The expected
 * values below were printed by MATIEC 6bb2c33 (iec2c → C → gcc -O2 under /tmp, never part of
 * the repository) for this program and input timeline; they are compared as binary32.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = 'edge-agent/toolchain/models/openplc';

const TANK = `PROGRAM TankLoop
VAR_INPUT
  level : REAL;
  setpoint : REAL;
  auto : BOOL;
  manual : REAL;
END_VAR
VAR_OUTPUT
  valve : REAL;
  ramped : REAL;
  rate : REAL;
  busy : BOOL;
  high : BOOL;
END_VAR
VAR
  pid1 : PID;
  ramp1 : RAMP;
  slope : DERIVATIVE;
  hy : HYSTERESIS;
END_VAR
pid1(AUTO := auto, PV := level, SP := setpoint, X0 := manual, KP := 1.7, TR := 3.3, TD := 0.45, CYCLE := T#100ms);
valve := pid1.XOUT;
ramp1(RUN := auto, X0 := manual, X1 := 80.0, TR := T#1100ms, CYCLE := T#250ms);
ramped := ramp1.XOUT;
busy := ramp1.BUSY;
slope(RUN := auto, XIN := level, CYCLE := T#100ms);
rate := slope.XOUT;
hy(XIN1 := level, XIN2 := setpoint, EPS := 2.0);
high := hy.Q;
END_PROGRAM
`;

const INPUTS = {
  0: { auto: false, manual: 21.3, level: 40, setpoint: 50 },
  5: { auto: true },
  12: { level: 45.37 },
  16: { level: 53.18 },
  20: { setpoint: 59.6 },
  26: { auto: false },
};

// MATIEC's output per scan: valve, ramped, rate, busy, high.
const MATIEC: [number, number, number, boolean, boolean][] = [
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [35.6948471, 21.2999992, 0, true, false],
  [35.1796951, 34.6409073, 0, true, false],
  [34.6645432, 47.9818192, 0, true, false],
  [34.1493912, 61.3227272, 0, true, false],
  [33.634243, 74.6636353, 0, true, false],
  [33.119091, 80, 0, false, false],
  [32.6039352, 80, 0, false, false],
  [53.8185692, 80, 16.1099968, false, false],
  [57.6881027, 80, 21.4799957, false, false],
  [53.3415413, 80, 16.1099968, false, false],
  [40.7788811, 80, 0, false, false],
  [72.1436539, 80, 23.4300041, false, true],
  [78.2821274, 80, 31.2400055, false, true],
  [72.4712982, 80, 23.4300041, false, true],
  [54.7111588, 80, 0, false, true],
  [16.0284367, 80, 0, false, false],
  [8.35371208, 80, 0, false, false],
  [15.3669834, 80, 0, false, false],
  [37.0682564, 80, 0, false, false],
  [36.7375259, 80, 0, false, false],
  [36.4068031, 80, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
  [36.2099991, 21.2999992, 0, false, false],
];

const dir = mkdtempSync(join(tmpdir(), 'plcfleet-openplc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const program = join(dir, 'tank.st');
writeFileSync(program, TANK);
const inputs = join(dir, 'inputs.json');
writeFileSync(inputs, JSON.stringify(INPUTS));

function agent(args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'edge-agent/src/cli.ts', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 110_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('OpenPLC control blocks as shipped behaviour models', { timeout: 120_000 }, () => {
  it('refuses the blocks without the models, naming each, and checks clean with them', () => {
    const without = agent(['compile', program, '--json']);
    expect(without.code).toBe(1);
    const refused = JSON.parse(without.stdout).diagnostics as { code: string; message: string }[];
    expect(refused.map((d) => [d.code, d.message.match(/^'(\w+)'/)?.[1]])).toEqual([
      ['ST2017', 'PID'],
      ['ST2017', 'RAMP'],
      ['ST2017', 'DERIVATIVE'],
      ['ST2017', 'HYSTERESIS'],
    ]);
    const withModels = agent(['compile', program, '--models', MODELS, '--json']);
    expect(withModels.stderr).toBe('');
    expect(withModels.code).toBe(0);
    expect(JSON.parse(withModels.stdout)).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('runs the tank loop scan for scan as MATIEC does', () => {
    const r = agent(['simulate', program, '--models', MODELS, '--scans', '30', '--inputs', inputs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const scans = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { valve: number; ramped: number; rate: number; busy: boolean; high: boolean },
      );
    expect(scans).toHaveLength(MATIEC.length);
    const f = Math.fround;
    const ours = scans.map((s) => [f(s.valve), f(s.ramped), f(s.rate), s.busy, s.high]);
    expect(ours).toEqual(MATIEC.map(([v, r, d, b, h]) => [f(v), f(r), f(d), b, h]));
  });
});

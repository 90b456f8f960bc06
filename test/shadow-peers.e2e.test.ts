/**
 * `plcfleet-agent shadow` against a PLC we did not write: pymodbus's Modbus TCP server
 * (python3-pymodbus from Debian, installed by scripts/test-peers.sh) in its own process,
 * its registers driven by a field script that scans like a PLC (a per-scan counter, a
 * toggling input, outputs computed from inputs every cycle, a TON). The candidate is that
 * program in ST (shadow-peers/field-plc.st); the field starts when shadow first connects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '@plcfleet/protocols';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runShadowCommand, type ShadowArgs } from '../edge-agent/src/cli/shadow-commands';
import type { ShadowReport } from '../edge-agent/src/shadow';

const here = join(__dirname, 'shadow-peers');
const PROGRAM = join(here, 'field-plc.st');
const TAGS = join(here, 'field-tags.yaml');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shadow-peers-'));
  // the alarm limit moved from 800 to 900: diverges while the field's level is 900
  writeFileSync(
    join(dir, 'divergent.st'),
    readFileSync(PROGRAM, 'utf8').replace('Alarm := Level > 800;', 'Alarm := Level > 900;'),
  );
  // the same program with its TON inside a user FB instance (ADR 0146)
  writeFileSync(
    join(dir, 'in-fb.st'),
    `FUNCTION_BLOCK Warmer
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Done : BOOL; END_VAR
VAR Delay : TON; END_VAR
Delay(IN := Run, PT := T#300ms);
Done := Delay.Q;
END_FUNCTION_BLOCK

${readFileSync(PROGRAM, 'utf8')
  .replace('T1 : TON;', 'W : Warmer;')
  .replace('T1(IN := Motor, PT := T#300ms);', 'W(Run := Motor);')
  .replace('Warm := T1.Q;', 'Warm := W.Done;')}`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

/** Starts the pymodbus field PLC; resolves with its process and port once it listens. */
function fieldPlc(
  extra: string[] = [],
): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn('/usr/bin/python3', [join(here, 'field_plc_modbus.py'), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`field PLC exited ${code}: ${err}`)));
  });
}

async function shadow(args: Partial<ShadowArgs>, during?: (report: string[]) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runShadowCommand(
    { program: PROGRAM, tags: TAGS, json: true, seconds: '4', ...args },
    {
      out: (l) => out.push(l),
      err: (l) => {
        err.push(l);
        during?.(err);
      },
    },
    {},
  );
  const report = out.length ? (JSON.parse(out[0]!) as ShadowReport) : undefined;
  return { code, err, report };
}

describe('shadow against pymodbus driven by a field script', () => {
  it('finds no divergence for the program the PLC runs, with every output compared', async () => {
    const plc = await fieldPlc();
    const r = await shadow({ plcModbus: `127.0.0.1:${plc.port}` });
    expect(r.report!.divergences).toEqual([]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.report!.commLoss).toBeNull();
    expect(r.report!.mode).toBe('poll');
    expect(r.report!.tags).toMatchObject({ inputs: 4, outputs: 6, state: 1, unbound: [] });
    expect(r.report!.compared).toBeGreaterThan(10);
    // the field pressed start and stop, toggled, ramped the level and the TON completed
    expect(r.report!.coverage.inputs.varied).toBe(4);
    expect(r.report!.coverage.timers.completed).toBe(1);
    expect(plc.stderr()).toBe('');
  });

  // The field runs from launch: shadow starts with Motor on. 2.6 s in, T1 is done: the live Warm
  // is TRUE while a freshly seeded candidate's T1 has only begun (ADR 0123); 2.1 s in, it is still
  // timing: both FALSE at first, the live one done up to 300 ms sooner (ADR 0145). `in-fb.st` has
  // its TON inside a user FB instance (ADR 0146). One retry: on a loaded CI host the shadow's
  // start can land within a read of the live TON completing (2.3 s in), between the two cases
  // above; seen once (a false `Warm`, fail-closed side) in a fresh-clone CI of session 11, not
  // in loaded reruns. A run that diverges twice still fails.
  it.each<[string, number]>([
    ['field-plc.st', 2600],
    ['in-fb.st', 2600],
    ['in-fb.st', 2100],
  ])(
    'finds no divergence when it starts while a timer of the PLC is running (%s, %i ms in)',
    { retry: 1 },
    async (file, ms) => {
      const plc = await fieldPlc(['--run-before-client']);
      await new Promise((r) => setTimeout(r, ms));
      const program = file === 'in-fb.st' ? join(dir, file) : PROGRAM;
      const r = await shadow({ plcModbus: `127.0.0.1:${plc.port}`, seconds: '2', program });
      expect(r.report!.divergences).toEqual([]);
      expect(r.code).toBe(EXIT.OK);
      expect(r.report!.compared).toBeGreaterThan(10);
    },
  );

  it('names the output that diverges, with live and shadow values', async () => {
    const plc = await fieldPlc();
    const r = await shadow({ plcModbus: `127.0.0.1:${plc.port}`, program: join(dir, 'divergent.st') });
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.report!.divergences.map((d) => d.tag)).toEqual(['Alarm']);
    expect(r.report!.divergences[0]).toMatchObject({ live: true, shadow: false });
  });

  it('reports a comm loss when the PLC process is frozen mid-run (exit 5)', async () => {
    const plc = await fieldPlc();
    let frozen = false;
    const r = await shadow({ plcModbus: `127.0.0.1:${plc.port}`, seconds: '3' }, (err) => {
      // freeze once the first progress line says samples are being compared
      if (!frozen && err.some((l) => /\d+ compared/.test(l))) {
        frozen = true;
        plc.child.kill('SIGSTOP');
      }
    });
    expect(frozen).toBe(true);
    expect(r.code, r.err.join('\n')).toBe(EXIT.UNREACHABLE);
    expect(r.report!.commLoss).not.toBeNull();
    expect(r.report!.commLoss!.count).toBeGreaterThan(0);
    expect(Date.parse(r.report!.commLoss!.first)).toBeGreaterThanOrEqual(
      Date.parse(r.report!.commLoss!.lastAnswer),
    );
    expect(r.err.some((l) => l.includes('comm loss with'))).toBe(true);
  });

  // The field held still (--quiet): this test is about the exit code and the report of a comm
  // loss, so no divergence may come first. With a moving field, the session 12 fresh-clone CI saw
  // this command exit 1 (a divergence before the freeze, its name not captured) once in ~6 runs.
  it('the command exits 5 with its report though the frozen PLC still holds the socket open', async () => {
    const plc = await fieldPlc(['--quiet']);
    const root = join(__dirname, '..');
    const cli = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(root, 'edge-agent/src/cli.ts'), 'shadow'].concat([
        '--program',
        PROGRAM,
        '--tags',
        TAGS,
        '--plc-modbus',
        `127.0.0.1:${plc.port}`,
        '--seconds',
        '3',
        '--json',
      ]),
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(cli);
    let out = '';
    let err = '';
    cli.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      // freeze the PLC's process once samples are being compared; its TCP socket stays open
      if (/\d+ compared/.test(err) && plc.child.signalCode === null) plc.child.kill('SIGSTOP');
    });
    const code = await new Promise<number | null>((done) => cli.on('exit', (c) => done(c)));
    expect(err).toMatch(/comm loss with/);
    expect(code, err).toBe(EXIT.UNREACHABLE);
    const report = JSON.parse(out.trim().split('\n')[0]!) as ShadowReport;
    expect(report.commLoss).not.toBeNull();
  }, 60_000);
});

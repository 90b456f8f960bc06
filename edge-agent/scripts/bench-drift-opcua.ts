/**
 * Benchmark of one drift check as `plcfleet-agent drift` and the agent run it
 * (issue #22 goal: a 60-POU program read over OPC UA in ≤ 2 s): the released
 * program in a bare Git repository (file://), the live one served by the
 * virtual PLC over OPC UA on loopback from its own process; a check = fetch + read both + semantic
 * compare. Prints the median and worst wall time of N checks of a drifted
 * program (each with a fresh OPC UA session, as the CLI makes), the median of
 * each part (Git read, OPC UA read, compare drifted / compare same) and the
 * machine's load average (the figures are wall times on a shared machine).
 *
 *   node --import tsx --conditions=source edge-agent/scripts/bench-drift-opcua.ts [--pous 60] [--runs 10]
 *     [--security none|sign-and-encrypt] [--profile FILE.cpuprofile]
 *
 * `--profile` writes a CPU profile of the timed checks only (not the start-up,
 * the warm-up or the parts), for Chrome DevTools or `node --cpu-prof` tooling.
 */
import { execFile, fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { TagMap } from '@plcfleet/protocols';
import { checkDrift } from '../src/drift/check-drift';
import { comparePrograms } from '../src/drift/compare-programs';
import { MemoryRuntime, startPlcServer } from '../src/plant-io';
import { createGitSource, createOpcuaSource } from '../src/sources';

const { values: a } = parseArgs({
  options: {
    pous: { type: 'string', default: '60' },
    runs: { type: 'string', default: '10' },
    security: { type: 'string', default: 'none' },
    role: { type: 'string', default: 'main' },
    dir: { type: 'string' },
    profile: { type: 'string' },
  },
});
const POUS = Number(a.pous);
const RUNS = Number(a.runs);
const security = a.security as 'none' | 'sign-and-encrypt';

/** A function block of ~30 lines: timers, edges, arithmetic, a CASE. */
function pou(i: number, variant = 0): { name: string; text: string } {
  const text = `(* generated block ${i} *)
FUNCTION_BLOCK FB_Unit${i}
VAR_INPUT
    Start : BOOL;
    Stop : BOOL;
    Setpoint : REAL := ${i}.5;
END_VAR
VAR_OUTPUT
    Running : BOOL;
    Count : UDINT;
    Command : INT;
END_VAR
VAR
    StartEdge : R_TRIG;
    Delay : TON;
    Step : INT;
END_VAR
StartEdge(CLK := Start);
IF StartEdge.Q AND NOT Stop THEN
    Running := TRUE;
END_IF;
IF Stop THEN
    Running := FALSE;
END_IF;
Delay(IN := Running, PT := T#${100 + i}ms);
IF Delay.Q THEN
    Count := Count + ${1 + variant};
END_IF;
CASE Step OF
    0: IF Running THEN Step := 1; END_IF;
    1: Command := REAL_TO_INT(Setpoint * 100.0); Step := 2;
    2: IF NOT Running THEN Step := 0; Command := 0; END_IF;
END_CASE;
END_FUNCTION_BLOCK
`;
  return { name: `FB_Unit${i}.st`, text };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** CPU milliseconds (user + system) of a process from /proc: its own, and its reaped children's (git). */
async function procCpuMs(pid: number | 'self'): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14 … cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / 100;
  return { own: (Number(f[11]) + Number(f[12])) * tick, children: (Number(f[13]) + Number(f[14])) * tick };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(os.tmpdir(), 'plcfleet-bench-drift-'));
  const files = Array.from({ length: POUS }, (_, i) => pou(i));
  // The released program: one commit in a bare repository.
  const sh = promisify(execFile);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  };
  const clone = join(dir, 'clone');
  await mkdir(join(clone, 'plc'), { recursive: true });
  for (const f of files) await writeFile(join(clone, 'plc', f.name), f.text);
  await sh('git', ['init', '--quiet', '--bare', join(dir, 'plant.git')]);
  for (const args of [
    ['init', '--quiet'],
    ['add', '--all'],
    ['commit', '--quiet', '-m', 'r'],
    ['push', '--quiet', join(dir, 'plant.git'), 'HEAD:refs/heads/main'],
  ])
    await sh('git', ['-C', clone, ...args], { env });
  // The PLC in its own process, as a real PLC is: its CPU is not the check's.
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--role', 'plc', '--dir', dir, '--pous', String(POUS), '--security', security],
    {
      execArgv: ['--import', 'tsx', '--conditions=source'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const endpoint = await new Promise<string>((resolve) => child.once('message', (m) => resolve(m as string)));
  const live = files.map((f, i) => (i === 7 ? pou(i, 1) : f));
  const released = createGitSource(`git+file://${join(dir, 'plant.git')}#main:plc`, {
    cacheDir: join(dir, 'cache'),
  });
  const opcua = { dataDir: join(dir, 'client'), security, trustUnknownServer: true };
  const times: number[] = [];
  const cpu = { agent: [] as number[], git: [] as number[], plc: [] as number[] };
  let status = '';
  try {
    // One warm-up: certificates, the first Git fetch, module loading.
    await checkDrift(released, createOpcuaSource(endpoint, opcua));
    const profiler = a.profile ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    for (let r = 0; r < RUNS; r++) {
      const [self0, plc0] = [await procCpuMs('self'), await procCpuMs(child.pid!)];
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      const c = await checkDrift(released, createOpcuaSource(endpoint, opcua));
      times.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      const [self1, plc1] = [await procCpuMs('self'), await procCpuMs(child.pid!)];
      cpu.agent.push((u.user + u.system) / 1000);
      cpu.git.push(self1.children - self0.children);
      cpu.plc.push(plc1.own - plc0.own);
      status = `${c.comparison.status} (${c.comparison.pous.map((p) => p.pou).join(', ')})`;
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(a.profile!, JSON.stringify(profile));
      profiler.disconnect();
    }
    const phase = async (fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await fn();
        xs.push(performance.now() - t0);
      }
      return Math.round(median(xs));
    };
    const gitReadMs = await phase(() => released.read());
    const opcuaReadMs = await phase(() => createOpcuaSource(endpoint, opcua).read());
    const a0 = performance.now();
    const rel = await released.read();
    const liveFiles = live.map((f) => ({ path: f.name, text: f.text }));
    for (let r = 0; r < RUNS; r++) comparePrograms(rel, liveFiles);
    const compareMs = (performance.now() - a0) / RUNS;
    // The usual hourly case: nothing changed but the layout (a fast path skips the program diff).
    const relayout = rel.map((f) => ({ ...f, text: f.text.replace(/\n {4}/g, '\n\t') }));
    const s0 = performance.now();
    for (let r = 0; r < RUNS; r++) comparePrograms(rel, relayout);
    const compareSameMs = (performance.now() - s0) / RUNS;
    console.log(
      JSON.stringify({
        pous: POUS,
        runs: RUNS,
        security,
        status,
        checkMedianMs: Math.round(median(times)),
        checkWorstMs: Math.round(Math.max(...times)),
        // CPU time of one check (median): the agent's process, its git processes, the PLC's process.
        cpuAgentMs: Math.round(median(cpu.agent)),
        cpuGitMs: Math.round(median(cpu.git)),
        cpuPlcMs: Math.round(median(cpu.plc)),
        gitReadMs,
        opcuaReadMs,
        compareDriftedMs: Math.round(compareMs),
        compareSameMs: Math.round(compareSameMs),
        loadAverage: os.loadavg()[0],
        cpus: os.cpus().length,
        node: process.version,
      }),
    );
  } finally {
    await released.close();
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

/** The virtual PLC serving the live program (one POU changed) over OPC UA; sends its endpoint to the parent. */
async function plcProcess(): Promise<void> {
  const dir = a.dir!;
  const files = Array.from({ length: POUS }, (_, i) => pou(i));
  // The live program: the same, one POU changed (a drifted site: the comparison does its whole work).
  const live = files.map((f, i) => (i === 7 ? pou(i, 1) : f));
  const runtime = new MemoryRuntime({ Run: ['BOOL', false] }, () => {}, live);
  const tags = TagMap.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'TagMap',
    tags: [
      {
        name: 'Run',
        modbus: { table: 'coil', address: 0, type: 'BOOL' },
        opcua: { nodeId: 'ns=1;s=Main.Run', browseName: 'Run' },
      },
    ],
  });
  const plc = await startPlcServer({
    runtime,
    tags,
    modbus: false,
    opcua: {
      dataDir: join(dir, 'server'),
      port: 0,
      security,
      allowAnonymous: true,
      trustUnknownClients: true,
    } as never,
  });
  process.send!(plc.opcua!.endpointUrl);
}

if (a.role === 'plc') await plcProcess();
else await main();

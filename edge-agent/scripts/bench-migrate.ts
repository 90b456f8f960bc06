/**
 * Benchmark of the executor's recipe path on a plant-sized project: a
 * generated packaging plant (≥ 50 POUs, guards in several cells) migrated with
 * the example guard migration — read → preconditions → recipe → compile → full
 * safety → equivalence → scope judge → verdict — timed per phase.
 *
 *   node --import tsx --conditions=source edge-agent/scripts/bench-migrate.ts [--pous N] [--guarded K] [--permissives P] [--repeat R]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus as cpuList, loadavg, tmpdir } from 'node:os';

const cpusCount = () => cpuList().length;

import { join } from 'node:path';
import { Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import { parse as parseYaml } from 'yaml';
import { runMigration } from '../src/migrate';
import { createDirectorySource } from '../src/sources';
import { createRecipeTransformer } from '../src/transform';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const POUS = arg('pous', 60);
const GUARDED = arg('guarded', 6);
const REPEAT = arg('repeat', 3);
/** Cells whose Cell_Enable the policy lists as a permissive. @default every cell */
const PERMISSIVES = arg('permissives', -1);
const repo = new URL('../../', import.meta.url).pathname;

/** A function block of ordinary machine logic (a motor with a start/stop latch, a jam timer and a counter). */
function motorFb(i: number): string {
  return `FUNCTION_BLOCK Motor${i}
VAR_INPUT
    Start : BOOL;
    Stop : BOOL;
    Sensor : BOOL;
    Enable : BOOL;
END_VAR
VAR_OUTPUT
    Run : BOOL;
    Jam : BOOL;
    Count : DINT;
END_VAR
VAR
    Jam_Timer : TON;
    Edge : R_TRIG;
END_VAR
IF Start AND Enable THEN
    Run := TRUE;
END_IF;
IF Stop OR NOT Enable OR Jam THEN
    Run := FALSE;
END_IF;
Jam_Timer(IN := Sensor AND Run, PT := T#${2 + (i % 5)}S);
IF Jam_Timer.Q THEN
    Jam := TRUE;
END_IF;
Edge(CLK := Sensor);
IF Edge.Q THEN
    Count := Count + 1;
END_IF;
END_FUNCTION_BLOCK
`;
}

/** A cell program: two motors, and a guard (the old single-sensor pattern) when `guarded`. */
function cell(i: number, fbs: number, guarded: boolean): string {
  const a = i % fbs;
  const b = (i + 1) % fbs;
  return `PROGRAM Cell${i}
VAR_INPUT
    Guard${i}_Closed : BOOL;
    Start : BOOL;
    Stop : BOOL;
    Sensor_A : BOOL;
    Sensor_B : BOOL;
END_VAR
VAR_OUTPUT
    Guard${i}_OK : BOOL;
    Cell_Enable : BOOL;
    Running : BOOL;
    Parts : DINT;
END_VAR
VAR
    M1 : Motor${a};
    M2 : Motor${b};
END_VAR
${
  guarded
    ? `Guard${i}_OK := FALSE;
IF Guard${i}_Closed = TRUE THEN
    Guard${i}_OK := TRUE;
END_IF;`
    : `Guard${i}_OK := Guard${i}_Closed;`
}
Cell_Enable := E_Stop_OK AND Guard${i}_OK;
M1(Start := Start, Stop := Stop, Sensor := Sensor_A, Enable := Cell_Enable);
M2(Start := M1.Run, Stop := Stop, Sensor := Sensor_B, Enable := Cell_Enable);
Running := M1.Run OR M2.Run;
Parts := M1.Count + M2.Count;
END_PROGRAM
`;
}

async function generate(dir: string): Promise<{ pous: number; lines: number; policy: SitePolicy }> {
  const programs = Math.max(GUARDED, Math.floor(POUS / 3));
  const fbs = POUS - programs - 1;
  const files: Array<[string, string]> = [];
  files.push(['SafetyLib.st', readFileSync(join(repo, 'examples/plants/press-line/SafetyLib.st'), 'utf8')]);
  files.push(['GVL_IO.st', 'VAR_GLOBAL\n    E_Stop_OK AT %IX0.0 : BOOL;\nEND_VAR\n']);
  for (let i = 0; i < fbs; i++) files.push([`lib/Motor${i}.st`, motorFb(i)]);
  for (let i = 0; i < programs; i++) files.push([`cells/Cell${i}.st`, cell(i, fbs, i < GUARDED)]);
  for (const [p, t] of files) {
    await writeFile(join(dir, p.replace('/', '_')), t);
  }
  const policy = SitePolicy.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'SitePolicy',
    site: 'bench',
    emergencyStops: ['E_Stop_OK'],
    permissives: Array.from(
      { length: PERMISSIVES < 0 ? programs : PERMISSIVES },
      (_, i) => `Cell${i}.Cell_Enable`,
    ),
  });
  return { pous: fbs + programs + 1, lines: files.reduce((n, [, t]) => n + t.split('\n').length, 0), policy };
}

const dir = await mkdtemp(join(tmpdir(), 'plcfleet-bench-migrate-'));
try {
  const { pous, lines, policy } = await generate(dir);
  const migration = Migration.parse(
    parseYaml(readFileSync(join(repo, 'examples/migrations/safety-guard-monitor.yaml'), 'utf8')),
  );
  const facts = SiteFacts.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'SiteFacts',
    site: 'bench',
    firmware: '3.4',
  });
  console.log(
    `project: ${pous} POUs, ${lines} lines, ${GUARDED} guarded cells; migration ${migration.id} (recipe)`,
  );
  const totals: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const v = await runMigration({
      migration,
      source: createDirectorySource(dir),
      policy,
      siteFacts: facts,
      transformer: createRecipeTransformer(),
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    totals.push(ms);
    cpus.push(cpuMs);
    const t = v.evidence.timings;
    console.log(
      `run ${r + 1}: ${v.outcome} in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU — ${Object.entries(
        t,
      )
        .filter(([k]) => k !== 'total')
        .map(([k, x]) => `${k} ${Math.round(x)}`)
        .join(', ')}${v.outcome === 'passed' ? '' : ` — ${v.reason}`}`,
    );
  }
  totals.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  console.log(
    `read → verdict: best ${totals[0]!.toFixed(0)} ms wall (${cpus[0]!.toFixed(0)} ms CPU), median ${totals[Math.floor(totals.length / 2)]!.toFixed(0)} ms wall (goal ≤ 3000 ms); load average ${loadavg()[0]!.toFixed(1)} on ${cpusCount()} cores`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Benchmark of the safety verifier on a plant-sized project: the press line
 * (examples/plants/press-line) plus generated stations — each a PROGRAM with
 * its own guard FB, timers and a state machine — for 58 POUs in all. The
 * change is the guard migration on PressControl; the policy protects the press
 * line and every station's zone permissive. Full mode includes the permissive
 * simulations.
 *
 *   node --conditions=source --import tsx edge-agent/toolchain/scripts/bench-safety.ts [stations] [repeats]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimText, SitePolicy } from '@plcfleet/protocols';
import { projectFromSources, verifySafety } from '../src/safety';

const stations = Number(process.argv[2] ?? 25);
const repeats = Number(process.argv[3] ?? 5);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const plantDir = join(repo, 'examples', 'plants', 'press-line');

function station(k: number): Record<string, string> {
  const n = String(k).padStart(2, '0');
  const fb = `FUNCTION_BLOCK StationGuard_${n}
VAR_INPUT
    Door : BOOL;
    Door_2 : BOOL;
    Settle : TIME := T#${100 + k * 10}MS;
END_VAR
VAR_OUTPUT
    OK : BOOL;
    Fault : BOOL;
END_VAR
VAR
    Settle_Timer : TON;
    Discrepancy : TON;
END_VAR
Settle_Timer(IN := Door AND Door_2, PT := Settle);
Discrepancy(IN := Door XOR Door_2, PT := T#200MS);
IF Discrepancy.Q THEN
    Fault := TRUE;
END_IF;
OK := Settle_Timer.Q AND NOT Fault;
END_FUNCTION_BLOCK
`;
  const prog = `(* Station ${n}: zone guarding and a small work cycle. *)
PROGRAM Station_${n}
VAR_INPUT
    Door_A : BOOL;
    Door_B : BOOL;
    Start : BOOL;
    Part_In : BOOL;
    Reset : BOOL;
END_VAR
VAR_OUTPUT
    Zone_OK : BOOL;
    Motion_Enable : BOOL;
    Step : INT;
    Count : DINT;
END_VAR
VAR
    Guard : StationGuard_${n};
    Step_Timer : TON;
    Start_Edge : R_TRIG;
END_VAR
Guard(Door := Door_A, Door_2 := Door_B);
Zone_OK := Guard.OK AND E_Stop_OK;
Motion_Enable := Zone_OK AND NOT Guard.Fault;
Start_Edge(CLK := Start);
Step_Timer(IN := Step = 20, PT := T#${500 + k}MS);
CASE Step OF
    0:
        IF Start_Edge.Q AND Motion_Enable THEN
            Step := 10;
        END_IF;
    10:
        IF Part_In THEN
            Step := 20;
        END_IF;
    20:
        IF Step_Timer.Q THEN
            Count := Count + 1;
            Step := 0;
        END_IF;
ELSE
    Step := 0;
END_CASE;
IF NOT Motion_Enable OR Reset THEN
    Step := 0;
END_IF;
END_PROGRAM
`;
  return { [`StationGuard_${n}.st`]: fb, [`Station_${n}.st`]: prog };
}

const base: Record<string, string> = {};
for (const f of readdirSync(plantDir)) base[f] = readFileSync(join(plantDir, f), 'utf8');
for (let k = 1; k <= stations; k++) Object.assign(base, station(k));

// The guard migration, as its recipe writes it, on both press guards.
const after = { ...base };
let pc = after['PressControl.st']!;
for (const g of ['Front', 'Rear'])
  pc = pc.replace(
    `IF ${g}_Guard_Closed = TRUE THEN\n    ${g}_Guard_OK := TRUE;\nEND_IF;`,
    `${g}_Guard_Closed_Monitor(\n    Guard_Sensor_1 := ${g}_Guard_Closed,\n    Guard_Sensor_2 := ${g}_Guard_Closed_Redundant,\n    Safety_OK => ${g}_Guard_OK\n);`,
  );
pc = pc
  .replace(
    '    Light_Curtain_Clear : BOOL;\nEND_VAR',
    '    Light_Curtain_Clear : BOOL;\n    Front_Guard_Closed_Redundant : BOOL;\n    Rear_Guard_Closed_Redundant : BOOL;\nEND_VAR',
  )
  .replace(
    '    Pressure_Bar : REAL;\nEND_VAR',
    '    Pressure_Bar : REAL;\n    Front_Guard_Closed_Monitor : SAFETY_GUARD_MONITOR;\n    Rear_Guard_Closed_Monitor : SAFETY_GUARD_MONITOR;\nEND_VAR',
  );
after['PressControl.st'] = pc;

const policy = SitePolicy.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'SitePolicy',
  site: 'press-line-2',
  emergencyStops: ['E_Stop_OK'],
  safetySignals: [
    'Safety_OK',
    'PressControl.Front_Guard_OK',
    'PressControl.Rear_Guard_OK',
    'Light_Curtain_Clear',
    'Zone_OK',
  ],
  permissives: ['Safety_OK', 'Press_Enable', 'Motion_Enable'],
  certifiedPous: [{ name: 'SafetyCore' }, { name: 'TwoHandControl' }],
});
const migration = {
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'safety-guard-monitor',
  title: 'guard monitor',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'guard monitor',
  scope: { pous: ['*'], files: ['**/*.st'], maxChangedLines: 120 },
} as const;
const { Migration } = await import('@plcfleet/protocols');
const mig = Migration.parse(migration);

const t0 = performance.now();
const beforeP = projectFromSources(base);
const afterP = projectFromSources(after);
const parseMs = performance.now() - t0;
const pous = beforeP.units.reduce(
  (n, u) =>
    n +
    u.declarations.filter((d) => d.kind === 'Program' || d.kind === 'FunctionBlock' || d.kind === 'Function')
      .length,
  0,
);
const lines = Object.values(base).reduce((n, t) => n + t.split('\n').length, 0);

for (const mode of ['quick', 'full'] as const) {
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof verifySafety>> | undefined;
  for (let i = 0; i < repeats; i++) {
    // Fresh unit arrays: the verifier caches its index per array, and every run here should pay for it.
    const before = { ...beforeP, units: [...beforeP.units] };
    const after = { ...afterP, units: [...afterP.units] };
    const s = performance.now();
    last = await verifySafety({ before, after, policy, migration: mig, mode, seed: 42 });
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${mode}: ${pous} POUs, ${lines} lines — verdict ${last!.verdict}, median ${median.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms over ${repeats} runs; proofs: ${last!.proofs
      .map((p) => `${p.kind} ${p.subject} ${claimText(p)}`)
      .join('; ')}`,
  );
}
console.log(`parse + check of both versions: ${parseMs.toFixed(0)} ms`);

/**
 * Benchmark of a tag-change migration (issue 20): 50 tags renamed across a
 * generated 60-POU plant (39 function blocks, 20 cell programs, one global
 * list) with its tag map and HMI files — read → verdict, timed per phase.
 * Figures go to docs/executor.md; nothing here asserts a time.
 *
 *   node --import tsx --conditions=source edge-agent/src/migrate/bench-tag-change.ts [--tags 50] [--repeat 3]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migration } from '@plcfleet/protocols';
import { createDirectorySource } from '../sources';
import { createRecipeTransformer } from '../transform';
import { runMigration } from './run-migration';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TAGS = arg('tags', 50);
const REPEAT = arg('repeat', 3);
const FBS = 39;
const CELLS = 20;
const pad = (n: number) => String(n).padStart(2, '0');
const tag = (i: number) => `Line_Tag_${pad(i)}`;

function fb(i: number): string {
  return `FUNCTION_BLOCK FB_Drive${pad(i)}
VAR_INPUT
    Start : BOOL;
    Stop : BOOL;
    Speed_Set : INT;
END_VAR
VAR_OUTPUT
    Running : BOOL;
    Speed : INT;
END_VAR
IF Start THEN
    Running := TRUE;
END_IF;
IF Stop THEN
    Running := FALSE;
END_IF;
IF Running THEN
    Speed := Speed_Set;
ELSE
    Speed := 0;
END_IF;
END_FUNCTION_BLOCK
`;
}

function cell(c: number): string {
  const t = (k: number) => tag(((c * 3 + k) % TAGS) + 1);
  return `PROGRAM Cell${pad(c)}
VAR
    D1 : FB_Drive${pad((c % FBS) + 1)};
    D2 : FB_Drive${pad(((c + 7) % FBS) + 1)};
END_VAR
VAR_OUTPUT
    Out_Run : BOOL;
    Out_Speed : INT;
END_VAR
D1(Start := ${t(0)}, Stop := ${t(1)}, Speed_Set := 100);
D2(Start := ${t(2)} AND D1.Running, Stop := ${t(3)}, Speed_Set := 50);
Out_Run := D1.Running OR D2.Running;
Out_Speed := D1.Speed + D2.Speed;
END_PROGRAM
`;
}

async function generate(dir: string): Promise<void> {
  await mkdir(join(dir, 'hmi'), { recursive: true });
  const gvl = [
    'VAR_GLOBAL',
    // Inputs (%IX), so equivalence has something to drive: a program without inputs is undecided.
    ...Array.from(
      { length: TAGS },
      (_, i) => `    ${tag(i + 1)} AT %IX${Math.floor(i / 8)}.${i % 8} : BOOL;`,
    ),
    'END_VAR',
    '',
  ];
  await writeFile(join(dir, 'GVL_Line.st'), gvl.join('\n'));
  for (let i = 1; i <= FBS; i++) await writeFile(join(dir, `FB_Drive${pad(i)}.st`), fb(i));
  for (let c = 1; c <= CELLS; c++) await writeFile(join(dir, `Cell${pad(c)}.st`), cell(c));
  const tags = ['apiVersion: plcfleet/v1', 'kind: TagMap', 'tags:'];
  for (let i = 1; i <= TAGS; i++)
    tags.push(
      `  - name: ${tag(i)}`,
      `    modbus: { table: coil, address: ${i}, type: BOOL }`,
      `    opcua: { nodeId: "ns=1;s=Line.${tag(i)}", browseName: ${tag(i)} }`,
    );
  for (let c = 1; c <= CELLS; c++)
    tags.push(
      `  - name: Cell${pad(c)}.Out_Speed`,
      `    modbus: { table: holding, address: ${c}, type: INT }`,
      `    opcua: { nodeId: "ns=1;s=Line.Cell${pad(c)}.Out_Speed", browseName: Out_Speed }`,
    );
  await writeFile(join(dir, 'tags.yaml'), `${tags.join('\n')}\n`);
  for (let c = 1; c <= CELLS; c++) {
    const widgets = [0, 1, 2, 3].map((k) => ({
      type: 'lamp',
      tag: `[PLC1]${tag(((c * 3 + k) % TAGS) + 1)}`,
    }));
    widgets.push({ type: 'value', tag: `Cell${pad(c)}.Out_Speed` });
    await writeFile(
      join(dir, 'hmi', `cell${pad(c)}.json`),
      `${JSON.stringify({ screen: `Cell ${c}`, widgets }, null, 2)}\n`,
    );
  }
  const alarms = ['tag,text', ...Array.from({ length: TAGS }, (_, i) => `${tag(i + 1)},Line tag ${i + 1}`)];
  await writeFile(join(dir, 'hmi', 'alarms.csv'), `${alarms.join('\n')}\n`);
}

const migration = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'bench-rename',
  title: 'Rename the line tags',
  type: 'tag-change',
  safetyClass: 'non-safety',
  goal: 'Line tags follow the naming standard; behaviour unchanged.',
  tagChanges: Array.from({ length: TAGS }, (_, i) => ({ from: tag(i + 1), to: `LineTag${pad(i + 1)}` })),
  scope: { files: ['**/*.st', '**/tags.yaml', 'hmi/**'], maxChangedLines: 2000 },
});

const dir = await mkdtemp(join(tmpdir(), 'plcfleet-bench-tags-'));
try {
  await generate(dir);
  console.log(
    `plant: ${FBS + CELLS + 1} POUs, ${TAGS} tags renamed, tag map + ${CELLS + 1} HMI files; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
  );
  for (let r = 1; r <= REPEAT; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const v = await runMigration({
      migration,
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
    });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const t = v.evidence.timings;
    console.log(
      `run ${r}: ${v.outcome} (${v.reason.slice(0, 60)}) wall ${wall.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; ` +
        `read ${t.read} transform ${t.transform} compile ${t.compile} safety ${t.safety} equivalence ${t.equivalence} judges ${t.judges}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

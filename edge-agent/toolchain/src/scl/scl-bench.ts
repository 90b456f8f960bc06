/**
 * Speed of the SCL front end (docs/siemens-scl.md, "Speed"): a generated
 * project of function blocks with timers, counters, REGIONs, CASE and data
 * blocks is read (lowering + IEC parser + span mapping), then checked.
 * Rates are per CPU second of this process, as in docs/iec-frontend.md.
 *
 *   npx tsx edge-agent/toolchain/src/scl/scl-bench.ts [blocks]
 */
import { checkProject } from '../iec';
import { readScl } from './scl-reader';

function block(i: number): string {
  return `FUNCTION_BLOCK "Cell ${i}"
{ S7_Optimized_Access := 'TRUE' }
VERSION : 0.1
   VAR_INPUT
      Start : Bool;
      "Door Closed" : Bool;
      Setpoint : Int;
   END_VAR
   VAR_OUTPUT
      Run : Bool;
      Count : Int;
   END_VAR
   VAR
      t {InstructionName := 'TON_TIME'; LibVersion := '1.0'} : TON_TIME;
      c : CTU_INT;
      edge : R_TRIG;
      state : Int;
   END_VAR
BEGIN
   REGION sequence
      CASE #state OF
         0:
            IF #Start AND #"Door Closed" THEN
               #state := 10;
            END_IF;
         10:
            #t(IN := TRUE, PT := T#2S);
            IF #t.Q THEN
               #state := 20;
            END_IF;
         20:
            #state := 0;
      END_CASE;
   END_REGION
   #edge(CLK := #state = 20);
   #c(CU := #edge.Q, R := NOT #Start, PV := #Setpoint);
   #Count := #c.CV;
   #Run := #state = 10 AND #"Door Closed";
   #Count += 0;
END_FUNCTION_BLOCK

DATA_BLOCK "Cell ${i} DB"
{ S7_Optimized_Access := 'TRUE' }
VERSION : 0.1
NON_RETAIN
"Cell ${i}"
BEGIN
   Setpoint := 5;
END_DATA_BLOCK
`;
}

const n = Number(process.argv[2] ?? 2000);
const files = Array.from({ length: Math.ceil(n / 10) }, (_, f) =>
  Array.from({ length: 10 }, (_, k) => block(f * 10 + k)).join('\n'),
);
const lines = files.reduce((a, t) => a + t.split('\n').length, 0);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
const units = files.map((t, i) => readScl(t, `cells-${i}.scl`).unit);
const t1 = cpu();
const { diagnostics } = checkProject(units);
const t2 = cpu();
console.log(
  JSON.stringify({
    blocks: n,
    lines,
    readLinesPerCpuS: Math.round(lines / (t1 - t0)),
    readAndCheckLinesPerCpuS: Math.round(lines / (t2 - t0)),
    errors: diagnostics.filter((d) => d.severity === 'error').length,
  }),
);

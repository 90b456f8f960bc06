/**
 * The programs the virtual PLC benchmarks run (`bench-sim.ts`, and `bench-native.ts` against
 * MATIEC on the same source). Written in the standard's own forms (`END_IF;`, no identifier that
 * MATIEC's library or SFC reserves), so the reference translates them unchanged.
 */

/** (a) one TON, a CASE state machine, REAL arithmetic. */
export const SMALL = `
PROGRAM Small
VAR_INPUT Start : BOOL; END_VAR
VAR_OUTPUT Out : REAL; State : INT; Cycles : DINT; END_VAR
VAR T1 : TON; x : REAL; END_VAR
T1(IN := Start AND State = 1, PT := T#100ms);
CASE State OF
  0: IF Start THEN State := 1; END_IF;
  1: IF T1.Q THEN State := 2; END_IF;
  2: State := 0; Cycles := Cycles + 1;
END_CASE;
x := x * 0.5 + 1.25;
Out := x * 2.0 - 0.5;
END_PROGRAM
`;

/**
 * A plant-sized project, PROGRAM `Plant`: `types` FB types, each instantiated `per` times; each
 * body ~22 statements with a TON and an R_TRIG. (b) is 60 × 4, (c) 60 × 40.
 */
export function plantSource(types: number, per: number): string {
  const parts: string[] = [];
  for (let t = 0; t < types; t++) {
    parts.push(`FUNCTION_BLOCK FB_Unit${t}
VAR_INPUT Enable : BOOL; Setpoint : REAL; Feedback : REAL; END_VAR
VAR_OUTPUT Run : BOOL; Out : REAL; Alarm : BOOL; Count : INT; END_VAR
VAR Delay : TON; Rise : R_TRIG; Phase : INT; Err : REAL; Acc : REAL; Hist : ARRAY[0..7] OF REAL; i : INT; END_VAR
Delay(IN := Enable, PT := T#${50 + t}ms);
Rise(CLK := Delay.Q);
IF Rise.Q THEN Count := Count + 1; END_IF;
Err := Setpoint - Feedback;
Acc := LIMIT(-100.0, Acc + Err * 0.01, 100.0);
Out := Err * 0.8 + Acc;
CASE Phase OF
  0: IF Delay.Q THEN Phase := 1; END_IF;
  1: Run := TRUE; IF NOT Enable THEN Phase := 2; END_IF;
  2: Run := FALSE; Phase := 0;
ELSE Phase := 0;
END_CASE;
Hist[Count MOD 8] := Out;
IF ABS(Err) > 50.0 THEN Alarm := TRUE; ELSIF ABS(Err) < 10.0 THEN Alarm := FALSE; END_IF;
IF Out > 100.0 THEN Out := 100.0; END_IF;
IF Out < 0.0 THEN Out := 0.0; END_IF;
Err := Err * 0.5;
Acc := Acc * 0.999;
IF Run AND Alarm THEN Count := Count + 0; END_IF;
Run := Run AND NOT Alarm OR Run;
END_FUNCTION_BLOCK
`);
  }
  const vars: string[] = [];
  const body: string[] = [];
  for (let t = 0; t < types; t++) {
    for (let k = 0; k < per; k++) {
      vars.push(`U${t}_${k} : FB_Unit${t};`);
      body.push(`U${t}_${k}(Enable := Enable, Setpoint := Sp + ${k}.0, Feedback := Fb);`);
      body.push(`IF U${t}_${k}.Alarm THEN Alarms := Alarms + 1; END_IF;`);
    }
  }
  parts.push(`PROGRAM Plant
VAR_INPUT Enable : BOOL; Sp : REAL := 50.0; Fb : REAL := 20.0; END_VAR
VAR_OUTPUT Alarms : DINT; END_VAR
VAR ${vars.join('\n')} END_VAR
Alarms := 0;
${body.join('\n')}
END_PROGRAM
`);
  return parts.join('\n');
}

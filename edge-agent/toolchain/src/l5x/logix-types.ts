/**
 * Logix data types as the virtual PLC runs them: the predefined structures
 * (TIMER, COUNTER, CONTROL, FBD_TIMER) as ST STRUCTs, and the ladder and
 * Logix ST instructions with state (timers, counters) as ST functions over
 * them, written in ST so the simulator executes them like any user code.
 * Facts follow Rockwell's Logix 5000 instruction reference (1756-RM003):
 * timers count in ms and stop at .PRE; counters count rung transitions.
 */

/** An elementary Logix type, or a structure/AOI by name. */
export type LogixType =
  | { kind: 'elem'; name: string }
  | { kind: 'struct'; name: string }
  | { kind: 'array'; of: LogixType; dims: number[] };

/** Elementary Logix types and their IEC spelling. */
export const LOGIX_ELEMENTARY: Record<string, string> = {
  BOOL: 'BOOL',
  BIT: 'BOOL',
  SINT: 'SINT',
  INT: 'INT',
  DINT: 'DINT',
  LINT: 'LINT',
  USINT: 'USINT',
  UINT: 'UINT',
  UDINT: 'UDINT',
  ULINT: 'ULINT',
  REAL: 'REAL',
  LREAL: 'LREAL',
};

/** Bit width of integer types (for bit-of-integer access and masks). */
export const INT_BITS: Record<string, number> = {
  SINT: 8,
  INT: 16,
  DINT: 32,
  LINT: 64,
  USINT: 8,
  UINT: 16,
  UDINT: 32,
  ULINT: 64,
};

/** The DATA size of the predefined STRING type (Logix: 82 characters). */
export const STRING_SIZE = 82;

/** A member type as PREDEFINED_STRUCTS spells it: `DINT`, or `SINT[82]` for an array. */
export function predefinedMemberType(t: string): { name: string; dims: number[] } {
  const m = /^(\w+)\[(\d+)\]$/.exec(t);
  return m ? { name: m[1] as string, dims: [Number(m[2])] } : { name: t, dims: [] };
}

/** Members of the predefined structures; `LX_*` members are the simulator's own hidden state. */
export const PREDEFINED_STRUCTS: Record<string, [string, string][]> = {
  TIMER: [
    ['PRE', 'DINT'],
    ['ACC', 'DINT'],
    ['EN', 'BOOL'],
    ['TT', 'BOOL'],
    ['DN', 'BOOL'],
    ['LX_TS', 'DINT'],
  ],
  COUNTER: [
    ['PRE', 'DINT'],
    ['ACC', 'DINT'],
    ['CU', 'BOOL'],
    ['CD', 'BOOL'],
    ['DN', 'BOOL'],
    ['OV', 'BOOL'],
    ['UN', 'BOOL'],
  ],
  CONTROL: [
    ['LEN', 'DINT'],
    ['POS', 'DINT'],
    ['EN', 'BOOL'],
    ['EU', 'BOOL'],
    ['DN', 'BOOL'],
    ['EM', 'BOOL'],
    ['ER', 'BOOL'],
    ['UL', 'BOOL'],
    ['IN', 'BOOL'],
    ['FD', 'BOOL'],
  ],
  // PID's status and mode bits are bits of .CTL (PID_CTL_BITS): an operand naming `.EN`
  // reads or writes that bit of the word, so the word and its bits cannot disagree.
  PID: [
    ['CTL', 'DINT'],
    ...[
      'SP',
      'KP',
      'KI',
      'KD',
      'BIAS',
      'MAXS',
      'MINS',
      'DB',
      'SO',
      'MAXO',
      'MINO',
      'UPD',
      'PV',
      'ERR',
      'OUT',
      'PVH',
      'PVL',
      'DVP',
      'DVN',
      'PVDB',
      'DVDB',
      'MAXI',
      'MINI',
      'TIE',
      'MAXCV',
      'MINCV',
      'MINTIE',
      'MAXTIE',
    ].map((r): [string, string] => [r, 'REAL']),
  ],
  CONNECTION_STATUS: [
    ['RunMode', 'BOOL'],
    ['ConnectionFaulted', 'BOOL'],
  ],
  // LEN characters of DATA are the string; the bytes past LEN are kept (Logix keeps them too).
  STRING: [
    ['LEN', 'DINT'],
    ['DATA', `SINT[${STRING_SIZE}]`],
  ],
  FBD_TIMER: [
    ['EnableIn', 'BOOL'],
    ['TimerEnable', 'BOOL'],
    ['PRE', 'DINT'],
    ['Reset', 'BOOL'],
    ['EnableOut', 'BOOL'],
    ['ACC', 'DINT'],
    ['EN', 'BOOL'],
    ['TT', 'BOOL'],
    ['DN', 'BOOL'],
    ['Status', 'DINT'],
    ['InstructFault', 'BOOL'],
    ['PresetInv', 'BOOL'],
    ['LX_TS', 'DINT'],
  ],
};

/**
 * The bits of a PID structure's `.CTL` word by member name (Logix Designer, PID Structure:
 * mode and configuration bits 31..20, status bits 15..7).
 */
export const PID_CTL_BITS: Readonly<Record<string, number>> = {
  EN: 31,
  CT: 30,
  CL: 29,
  PVT: 28,
  DOE: 27,
  SWM: 26,
  CA: 25,
  MO: 24,
  PE: 23,
  NDF: 22,
  NOBC: 21,
  NOZC: 20,
  INI: 15,
  SPOR: 14,
  OLL: 13,
  OLH: 12,
  EWD: 11,
  DVNA: 10,
  DVPA: 9,
  PVLA: 8,
  PVHA: 7,
};

/** ST declarations of the predefined structures. */
export function predefinedTypesSource(names: Iterable<string>): string {
  const out: string[] = [];
  for (const n of names) {
    const members = PREDEFINED_STRUCTS[n];
    if (!members) continue;
    out.push(
      `TYPE ${n === 'STRING' ? 'LX_STRING' : n} : STRUCT\n${members
        .map(([m, t]) => {
          const { name, dims } = predefinedMemberType(t);
          return `  ${m} : ${dims.length > 0 ? `ARRAY[0..${(dims[0] as number) - 1}] OF ${name}` : name};`;
        })
        .join('\n')}\nEND_STRUCT;\nEND_TYPE`,
    );
  }
  return out.join('\n');
}

/**
 * The instructions with state, in ST. `RIN` is rung-condition-in, `NOW` the controller's
 * millisecond clock; a timer keeps the time of its last update in `LX_TS`, so `.ACC` grows by
 * the time between scans while enabled (the first enabled scan only starts the count).
 */
export const LOGIX_LIBRARY_SOURCE = `
(* REAL to integer as Logix converts: to the nearest, ties to even. *)
FUNCTION LX_RNE : LINT
VAR_INPUT X : LREAL; END_VAR
VAR N : LINT; END_VAR
N := TO_LINT(X);
IF ABS(X - TO_LREAL(N)) = 0.5 AND N MOD 2 <> 0 THEN
  IF N > 0 THEN N := N - 1; ELSE N := N + 1; END_IF;
END_IF;
LX_RNE := N;
END_FUNCTION
FUNCTION LX_TON : BOOL
VAR_IN_OUT T : TIMER; END_VAR
VAR_INPUT RIN : BOOL; NOW : DINT; END_VAR
IF RIN THEN
  IF T.EN AND T.ACC < T.PRE THEN
    T.ACC := T.ACC + (NOW - T.LX_TS);
  END_IF;
  T.LX_TS := NOW;
  T.EN := TRUE;
  IF T.ACC >= T.PRE THEN
    T.ACC := T.PRE;
    T.DN := TRUE;
  ELSE
    T.DN := FALSE;
  END_IF;
  T.TT := NOT T.DN;
ELSE
  T.EN := FALSE; T.TT := FALSE; T.DN := FALSE; T.ACC := 0;
END_IF;
LX_TON := RIN;
END_FUNCTION

FUNCTION LX_TOF : BOOL
VAR_IN_OUT T : TIMER; END_VAR
VAR_INPUT RIN : BOOL; NOW : DINT; END_VAR
IF RIN THEN
  T.EN := TRUE; T.TT := FALSE; T.DN := TRUE; T.ACC := 0;
ELSE
  IF T.DN THEN
    IF NOT T.TT THEN
      T.TT := TRUE;
      T.LX_TS := NOW;
    ELSE
      T.ACC := T.ACC + (NOW - T.LX_TS);
      T.LX_TS := NOW;
    END_IF;
    IF T.ACC >= T.PRE THEN
      T.ACC := T.PRE; T.DN := FALSE; T.TT := FALSE;
    END_IF;
  END_IF;
  T.EN := FALSE;
END_IF;
LX_TOF := RIN;
END_FUNCTION

FUNCTION LX_RTO : BOOL
VAR_IN_OUT T : TIMER; END_VAR
VAR_INPUT RIN : BOOL; NOW : DINT; END_VAR
IF RIN THEN
  IF NOT T.DN THEN
    IF NOT T.TT THEN
      T.LX_TS := NOW;
    ELSE
      T.ACC := T.ACC + (NOW - T.LX_TS);
      T.LX_TS := NOW;
    END_IF;
    IF T.ACC >= T.PRE THEN
      T.ACC := T.PRE; T.DN := TRUE;
    END_IF;
  END_IF;
  T.EN := TRUE;
  T.TT := NOT T.DN;
ELSE
  T.EN := FALSE; T.TT := FALSE;
END_IF;
LX_RTO := RIN;
END_FUNCTION

FUNCTION LX_CTU : BOOL
VAR_IN_OUT C : COUNTER; END_VAR
VAR_INPUT RIN : BOOL; END_VAR
IF RIN THEN
  IF NOT C.CU THEN
    IF C.ACC = 2147483647 THEN C.OV := TRUE; END_IF;
    C.ACC := C.ACC + 1;
  END_IF;
  C.DN := C.ACC >= C.PRE;
END_IF;
C.CU := RIN;
LX_CTU := RIN;
END_FUNCTION

FUNCTION LX_CTD : BOOL
VAR_IN_OUT C : COUNTER; END_VAR
VAR_INPUT RIN : BOOL; END_VAR
IF RIN THEN
  IF NOT C.CD THEN
    IF C.ACC = -2147483648 THEN C.UN := TRUE; END_IF;
    C.ACC := C.ACC - 1;
  END_IF;
  C.DN := C.ACC >= C.PRE;
END_IF;
C.CD := RIN;
LX_CTD := RIN;
END_FUNCTION

(* Logix ST TONR/TOFR/RTOR on FBD_TIMER (KIND 0/1/2): Reset clears, TimerEnable times
   like the ladder TON/TOF/RTO on the same state. *)
FUNCTION LX_FBDT : BOOL
VAR_IN_OUT F : FBD_TIMER; END_VAR
VAR_INPUT NOW : DINT; KIND : INT; END_VAR
VAR T : TIMER; END_VAR
F.EnableOut := TRUE;
IF F.Reset THEN
  F.ACC := 0; F.EN := FALSE; F.TT := FALSE; F.DN := FALSE;
  RETURN;
END_IF;
T.PRE := F.PRE; T.ACC := F.ACC; T.EN := F.EN; T.TT := F.TT; T.DN := F.DN; T.LX_TS := F.LX_TS;
CASE KIND OF
  0: LX_TON(T := T, RIN := F.TimerEnable, NOW := NOW);
  1: LX_TOF(T := T, RIN := F.TimerEnable, NOW := NOW);
ELSE
  LX_RTO(T := T, RIN := F.TimerEnable, NOW := NOW);
END_CASE;
F.ACC := T.ACC; F.EN := T.EN; F.TT := T.TT; F.DN := T.DN; F.LX_TS := T.LX_TS;
LX_FBDT := TRUE;
END_FUNCTION

FUNCTION LX_TONR : BOOL
VAR_IN_OUT F : FBD_TIMER; END_VAR
VAR_INPUT NOW : DINT; END_VAR
LX_TONR := LX_FBDT(F := F, NOW := NOW, KIND := 0);
END_FUNCTION

FUNCTION LX_TOFR : BOOL
VAR_IN_OUT F : FBD_TIMER; END_VAR
VAR_INPUT NOW : DINT; END_VAR
LX_TOFR := LX_FBDT(F := F, NOW := NOW, KIND := 1);
END_FUNCTION

FUNCTION LX_RTOR : BOOL
VAR_IN_OUT F : FBD_TIMER; END_VAR
VAR_INPUT NOW : DINT; END_VAR
LX_RTOR := LX_FBDT(F := F, NOW := NOW, KIND := 2);
END_FUNCTION
`;

/**
 * The standard library the checker knows without a declaration:
 * the standard function blocks (IEC 61131-3 §6.6.3.5) declared in ST and
 * parsed once, the generic standard functions (§6.6.2.5) with their typing
 * rules, the `*_TO_*` conversions (§6.6.2.5.2), and a table of well-known
 * vendor library symbols so a missing library is named in the diagnostic.
 */
import {
  commonType,
  ELEMENTARY,
  intInfo,
  isReal,
  T_BOOL,
  T_DINT,
  T_ERROR,
  T_INT,
  T_LREAL,
  T_REAL,
  T_STRING,
  T_UDINT,
  T_WSTRING,
  TYPE_ALIASES,
  type Type,
  underlying,
} from './types';

/** The standard FBs as ST (timing diagrams in §6.6.3.5.4; counters §6.6.3.5.3; edges §6.6.3.5.2; bistables §6.6.3.5.1). */
export const STANDARD_FB_SOURCE = `
FUNCTION_BLOCK TON
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK TOF
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK TP
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTON
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTOF
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTP
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTU
VAR_INPUT CU : BOOL; R : BOOL; PV : INT; END_VAR
VAR_OUTPUT Q : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTD
VAR_INPUT CD : BOOL; LD : BOOL; PV : INT; END_VAR
VAR_OUTPUT Q : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTUD
VAR_INPUT CU : BOOL; CD : BOOL; R : BOOL; LD : BOOL; PV : INT; END_VAR
VAR_OUTPUT QU : BOOL; QD : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK R_TRIG
VAR_INPUT CLK : BOOL; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK F_TRIG
VAR_INPUT CLK : BOOL; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK SR
VAR_INPUT S1 : BOOL; R : BOOL; END_VAR
VAR_OUTPUT Q1 : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK RS
VAR_INPUT S : BOOL; R1 : BOOL; END_VAR
VAR_OUTPUT Q1 : BOOL; END_VAR
END_FUNCTION_BLOCK
`;

/** A generic standard function: arity and a result rule over the argument types. */
export interface StdFunction {
  min: number;
  /** Maximum argument count; Infinity for extensible functions (ADD, MAX, CONCAT...). */
  max: number;
  result: (args: Type[]) => Type;
  /** Argument positions that must be variables (ADR, SIZEOF accept any lvalue). */
  lvalueArgs?: number[];
}

// untyped literals stay untyped so `i := ABS(-5)` fits an INT
const first = (args: Type[]): Type => args[0] ?? T_ERROR;
const common = (args: Type[]): Type => {
  if (args.length === 0) return T_ERROR;
  let t = args[0]!;
  for (let i = 1; i < args.length; i++) t = commonType(t, args[i]!);
  return t;
};
const realOf = (args: Type[]): Type => {
  const a = underlying(args[0] ?? T_ERROR);
  if (a.kind === 'error') return T_ERROR;
  return a.kind === 'elementary' && a.name === 'LREAL' ? T_LREAL : T_REAL;
};
const fixed = (t: Type) => (): Type => t;
const strOf = (args: Type[]): Type => {
  const a = args[0];
  return a?.kind === 'string' && a.wide ? T_WSTRING : T_STRING;
};

/** Standard functions by upper-case name. */
export const STD_FUNCTIONS: ReadonlyMap<string, StdFunction> = new Map<string, StdFunction>([
  // numeric (§6.6.2.5.3)
  ['ABS', { min: 1, max: 1, result: first }],
  ['SQRT', { min: 1, max: 1, result: realOf }],
  ['LN', { min: 1, max: 1, result: realOf }],
  ['LOG', { min: 1, max: 1, result: realOf }],
  ['EXP', { min: 1, max: 1, result: realOf }],
  ['SIN', { min: 1, max: 1, result: realOf }],
  ['COS', { min: 1, max: 1, result: realOf }],
  ['TAN', { min: 1, max: 1, result: realOf }],
  ['ASIN', { min: 1, max: 1, result: realOf }],
  ['ACOS', { min: 1, max: 1, result: realOf }],
  ['ATAN', { min: 1, max: 1, result: realOf }],
  ['ATAN2', { min: 2, max: 2, result: realOf }],
  ['EXPT', { min: 2, max: 2, result: realOf }],
  // arithmetic (§6.6.2.5.4)
  ['ADD', { min: 2, max: Number.POSITIVE_INFINITY, result: common }],
  ['MUL', { min: 2, max: Number.POSITIVE_INFINITY, result: common }],
  ['SUB', { min: 2, max: 2, result: common }],
  ['DIV', { min: 2, max: 2, result: common }],
  ['MOD', { min: 2, max: 2, result: common }],
  ['MOVE', { min: 1, max: 1, result: first }],
  // bit shift (§6.6.2.5.5)
  ['SHL', { min: 2, max: 2, result: first }],
  ['SHR', { min: 2, max: 2, result: first }],
  ['ROL', { min: 2, max: 2, result: first }],
  ['ROR', { min: 2, max: 2, result: first }],
  // selection and comparison (§6.6.2.5.8, §6.6.2.5.9)
  ['SEL', { min: 3, max: 3, result: (a) => common(a.slice(1)) }],
  ['MAX', { min: 2, max: Number.POSITIVE_INFINITY, result: common }],
  ['MIN', { min: 2, max: Number.POSITIVE_INFINITY, result: common }],
  ['LIMIT', { min: 3, max: 3, result: common }],
  ['MUX', { min: 2, max: Number.POSITIVE_INFINITY, result: (a) => common(a.slice(1)) }],
  ['GT', { min: 2, max: Number.POSITIVE_INFINITY, result: fixed(T_BOOL) }],
  ['GE', { min: 2, max: Number.POSITIVE_INFINITY, result: fixed(T_BOOL) }],
  ['EQ', { min: 2, max: Number.POSITIVE_INFINITY, result: fixed(T_BOOL) }],
  ['LE', { min: 2, max: Number.POSITIVE_INFINITY, result: fixed(T_BOOL) }],
  ['LT', { min: 2, max: Number.POSITIVE_INFINITY, result: fixed(T_BOOL) }],
  ['NE', { min: 2, max: 2, result: fixed(T_BOOL) }],
  // strings (§6.6.2.5.11)
  ['LEN', { min: 1, max: 1, result: fixed(T_INT) }],
  ['LEFT', { min: 2, max: 2, result: strOf }],
  ['RIGHT', { min: 2, max: 2, result: strOf }],
  ['MID', { min: 3, max: 3, result: strOf }],
  ['CONCAT', { min: 2, max: Number.POSITIVE_INFINITY, result: strOf }],
  ['INSERT', { min: 3, max: 3, result: strOf }],
  ['DELETE', { min: 3, max: 3, result: strOf }],
  ['REPLACE', { min: 4, max: 4, result: strOf }],
  ['FIND', { min: 2, max: 2, result: fixed(T_INT) }],
  // time and date (§6.6.2.5.7, 3rd edition Table 36)
  ['DAY_OF_WEEK', { min: 1, max: 1, result: fixed({ kind: 'elementary', name: 'USINT' }) }],
  ['ADD_TOD_TIME', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'TOD' }) }],
  ['ADD_DT_TIME', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'DT' }) }],
  ['SUB_DT_DT', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'TIME' }) }],
  ['SUB_TOD_TOD', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'TIME' }) }],
  ['SUB_DATE_DATE', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'TIME' }) }],
  ['CONCAT_DATE_TOD', { min: 2, max: 2, result: fixed({ kind: 'elementary', name: 'DT' }) }],
  ['CONCAT_DATE', { min: 3, max: 3, result: fixed({ kind: 'elementary', name: 'DATE' }) }],
  ['CONCAT_TOD', { min: 4, max: 4, result: fixed({ kind: 'elementary', name: 'TOD' }) }],
  // CODESYS: TIME() reads the system clock
  ['TIME', { min: 0, max: 0, result: fixed({ kind: 'elementary', name: 'TIME' }) }],
  // CODESYS operators on variable-length arrays (ARRAY[*]) and WSTRING length
  ['LOWER_BOUND', { min: 2, max: 2, result: fixed(T_DINT) }],
  ['UPPER_BOUND', { min: 2, max: 2, result: fixed(T_DINT) }],
  ['WLEN', { min: 1, max: 1, result: fixed(T_INT) }],
  // truncation (§6.6.2.5.2)
  ['TRUNC', { min: 1, max: 1, result: fixed(T_DINT) }],
  // CODESYS/TwinCAT operators used as functions
  ['SIZEOF', { min: 1, max: 1, result: fixed(T_UDINT), lvalueArgs: [] }],
  ['ADR', { min: 1, max: 1, result: (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }), lvalueArgs: [0] }],
  ['ADRINST', { min: 0, max: 1, result: (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }) }],
  ['REF', { min: 1, max: 1, result: (a) => ({ kind: 'pointer', target: a[0] ?? T_ERROR }), lvalueArgs: [0] }],
  ['BITADR', { min: 1, max: 1, result: fixed(T_UDINT), lvalueArgs: [0] }],
  ['__NEW', { min: 1, max: 2, result: fixed({ kind: 'pointer', target: T_ERROR }) }],
  ['__DELETE', { min: 1, max: 1, result: fixed(T_BOOL) }],
  ['__QUERYINTERFACE', { min: 2, max: 2, result: fixed(T_BOOL) }],
  ['__QUERYPOINTER', { min: 2, max: 2, result: fixed(T_BOOL) }],
  ['__ISVALIDREF', { min: 1, max: 1, result: fixed(T_BOOL) }],
  ['TEST_AND_SET', { min: 1, max: 1, result: fixed(T_BOOL) }],
]);

/** The conversion `A_TO_B` / `TO_B` / `TRUNC_B`: its result type, or undefined if `name` is not one. */
export function conversionResult(upperName: string): { from?: Type; to: Type } | undefined {
  const m = /^(?:([A-Z_]+?)_)?(?:TO|TRUNC)_([A-Z_]+)$/.exec(upperName);
  if (!m) return undefined;
  const to = elementaryOrString(m[2]!);
  if (!to) return undefined;
  if (m[1] === undefined) return { to };
  const fromName = m[1].endsWith('_BCD') ? m[1].slice(0, -4) : m[1];
  const from = elementaryOrString(fromName);
  if (!from) return undefined;
  return { from, to };
}

function elementaryOrString(name: string): Type | undefined {
  const n = TYPE_ALIASES.get(name) ?? name;
  if (n === 'STRING') return T_STRING;
  if (n === 'WSTRING') return T_WSTRING;
  if (n === 'BCD') return undefined;
  return ELEMENTARY.get(n);
}

/** Whether an argument type fits a numeric standard function (used for a clear ST2005). */
export function numericArg(t: Type): boolean {
  const u = underlying(t);
  return (
    u.kind === 'error' || u.kind === 'int-literal' || u.kind === 'real-literal' || isReal(u) || !!intInfo(u)
  );
}

/**
 * Well-known symbols of vendor libraries (upper case → library), so a project
 * that uses them without the library gets ST2017 naming the library instead
 * of a bare "unknown name".
 */
export const VENDOR_SYMBOLS: ReadonlyMap<string, string> = new Map([
  ...[
    'ADSLOGSTR',
    'ADSLOGDINT',
    'ADSLOGLREAL',
    'ADSLOGEVENT',
    'F_GETTASKINDEX',
    'GETCURTASKINDEX',
    'FB_FILEOPEN',
    'FB_FILECLOSE',
    'FB_FILEWRITE',
    'FB_FILEREAD',
    'FB_FILEPUTS',
    'FB_FILEGETS',
    'MEMCPY',
    'MEMSET',
    'MEMCMP',
    'MEMMOVE',
    'ADSREAD',
    'ADSWRITE',
    'ADSRDWRT',
    'T_MAXSTRING',
    'T_AMSNETID',
    'T_AMSPORT',
    '_TASKINFO',
    'PLCTASKSYSTEMINFO',
    'TASKINFO',
    'TIMESTRUCT',
    'DRAND',
    'GETSYSTEMTIME',
    'F_GETVERSIONTCSYSTEM',
    'GETCPUCOUNTER',
    'ST_LIBVERSION',
    'ADSLOG_MSGTYPE_ERROR',
    'ADSLOG_MSGTYPE_WARN',
    'ADSLOG_MSGTYPE_HINT',
    'ADSLOG_MSGTYPE_LOG',
    'ADSLOG_MSGTYPE_STRING',
    'TWINCAT_SYSTEMINFOVARLIST',
  ].map((n) => [n, 'Tc2_System'] as const),
  ...[
    'FB_FORMATSTRING',
    'F_TOLCASE',
    'F_TOUCASE',
    'NT_GETTIME',
    'FB_LOCALSYSTEMTIME',
    'SYSTEMTIME_TO_DT',
    'DT_TO_SYSTEMTIME',
    'FILETIME_TO_DT',
    'F_GETSYSTEMTIME',
    'FB_STRINGRINGBUFFER',
    'FB_MEMRINGBUFFER',
    'T_ARG',
    'F_STRING',
    'F_INT',
    'F_DINT',
    'F_LREAL',
    'F_REAL',
    'F_BOOL',
    'LREAL_TO_FMTSTR',
    'FB_GETLOCALAMSNETID',
    'FB_BASICPID',
    'FB_CSVMEMBUFFERREADER',
    'FB_CSVMEMBUFFERWRITER',
    'F_LTRIM',
    'F_RTRIM',
    'BYTE_TO_HEXSTR',
    'WORD_TO_HEXSTR',
    'DWORD_TO_HEXSTR',
    'LWORD_TO_HEXSTR',
  ].map((n) => [n, 'Tc2_Utilities'] as const),
  ...['IBASELIBRARY'].map((n) => [n, 'CODESYS Base Interfaces'] as const),
  ...['SYSFILE'].map((n) => [n, 'CODESYS SysFile'] as const),
  ...['SYSDIR'].map((n) => [n, 'CODESYS SysDir'] as const),
  ...[
    'MC_POWER',
    'MC_RESET',
    'MC_HOME',
    'MC_STOP',
    'MC_HALT',
    'MC_MOVEABSOLUTE',
    'MC_MOVERELATIVE',
    'MC_MOVEVELOCITY',
    'MC_READACTUALPOSITION',
    'MC_READSTATUS',
    'AXIS_REF',
  ].map((n) => [n, 'Tc2_MC2'] as const),
  ...['FB_ECCOESDOREAD', 'FB_ECCOESDOWRITE', 'FB_ECGETSLAVECOUNT'].map((n) => [n, 'Tc2_EtherCAT'] as const),
  ...['SYSMEMCPY', 'SYSMEMSET', 'SYSTIMEGETMS', 'SYSTIMERTCGET'].map(
    (n) => [n, 'CODESYS SysMem/SysTime'] as const,
  ),
  ...[
    'BLINK',
    'FREQ_MEASURE',
    'GEN',
    'HYSTERESIS',
    'LIMITALARM',
    'PID',
    'PD',
    'RAMP_INT',
    'RAMP_REAL',
    'VELOCITY',
  ].map((n) => [n, 'CODESYS Util'] as const),
  ...['TC_EVENTLOGGER', 'FB_TCMESSAGE', 'FB_TCALARM', 'I_TCSOURCEINFO'].map(
    (n) => [n, 'Tc3_EventLogger'] as const,
  ),
]);

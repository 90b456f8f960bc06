/**
 * The standard library the checker knows without a declaration:
 * the standard function blocks (IEC 61131-3 §6.6.3.5) declared in ST and
 * parsed once, the generic standard functions (§6.6.2.5, the table of
 * `standard-library.ts`), the `*_TO_*` conversions (§6.6.2.5.2), and a table of well-known
 * vendor library symbols so a missing library is named in the diagnostic.
 */
import { STANDARD_FUNCTIONS, type StdFunctionDef } from './standard-library';
import {
  ELEMENTARY,
  intInfo,
  isReal,
  T_STRING,
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
export type StdFunction = Pick<StdFunctionDef, 'min' | 'max' | 'result' | 'lvalueArgs'>;

/** Standard functions by upper-case name (the table of `standard-library.ts`). */
export const STD_FUNCTIONS: ReadonlyMap<string, StdFunction> = STANDARD_FUNCTIONS;

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
